"""Query results: SELECT rows, an ASK boolean or a graph, as rdflib terms whichever engine answered."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from typing import Literal as FormName

from rdflib import Graph, Variable
from rdflib.query import Result
from rdflib.term import Node

from pia_kg.rdf.namespaces import bind_prefixes
from pia_kg.rdf.terms import to_rdflib

Form = FormName["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]

if TYPE_CHECKING:
    pass


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


@dataclass(frozen=True)
class SelectResult:
    """Rows of rdflib terms (None where unbound), in the order the engine gave them."""

    variables: tuple[str, ...]
    rows: tuple[tuple[Node | None, ...], ...]
    is_ordered: bool = False
    form: Form = "SELECT"


@dataclass(frozen=True)
class AskResult:
    value: bool
    form: Form = "ASK"


@dataclass(frozen=True)
class GraphResult:
    """The graph a CONSTRUCT or DESCRIBE query built, with the project prefixes bound."""

    graph: Graph
    form: Form = "CONSTRUCT"


QueryResult = SelectResult | AskResult | GraphResult
