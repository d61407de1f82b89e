"""A one-screen overview of the loaded graph: sizes, classes, sources and quotations."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Dataset, Graph, URIRef

from pia_kg.check.sources import statement_classes
from pia_kg.graph.disk_store import project_files
from pia_kg.graph.loading import KINDS, KnowledgeGraph, graph_kind, knowledge_graph_of
from pia_kg.project import Project
from pia_kg.rdf.labels import LABEL_PREDICATES
from pia_kg.rdf.namespaces import DCTERMS, OA, PIA, PROV, RDF, RDFS, compact_iri
from pia_kg.rdf.parsing import graph_id, load_file
from pia_kg.rdf.terms import to_rdflib

# What a summary reads: types and the class tree, attributions, citations (pia:evidence, oa:hasSource,
# prov:wasDerivedFrom), the documents (file name, hash, title) and labels
SUMMARY_PREDICATES = (
    RDF.type,
    RDFS.subClassOf,
    PROV.wasAttributedTo,
    PROV.wasDerivedFrom,
    OA.hasSource,
    PIA.evidence,
    PIA.sourceFileName,
    PIA.sha256,
    DCTERMS.title,
    *LABEL_PREDICATES,
)


@dataclass(frozen=True)
class SourceSummary:
    label: str
    file: str
    sha256_short: str
    text_available: bool
    facts: int


@dataclass(frozen=True)
class Summary:
    triples: dict[str, int]
    classes: tuple[tuple[str, int], ...]
    sources: tuple[SourceSummary, ...]
    quotes: int
    speakers: tuple[tuple[str, int], ...]
    unattributed: int


def summarise(kg: KnowledgeGraph, sources_dir: Path, *, triples: dict[str, int] | None = None) -> Summary:
    """Count what the graph holds; `sources_dir` is only read to say whether each cited text is available.
    `triples` gives the number of triples of each kind when `kg` holds only part of them (summarise_store)."""
    data = kg.union("data")
    everything = kg.union("ontology", "data")
    classes = Counter(
        compact_iri(str(cls)) for cls in data.objects(None, RDF.type) if isinstance(cls, URIRef)
    )
    statements = {s for cls in statement_classes(everything) for s in data.subjects(RDF.type, cls)}
    speakers: Counter[str] = Counter()
    unattributed = 0
    for statement in statements:
        attributed = sorted(data.objects(statement, PROV.wasAttributedTo), key=str)
        if not attributed:
            unattributed += 1
        for speaker in attributed:
            speakers[kg.label(speaker) or compact_iri(str(speaker))] += 1
    return Summary(
        triples=triples if triples is not None else {kind: len(kg.union(kind)) for kind in KINDS},
        classes=tuple(sorted(classes.items(), key=lambda item: (-item[1], item[0]))),
        sources=tuple(_source_summaries(kg, everything, sources_dir)),
        quotes=len(statements),
        speakers=tuple(sorted(speakers.items(), key=lambda item: (-item[1], item[0]))),
        unattributed=unattributed,
    )


def summarise_store(store: Any, project: Project) -> Summary:
    """`summarise` read from the project's store on disk (graph/disk_store.py), the same summary: only the
    triples a summary reads (SUMMARY_PREDICATES) come out of the store, each file's into a graph of its own,
    and the triples of each kind are counted in the store, so no rdflib graph of the whole is built. The
    shapes, which the store does not hold, are counted from their files."""
    import pyoxigraph as ox

    dataset = Dataset()
    identifiers = [graph_id(relpath) for relpath, _ in project_files(project)]
    for identifier in identifiers:
        named = dataset.graph(identifier)
        graph = ox.NamedNode(str(identifier))
        for predicate in SUMMARY_PREDICATES:
            for quad in store.quads_for_pattern(None, ox.NamedNode(str(predicate)), None, graph):
                named.add((to_rdflib(quad.subject), predicate, to_rdflib(quad.object)))
    triples: dict[str, int] = {
        kind: _count(store, [i for i in identifiers if graph_kind(i) == kind]) for kind in KINDS
    }
    shapes = Graph()
    for path in project.shapes_files():  # the store holds no shapes: only they are parsed here
        shapes += load_file(path, root=project.root)
    triples["shapes"] = len(shapes)
    return summarise(knowledge_graph_of(dataset, identifiers), project.sources_dir, triples=triples)


def _count(store: Any, identifiers: list[URIRef]) -> int:
    """The number of distinct triples in the union of these graphs of `store`."""
    if not identifiers:
        return 0
    from pia_kg.sparql.engine import raw_answer

    graphs = " ".join(f"<{identifier}>" for identifier in identifiers)
    distinct = f"SELECT DISTINCT ?s ?p ?o {{ VALUES ?g {{ {graphs} }} GRAPH ?g {{ ?s ?p ?o }} }}"
    (row,) = list(raw_answer(store, f"SELECT (COUNT(*) AS ?n) {{ {distinct} }}", None))
    return int(row["n"].value)


def _source_summaries(kg: KnowledgeGraph, graph: Graph, sources_dir: Path) -> list[SourceSummary]:
    """The rows of `pia-kg sources`, labelled: one source of truth for what cites what."""
    from pia_kg.curate.citing import source_rows

    return [
        SourceSummary(
            label=kg.label(row.document.iri) or compact_iri(str(row.document.iri)),
            file=row.document.file_name,
            sha256_short=row.document.sha256[:12] if row.document.sha256 else "-",
            text_available=row.is_available and row.is_hash_ok,
            facts=row.facts,
        )
        for row in source_rows(graph, sources_dir=sources_dir)
    ]


def render_summary(summary: Summary) -> str:
    """Plain text that fits one screen."""
    lines = [
        "Triples: " + ", ".join(f"{kind} {count}" for kind, count in summary.triples.items()),
        "",
        "Classes (data):",
    ]
    lines += [f"  {count:5d}  {name}" for name, count in summary.classes] or ["  (none)"]
    lines += ["", "Sources:"]
    for source in summary.sources:
        lines.append(f"  {source.label}")
        lines.append(
            f"    file {source.file}  sha256 {source.sha256_short}…  "
            f"text {'available' if source.text_available else 'NOT available'}  "
            f"cited by {source.facts} fact(s)"
        )
    if not summary.sources:
        lines.append("  (none)")
    lines += ["", f"Quotes: {summary.quotes} ({summary.unattributed} unattributed)"]
    lines += [f"  {count:5d}  {speaker}" for speaker, count in summary.speakers]
    return "\n".join(lines) + "\n"
