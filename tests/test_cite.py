"""`pia-kg cite` and `pia-kg sources`: selectors found in the source text, never counted by hand."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result
from rdflib import Graph

from pia_kg.citing import find_text
from pia_kg.cli import cli

from .conftest import REPO_ROOT, SOURCE_FILE, SOURCES_DIR, TURTLE_PREFIXES

DOC = "doc:pr-2025-07-current-ai-maroc"
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
