"""The loaded project in an Oxigraph store: what `pia-kg validate` checks, with no rdflib copy of the graph.

`load_checked` reads the ontology and data files straight into an in-memory pyoxigraph Store, one named graph
per file (`urn:pia-kg:file:<path>`, as everywhere), with the same checks and the same errors as the loader
(rdf/parsing.py): the guard's checks of the text before the parse, of the terms after it, and rdflib's parser
for the formats and the texts pyoxigraph does not read (JSON-LD, RDF/XML, Turtle it refuses), so that an error
says `file:line:col` as it always has. The shapes are small and read by a SHACL library: they stay an rdflib
Graph. No rdflib term is made for the whole graph: at 150,000 triples the load takes a fraction of rdflib's.

A StoreGraph answers what a finding needs (where a subject is written, its label, the subjects holding a
blank node) from the store; `from_knowledge_graph` gives the same for a graph loaded by `loading.load` (or
read from an endpoint), with its blank nodes under their rdflib ids, so both reach the same checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from pia_kg.graph.loading import KINDS, FileGraphs, Kind, KnowledgeGraph, read_inputs
from pia_kg.graph.store import store_for
from pia_kg.project import Project
from pia_kg.rdf.labels import LABEL_PREDICATES
from pia_kg.rdf.namespaces import bind_prefixes
from pia_kg.rdf.parsing import GRAPH_PREFIX, SourceIndex, graph_id, parse_file_text
from pia_kg.rdf.terms import to_oxigraph, to_rdflib

_FAST_FORMATS = {"turtle": "TURTLE", "nt": "N_TRIPLES"}
BLANK_LABEL = re.compile(r"_:([A-Za-z0-9_][A-Za-z0-9_.-]*)")  # a blank node's label in N-Triples


@dataclass
class StoreGraph(FileGraphs):
    """The project's ontology and data in `store` (one named graph per file), its shapes as rdflib `shapes`,
    and where each subject is written (`index`)."""

    store: Any
    ontology_ids: tuple[URIRef, ...]
    shapes_ids: tuple[URIRef, ...]
    data_ids: tuple[URIRef, ...]
    shapes: Graph
    index: SourceIndex
    # what SHACL reads: the files' triples as written, as N-Triples (a store keeps some literals in another
    # form: "05"^^xsd:nonNegativeInteger as "5"^^xsd:integer), or the rdflib graph this one was made from
    written: list[str] = field(default_factory=list, repr=False)
    source: KnowledgeGraph | None = field(default=None, repr=False)
    _labels: dict[Node, list[tuple[Node, Literal]]] | None = field(default=None, repr=False)

    @classmethod
    def from_knowledge_graph(cls, kg: KnowledgeGraph) -> StoreGraph:
        """The same graph in a store (store.store_for, built once per graph); blank nodes keep their rdflib
        ids."""
        return cls(
            store=store_for(kg),
            ontology_ids=kg.ontology_ids,
            shapes_ids=kg.shapes_ids,
            data_ids=kg.data_ids,
            shapes=kg.union("shapes"),
            index=kg.index,
            source=kg,
        )

    def quads(self, kinds: Sequence[Kind] = ("ontology", "data"), **pattern: Any) -> Iterator[Any]:
        """The store's quads of the given kinds matching `subject`, `predicate` and `object` (pyoxigraph
        terms or None), graph by graph in load order."""
        import pyoxigraph as ox

        for identifier in self.graph_ids(*kinds):
            if identifier in self.shapes_ids:
                continue
            graph_name = ox.NamedNode(identifier)
            yield from self.store.quads_for_pattern(
                pattern.get("subject"), pattern.get("predicate"), pattern.get("object"), graph_name
            )

    def union(self, *kinds: Kind) -> Graph:
        """A fresh rdflib Graph with the triples of the given kinds (blank nodes under the store's ids), for
        the reference engines (pySHACL, rdflib's SPARQL)."""
        graph = bind_prefixes(Graph(bind_namespaces="none"))
        if "shapes" in kinds:
            graph += self.shapes
        for quad in self.quads(tuple(kind for kind in kinds if kind != "shapes")):
            graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
        return graph

    def shacl_data(self) -> Graph | str:
        """Ontology and data as SHACL reads them, with every literal as the files write it: the rdflib graph
        this one was made from, or N-Triples whose blank nodes have the store's ids."""
        if self.source is not None:
            return self.source.union("ontology", "data")
        return "".join(self.written)

    def shacl_graph(self) -> Graph:
        """shacl_data as an rdflib Graph, for the reference engines: blank nodes keep the store's ids."""
        data = self.shacl_data()
        if isinstance(data, Graph):
            return data
        graph = bind_prefixes(Graph(bind_namespaces="none"))
        labels = {label: BNode(label) for label in set(BLANK_LABEL.findall(data))}
        graph.parse(data=data, format="nt", bnode_context=labels)
        return graph

    def labels(self) -> dict[Node, list[tuple[Node, Literal]]]:
        """Each subject's label literals with their predicate (rdf/labels.py's LABEL_PREDICATES), read
        once."""
        if self._labels is None:
            found: dict[Node, list[tuple[Node, Literal]]] = {}
            for predicate in LABEL_PREDICATES:
                for identifier in self.graph_ids():
                    pairs: Iterable[tuple[Node, Node]]
                    if identifier == next(iter(self.shapes_ids), None):  # the shapes of every file, once
                        pairs = sorted(self.shapes.subject_objects(predicate), key=str)
                    elif identifier in self.shapes_ids:
                        continue
                    else:
                        pairs = sorted(self._subject_objects(identifier, predicate), key=str)
                    for subject, obj in pairs:
                        if isinstance(obj, Literal):
                            found.setdefault(subject, []).append((predicate, obj))
            self._labels = found
        return self._labels

    def _subject_objects(self, identifier: URIRef, predicate: URIRef) -> Iterator[tuple[Node, Node]]:
        import pyoxigraph as ox

        for quad in self.store.quads_for_pattern(
            None, ox.NamedNode(str(predicate)), None, ox.NamedNode(str(identifier))
        ):
            yield to_rdflib(quad.subject), to_rdflib(quad.object)

    def _label_literals(self, term: Node) -> list[tuple[Node, Literal]]:
        return self.labels().get(term, [])

    def _holders(self, node: Node) -> list[Node]:
        """The subjects that have `node` as an object, in any file."""
        found = {to_rdflib(quad.subject) for quad in self.quads(object=to_oxigraph(node))}
        found.update(self.shapes.subjects(None, node))
        return sorted(found, key=str)


def load_checked(project: Project, *, data_paths: Sequence[Path] | None = None) -> StoreGraph:
    """Load ontology, shapes and data (or `data_paths`, files or folders, instead of data/) into a store."""
    import pyoxigraph as ox

    store = ox.Store()
    shapes = bind_prefixes(Graph(bind_namespaces="none"))
    index = SourceIndex()
    written: list[str] = []
    loaded: dict[str, list[URIRef]] = {kind: [] for kind in KINDS}
    for kind, path, relpath, text in read_inputs(project, data_paths):
        identifier = graph_id(relpath)
        if kind == "shapes":
            graph = parse_file_text(text, path=path, relpath=relpath)
            shapes += graph
            index.add_file(relpath, text, graph)
        else:
            subjects, ntriples = load_file_into(store, text, path=path, relpath=relpath)
            index.add_subjects(relpath, text, subjects)
            written.append(ntriples)
        loaded[kind].append(identifier)
    return StoreGraph(
        store=store,
        ontology_ids=tuple(loaded["ontology"]),
        shapes_ids=tuple(loaded["shapes"]),
        data_ids=tuple(loaded["data"]),
        shapes=shapes,
        index=index,
        written=written,
    )


def load_file_into(
    store: Any, text: str, *, path: Path, relpath: str, bulk: bool = False
) -> tuple[set[str], str]:
    """Parse one file's text into its named graph of `store`; the IRIs that are subjects in it, and its
    triples as written, in N-Triples with the blank node ids of the store.

    `bulk` writes with pyoxigraph's bulk loader, about three times faster into a store on disk but not
    atomic: for a caller that throws the store away when a write fails (disk_store.py).

    Turtle and N-Triples are parsed by pyoxigraph after the guard's check of the text, and the terms are
    then checked as the loader checks them. Any other format, or a text pyoxigraph refuses, is read by the
    loader (loading.parse_file_text), which says where the error is. Nothing is written to the store
    unless the whole file is read and checked."""
    import pyoxigraph as ox

    from pia_kg.rdf.guard import check_store_terms, check_text, format_for

    name = ox.NamedNode(str(graph_id(relpath)))
    extend = store.bulk_extend if bulk else store.extend
    fmt = format_for(path, relpath=relpath)
    if fmt in _FAST_FORMATS:
        check_text(text, relpath=relpath, fmt=fmt)
        try:
            triples = list(
                ox.parse(
                    input=text,
                    format=getattr(ox.RdfFormat, _FAST_FORMATS[fmt]),
                    base_iri=None,  # a relative IRI is an error: rdflib's parser then says where
                    rename_blank_nodes=True,
                    without_named_graphs=True,
                )
            )
        except (SyntaxError, MemoryError):
            # refused, or a token longer than the parser's 16 MiB buffer: the loader reads it and says where
            pass
        else:
            subjects = check_store_terms(triples, text, relpath=relpath)
            written = (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode()
            # into the file's graph: the writer ends every triple with " .\n" (a literal's line breaks are
            # escaped), so that N-Triples becomes N-Quads by naming the graph there, read with the same
            # blank nodes much faster than quads made one by one
            quads = written.replace(" .\n", f" {name} .\n")
            extend(ox.parse(input=quads, format=ox.RdfFormat.N_QUADS, rename_blank_nodes=False))
            return subjects, written
    graph = parse_file_text(text, path=path, relpath=relpath)
    extend(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), name) for s, p, o in graph)
    subjects = {str(subject) for subject in graph.subjects(unique=True) if isinstance(subject, URIRef)}
    return subjects, graph.serialize(format="nt")


__all__ = ["GRAPH_PREFIX", "StoreGraph", "load_checked", "load_file_into"]
