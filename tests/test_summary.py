"""The summary counts what the small data set holds, the same whether read from the files or the store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pia_kg.cli import cli
from pia_kg.curate.summary import Summary, render_summary, summarise, summarise_store
from pia_kg.graph.disk_store import refresh
from pia_kg.graph.loading import load
from pia_kg.project import Project

from .conftest import REPO_ROOT, SOURCES_DIR
from .test_shacl_engines import load_generator


def test_summary_counts_classes_sources_and_quotes(project: Project) -> None:
    summary = summarise(load(project), SOURCES_DIR)
    assert dict(summary.classes)["pia:Statement"] == 1
    assert [(s.file, s.sha256_short, s.text_available) for s in summary.sources] == [
        ("current-ai-maroc-2025-07.fr.txt", "7518715e8204", True)
    ]
    assert summary.sources[0].facts == 2  # the document's own date evidence is not a fact citing it
    assert (summary.quotes, summary.unattributed, summary.speakers) == (1, 1, ())


def test_summary_says_when_a_source_text_is_not_available(project: Project, tmp_path: Path) -> None:
    summary = summarise(load(project), tmp_path)
    assert [source.text_available for source in summary.sources] == [False]
    assert "NOT available" in render_summary(summary)


def summary_from_store(project: Project) -> Summary:
    with refresh(project).reading() as store:
        return summarise_store(store, project)


def test_the_summary_read_from_the_store_is_the_summary_of_the_files(project: Project) -> None:
    assert summary_from_store(project) == summarise(load(project), SOURCES_DIR)


def test_the_repository_s_summary_is_the_same_from_the_store(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    for folder in ("ontology", "queries", "data"):
        shutil.copytree(REPO_ROOT / folder, root / folder)
    (root / "pyproject.toml").write_text("[project]\nname = 'copy'\n", encoding="utf-8")
    copy = Project(root, SOURCES_DIR)
    from_store = summary_from_store(copy)
    assert from_store == summarise(load(copy), SOURCES_DIR)
    assert from_store.quotes > 0 and from_store.speakers and from_store.sources


@pytest.mark.slow
def test_a_generated_graph_gives_the_same_summary_from_the_store(tmp_path: Path) -> None:
    """Many files, blank nodes, the same triple in two files (counted once) and injected mistakes."""
    generate = load_generator()
    generate.generate(1500, tmp_path / "generated")
    generated = Project(tmp_path / "generated", SOURCES_DIR)
    assert summary_from_store(generated) == summarise(load(generated), SOURCES_DIR)


def test_summary_on_the_command_line_reads_the_store_and_says_the_same(
    runner: CliRunner, project: Project
) -> None:
    result = runner.invoke(cli, ["--project", str(project.root), "summary", "--sources", str(SOURCES_DIR)])
    assert result.exit_code == 0, result.output
    assert (project.root / ".pia-kg" / "store" / "manifest.json").is_file()
    assert result.stdout == render_summary(summarise(load(project), SOURCES_DIR))
