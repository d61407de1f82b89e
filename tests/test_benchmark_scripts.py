"""The benchmark scripts still run and print their table, at a small size."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import REPO_ROOT


@pytest.mark.slow
def test_the_validate_benchmark_prints_every_phase_against_its_baseline() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "benchmarks" / "validate_scale.py"), "300"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "| phase | seconds | / baseline |"
    assert any(line.startswith("| rule rule-undeclared-term (300 findings) |") for line in lines)
    assert lines[-1].startswith("| **`pia-kg validate FILE`, whole command** |")
