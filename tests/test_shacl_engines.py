"""pyshacl-turbo gives pySHACL's report on our shapes, and Oxigraph the rule queries' rows (issue 6).

Same conforms flag and same set of (focus node, path, shape, constraint component, severity) on the real data,
on every rule fixture (validated beside data/, as tests/test_rules.py does) and on generated data with
injected violations; this is what makes pyshacl-turbo the default engine.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from pia_kg.check import validation
from pia_kg.check.shacl_engines import compare_engines, result_keys, run_shacl
from pia_kg.graph.loading import KnowledgeGraph, load
from pia_kg.graph.store_graph import StoreGraph
from pia_kg.project import Project

from .conftest import FIXTURES, REPO_ROOT, SOURCES_DIR

RULE_FILES = sorted((FIXTURES / "rules").glob("*.ttl"))


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate", REPO_ROOT / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("generate", module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def assert_engines_agree(kg: KnowledgeGraph) -> None:
    comparison = compare_engines(kg.union("ontology", "data"), kg.union("shapes"))
    assert comparison.agrees, (
        f"conforms {comparison.conforms}\nonly pySHACL: {sorted(comparison.only_first)}\n"
        f"only turbo: {sorted(comparison.only_second)}"
    )


def rule_findings(kg: KnowledgeGraph, engine: str) -> set[tuple[str, str, str | None, str | None]]:
    """The rule queries' findings: on the store (Oxigraph), or with rdflib's SPARQL on a Graph (pyshacl)."""
    reference = kg.union("ontology", "data") if engine == "pyshacl" else None
    graph = StoreGraph.from_knowledge_graph(kg)
    queries = validation.rule_queries(Project(REPO_ROOT).queries_dir)
    return {
        (finding.rule, str(finding.focus), finding.path, finding.value)
        for query in queries
        for finding in validation._run_rule(graph, reference, query)
    }


@pytest.mark.slow
def test_both_engines_find_the_real_data_conforming() -> None:
    kg = load(Project(REPO_ROOT, SOURCES_DIR))
    assert_engines_agree(kg)
    assert run_shacl(kg.union("ontology", "data"), kg.union("shapes"), engine="turbo")[0]


@pytest.mark.slow
def test_both_engines_give_the_same_report_on_the_rule_fixtures_beside_the_data() -> None:
    project = Project(REPO_ROOT, SOURCES_DIR)
    kg = load(project, data_paths=[project.data_dir, *RULE_FILES])
    assert_engines_agree(kg)
    findings = rule_findings(kg, "turbo")
    assert findings, "the rule fixtures trigger no rule query"
    assert rule_findings(kg, "pyshacl") == findings


@pytest.mark.slow
def test_both_engines_report_every_injected_violation_in_generated_data(tmp_path: Path) -> None:
    generator = load_generator()
    injected = generator.generate(2700, tmp_path / "generated", violation_rate=1.0)
    assert {item.kind for item in injected} == set(generator.VIOLATIONS)
    kg = load(Project(tmp_path / "generated", SOURCES_DIR))
    assert_engines_agree(kg)
    _, results = run_shacl(kg.union("ontology", "data"), kg.union("shapes"), engine="turbo")
    reported = {key.focus for key in result_keys(results, kg.union("shapes"))}
    assert {item.focus for item in injected} <= reported
    assert rule_findings(kg, "pyshacl") == rule_findings(kg, "turbo")


def test_the_generator_writes_the_same_bytes_for_the_same_seed(tmp_path: Path) -> None:
    generator = load_generator()
    generator.generate(1500, tmp_path / "a")
    generator.generate(1500, tmp_path / "b")
    first, second = (sorted((tmp_path / side / "data").glob("*.ttl")) for side in ("a", "b"))
    assert first, "the generator wrote no data file"
    assert [path.name for path in first] == [path.name for path in second]
    for path in first:
        assert path.read_bytes() == (tmp_path / "b" / "data" / path.name).read_bytes(), path.name


def test_the_generator_injects_nothing_at_a_zero_rate_so_the_graph_validates(tmp_path: Path) -> None:
    generator = load_generator()
    assert generator.generate(2700, tmp_path / "clean", violation_rate=0) == []
    assert generator.generate(2700, tmp_path / "one", violation_rate=0.001) != []  # at least one otherwise
    project = Project(tmp_path / "clean", SOURCES_DIR)
    done = validation.validate(load(project), sources_dir=SOURCES_DIR, root=project.root)
    assert done.conforms, [finding.message for finding in done.findings]
