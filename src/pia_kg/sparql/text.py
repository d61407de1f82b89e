"""SPARQL text: the one parse (cached by text) and the guards every query passes, whatever runs it.

Parameters are RDF terms, passed as initial bindings or written into the text from the terms (`substitute`),
never from the user's text, so a value with quotes, braces or `#` cannot change the query. The parsed
algebra is walked before evaluation: SERVICE, FROM and FROM NAMED (unless asked for) are refused; SPARQL
Update is not accepted at all (SPARQL 1.1 Query section 13.2, Federated Query section 3).
`check_oxigraph_query` refuses texts that Oxigraph and rdflib would read differently.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import Literal, URIRef, Variable
from rdflib.term import Node

from pia_kg.errors import DataError, QueryError
from pia_kg.files import write_atomic
from pia_kg.rdf.namespaces import PREFIXES

if TYPE_CHECKING:
    from rdflib.plugins.sparql.sparql import Query


LIST_HINT = "Run `pia-kg queries` to list saved queries and their parameters."
_SERVICE_HINT = "Saved questions run on the local graph only; remove the SERVICE clause."
_ESCAPE = re.compile(r"\\[uU][0-9A-Fa-f]{4}")
_LONE_CR = re.compile(r"\r(?!\n)")
_SERVICE_WORD = re.compile("service", re.IGNORECASE)


def substitute(text: str, bindings: Mapping[str, Node]) -> str:
    """The query with each bound variable replaced by its RDF term, as SPARQL 1.2's substitution does.

    pyoxigraph's `substitutions` accept projected variables only, and a remote endpoint takes no bindings at
    all, so parameters are written into the text from RDF terms (`term.n3()`, never the user's text): in a
    projection `?x` becomes `(TERM AS ?x)`, in GROUP BY / ORDER BY `(TERM)`, elsewhere `TERM`. This matches
    rdflib's initBindings, which are visible everywhere, even inside BIND (a VALUES join would not be).
    """
    syntax = {name: _term_syntax(term) for name, term in bindings.items()}
    out: list[str] = []
    position, mode, parens = 0, "", 0
    for match in SPARQL_TOKENS.finditer(text):
        kind, token = match.lastgroup, match.group()
        if kind == "word":
            word = token.upper()
            if word == "SELECT":
                mode, parens = "projection", 0
            elif word in ("WHERE", "LIMIT", "OFFSET", "HAVING", "VALUES") or (word == "BY" and mode != "by"):
                mode, parens = ("by" if word == "BY" else ""), 0
        elif kind == "brace":
            mode = ""
        elif kind == "paren":
            parens += 1 if token == "(" else -1
        elif kind == "var" and token[1:] in syntax:
            name, term = token[1:], syntax[token[1:]]
            before, after = _BOUND_OPEN.search(text, position, match.start()), _CLOSE.match(text, match.end())
            if before is not None and after is not None:
                # BOUND(?x) of a given parameter is true; written sameTerm(T, T), as `true` there leads
                # Virtuoso 7.2 to type an IRI compared with `=` in the same filter as a literal
                out.append(text[position : before.start()] + f"sameTerm({term}, {term})")
                position = after.end()
                continue
            if text[: match.start()].rstrip().upper().endswith("AS"):
                raise QueryError(
                    f"the query assigns ?{name} itself, so it cannot be given as a parameter",
                    hint="Leave that parameter unset.",
                )
            if mode == "projection" and parens == 0:
                term = f"({term} AS ?{name})"
            elif mode == "by" and parens == 0:
                term = f"({term})"
            out.append(text[position : match.start()] + term)
            position = match.end()
    return "".join(out) + text[position:]


def treat_as_blank(text: str, prefix: str) -> str:
    """The query with IRIs starting with `prefix` (skolem IRIs) tested as blank nodes by isBlank and isIRI.

    A store holds our blank nodes as skolem IRIs; a saved question that follows blank nodes
    (`FILTER (isBlank(?o))`) must still follow them there. Each `isBlank(X)` becomes
    `(isBlank(X) || STRSTARTS(STR(X), "prefix"))` and each `isIRI(X)` / `isURI(X)` excludes them.
    """
    out: list[str] = []
    position = 0
    matches = list(SPARQL_TOKENS.finditer(text))
    for index, match in enumerate(matches):
        word = match.group("word")
        if word is None or word.upper() not in ("ISBLANK", "ISIRI", "ISURI") or match.start() < position:
            continue
        following = matches[index + 1] if index + 1 < len(matches) else None
        if following is None or following.group() != "(":
            continue
        end = _closing_paren(matches, index + 1)
        argument = text[following.end() : end.start()]
        test = f'STRSTARTS(STR({argument}), "{prefix}")'
        call = text[match.start() : end.end()]
        replaced = f"({call} || {test})" if word.upper() == "ISBLANK" else f"({call} && !{test})"
        out.append(text[position : match.start()] + replaced)
        position = end.end()
    return "".join(out) + text[position:]


def _closing_paren(matches: list[re.Match[str]], opening: int) -> re.Match[str]:
    depth = 0
    for match in matches[opening:]:
        if match.group() == "(":
            depth += 1
        elif match.group() == ")":
            depth -= 1
            if depth == 0:
                return match
    raise QueryError("unbalanced parentheses in the query", hint="Check the query text.")


def _term_syntax(term: Node) -> str:
    if isinstance(term, URIRef) and any(char in _IRI_FORBIDDEN or ord(char) <= 0x20 for char in str(term)):
        raise QueryError(f"not a valid IRI: {str(term)!r}", hint="Write the IRI without spaces, quotes, <>.")
    if isinstance(term, URIRef | Literal):
        return term.n3()
    raise QueryError(f"cannot bind {term!r} as a parameter", hint="Give an IRI or a literal.")


_BOUND_OPEN = re.compile(r"(?<![\w:])BOUND\s*\(\s*\Z", re.IGNORECASE)
_CLOSE = re.compile(r"\s*\)")
_IRI_FORBIDDEN = set('<>"{}|^`\\')
# the tokens of a SPARQL text that the substitution and scope.py's VALUES placement read: strings, comments
# and IRIs are skipped whole, so that a brace, a variable or a keyword inside them is never taken for one
SPARQL_TOKENS = re.compile(
    r'(?P<skip>#[^\n]*|"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\x00-\x20]*>)'
    r"|(?P<brace>[{}])|(?P<paren>[()])|(?P<var>[?$][A-Za-z_0-9\u00b7\u00c0-\uffff]+)"
    r"|(?P<word>(?<![?$:\w])[A-Za-z_]+(?![\w:]))",
)


@lru_cache(maxsize=256)
def parsed_algebra(text: str) -> Any:
    """rdflib's algebra of the query, with the project prefixes: queries.parse_query's, parsed once per text
    (FROM and FROM NAMED kept, for the caller to judge; SERVICE and updates refused)."""
    from pia_kg.sparql.text import parse_query

    return parse_query(text, dataset_clause=True).algebra


@lru_cache(maxsize=256)
def reject_service(text: str) -> str:
    """Raise QueryError if the query has a SERVICE clause, found in rdflib's parsed algebra, not by regex.

    Returns the query form as rdflib names it (`SelectQuery`, `ConstructQuery`, `AskQuery`, `DescribeQuery`).
    """
    algebra = parsed_algebra(text)
    if any(_is_service(node) for node in algebra_nodes(algebra)):
        raise QueryError("SERVICE is not allowed: it would contact another endpoint", hint=_SERVICE_HINT)
    return str(algebra.name)


def _is_service(node: Any) -> bool:
    return getattr(node, "name", None) == "ServiceGraphPattern"


def algebra_nodes(node: Any) -> Iterator[Any]:
    """Every node of an rdflib algebra tree (CompValue dicts, lists, tuples)."""
    stack = [node]
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, dict):
            stack.extend(current.values())
        elif isinstance(current, list | tuple):
            stack.extend(current)
QUERY_BASE = "https://w3id.org/pia-kg/"  # relative IRIs in a query resolve against it (or its own BASE)


# ---------------------------------------------------------------- parsing and checks


_UNNAMED = "<text>"


def parse_query(text: str, *, relpath: str = _UNNAMED, dataset_clause: bool = False) -> Query:
    """Parse SPARQL (project prefixes predeclared) and refuse updates, SERVICE and dataset clauses; an error
    names `relpath` (and the line and column where the parser says).

    Parsing costs tens of milliseconds and the parsed algebra is only read when evaluated, so it is cached
    by text, whatever file it is named after. With `dataset_clause`, FROM / FROM NAMED are kept for the
    caller to read (the endpoint picks them among the graphs it holds) instead of refused; evaluating them
    is the caller's business, never rdflib's.
    """
    try:
        query = _translated(text)
        check_query(query, relpath=_UNNAMED, dataset_clause=dataset_clause)
        return query
    except QueryError as err:
        if relpath == _UNNAMED or not err.message.startswith(_UNNAMED):
            raise
        raise QueryError(relpath + err.message.removeprefix(_UNNAMED), hint=err.hint) from err.__cause__


@lru_cache(maxsize=64)
def _translated(text: str) -> Query:
    """rdflib's parse and algebra of a query (not yet checked), once per text."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        parsed = parseQuery(text)
    except RecursionError as err:  # pyparsing recurses once per nested group: found by fuzz/
        raise QueryError(
            f"{_UNNAMED}: not valid SPARQL: groups nested too deeply to parse",
            hint="Flatten the nested { } groups. " + LIST_HINT,
        ) from err
    except ParseException as err:
        if _is_update(text, parseUpdate):
            raise QueryError(
                f"{_UNNAMED}: SPARQL Update is not accepted; pia-kg only reads the graph",
                hint="Edit the Turtle files in data/ instead, then run `pia-kg validate`.",
            ) from err
        raise QueryError(
            f"{_UNNAMED}:{err.lineno}:{err.col}: not valid SPARQL: {err.msg}, found {_found(err)}",
            hint="Fix the query at that position. " + LIST_HINT,
        ) from err
    _resolve_base_declarations(parsed)
    try:
        query = translateQuery(parsed, base=QUERY_BASE, initNs=PREFIXES)
    except RecursionError as err:
        raise QueryError(f"{_UNNAMED}: not valid SPARQL: nested too deeply", hint=LIST_HINT) from err
    except Exception as err:  # rdflib raises plain Exception for unknown prefixes and similar errors
        raise QueryError(f"{_UNNAMED}: not valid SPARQL: {err}", hint=LIST_HINT) from err
    return query


def _resolve_base_declarations(parsed: Any) -> None:
    """Resolve each BASE against the base before it, starting from QUERY_BASE (RFC 3986 section 5.2), as
    Oxigraph and remote stores do; rdflib would take `BASE <x/>` as it is and leave IRIs relative."""
    from urllib.parse import urljoin

    from rdflib import URIRef

    base = QUERY_BASE
    for declaration in parsed[0]:
        if declaration.name == "Base":
            base = declaration["iri"] = URIRef(urljoin(base, str(declaration["iri"])))


def _is_update(text: str, parse_update: Any) -> bool:
    try:
        parse_update(text)
    except Exception:  # not an update either: report the query parse error
        return False
    return True


def _found(err: Any) -> str:
    line: str = err.line or ""
    rest = line[err.col - 1 :].strip() if err.col else ""
    return repr(rest[:20]) if rest else "the end of the query"


def check_query(query: Query, *, relpath: str = "<text>", dataset_clause: bool = False) -> None:
    """Refuse what would reach outside the loaded graph: FROM / FROM NAMED (unless `dataset_clause`) and
    SERVICE, anywhere."""
    if query.algebra.get("datasetClause") and not dataset_clause:
        raise QueryError(
            f"{relpath}: FROM and FROM NAMED are not accepted: queries run over the loaded graph only",
            hint="Remove the dataset clause; GRAPH <urn:pia-kg:file:data/...> picks one file's triples.",
        )
    from pia_kg.sparql.text import algebra_nodes

    if any(getattr(node, "name", None) == "ServiceGraphPattern" for node in algebra_nodes(query.algebra)):
        raise QueryError(
            f"{relpath}: SERVICE is not accepted: pia-kg never queries other endpoints",
            hint="Remove the SERVICE block; load the other data into data/ if it belongs in the graph.",
        )


def query_variables(query: Query) -> set[str]:
    """The names of every variable the query mentions."""
    from pia_kg.sparql.text import algebra_nodes

    return {str(node) for node in algebra_nodes(query.algebra) if isinstance(node, Variable)}


# ---------------------------------------------------------------- what the guards found, kept across runs


@dataclass(frozen=True)
class QueryFacts:
    """What a query text that passed the guards is: its form, whether its outer query is ordered, and the
    variables it mentions (the names an ad-hoc text accepts as parameters)."""

    form: str
    ordered: bool
    variables: tuple[str, ...]


_FORMS = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}
_MEMORY_SIZE = 2000  # texts kept; the oldest go first
_MEMORY_VERSION = 1  # raise when the guards change: every text is checked again
_memory: dict[str, QueryFacts] = {}
_memory_file: Path | None = None


def remember_checks(path: Path) -> None:
    """Keep the facts of every query text that passed the guards in `path` (JSON), so that a text seen
    before is not parsed again: rdflib's SPARQL parser costs about a third of a `pia-kg query` run.

    Only the verdict of a success is kept, keyed by a hash of the exact text and of the versions of pia-kg
    and rdflib. A text holding the word `service` in any case is parsed every time, so that an edited file can
    never let a SERVICE clause past the guards. An unreadable file is ignored and written again.
    """
    global _memory_file
    _memory_file = path
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        _memory.update({key: QueryFacts(f[0], bool(f[1]), tuple(f[2])) for key, f in stored.items()})
    except (OSError, ValueError, TypeError, IndexError, AttributeError):
        pass


def checked_facts(text: str, *, relpath: str = _UNNAMED) -> QueryFacts:
    """The facts of `text` after the guards of `parse_query` (which raise as it does), from memory if the very
    text passed them before (see `remember_checks`)."""
    key = _memory_key(text)
    remembered = _memory.get(key) if key is not None else None
    if remembered is not None:
        return remembered
    facts = facts_of(parse_query(text, relpath=relpath))
    if key is not None:
        _memory[key] = facts
        while len(_memory) > _MEMORY_SIZE:  # a long-running server meets ever new texts
            del _memory[next(iter(_memory))]
        _write_memory()
    return facts


def facts_of(query: Query) -> QueryFacts:
    """The facts of a parsed query."""
    return QueryFacts(_FORMS[query.algebra.name], _is_ordered(query), tuple(sorted(query_variables(query))))


def _is_ordered(query: Query) -> bool:
    node = query.algebra.get("p")
    while node is not None and getattr(node, "name", None) in ("Slice", "Distinct", "Reduced", "Project"):
        node = node.get("p")
    return getattr(node, "name", None) == "OrderBy"


def _memory_key(text: str) -> str | None:
    return None if _SERVICE_WORD.search(text) else _text_key(text)


def _text_key(text: str) -> str:
    seed = f"{_MEMORY_VERSION}\n{_versions()}\n{text}"
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def _versions() -> str:
    """The versions of pia-kg and rdflib, which the verdicts depend on (a checkout run without installing has
    no pia-kg distribution: its memory is then keyed by rdflib's version and the guards' own)."""
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in ("pia-kg", "rdflib"):
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} unknown")
    return ", ".join(found)


def _write_memory() -> None:
    if _memory_file is None:
        return
    data = json.dumps({key: [f.form, f.ordered, list(f.variables)] for key, f in _memory.items()})
    try:
        write_atomic(_memory_file, data.encode("utf-8"))
    except (OSError, DataError):  # a read-only project, or no folder: the checks are made again next time
        return


def check_oxigraph_query(text: str, *, relpath: str = "<text>", dataset_clause: bool = False) -> str:
    """Refuse a query that pyoxigraph could read differently from rdflib, then apply rdflib's algebra checks.

    Call it on the exact text handed to `pyoxigraph.Store.query` (after parameter substitution). Returns the
    text unchanged. With `dataset_clause`, FROM and FROM NAMED are allowed (the caller gives the dataset).
    """

    for pattern, what in ((_ESCAPE, "a \\u escape"), (_LONE_CR, "a carriage return without a line feed")):
        found = pattern.search(text)
        if found is not None:
            line = text.count("\n", 0, found.start()) + 1
            raise QueryError(
                f"{relpath}:{line}: the query holds {what}, which SPARQL engines read differently",
                hint="Write the character itself (UTF-8), and end lines with \\n.",
            )
    if dataset_clause:
        parse_query(text, relpath=relpath, dataset_clause=True)  # SERVICE and updates refused
    else:
        checked_facts(text, relpath=relpath)  # SERVICE anywhere, FROM, FROM NAMED and updates are refused
    return text
