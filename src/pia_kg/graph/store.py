"""The loaded graph in a pyoxigraph Store: one named graph per file, blank nodes keeping their rdflib ids.

The store keeps one named graph per file, as the loader does, so a blank node in a result is the very node of
the KnowledgeGraph. The same results as rdflib by construction: the files hold every literal in the form the
store keeps (literals.py). Queries run through `sparql/engine.py`, which sees the union of the named graphs as
the default graph, like rdflib's Dataset default union.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from pia_kg.errors import DataError
from pia_kg.graph.loading import Kind, KnowledgeGraph
from pia_kg.rdf.parsing import GRAPH_PREFIX
from pia_kg.rdf.terms import to_oxigraph

if TYPE_CHECKING:
    import pyoxigraph

DATA_KINDS: tuple[Kind, ...] = ("ontology", "data")


def build_store(kg: KnowledgeGraph, *, kinds: Iterable[Kind] = DATA_KINDS) -> pyoxigraph.Store:
    """An in-memory Store with one named graph per file of the given kinds (ontology and data by default)."""
    import pyoxigraph as ox

    store = ox.Store()
    for identifier in kg.graph_ids(*kinds):
        graph_name = ox.NamedNode(str(identifier))
        store.extend(
            ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), graph_name)
            for s, p, o in kg.dataset.graph(identifier)
        )
    return store


def store_for(kg: KnowledgeGraph, *, kinds: Iterable[Kind] = DATA_KINDS) -> pyoxigraph.Store:
    """The store of `kg`, built once per KnowledgeGraph and kinds: repeated queries do not convert again."""
    key = ("oxigraph store", tuple(kinds))
    store = kg.derived.get(key)
    if store is None:
        store = kg.derived[key] = build_store(kg, kinds=key[1])
    return store


def load_store(files: Iterable[tuple[Path, str]]) -> pyoxigraph.Store:
    """Parse Turtle files straight into a Store: (path, repo-relative path) pairs, one named graph each.

    The fast path for large graphs: no rdflib term is created. Each file gets its own blank nodes.
    """
    import pyoxigraph as ox

    store = ox.Store()
    for path, relpath in files:
        identifier = GRAPH_PREFIX + relpath
        try:
            store.load(
                path=str(path),
                format=ox.RdfFormat.TURTLE,
                base_iri=identifier,
                to_graph=ox.NamedNode(identifier),
            )
        except SyntaxError as err:
            raise DataError(
                f"{relpath}: not valid Turtle: {err}", hint="Fix the Turtle syntax, then try again."
            ) from err
    return store
