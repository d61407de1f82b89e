"""JSON-LD: the project context, checked by an independent processor (pyld) that never fetches anything."""

from __future__ import annotations

import json
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyld.jsonld import JsonLdError
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from pia_kg.publish.export import export
from pia_kg.publish.site.pages import describe
from pia_kg.rdf.jsonld import (
    CONTEXT_URL,
    FRAMES,
    compact_graph,
    compact_ntriples,
    dump_json,
    frame_graph,
    offline_loader,
    read_frame,
    to_rdf_graph,
)
from pia_kg.rdf.namespaces import ORG, PIA, PROV, RDF, SKOS, XSD

from .published import repository


@lru_cache(maxsize=1)
def _exported() -> dict:  # type: ignore[type-arg]
    _, kg, context = repository()
    return json.loads(export(kg, "jsonld", context=context))  # type: ignore[no-any-return]


@pytest.mark.slow
def test_pyld_expands_the_export_to_a_graph_isomorphic_to_the_source() -> None:
    _, kg, context = repository()
    assert isomorphic(to_rdf_graph(_exported(), context), kg.union("ontology", "data"))


@pytest.mark.slow
def test_rdflib_json_ld_parser_agrees_with_pyld() -> None:
    context = repository()[2]
    parsed = Graph().parse(data=json.dumps(_exported()), format="json-ld")
    assert isomorphic(parsed, to_rdf_graph(_exported(), context))


def test_the_offline_loader_refuses_every_remote_url_but_serves_the_project_context() -> None:
    _, _, context = repository()
    load_document = offline_loader(context)
    assert load_document(CONTEXT_URL)["document"] == context
    with pytest.raises(JsonLdError):
        load_document("https://schema.org/")
    with pytest.raises(JsonLdError):
        to_rdf_graph({"@context": "https://example.org/context.jsonld", "@id": "x"}, context)


def test_every_property_and_class_in_the_export_has_a_readable_key() -> None:
    document = _exported()
    keys = {key for node in document["@graph"] for key in _all_keys(node)}
    assert not [key for key in keys if ":" in key]
    types = {t for node in document["@graph"] for t in _as_list(node.get("type"))}
    assert not [t for t in types if ":" in t]


def test_the_context_has_no_vocab_and_defines_the_documented_keys() -> None:
    _, _, context = repository()
    terms = context["@context"]
    assert "@vocab" not in terms
    for key in ("label", "prefLabel", "hasParty", "evidence", "start", "end", "exact", "text", "date"):
        assert key in terms, key


def test_labels_are_language_maps_and_typed_values_are_plain_strings() -> None:
    nodes = {node.get("id"): node for node in _exported()["@graph"]}
    agreement = nodes["agreement:mou-maroc-current-ai-2025"]
    assert set(agreement["prefLabel"]) == {"en", "fr"}
    assert agreement["date"] == "2025-07"
    selectors = [s for e in _as_list(agreement["evidence"]) for s in _as_list(e["hasSelector"])]
    assert {"start": "87", "end": "218", "type": "TextPositionSelector"} in selectors


def test_the_agreement_frame_nests_parties_commitments_and_evidence() -> None:
    view = _framed("agreement")
    [agreement] = view["@graph"]
    parties = _as_list(agreement["hasParty"])
    assert {party["agent"]["id"] for party in parties} == {
        "organisation:current-ai",
        "organisation:gouvernement-maroc",
    }
    assert all("en" in party["agent"]["prefLabel"] for party in parties)
    funding = _as_list(agreement["supportedBy"])[0]
    assert funding["funder"]["prefLabel"]["en"] == "Government of Morocco"
    assert _as_list(agreement["evidence"])[0]["hasSelector"]


def test_the_person_frame_lists_posts_and_statements() -> None:
    people = {person["id"]: person for person in _framed("person")["@graph"]}
    minister = people["person:amal-el-fallah-seghrouchni"]
    assert minister["holds"]["id"].startswith("post:")
    said = _as_list(minister["@reverse"]["wasAttributedTo"])
    assert [s["id"] for s in said] == ["statement:pr-2025-07-current-ai-maroc--1429-1891"]


def test_the_statement_frame_embeds_speaker_and_spans() -> None:
    statements = {s["id"]: s for s in _framed("statement")["@graph"]}
    statement = statements["statement:pr-2025-07-current-ai-maroc--883-1078"]
    assert statement["wasAttributedTo"]["name"] == "Martin Tisné"
    assert statement["evidence"]["hasSelector"]


@pytest.mark.parametrize("name", FRAMES)
def test_framed_views_only_state_triples_of_the_graph(name: str) -> None:
    _, kg, context = repository()
    view = _framed(name)
    source = kg.union("data")
    stated = to_rdf_graph(view, context)
    assert len(stated) > 0
    assert _ground_triples(stated) <= _ground_triples(source)
    assert len(stated) <= len(source)


def test_a_resource_document_with_the_published_context_url_expands_offline() -> None:
    _, kg, context = repository()
    graph = kg.union("ontology", "data")
    statement = URIRef("https://w3id.org/pia-kg/id/statement/pr-2025-07-current-ai-maroc--883-1078")
    description = describe(graph, statement)
    document = compact_graph(description, context, context_url=True)
    assert document["@context"] == CONTEXT_URL
    assert isomorphic(to_rdf_graph(document, context), description)
    assert (statement, PROV.wasAttributedTo, None) in description
    assert (statement, RDF.type, PIA.Statement) in description
    assert (None, ORG.holds, None) not in description and (None, SKOS.prefLabel, None) not in description


@lru_cache(maxsize=4)
def _framed(name: str) -> dict:  # type: ignore[type-arg]
    project, kg, context = repository()
    return frame_graph(kg.union("data"), read_frame(project.ontology_dir, name), context)


def _ground_triples(graph: Graph) -> set[tuple[object, object, object]]:
    return {(s, p, o) for s, p, o in graph if not isinstance(s, BNode) and not isinstance(o, BNode)}


def _all_keys(node: object) -> set[str]:
    if isinstance(node, dict):
        keys = {key for key in node if not key.startswith("@")}
        keys |= {
            k
            for key, value in node.items()
            if key not in ("@context",)
            for k in _all_keys(value)
            if not _is_language_map_key(key)
        }
        return keys
    if isinstance(node, list):
        return {key for item in node for key in _all_keys(item)}
    return set()


def _is_language_map_key(key: str) -> bool:
    return key in {
        "prefLabel",
        "label",
        "definition",
        "editorialNote",
        "text",
        "aim",
        "description",
        "partyAsStated",
        "currencyAsStated",
        "unnamedFunders",
        "comment",
        "altLabel",
        "title",
        "note",
        "fixHint",
    }


def _as_list(value: object) -> list:  # type: ignore[type-arg]
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


# ---------------------------------------------------------------- node by node (compact_ntriples)

_ID = "https://w3id.org/pia-kg/id/"
_SUBJECTS = [URIRef(f"{_ID}organisation/{name}") for name in ("org", "org-2", "org.x", "org/x")] + [
    URIRef("http://example.org/thing"),
    URIRef("urn:x-local:thing"),
]
_PREDICATES = [
    SKOS.prefLabel,  # a language map
    URIRef("http://purl.org/dc/terms/date"),  # coerced to xsd:gYearMonth
    URIRef("http://www.w3.org/ns/oa#start"),  # coerced to xsd:integer
    URIRef("https://schema.org/about"),  # coerced to @id
    URIRef("https://schema.org/name"),  # a plain term
    URIRef("http://example.org/p"),  # no term, no prefix
    PIA.status,
    RDF.type,
]
_IRI_OBJECTS = [*_SUBJECTS, PIA.Agreement, ORG.Post, URIRef("http://example.org/Class"), PIA["status-held"]]
_LITERALS = [
    Literal("2025-07", datatype=XSD.gYearMonth),
    Literal("2025-07-15", datatype=XSD.date),
    Literal("12", datatype=XSD.integer),
    Literal("1.5", datatype=XSD.decimal),
    Literal("true", datatype=XSD.boolean),
    Literal("Maroc", lang="fr"),
    Literal("Morocco", lang="en"),
    Literal("Morocco", lang="en-gb"),
    Literal("plain text"),
    Literal("a \"quote\"\nand a line"),
]


@st.composite
def _graphs(draw: st.DrawFn) -> Graph:
    graph = Graph(bind_namespaces="none")
    blanks = [BNode(f"b{number}") for number in range(3)]
    for _ in range(draw(st.integers(1, 14))):
        subject = draw(st.sampled_from([*_SUBJECTS, *blanks]))
        predicate = draw(st.sampled_from(_PREDICATES))
        obj = draw(st.sampled_from([*_IRI_OBJECTS, *blanks, *_LITERALS]))
        graph.add((subject, predicate, obj))
    return graph


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graph=_graphs())
def test_node_by_node_compaction_writes_the_bytes_pyld_writes_for_the_whole_graph(graph: Graph) -> None:
    """Terms chosen per value (language maps, coerced types, @id terms, CURIEs, full IRIs), IRIs that are
    prefixes of one another, blank nodes nested or not: the same bytes as pyld's compaction of the document,
    remembered term choices included."""
    context = repository()[2]
    lines = graph.serialize(format="nt").splitlines()
    assert compact_ntriples(lines, context) == dump_json(compact_graph(graph, context))


@pytest.mark.slow
def test_node_by_node_compaction_of_the_real_data_is_pyld_s_document() -> None:
    _, kg, context = repository()
    graph = kg.union("ontology", "data")
    lines = graph.serialize(format="nt").splitlines()
    assert compact_ntriples(lines, context) == dump_json(compact_graph(graph, context))
    assert isomorphic(to_rdf_graph(json.loads(compact_ntriples(lines, context)), context), graph)


def test_one_property_with_values_that_need_different_terms() -> None:
    """A remembered term choice must not leak from one kind of value to another: dcterms:date as `date`
    (xsd:gYearMonth) and as `dcterms:date` (xsd:date), a label in a language map and without a language,
    `about` (@id) holding an IRI and a literal."""
    graph = Graph(bind_namespaces="none")
    date, about = URIRef("http://purl.org/dc/terms/date"), URIRef("https://schema.org/about")
    for number, subject in enumerate(_SUBJECTS):
        graph.add((subject, date, Literal("2025-07", datatype=XSD.gYearMonth)))
        graph.add((subject, date, Literal(f"2025-07-1{number}", datatype=XSD.date)))
        graph.add((subject, SKOS.prefLabel, Literal(f"nom {number}", lang="fr")))
        graph.add((subject, SKOS.prefLabel, Literal(f"name {number}")))
        graph.add((subject, about, PIA.Agreement if number % 2 else Literal("a literal about")))
    context = repository()[2]
    lines = graph.serialize(format="nt").splitlines()
    written = compact_ntriples(lines, context)
    assert written == dump_json(compact_graph(graph, context))
    assert b'"dcterms:date"' in written and b'"date"' in written


def test_a_framed_view_keeps_every_character_of_a_statement_s_text() -> None:
    """Framing reads the graph's lines with pyoxigraph: pyld's own N-Quads reader leaves escapes such as
    `\\u0007` unread and cuts a line at U+2028."""
    _, _, context = repository()
    text = "line one\u2028line two \x07 \\u0041 \"quoted\""
    graph = Graph()
    statement = URIRef("https://w3id.org/pia-kg/id/statement/odd-characters")
    graph.add((statement, RDF.type, PIA.Statement))
    graph.add((statement, URIRef("https://schema.org/text"), Literal(text, lang="fr")))
    view = frame_graph(graph, read_frame(repository()[0].ontology_dir, "statement"), context)
    back = to_rdf_graph(view, context)
    assert set(back.objects(statement, URIRef("https://schema.org/text"))) == {Literal(text, lang="fr")}
