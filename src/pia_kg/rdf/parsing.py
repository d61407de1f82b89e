"""Reading one file: its text (UTF-8, size limits), its graph (pyoxigraph where it can, rdflib where an error
needs its position) and a line index of its subjects, so a finding can say `file:line`.

Graph names are repo-relative (`urn:pia-kg:file:data/people.ttl`, `graph_id`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Container
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.term import Node

from pia_kg.errors import DataError
from pia_kg.project import Project
from pia_kg.security.limits import recursion_room

GRAPH_PREFIX = "urn:pia-kg:file:"


def graph_id(relpath: str) -> URIRef:
    """The named-graph IRI for a repo-relative file path."""
    return URIRef(GRAPH_PREFIX + relpath)


_SYNTAX_HINT = "Fix the Turtle syntax at that position, then run `pia-kg validate` again."
_PREFIX_LINE = re.compile(
    r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE | re.MULTILINE
)
_BASE_LINE = re.compile(r"^\s*(?:@base|BASE)\s+<([^>]*)>", re.IGNORECASE | re.MULTILINE)
# a subject written at the very start of a line (white space, #, @, [ and ( start none of these)
_LINE_START = re.compile(
    r"^(?:<(?P<iri>[^>\s]*)>|(?P<prefix>[A-Za-z][\w.-]*)?:(?P<local>(?:[\w\-:%]|\\.|\.(?=[\w\-:%]))*))",
    re.MULTILINE,
)


def _silence_rdflib_literal_warnings() -> None:
    """rdflib logs every ill-typed literal with a traceback; validation reports them properly instead."""
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)


def load_file(path: Path, *, root: Path) -> Graph:
    """Parse one Turtle file; errors name `file:line:col` so an editor can jump there."""
    relpath = Project(root).relative(path)
    return parse_file_text(read_text(path, relpath=relpath), path=path, relpath=relpath)


def parse_file_text(text: str, *, path: Path, relpath: str, into: Graph | None = None) -> Graph:
    """Parse a file's text by its extension: Turtle, or N-Triples, JSON-LD, RDF/XML (read offline).

    The triples go into `into` (an empty graph, say a Dataset's named graph) when given, else a new Graph;
    that graph is returned.
    """
    from pia_kg.rdf.guard import format_for, parse_other

    fmt = format_for(path, relpath=relpath)
    if fmt == "turtle":
        return parse_turtle(text, relpath=relpath, into=into)
    _silence_rdflib_literal_warnings()
    if fmt == "nt":  # pyoxigraph reads N-Triples many times faster; what it refuses, rdflib reads and locates
        fast = _checked_fast_parse(text, relpath=relpath, into=into, fmt=fmt)
        if fast is not None:
            return fast
    return _copied(parse_other(text, relpath=relpath, fmt=fmt, public_id=graph_id(relpath)), into)


def _copied(graph: Graph, into: Graph | None) -> Graph:
    if into is None:
        return graph
    for triple in graph:
        into.add(triple)
    return into


def parse_turtle(text: str, *, relpath: str, into: Graph | None = None) -> Graph:
    """Parse Turtle text that came from `relpath`; never fetches anything (no owl:imports).

    Deep nesting, invalid IRIs, NUL, lone surrogates and bad language tags are refused (guard.py).
    """
    from pia_kg.rdf.guard import check_terms, parse_error

    _silence_rdflib_literal_warnings()
    fast = _checked_fast_parse(text, relpath=relpath, into=into, fmt="turtle")
    if fast is not None:
        return fast
    graph = Graph(bind_namespaces="none")
    try:
        with recursion_room():
            graph.parse(data=text, format="turtle", publicID=graph_id(relpath))
    except SyntaxError as err:  # rdflib's BadSyntax: 0-based .lines, the text and the index of the error
        raise DataError(
            f"{relpath}:{_syntax_position(err, text)}: not valid Turtle: {_syntax_reason(err)}",
            hint=_SYNTAX_HINT,
        ) from err
    except (ValueError, RecursionError, IndexError, AssertionError, AttributeError) as err:
        # rdflib's Turtle parser on some invalid input: a bad language tag (ValueError), deep nesting, `@` at
        # the end of the file (IndexError), an unclosed string (AssertionError), `?x` (AttributeError)
        raise parse_error(err, text, relpath=relpath) from err
    check_terms(graph, text, relpath=relpath)
    return _copied(graph, into)


def _checked_fast_parse(text: str, *, relpath: str, into: Graph | None, fmt: str) -> Graph | None:
    """The guard's checks around pyoxigraph's parse: the text before (nesting, BOM), the terms after. None
    when pyoxigraph refuses the text (nothing was added to `into`): rdflib's parser then reads it."""
    from pia_kg.rdf.guard import check_terms, check_text

    check_text(text, relpath=relpath, fmt=fmt)
    fast = _parse_with_oxigraph(text, relpath=relpath, into=into, fmt=fmt)
    if fast is not None:
        check_terms(fast, text, relpath=relpath)
    return fast


def _parse_with_oxigraph(
    text: str, *, relpath: str, into: Graph | None = None, fmt: str = "turtle"
) -> Graph | None:
    """Parse Turtle (or N-Triples, `fmt="nt"`) with pyoxigraph into rdflib terms, added to `into` or a Graph.

    The graph is the one rdflib's parser gives (tests/test_loading.py checks both on every file and fixture):
    the same terms, fresh blank nodes per file. Text pyoxigraph refuses gives None, and rdflib's parser then
    reads it again, to accept what it accepts and to say where the error is as it always has. Where the two
    would read a literal differently, pyoxigraph reads it as a store keeps it (an explicit `^^xsd:string`
    as the plain literal, a language tag in lower case); `pia-kg validate` reports such a literal from the
    file's text, and `pia-kg fmt` rewrites it.
    """
    import pyoxigraph as ox

    from pia_kg.rdf.terms import to_rdflib

    converted: dict[object, Node] = {}

    def term(value: object) -> Node:
        found = converted.get(value)
        if found is None:
            found = converted[value] = to_rdflib(value)
        return found

    try:
        parsed = ox.parse(
            input=text,
            format=ox.RdfFormat.N_TRIPLES if fmt == "nt" else ox.RdfFormat.TURTLE,
            base_iri=None,  # a relative IRI is then an error, and rdflib's parser says so as it always has
            rename_blank_nodes=True,
            without_named_graphs=True,
        )
        triples = [(term(triple.subject), term(triple.predicate), term(triple.object)) for triple in parsed]
    except SyntaxError:
        return None  # nothing was added: rdflib's parser reads the text again
    except MemoryError:
        # pyoxigraph's parser holds one token in a buffer of at most 16 MiB: a longer literal fails there.
        # rdflib reads it, and check_terms then refuses it at file:line under the documented literal limit.
        return None
    graph = Graph(bind_namespaces="none") if into is None else into
    for triple in triples:
        graph.add(triple)
    return graph


def read_text(path: Path, *, relpath: str) -> str:
    """Read a file as strict UTF-8; say which line holds the first bad byte."""
    from pia_kg.security.limits import current

    try:
        size = Path(path).stat().st_size
        if size > current().max_file_bytes:
            raise DataError(
                f"{relpath}: {size} bytes, more than the limit of {current().max_file_bytes}",
                hint="Split the file, or raise the limit with `pia-kg --max-file-size MB`.",
            )
        raw = Path(path).read_bytes()
    except FileNotFoundError as err:
        raise DataError(f"{relpath}: no such file", hint="Check the path, or run `git status`.") from err
    except IsADirectoryError as err:
        raise DataError(f"{relpath}: is a folder, not a Turtle file") from err
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        column = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        raise DataError(
            f"{relpath}:{line}:{column}: not valid UTF-8 (byte 0x{raw[err.start]:02x})",
            hint="Save the file as UTF-8 (without a byte-order mark is best).",
        ) from err


def _syntax_position(err: SyntaxError, text: str) -> str:
    index = getattr(err, "_i", None)
    lines = getattr(err, "lines", None)
    if isinstance(index, int):
        index = len(text) if index < 0 or index > len(text) else index
        line = text.count("\n", 0, index) + 1
        column = index - (text.rfind("\n", 0, index) + 1) + 1
        return f"{line}:{column}"
    if isinstance(lines, int):
        return f"{lines + 1}:1"
    return f"{err.lineno or 1}:{err.offset or 1}"


def _syntax_reason(err: SyntaxError) -> str:
    why = getattr(err, "_why", None)
    return str(why) if why else (err.msg or "syntax error")


def read_prefixes(text: str) -> dict[str, str]:
    """The `@prefix` / `PREFIX` declarations of a Turtle text, in order (later ones win)."""
    return {match.group(1) or "": match.group(2) for match in _PREFIX_LINE.finditer(text)}


@dataclass(frozen=True)
class SourceIndex:
    """Where each subject IRI is written: IRI -> (repo-relative path, 1-based line); the first file wins."""

    positions: dict[str, tuple[str, int]] = field(default_factory=dict)

    def add_file(self, relpath: str, text: str, graph: Graph) -> None:
        """Record the lines that start (column 0) with an IRI that is a subject in `graph`."""
        subjects = {str(subject) for subject in graph.subjects(unique=True) if isinstance(subject, URIRef)}
        self.add_subjects(relpath, text, subjects)

    def add_subjects(self, relpath: str, text: str, subjects: Container[str]) -> None:
        """Record the lines that start (column 0) with an IRI in `subjects` (the file's subject IRIs)."""
        prefixes = read_prefixes(text)
        base_match = _BASE_LINE.search(text)
        base = base_match.group(1) if base_match else None
        positions, count = self.positions, text.count
        number, counted = 1, 0
        for match in _LINE_START.finditer(text):  # one pass over the text: a large N-Triples file is long
            iri = match.group("iri")
            if iri is None or base:
                iri = _subject_iri(match, prefixes, base)
            if iri is not None and iri not in positions and iri in subjects:
                start = match.start()
                number += count("\n", counted, start)
                counted = start
                positions[iri] = (relpath, number)

    def get(self, term: Node) -> tuple[str, int] | None:
        """Where `term` is written as a subject, if it is an IRI written at the start of a line."""
        return self.positions.get(str(term)) if isinstance(term, URIRef) else None


def _subject_iri(match: re.Match[str], prefixes: dict[str, str], base: str | None) -> str | None:
    """The IRI of a term matched at the start of a line (_LINE_START), if its prefix is declared."""
    if match.group("iri") is not None:
        iri = match.group("iri")
        if base and ":" not in iri:
            from urllib.parse import urljoin

            iri = urljoin(base, iri)
        return iri
    namespace = prefixes.get(match.group("prefix") or "")
    if namespace is None:
        return None
    local = re.sub(r"\\(.)", r"\1", match.group("local"))
    return namespace + local
