"""The project's store on disk (issue 13 item 2): the same answers as the files, refreshed per file by content
hash, rebuilt after a crash, never written by two processes, and skipped with --no-store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib.compare import isomorphic

from pia_kg.cli.main import cli
from pia_kg.errors import DataError
from pia_kg.graph import disk_store
from pia_kg.graph.disk_store import MANIFEST, StoreUnavailable, refresh, store_folder
from pia_kg.graph.loading import load
from pia_kg.project import Project
from pia_kg.sparql.engine import run_query
from pia_kg.sparql.results import GraphResult, SelectResult
from pia_kg.sparql.saved import list_queries

from .conftest import store_write_locked

NEW_PERSON = (
    "\n<https://w3id.org/pia-kg/id/person/ada-test> a <https://w3id.org/pia-kg/ns#Person> ;\n"
    '    <https://schema.org/name> "Ada Test" .\n'
)
COUNT_PERSONS = "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a pia:Person }"


def _count(disk: disk_store.DiskStore) -> int:
    result = run_query(disk, COUNT_PERSONS)
    assert isinstance(result, SelectResult)
    return int(result.rows[0][0])  # type: ignore[arg-type]


def test_every_saved_question_answers_from_the_store_as_from_the_files(project: Project) -> None:
    disk = refresh(project)
    assert disk is not None and disk.rebuilt
    kg = load(project)
    compared = 0
    for saved in list_queries(project):
        if saved.is_rule:
            continue
        from_store = run_query(disk, saved, use_examples=True)
        from_files = run_query(kg, saved, use_examples=True)
        if isinstance(from_files, GraphResult):
            assert isinstance(from_store, GraphResult)
            assert isomorphic(from_store.graph, from_files.graph), saved.name
        else:
            assert from_store == from_files, saved.name
        compared += 1
    assert compared >= 15


def test_an_unchanged_repository_is_not_parsed_and_an_edited_file_is_reloaded_alone(project: Project) -> None:
    first = refresh(project)
    assert first is not None and first.rebuilt
    assert len(first.reloaded) == len(project.ontology_files()) + len(project.data_files())
    before = _count(first)
    again = refresh(project)
    assert again is not None and (again.reloaded, again.removed, again.rebuilt) == ((), (), False)
    people = project.data_dir / "statements.ttl"
    people.write_text(people.read_text(encoding="utf-8") + NEW_PERSON, encoding="utf-8")
    edited = refresh(project)
    assert edited is not None and edited.reloaded == ("data/statements.ttl",) and not edited.rebuilt
    assert _count(edited) == before + 1
    extra = project.data_dir / "extra.ttl"
    extra.write_text(NEW_PERSON.replace("ada-test", "bob-test"), encoding="utf-8")
    added = refresh(project)
    assert added is not None and added.reloaded == ("data/extra.ttl",)
    assert _count(added) == before + 2
    extra.unlink()
    gone = refresh(project)
    assert gone is not None and (gone.reloaded, gone.removed) == ((), ("data/extra.ttl",))
    assert _count(gone) == before + 1


def test_a_store_left_half_written_is_rebuilt_not_trusted(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    complete = refresh(project)
    assert complete is not None
    expected = _count(complete)
    people = project.data_dir / "statements.ttl"
    people.write_text(people.read_text(encoding="utf-8") + NEW_PERSON, encoding="utf-8")
    (project.data_dir / "zz.ttl").write_text(NEW_PERSON.replace("ada-test", "zed-test"), encoding="utf-8")
    real_load = disk_store._load_file
    loaded: list[str] = []

    def crash_on_the_second_file(store: object, path: Path, relpath: str, text: str) -> None:
        if loaded:
            raise KeyboardInterrupt  # the process dies between two files
        loaded.append(relpath)
        real_load(store, path, relpath, text)

    monkeypatch.setattr(disk_store, "_load_file", crash_on_the_second_file)
    with pytest.raises(KeyboardInterrupt):
        refresh(project)
    assert not (store_folder(project) / MANIFEST).exists()
    monkeypatch.setattr(disk_store, "_load_file", real_load)
    recovered = refresh(project)
    assert recovered is not None and recovered.rebuilt
    assert _count(recovered) == expected + 2


def test_a_manifest_that_cannot_be_read_means_a_rebuild(project: Project) -> None:
    assert refresh(project) is not None
    (store_folder(project) / MANIFEST).write_text("{not json", encoding="utf-8")
    again = refresh(project)
    assert again is not None and again.rebuilt
    manifest = json.loads((store_folder(project) / MANIFEST).read_text(encoding="utf-8"))
    assert set(manifest["files"]) == {relpath for relpath, _ in disk_store.project_files(project)}


def test_a_broken_file_is_reported_and_the_store_is_not_marked_complete(project: Project) -> None:
    assert refresh(project) is not None
    broken = project.data_dir / "broken.ttl"
    broken.write_text("<https://w3id.org/pia-kg/id/person/x> <https://schema.org/name> .\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"data/broken\.ttl:1:"):
        refresh(project)
    assert not (store_folder(project) / MANIFEST).exists()
    broken.unlink()
    fixed = refresh(project)
    assert fixed is not None and fixed.rebuilt


def test_the_command_answers_from_the_files_while_another_process_writes_the_store(
    project: Project, runner: CliRunner
) -> None:
    assert refresh(project) is not None
    args = ["--project", str(project.root), "query", "--text", COUNT_PERSONS, "-f", "csv"]
    from_store = runner.invoke(cli, args)
    assert from_store.exit_code == 0, from_store.stderr
    with store_write_locked(project):
        from_files = runner.invoke(cli, args)  # nothing to refresh, but the store cannot be read now
        statements = project.data_dir / "statements.ttl"
        statements.write_text(statements.read_text(encoding="utf-8") + NEW_PERSON, encoding="utf-8")
        with pytest.raises(StoreUnavailable, match="another process is using"):
            refresh(project)  # a change to write, and the lock is held
        edited = runner.invoke(cli, args)
    assert from_files.exit_code == 0, from_files.stderr
    assert "another process is writing the project's store; reading the files" in from_files.stderr
    assert from_files.stdout == from_store.stdout
    assert edited.exit_code == 0 and "another process is using the project's store" in edited.stderr
    assert edited.stdout != from_store.stdout  # read from the edited files
    assert refresh(project).reloaded == ("data/statements.ttl",)  # once the lock is free


def test_no_store_reads_the_files_and_leaves_no_store(project: Project, runner: CliRunner) -> None:
    args = ["--project", str(project.root), "query", "--text", COUNT_PERSONS, "-f", "csv"]
    without = runner.invoke(cli, [*args, "--no-store"])
    assert without.exit_code == 0, without.stderr
    assert not (project.root / ".pia-kg").exists()
    with_store = runner.invoke(cli, args)
    assert with_store.exit_code == 0, with_store.stderr
    assert with_store.stdout == without.stdout
    assert (project.root / ".pia-kg" / ".gitignore").read_text(encoding="utf-8") == "*\n"


def test_labels_come_from_the_store_as_from_the_files(project: Project, runner: CliRunner) -> None:
    args = [
        "--project",
        str(project.root),
        "query",
        "statements-by-person",
        "-p",
        "person=person:martin-tisne",
        "--labels",
        "--lang",
        "fr",
        "-f",
        "csv",
    ]
    from_files = runner.invoke(cli, [*args, "--no-store"])
    assert from_files.exit_code == 0, from_files.stderr
    from_store = runner.invoke(cli, args)
    assert from_store.exit_code == 0, from_store.stderr
    assert (project.root / ".pia-kg" / "store" / MANIFEST).exists()
    assert from_store.stdout == from_files.stdout
    assert "Martin Tisné" in from_store.stdout


def test_files_whose_size_and_time_of_change_match_the_manifest_are_not_read(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import time

    refresh(project)
    files = disk_store.project_files(project)
    an_hour_ago = time.time() - 3600
    for _, path in files:
        os.utime(path, (an_hour_ago, an_hour_ago))
    retimed = refresh(project)  # read and hashed again (new times), not reloaded: same contents
    assert retimed.reloaded == () and not retimed.rebuilt
    read: list[str] = []
    read_text = disk_store.read_text

    def counted(path: Path, *, relpath: str) -> str:
        read.append(relpath)
        return read_text(path, relpath=relpath)

    monkeypatch.setattr(disk_store, "read_text", counted)
    unchanged = refresh(project)
    assert read == [] and unchanged.reloaded == ()
    before = _count(unchanged)
    statements = project.data_dir / "statements.ttl"
    statements.write_text(statements.read_text(encoding="utf-8") + NEW_PERSON, encoding="utf-8")
    edited = refresh(project)
    assert read == ["data/statements.ttl"] and edited.reloaded == ("data/statements.ttl",)
    assert _count(edited) == before + 1

