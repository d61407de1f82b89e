"""The test markers: registered and enforced, kept true by tests/outside_programs.py, and never used to leave
anything out of `make test` or CI, which run every test."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from .conftest import REPO_ROOT

MARKERS = ("slow", "external", "browser")


def pytest_settings() -> dict[str, object]:
    with (REPO_ROOT / "pyproject.toml").open("rb") as handle:
        settings: dict[str, object] = tomllib.load(handle)["tool"]["pytest"]["ini_options"]
    return settings


def registered_markers() -> dict[str, str]:
    lines = pytest_settings()["markers"]
    assert isinstance(lines, list)
    return {name.strip(): text.strip() for name, text in (str(line).split(":", 1) for line in lines)}


def test_each_marker_is_registered_with_a_description_and_unknown_markers_are_refused() -> None:
    markers = registered_markers()
    assert [name for name in MARKERS if not markers.get(name)] == []
    options = str(pytest_settings()["addopts"]).split()
    assert "--strict-markers" in options
    assert "-m" not in options and not any(option.startswith("-m") for option in options)


def test_make_test_and_ci_run_every_test() -> None:
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^test:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe is not None, "the Makefile has no test target"
    runs = [line.strip() for line in recipe.group(1).splitlines() if "pytest" in line]
    assert runs == ["$(BIN)/pytest"], runs  # no -m or -k: every test runs
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", ci, re.MULTILINE)
    assert "set -euo pipefail" in ci  # pytest's exit 5 (nothing collected) fails the run


INNER_TESTS = """
import subprocess
import sys

import pytest

BIN = {bin!r}


def start(name):
    subprocess.run([BIN + "/" + name, "--version"], check=True)


def test_unmarked_chromium():
    start("chromium")


@pytest.mark.browser
def test_marked_chromium():
    start("chromium")


@pytest.mark.browser
def test_oxigraph_marked_browser():
    start("oxigraph")


@pytest.mark.external
def test_node_marked_external():
    start("node")


def test_chromium_through_a_shell():
    subprocess.run(BIN + "/chromium --headless", shell=True, check=True)


def test_python_is_not_an_outside_program():
    subprocess.run([sys.executable, "-c", "pass"], check=True)


@pytest.fixture(scope="module")
def store():
    start("oxigraph")
    yield


@pytest.mark.external
def test_first_user_of_a_store_marked(store):
    pass


def test_later_user_of_the_store_unmarked(store):
    pass
"""
INNER_CONFTEST = """
from tests.outside_programs import MarkerGuard


def pytest_configure(config):
    config.pluginmanager.register(MarkerGuard(), "outside-programs")
"""


@pytest.mark.slow
def test_the_guard_fails_a_test_that_starts_or_uses_an_outside_program_without_its_marker(
    tmp_path: Path,
) -> None:
    """A real pytest run, in a child process, of tests starting stand-in programs named like the real ones."""
    programs = tmp_path / "bin"
    programs.mkdir()
    for name in ("chromium", "oxigraph", "node"):
        program = programs / name
        program.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
        program.chmod(program.stat().st_mode | stat.S_IXUSR)
    markers = "".join(f"    {name}: {text}\n" for name, text in registered_markers().items())
    (tmp_path / "pytest.ini").write_text(f"[pytest]\naddopts = --strict-markers\nmarkers =\n{markers}")
    (tmp_path / "conftest.py").write_text(INNER_CONFTEST, encoding="utf-8")
    (tmp_path / "test_programs.py").write_text(INNER_TESTS.format(bin=str(programs)), encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rA", "test_programs.py"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    outcomes = dict(
        (match.group(2), match.group(1))
        for match in re.finditer(r"^(PASSED|FAILED|ERROR) test_programs\.py::(\w+)", completed.stdout, re.M)
    )
    assert outcomes == {
        "test_unmarked_chromium": "FAILED",
        "test_marked_chromium": "PASSED",
        "test_oxigraph_marked_browser": "FAILED",
        "test_node_marked_external": "PASSED",
        "test_chromium_through_a_shell": "FAILED",
        "test_python_is_not_an_outside_program": "PASSED",
        "test_first_user_of_a_store_marked": "PASSED",
        "test_later_user_of_the_store_unmarked": "ERROR",
    }, completed.stdout + completed.stderr
    assert "chromium (mark it browser)" in completed.stdout
    assert "oxigraph (mark it external)" in completed.stdout
    assert completed.returncode == 1
