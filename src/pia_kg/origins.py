"""Where the values of a query's variables come from, read from rdflib's algebra of the query (parity.py).

For each variable: from a triple pattern (a literal of the graph as written), from COUNT (xsd:integer on
every engine), from a constant of the query (VALUES, BIND of a literal), as a copy of another variable (BIND,
SELECT expressions, COALESCE, IF, MIN, MAX, SAMPLE), or computed by any other expression. Also: the
predicates whose objects can reach a function that sees how a literal is written (DATATYPE, sameTerm, STR,
the string functions, GROUP_CONCAT), followed through every expression and aggregate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rdflib import Literal, URIRef, Variable
from rdflib.term import Node

_PASS_THROUGH = ("Aggregate_Sample", "Aggregate_Min", "Aggregate_Max")
# functions whose answer depends on a literal's datatype or lexical form, not only on its value
_SENSITIVE = {
    f"Builtin_{name}"
    for name in (
        *("DATATYPE", "sameTerm", "STR", "STRLEN", "SUBSTR", "UCASE", "LCASE", "STRSTARTS", "STRENDS"),
        *("CONTAINS", "STRBEFORE", "STRAFTER", "ENCODE_FOR_URI", "CONCAT", "REPLACE", "REGEX", "MD5"),
        *("SHA1", "SHA256", "SHA384", "SHA512", "STRDT", "STRLANG", "LANGMATCHES"),
    )
} | {"Aggregate_GroupConcat"}


@dataclass(frozen=True)
class Origins:
    """Where the values of one answer variable may come from."""

    data: bool = False
    count: bool = False
    computed: bool = False
    constants: frozenset[Literal] = frozenset()

    def __or__(self, other: Origins) -> Origins:
        return Origins(
            data=self.data or other.data,
            count=self.count or other.count,
            computed=self.computed or other.computed,
            constants=self.constants | other.constants,
        )


@dataclass(frozen=True)
class QueryOrigins:
    """The origins of every variable of a query, and the CONSTRUCT template if there is one."""

    variables: Mapping[str, Origins]
    template: tuple[tuple[Node, Node, Node], ...] | None
    # the predicates whose objects reach a function that sees how a literal is written; None: any may
    sensitive_predicates: frozenset[Node] | None = frozenset()

    def of(self, name: str) -> Origins:
        return self.variables.get(name, Origins())


@lru_cache(maxsize=256)
def query_origins(text: str) -> QueryOrigins:
    """Read the origins of each variable from rdflib's algebra of the query (cached by query text)."""
    from pia_kg.store import algebra_nodes, parsed_algebra

    algebra = parsed_algebra(text)
    reading = _Reading()
    for node in algebra_nodes(algebra):
        if isinstance(node, dict):
            reading.read(node)
    template = algebra["template"] if algebra.name == "ConstructQuery" else None
    return QueryOrigins(
        variables={name: reading.resolve(name) for name in reading.names()},
        template=tuple(template) if template is not None else None,
        sensitive_predicates=reading.sensitive_predicates(),
    )


@dataclass
class _Reading:
    """What the algebra says so far, per variable name."""

    kinds: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # data, count, computed
    constants: dict[str, set[Literal]] = field(default_factory=lambda: defaultdict(set))
    links: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # copies of these
    flows: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # computed from these
    objects_of: dict[str, set[Node | None]] = field(default_factory=lambda: defaultdict(set))  # None: any
    sensitive: set[str] = field(default_factory=set)

    def read(self, node: Any) -> None:
        name = getattr(node, "name", None)
        if name in _SENSITIVE:
            self.sensitive |= _variables_in(node)
        if name == "BGP":
            for triple in node["triples"]:
                for term in triple:
                    if isinstance(term, Variable):
                        self.kinds[str(term)].add("data")
                if isinstance(triple[2], Variable):
                    predicate = triple[1] if isinstance(triple[1], URIRef) else None  # a path or a variable
                    self.objects_of[str(triple[2])].add(predicate)
        elif name == "Graph" and isinstance(node["term"], Variable):
            self.kinds[str(node["term"])].add("data")
        elif name == "Extend":
            self.flows[str(node["var"])] |= _variables_in(node["expr"])
            self.extend(str(node["var"]), node["expr"])
        elif name == "AggregateJoin":
            for aggregate in node["A"]:
                self.aggregate(str(aggregate["res"]), aggregate)
        elif name == "values":
            for row in node["res"]:
                for variable, term in row.items():
                    self.constant(str(variable), term)

    def extend(self, variable: str, expression: Any) -> None:
        """BIND, a SELECT expression or an aggregate's alias: a copy of a variable or a constant passes its
        origin on, and so do COALESCE and IF, whose value is one of their arguments, unchanged."""
        name = getattr(expression, "name", None)
        if isinstance(expression, Variable):
            self.links[variable].add(str(expression))
        elif isinstance(expression, Literal):
            self.constant(variable, expression)
        elif name == "Builtin_COALESCE":
            for argument in expression["arg"]:
                self.extend(variable, argument)
        elif name == "Builtin_IF":
            for argument in (expression["arg2"], expression["arg3"]):
                self.extend(variable, argument)
        else:
            self.kinds[variable].add("computed")

    def aggregate(self, result: str, aggregate: Any) -> None:
        self.flows[result] |= _variables_in(aggregate["vars"])
        if aggregate.name == "Aggregate_Count":
            self.kinds[result].add("count")
        elif aggregate.name in _PASS_THROUGH and isinstance(aggregate["vars"], Variable):
            self.links[result].add(str(aggregate["vars"]))
        else:
            self.kinds[result].add("computed")

    def constant(self, variable: str, term: Any) -> None:
        if isinstance(term, Literal):
            self.constants[variable].add(term)
        else:
            self.kinds[variable].add("data")  # an IRI: Oxigraph gives IRIs back as written

    def names(self) -> set[str]:
        return {*self.kinds, *self.constants, *self.links}

    def resolve(self, name: str) -> Origins:
        """The origins of `name`, following copies."""
        found: set[str] = set()
        literals: set[Literal] = set()
        for current in _closure(name, self.links):
            found |= self.kinds.get(current, set())
            literals |= self.constants.get(current, set())
        return Origins(
            data="data" in found,
            count="count" in found,
            computed="computed" in found,
            constants=frozenset(literals),
        )

    def sensitive_predicates(self) -> frozenset[Node] | None:
        """The predicates whose objects can flow into the sensitive variables, None for any."""
        predicates: set[Node] = set()
        for name in self.sensitive:
            for current in _closure(name, self.flows):
                for predicate in self.objects_of.get(current, set()):
                    if predicate is None:
                        return None
                    predicates.add(predicate)
        return frozenset(predicates)


def _closure(name: str, edges: Mapping[str, set[str]]) -> list[str]:
    """`name` and every name reachable from it through `edges`."""
    seen, pending = {name}, [name]
    while pending:
        for following in edges.get(pending.pop(), set()) - seen:
            seen.add(following)
            pending.append(following)
    return sorted(seen)


def _variables_in(expression: Any) -> set[str]:
    """The names of every variable inside an expression of rdflib's algebra."""
    found: set[str] = set()
    stack = [expression]
    while stack:
        current = stack.pop()
        if isinstance(current, Variable):
            found.add(str(current))
        elif isinstance(current, dict):
            stack.extend(value for key, value in current.items() if key != "_vars")
        elif isinstance(current, list | tuple | set | frozenset):
            stack.extend(current)
    return found
