"""The citation helper (issue 7): find a text in a source document and write its evidence selectors.

`pia-kg cite` looks for the text exactly, then tolerantly (any run of white space matches any other, and
straight and curly quotes and apostrophes match each other), so that a curator can paste a quote from a
browser or an e-mail. The selectors always carry the source's own characters, counted in code points as
sources.py checks them. `pia-kg sources` lists the documents and the state of their texts.

A source is named by its document (IRI or CURIE), by the file name of its text in the sources folder, or by
the path of a file (issue 14): a file is a known source when its sha256 is the one a document records.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from pia_kg.check.sources import Selector, SourceTextError, Span, find_quote, load_source_text, make_selector
from pia_kg.errors import DataError
from pia_kg.rdf.labels import LABEL_PREDICATES, best_label, label_pairs
from pia_kg.rdf.namespaces import (
    DCTERMS,
    OA,
    PIA,
    PROV,
    RDF,
    XSD,
    bind_prefixes,
    compact_iri,
    expand_curie,
)

_QUOTE_CLASSES = {
    "'": "['\u2018\u2019]",
    "\u2018": "['\u2018\u2019]",
    "\u2019": "['\u2018\u2019]",
    '"': '["\u201c\u201d]',
    "\u201c": '["\u201c\u201d]',
    "\u201d": '["\u201c\u201d]',
}


@dataclass(frozen=True)
class Document:
    """A source document as the data declares it."""

    iri: URIRef
    file_name: str
    sha256: str | None
    title: str | None = None


@dataclass(frozen=True)
class Citation:
    """Where a text was found, and how (`exact` or `tolerant`); `text_path`: the file given, if one was."""

    document: Document
    selector: Selector
    match: str
    text_path: Path | None = None


@dataclass(frozen=True)
class SourceRow:
    """One line of `pia-kg sources`."""

    document: Document
    is_available: bool
    is_hash_ok: bool
    facts: int


class CitationError(DataError):
    """The text is absent or ambiguous; the message lists the candidates."""


def documents(graph: Graph) -> list[Document]:
    """Every resource with a pia:sourceFileName, sorted by IRI."""
    found = []
    declared = {s for s in graph.subjects(PIA.sourceFileName, None) if isinstance(s, URIRef)}
    for iri in sorted(declared, key=str):
        sha = graph.value(iri, PIA.sha256)
        file_name = str(graph.value(iri, PIA.sourceFileName))
        found.append(Document(iri, file_name, str(sha) if sha else None, _title(graph, iri)))
    return found


def _title(graph: Graph, iri: URIRef) -> str | None:
    """The document's label in English if it has one (rdf/labels.py's rule; its dcterms:title last)."""
    found = best_label(label_pairs(graph, iri, (*LABEL_PREDICATES, DCTERMS.title)), "en")
    return str(found) if found is not None else None


def find_document(graph: Graph, source: str, *, sources_dir: Path) -> Document:
    """The document named by IRI, CURIE, file name or path of its text; see `find_source`."""
    return find_source(graph, source, sources_dir=sources_dir)[0]


def find_source(graph: Graph, source: str, *, sources_dir: Path) -> tuple[Document, Path | None]:
    """The document that `source` names, and the path to read its text from if `source` is a path.

    A bare file name is looked up in the sources folder; any other existing file is the text of the
    document whose pia:sha256 it has. A file that no document records raises a DataError with its sha256
    and the node to add to data/sources.ttl.
    """
    known = documents(graph)
    iri = expand_curie(source) if (":" in source or source.startswith("<")) else None
    for document in known:
        if document.iri == iri or document.file_name == source or str(document.iri) == source:
            return document, None
    in_sources = Path(sources_dir) / source
    if Path(source).name == source and in_sources.is_file():
        return _document_of_file(known, in_sources, given=source, sources_dir=sources_dir), in_sources
    path = Path(source)
    if path.is_file():
        return _document_of_file(known, path, given=source, sources_dir=sources_dir), path
    listing = _listing(known)
    if Path(source).name != source or path.exists():
        what = "not a file" if path.exists() else "no such file"
        raise DataError(
            f"{source}: {what}, and not a known source document (known: {listing})",
            hint="Give a document (doc:...), the file name of its text, or the path of the text file.",
        )
    raise DataError(
        f"{source}: not a known source document (known: {listing})",
        hint="Run `pia-kg sources` to list documents, or check --sources.",
    )


def _document_of_file(known: list[Document], path: Path, *, given: str, sources_dir: Path) -> Document:
    """The document whose recorded sha256 is the file's; else a DataError saying how to declare it."""
    with path.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    for document in known:
        if document.sha256 is not None and document.sha256.strip().lower() == digest:
            return document
    for document in known:
        if document.file_name == path.name:
            raise DataError(
                f"{given}: its sha256 is {digest}, but {compact_iri(str(document.iri))} records "
                f"{document.sha256 or 'none'} for {document.file_name}",
                hint="Cite the text as recorded (the file in the sources folder): offsets made on other "
                "bytes would not match it.",
            )
    in_sources = path.resolve().parent == Path(sources_dir).resolve()
    step = "" if in_sources else f"put it in the sources folder ({sources_dir}) and "
    raise DataError(
        f"{given}: this file is not the text of a known source document (known: {_listing(known)})",
        hint=f"To cite it, {step}describe it in data/sources.ttl first, e.g.\n"
        f"doc:<slug>\n    a pia:PressRelease ;\n    pia:sha256 \"{digest}\" ;\n"
        f"    pia:sourceFileName \"{path.name}\" .\nCONTRIBUTING.md, step 1, shows the whole node.",
    )


def _listing(known: list[Document]) -> str:
    return ", ".join(f"{compact_iri(str(d.iri))} ({d.file_name})" for d in known) or "none"


def tolerant_pattern(needle: str) -> re.Pattern[str]:
    """A pattern where white space runs and quote marks match their variants; everything else is literal."""
    parts: list[str] = []
    for piece in re.split(r"(\s+)", needle.strip()):
        if not piece:
            continue
        if piece.isspace():
            parts.append(r"\s+")
            continue
        parts.extend(_QUOTE_CLASSES.get(char, re.escape(char)) for char in piece)
    return re.compile("".join(parts))


def find_text(text: str, needle: str) -> tuple[list[Span], str]:
    """Spans of `needle` in `text`: exact matches if any, else tolerant ones; and which kind they are."""
    spans = find_quote(text, needle)
    if spans:
        return spans, "exact"
    if not needle.strip():
        return [], "tolerant"
    pattern = tolerant_pattern(needle)
    return [Span(match.start(), match.end()) for match in pattern.finditer(text)], "tolerant"


def closest(text: str, needle: str, *, limit: int = 3) -> list[tuple[float, Span]]:
    """The passages most like `needle` (difflib ratio), one per word start, best first."""
    import difflib

    size = max(1, len(needle))
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(needle)
    scored: list[tuple[float, Span]] = []
    for start in [0, *(match.end() for match in re.finditer(r"\s+", text))]:
        window = text[start : start + size]
        matcher.set_seq1(window)
        if matcher.real_quick_ratio() < 0.5 or matcher.quick_ratio() < 0.5:
            continue
        scored.append((matcher.ratio(), Span(start, min(len(text), start + size))))
    scored.sort(key=lambda item: (-item[0], item[1].start))
    return scored[:limit]


def cite(graph: Graph, source: str, needle: str, *, sources_dir: Path, context: int = 20) -> Citation:
    """Find `needle` once in the source text; absent or ambiguous text raises a CitationError."""
    document, text_path = find_source(graph, source, sources_dir=sources_dir)
    if text_path is None:
        text = _read(sources_dir, document)
    else:
        text = _read(text_path.parent, replace(document, file_name=text_path.name))
    spans, how = find_text(text, needle)
    if len(spans) == 1:
        span = spans[0]
        return Citation(document, make_selector(text, span.start, span.end, context), how, text_path)
    if spans:
        listing = "\n".join(f"  {s.start}-{s.end}: {_in_context(text, s)}" for s in spans)
        raise CitationError(
            f"the text occurs {len(spans)} times in {document.file_name}:\n{listing}",
            hint="Quote a longer passage so that it occurs only once.",
        )
    candidates = closest(text, needle)
    listing = "\n".join(f"  {s.start}-{s.end} ({r:.0%}): {_in_context(text, s)}" for r, s in candidates)
    raise CitationError(
        f"the text does not occur in {document.file_name}"
        + (f"; closest passages:\n{listing}" if candidates else ""),
        hint="Copy the passage from the source file itself (the sources folder holds it).",
    )


def _read(sources_dir: Path, document: Document) -> str:
    return load_source_text(
        sources_dir, document.file_name, sha256=document.sha256, document=document.iri
    ).text


def _in_context(text: str, span: Span, width: int = 25) -> str:
    before = text[max(0, span.start - width) : span.start]
    after = text[span.end : span.end + width]
    return repr(f"\u2026{before}[{text[span.start : span.end]}]{after}\u2026")


def evidence_graph(citation: Citation) -> tuple[Graph, BNode]:
    """The `pia:evidence` triples of a citation, on a placeholder fact node."""
    graph = bind_prefixes(Graph(bind_namespaces="none"))
    fact, resource, position, quote = BNode(), BNode(), BNode(), BNode()
    selector = citation.selector
    graph.add((fact, PIA.evidence, resource))
    graph.add((resource, RDF.type, OA.SpecificResource))
    graph.add((resource, OA.hasSource, citation.document.iri))
    graph.add((resource, OA.hasSelector, position))
    graph.add((resource, OA.hasSelector, quote))
    graph.add((position, RDF.type, OA.TextPositionSelector))
    graph.add((position, OA.start, Literal(str(selector.start), datatype=XSD.integer)))
    graph.add((position, OA.end, Literal(str(selector.end), datatype=XSD.integer)))
    graph.add((quote, RDF.type, OA.TextQuoteSelector))
    graph.add((quote, OA.exact, Literal(selector.exact)))
    graph.add((quote, OA.prefix, Literal(selector.prefix)))
    graph.add((quote, OA.suffix, Literal(selector.suffix)))
    return graph, fact


def render_citation(citation: Citation) -> str:
    """A comment naming the text and its sha256, then the `pia:evidence [...]` lines, in canonical form."""
    from pia_kg.rdf.canonical import render_predicates

    graph, fact = evidence_graph(citation)
    document = citation.document
    head = (
        f"# {compact_iri(str(document.iri))} {document.file_name} sha256 {document.sha256} "
        f"({citation.match} match, code points {citation.selector.start}-{citation.selector.end})"
    )
    return head + "\n" + render_predicates(graph, fact) + "\n"


def describe_source(citation: Citation) -> str:
    """One line naming the cited document (CURIE, IRI, title) and the file its text was read from."""
    document = citation.document
    title = f" \u201c{document.title}\u201d" if document.title else ""
    where = f"{citation.text_path} (sha256 matches)" if citation.text_path else document.file_name
    return f"Document: {compact_iri(str(document.iri))} <{document.iri}>{title}; text: {where}."


def source_rows(graph: Graph, *, sources_dir: Path) -> list[SourceRow]:
    """Each document with whether its text is here, whether its hash matches, and how many facts cite it."""
    rows = []
    for document in documents(graph):
        path = Path(sources_dir) / document.file_name
        is_available = Path(document.file_name).name == document.file_name and path.is_file()
        is_hash_ok = False
        if is_available:
            try:
                _read(sources_dir, document)
                is_hash_ok = True
            except SourceTextError:
                is_hash_ok = False
        rows.append(SourceRow(document, is_available, is_hash_ok, len(_citing_facts(graph, document.iri))))
    return rows


def _citing_facts(graph: Graph, document: URIRef) -> set[Node]:
    facts: set[Node] = set(graph.subjects(PROV.wasDerivedFrom, document))
    for resource in graph.subjects(OA.hasSource, document):
        facts.update(graph.subjects(PIA.evidence, resource))
    facts.discard(document)
    return facts


def render_source_rows(rows: list[SourceRow]) -> str:
    """A fixed-width table: document, file, short sha256, text here, hash ok, facts citing it."""
    table = [("document", "file", "sha256", "local", "hash ok", "facts")]
    for row in rows:
        table.append(
            (
                compact_iri(str(row.document.iri)),
                row.document.file_name,
                (row.document.sha256 or "-")[:12],
                "y" if row.is_available else "n",
                ("y" if row.is_hash_ok else "n") if row.is_available else "-",
                str(row.facts),
            )
        )
    widths = [max(len(line[column]) for line in table) for column in range(len(table[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in table]
    return "\n".join(lines) + "\n"
