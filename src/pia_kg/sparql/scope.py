"""Dead reads: a FILTER or BIND expression that reads a variable its own group can never bind (issue 12).

SPARQL evaluates a group from the inside out (SPARQL 1.1 Query section 18.2.2 and 18.5): a FILTER sees
the solutions of its own group only, a BIND the part of its group written before it, and the filter of an
OPTIONAL both sides of it. A variable bound only outside that group is unbound there, so a FILTER in a group
of its own, or a BIND of a parameter in one branch of a UNION, can never hold. An engine's initial bindings
hide the mistake, as they are visible everywhere; a VALUES block, which is how most clients and other engines
pass a value, is joined outside the group and does not reach it: the answer is wrong.

`dead_reads` walks rdflib's algebra of a query and lists each such read. The expression of EXISTS sees the
solution it is evaluated in (section 18.6, substitution), so the group inside it may read what the enclosing
group binds; a sub-select sees nothing from outside. `question_dead_reads` checks a saved question as a client
may bind it: an `iri` parameter names a resource and must be bound by a pattern of each group that reads it
(then a VALUES block appended after the query reaches it); any other parameter (a language, a number) is
a value that only expressions read, so it is checked as given by a VALUES block at the top of WHERE.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rdflib import Literal, URIRef, Variable
from rdflib.term import Node

from pia_kg.errors import QueryError

if TYPE_CHECKING:
    from pia_kg.sparql.saved import SavedQuery

_EXISTS = ("Builtin_EXISTS", "Builtin_NOTEXISTS")
_PASS_THROUGH = ("Distinct", "Reduced", "Slice", "OrderBy", "Group")
_KINDS = {"Filter": "FILTER", "Extend": "BIND", "LeftJoin": "OPTIONAL filter"}


@dataclass(frozen=True)
class DeadRead:
    """One expression (`kind`: FILTER, BIND or OPTIONAL filter) and the variables it reads but cannot see."""

    kind: str
    variables: tuple[str, ...]
    visible: tuple[str, ...]

    def describe(self) -> str:
        names = ", ".join(f"?{name}" for name in self.variables)
        seen = ", ".join(f"?{name}" for name in self.visible) or "nothing"
        return f"{self.kind} reads {names}, which its group never binds (it sees {seen})"


def dead_reads(algebra: Any) -> list[DeadRead]:
    """Every FILTER, BIND and OPTIONAL filter of the query that reads a variable its group cannot bind."""
    found: list[DeadRead] = []
    pattern = algebra.get("p")
    if pattern is not None:
        _Walk(found).bindable(pattern, frozenset())
    return found


def question_dead_reads(saved: SavedQuery) -> list[DeadRead]:
    """The dead reads of a saved question, its non-IRI parameters given by VALUES at the top of WHERE."""
    from pia_kg.sparql.text import parsed_algebra

    values = {param.name: Literal("") for param in saved.params if param.type != "iri"}
    text = with_values_at_top(saved.text, values) if values else saved.text
    return dead_reads(parsed_algebra(text))


def with_values_at_top(text: str, bindings: Mapping[str, Node]) -> str:
    """The query with `VALUES (?a ?b) { (A B) }` as the first element of its WHERE clause.

    This is the one place where a VALUES block is joined before the patterns of the outermost group, so that
    its filters and BINDs see the values (a block appended after the query is joined after them).
    """
    from pia_kg.sparql.text import SPARQL_TOKENS

    names = " ".join(f"?{name}" for name in bindings)
    terms = " ".join(_term(term) for term in bindings.values())
    block = f"\n    VALUES ({names}) {{ ({terms}) }}"
    form, depth, after_where = "", 0, False
    outer_braces: list[int] = []
    for match in SPARQL_TOKENS.finditer(text):
        kind, token = match.lastgroup, match.group()
        if kind == "word" and depth == 0:
            word = token.upper()
            form = form or (word if word in ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE") else "")
            after_where = word == "WHERE"
            continue
        if kind != "brace":
            continue
        if token == "}":
            depth -= 1
            continue
        if depth == 0:
            if after_where:
                return text[: match.end()] + block + text[match.end() :]
            outer_braces.append(match.end())
        depth, after_where = depth + 1, False
    chosen = 1 if form == "CONSTRUCT" else 0  # CONSTRUCT { template } { pattern }
    if len(outer_braces) <= chosen:
        raise QueryError("the query has no WHERE clause for a VALUES block", hint="Check the query text.")
    position = outer_braces[chosen]
    return text[:position] + block + text[position:]


def _term(term: Node) -> str:
    if isinstance(term, URIRef | Literal):
        return term.n3()
    raise QueryError(f"cannot write {term!r} in a VALUES block", hint="Give an IRI or a literal.")


@dataclass
class _Walk:
    found: list[DeadRead]

    def bindable(self, node: Any, outside: frozenset[str]) -> frozenset[str]:
        """The variables a solution of `node` can bind; checks its expressions on the way.

        `outside` holds the variables an enclosing EXISTS substitutes into the pattern.
        """
        name = getattr(node, "name", None)
        if name == "BGP":
            return frozenset(str(term) for triple in node["triples"] for term in triple if _is_var(term))
        if name == "Filter":
            bound = self.bindable(node["p"], outside)
            self.check("Filter", node["expr"], bound | outside)
            return bound
        if name == "Extend":
            bound = self.bindable(node["p"], outside)
            self.check("Extend", node["expr"], bound | outside)
            return bound | {str(node["var"])}
        if name == "LeftJoin":
            bound = self.bindable(node["p1"], outside) | self.bindable(node["p2"], outside)
            self.check("LeftJoin", node.get("expr"), bound | outside)
            return bound
        if name in ("Join", "Union"):
            return self.bindable(node["p1"], outside) | self.bindable(node["p2"], outside)
        if name == "Minus":  # the right side is evaluated on its own and binds nothing in the answer
            self.bindable(node["p2"], outside)
            return self.bindable(node["p1"], outside)
        if name == "Graph":
            term = node["term"]
            return self.bindable(node["p"], outside) | ({str(term)} if _is_var(term) else set())
        if name == "ToMultiSet":
            return self.bindable(node["p"], frozenset())  # VALUES, or a sub-select: nothing from outside
        if name == "values":
            return frozenset(str(variable) for row in node["res"] for variable in row)
        if name == "Project":
            self.bindable(node["p"], outside)
            return frozenset(str(variable) for variable in node["PV"])
        if name in _PASS_THROUGH:
            return self.bindable(node["p"], outside)
        if name == "AggregateJoin":
            group = node["p"]
            self.bindable(group, outside)
            keys = group.get("expr") or []
            return frozenset(str(aggregate["res"]) for aggregate in node["A"]) | frozenset(
                str(key) for key in keys if _is_var(key)
            )
        return frozenset(str(term) for term in _terms(node) if _is_var(term))  # SERVICE: refused elsewhere

    def check(self, kind: str, expression: Any, visible: frozenset[str]) -> None:
        reads: set[str] = set()
        for part in _expression_parts(expression, reads):
            self.bindable(part, visible)  # the pattern of an EXISTS sees the solution it is evaluated in
        missing = tuple(sorted(reads - visible))
        if missing:
            self.found.append(DeadRead(_KINDS[kind], missing, tuple(sorted(visible))))


def _expression_parts(expression: Any, reads: set[str]) -> Iterator[Any]:
    """Collect the variables an expression reads into `reads`; yield the patterns of its EXISTS."""
    stack = [expression]
    while stack:
        current = stack.pop()
        if isinstance(current, Variable):
            reads.add(str(current))
        elif getattr(current, "name", None) in _EXISTS:
            yield current.graph  # the translated pattern is an attribute; the item keeps the parse tree
        elif isinstance(current, dict):
            stack.extend(value for key, value in current.items() if key != "_vars")
        elif isinstance(current, list | tuple):
            stack.extend(current)


def _terms(node: Any) -> Iterator[Any]:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            stack.extend(current.values())
        elif isinstance(current, list | tuple | set):
            stack.extend(current)
        else:
            yield current


def _is_var(term: Any) -> bool:
    return isinstance(term, Variable)
