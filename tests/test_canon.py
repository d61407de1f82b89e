"""RDFC-1.0 blank-node labels (canon.py): the same graph, the same labels; other terms stay as they were."""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

from pia_kg.canon import canonical_graph, canonical_labels

TURTLE = """
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:fact ex:evidence [ ex:start "3"^^xsd:nonNegativeInteger ; ex:end "7"^^xsd:nonNegativeInteger ] ,
                    [ ex:start "3"^^xsd:nonNegativeInteger ; ex:end "9"^^xsd:nonNegativeInteger ] ;
        ex:note "plain", "typed"^^xsd:string, "mot"@fr ; ex:list ( 1 2 ) .
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


def test_the_canonical_graph_is_isomorphic_and_keeps_every_other_term_exactly() -> None:
    graph = parsed()
    canonical = canonical_graph(graph)
    assert isomorphic(canonical, graph)
    objects = set(canonical.objects())
    assert Literal("typed", datatype=XSD.string) in objects
    assert Literal("plain") in objects and Literal("mot", lang="fr") in objects
    assert Literal("3", datatype=XSD.nonNegativeInteger) in objects


def test_a_graph_without_blank_nodes_comes_back_unchanged() -> None:
    graph = Graph()
    graph.add((URIRef("http://example.org/a"), URIRef("http://example.org/p"), Literal("x")))
    assert set(canonical_labels(graph)) == set(graph)


def test_a_plain_literal_and_the_same_text_typed_xsd_string_stay_two_terms() -> None:
    text = f'@prefix ex: <http://example.org/> . ex:a ex:p [ ex:q "x", "x"^^<{XSD}string> ] .'
    graph = Graph().parse(data=text, format="turtle")
    canonical = canonical_graph(graph)
    assert isomorphic(canonical, graph)
    assert len(canonical) == 3
    assert set(canonical_labels(graph)) == set(
        canonical_labels(Graph().parse(data=graph.serialize(), format="turtle"))
    )
