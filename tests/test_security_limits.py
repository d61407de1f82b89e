"""Bounded work (issue 8): exploding queries stop at the time or row limit with a clear error, exit 2.

Each exploding query runs with `--timeout 2`; the bound checked below is generous (limit + 8 s) because
it only has to show that the work stopped, not measure how fast.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from pia_kg.cli.main import cli
from pia_kg.security import limits
from pia_kg.security.limits import LimitExceeded, Limits
from tests.conftest import TINY_ONTOLOGY, TINY_SHAPES, write_project

TIMEOUT = 2.0
SLACK = 8.0


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chain = "".join(f"<urn:pia-kg:n{i}> <urn:pia-kg:p> <urn:pia-kg:n{i + 1}> .\n" for i in range(300))
    long_a = '<urn:pia-kg:s> <urn:pia-kg:text> "' + "a" * 40 + '!" .\n'
    project = write_project(
        tmp_path_factory.mktemp("limits") / "repo",
        ontology=TINY_ONTOLOGY,
        shapes=TINY_SHAPES,
        data={"chain.ttl": chain + long_a},
    )
    return project.root


def run_query(root: Path, text: str, *options: str) -> tuple[object, float]:
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["--project", str(root), *options, "query", "--text", text, "-f", "csv"])
    return result, time.monotonic() - started


EXPLODING = {
    "cartesian product of all triples, cubed": (
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    ),
    "huge GROUP_CONCAT": "SELECT (GROUP_CONCAT(STR(?c)) AS ?all) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "ORDER BY over a product": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i LIMIT 1",
}


@pytest.mark.slow
@pytest.mark.parametrize("text", EXPLODING.values(), ids=EXPLODING.keys())
def test_an_exploding_query_is_stopped_at_the_time_limit_and_exits_2(root: Path, text: str) -> None:
    result, elapsed = run_query(root, text, "--timeout", str(TIMEOUT))
    assert result.exit_code == 2, result.stderr  # type: ignore[attr-defined]
    assert "limit exceeded: query ran longer than 2 s" in result.stderr  # type: ignore[attr-defined]
    assert result.stdout == ""  # type: ignore[attr-defined]
    assert elapsed < TIMEOUT + SLACK


CATASTROPHIC_REGEX = 'SELECT ?s WHERE { ?s ?p ?o FILTER REGEX(?o, "(a+)+$") }'


@pytest.mark.slow
def test_a_catastrophic_regular_expression_on_rdflib_is_stopped_at_the_time_limit(root: Path) -> None:
    """Python's backtracking `re` never ends on it; Oxigraph's linear-time regex engine answers at once."""
    command = ["--project", str(root), "--timeout", str(TIMEOUT), "query", "--text", CATASTROPHIC_REGEX]
    started = time.monotonic()
    result = CliRunner().invoke(cli, [*command, "--engine", "rdflib", "-f", "csv"])
    assert result.exit_code == 2, result.stderr
    assert "limit exceeded: query ran longer than 2 s" in result.stderr
    assert time.monotonic() - started < TIMEOUT + SLACK
    fast = CliRunner().invoke(cli, [*command, "-f", "csv"])
    assert fast.exit_code == 0, fast.stderr
    assert fast.stdout.splitlines() == ["s"]  # no match: the only long text ends in "!"


@pytest.mark.slow
def test_an_unbounded_property_path_from_every_node_ends_within_the_limit(root: Path) -> None:
    text = "SELECT ?a ?b WHERE { ?a (<urn:pia-kg:p>|!<urn:pia-kg:p>)* ?b . ?c (<urn:pia-kg:p>)* ?d }"
    result, elapsed = run_query(root, text, "--timeout", str(TIMEOUT))
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert "limit exceeded" in result.stderr  # type: ignore[attr-defined]
    assert elapsed < TIMEOUT + SLACK


@pytest.mark.slow
def test_a_result_with_more_rows_than_the_limit_is_refused(root: Path) -> None:
    result, _ = run_query(root, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }", "--max-rows", "1000")
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert "limit exceeded: the result has more than 1000 rows" in result.stderr  # type: ignore[attr-defined]


def test_a_construct_with_more_triples_than_the_limit_is_refused(root: Path) -> None:
    text = "CONSTRUCT { ?a <urn:pia-kg:q> ?d } WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 2000"
    result, _ = run_query(root, text, "--max-rows", "500")
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert "more than 500 rows" in result.stderr  # type: ignore[attr-defined]


def test_a_query_within_the_limits_answers_as_before(root: Path) -> None:
    result, _ = run_query(root, "SELECT (COUNT(*) AS ?n) WHERE { ?s <urn:pia-kg:p> ?o }", "--max-rows", "5")
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    assert result.stdout.splitlines() == ["n", "300"]  # type: ignore[attr-defined]


def test_the_limits_are_lifted_when_the_command_ends(root: Path) -> None:
    run_query(root, "ASK { ?s ?p ?o }", "--timeout", "5")
    assert limits.configured() is None


def _spin(pid_file: str) -> None:
    Path(pid_file).write_text(str(os.getpid()))
    while True:
        pass


@pytest.mark.slow
def test_the_process_that_passed_the_limit_is_killed(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    limits.configure(Limits(timeout=1.0))
    try:
        with pytest.raises(LimitExceeded, match="ran longer than 1 s"):
            limits.run_limited(_spin, str(pid_file))
    finally:
        limits.reset()
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)


def _fail() -> None:
    raise ValueError("raised in the child")


def test_an_error_in_the_limited_process_reaches_the_caller() -> None:
    limits.configure(Limits(timeout=10.0))
    try:
        with pytest.raises(ValueError, match="raised in the child"):
            limits.run_limited(_fail)
    finally:
        limits.reset()


def test_a_file_larger_than_the_size_limit_is_refused(root: Path) -> None:
    result = CliRunner().invoke(cli, ["--project", str(root), "--max-file-size", "0.001", "validate"])
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert "bytes, more than the limit of 1048" in result.stderr  # type: ignore[attr-defined]


@pytest.mark.slow
def test_a_rule_query_in_validate_is_time_limited_too(root: Path) -> None:
    rule = root / "queries" / "rule-explodes.rq"
    rule.write_text(
        "# title: explodes\n# expect: empty\nSELECT ?focus WHERE { ?focus ?b ?c . ?d ?e ?f . ?g ?h ?i }\n"
    )
    try:
        started = time.monotonic()
        result = CliRunner().invoke(cli, ["--project", str(root), "--timeout", "2", "validate"])
        elapsed = time.monotonic() - started
    finally:
        rule.unlink()
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert "limit exceeded: rule rule-explodes ran longer than 2 s" in result.stderr  # type: ignore[attr-defined]
    assert elapsed < TIMEOUT + SLACK
