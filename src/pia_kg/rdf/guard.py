"""Hostile input: refuse what rdflib accepts but should not, and parse other RDF formats offline (issue 8).

rdflib's Turtle parser accepts IRIs with spaces or escaped newlines, lone surrogates and NUL characters, and
recurses once per nested blank node or collection (a RecursionError, or a crash, on deep nesting); they then
fail or corrupt at export. `check_text` and `check_terms` reject them at load time with `file:line:col`.

The loader reads Turtle, and N-Triples, JSON-LD and RDF/XML files named on the command line. JSON-LD with a
remote `@context` (or `@import`) and RDF/XML with a DTD (external entities, "billion laughs") are refused
before parsing, so rdflib's URL opener is never reached. `guard_command` sets the limits and the network
backstop (netguard.py) for one CLI command.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef

from pia_kg.errors import DataError, PiaError
from pia_kg.security.limits import Limits, current, recursion_room

SUFFIX_FORMATS = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld", ".rdf": "xml", ".owl": "xml"}
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$")
_IRI_FORBIDDEN = frozenset('<>"{}|^`\\')
_IRI_SUSPECT = re.compile(r'[\x00-\x20<>"{}|^`\\]')  # any character _term_problem refuses in an IRI
_NESTING_TOKEN = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"\s]*>|\\.|#[^\n]*|(?P<open>[\[(])|(?P<close>[\])])',
    re.DOTALL,
)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_PARSE_HINT = "Fix the file at that position, then run `pia-kg validate` again."


def position(text: str, index: int) -> str:
    """`line:col` (both 1-based) of a character index."""
    line = text.count("\n", 0, index) + 1
    return f"{line}:{index - (text.rfind(chr(10), 0, index) + 1) + 1}"


def _locate(text: str, *needles: str) -> str:
    """`line:col` of the first needle found (case-insensitively for escapes), else line 1."""
    for needle in needles:
        found = text.find(needle) if needle else -1
        if found < 0 and needle.startswith("\\u"):
            match = re.search(re.escape(needle), text, re.IGNORECASE)
            found = match.start() if match else -1
        if found >= 0:
            return position(text, found)
    return "1"


def check_text(text: str, *, relpath: str, limits: Limits | None = None, fmt: str = "turtle") -> None:
    """Refuse, before parsing, a byte-order mark and structures nested deeper than `max_nesting`.

    Turtle counts blank nodes `[` and collections `(`. A node nested in JSON-LD or RDF/XML takes up to two
    levels of the syntax (an array and an object, a property element and a node element), so there the syntax
    may nest twice as deep, plus the document's own top level.
    """
    chosen = limits or current()
    if text.startswith("\ufeff"):
        raise DataError(
            f"{relpath}:1:1: the file starts with a byte-order mark (BOM)",
            hint="Save the file as UTF-8 without a BOM (pia-kg writes files that way).",
        )
    scan = _NESTING_SCANS.get(fmt)
    if scan is None:
        return
    tokens, opening, what, per_level, top = scan
    allowed = chosen.max_nesting * per_level + top
    if sum(text.count(char) for char in opening) <= allowed:
        return
    depth = 0
    for match in tokens.finditer(text):
        if match.group("open"):
            depth += 1
            if depth > allowed:
                raise DataError(
                    f"{relpath}:{position(text, match.start())}: {what} nested more than {allowed} deep",
                    hint="Give the inner nodes IRIs or flatten the structure.",
                )
        elif match.group("close"):
            depth = max(0, depth - 1)


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|(?P<open>[\[{])|(?P<close>[\]}])')
_XML_TOKEN = re.compile(
    r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<[?!][^>]*>|(?P<close></[^>]*>)|<[^>]*/>|(?P<open><[^>]*>)", re.DOTALL
)
# per format: its tokens, the characters that may open a level (counted first, a quick pass), what nests, the
# levels of syntax per level of nodes, and the levels of the document's own top (a JSON-LD @graph array and
# its object; rdf:RDF and the outer node element)
_NESTING_SCANS: dict[str, tuple[re.Pattern[str], str, str, int, int]] = {
    "turtle": (_NESTING_TOKEN, "[(", "blank nodes or collections", 1, 0),
    "json-ld": (_JSON_TOKEN, "[{", "JSON arrays and objects", 2, 2),
    "xml": (_XML_TOKEN, "<", "XML elements", 2, 2),
}


def check_terms(graph: Graph, text: str, *, relpath: str, limits: Limits | None = None) -> None:
    """Refuse invalid IRIs and literals that the parser let through; the message says `file:line:col`."""
    chosen = limits or current()
    seen: set[Any] = set()
    for triple in graph:
        for term in triple:
            if term in seen:
                continue
            seen.add(term)
            problem = _term_problem(term, chosen)
            if problem is not None:
                what, needles = problem
                raise DataError(f"{relpath}:{_locate(text, *needles)}: {what}", hint=_PARSE_HINT)


def check_store_terms(
    quads: Iterable[Any], text: str, *, relpath: str, limits: Limits | None = None
) -> set[str]:
    """check_terms for pyoxigraph quads (one file's, as the store holds them); the IRIs that are subjects.

    Only a term that may fail a check is converted to rdflib and checked as check_terms checks it: an IRI
    with a character no IRI may hold, a long literal, one with NUL or a language tag. pyoxigraph's strings
    are valid UTF-8, so they hold no lone surrogate."""
    import pyoxigraph as ox

    from pia_kg.rdf.terms import to_rdflib

    chosen = limits or current()
    subjects: set[str] = set()
    suspects: set[Any] = set()
    longest = chosen.max_literal_chars
    for quad in quads:
        subject, obj = quad.subject, quad.object
        if type(subject) is ox.NamedNode:
            subjects.add(subject.value)
        for term in (subject, quad.predicate, obj):
            if type(term) is ox.Literal:
                value = term.value
                if term.language or len(value) > longest or "\x00" in value:
                    suspects.add(term)
            elif type(term) is ox.NamedNode and _IRI_SUSPECT.search(term.value):
                suspects.add(term)
    for term in sorted(suspects, key=str):
        problem = _term_problem(to_rdflib(term), chosen)
        if problem is not None:
            what, needles = problem
            raise DataError(f"{relpath}:{_locate(text, *needles)}: {what}", hint=_PARSE_HINT)
    return subjects


def _term_problem(term: Any, limits: Limits) -> tuple[str, tuple[str, ...]] | None:
    if isinstance(term, URIRef):
        iri = str(term)
        bad = next((i for i, c in enumerate(iri) if ord(c) <= 0x20 or c in _IRI_FORBIDDEN), None)
        if bad is not None:
            return f"not a valid IRI: {iri!r} (character {iri[bad]!r})", (iri, iri[:bad], _tail(iri[:bad]))
        if not _is_encodable(iri):
            return f"not a valid IRI: {iri!r} (a lone surrogate)", (_tail(iri), "\\u")
    elif isinstance(term, Literal):
        value = str(term)
        if len(value) > limits.max_literal_chars:
            return (
                f"a literal is longer than {limits.max_literal_chars} characters",
                (value[:40],),
            )
        if "\x00" in value:
            return "a literal holds a NUL character", ("\\u0000", "\\U00000000", "\x00")
        if not _is_encodable(value):
            return "a literal holds a lone surrogate (not valid Unicode)", (_surrogate_escape(value),)
        if term.language is not None and not _LANGUAGE_TAG.match(term.language):
            return f"not a valid language tag: @{term.language}", ("@" + term.language,)
    return None


def _surrogate_escape(value: str) -> str:
    """How the first lone surrogate of `value` is written in a file: `\\uD800`-style (upper or lower case)."""
    code = next(ord(c) for c in value if 0xD800 <= ord(c) <= 0xDFFF)
    return f"\\u{code:04X}"


def _tail(text: str) -> str:
    return re.split(r"[/#:]", text)[-1] if text else ""


def _is_encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_error(err: Exception, text: str, *, relpath: str, what: str = "Turtle") -> DataError:
    """A DataError with `file:line:col` for a parser's SyntaxError, ValueError or RecursionError."""
    if isinstance(err, RecursionError):
        return DataError(f"{relpath}: nested too deeply to parse", hint="Flatten nested blank nodes.")
    if isinstance(err, IndexError):  # rdflib reads past the end of a text cut short (`@` alone at the end)
        where = position(text, len(text.rstrip()))
        return DataError(f"{relpath}:{where}: not valid {what}: unexpected end of the file", hint=_PARSE_HINT)
    if isinstance(err, SyntaxError):
        index = getattr(err, "_i", None)
        lines = getattr(err, "lines", None)
        if isinstance(index, int) and 0 <= index <= len(text):
            where = position(text, index)
        else:
            where = f"{lines + 1}:1" if isinstance(lines, int) else f"{err.lineno or 1}:{err.offset or 1}"
        reason = getattr(err, "_why", None) or err.msg or "syntax error"
        return DataError(f"{relpath}:{where}: not valid {what}: {reason}", hint=_PARSE_HINT)
    if isinstance(err, AssertionError | AttributeError):  # rdflib's own checks failing on broken input
        line = _first_line_failing_with(type(err), text)
        return DataError(f"{relpath}:{line}: not valid {what} (the parser failed here)", hint=_PARSE_HINT)
    quoted = re.findall(r"'([^']*)'", str(err))
    where = _locate(text, *(f"@{token}" for token in quoted), *quoted)
    return DataError(f"{relpath}:{where}: not valid {what}: {err}", hint=_PARSE_HINT)


def _first_line_failing_with(kind: type[Exception], text: str) -> int:
    """The first line whose prefix of the text already makes rdflib's Turtle parser raise `kind`.

    Parsing stops at the first error, so the failure is monotonic in the prefix length: bisect it.
    """
    lines = text.split("\n")
    low, high = 1, len(lines)
    while low < high:
        middle = (low + high) // 2
        try:
            Graph(bind_namespaces="none").parse(data="\n".join(lines[:middle]), format="turtle")
        except kind:
            high = middle
            continue
        except Exception:  # another error (the cut statement): the failure is further on
            pass
        low = middle + 1
    return low


def parse_other(text: str, *, relpath: str, fmt: str, public_id: str) -> Graph:
    """Parse N-Triples, JSON-LD or RDF/XML text offline; remote contexts and XML DTDs are refused first."""
    check_text(text, relpath=relpath, fmt=fmt)
    if fmt == "json-ld":
        _check_json_ld(text, relpath=relpath, base=public_id)
    elif fmt == "xml":
        found = re.search(r"<!(?:DOCTYPE|ENTITY)", text)
        if found is not None:
            raise DataError(
                f"{relpath}:{position(text, found.start())}: RDF/XML with a DTD or entities is not accepted",
                hint="Remove the <!DOCTYPE ...> block: entities can read local files or expand without end.",
            )
    graph = Graph(bind_namespaces="none")
    try:
        with recursion_room():
            graph.parse(data=text, format=fmt, publicID=public_id)
    except PiaError:
        raise
    except (SyntaxError, ValueError, RecursionError) as err:
        raise parse_error(err, text, relpath=relpath, what=_FORMAT_NAMES[fmt]) from err
    except Exception as err:  # xml.sax's SAXParseException, rdflib's N-Triples ParseError
        raise DataError(
            f"{relpath}:{_other_position(err, text)}: not valid {_FORMAT_NAMES[fmt]}: {_other_reason(err)}",
            hint=_PARSE_HINT,
        ) from err
    check_terms(graph, text, relpath=relpath)
    return graph


def _other_position(err: Exception, text: str) -> str:
    get_line, get_column = getattr(err, "getLineNumber", None), getattr(err, "getColumnNumber", None)
    if callable(get_line) and callable(get_column):
        return f"{get_line()}:{int(get_column()) + 1}"
    _, found, line = str(err).partition("Invalid line: ")
    return _locate(text, line.strip()) if found and line.strip() else "1"


def _other_reason(err: Exception) -> str:
    get_message = getattr(err, "getMessage", None)
    reason = str(get_message()) if callable(get_message) else str(err)
    return reason.split(": ", 1)[0] if "Invalid line: " in reason else reason


_FORMAT_NAMES = {"turtle": "Turtle", "nt": "N-Triples", "json-ld": "JSON-LD", "xml": "RDF/XML"}


def format_for(path: Path, *, relpath: str) -> str:
    """The rdflib format name for a file's extension; an unknown extension is a DataError."""
    fmt = SUFFIX_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise DataError(
            f"{relpath}: unknown file type {Path(path).suffix or '(no extension)'!r}",
            hint=f"pia-kg reads {', '.join(sorted(SUFFIX_FORMATS))} files.",
        )
    return fmt


def _check_json_ld(text: str, *, relpath: str, base: str) -> None:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        raise DataError(f"{relpath}:{err.lineno}:{err.colno}: not valid JSON: {err.msg}") from err
    except RecursionError as err:
        raise DataError(f"{relpath}: JSON nested too deeply to parse") from err
    remote = _remote_context(document)
    if remote is not None:
        raise DataError(
            f"{relpath}:{_locate(text, remote)}: a remote JSON-LD context ({remote}) is not fetched",
            hint="Inline the @context object in the file.",
        )
    _check_json_ld_terms(document, text, relpath=relpath, base=base)


def _check_json_ld_terms(document: Any, text: str, *, relpath: str, base: str) -> None:
    """Refuse what a JSON-LD to RDF conversion drops without a word: a node whose `@id` is not an IRI (a
    space, `>`), a property or type that is not one, a language tag that is not BCP 47. The document is
    expanded (pyld, offline) so that compact IRIs and relative ones are checked as the RDF would hold them.
    """
    from pyld import jsonld

    from pia_kg.rdf.jsonld import offline_loader

    try:
        with recursion_room():
            expanded = jsonld.expand(document, {"base": base, "documentLoader": offline_loader()})
    except jsonld.JsonLdError as err:
        reason = getattr(err, "code", None) or err.type
        raise DataError(f"{relpath}: not valid JSON-LD: {reason}", hint=_PARSE_HINT) from err
    stack: list[Any] = [expanded]
    while stack:
        current = stack.pop()
        if isinstance(current, list):
            stack.extend(reversed(current))
            continue
        if not isinstance(current, dict):
            continue
        for key, value in current.items():
            if key == "@language" and isinstance(value, str) and not _LANGUAGE_TAG.match(value):
                raise DataError(
                    f"{relpath}:{_locate_ci(text, value)}: not a valid language tag: {value!r}",
                    hint='Use a BCP 47 tag such as "en", "fr" or "en-GB".',
                )
            if key == "@id" and isinstance(value, str) and not value.startswith("_:"):
                _check_json_ld_iri(value, text, relpath=relpath, what="@id")
            elif key == "@type" and "@value" in current and isinstance(value, str):
                _check_json_ld_iri(value, text, relpath=relpath, what="datatype")
            elif key == "@type" and isinstance(value, list):
                for kind in value:
                    if isinstance(kind, str) and not kind.startswith("_:"):
                        _check_json_ld_iri(kind, text, relpath=relpath, what="@type")
            elif not key.startswith("@") and not key.startswith("_:"):
                _check_json_ld_iri(key, text, relpath=relpath, what="property")
            if key != "@value":
                stack.append(value)


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def _check_json_ld_iri(iri: str, text: str, *, relpath: str, what: str) -> None:
    bad = next((i for i, c in enumerate(iri) if ord(c) <= 0x20 or c in _IRI_FORBIDDEN), None)
    if bad is None and _SCHEME.match(iri):
        return
    reason = f"character {iri[bad]!r}" if bad is not None else "not an absolute IRI"
    escaped = json.dumps(iri, ensure_ascii=False)[1:-1]
    where = _locate(text, iri, escaped, _tail(iri), *((iri[:bad], _tail(iri[:bad])) if bad else ()))
    raise DataError(
        f"{relpath}:{where}: not a valid IRI in {what}: {iri!r} ({reason}); reading the file would drop it",
        hint="Percent-encode spaces and <>\"{}|^`\\, or give the node a blank-node id (\"_:name\").",
    )


def _locate_ci(text: str, needle: str) -> str:
    found = re.search(re.escape(needle), text, re.IGNORECASE)
    return position(text, found.start()) if found else "1"


def _remote_context(node: Any) -> str | None:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            for key, value in current.items():
                if key in ("@context", "@import") and isinstance(value, str):
                    return value
                if key == "@context" and isinstance(value, list):
                    strings = [item for item in value if isinstance(item, str)]
                    if strings:
                        return str(strings[0])
                stack.append(value)
        elif isinstance(current, list):
            stack.extend(current)
    return None


def guard_command(ctx: Any, *, timeout: float, max_rows: int, max_file_bytes: int) -> None:
    """Set the limits and the network backstop for one CLI command; both end when the command does.

    The backstop stays off for a command given `--endpoint` (it is asked to use the network).
    """
    from pia_kg.security import limits, netguard

    limits.configure(Limits(timeout=timeout, max_rows=max_rows, max_file_bytes=max_file_bytes))
    settings = ctx.obj
    folders: list[Path | None] = [settings.project_dir, settings.sources_dir]
    try:
        project = settings.open_project()
        folders += [project.root, project.sources_dir]
    except PiaError:
        pass  # the command itself will say so
    netguard.activate(netguard.Policy(netguard.base_roots(*folders)), resolve=_named_paths_resolver())
    ctx.call_on_close(_release)


def _release() -> None:
    from pia_kg.security import limits, netguard

    limits.reset()
    netguard.deactivate()


def _named_paths_resolver() -> Any:
    """Refine the policy with the paths given to the running subcommand, or lift it for `--endpoint`."""
    import click

    from pia_kg.security.netguard import Policy

    cache: dict[str, Any] = {}

    def resolve(policy: Policy) -> Policy | None:
        ctx = click.get_current_context(silent=True)
        if ctx is None or ctx.parent is None:
            return policy
        if cache.get("ctx") is ctx:
            cached: Policy | None = cache["policy"]
            return cached
        refined = None if ctx.params.get("endpoint") else policy.with_named(_paths_in(ctx.params.values()))
        # while click is still reading the options (it may import a module, which opens a file), the policy
        # is not final: kept only once every parameter has its value, so a later --endpoint still counts
        if len(ctx.params) >= len(ctx.command.params):
            cache.update(ctx=ctx, policy=refined)
        return refined

    return resolve


def _paths_in(values: Any) -> list[str]:
    found: list[str] = []
    for value in values:
        if isinstance(value, list | tuple):
            found += _paths_in(value)
        elif isinstance(value, Path):
            found.append(str(value))
        elif isinstance(value, str) and value and "\n" not in value and os.path.lexists(value):
            found.append(value)
    return found


_XSD = "http://www.w3.org/2001/XMLSchema#"
_ZONE = r"(?:Z|[+-](?:0\d|1[0-4]):[0-5]\d)?"
_LEXICAL = {
    "gYearMonth": re.compile(rf"-?\d{{4,}}-(?:0[1-9]|1[0-2]){_ZONE}"),
    "gYear": re.compile(rf"-?\d{{4,}}{_ZONE}"),
    "date": re.compile(rf"-?\d{{4,}}-\d\d-\d\d{_ZONE}"),
    "dateTime": re.compile(rf"-?\d{{4,}}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?{_ZONE}"),
    "decimal": re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"),
    "integer": re.compile(r"[+-]?\d+"),
    "nonNegativeInteger": re.compile(r"\+?\d+|-0+"),
    "positiveInteger": re.compile(r"\+?0*[1-9]\d*"),
    "boolean": re.compile(r"true|false|1|0"),
}


def ill_typed_reason(literal: Literal) -> str | None:
    """Why a typed literal's text is not in its XSD datatype's lexical space (None if it is, or unknown).

    rdflib checks some datatypes (`Literal.ill_typed`) but not xsd:gYearMonth or xsd:gYear, nor the days of
    a month; these checks fill that gap for the datatypes the project uses.
    """
    datatype = str(literal.datatype or "")
    lexical = str(literal)
    name = datatype[len(_XSD) :] if datatype.startswith(_XSD) else None
    pattern = _LEXICAL.get(name or "")
    if pattern is not None and not pattern.fullmatch(lexical):
        return f"{lexical!r} is not a valid xsd:{name}"
    if name in ("date", "dateTime") and not _is_real_date(lexical):
        return f"{lexical!r} is not a valid xsd:{name} (no such day)"
    if literal.ill_typed:
        return f"{lexical!r} is not a valid {'xsd:' + name if name else datatype}"
    return None


def _is_real_date(lexical: str) -> bool:
    import datetime

    core = lexical.lstrip("-")[:10]
    try:
        datetime.date.fromisoformat(core)
    except ValueError:
        return len(core.split("-")[0]) > 4  # years beyond 9999 are valid XSD but not Python dates
    return True
