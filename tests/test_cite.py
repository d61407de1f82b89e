"""`pia-kg cite` and `pia-kg sources`: selectors found in the source text, never counted by hand."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rdflib import Graph

from pia_kg.cli.main import cli
from pia_kg.curate.citing import find_text

from .conftest import REPO_ROOT, SOURCE_FILE, SOURCE_SHA256, SOURCES_DIR, TURTLE_PREFIXES

DOC = "doc:pr-2025-07-current-ai-maroc"
DOC_IRI = "https://w3id.org/pia-kg/id/doc/pr-2025-07-current-ai-maroc"
BASE = ["--project", str(REPO_ROOT), "--sources", str(SOURCES_DIR)]


def cite(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(cli, [*BASE, "cite", *args])


def test_an_exact_quote_prints_an_evidence_block_that_matches_the_source(
    runner: CliRunner, source_text: str
) -> None:
    result = cite(runner, DOC, "Nous sommes fiers de compter le Maroc")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"# {DOC} {SOURCE_FILE} sha256 7518715e")
    body = result.stdout.split("\n", 1)[1]
    graph = Graph().parse(data=TURTLE_PREFIXES + "statement:s\n" + body + " .\n", format="turtle")
    start = int(next(o for p, o in graph.predicate_objects() if str(p).endswith("#start")))
    end = int(next(o for p, o in graph.predicate_objects() if str(p).endswith("#end")))
    assert source_text[start:end] == "Nous sommes fiers de compter le Maroc"
    assert "exact match" in result.stderr


def test_a_file_name_names_the_source_too(runner: CliRunner) -> None:
    assert cite(runner, SOURCE_FILE, "Nous sommes fiers de compter le Maroc").exit_code == 0


def test_straight_quotes_and_extra_spaces_still_find_the_curly_source_text(source_text: str) -> None:
    spans, how = find_text(source_text, "C'est une   étape importante")
    assert how == "tolerant"
    assert [source_text[s.start : s.end] for s in spans] == ["C\u2019est une étape importante"]


def test_the_evidence_carries_the_sources_own_characters(runner: CliRunner) -> None:
    result = cite(runner, DOC, "C'est une étape importante")
    assert result.exit_code == 0
    assert 'oa:exact "C\u2019est une étape importante"' in result.stdout
    assert "tolerant match" in result.stdout


def test_an_ambiguous_quote_exits_2_and_lists_every_occurrence(runner: CliRunner) -> None:
    result = cite(runner, DOC, "Current AI")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "occurs 8 times" in result.stderr
    assert "87-97:" in result.stderr


def test_an_absent_quote_exits_2_with_the_closest_passages(runner: CliRunner) -> None:
    result = cite(runner, DOC, "Nous sommes fier de compte le Maroc")
    assert result.exit_code == 2
    assert "does not occur" in result.stderr
    assert "Nous sommes fiers de compter le Ma" in result.stderr


def test_an_unknown_source_exits_2_and_names_the_known_ones(runner: CliRunner) -> None:
    result = cite(runner, "doc:nothing", "text")
    assert result.exit_code == 2
    assert DOC in result.stderr


def test_sources_lists_each_document_with_its_hash_state_and_citing_facts(runner: CliRunner) -> None:
    result = runner.invoke(cli, [*BASE, "sources"], catch_exceptions=False)
    assert result.exit_code == 0
    header, row = result.stdout.splitlines()[:2]
    assert header.split() == ["document", "file", "sha256", "local", "hash", "ok", "facts"]
    assert row.split()[:5] == [DOC, SOURCE_FILE, "7518715e8204", "y", "y"]
    assert int(row.split()[5]) > 0


def test_sources_says_when_a_text_is_not_available_locally(runner: CliRunner, tmp_path: Path) -> None:
    args = ["--project", str(REPO_ROOT), "--sources", str(tmp_path), "sources", "-f", "json"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0
    assert '"available": false' in result.stdout


TITLE = "Press release: memorandum of understanding between Current AI and Morocco (July 2025)"
QUOTE = "Nous sommes fiers de compter le Maroc"


def test_issue_12_item_14_a_relative_path_to_a_known_source_cites_it_and_says_which_document_it_is(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12 item 14: a curator types the path of the text, e.g. ../shared/sources/<file>."""
    monkeypatch.chdir(REPO_ROOT)
    path = os.path.relpath(SOURCES_DIR / SOURCE_FILE, REPO_ROOT)
    result = runner.invoke(cli, [*BASE, "cite", path, QUOTE], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == cite(runner, DOC, QUOTE).stdout
    assert f"<{DOC_IRI}>" in result.stderr
    assert TITLE in result.stderr
    assert path in result.stderr


def test_issue_12_item_14_a_copy_of_a_known_source_elsewhere_is_recognised_by_its_sha256(
    runner: CliRunner, tmp_path: Path
) -> None:
    copy = tmp_path / "press release.txt"
    copy.write_bytes((SOURCES_DIR / SOURCE_FILE).read_bytes())
    result = runner.invoke(cli, [*BASE, "cite", str(copy), QUOTE], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == cite(runner, DOC, QUOTE).stdout
    assert f"<{DOC_IRI}>" in result.stderr


def test_issue_12_item_14_a_path_to_a_file_that_is_no_known_source_exits_2_with_the_known_documents(
    runner: CliRunner, tmp_path: Path
) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("Nous sommes fiers de compter le Maroc.\n", encoding="utf-8")
    result = cite(runner, str(other), QUOTE)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"{DOC} ({SOURCE_FILE})" in result.stderr
    assert hashlib.sha256(other.read_bytes()).hexdigest() in result.stderr
    assert 'pia:sourceFileName "notes.txt"' in result.stderr
    assert "Traceback" not in result.stderr
    assert other.read_text(encoding="utf-8") == "Nous sommes fiers de compter le Maroc.\n"


def test_issue_12_item_14_an_edited_copy_of_a_known_source_is_refused_naming_both_hashes(
    runner: CliRunner, tmp_path: Path
) -> None:
    edited = tmp_path / SOURCE_FILE
    edited.write_bytes((SOURCES_DIR / SOURCE_FILE).read_bytes() + b"\n")
    result = cite(runner, str(edited), QUOTE)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert hashlib.sha256(edited.read_bytes()).hexdigest() in result.stderr
    assert f"{DOC} records" in result.stderr and SOURCE_SHA256 in result.stderr


def test_issue_12_item_14_a_path_to_no_file_exits_2_and_names_the_known_documents(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = cite(runner, str(tmp_path / "missing.txt"), QUOTE)
    assert result.exit_code == 2
    assert "no such file" in result.stderr
    assert DOC in result.stderr
