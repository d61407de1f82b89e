"""RDFC-1.0 blank-node labels (canon.py): the same graph, the same labels; other terms as a store keeps."""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

from pia_kg.rdf.canon import canonical_graph, canonical_labels

TURTLE = """
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:fact ex:evidence [ ex:start 3 ; ex:end 7 ] , [ ex:start 3 ; ex:end 9 ] ;
        ex:note "plain", "mot"@fr, true, 1.5, "2025-07"^^xsd:gYearMonth ; ex:list ( 1 2 ) .
"""


def parsed() -> Graph:
    return Graph().parse(data=TURTLE, format="turtle")


def test_two_parses_of_the_same_text_get_the_very_same_triples() -> None:
    first, second = canonical_labels(parsed()), canonical_labels(parsed())
    assert set(first) == set(second)
    assert {term for triple in first for term in triple if isinstance(term, BNode)} == {
        BNode(f"c14n{number}")
        for number in range(4)  # two evidence nodes, two list nodes
    }


def test_the_canonical_graph_is_isomorphic_and_keeps_every_canonical_literal_exactly() -> None:
    graph = parsed()
    canonical = canonical_graph(graph)
    assert isomorphic(canonical, graph)
    exact = {(str(o), o.datatype, o.language) for o in canonical.objects() if isinstance(o, Literal)}
    assert exact == {(str(o), o.datatype, o.language) for o in graph.objects() if isinstance(o, Literal)}
    assert ("3", XSD.integer, None) in exact


def test_a_graph_without_blank_nodes_comes_back_unchanged() -> None:
    graph = Graph()
    graph.add((URIRef("http://example.org/a"), URIRef("http://example.org/p"), Literal("x")))
    assert set(canonical_labels(graph)) == set(graph)


def test_a_plain_literal_and_the_same_text_typed_xsd_string_are_one_term_as_in_a_store() -> None:
    """rdflib keeps "x" and "x"^^xsd:string apart; RDF 1.1, pyoxigraph and every store have one term."""
    text = f'@prefix ex: <http://example.org/> . ex:a ex:p [ ex:q "x", "x"^^<{XSD}string>, "y"@EN ] .'
    graph = Graph().parse(data=text, format="turtle")
    canonical = canonical_graph(graph)
    assert len(canonical) == 3
    objects = canonical.objects(None, URIRef("http://example.org/q"))
    assert {(str(o), o.datatype, o.language) for o in objects} == {("x", None, None), ("y", None, "en")}
