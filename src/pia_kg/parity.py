"""Engine parity: give Oxigraph's answers the literals rdflib would give, or say it cannot be proven.

Oxigraph stores typed literals by value: a derived integer type such as xsd:nonNegativeInteger (our text
offsets) comes back as xsd:integer, and a non-canonical lexical form as the canonical one. rdflib gives back
the literal as written. The Oxigraph engine may stand in for rdflib only where the answers are the same, so
each answer is checked here before it is used:

- the literals of the graph that Oxigraph would rewrite are found once per loaded graph, by putting them in a
  scratch store and reading them back (`LiteralIndex`): nothing is guessed about Oxigraph's rules;
- the query's algebra (rdflib's, the reference parser) says where each answer variable gets its values: from
  a triple pattern (the graph's literal as written), from COUNT (xsd:integer on both engines), from a
  constant of the query (VALUES, BIND, a CONSTRUCT template or a bound parameter), or from an expression;
- a literal in the answer that Oxigraph may have rewritten is put back when exactly one original is
  possible (COUNT stays xsd:integer, a constant keeps the type written in the query).

The answer is refused (`None`), and the caller evaluates the query with rdflib instead, when it cannot be
proven the same: the graph holds one number written two ways (the store keeps them as one term, so joins,
DISTINCT and counts may differ anywhere); a rewritten literal can reach a function that sees how a literal
is written (DATATYPE, sameTerm, STR and the string functions, GROUP_CONCAT), found by following the
predicates of the triple patterns through BIND, expressions and aggregates; or an answer literal was computed
by an expression other than COUNT (rdflib's arithmetic types differ from SPARQL's: `?x * 2` is xsd:decimal
there).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rdflib import Literal, URIRef, Variable
from rdflib.namespace import XSD
from rdflib.query import Result
from rdflib.term import Node

_XSD = str(XSD)
_NUMERIC = {
    str(XSD[name])
    for name in (
        *("integer", "decimal", "float", "double", "nonPositiveInteger", "negativeInteger", "long", "int"),
        *("short", "byte", "nonNegativeInteger", "unsignedLong", "unsignedInt", "unsignedShort"),
        *("unsignedByte", "positiveInteger"),
    )
}
_PASS_THROUGH = ("Aggregate_Sample", "Aggregate_Min", "Aggregate_Max")
# functions whose answer depends on a literal's datatype or lexical form, not only on its value
_SENSITIVE = {
    f"Builtin_{name}"
    for name in (
        *("DATATYPE", "sameTerm", "STR", "STRLEN", "SUBSTR", "UCASE", "LCASE", "STRSTARTS", "STRENDS"),
        *("CONTAINS", "STRBEFORE", "STRAFTER", "ENCODE_FOR_URI", "CONCAT", "REPLACE", "REGEX", "MD5"),
        *("SHA1", "SHA256", "SHA384", "SHA512", "STRDT", "STRLANG", "LANGMATCHES"),
    )
}


@dataclass(frozen=True)
class LiteralIndex:
    """The graph's literals that Oxigraph rewrites: each rewritten form with the originals it may stand for.

    `rewritten[form]` holds every literal of the graph that Oxigraph gives back as `form`, plus `form` itself
    when the graph also holds it as written; `predicates` are those whose objects include such literals.
    """

    rewritten: Mapping[Literal, frozenset[Literal]]
    predicates: frozenset[Node] = frozenset()

    @property
    def merges(self) -> bool:
        """Whether the store holds two literals of the graph as one (the same number written two ways):
        joins, DISTINCT and grouping may then differ from rdflib's anywhere, so no answer is trusted."""
        return any(len(originals) > 1 for originals in self.rewritten.values())

    @classmethod
    def of(cls, objects: Iterable[tuple[Node, Node]]) -> LiteralIndex:
        """From the (predicate, object) pairs of the graph."""
        by_literal: dict[Literal, set[Node]] = defaultdict(set)
        for predicate, term in objects:
            if _may_be_rewritten(term):
                assert isinstance(term, Literal)
                by_literal[term].add(predicate)
        forms = oxigraph_forms(by_literal)
        rewritten: dict[Literal, set[Literal]] = defaultdict(set)
        predicates: set[Node] = set()
        for original, form in forms.items():
            if not _same(original, form):
                rewritten[form].add(original)
                predicates |= by_literal[original]
        for form, originals in rewritten.items():
            if any(_same(form, literal) for literal in by_literal):
                originals.add(form)
        return cls(
            {form: frozenset(originals) for form, originals in rewritten.items()}, frozenset(predicates)
        )


def _may_be_rewritten(literal: Node) -> bool:
    """Oxigraph normalises XSD datatypes only: plain, tagged and xsd:string literals stay as written."""
    return (
        isinstance(literal, Literal)
        and literal.datatype is not None
        and str(literal.datatype).startswith(_XSD)
        and literal.datatype != XSD.string
    )


def _same(first: Literal, second: Literal) -> bool:
    """Term equality (lexical form, datatype, language), not rdflib's value comparison."""
    return (str(first), first.datatype, first.language) == (str(second), second.datatype, second.language)


def oxigraph_forms(literals: Iterable[Literal]) -> dict[Literal, Literal]:
    """Each literal as an Oxigraph store gives it back, found by storing it in a scratch store."""
    import pyoxigraph as ox

    from pia_kg.store import to_oxigraph, to_rdflib

    ordered = list(literals)
    scratch = ox.Store()
    predicate = ox.NamedNode("urn:pia-kg:literal")
    scratch.extend(
        ox.Quad(ox.NamedNode(f"urn:pia-kg:literal:{number}"), predicate, to_oxigraph(literal))
        for number, literal in enumerate(ordered)
    )
    forms: dict[Literal, Literal] = {}
    for quad in scratch:
        number = int(quad.subject.value.rsplit(":", 1)[1])
        forms[ordered[number]] = to_rdflib(quad.object)
    return forms


@dataclass(frozen=True)
class Origins:
    """Where the values of one answer variable may come from."""

    data: bool = False
    count: bool = False
    computed: bool = False
    constants: frozenset[Literal] = frozenset()


@dataclass(frozen=True)
class QueryOrigins:
    """The origins of every variable of a query, and the CONSTRUCT template if there is one."""

    variables: Mapping[str, Origins]
    template: tuple[tuple[Node, Node, Node], ...] | None
    # the predicates whose objects reach a function that sees a literal's datatype or lexical form (DATATYPE,
    # sameTerm, STR, string functions, GROUP_CONCAT); None: any predicate may
    sensitive_predicates: frozenset[Node] | None = frozenset()

    def of(self, name: str) -> Origins:
        return self.variables.get(name, Origins())

    def sees_rewritten(self, index: LiteralIndex) -> bool:
        """Whether a rewritten literal may reach a function whose answer depends on how it is written."""
        if not index.rewritten:
            return False
        return self.sensitive_predicates is None or bool(self.sensitive_predicates & index.predicates)


@lru_cache(maxsize=256)
def query_origins(text: str) -> QueryOrigins:
    """Read the origins of each variable from rdflib's algebra of the query (cached by query text)."""
    from rdflib.plugins.sparql import prepareQuery

    from pia_kg.namespaces import PREFIXES

    algebra = prepareQuery(text, initNs=PREFIXES).algebra
    kinds: dict[str, set[str]] = defaultdict(set)
    constants: dict[str, set[Literal]] = defaultdict(set)
    links: dict[str, set[str]] = defaultdict(set)
    objects_of: dict[str, set[Node | None]] = defaultdict(set)  # None: a variable predicate or a path
    flows: dict[str, set[str]] = defaultdict(set)  # variable -> the variables its value is computed from
    sensitive: set[str] = set()
    for node in _nodes(algebra):
        name = getattr(node, "name", None)
        if name in _SENSITIVE or name == "Aggregate_GroupConcat":
            sensitive |= _variables_in(node)
        if name == "Extend":
            flows[str(node["var"])] |= _variables_in(node["expr"])
        elif name == "AggregateJoin":
            for aggregate in node["A"]:
                flows[str(aggregate["res"])] |= _variables_in(aggregate["vars"])
        if name == "BGP":
            for triple in node["triples"]:
                for term in triple:
                    if isinstance(term, Variable):
                        kinds[str(term)].add("data")
                if isinstance(triple[2], Variable):
                    objects_of[str(triple[2])].add(triple[1] if isinstance(triple[1], URIRef) else None)
        elif name == "Graph" and isinstance(node.get("term"), Variable):
            kinds[str(node["term"])].add("data")
        elif name == "Extend":
            _extend(str(node["var"]), node["expr"], kinds, constants, links)
        elif name == "AggregateJoin":
            for aggregate in node["A"]:
                result = str(aggregate["res"])
                if aggregate.name == "Aggregate_Count":
                    kinds[result].add("count")
                elif aggregate.name in _PASS_THROUGH and isinstance(aggregate["vars"], Variable):
                    links[result].add(str(aggregate["vars"]))
                else:
                    kinds[result].add("computed")
        elif name == "values":
            for row in node["res"]:
                for variable, term in row.items():
                    _constant(str(variable), term, kinds, constants)
    template = algebra["template"] if algebra.name == "ConstructQuery" else None
    return QueryOrigins(
        variables={name: _resolve(name, kinds, constants, links) for name in {*kinds, *constants, *links}},
        template=tuple(template) if template is not None else None,
        sensitive_predicates=_predicates_reaching(sensitive, objects_of, flows),
    )


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


def _predicates_reaching(
    sensitive: set[str], objects_of: dict[str, set[Node | None]], flows: dict[str, set[str]]
) -> frozenset[Node] | None:
    """The predicates whose objects can flow into the sensitive variables (through BIND, SELECT expressions
    and aggregates), None for any."""
    predicates: set[Node] = set()
    pending, seen = list(sensitive), set(sensitive)
    while pending:
        current = pending.pop()
        for predicate in objects_of.get(current, set()):
            if predicate is None:
                return None
            predicates.add(predicate)
        for source in flows.get(current, set()) - seen:
            seen.add(source)
            pending.append(source)
    return frozenset(predicates)


def _extend(
    variable: str,
    expression: Any,
    kinds: dict[str, set[str]],
    constants: dict[str, set[Literal]],
    links: dict[str, set[str]],
) -> None:
    """BIND, a SELECT expression or an aggregate's alias: a copy of a variable or constant passes its origin
    on, and so do COALESCE and IF, whose value is one of their arguments, unchanged."""
    name = getattr(expression, "name", None)
    if isinstance(expression, Variable):
        links[variable].add(str(expression))
    elif isinstance(expression, Literal):
        _constant(variable, expression, kinds, constants)
    elif name == "Builtin_COALESCE":
        for argument in expression["arg"]:
            _extend(variable, argument, kinds, constants, links)
    elif name == "Builtin_IF":
        for argument in (expression["arg2"], expression["arg3"]):
            _extend(variable, argument, kinds, constants, links)
    else:
        kinds[variable].add("computed")


def _constant(
    variable: str, term: Any, kinds: dict[str, set[str]], constants: dict[str, set[Literal]]
) -> None:
    if isinstance(term, Literal):
        constants[variable].add(term)
    else:
        kinds[variable].add("data")  # an IRI: Oxigraph gives IRIs back as written


def _resolve(
    name: str, kinds: dict[str, set[str]], constants: dict[str, set[Literal]], links: dict[str, set[str]]
) -> Origins:
    seen, pending = {name}, [name]
    found: set[str] = set()
    literals: set[Literal] = set()
    while pending:
        current = pending.pop()
        found |= kinds.get(current, set())
        literals |= constants.get(current, set())
        for linked in links.get(current, set()) - seen:
            seen.add(linked)
            pending.append(linked)
    return Origins(
        data="data" in found,
        count="count" in found,
        computed="computed" in found,
        constants=frozenset(literals),
    )


def _nodes(algebra: Any) -> Iterable[Any]:
    """Every dict-like node of an rdflib algebra tree."""
    stack, seen = [algebra], set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, dict):
            yield current
            stack.extend(current.values())
        elif isinstance(current, list | tuple):
            stack.extend(current)


def restore(
    result: Result, text: str, index: LiteralIndex, *, bindings: Mapping[str, Node] | None = None
) -> Result | None:
    """`result` (from Oxigraph) with rdflib's literals put back; None where rdflib might answer otherwise."""
    if index.merges:
        return None
    origins = query_origins(text)
    if origins.sees_rewritten(index):
        return None
    if result.type == "ASK":
        return result
    bound = {
        name: Origins(constants=frozenset({term})) if isinstance(term, Literal) else Origins(data=True)
        for name, term in (bindings or {}).items()
    }
    if result.type == "SELECT":
        return _restore_rows(result, origins, bound, index)
    return _restore_graph(result, origins, bound, index)


class _Refused(Exception):
    """The answer cannot be proven equal to rdflib's."""


def _restore_rows(
    result: Result, origins: QueryOrigins, bound: Mapping[str, Origins], index: LiteralIndex
) -> Result | None:
    rows = list(result.bindings)
    if not any(_may_be_rewritten(term) for row in rows for term in row.values()):
        return result
    try:
        restored: list[Mapping[Variable, Any]] = [
            {
                variable: _original(term, bound.get(str(variable)) or origins.of(str(variable)), index)
                for variable, term in row.items()
            }
            for row in rows
        ]
    except _Refused:
        return None
    answer = Result("SELECT")
    answer.vars = result.vars
    answer.bindings = restored
    return answer


def _restore_graph(
    result: Result, origins: QueryOrigins, bound: Mapping[str, Origins], index: LiteralIndex
) -> Result | None:
    graph = result.graph
    if graph is None or not any(_may_be_rewritten(o) for o in graph.objects()):
        return result
    try:
        for s, p, o in list(graph):
            if not _may_be_rewritten(o):
                continue
            original = _original(o, _template_origins(p, origins, bound), index)
            if original is not o:
                graph.remove((s, p, o))
                graph.add((s, p, original))
    except _Refused:
        return None
    return result


def _template_origins(predicate: Node, origins: QueryOrigins, bound: Mapping[str, Origins]) -> Origins:
    """The origins of an object in a CONSTRUCT answer: those of every template triple that can give it.

    DESCRIBE has no template: its triples are the graph's own.
    """
    if origins.template is None:
        return Origins(data=True)
    merged = Origins()
    for _, template_predicate, template_object in origins.template:
        if not isinstance(template_predicate, Variable) and template_predicate != predicate:
            continue
        if isinstance(template_object, Literal):
            found = Origins(constants=frozenset({template_object}))
        elif isinstance(template_object, Variable):
            found = bound.get(str(template_object)) or origins.of(str(template_object))
        else:
            continue
        merged = Origins(
            data=merged.data or found.data,
            count=merged.count or found.count,
            computed=merged.computed or found.computed,
            constants=merged.constants | found.constants,
        )
    return merged


def _original(term: Node, origins: Origins, index: LiteralIndex) -> Node:
    """The literal rdflib would give for `term`, or _Refused when that is not certain."""
    if not _may_be_rewritten(term):
        return term
    assert isinstance(term, Literal)
    candidates: set[Literal] = set()
    if origins.computed:
        if str(term.datatype) in _NUMERIC:
            raise _Refused
        candidates.add(term)  # other expressions (STR, STRDT, dates...) are typed alike by both engines
    if origins.data:
        candidates |= index.rewritten.get(term, {term})
    if origins.count:
        candidates.add(term)
    if origins.constants:
        # Oxigraph gives a constant as written (CONSTRUCT templates) or as it stores it (VALUES, BIND)
        candidates |= {
            original
            for original, form in _forms(origins.constants)
            if _same(form, term) or _same(original, term)
        }
    distinct = {(str(literal), literal.datatype, literal.language): literal for literal in candidates}
    if len(distinct) != 1:
        raise _Refused
    return next(iter(distinct.values()))


@lru_cache(maxsize=256)
def _forms(constants: frozenset[Literal]) -> tuple[tuple[Literal, Literal], ...]:
    return tuple(oxigraph_forms(constants).items())
