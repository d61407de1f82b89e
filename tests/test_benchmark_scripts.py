"""The benchmark scripts still run and print their table, at a small size."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO_ROOT


def run_benchmark(script: str, *arguments: str, timeout: float = 900) -> list[str]:
    """The lines a benchmark script prints, run as a user runs it; fails the test if the script fails."""
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "benchmarks" / script), *arguments],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


@pytest.mark.slow
def test_the_validate_benchmark_prints_every_phase_against_its_baseline() -> None:
    lines = run_benchmark("validate_scale.py", "300", timeout=600)
    assert lines[0] == "| phase | seconds | / baseline |"
    assert any(line.startswith("| rule rule-undeclared-term (300 findings) |") for line in lines)
    assert lines[-1].startswith("| **`pia-kg validate FILE`, whole command** |")


@pytest.mark.slow
def test_the_targets_benchmark_prints_each_target_met_or_missed() -> None:
    lines = run_benchmark("targets.py", "300", "--skip-build", "--question", "timeline")
    assert lines[0] == "| step (300 data triples) | measured | target | met |"
    rows = {line.split(" | ")[0].lstrip("| "): line for line in lines[2:]}
    assert rows["store built from scratch (first `pia-kg query`)"].endswith("| < 15 s | met |")
    assert any(step.startswith("`pia-kg query timeline`") for step in rows)
    assert any(step.startswith("baseline: rdflib parses") for step in rows)
    assert all(line.endswith(("| met |", "| **missed** |", "|  |")) for line in lines[2:])


@pytest.mark.slow
def test_the_serve_workers_benchmark_compares_both_workers_on_the_same_answers(tmp_path: Path) -> None:
    lines = run_benchmark(
        "serve_workers.py", "300", "--out", str(tmp_path / "project"), "--question", "themes"
    )
    table = lines[lines.index("| step | private copy | shared store | ratio |") :]
    steps = [line.split(" | ")[0].lstrip("| ") for line in table[2:]]
    assert steps == [
        "worker ready (s)",
        "first answer, count (1 rows) (s)",
        "first answer, themes (5 rows) (s)",
        "peak RSS of one worker (MB)",
        "2 workers together (MB)",
    ]
