"""The command line: exit codes 0/1/2, reports on stdout, the verdict and errors on stderr."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pia_kg import __version__
from pia_kg.cli.main import cli
from pia_kg.project import Project

from .conftest import SOURCES_DIR, TURTLE_PREFIXES


def test_valid_data_exits_0_with_the_report_on_stdout(runner: CliRunner, tiny_project: Project) -> None:
    result = runner.invoke(cli, ["--project", str(tiny_project.root), "validate"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout.endswith("Conforms: 0 violations, 0 warnings, 0 infos\n")
    assert result.stderr == "OK: 0 violations, 0 warnings, 0 infos.\n"


def test_a_violation_exits_1(runner: CliRunner, tiny_project: Project) -> None:
    (tiny_project.data_dir / "bad.ttl").write_text(TURTLE_PREFIXES + "person:x a foaf:Person .\n")
    result = runner.invoke(cli, ["--project", str(tiny_project.root), "validate", "--format", "json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["conforms"] is False
    assert result.stderr.startswith("FAILED: 1 violation")


def test_a_warning_exits_1_only_with_fail_on_warning(runner: CliRunner, tiny_project: Project) -> None:
    (tiny_project.data_dir / "note.ttl").write_text(TURTLE_PREFIXES + 'person:ada skos:note "too long" .\n')
    args = ["--project", str(tiny_project.root), "validate"]
    assert runner.invoke(cli, args).exit_code == 0
    assert runner.invoke(cli, [*args, "--fail-on", "warning"]).exit_code == 1


def test_unparsable_turtle_exits_2_and_names_the_line(runner: CliRunner, tiny_project: Project) -> None:
    (tiny_project.data_dir / "broken.ttl").write_text("@prefix ex: <http://example.org/> .\n\nex:a ex:b .\n")
    result = runner.invoke(cli, ["--project", str(tiny_project.root), "validate"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("Error: data/broken.ttl:3:")
    assert "not valid Turtle" in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_utf8_exits_2(runner: CliRunner, tiny_project: Project) -> None:
    (tiny_project.data_dir / "latin1.ttl").write_bytes(b'<http://e/a> <http://e/b> "caf\xe9" .\n')
    result = runner.invoke(cli, ["--project", str(tiny_project.root), "validate"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert "data/latin1.ttl:1:" in result.stderr


def test_a_missing_path_exits_2(runner: CliRunner, tiny_project: Project) -> None:
    result = runner.invoke(cli, ["--project", str(tiny_project.root), "validate", "nowhere.ttl"])
    assert result.exit_code == 2
    assert result.stdout == ""


def test_paths_replace_the_data_folder(runner: CliRunner, tiny_project: Project, tmp_path: Path) -> None:
    other = tmp_path / "other.ttl"
    other.write_text(TURTLE_PREFIXES + "person:x a foaf:Person .\n")
    result = runner.invoke(cli, ["--project", str(tiny_project.root), "validate", str(other)])
    assert result.exit_code == 1
    assert "person:x" in result.stdout


def test_outside_a_project_exits_2_with_a_hint(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["validate"])
    assert result.exit_code == 2
    assert "not inside a pia-kg project" in result.stderr
    assert "--project DIR" in result.stderr


def test_an_unknown_option_exits_2(runner: CliRunner) -> None:
    assert runner.invoke(cli, ["validate", "--no-such-option"]).exit_code == 2


def test_help_and_version_work_anywhere(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for args in (["-h"], ["validate", "--help"], ["summary", "-h"]):
        result = runner.invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == 0
        assert "Example:" in result.stdout
    assert runner.invoke(cli, ["--version"]).stdout.strip().endswith(__version__)


def test_summary_prints_one_screen(runner: CliRunner, tiny_project: Project) -> None:
    result = runner.invoke(cli, ["--project", str(tiny_project.root), "summary"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "foaf:Person" in result.stdout
    assert len(result.stdout.splitlines()) < 40
    assert result.stderr == ""


@pytest.mark.slow
def test_the_small_data_set_with_the_real_ontology_exits_0(runner: CliRunner, project: Project) -> None:
    args = ["--project", str(project.root), "validate", "--sources", str(SOURCES_DIR), "--fail-on", "warning"]
    result = runner.invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.stdout
    assert result.stderr == "OK: 0 violations, 0 warnings, 0 infos.\n"


@pytest.mark.slow
def test_a_broken_quote_in_the_small_data_set_exits_1(runner: CliRunner, project: Project) -> None:
    path = project.data_dir / "statements.ttl"
    path.write_text(path.read_text(encoding="utf-8").replace("une étape importante", "une étape décisive"))
    result = runner.invoke(cli, ["--project", str(project.root), "--sources", str(SOURCES_DIR), "validate"])
    assert result.exit_code == 1
    assert "citation-span" in result.stdout
    assert "statement-text" not in result.stdout


def test_a_literal_not_in_canonical_form_exits_1_with_its_line_and_fix(
    runner: CliRunner, tiny_project: Project
) -> None:
    (tiny_project.data_dir / "odd.ttl").write_text(
        TURTLE_PREFIXES + 'person:ada\n    pia:share "+1.50"^^xsd:decimal .\n', encoding="utf-8"
    )
    line = TURTLE_PREFIXES.count("\n") + 2
    result = runner.invoke(cli, ["--project", str(tiny_project.root), "validate"])
    assert result.exit_code == 1
    assert (
        f"  data/odd.ttl:{line}  Ada (person:ada)  pia:share  "
        '"+1.50"^^xsd:decimal is not in canonical form; write 1.5 (pia-kg fmt does it).\n'
        "    fix: Run `pia-kg fmt`: it writes every literal in the form a store gives back.\n"
    ) in result.stdout
    assert result.stderr == "FAILED: 1 violation, 0 warnings, 0 infos.\n"
    assert runner.invoke(cli, ["--project", str(tiny_project.root), "fmt"]).exit_code == 0
    assert runner.invoke(cli, ["--project", str(tiny_project.root), "validate"]).exit_code == 0
