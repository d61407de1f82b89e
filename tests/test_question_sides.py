"""Every saved question answers right from every side it can be asked from, however it is bound (issue 12).

A question with a parameter is asked for every resource the data lets it be asked about (derived from the
graph, not listed by hand), on both engines. The claims are about the world the source describes: who is
party to the memorandum, who funds what, who said which quote. Each side is also bound three ways: by the
engine (rdflib's initial bindings; Oxigraph gets the value written in by pia-kg), by a VALUES block (appended
after the query for an IRI parameter, as client libraries do, and at the top of WHERE), and with the value
written into the text by hand; every way gives the same answer on both engines.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections import Counter
from collections.abc import Mapping
from functools import cache
from typing import Any

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Identifier, Node

from pia_kg.project import Project
from pia_kg.rdf.canon import canonical_labels
from pia_kg.rdf.namespaces import PREFIXES, expand_curie
from pia_kg.sparql.engine import load_for_queries, run_query
from pia_kg.sparql.params import parse_value
from pia_kg.sparql.results import GraphResult, QueryResult, SelectResult
from pia_kg.sparql.saved import ENGINES, SavedQuery, list_queries
from pia_kg.sparql.scope import with_values_at_top

from .conftest import REPO_ROOT, SOURCE_FILE, SOURCES_DIR

# The whole-graph checks take seconds on rdflib: the quick set runs them on the default engine, make test
# on both.
ENGINES_RDFLIB_SLOW = [
    pytest.param(engine, marks=pytest.mark.slow) if engine == "rdflib" else engine for engine in ENGINES
]

REPO = Project(REPO_ROOT, SOURCES_DIR)
KG = load_for_queries(REPO)
SAVED = {saved.name: saved for saved in list_queries(REPO) if not saved.is_rule}
LANGUAGES = (Literal("fr"), Literal("en"))


def iri(curie: str) -> URIRef:
    expanded = expand_curie(curie)
    assert expanded is not None, curie
    return URIRef(expanded)


def whole_graph() -> Graph:
    """The ontology and data triples in one plain graph: what the questions are asked of."""
    graph = Graph(bind_namespaces="none")
    for identifier in KG.graph_ids("ontology", "data"):
        for triple in KG.dataset.graph(identifier):
            graph.add(triple)
    return graph


WHOLE = whole_graph()


def listed(select: str) -> tuple[URIRef, ...]:
    """The IRIs a SELECT of one variable finds in the graph, sorted."""
    rows = WHOLE.query(select, initNs=PREFIXES)
    return tuple(sorted({row[0] for row in rows if isinstance(row[0], URIRef)}))  # type: ignore[index]


ORGANISATIONS = listed(
    """SELECT ?x WHERE {
        { ?x a/rdfs:subClassOf* org:Organization } UNION { ?party pia:agent ?x }
        UNION { ?commitment schema:funder|pia:recipient ?x }
        UNION { ?membership org:member|org:organization ?x }
    }"""
)
COUNTRIES = listed(
    "SELECT ?x WHERE { { ?x a/rdfs:subClassOf* pia:Country } UNION { ?agent pia:jurisdiction ?x } }"
)
PEOPLE = listed(
    "SELECT ?x WHERE { { ?x a pia:Person } UNION { ?s prov:wasAttributedTo|pia:candidateSpeaker ?x } }"
)
# what each parameter of each saved question can be asked about
SIDES: dict[str, dict[str, tuple[Identifier, ...]]] = {
    "agreement-parties": {"agreement": listed("SELECT ?x WHERE { ?x pia:hasParty ?party }")},
    "agreements-by-party": {"party": tuple(sorted({*ORGANISATIONS, *COUNTRIES}))},
    "commitment-programmes": {
        "commitment": listed("SELECT ?x WHERE { ?x a pia:FundingCommitment }"),
        "lang": LANGUAGES,
    },
    "describe-resource": {
        "resource": listed(
            "SELECT ?x WHERE { { ?x ?p ?o } UNION { ?s ?p ?x }"
            ' FILTER (STRSTARTS(STR(?x), "https://w3id.org/pia-kg/id/")) }'
        )
    },
    "fact-evidence": {"fact": listed("SELECT ?x WHERE { ?x pia:evidence ?evidence }")},
    "open-funder-lists": {"lang": LANGUAGES},
    "organisation-subgraph": {"organisation": ORGANISATIONS},
    "partnership-members": {"partnership": ORGANISATIONS},
    "statements-by-organisation": {"organisation": ORGANISATIONS},
    "statements-by-person": {"person": PEOPLE},
    "statements-by-theme": {
        "theme": listed("SELECT ?x WHERE { { ?x a pia:Theme } UNION { ?statement dcterms:subject ?x } }")
    },
}
CASES = [
    (name, dict(zip(params, values, strict=True)))
    for name, params in SIDES.items()
    for values in itertools.product(*params.values())
]
# rdflib evaluates these two graph questions whole before it joins a VALUES block (after the query, or at the
# top of WHERE where the join cannot be lazy): 2 to 5 s a side. There rdflib gets the VALUES ways on the
# question's default side only; every other side and question gets every way on both engines.
RDFLIB_VALUES_ON_DEFAULT_ONLY = {"describe-resource", "organisation-subgraph"}


def case_id(case: tuple[str, dict[str, Identifier]]) -> str:
    name, side = case
    return name + ":" + ",".join(f"{key}={_short(value)}" for key, value in side.items())


def _short(term: Identifier) -> str:
    return term.n3().rsplit("/", 1)[-1].rstrip(">") if isinstance(term, URIRef) else str(term)


# ---------------------------------------------------------------- binding a side

WAYS = ("engine", "values at the top of WHERE", "values after the query", "written in")


def bound_text(saved: SavedQuery, side: Mapping[str, Identifier], way: str) -> str:
    """The question's text with the side given a way a client may give it (not `engine`)."""
    if way == "written in":
        text = saved.text
        for name, term in side.items():
            written = term.n3()
            text = re.sub(rf"[?$]{name}(?![\w\u00b7\u00c0-\uffff])", lambda _match, n3=written: n3, text)
        return text
    if way == "values at the top of WHERE":
        return with_values_at_top(saved.text, side)
    # only a resource is reached by a VALUES block after the query; a value read by a FILTER goes at the top
    resources = {name: term for name, term in side.items() if isinstance(term, URIRef)}
    values = {name: term for name, term in side.items() if name not in resources}
    text = with_values_at_top(saved.text, values) if values else saved.text
    if not resources:
        return text
    names = " ".join(f"?{name}" for name in resources)
    terms = " ".join(term.n3() for term in resources.values())
    return text.rstrip() + f"\nVALUES ({names}) {{ ({terms}) }}\n"


def ask(saved: SavedQuery, side: Mapping[str, Identifier], *, engine: str, way: str = "engine") -> Any:
    return _ask(saved.name, tuple(side.items()), engine, way)


@cache
def _ask(name: str, side: tuple[tuple[str, Identifier], ...], engine: str, way: str) -> QueryResult:
    saved = SAVED[name]
    if way == "engine" or not side:
        return run_query(KG, saved, params=dict(side), engine=engine)
    text = bound_text(saved, dict(side), way)
    return run_query(KG, SavedQuery(name=name, relpath=saved.relpath, text=text), engine=engine)  # no header


def answer(result: QueryResult) -> Any:
    """A result as a value: rows as a multiset of exact terms (datatype, language kept); graphs canonical."""
    if isinstance(result, GraphResult):
        return frozenset(canonical_labels(result.graph))  # RDFC-1.0 labels: blank nodes compare by shape
    assert isinstance(result, SelectResult)

    def exact(term: Node | None) -> Any:
        if term is None:
            return None
        if isinstance(term, BNode):
            return "BNode"  # labels are not part of the answer
        datatype, language = getattr(term, "datatype", None), getattr(term, "language", None)
        return type(term).__name__, str(term), datatype, language

    return result.variables, Counter(tuple(exact(term) for term in row) for row in result.rows)


def rows(name: str, *, engine: str, **params: Identifier) -> list[dict[str, Node]]:
    result = ask(SAVED[name], params, engine=engine)
    assert isinstance(result, SelectResult)
    return [
        {variable: term for variable, term in zip(result.variables, row, strict=True) if term is not None}
        for row in result.rows
    ]


def graph_of(name: str, *, engine: str, **params: Identifier) -> Any:
    result = ask(SAVED[name], params, engine=engine)
    assert isinstance(result, GraphResult)
    return result.graph


# ---------------------------------------------------------------- every side, every way, both engines


def test_every_question_with_a_parameter_is_asked_from_every_side() -> None:
    with_params = {
        name: {param.name for param in saved.params} for name, saved in SAVED.items() if saved.params
    }
    assert with_params == {name: set(params) for name, params in SIDES.items()}
    assert all(values for params in SIDES.values() for values in params.values())


# 101 sides x 2 engines x 4 ways of binding: run with the slow tests (make test). The quick set keeps the
# check of which sides there are, and the named parties' answers below.
@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[case_id(case) for case in CASES])
@pytest.mark.parametrize("engine", ENGINES)
def test_each_side_gets_the_same_answer_however_it_is_bound(
    case: tuple[str, dict[str, Identifier]], engine: str
) -> None:
    """Issue 12, item 3: initial bindings, VALUES (after the query, top of WHERE), the value written in."""
    name, side = case
    reference = answer(ask(SAVED[name], side, engine="rdflib"))
    for way in WAYS:
        slow = engine == "rdflib" and way.startswith("values") and name in RDFLIB_VALUES_ON_DEFAULT_ONLY
        if slow and side != default_side(SAVED[name]):
            continue
        assert answer(ask(SAVED[name], side, engine=engine, way=way)) == reference, f"{way} on {engine}"


def default_side(saved: SavedQuery) -> dict[str, Identifier]:
    """The side the expected result is made from: each parameter's default, or its `# example:` value."""
    chosen = {param.name: param.default or saved.examples.get(param.name) for param in saved.params}
    by_name = {param.name: param for param in saved.params}
    return {name: parse_value(text, type_name=by_name[name].type) for name, text in chosen.items() if text}


def test_the_graph_questions_bound_by_values_on_rdflib_are_bound_on_a_real_side() -> None:
    for name in RDFLIB_VALUES_ON_DEFAULT_ONLY:
        assert (name, default_side(SAVED[name])) in CASES


# ---------------------------------------------------------------- what the answers say about the world

MOU = iri("agreement:mou-maroc-current-ai-2025")
CURRENT_AI = iri("organisation:current-ai")
MOROCCAN_GOVERNMENT = iri("organisation:gouvernement-maroc")
MOROCCO = iri("place:maroc")
MARTIN_TISNE = iri("person:martin-tisne")
AMAL_EL_FALLAH_SEGHROUCHNI = iri("person:amal-el-fallah-seghrouchni")
MOROCCAN_COMMITMENT = iri("funding:gouvernement-maroc--current-ai--2025")
INITIAL_INVESTMENT = iri("funding:current-ai--investissement-initial")
TISNE_QUOTE = iri("statement:pr-2025-07-current-ai-maroc--883-1078")
UNATTRIBUTED_QUOTE = iri("statement:pr-2025-07-current-ai-maroc--1159-1425")
MINISTER_QUOTE = iri("statement:pr-2025-07-current-ai-maroc--1429-1891")
PIA = PREFIXES["pia"]


@pytest.mark.parametrize("engine", ENGINES)
def test_current_ai_is_party_to_exactly_the_memorandum_with_the_moroccan_government(engine: str) -> None:
    assert rows("agreements-by-party", engine=engine, party=CURRENT_AI) == [
        {
            "agreement": MOU,
            "agent": CURRENT_AI,
            "date": Literal("2025-07", datatype=iri("xsd:gYearMonth")),
            "status": URIRef(PIA + "status-concluded"),
            "otherAgent": MOROCCAN_GOVERNMENT,
        }
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_the_moroccan_government_is_the_other_party_and_morocco_finds_the_same_agreement(engine: str) -> None:
    from_government = rows("agreements-by-party", engine=engine, party=MOROCCAN_GOVERNMENT)
    assert from_government == [
        {
            "agreement": MOU,
            "agent": MOROCCAN_GOVERNMENT,
            "partyAsStated": Literal("le Maroc", lang="fr"),
            "date": Literal("2025-07", datatype=iri("xsd:gYearMonth")),
            "status": URIRef(PIA + "status-concluded"),
            "otherAgent": CURRENT_AI,
        }
    ]
    assert rows("agreements-by-party", engine=engine, party=MOROCCO) == from_government


@pytest.mark.parametrize("engine", ENGINES)
def test_no_other_organisation_or_country_is_party_to_an_agreement(engine: str) -> None:
    others = [
        side
        for side in SIDES["agreements-by-party"]["party"]
        if side not in (CURRENT_AI, MOROCCAN_GOVERNMENT, MOROCCO)
    ]
    assert iri("organisation:gouvernement-france") in others and iri("place:france") in others
    assert {side: rows("agreements-by-party", engine=engine, party=side) for side in others} == {
        side: [] for side in others
    }


@pytest.mark.parametrize("engine", ENGINES)
def test_the_memorandum_has_two_parties_the_government_acting_for_morocco(engine: str) -> None:
    parties = rows("agreement-parties", engine=engine, agreement=MOU)
    assert [(row["agent"], row.get("jurisdiction"), row.get("partyAsStated")) for row in parties] == [
        (CURRENT_AI, None, None),
        (MOROCCAN_GOVERNMENT, MOROCCO, Literal("le Maroc", lang="fr")),
    ]
    assert [row["agentBasis"] for row in parties] == [
        URIRef(PIA + "basis-stated"),
        URIRef(PIA + "basis-context"),
    ]


@pytest.mark.parametrize("lang", LANGUAGES, ids=str)
@pytest.mark.parametrize("engine", ENGINES)
def test_the_moroccan_commitment_supports_three_pilot_programmes_run_by_current_ai(
    engine: str, lang: Literal
) -> None:
    found = rows("commitment-programmes", engine=engine, commitment=MOROCCAN_COMMITMENT, lang=lang)
    programmes = {row["programme"] for row in found}
    assert programmes == {
        iri("programme:current-ai--pilote-diversite-linguistique"),
        iri("programme:current-ai--pilote-redevabilite"),
        iri("programme:current-ai--pilote-sante"),
    }
    assert {row["runBy"] for row in found} == {CURRENT_AI}
    assert {row["theme"] for row in found} == {
        iri("theme:diversite-linguistique"),
        iri("theme:redevabilite"),
        iri("theme:sante"),
    }
    assert Counter(row["programme"] for row in found) == {programme: 4 for programme in programmes}
    assert {row["aim"].language for row in found} == {str(lang)}
    assert rows("commitment-programmes", engine=engine, commitment=INITIAL_INVESTMENT, lang=lang) == []


@pytest.mark.parametrize("lang", LANGUAGES, ids=str)
@pytest.mark.parametrize("engine", ENGINES)
def test_only_the_initial_investment_leaves_its_funders_open(engine: str, lang: Literal) -> None:
    found = rows("open-funder-lists", engine=engine, lang=lang)
    assert {row["commitment"] for row in found} == {INITIAL_INVESTMENT}
    assert {row["namedFunder"] for row in found} == {
        iri("organisation:ai-collaborative"),
        iri("organisation:gouvernement-france"),
    }
    assert {row["unnamedFunders"].language for row in found} == {str(lang)}


@pytest.mark.parametrize("engine", ENGINES_RDFLIB_SLOW)
def test_each_organisation_subgraph_holds_what_the_organisation_takes_part_in(engine: str) -> None:
    whole = WHOLE
    expected = {
        CURRENT_AI: {
            MOU,
            MOROCCAN_COMMITMENT,
            INITIAL_INVESTMENT,
            iri("organisation:current-ai--comite-prefiguration"),
            iri("post:current-ai--comite-prefiguration--president"),
            MARTIN_TISNE,
            iri("membership:gouvernement-maroc--current-ai--membre-fondateur"),
            iri("event:current-ai--lancement"),
            iri("event:current-ai--assemblee-generale-constitutive"),
            iri("programme:current-ai--pilote-sante"),
            iri("party:mou-maroc-current-ai-2025--current-ai"),
        },
        MOROCCAN_GOVERNMENT: {
            MOU,
            MOROCCAN_COMMITMENT,
            iri("party:mou-maroc-current-ai-2025--gouvernement-maroc"),
            iri("post:gouvernement-maroc--ministre--amal-el-fallah-seghrouchni"),
            AMAL_EL_FALLAH_SEGHROUCHNI,
            iri("membership:gouvernement-maroc--current-ai--membre-fondateur"),
            iri("event:current-ai--assemblee-generale-constitutive"),
        },
        iri("organisation:gouvernement-france"): {INITIAL_INVESTMENT},
        iri("organisation:ai-collaborative"): {INITIAL_INVESTMENT},
    }
    for organisation in ORGANISATIONS:
        graph = graph_of("organisation-subgraph", engine=engine, organisation=organisation)
        own = set(whole.triples((organisation, None, None)))
        assert own and own <= set(graph), organisation
        assert len(graph) < len(whole), organisation  # never the whole graph
        described = {subject for subject in graph.subjects() if isinstance(subject, URIRef)}
        assert expected.get(organisation, set()) <= described, organisation
    france = graph_of(
        "organisation-subgraph", engine=engine, organisation=iri("organisation:gouvernement-france")
    )
    assert MOU not in set(france.subjects())  # France funds Current AI; it is no party to the memorandum


@pytest.mark.parametrize("engine", ENGINES)
def test_the_moroccan_government_is_the_one_announced_founding_member_of_current_ai(engine: str) -> None:
    assert rows("partnership-members", engine=engine, partnership=CURRENT_AI) == [
        {
            "membership": iri("membership:gouvernement-maroc--current-ai--membre-fondateur"),
            "member": MOROCCAN_GOVERNMENT,
            "role": URIRef(PIA + "role-founding-member"),
            "startDate": Literal("2025-07", datatype=iri("xsd:gYearMonth")),
            "status": URIRef(PIA + "status-announced"),
            "dateBasis": URIRef(PIA + "basis-relative-date"),
        }
    ]
    others = [side for side in ORGANISATIONS if side != CURRENT_AI]
    assert all(rows("partnership-members", engine=engine, partnership=side) == [] for side in others)


@pytest.mark.parametrize("engine", ENGINES)
def test_statements_made_for_an_organisation_are_those_of_its_posts_holders(engine: str) -> None:
    said = {
        side: [
            row["statement"] for row in rows("statements-by-organisation", engine=engine, organisation=side)
        ]
        for side in ORGANISATIONS
    }
    assert said == {
        **{side: [] for side in ORGANISATIONS},
        CURRENT_AI: [TISNE_QUOTE],  # as chair of its preparatory committee
        iri("organisation:current-ai--comite-prefiguration"): [TISNE_QUOTE],
        MOROCCAN_GOVERNMENT: [MINISTER_QUOTE],
    }


@pytest.mark.parametrize("engine", ENGINES)
def test_who_said_what_the_unattributed_quote_has_a_candidate_speaker_only(engine: str) -> None:
    def said(person: Identifier | None) -> list[tuple[Node, Node, Node | None]]:
        params = {} if person is None else {"person": person}
        return [
            (row["statement"], row["attributionBasis"], row.get("capacity"))
            for row in rows("statements-by-person", engine=engine, **params)
        ]

    stated, adjacency = URIRef(PIA + "basis-stated"), URIRef(PIA + "basis-adjacency")
    assert said(MARTIN_TISNE) == [
        (TISNE_QUOTE, stated, iri("post:current-ai--comite-prefiguration--president")),
        (UNATTRIBUTED_QUOTE, adjacency, None),
    ]
    assert said(AMAL_EL_FALLAH_SEGHROUCHNI) == [
        (MINISTER_QUOTE, stated, iri("post:gouvernement-maroc--ministre--amal-el-fallah-seghrouchni"))
    ]
    assert sorted(row[0] for row in said(None)) == sorted([TISNE_QUOTE, UNATTRIBUTED_QUOTE, MINISTER_QUOTE])
    assert set(SIDES["statements-by-person"]["person"]) == {MARTIN_TISNE, AMAL_EL_FALLAH_SEGHROUCHNI}
    whole = WHOLE
    assert list(whole.objects(UNATTRIBUTED_QUOTE, iri("prov:wasAttributedTo"))) == []


@pytest.mark.parametrize("engine", ENGINES)
def test_statements_on_a_theme_are_the_ones_indexed_under_it(engine: str) -> None:
    on = {
        side: sorted(row["statement"] for row in rows("statements-by-theme", engine=engine, theme=side))
        for side in SIDES["statements-by-theme"]["theme"]
    }
    assert on == {
        **{side: [] for side in SIDES["statements-by-theme"]["theme"]},
        iri("theme:ia-interet-general"): sorted([MINISTER_QUOTE, UNATTRIBUTED_QUOTE, TISNE_QUOTE]),
        iri("theme:gouvernance-ia"): [MINISTER_QUOTE],
    }


@pytest.mark.parametrize("engine", ENGINES_RDFLIB_SLOW)
def test_every_span_of_every_fact_is_the_source_text_between_its_offsets(engine: str) -> None:
    text = (SOURCES_DIR / SOURCE_FILE).read_text(encoding="utf-8")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    for fact in SIDES["fact-evidence"]["fact"]:
        spans = rows("fact-evidence", engine=engine, fact=fact)
        assert spans, fact
        for span in spans:
            assert span["source"] == iri("doc:pr-2025-07-current-ai-maroc")
            assert str(span["sha256"]) == digest
            assert text[int(span["start"]) : int(span["end"])] == str(span["exact"]), fact


@pytest.mark.parametrize("engine", ENGINES_RDFLIB_SLOW)
def test_each_description_holds_every_triple_in_and_out_of_the_resource(engine: str) -> None:
    whole = WHOLE
    for resource in SIDES["describe-resource"]["resource"]:
        graph = set(graph_of("describe-resource", engine=engine, resource=resource))
        outgoing = set(whole.triples((resource, None, None)))
        incoming = set(whole.triples((None, None, resource)))
        assert outgoing | incoming <= graph, resource
    martin = graph_of("describe-resource", engine=engine, resource=MARTIN_TISNE)
    assert set(martin.subjects(iri("prov:wasAttributedTo"), MARTIN_TISNE)) == {TISNE_QUOTE}
    assert set(martin.subjects(iri("pia:candidateSpeaker"), MARTIN_TISNE)) == {UNATTRIBUTED_QUOTE}


# ---------------------------------------------------------------- a third engine: Apache Jena ARQ

# every side above, and each question that can be asked without a value (no parameter, or an optional one)
ARQ_CASES = CASES + [
    (name, {}) for name, saved in SAVED.items() if all(param.default == "" for param in saved.params)
]


@pytest.fixture(scope="module")
def arq_answers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """ARQ's answer to every case, the value written into the text, over `pia-kg export -f ntriples`."""
    from pia_kg.publish.export import export

    from .arq import arq_missing, run_arq

    reason = arq_missing()
    if reason is not None:
        pytest.skip(reason)
    work_dir = tmp_path_factory.mktemp("arq")
    data = work_dir / "pia-kg.nt"
    data.write_bytes(export(KG, "ntriples"))
    written = [bound_text(SAVED[name], side, "written in") for name, side in ARQ_CASES]
    queries = {f"{index:03d}": text for index, text in enumerate(written)}
    return run_arq(data, queries, work_dir)


@pytest.mark.external
@pytest.mark.parametrize("index", range(len(ARQ_CASES)), ids=[case_id(case) for case in ARQ_CASES])
def test_jena_arq_gives_the_same_answer_from_every_side(arq_answers: dict[str, Any], index: int) -> None:
    name, side = ARQ_CASES[index]
    found = arq_answers[f"{index:03d}"]
    assert not isinstance(found, str), f"ARQ refused {name}: {found}"
    assert answer(found) == answer(ask(SAVED[name], side, engine="rdflib"))
