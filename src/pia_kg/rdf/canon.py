"""Blank-node labels that depend only on the graph: W3C RDF Dataset Canonicalization (RDFC-1.0).

Dumps, query results, skolem IRIs and diffs must give the same bytes for the same graph, so their blank
nodes are labelled by RDFC-1.0 (https://www.w3.org/TR/rdf-canon/), as pyoxigraph computes it in Rust. rdflib's
own `to_canonical_graph` gives stable labels too, but did not finish within five minutes on a generated graph
of 10,000 triples whose text spans are blank nodes of the same shape; RDFC-1.0 labels 100,000 triples in
about a second. The other terms of those triples come back as pyoxigraph keeps them: the very terms of the
files of ontology/ and data/, whose literals are in that form (literals.py); elsewhere an explicit
`^^xsd:string` comes back plain and a language tag in lower case, as from any RDF 1.1 store.

RDFC-1.0 is exponential in the worst case (graphs of many indistinguishable blank nodes built to be so);
pyoxigraph does not bound that work, so a hostile file can make an export slow, as it could before.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rdflib import BNode, Graph
from rdflib.term import Node

Triple = tuple[Node, Node, Node]


def canonical_labels(triples: Iterable[Triple]) -> list[Triple]:
    """The triples with each blank node renamed `c14nN`, N from RDFC-1.0; other terms as a store keeps them.

    Only the triples that hold a blank node take part (RDFC-1.0 labels depend on nothing else).
    """
    import pyoxigraph as ox

    from pia_kg.rdf.terms import to_oxigraph, to_rdflib

    ordered = list(triples)
    plain = [triple for triple in ordered if not any(isinstance(term, BNode) for term in triple)]
    blank = [triple for triple in ordered if any(isinstance(term, BNode) for term in triple)]
    converted: dict[Node, Any] = {}

    def convert(term: Node) -> Any:
        found = converted.get(term)
        if found is None:
            found = converted[term] = to_oxigraph(term)
        return found

    dataset = ox.Dataset(ox.Quad(convert(s), convert(p), convert(o)) for s, p, o in blank)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    terms: dict[Any, Node] = {}

    def back(term: Any) -> Node:
        found = terms.get(term)
        if found is None:
            found = terms[term] = BNode(term.value) if isinstance(term, ox.BlankNode) else to_rdflib(term)
        return found

    return plain + [(back(quad.subject), back(quad.predicate), back(quad.object)) for quad in dataset]


def _graph(triples: Iterable[Triple]) -> Graph:
    graph = Graph(bind_namespaces="none")
    for triple in triples:
        graph.add(triple)
    return graph


def canonical_graph(graph: Graph) -> Graph:
    """A copy of `graph` with RDFC-1.0 blank-node labels (the namespace bindings are not copied)."""
    return _graph(canonical_labels(graph))
