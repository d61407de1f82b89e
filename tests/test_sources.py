"""The citation rules, each on a tiny graph citing the real source text."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Graph

from pia_kg.check.sources import SEPARATOR, Selector, Span, check_citations, find_quote, make_selector
from pia_kg.rdf.namespaces import DOC, STATEMENT

from .conftest import SOURCE_FILE, SOURCE_SHA256, SOURCES_DIR

Turtle = Callable[[str], Graph]
QUOTE = "protocole d\u2019accord"
SECOND = "soutenu par un engagement financier"


def document(sha256: str = SOURCE_SHA256, file_name: str = SOURCE_FILE) -> str:
    return (
        f'doc:pr a pia:PressRelease ;\n    pia:sha256 "{sha256}" ;\n    pia:sourceFileName "{file_name}" .\n'
    )


def evidence(start: int, end: int, exact: str, prefix: str, suffix: str) -> str:
    def lit(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    return (
        "pia:evidence [ a oa:SpecificResource ; oa:hasSource doc:pr ;\n"
        f"  oa:hasSelector [ a oa:TextPositionSelector ; oa:start {start} ; oa:end {end} ] ,\n"
        f"    [ a oa:TextQuoteSelector ; oa:exact {lit(exact)} ;\n"
        f"      oa:prefix {lit(prefix)} ; oa:suffix {lit(suffix)} ] ]"
    )


def cited(selector: Selector, **changes: object) -> str:
    values = {**selector.__dict__, **changes}
    return f"agreement:mou {evidence(**values)} .\n"  # type: ignore[arg-type]


def rules(graph: Graph, sources_dir: Path = SOURCES_DIR) -> list[tuple[str, str]]:
    return sorted((issue.rule, str(issue.focus)) for issue in check_citations(graph, sources_dir))


@pytest.fixture
def selector(source_text: str) -> Selector:
    [span] = find_quote(source_text, QUOTE)
    return make_selector(source_text, span.start, span.end)


def test_find_quote_returns_every_occurrence_in_code_points() -> None:
    assert find_quote("abcabc", "bc") == [Span(1, 3), Span(4, 6)]
    assert find_quote("aaa", "aa") == [Span(0, 2), Span(1, 3)]
    assert find_quote("abc", "") == []


def test_make_selector_cuts_context_at_the_text_edges() -> None:
    assert make_selector("hello world", 0, 5, context=3) == Selector(0, 5, "hello", "", " wo")
    assert make_selector("hello world", 6, 11, context=20) == Selector(6, 11, "world", "hello ", "")


def test_make_selector_rejects_a_span_outside_the_text() -> None:
    with pytest.raises(ValueError, match="outside"):
        make_selector("abc", 2, 4)


def test_the_modelling_notes_offsets_are_code_points(source_text: str) -> None:
    assert find_quote(source_text, QUOTE) == [Span(261, 279)]


def test_a_correct_citation_raises_nothing(turtle: Turtle, selector: Selector) -> None:
    assert rules(turtle(document() + cited(selector))) == []


def test_a_missing_source_text_is_a_warning_on_the_document(
    turtle: Turtle, selector: Selector, tmp_path: Path
) -> None:
    issues = check_citations(turtle(document() + cited(selector)), tmp_path)
    assert [(i.rule, i.severity, i.focus) for i in issues] == [("citation-source-missing", "Warning", DOC.pr)]
    assert "--sources" in (issues[0].hint or "")


def test_a_changed_source_text_is_a_hash_mismatch(turtle: Turtle, selector: Selector) -> None:
    assert rules(turtle(document(sha256="0" * 64) + cited(selector))) == [
        ("citation-hash-mismatch", str(DOC.pr))
    ]


def test_a_source_text_that_is_not_nfc_is_reported(
    turtle: Turtle, selector: Selector, tmp_path: Path
) -> None:
    raw = unicodedata.normalize("NFD", "été").encode("utf-8")
    (tmp_path / "nfd.txt").write_bytes(raw)
    graph = turtle(document(sha256=hashlib.sha256(raw).hexdigest(), file_name="nfd.txt"))
    assert rules(graph, tmp_path) == [("citation-source-encoding", str(DOC.pr))]


def test_offsets_that_miss_the_quote_are_a_span_error(turtle: Turtle, selector: Selector) -> None:
    graph = turtle(document() + cited(selector, start=selector.start + 1, end=selector.end + 1))
    issues = check_citations(graph, SOURCES_DIR)
    assert [issue.rule for issue in issues] == ["citation-span"]
    assert "oa:start 261 ; oa:end 279" in (issues[0].hint or "")


def test_a_wrong_prefix_is_a_context_error(turtle: Turtle, selector: Selector) -> None:
    graph = turtle(document() + cited(selector, prefix="pur un "))
    assert rules(graph) == [("citation-context", "https://w3id.org/pia-kg/id/agreement/mou")]


def test_a_wrong_suffix_is_a_context_error(turtle: Turtle, selector: Selector) -> None:
    assert [rule for rule, _ in rules(turtle(document() + cited(selector, suffix=" (MOU")))] == [
        "citation-context"
    ]


def test_an_end_past_the_text_is_a_bounds_error(turtle: Turtle, selector: Selector, source_text: str) -> None:
    graph = turtle(document() + cited(selector, end=len(source_text) + 1))
    assert [rule for rule, _ in rules(graph)] == ["citation-bounds"]


def test_a_start_after_the_end_is_a_bounds_error(turtle: Turtle, selector: Selector) -> None:
    graph = turtle(document() + cited(selector, start=selector.end, end=selector.start))
    assert [rule for rule, _ in rules(graph)] == ["citation-bounds"]


def statement(text: str, selectors: list[Selector]) -> str:
    spans = " ;\n    ".join(evidence(**s.__dict__) for s in selectors)
    return f'statement:s a pia:Statement ;\n    schema:text "{text}"@fr ;\n    {spans} .\n'


def test_a_statement_joining_its_spans_in_order_passes(turtle: Turtle, source_text: str) -> None:
    first, second = (make_selector(source_text, *_span(source_text, quote)) for quote in (QUOTE, SECOND))
    body = statement(f"{QUOTE}{SEPARATOR}{SECOND}", [second, first])
    assert rules(turtle(document() + body)) == []


def test_a_statement_whose_text_differs_from_its_spans_is_reported(turtle: Turtle, source_text: str) -> None:
    first, second = (make_selector(source_text, *_span(source_text, quote)) for quote in (QUOTE, SECOND))
    body = statement(f"{QUOTE} ... {SECOND}", [first, second])
    assert rules(turtle(document() + body)) == [("statement-text", str(STATEMENT.s))]


def _span(text: str, quote: str) -> tuple[int, int]:
    [span] = find_quote(text, quote)
    return span.start, span.end
