"""How findings name shapes, paths and terms: a shape's rule id, a SHACL path in SPARQL syntax, CURIEs."""

from __future__ import annotations

import re
from collections.abc import Iterator

from rdflib import BNode, Graph, URIRef
from rdflib.term import Node

from pia_kg.rdf.namespaces import SH, compact_iri


def local_name(iri: URIRef) -> str:
    """The last segment of an IRI, after its last `#` or `/`."""
    text = str(iri)
    return re.split(r"[#/]", text.rstrip("#/"))[-1] or text


def curie(term: Node) -> str:
    """An IRI as a CURIE where a project prefix fits, a blank node as `[]`, a literal as its text."""
    if isinstance(term, URIRef):
        return compact_iri(str(term))
    if isinstance(term, BNode):
        return "[]"
    return str(term)


def shape_rule_id(shapes: Graph, shape: Node) -> str:
    """A shape's rule id: its local name; for a blank property shape, the id of the shape holding it."""
    for current in shape_and_parents(shapes, shape):
        if isinstance(current, URIRef):
            return local_name(current)
    return "shape"


def shape_and_parents(shapes: Graph, shape: Node) -> Iterator[Node]:
    seen: set[Node] = set()
    current: Node | None = shape
    while current is not None and current not in seen:
        yield current
        seen.add(current)
        parents = sorted(shapes.subjects(SH.property, current), key=str) or sorted(
            shapes.subjects(None, current), key=str
        )
        current = parents[0] if parents and isinstance(current, BNode) else None


def english_first(term: Node) -> tuple[int, str]:
    """Order literals English first, then untagged, then the rest, each alphabetically."""
    language = getattr(term, "language", None)
    return (0 if language == "en" else 1 if language is None else 2, str(term))


def render_path(graph: Graph, path: Node) -> str:
    """A SHACL property path in SPARQL-like syntax, with CURIEs."""
    if isinstance(path, URIRef):
        return curie(path)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return f"^{render_path(graph, inverse)}"
    for predicate, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = graph.value(path, predicate)
        if inner is not None:
            return f"({render_path(graph, inner)}){suffix}"
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(render_path(graph, item) for item in graph.items(alternatives)) + ")"
    items = list(graph.items(path))
    return "/".join(render_path(graph, item) for item in items) if items else "[]"
