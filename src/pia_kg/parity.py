"""Engine parity: give Oxigraph's answers the literals rdflib would give, or say it cannot be proven.

Oxigraph stores typed literals by value: a derived integer type such as xsd:nonNegativeInteger (our text
offsets) comes back as xsd:integer, and a non-canonical lexical form as the canonical one. rdflib gives back
the literal as written. The Oxigraph engine may stand in for rdflib only where the answers are the same, so
each answer is checked here before it is used:

- the literals of the graph that Oxigraph would rewrite are found once per loaded graph, by putting them in a
  scratch store and reading them back (`LiteralIndex`): nothing is guessed about Oxigraph's rules;
- the query's algebra (rdflib's, the reference parser) says where each answer variable gets its values
  (origins.py): from a triple pattern (the graph's literal as written), from COUNT (xsd:integer on both
  engines), from a constant of the query (VALUES, BIND, a CONSTRUCT template or a bound parameter), or from an
  expression;
- a literal in the answer that Oxigraph may have rewritten is put back when exactly one original is
  possible (COUNT stays xsd:integer, a constant keeps the type written in the query).

The answer is refused (`None`), and the caller evaluates the query with rdflib instead, when it cannot be
proven the same: the graph holds one number written two ways, or an explicit `^^xsd:string` (the store keeps
them as one term, so joins, DISTINCT and counts may differ anywhere); a rewritten literal can reach a
function that sees how a literal is written (DATATYPE, sameTerm, STR and the string functions, GROUP_CONCAT),
found by following the predicates of the triple patterns through BIND, expressions and aggregates; or an
answer literal was computed by an expression other than COUNT (rdflib's arithmetic types differ from
SPARQL's: `?x * 2` is xsd:decimal there).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rdflib import Literal, Variable
from rdflib.namespace import XSD
from rdflib.query import Result
from rdflib.term import Node

from pia_kg.origins import Origins, QueryOrigins, query_origins

_XSD = str(XSD)
_NUMERIC = {
    str(XSD[name])
    for name in (
        *("integer", "decimal", "float", "double", "nonPositiveInteger", "negativeInteger", "long", "int"),
        *("short", "byte", "nonNegativeInteger", "unsignedLong", "unsignedInt", "unsignedShort"),
        *("unsignedByte", "positiveInteger"),
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
    typed_strings: bool = False  # the graph writes `"..."^^xsd:string`, which rdflib keeps apart from "..."

    @property
    def merges(self) -> bool:
        """Whether the store may hold two literals of the graph as one (the same number written two ways, or
        an explicit xsd:string, which Oxigraph gives back plain): joins, DISTINCT and grouping may then differ
        from rdflib's anywhere, so no answer is trusted."""
        return self.typed_strings or any(len(originals) > 1 for originals in self.rewritten.values())

    @classmethod
    def of(cls, objects: Iterable[tuple[Node, Node]]) -> LiteralIndex:
        """From the (predicate, object) pairs of the graph."""
        by_literal: dict[Literal, set[Node]] = defaultdict(set)
        typed_strings = False
        for predicate, term in objects:
            typed_strings = typed_strings or (isinstance(term, Literal) and term.datatype == XSD.string)
            if may_be_rewritten(term):
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
            {form: frozenset(originals) for form, originals in rewritten.items()},
            frozenset(predicates),
            typed_strings,
        )


def may_be_rewritten(literal: Node) -> bool:
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


def restore(
    result: Result, text: str, index: LiteralIndex, *, bindings: Mapping[str, Node] | None = None
) -> Result | None:
    """`result` (from Oxigraph) with rdflib's literals put back; None where rdflib might answer otherwise."""
    if index.merges:
        return None
    origins = query_origins(text)
    sensitive = origins.sensitive_predicates
    if index.rewritten and (sensitive is None or sensitive & index.predicates):
        return None  # a rewritten literal may reach a function that sees how it is written
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
    if not any(may_be_rewritten(term) for row in rows for term in row.values()):
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
    if graph is None or not any(may_be_rewritten(o) for o in graph.objects()):
        return result
    try:
        for s, p, o in list(graph):
            if not may_be_rewritten(o):
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
        merged |= found
    return merged


def _original(term: Node, origins: Origins, index: LiteralIndex) -> Node:
    """The literal rdflib would give for `term`, or _Refused when that is not certain."""
    if not may_be_rewritten(term):
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
