"""SHACL engines: pySHACL (the reference) and pyshacl-turbo (a Rust engine with pySHACL's API).

Both take the same data graph and shapes and return a pySHACL-style results graph, so validation.py reads
either the same way. An engine may become the default only if it gives the same report as pySHACL: the same
conforms flag and the same set of (focus node, path, shape, constraint component, severity), checked by
tests/test_shacl_engines.py on the real data, on every rule fixture and on generated data with injected
violations (issue 6). pyshacl-turbo agrees everywhere and is about 50x faster on the real repository, so it is
the default; `--engine pyshacl` always works. The engines word the messages of shapes that have no
sh:message differently; every shape of ours has one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rdflib import BNode, Graph
from rdflib.term import Node

from pia_kg.graph.store_graph import BLANK_LABEL
from pia_kg.rdf.namespaces import PREFIXES, RDF, SH

ENGINES = ("turbo", "pyshacl")
DEFAULT_ENGINE = "turbo"
# how both engines are run: no inference, warnings allowed, nothing fetched, every result reported
VALIDATE_OPTIONS: dict[str, Any] = {
    "inference": "none",
    "advanced": True,
    "allow_warnings": True,
    "do_owl_imports": False,
    "abort_on_first": False,
}


@dataclass(frozen=True, order=True)
class ResultKey:
    """What identifies a SHACL result across engines; blank shapes are named by their parent and path."""

    focus: str
    path: str
    shape: str
    component: str
    severity: str


@dataclass(frozen=True)
class EngineComparison:
    """The reports of two engines on the same input, as sets of result keys."""

    conforms: tuple[bool, bool]
    only_first: frozenset[ResultKey]
    only_second: frozenset[ResultKey]
    shared: int

    @property
    def agrees(self) -> bool:
        return self.conforms[0] == self.conforms[1] and not self.only_first and not self.only_second


def run_shacl(data_graph: Graph | str, shapes: Graph, *, engine: str = DEFAULT_ENGINE) -> tuple[bool, Graph]:
    """Validate with the chosen engine, no inference, warnings allowed; returns (conforms, results graph).

    `data_graph` is an rdflib Graph, or for pyshacl-turbo an N-Triples text (a store's dump): its blank
    nodes come back in the results under their labels in the text."""
    module: Any
    data: Any = data_graph
    if engine == "pyshacl":
        import pyshacl

        module = pyshacl
        if isinstance(data_graph, str):
            raise TypeError("pySHACL validates an rdflib Graph, not N-Triples text")
    elif engine == "turbo":
        import pyshacl_turbo

        module = pyshacl_turbo
        if isinstance(data_graph, str):
            # the engine maps each label in `nodes` back to that blank node in its results, and writes terms
            # in its messages with the project's prefixes, as it does for a loaded graph
            nodes = {label: BNode(label) for label in set(BLANK_LABEL.findall(data_graph))}
            prefixes = dict(PREFIXES)
            data = pyshacl_turbo.rdf.Input(data_graph, "nquads", None, nodes, prefixes, preserve_ids=True)
    else:
        raise ValueError(f"unknown SHACL engine {engine!r}; choose one of {', '.join(ENGINES)}")
    conforms, results, _ = module.validate(data_graph=data, shacl_graph=shapes, **VALIDATE_OPTIONS)
    return bool(conforms), as_graph(results)


def as_graph(results: Any) -> Graph:
    if isinstance(results, Graph):
        return results
    graph = Graph(bind_namespaces="none")
    graph.parse(data=str(results), format="turtle")
    return graph


def result_keys(results: Graph, shapes: Graph) -> frozenset[ResultKey]:
    """The (focus, path, shape, component, severity) of every sh:ValidationResult in `results`."""
    from pia_kg.check.shapes import render_path

    keys = set()
    for result in results.subjects(RDF.type, SH.ValidationResult):
        path = results.value(result, SH.resultPath)
        keys.add(
            ResultKey(
                focus=str(results.value(result, SH.focusNode)),
                path=render_path(results, path) if path is not None else "",
                shape=_shape_name(shapes, results.value(result, SH.sourceShape)),
                component=str(results.value(result, SH.sourceConstraintComponent)),
                severity=str(results.value(result, SH.resultSeverity)),
            )
        )
    return frozenset(keys)


def _shape_name(shapes: Graph, shape: Node | None) -> str:
    from pia_kg.check.shapes import render_path, shape_rule_id

    if shape is None:
        return ""
    if not isinstance(shape, BNode):
        return str(shape)
    path = shapes.value(shape, SH.path)
    return f"{shape_rule_id(shapes, shape)}/{render_path(shapes, path) if path is not None else '[]'}"


def compare_engines(
    data_graph: Graph, shapes: Graph, *, engines: Iterable[str] = ("pyshacl", "turbo")
) -> EngineComparison:
    """Run two engines on the same input and say where their reports differ."""
    first, second = tuple(engines)
    conforms_first, results_first = run_shacl(data_graph, shapes, engine=first)
    conforms_second, results_second = run_shacl(data_graph, shapes, engine=second)
    keys_first, keys_second = result_keys(results_first, shapes), result_keys(results_second, shapes)
    return EngineComparison(
        conforms=(conforms_first, conforms_second),
        only_first=keys_first - keys_second,
        only_second=keys_second - keys_first,
        shared=len(keys_first & keys_second),
    )
