"""Blank-node labels that depend only on the graph: W3C RDF Dataset Canonicalization (RDFC-1.0).

Dumps, query results, skolem IRIs and diffs must give the same bytes for the same graph, so their blank
nodes are labelled by RDFC-1.0 (https://www.w3.org/TR/rdf-canon/), as pyoxigraph computes it in Rust. rdflib's
own `to_canonical_graph` gives stable labels too, but did not finish within five minutes on a generated graph
of 10,000 triples whose text spans are blank nodes of the same shape; RDFC-1.0 labels 100,000 triples in
about a second. Every other term is given back as the very rdflib term it was (an explicit `^^xsd:string`
stays).

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
    """The triples with each blank node renamed `c14nN`, N from RDFC-1.0; other terms unchanged."""
    import pyoxigraph as ox

    from pia_kg.store import to_oxigraph

    originals: dict[Any, Node] = {}
    converted: dict[Node, Any] = {}

    def convert(term: Node) -> Any:
        found = converted.get(term)
        if found is None:
            found = converted[term] = to_oxigraph(term)
            if not isinstance(term, BNode):
                originals[found] = term
        return found

    dataset = ox.Dataset(ox.Quad(convert(s), convert(p), convert(o)) for s, p, o in triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)

    labels: dict[str, BNode] = {}

    def back(term: Any) -> Node:
        if isinstance(term, ox.BlankNode):
            label = labels.get(term.value)
            if label is None:
                label = labels[term.value] = BNode(term.value)
            return label
        return originals[term]

    return [(back(quad.subject), back(quad.predicate), back(quad.object)) for quad in dataset]


def canonical_graph(graph: Graph) -> Graph:
    """A copy of `graph` with RDFC-1.0 blank-node labels (the namespace bindings are not copied)."""
    canonical = Graph(bind_namespaces="none")
    for triple in canonical_labels(graph):
        canonical.add(triple)
    return canonical
