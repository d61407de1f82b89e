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
    """The triples with each blank node renamed `c14nN`, N from RDFC-1.0; other terms unchanged.

    Only the triples that hold a blank node take part (RDFC-1.0 labels depend on nothing else). If two of
    their terms are different in rdflib but one in pyoxigraph (a plain literal and the same text typed
    xsd:string), pyoxigraph would merge them: rdflib's own canonical labels are used then.
    """
    import pyoxigraph as ox

    from pia_kg.store import to_oxigraph

    ordered = list(triples)
    plain = [triple for triple in ordered if not any(isinstance(term, BNode) for term in triple)]
    blank = [triple for triple in ordered if any(isinstance(term, BNode) for term in triple)]
    originals: dict[Any, Node] = {}
    converted: dict[Node, Any] = {}

    def convert(term: Node) -> Any:
        found = converted.get(term)
        if found is None:
            found = converted[term] = to_oxigraph(term)
            if not isinstance(term, BNode) and originals.setdefault(found, term) != term:
                raise _Merged
        return found

    try:
        dataset = ox.Dataset(ox.Quad(convert(s), convert(p), convert(o)) for s, p, o in blank)
    except _Merged:
        from rdflib.compare import to_canonical_graph

        return plain + list(to_canonical_graph(_graph(blank)))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    labels: dict[str, BNode] = {}

    def back(term: Any) -> Node:
        if isinstance(term, ox.BlankNode):
            label = labels.get(term.value)
            if label is None:
                label = labels[term.value] = BNode(term.value)
            return label
        return originals[term]

    return plain + [(back(quad.subject), back(quad.predicate), back(quad.object)) for quad in dataset]


class _Merged(Exception):
    """Two rdflib terms are one pyoxigraph term."""


def _graph(triples: Iterable[Triple]) -> Graph:
    graph = Graph(bind_namespaces="none")
    for triple in triples:
        graph.add(triple)
    return graph


def canonical_graph(graph: Graph) -> Graph:
    """A copy of `graph` with RDFC-1.0 blank-node labels (the namespace bindings are not copied)."""
    return _graph(canonical_labels(graph))
