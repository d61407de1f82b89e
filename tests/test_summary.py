"""The summary counts what the small data set holds."""

from __future__ import annotations

from pathlib import Path

from pia_kg.curate.summary import render_summary, summarise
from pia_kg.graph.loading import load
from pia_kg.project import Project

from .conftest import SOURCES_DIR


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
