"""Shared fixtures: a CLI runner, the real ontology with a small data set, and tiny self-contained projects.

Paths are computed from this file, never written out: the source texts live beside the repository in
../shared/sources.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph

from pia_kg.graph.disk_store import store_folder
from pia_kg.project import Project
from pia_kg.rdf.namespaces import PREFIXES
from tests.outside_programs import MarkerGuard

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SOURCES_DIR = REPO_ROOT.parent / "shared" / "sources"
SOURCE_FILE = "current-ai-maroc-2025-07.fr.txt"
SOURCE_SHA256 = "7518715e8204812e83cdeb4ef8733e656e78b42057058ebf8f837632b9d8ace1"
TURTLE_PREFIXES = "".join(f"@prefix {prefix}: <{namespace}> .\n" for prefix, namespace in PREFIXES.items())

TINY_ONTOLOGY = """
pia:Statement a owl:Class .
"""

TINY_SHAPES = """
pia:PersonShape a sh:NodeShape ;
    sh:targetClass foaf:Person ;
    pia:fixHint "Give every person a schema:name."@en ;
    sh:property [ sh:path schema:name ; sh:minCount 1 ; sh:message "A person needs a schema:name." ] .
pia:NoteShape a sh:NodeShape ;
    sh:targetSubjectsOf skos:note ;
    sh:property [ sh:path skos:note ; sh:maxLength 5 ; sh:severity sh:Warning ] .
"""


def pytest_configure(config: pytest.Config) -> None:
    """Fail a test that starts Chromium, a triplestore or another outside program without its marker."""
    if not config.pluginmanager.has_plugin("outside-programs"):
        config.pluginmanager.register(MarkerGuard(), "outside-programs")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def source_text() -> str:
    return (SOURCES_DIR / SOURCE_FILE).read_text(encoding="utf-8")


def write_project(root: Path, *, ontology: str, shapes: str, data: dict[str, str]) -> Project:
    """Write a complete project (Turtle bodies get the project prefixes) and return it."""
    (root / "ontology").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "queries").mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'fixture'\n", encoding="utf-8")
    (root / "ontology" / "pia.ttl").write_text(TURTLE_PREFIXES + ontology, encoding="utf-8")
    (root / "ontology" / "shapes.ttl").write_text(TURTLE_PREFIXES + shapes, encoding="utf-8")
    for name, body in data.items():
        (root / "data" / name).write_text(TURTLE_PREFIXES + body, encoding="utf-8")
    return Project(root, SOURCES_DIR)


@pytest.fixture
def tiny_project(tmp_path: Path) -> Project:
    """A self-contained project with a two-shape ontology and one valid person."""
    return write_project(
        tmp_path / "tiny",
        ontology=TINY_ONTOLOGY,
        shapes=TINY_SHAPES,
        data={"people.ttl": 'person:ada a foaf:Person ;\n    schema:name "Ada" .\n'},
    )


def copy_fixture_project(root: Path, *, queries: bool = True) -> Project:
    """A new project at `root`: the real ontology/ and queries/ (an empty queries/ if `queries` is false) with
    the small data set in tests/fixtures/project/data."""
    root.mkdir()
    shutil.copytree(REPO_ROOT / "ontology", root / "ontology")
    if queries and (REPO_ROOT / "queries").is_dir():
        shutil.copytree(REPO_ROOT / "queries", root / "queries")
    else:
        (root / "queries").mkdir()
    shutil.copytree(FIXTURES / "project" / "data", root / "data")
    (root / "pyproject.toml").write_text("[project]\nname = 'fixture'\n", encoding="utf-8")
    return Project(root, SOURCES_DIR)


@contextmanager
def store_write_locked(project: Project) -> Iterator[None]:
    """Hold the lock of the project's store (built already) as a refresh that writes it holds it."""
    writer = os.open(store_folder(project) / "lock", os.O_RDWR)
    fcntl.flock(writer, fcntl.LOCK_EX)
    try:
        yield
    finally:
        os.close(writer)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """The real ontology/ and queries/ with the small data set in tests/fixtures/project/data."""
    return copy_fixture_project(tmp_path / "repo")


@pytest.fixture
def turtle() -> Callable[[str], Graph]:
    """Parse a Turtle body written with the project prefixes."""

    def parse(body: str) -> Graph:
        return Graph(bind_namespaces="none").parse(data=TURTLE_PREFIXES + body, format="turtle")

    return parse
