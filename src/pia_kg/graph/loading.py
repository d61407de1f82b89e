"""The project's files -> one rdflib Dataset, one named graph per file (ARCHITECTURE.md, rule 1).

Graph names are repo-relative (`rdf/parsing.py`'s `graph_id`) so that a finding can say which file a triple
came from. Nothing is fetched: owl:imports are never followed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from typing import Literal as KindName

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.graph import ReadOnlyGraphAggregate
from rdflib.term import Node

from pia_kg.project import Project
from pia_kg.rdf.labels import LABEL_PREDICATES, best_label
from pia_kg.rdf.namespaces import bind_prefixes
from pia_kg.rdf.parsing import GRAPH_PREFIX, SourceIndex, graph_id, parse_file_text, read_text

Kind = KindName["ontology", "shapes", "data"]
KINDS: tuple[Kind, ...] = ("ontology", "shapes", "data")


class FileGraphs:
    """What a loaded project answers whatever holds its triples (an rdflib Dataset here, an Oxigraph store
    in store_graph.py): its graphs by kind, where a term is written, a term's label. A subclass has the
    graph names by kind and a SourceIndex, and says which subjects hold a node and which labels a term has."""

    ontology_ids: tuple[URIRef, ...]
    shapes_ids: tuple[URIRef, ...]
    data_ids: tuple[URIRef, ...]
    index: SourceIndex

    def _holders(self, node: Node) -> list[Node]:
        raise NotImplementedError

    def _label_literals(self, term: Node) -> list[tuple[Node, Literal]]:
        raise NotImplementedError

    def graph_ids(self, *kinds: Kind) -> tuple[URIRef, ...]:
        """The graph names of the given kinds (all kinds if none are given), in load order."""
        chosen = kinds or KINDS
        by_kind = {"ontology": self.ontology_ids, "shapes": self.shapes_ids, "data": self.data_ids}
        return tuple(identifier for kind in KINDS if kind in chosen for identifier in by_kind[kind])

    def location(self, term: Node) -> tuple[str, int] | None:
        """Where `term` is written as a subject; for a blank node, where the node that holds it is written."""
        seen: set[Node] = set()
        current: Node | None = term
        while current is not None and current not in seen:
            found = self.index.get(current)
            if found is not None:
                return found
            if not isinstance(current, BNode):
                return None
            seen.add(current)
            current = next(iter(self._holders(current)), None)
        return None

    def label(self, term: Node, lang: str = "en") -> str | None:
        """The best label, by the rule of rdf/labels.py."""
        found = best_label(self._label_literals(term), lang)
        return str(found) if found is not None else None


@dataclass(frozen=True)
class KnowledgeGraph(FileGraphs):
    """The loaded project: one named graph per file, the kind of each graph, and where subjects are."""

    dataset: Dataset
    ontology_ids: tuple[URIRef, ...]
    shapes_ids: tuple[URIRef, ...]
    data_ids: tuple[URIRef, ...]
    index: SourceIndex
    # what is built from this graph once and kept with it (its Oxigraph store, its query dataset): the graph
    # is read-only once loaded, so they never go stale, and they go when it goes
    derived: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def union(self, *kinds: Kind) -> Graph:
        """A fresh plain Graph with the triples of the given kinds (all if none), as pySHACL needs."""
        graph = bind_prefixes(Graph(bind_namespaces="none"))
        for identifier in self.graph_ids(*kinds):
            for triple in self.dataset.graph(identifier):
                graph.add(triple)
        return graph

    def view(self, *kinds: Kind) -> ReadOnlyGraphAggregate:
        """A read-only live view over the given kinds, without copying."""
        return ReadOnlyGraphAggregate(
            [self.dataset.graph(identifier) for identifier in self.graph_ids(*kinds)]
        )

    @cached_property
    def _labels(self) -> dict[Node, list[tuple[Node, Literal]]]:
        """Each subject's label literals with their predicate (rdf/labels.py's LABEL_PREDICATES): read once,
        no copy of the whole graph (a finding per subject looks its focus up here)."""
        found: dict[Node, list[tuple[Node, Literal]]] = {}
        for predicate in LABEL_PREDICATES:
            for identifier in self.graph_ids():
                for subject, obj in self.dataset.graph(identifier).subject_objects(predicate):
                    if isinstance(obj, Literal):
                        found.setdefault(subject, []).append((predicate, obj))
        return found

    def _holders(self, node: Node) -> list[Node]:
        """The subjects that have `node` as an object, in any file."""
        graphs = [self.dataset.graph(identifier) for identifier in self.graph_ids()]
        return sorted({subject for graph in graphs for subject in graph.subjects(None, node)}, key=str)

    def _label_literals(self, term: Node) -> list[tuple[Node, Literal]]:
        return self._labels.get(term, [])


def load(project: Project, *, data_paths: Sequence[Path] | None = None) -> KnowledgeGraph:
    """Load ontology, shapes and data (or `data_paths`, files or folders, instead of data/)."""
    dataset = Dataset()
    bind_prefixes(dataset)
    index = SourceIndex()
    loaded: dict[str, list[URIRef]] = {kind: [] for kind in KINDS}
    for kind, path, relpath, text in read_inputs(project, data_paths):
        identifier = graph_id(relpath)
        graph = parse_file_text(text, path=path, relpath=relpath, into=dataset.graph(identifier))
        index.add_file(relpath, text, graph)
        loaded[kind].append(identifier)
    return KnowledgeGraph(
        dataset=dataset,
        ontology_ids=tuple(loaded["ontology"]),
        shapes_ids=tuple(loaded["shapes"]),
        data_ids=tuple(loaded["data"]),
        index=index,
    )


def input_files(project: Project, data_paths: Sequence[Path] | None = None) -> list[tuple[Kind, Path]]:
    """The files a command loads, with their kind: the ontology, the shapes, and data/ (or `data_paths`,
    files or folders, instead)."""
    data_files = project.data_files() if data_paths is None else expand_paths(data_paths)
    return [
        *(("ontology", path) for path in project.ontology_files()),
        *(("shapes", path) for path in project.shapes_files()),
        *(("data", path) for path in data_files),
    ]


def read_inputs(
    project: Project, data_paths: Sequence[Path] | None = None
) -> Iterator[tuple[Kind, Path, str, str]]:
    """Each input file once (a file named twice is read once), in load order: its kind, path, repo-relative
    path and text, read with the size limit and the loader's errors."""
    seen: set[tuple[Kind, str]] = set()
    for kind, path in input_files(project, data_paths):
        relpath = project.relative(path)
        if (kind, relpath) not in seen:
            seen.add((kind, relpath))
            yield kind, path, relpath, read_text(path, relpath=relpath)


def graph_kind(identifier: URIRef) -> Kind:
    """The kind of a file's named graph, from its path: ontology/shapes*.ttl are shapes, the rest of
    ontology/ ontology, anything else data."""
    relpath = str(identifier)[len(GRAPH_PREFIX) :]
    if relpath.startswith("ontology/"):
        return "shapes" if relpath.rsplit("/", 1)[-1].startswith("shapes") else "ontology"
    return "data"


def knowledge_graph_of(dataset: Dataset, identifiers: Iterable[URIRef]) -> KnowledgeGraph:
    """A KnowledgeGraph over named graphs of `dataset` that were not read from files here (a store's, a
    server worker's): kinds from the graph names, no line index, so findings name the file but no line."""
    by_kind: dict[Kind, list[URIRef]] = {kind: [] for kind in KINDS}
    for identifier in sorted(identifiers, key=str):
        by_kind[graph_kind(identifier)].append(identifier)
    return KnowledgeGraph(
        dataset=dataset,
        ontology_ids=tuple(by_kind["ontology"]),
        shapes_ids=tuple(by_kind["shapes"]),
        data_ids=tuple(by_kind["data"]),
        index=SourceIndex(),
    )


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if Path(path).is_dir():
            files.extend(sorted(Path(path).rglob("*.ttl"), key=lambda found: found.as_posix()))
        else:
            files.append(Path(path))
    return files
