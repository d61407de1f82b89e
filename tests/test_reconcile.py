"""The Reconciliation Service API 0.2 of `pia-kg serve`, over HTTP against a real server on a loopback port.

The server is `pia-kg serve` in a subprocess over the repository's own graph; every answer, valid or not, is
checked against the JSON Schemas the W3C community group publishes for version 0.2, kept unchanged in
`../shared/standards/reconciliation-api-0.2/`.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from pia_kg.graph.loading import load
from pia_kg.project import Project
from pia_kg.publish.export import canonical_dataset, union_graph
from pia_kg.serve.reconcile import MAX_QUERIES, ReconcileError, Reconciler, normalise, similarity
from tests.conftest import REPO_ROOT, SOURCES_DIR
from tests.test_server_clients import start_server, stop_server

pytestmark = pytest.mark.slow  # one `pia-kg serve` process for the module, which takes seconds to start

SCHEMAS = REPO_ROOT.parent / "shared" / "standards" / "reconciliation-api-0.2"
PIA = "https://w3id.org/pia-kg/ns#"
ID = "https://w3id.org/pia-kg/id/"
MAROC_COUNTRY = ID + "place/maroc"
MAROC_GOVERNMENT = ID + "organisation/gouvernement-maroc"
SEGHROUCHNI = ID + "person/amal-el-fallah-seghrouchni"
TISNE = ID + "person/martin-tisne"
DOCUMENT = ID + "doc/pr-2025-07-current-ai-maroc"
INITIAL_INVESTMENT = ID + "funding/current-ai--investissement-initial"
MOU = ID + "agreement/mou-maroc-current-ai-2025"
# A reconciliation error as the server sends it (the API defines none)
ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {"type": "string", "minLength": 1},
        "hint": {"type": "string"},
        "status": {"const": 400},
    },
    "required": ["error", "status"],
    "additionalProperties": False,
}


def schema_registry() -> Registry:
    resources = []
    for path in sorted(SCHEMAS.glob("*.json")):
        if path.name == "openapi.json":
            continue
        document = json.loads(path.read_text(encoding="utf-8"))
        resources.append((document["$id"], Resource.from_contents(document, default_specification=DRAFT7)))
    return Registry().with_resources(resources)


def validate(document: Any, schema_file: str) -> None:
    """Check `document` against one of the published schemas (their `$ref`s resolved offline)."""
    assert (SCHEMAS / schema_file).is_file(), f"{SCHEMAS / schema_file} is missing (../shared/standards)"
    schema = json.loads((SCHEMAS / schema_file).read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema, registry=schema_registry()).validate(document)


def invalid(document: Any, schema_file: str) -> bool:
    try:
        validate(document, schema_file)
    except jsonschema.ValidationError:
        return True
    return False


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    running = start_server("--workers", "1")
    yield running.url.removesuffix("sparql")
    code, stderr = stop_server(running, signal.SIGTERM)
    assert code == 0, stderr


def reconcile(
    base: str, queries: dict[str, Any], *, method: str = "POST", lang: str = "en"
) -> dict[str, Any]:
    """POST (as OpenRefine does) or GET `queries=`; the answer, checked against the result batch schema."""
    validate(queries, "reconciliation-query-batch.json")
    text = json.dumps(queries)
    headers = {"Accept-Language": lang}
    if method == "POST":
        response = httpx.post(base + "reconcile", data={"queries": text}, headers=headers, timeout=30)
    else:
        response = httpx.get(base + "reconcile", params={"queries": text}, headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    document: dict[str, Any] = response.json()
    validate(document, "reconciliation-result-batch.json")
    assert sorted(document) == sorted(queries)
    return document


def ids(answer: dict[str, Any]) -> list[str]:
    return [candidate["id"] for candidate in answer["result"]]


def refused(response: httpx.Response) -> dict[str, Any]:
    """A malformed request: 400 with a JSON error that says what is wrong."""
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/json"
    document: dict[str, Any] = response.json()
    jsonschema.Draft7Validator(ERROR_SCHEMA).validate(document)
    return document


# ------------------------------------------------------------------ manifest


def test_the_manifest_validates_and_names_the_routes(base: str) -> None:
    response = httpx.get(base + "reconcile", headers={"Origin": "https://example.org"}, timeout=30)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    manifest = response.json()
    validate(manifest, "manifest.json")
    assert manifest["versions"] == ["0.2"]
    assert manifest["identifierSpace"] == ID
    assert manifest["schemaSpace"] == PIA
    assert {t["id"] for t in manifest["defaultTypes"]} >= {
        PIA + name
        for name in (
            "Organisation",
            "GovernmentOrganisation",
            "Person",
            "Agreement",
            "Programme",
            "Place",
            "Event",
            "SourceDocument",
        )
    }
    assert manifest["preview"]["url"] == base + "reconcile/preview?id={{id}}"
    for service in ("entity", "type", "property"):
        assert manifest["suggest"][service] == {
            "service_url": base + "reconcile",
            "service_path": f"/suggest/{service}",
        }
    view = httpx.get(manifest["view"]["url"].replace("{{id}}", TISNE), timeout=30, follow_redirects=True)
    assert view.status_code == 200 and "Martin Tisné" in view.text


def test_the_manifest_speaks_french_when_asked(base: str) -> None:
    manifest = httpx.get(base + "reconcile", headers={"Accept-Language": "fr"}, timeout=30).json()
    validate(manifest, "manifest.json")
    assert {"id": PIA + "Person", "name": "personne"} in manifest["defaultTypes"]


# ------------------------------------------------------------------ matching


def test_le_maroc_finds_the_country_and_the_government_each_typed(base: str) -> None:
    answer = reconcile(base, {"q0": {"query": "le Maroc"}})["q0"]
    found = {candidate["id"]: candidate for candidate in answer["result"]}
    country, government = found[MAROC_COUNTRY], found[MAROC_GOVERNMENT]
    assert ids(answer)[:2] == [MAROC_COUNTRY, MAROC_GOVERNMENT]
    assert country["score"] == 100.0 and government["score"] == 90.0
    assert country["match"] is False and government["match"] is False  # two exact names: ambiguous
    assert [t["id"] for t in country["type"]] == [PIA + "Country", PIA + "Place"]
    assert [t["id"] for t in government["type"]] == [PIA + "GovernmentOrganisation", PIA + "Organisation"]
    assert government["description"] == "as stated in the source: le Maroc"


@pytest.mark.parametrize(
    ("type_id", "expected"),
    [(PIA + "GovernmentOrganisation", MAROC_GOVERNMENT), (PIA + "Place", MAROC_COUNTRY)],
)
def test_a_type_makes_le_maroc_an_unambiguous_match(base: str, type_id: str, expected: str) -> None:
    answer = reconcile(base, {"q": {"query": "le Maroc", "type": type_id}})["q"]
    assert ids(answer)[0] == expected  # Afrique is a weaker candidate among the places
    assert [c["match"] for c in answer["result"]] == [True] + [False] * (len(answer["result"]) - 1)


def test_both_languages_find_the_same_entity(base: str) -> None:
    answers = reconcile(
        base,
        {
            "en": {"query": "Government of Morocco"},
            "fr": {"query": "Gouvernement marocain"},
            "en-place": {"query": "Morocco", "type": PIA + "Place"},
        },
    )
    assert ids(answers["en"])[0] == ids(answers["fr"])[0] == MAROC_GOVERNMENT
    assert answers["en"]["result"][0]["match"] is answers["fr"]["result"][0]["match"] is True
    assert ids(answers["en-place"]) == [MAROC_COUNTRY]


def test_accents_and_case_do_not_matter(base: str) -> None:
    answers = reconcile(
        base,
        {
            "lower": {"query": "seghrouchni"},
            "upper": {"query": "AMAL EL FALLAH SEGHROUCHNI"},
            "no-accent": {"query": "martin tisne"},
            "accents-added": {"query": "Mârtin Tïsné"},
        },
        method="GET",
    )
    assert ids(answers["lower"])[0] == SEGHROUCHNI
    assert answers["lower"]["result"][0]["match"] is False  # one word of four: a candidate, not a match
    assert answers["upper"]["result"][0] == {
        **answers["upper"]["result"][0],
        "id": SEGHROUCHNI,
        "match": True,
    }
    for key in ("no-accent", "accents-added"):
        assert ids(answers[key]) == [TISNE] and answers[key]["result"][0]["match"] is True


def test_a_name_not_in_the_graph_gets_no_candidate(base: str) -> None:
    assert reconcile(base, {"q": {"query": "Jean Dupont"}})["q"]["result"] == []


def test_scores_are_deterministic_and_the_same_by_get_and_post(base: str) -> None:
    queries = {f"q{i}": {"query": name} for i, name in enumerate(("le Maroc", "Current", "Tisne", "Paris"))}
    first = httpx.post(base + "reconcile", data={"queries": json.dumps(queries)}, timeout=30).content
    again = httpx.post(base + "reconcile", data={"queries": json.dumps(queries)}, timeout=30).content
    by_get = httpx.get(base + "reconcile", params={"queries": json.dumps(queries)}, timeout=30).content
    assert first == again == by_get
    scores = [c["score"] for c in json.loads(first)["q1"]["result"]]
    assert scores == sorted(scores, reverse=True)


def test_the_score_formula_of_the_readme() -> None:
    assert normalise("L\u2019Élysée") == "elysee"
    assert normalise("le Maroc") == normalise("MAROC") == "maroc"
    assert normalise("Lé") == "le"  # a lone word is a name, not an article
    assert similarity("seghrouchni", "amal el fallah seghrouchni") == 0.675
    assert similarity("maroc", "maroc") == 1.0
    assert similarity("tisne martin", "martin tisne") == 0.9


def test_a_limit_cuts_the_candidates(base: str) -> None:
    answer = reconcile(base, {"q": {"query": "Current AI", "limit": 2}})["q"]
    assert len(answer["result"]) == 2


# ------------------------------------------------------------------ property constraints


def test_a_persons_organisation_rescores(base: str) -> None:
    answers = reconcile(
        base,
        {
            "right": {"query": "Tisné", "properties": [{"pid": "organisation", "v": "Current AI"}]},
            "wrong": {
                "query": "Tisné",
                "properties": [{"pid": "organisation", "v": "Gouvernement marocain"}],
            },
            "by-id": {
                "query": "Seghrouchni",
                "properties": [{"pid": "organisation", "v": {"id": MAROC_GOVERNMENT}}],
            },
            "only-property": {"properties": [{"pid": "organisation", "v": {"id": MAROC_GOVERNMENT}}]},
        },
    )
    right, wrong = answers["right"]["result"][0], answers["wrong"]["result"][0]
    assert right["id"] == wrong["id"] == TISNE
    assert right["score"] == 2 * wrong["score"]  # (1 + satisfied) / (1 + constraints)
    assert {"id": "properties", "value": 1.0} in right["features"]
    assert {"id": "properties", "value": 0.0} in wrong["features"]
    assert ids(answers["by-id"]) == [SEGHROUCHNI]
    assert ids(answers["only-property"]) == [SEGHROUCHNI]


def test_an_exact_name_with_a_failed_constraint_is_no_match(base: str) -> None:
    query = {"query": "Martin Tisné", "properties": [{"pid": "organisation", "v": "Gouvernement marocain"}]}
    candidate = reconcile(base, {"q": query})["q"]["result"][0]
    assert candidate["id"] == TISNE and candidate["match"] is False and candidate["score"] == 50.0


# ------------------------------------------------------------------ suggest, preview


def test_suggest_entities_types_and_properties(base: str) -> None:
    entities = httpx.get(base + "reconcile/suggest/entity", params={"prefix": "seghr"}, timeout=30).json()
    validate(entities, "suggest-entities-response.json")
    assert [e["id"] for e in entities["result"]] == [SEGHROUCHNI]
    types = httpx.get(base + "reconcile/suggest/type", params={"prefix": "gouv"}, timeout=30).json()
    validate(types, "suggest-types-response.json")
    assert [t["id"] for t in types["result"]] == [PIA + "GovernmentOrganisation"]
    properties = httpx.get(base + "reconcile/suggest/property", params={"prefix": "org"}, timeout=30).json()
    validate(properties, "suggest-properties-response.json")
    assert [p["id"] for p in properties["result"]] == ["organisation", "organisation.source"]
    proposal = httpx.get(base + "reconcile/properties", params={"type": PIA + "Person"}, timeout=30).json()
    validate(proposal, "data-extension-property-proposal.json")
    assert {"posts", "posts.source", "organisation"} <= {p["id"] for p in proposal["properties"]}
    assert "amount" not in {p["id"] for p in proposal["properties"]}


def test_the_preview_is_an_escaped_card_with_label_type_and_source(base: str) -> None:
    response = httpx.get(base + "reconcile/preview", params={"id": MAROC_GOVERNMENT}, timeout=30)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "Government of Morocco" in response.text and "government organisation" in response.text
    assert "Press release: memorandum of understanding between Current AI and Morocco" in response.text
    assert 'href="/id/doc/pr-2025-07-current-ai-maroc"' in response.text
    french = httpx.get(
        base + "reconcile/preview", params={"id": DOCUMENT}, headers={"Accept-Language": "fr"}, timeout=30
    )
    assert "Communiqué de presse : protocole d\u2019accord entre Current AI et le Maroc" in french.text
    assert "communiqué de presse" in french.text  # the type, in French
    hostile = httpx.get(base + "reconcile/preview", params={"id": "<script>alert(1)</script>"}, timeout=30)
    assert hostile.status_code == 404 and hostile.headers["content-type"] == "application/json"


# ------------------------------------------------------------------ data extension


def extend(base: str, query: dict[str, Any]) -> dict[str, Any]:
    validate(query, "data-extension-query.json")
    response = httpx.post(base + "reconcile", data={"extend": json.dumps(query)}, timeout=30)
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    validate(document, "data-extension-response.json")
    return document


def test_extension_values_carry_their_source_row_by_row(base: str) -> None:
    wanted = ["label-en", "label-fr", "posts", "organisation", "parties", "amount", "assumed-currency"]
    properties = [{"id": pid} for name in wanted for pid in (name, name + ".source")]
    document = extend(base, {"ids": [TISNE, MOU, INITIAL_INVESTMENT], "properties": properties})
    assert [entry["id"] for entry in document["meta"]] == [p["id"] for p in properties]
    rows = document["rows"]
    source = {
        "id": DOCUMENT,
        "name": "Press release: memorandum of understanding between Current AI and Morocco (July 2025)",
    }
    tisne, mou, funding = rows[TISNE], rows[MOU], rows[INITIAL_INVESTMENT]
    assert tisne["label-en"] == [{"str": "Martin Tisné"}] and tisne["label-fr"] == [{"str": "Martin Tisné"}]
    assert tisne["posts"] == [
        {
            "id": ID + "post/current-ai--comite-prefiguration--president",
            "name": "Chair of the Current AI preparatory committee",
        }
    ]
    assert tisne["organisation"] == [
        {
            "id": ID + "organisation/current-ai--comite-prefiguration",
            "name": "Current AI preparatory committee",
        }
    ]
    assert {v["id"] for v in mou["parties"]} == {ID + "organisation/current-ai", MAROC_GOVERNMENT}
    assert funding["amount"] == [{"float": 400000000.0}]
    assert funding["assumed-currency"] == [{"str": "USD"}]
    for row in rows.values():
        for name in wanted:
            assert len(row[name + ".source"]) == len(row[name])
            assert all(value == source for value in row[name + ".source"])
    assert mou["amount"] == [] and tisne["parties"] == []


def test_extension_in_french(base: str) -> None:
    response = httpx.post(
        base + "reconcile",
        data={"extend": json.dumps({"ids": [MAROC_GOVERNMENT], "properties": [{"id": "agreements"}]})},
        headers={"Accept-Language": "fr"},
        timeout=30,
    )
    document = response.json()
    validate(document, "data-extension-response.json")
    assert document["meta"] == [{"id": "agreements", "name": "partie à"}]
    assert document["rows"][MAROC_GOVERNMENT]["agreements"] == [
        {"id": MOU, "name": "Protocole d\u2019accord entre le Maroc et Current AI"}
    ]


# ------------------------------------------------------------------ malformed requests


# (what, the queries= text, what the error says, whether the published schema already refuses it): some
# batches are valid by the schema and still cannot be answered (a type unknown here, too many queries).
MALFORMED_QUERIES = [
    ("not JSON", '{"q": ', "not valid JSON", True),
    ("not an object", "[1, 2]", "expected a JSON object", True),
    ("a query that is a string", json.dumps({"q": "Maroc"}), "expected an object", True),
    ("unknown type", json.dumps({"q": {"query": "Maroc", "type": PIA + "Unicorn"}}), "unknown type", False),
    ("limit a string", json.dumps({"q": {"query": "Maroc", "limit": "3"}}), "whole number", True),
    ("limit a fraction", json.dumps({"q": {"query": "Maroc", "limit": 2.5}}), "whole number", False),
    ("limit zero", json.dumps({"q": {"query": "Maroc", "limit": 0}}), "expected 1 to", False),
    ("query a number", json.dumps({"q": {"query": 7}}), "expected a string", True),
    ("unknown member", json.dumps({"q": {"query": "Maroc", "colour": "blue"}}), "unknown member", True),
    ("bad type_strict", json.dumps({"q": {"query": "Maroc", "type_strict": "most"}}), "type_strict", True),
    (
        "unknown property",
        json.dumps({"q": {"query": "x", "properties": [{"pid": "shoe", "v": "x"}]}}),
        "shoe",
        False,
    ),
    (
        "property without v",
        json.dumps({"q": {"query": "x", "properties": [{"pid": "posts"}]}}),
        "pid and v",
        True,
    ),
    ("too many", json.dumps({f"q{i}": {"query": "x"} for i in range(MAX_QUERIES + 1)}), "more than", False),
    ("nothing to match", json.dumps({"q": {"query": " "}}), "non-empty query", False),
    ("a text, not a name", json.dumps({"q": {"query": "Maroc " * 200}}), "longer than", False),
]


@pytest.mark.parametrize(
    ("text", "message", "schema_refuses"),
    [case[1:] for case in MALFORMED_QUERIES],
    ids=[case[0] for case in MALFORMED_QUERIES],
)
def test_malformed_queries_get_a_clear_400(base: str, text: str, message: str, schema_refuses: bool) -> None:
    try:
        document = json.loads(text)
    except ValueError:
        assert schema_refuses
    else:
        assert invalid(document, "reconciliation-query-batch.json") is schema_refuses
    for response in (
        httpx.post(base + "reconcile", data={"queries": text}, timeout=30),
        httpx.get(base + "reconcile", params={"queries": text}, timeout=30),
    ):
        assert message in refused(response)["error"]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"extend": "{"}, "not valid JSON"),
        ({"extend": json.dumps({"ids": TISNE, "properties": [{"id": "posts"}]})}, "extend.ids"),
        ({"extend": json.dumps({"ids": [TISNE], "properties": []})}, "extend.properties"),
        ({"extend": json.dumps({"ids": [TISNE], "properties": [{"id": "shoe"}]})}, "unknown property"),
        ({"extend": json.dumps({"ids": [TISNE], "properties": ["posts"]})}, "expected an object"),
        ({"queries": "{}", "extend": "{}"}, "not both"),
    ],
)
def test_malformed_extension_requests_get_a_clear_400(base: str, form: dict[str, str], message: str) -> None:
    assert message in refused(httpx.post(base + "reconcile", data=form, timeout=30))["error"]


def test_json_nested_too_deep_is_refused_not_a_crash(base: str) -> None:
    deep = "[" * 10_000 + "]" * 10_000  # 60 kB once form-encoded, under the body limit
    for field in ("queries", "extend"):
        assert (
            "not valid JSON"
            in refused(httpx.post(base + "reconcile", data={field: deep}, timeout=30))["error"]
        )
    assert httpx.get(base + "reconcile", timeout=30).status_code == 200  # the server still answers


def test_other_malformed_requests(base: str) -> None:
    assert "prefix" in refused(httpx.get(base + "reconcile/suggest/entity", timeout=30))["error"]
    cursor = httpx.get(base + "reconcile/suggest/type", params={"prefix": "a", "cursor": "x"}, timeout=30)
    assert "cursor" in refused(cursor)["error"]
    limit = httpx.get(base + "reconcile/properties", params={"limit": "ten"}, timeout=30)
    assert "limit" in refused(limit)["error"]
    unknown = httpx.get(base + "reconcile/properties", params={"type": PIA + "Unicorn"}, timeout=30)
    assert "unknown type" in refused(unknown)["error"]
    empty_post = httpx.post(base + "reconcile", data={"other": "1"}, timeout=30)
    assert "queries=" in refused(empty_post)["error"]
    latin1 = httpx.post(
        base + "reconcile",
        content=b"queries={}",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=latin-1"},
        timeout=30,
    )
    assert latin1.status_code == 415 and "latin-1" in latin1.json()["error"]


def test_the_schemas_are_the_published_ones() -> None:
    assert Path(SCHEMAS / "manifest.json").is_file(), "../shared/standards/reconciliation-api-0.2 is missing"
    assert invalid({"versions": ["0.1"], "name": "x"}, "manifest.json")
    assert invalid({"q": {"result": [{"id": "x"}]}}, "reconciliation-result-batch.json")


# ------------------------------------------------------------------ any JSON: an answer or a clear error


@pytest.fixture(scope="module")
def reconciler() -> Reconciler:
    return Reconciler(union_graph(canonical_dataset(load(Project(REPO_ROOT, SOURCES_DIR)))))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
QUERY_MEMBERS = st.sampled_from(["query", "type", "limit", "properties", "type_strict", "pid", "v", "id"])
QUERIES = st.dictionaries(
    st.text(max_size=4),
    st.dictionaries(QUERY_MEMBERS, JSON_VALUES | st.just(PIA + "Person") | st.just("posts"), max_size=4)
    | JSON_VALUES,
    max_size=4,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=QUERIES | JSON_VALUES)
def test_any_json_gets_a_valid_answer_or_a_reconcile_error(reconciler: Reconciler, batch: Any) -> None:
    for method, schema in (
        (reconciler.reconcile, "reconciliation-result-batch.json"),
        (reconciler.extend, "data-extension-response.json"),
    ):
        try:
            answer = method(json.dumps(batch), "en")
        except ReconcileError as err:
            assert err.message
        else:
            validate(answer, schema)
