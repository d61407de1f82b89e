"""`pia-kg diff`: changes per resource, by label; blank nodes compared by canonical form."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from pia_kg.cli.main import cli
from pia_kg.project import Project

from .conftest import TURTLE_PREFIXES, write_project

PEOPLE = """
person:ada a foaf:Person ; schema:name "Ada" ;
    pia:evidence [ a oa:SpecificResource ; oa:hasSource doc:d ;
        oa:hasSelector [ a oa:TextPositionSelector ; oa:start 1 ; oa:end 4 ] ] .
person:bob a foaf:Person ; schema:name "Bob" .
"""


def side(root: Path, people: str) -> Project:
    return write_project(root, ontology="", shapes="", data={"people.ttl": people})


def diff(runner: CliRunner, project: Project, *args: str) -> str:
    result = runner.invoke(cli, ["--project", str(project.root), "diff", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_reordered_blank_nodes_and_layout_are_not_a_change(tmp_path: Path, runner: CliRunner) -> None:
    old = side(tmp_path / "old", PEOPLE)
    reordered = PEOPLE.replace("oa:start 1 ; oa:end 4", "oa:end 4 ; oa:start 1")
    new = side(tmp_path / "new", reordered)
    assert "No change." in diff(runner, new, str(old.root), str(new.root))


def test_added_removed_and_changed_resources_are_shown_by_label(tmp_path: Path, runner: CliRunner) -> None:
    old = side(tmp_path / "old", PEOPLE)
    changed = PEOPLE.replace("oa:end 4", "oa:end 5")
    changed = changed.replace('person:bob a foaf:Person ; schema:name "Bob" .', "")
    new = side(tmp_path / "new", changed + 'person:cy a foaf:Person ; schema:name "Cy" .\n')
    out = diff(runner, new, str(old.root), str(new.root))
    assert "### Added\n\n- Cy (<https://w3id.org/pia-kg/id/person/cy>)" in out
    assert "### Removed\n\n- Bob (<https://w3id.org/pia-kg/id/person/bob>)" in out
    assert "- **Ada** (<https://w3id.org/pia-kg/id/person/ada>)" in out
    assert "`pia:evidence`: removed `[ a oa:SpecificResource" in out
    assert "oa:end 5" in out


def test_json_lists_changes_per_kind(tmp_path: Path, runner: CliRunner) -> None:
    old = side(tmp_path / "old", PEOPLE)
    new = side(tmp_path / "new", PEOPLE.replace('"Bob"', '"Robert"'))
    document = json.loads(diff(runner, new, str(old.root), str(new.root), "--format", "json"))
    [bob] = document["changes"]["data"]
    assert bob["label"] == "Robert" and bob["status"] == "changed"
    assert bob["values"] == [{"predicate": "schema:name", "removed": ['"Bob"'], "added": ['"Robert"']}]


def test_a_git_revision_is_read_without_checking_it_out(tmp_path: Path, runner: CliRunner) -> None:
    project = side(tmp_path / "repo", PEOPLE)
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    git = ["git", "-C", str(project.root), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "start"], check=True)
    people = project.data_dir / "people.ttl"
    people.write_text(TURTLE_PREFIXES + PEOPLE.replace('"Bob"', '"Bobby"'), encoding="utf-8")
    out = diff(runner, project)
    assert out.startswith("# Changes from ")
    assert "- **Bobby**" in out
    assert "`schema:name`: added `\"Bobby\"`" in out


def test_an_unknown_revision_exits_2(tmp_path: Path, runner: CliRunner) -> None:
    project = side(tmp_path / "repo", PEOPLE)
    result = runner.invoke(cli, ["--project", str(project.root), "diff", "no-such-revision"])
    assert result.exit_code == 2
    assert "git ls-tree" in result.stderr
