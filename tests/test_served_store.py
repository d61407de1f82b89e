"""The endpoint's query workers answer from one store on disk, opened read-only by each of them: a checkpoint
of the project's store (hard links, no copy), which later refreshes of the project's store leave alone."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pia_kg.graph.disk_store import refresh, store_folder
from pia_kg.graph.loading import load
from pia_kg.project import Project
from pia_kg.serve.server import LocalClient, ServerSettings, open_app, served_store
from tests.processes import worker_pids

from .conftest import copy_fixture_project

pytestmark = pytest.mark.slow  # each test opens a server app (a site build and worker processes)

STATEMENTS = "SELECT (COUNT(?s) AS ?n) WHERE { ?s a pia:Statement }"


@pytest.fixture
def fixture_project(tmp_path: Path) -> Project:
    return copy_fixture_project(tmp_path / "repo")


@pytest.fixture
def client(fixture_project: Project) -> Iterator[LocalClient]:
    with LocalClient(open_app(fixture_project, settings=ServerSettings(workers=2))) as local:
        yield local


def count(client: LocalClient) -> int:
    response = client.get("/sparql", params={"query": STATEMENTS}, headers={"Accept": "text/csv"})
    assert response.status_code == 200, response.text
    return int(response.text.split()[1])


def open_folders(pid: int) -> set[Path]:
    """The folders of the files process `pid` holds open."""
    folders = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            folders.add(Path(os.readlink(fd)).parent)
        except OSError:
            continue
    return folders


def test_the_served_store_is_a_checkpoint_of_the_projects_store_made_of_hard_links(
    fixture_project: Project,
) -> None:
    kg = load(fixture_project)
    names = {name: name for name in kg.graph_ids("ontology", "data")}
    folder = served_store(fixture_project, kg, names)
    try:
        project_db = store_folder(fixture_project) / "db"
        tables = sorted(path.name for path in project_db.glob("*.sst"))
        assert tables, "the project's store holds no table file"
        inode = {name: (project_db / name).stat().st_ino for name in tables}
        shared = [name for name in tables if (folder / "db" / name).stat().st_ino == inode[name]]
        assert shared == tables  # the same files, not copies
    finally:
        shutil.rmtree(folder)


def test_every_worker_opens_the_same_served_store_and_no_other(client: LocalClient) -> None:
    assert count(client) > 0  # the workers are up and answer
    workers = worker_pids(os.getpid())
    assert len(workers) >= 2
    served = [{folder for folder in open_folders(pid) if folder.name == "db"} for pid in workers]
    assert all(len(folders) == 1 for folders in served), served
    assert len(set.union(*served)) == 1, served  # one folder for all
    (folder,) = served[0]
    assert folder.parent.name.startswith("pia-kg-serve-store-")


def test_an_edit_and_a_refresh_of_the_project_leave_the_served_graph_as_it_was(
    client: LocalClient, fixture_project: Project
) -> None:
    before = count(client)
    data = fixture_project.root / "data" / "statements.ttl"
    text = data.read_text(encoding="utf-8")
    data.write_text(text.replace("a pia:Statement", "a pia:Post"), encoding="utf-8")
    refreshed = refresh(fixture_project)  # as `pia-kg query` does: not blocked by the running server
    assert "data/statements.ttl" in refreshed.reloaded
    assert count(client) == before  # the endpoint answers from the graph its pages show


def test_the_served_store_is_removed_when_the_app_stops(fixture_project: Project) -> None:
    with LocalClient(open_app(fixture_project, settings=ServerSettings(workers=1))) as local:
        count(local)
        (folder,) = {f for f in open_folders(worker_pids(os.getpid())[0]) if f.name == "db"}
        assert folder.is_dir()
    assert not folder.parent.exists()
