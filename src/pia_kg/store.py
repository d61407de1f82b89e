"""The embedded engine: the loaded graph in a pyoxigraph Store, queried with the same results as rdflib.

The same results by construction: the files hold every literal in the form the store keeps (literals.py), so
the store gives back the very terms rdflib reads, and the answers are the same terms on both engines
(tests/test_parity.py).

rdflib stays the model and the reference engine; Oxigraph answers the same SPARQL much faster (issue 6). The
store keeps one named graph per file, as the loader does, and blank nodes keep their rdflib ids, so a blank
node in a result is the very node of the KnowledgeGraph. Queries see the union of the named graphs as their
default graph (`use_default_graph_as_union`), like rdflib's Dataset default union.

Results come back as rdflib terms in an `rdflib.query.Result`, so a caller cannot tell the engines apart.
SERVICE is refused before evaluation: nothing but the local store is ever contacted.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.namespace import XSD
from rdflib.query import Result
from rdflib.term import Node

from pia_kg.errors import DataError, QueryError
from pia_kg.loading import GRAPH_PREFIX, Kind, KnowledgeGraph
from pia_kg.namespaces import PREFIXES, bind_prefixes

if TYPE_CHECKING:
    import pyoxigraph

DATA_KINDS: tuple[Kind, ...] = ("ontology", "data")
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_XSD_STRING = str(XSD.string)
_SERVICE_HINT = "Saved questions run on the local graph only; remove the SERVICE clause."


@dataclass
class _Built:
    """The store of one KnowledgeGraph, for the given kinds of files."""

    owner: weakref.ref[KnowledgeGraph]
    kinds: tuple[Kind, ...]
    store: pyoxigraph.Store


_CACHE: dict[int, _Built] = {}


def build_store(kg: KnowledgeGraph, *, kinds: Iterable[Kind] = DATA_KINDS) -> pyoxigraph.Store:
    """An in-memory Store with one named graph per file of the given kinds (ontology and data by default)."""
    import pyoxigraph as ox

    store = ox.Store()
    for identifier in kg.graph_ids(*kinds):
        graph_name = ox.NamedNode(str(identifier))
        store.extend(
            ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), graph_name)
            for s, p, o in kg.dataset.graph(identifier)
        )
    return store


def store_for(kg: KnowledgeGraph, *, kinds: Iterable[Kind] = DATA_KINDS) -> pyoxigraph.Store:
    """The store of `kg`, built once per KnowledgeGraph and kinds: repeated queries do not convert again."""
    chosen = tuple(kinds)
    cached = _CACHE.get(id(kg))
    if cached is not None and cached.owner() is kg and cached.kinds == chosen:
        return cached.store
    key = id(kg)
    store = build_store(kg, kinds=chosen)
    _CACHE[key] = _Built(weakref.ref(kg, lambda _ref: _CACHE.pop(key, None)), chosen, store)
    return store


def load_store(files: Iterable[tuple[Path, str]]) -> pyoxigraph.Store:
    """Parse Turtle files straight into a Store: (path, repo-relative path) pairs, one named graph each.

    The fast path for large graphs: no rdflib term is created. Each file gets its own blank nodes.
    """
    import pyoxigraph as ox

    store = ox.Store()
    for path, relpath in files:
        identifier = GRAPH_PREFIX + relpath
        try:
            store.load(
                path=str(path),
                format=ox.RdfFormat.TURTLE,
                base_iri=identifier,
                to_graph=ox.NamedNode(identifier),
            )
        except SyntaxError as err:
            raise DataError(
                f"{relpath}: not valid Turtle: {err}", hint="Fix the Turtle syntax, then try again."
            ) from err
    return store


def query(store: pyoxigraph.Store, text: str, *, bindings: Mapping[str, Node] | None = None) -> Result:
    """Run a SPARQL query on the union of the store's graphs; `bindings` are substituted as RDF terms.

    The result has rdflib terms: `.vars` and rows for SELECT, `.askAnswer` for ASK, `.graph` otherwise.
    """
    return to_result(raw_answer(store, text, bindings))


def raw_answer(
    store: pyoxigraph.Store, text: str, bindings: Mapping[str, Node] | None, *, relpath: str = "<text>"
) -> Any:
    """The pyoxigraph answer to `text` on the union of the graphs, after the guards (an error names
    `relpath`): not SPARQL, SERVICE, FROM, updates, nothing that would reach the network."""
    from pia_kg.netguard import check_oxigraph_query
    from pia_kg.queries import QUERY_BASE

    bound = substitute(text, bindings) if bindings else text
    # not SPARQL, SERVICE (pyoxigraph's own HTTP client is outside Python's audit hooks), FROM, updates
    check_oxigraph_query(bound, relpath=relpath)
    try:
        return store.query(bound, prefixes=PREFIXES, base_iri=QUERY_BASE, use_default_graph_as_union=True)
    except SyntaxError as err:
        raise QueryError(f"not valid SPARQL: {err}", hint="Fix the query, then run it again.") from err


class _TermCache:
    """pyoxigraph terms to rdflib ones, each converted once: a term repeats across rows, rdflib's Literal is
    slow to make."""

    def __init__(self) -> None:
        self.converted: dict[Any, Any] = {}

    def __call__(self, term: Any) -> Any:
        found = self.converted.get(term)
        if found is None:
            found = self.converted[term] = to_rdflib(term)
        return found


def to_result(answer: Any) -> Result:
    """Turn a pyoxigraph answer (solutions, boolean or triples) into an rdflib Result."""
    import pyoxigraph as ox

    if isinstance(answer, ox.QueryBoolean):
        result = Result("ASK")
        result.askAnswer = bool(answer)
        return result
    term_of = _TermCache()
    if isinstance(answer, ox.QuerySolutions):
        variables = [Variable(variable.value) for variable in answer.variables]
        result = Result("SELECT")
        result.vars = variables
        result.bindings = [
            {
                variable: term_of(term)
                for variable, term in zip(variables, solution, strict=True)
                if term is not None
            }
            for solution in answer
        ]
        return result
    graph = bind_prefixes(Graph(bind_namespaces="none"))
    for triple in answer:
        graph.add((term_of(triple.subject), term_of(triple.predicate), term_of(triple.object)))
    result = Result("CONSTRUCT")
    result.graph = graph
    return result


def to_oxigraph(term: Node) -> Any:
    """An rdflib term as a pyoxigraph term; a blank node keeps its id."""
    import pyoxigraph as ox

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot store {term!r} in Oxigraph")


def to_rdflib(term: Any) -> Any:
    """A pyoxigraph term as the rdflib term the rdflib engine would give (xsd:string literals stay plain)."""
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype in (_XSD_STRING, _RDF_LANG_STRING):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise TypeError(f"cannot convert {term!r} to rdflib")


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
    from pia_kg.queries import parse_query

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
