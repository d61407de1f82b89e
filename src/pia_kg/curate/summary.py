"""A one-screen overview of the loaded graph: sizes, classes, sources and quotations."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef

from pia_kg.check.sources import statement_classes
from pia_kg.graph.loading import KINDS, KnowledgeGraph
from pia_kg.rdf.namespaces import PROV, RDF, compact_iri


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


def summarise(kg: KnowledgeGraph, sources_dir: Path) -> Summary:
    """Count what the graph holds; `sources_dir` is only read to say whether each cited text is available."""
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
        triples={kind: len(kg.union(kind)) for kind in KINDS},
        classes=tuple(sorted(classes.items(), key=lambda item: (-item[1], item[0]))),
        sources=tuple(_source_summaries(kg, everything, sources_dir)),
        quotes=len(statements),
        speakers=tuple(sorted(speakers.items(), key=lambda item: (-item[1], item[0]))),
        unattributed=unattributed,
    )


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
