"""Source texts and the citation check: every cited span must match the exact text it claims to quote.

Offsets follow the Web Annotation model (oa:TextPositionSelector): 0-based, end exclusive, counted in
Unicode code points over the NFC text as a Python `str`, and valid only for the bytes whose sha256 the
document records (README, "How the data is modelled"). The checks return `CitationIssue`s; validation.py
locates and labels them.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from pia_kg.errors import DataError
from pia_kg.rdf.namespaces import OA, PIA, RDF, RDFS, SCHEMA

SEPARATOR = " [\u2026] "
"""Joins the spans of a statement quoted in pieces: space, '[', U+2026 HORIZONTAL ELLIPSIS, ']', space."""

_SOURCES_HINT = "Pass --sources DIR (or set PIA_KG_SOURCES) to the folder that holds the source texts."


@dataclass(frozen=True)
class Span:
    """A half-open range [start, end) of code points in a source text."""

    start: int
    end: int


@dataclass(frozen=True)
class Selector:
    """Both W3C selectors for one span: position (start, end) and quote (exact with its prefix and suffix)."""

    start: int
    end: int
    exact: str
    prefix: str
    suffix: str


@dataclass(frozen=True)
class SourceText:
    """The verified text of one source document."""

    document: URIRef
    file_name: str
    text: str


@dataclass(frozen=True)
class CitationIssue:
    """One problem found by the citation check, before it is located in a file and labelled."""

    rule: str
    severity: str
    focus: Node
    message: str
    hint: str | None = None
    path: str | None = None
    value: str | None = None


class SourceTextError(DataError):
    """A source text is missing, changed since it was cited, or not UTF-8 NFC; `rule` says which."""

    def __init__(self, message: str, *, rule: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.rule = rule


def find_quote(text: str, needle: str) -> list[Span]:
    """Every place (overlaps included) where `needle` occurs in `text`, in order."""
    spans: list[Span] = []
    if not needle:
        return spans
    start = text.find(needle)
    while start != -1:
        spans.append(Span(start, start + len(needle)))
        start = text.find(needle, start + 1)
    return spans


def make_selector(text: str, start: int, end: int, context: int = 20) -> Selector:
    """The selectors for text[start:end], with up to `context` code points of prefix and suffix."""
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"span {start}-{end} is outside a text of {len(text)} code points")
    return Selector(
        start=start,
        end=end,
        exact=text[start:end],
        prefix=text[max(0, start - context) : start],
        suffix=text[end : end + context],
    )


def load_source_text(
    sources_dir: Path, file_name: str, *, sha256: str | None, document: URIRef
) -> SourceText:
    """Read a source text, check its bytes against the recorded sha256, decode UTF-8 and check NFC."""
    path = Path(sources_dir) / file_name
    if Path(file_name).name != file_name or not path.is_file():
        raise SourceTextError(
            f"source text {file_name!r} not found in {sources_dir}",
            rule="citation-source-missing",
            hint=_SOURCES_HINT,
        )
    raw = path.read_bytes()
    actual = hashlib.sha256(raw).hexdigest()
    if sha256 is None or actual != sha256.strip().lower():
        raise SourceTextError(
            f"{file_name} has sha256 {actual}, but the document records {sha256 or 'none'}",
            rule="citation-hash-mismatch",
            hint="The offsets were made for other bytes: restore the cited version of the text, "
            "or re-cite every span and update pia:sha256.",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise SourceTextError(f"{file_name} is not valid UTF-8", rule="citation-source-encoding") from err
    if not unicodedata.is_normalized("NFC", text):
        raise SourceTextError(
            f"{file_name} is not in Unicode NFC",
            rule="citation-source-encoding",
            hint="Store source texts in NFC so that code-point offsets are stable.",
        )
    return SourceText(document=document, file_name=file_name, text=text)


@dataclass(frozen=True)
class _Quote:
    exact: str
    prefix: str | None
    suffix: str | None


@dataclass(frozen=True)
class _Evidence:
    fact: Node
    source: Node | None
    positions: tuple[tuple[object, object], ...]
    quotes: tuple[_Quote, ...]


# The triples check_citations reads, as a SPARQL CONSTRUCT over a store of the whole graph: a caller that
# holds the graph in a store (validation.py) gives check_citations these alone, not a copy of everything.
# Keep it in step with what the checks below read.
CITATION_TRIPLES = """
CONSTRUCT { ?s ?p ?o . ?statement a ?class }
WHERE {
  { VALUES ?p { pia:evidence oa:hasSelector oa:start oa:end oa:exact oa:prefix oa:suffix oa:hasSource
                pia:sourceFileName pia:sha256 schema:text rdfs:subClassOf }
    ?s ?p ?o }
  UNION
  { ?class rdfs:subClassOf* pia:Statement . ?statement a ?class }
}
"""


def check_citations(graph: Graph, sources_dir: Path) -> list[CitationIssue]:
    """Run every citation rule over `graph` (ontology + data) against the texts in `sources_dir`."""
    issues: list[CitationIssue] = []
    texts: dict[Node, str] = {}
    evidence = list(_read_evidence(graph))
    facts_citing: dict[Node, set[Node]] = {}
    for item in evidence:
        if item.source is not None:
            facts_citing.setdefault(item.source, set()).add(item.fact)
    for document in sorted(set(graph.subjects(PIA.sourceFileName, None)), key=str):
        cited_by = len(facts_citing.get(document, set()))
        file_name = _first_str(graph, document, PIA.sourceFileName) or ""
        try:
            source = load_source_text(
                sources_dir,
                file_name,
                sha256=_first_str(graph, document, PIA.sha256),
                document=URIRef(str(document)),
            )
        except SourceTextError as err:
            severity = "Warning" if err.rule == "citation-source-missing" else "Violation"
            message = f"{err.message}; {cited_by} fact(s) citing it were not checked against the text"
            issues.append(
                CitationIssue(
                    err.rule, severity, document, message, err.hint, "pia:sourceFileName", file_name
                )
            )
            continue
        texts[document] = source.text
    for item in evidence:
        text = texts.get(item.source) if item.source is not None else None
        if text is not None:
            issues.extend(_check_evidence(item, text))
    issues.extend(_check_statements(graph, evidence, texts))
    return issues


def _first_str(graph: Graph, subject: Node, predicate: URIRef) -> str | None:
    values = sorted(str(value) for value in graph.objects(subject, predicate))
    return values[0] if values else None


def _read_evidence(graph: Graph) -> Iterator[_Evidence]:
    for fact, resource in sorted(
        graph.subject_objects(PIA.evidence), key=lambda pair: (str(pair[0]), str(pair[1]))
    ):
        positions: list[tuple[object, object]] = []
        quotes: list[_Quote] = []
        for selector in graph.objects(resource, OA.hasSelector):
            start, end = graph.value(selector, OA.start), graph.value(selector, OA.end)
            if start is not None or end is not None:
                positions.append((start, end))
            exact = graph.value(selector, OA.exact)
            if exact is not None:
                prefix, suffix = graph.value(selector, OA.prefix), graph.value(selector, OA.suffix)
                quotes.append(_Quote(str(exact), _opt_str(prefix), _opt_str(suffix)))
        yield _Evidence(fact, graph.value(resource, OA.hasSource), tuple(positions), tuple(quotes))


def _opt_str(value: Node | None) -> str | None:
    return None if value is None else str(value)


def _as_offset(value: object) -> int | None:
    if isinstance(value, Literal) and str(value).isdigit():
        return int(str(value))
    return None


def _check_evidence(item: _Evidence, text: str) -> Iterator[CitationIssue]:
    for raw_start, raw_end in item.positions:
        start, end = _as_offset(raw_start), _as_offset(raw_end)
        if start is None or end is None or start > end or end > len(text):
            yield CitationIssue(
                "citation-bounds",
                "Violation",
                item.fact,
                f"span {raw_start}-{raw_end} is not within the source text of {len(text)} code points",
                "oa:start and oa:end are 0-based code-point offsets with start <= end <= length of the text.",
                "oa:start",
                f"{raw_start}-{raw_end}",
            )
            continue
        for quote in item.quotes:
            yield from _check_quote_at(item.fact, text, Span(start, end), quote)
    if not item.positions:
        for quote in item.quotes:
            if not _quote_occurs(text, quote):
                yield CitationIssue(
                    "citation-span",
                    "Violation",
                    item.fact,
                    f"quoted text {_show(quote.exact)} does not occur in the source",
                    "Copy the quote from the source file exactly (curly quotes, NFC).",
                    "oa:exact",
                    quote.exact,
                )


def _quote_occurs(text: str, quote: _Quote) -> bool:
    return any(_context_problems(text, span, quote) == [] for span in find_quote(text, quote.exact))


def _check_quote_at(fact: Node, text: str, span: Span, quote: _Quote) -> Iterator[CitationIssue]:
    actual = text[span.start : span.end]
    if actual != quote.exact:
        found = find_quote(text, quote.exact)
        hint = (
            "The quoted text is at "
            + ", ".join(f"oa:start {s.start} ; oa:end {s.end}" for s in found[:3])
            + ": fix the offsets."
            if found
            else "The quote is not in the source: copy it exactly (curly quotes, NFC), then fix the offsets."
        )
        yield CitationIssue(
            "citation-span",
            "Violation",
            fact,
            f"text[{span.start}:{span.end}] is {_show(actual)}, not the quoted {_show(quote.exact)}",
            hint,
            "oa:exact",
            quote.exact,
        )
        return
    for path, expected, wanted in _context_problems(text, span, quote):
        yield CitationIssue(
            "citation-context",
            "Violation",
            fact,
            f"{path} is {_show(wanted)}, but the source has {_show(expected)} there",
            f"Set {path} to {_show(expected, 200)} (the text right "
            f"{'before' if path == 'oa:prefix' else 'after'} the span).",
            path,
            wanted,
        )


def _context_problems(text: str, span: Span, quote: _Quote) -> list[tuple[str, str, str]]:
    problems: list[tuple[str, str, str]] = []
    if quote.prefix is not None:
        before = text[max(0, span.start - len(quote.prefix)) : span.start]
        if before != quote.prefix:
            problems.append(("oa:prefix", before, quote.prefix))
    if quote.suffix is not None:
        after = text[span.end : span.end + len(quote.suffix)]
        if after != quote.suffix:
            problems.append(("oa:suffix", after, quote.suffix))
    return problems


def statement_classes(graph: Graph) -> set[Node]:
    """pia:Statement and its subclasses, as declared in `graph` (no inference runs)."""
    return {cls for cls in graph.transitive_subjects(RDFS.subClassOf, PIA.Statement) if cls is not None}


def _check_statements(
    graph: Graph, evidence: list[_Evidence], texts: dict[Node, str]
) -> Iterator[CitationIssue]:
    statements = {s for cls in statement_classes(graph) for s in graph.subjects(RDF.type, cls)}
    by_fact: dict[Node, list[_Evidence]] = {}
    for item in evidence:
        by_fact.setdefault(item.fact, []).append(item)
    for statement in sorted(statements, key=str):
        pieces = _statement_pieces(by_fact.get(statement, []), texts)
        if pieces is None:
            continue
        expected = SEPARATOR.join(piece for _, piece in sorted(pieces))
        for said in sorted(graph.objects(statement, SCHEMA.text), key=str):
            if str(said) != expected:
                yield CitationIssue(
                    "statement-text",
                    "Violation",
                    statement,
                    f"schema:text {_show(str(said))} differs from its evidence spans {_show(expected)}",
                    f"schema:text must be the spans' exact texts in order, joined with {SEPARATOR!r}.",
                    "schema:text",
                    str(said),
                )


def _statement_pieces(items: list[_Evidence], texts: dict[Node, str]) -> list[tuple[int, str]] | None:
    """(start, exact) for each evidence span of a statement; None when some span cannot be known."""
    pieces: list[tuple[int, str]] = []
    for item in items:
        text = texts.get(item.source) if item.source is not None else None
        start = next((_as_offset(raw) for raw, _ in item.positions), None)
        end = next((_as_offset(raw) for _, raw in item.positions), None)
        if item.quotes:
            exact = item.quotes[0].exact
        elif text is not None and start is not None and end is not None:
            exact = text[start:end]
        else:
            return None
        if start is None:
            found = find_quote(text, exact) if text is not None else []
            if len(items) > 1 and not found:
                return None
            start = found[0].start if found else 0
        pieces.append((start, exact))
    return pieces or None


def _show(text: str, limit: int = 60) -> str:
    shown = text if len(text) <= limit else text[: limit - 1] + "\u2026"
    return repr(shown)
