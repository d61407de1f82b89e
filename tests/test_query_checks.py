"""What the guards found about a query text is kept beside the store (`.pia-kg/query-checks.json`), so that
`pia-kg query` does not parse a text it checked before; a SERVICE clause is never let through by it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pia_kg.cli.main import cli
from pia_kg.errors import QueryError
from pia_kg.project import Project
from pia_kg.sparql import text as sparql_text
from pia_kg.sparql.saved import list_queries
from pia_kg.sparql.text import QueryFacts, checked_facts, parse_query, remember_checks

from .conftest import REPO_ROOT

TIMELINE = (REPO_ROOT / "queries" / "timeline.rq").read_text(encoding="utf-8")
SERVICE = "SELECT ?s WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"


@pytest.fixture
def memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty memory in a file of its own (the module's state is restored after the test)."""
    monkeypatch.setattr(sparql_text, "_memory", {})
    monkeypatch.setattr(sparql_text, "_memory_file", None)
    return tmp_path / "query-checks.json"


def forget(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a new process knows: nothing in memory until the file is read."""
    monkeypatch.setattr(sparql_text, "_memory", {})


def refuse_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(sparql_text, "parse_query", parse)


def test_a_text_checked_once_is_not_parsed_again_in_the_next_process(
    memory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    remember_checks(memory)
    first = checked_facts(TIMELINE)
    assert first == QueryFacts("SELECT", True, first.variables) and "date" in first.variables
    assert memory.is_file()
    forget(monkeypatch)
    refuse_parsing(monkeypatch)
    remember_checks(memory)
    assert checked_facts(TIMELINE) == first


def test_the_facts_are_those_of_the_parsed_query_for_every_saved_question(memory: Path) -> None:
    remember_checks(memory)
    for saved in list_queries(Project(REPO_ROOT)):
        query = parse_query(saved.text)
        facts = checked_facts(saved.text)
        assert facts.form == {"SelectQuery": "SELECT", "AskQuery": "ASK"}.get(
            query.algebra.name, facts.form
        ), saved.name
        assert set(facts.variables) == sparql_text.query_variables(query), saved.name
    assert len(json.loads(memory.read_text(encoding="utf-8"))) == len(list_queries(Project(REPO_ROOT)))


def test_a_forged_entry_never_lets_a_service_clause_through(memory: Path) -> None:
    """A text that mentions `service`, in any case, is never looked up: even with an entry written for its
    very key, it is parsed and refused."""
    for text in (SERVICE, SERVICE.lower(), SERVICE.replace("SERVICE", "SeRvIcE")):
        forged = {sparql_text._text_key(text): ["SELECT", False, ["s"]]}
        memory.write_text(json.dumps(forged), encoding="utf-8")
        remember_checks(memory)
        with pytest.raises(QueryError, match="SERVICE"):
            checked_facts(text)


def test_an_error_is_never_remembered(memory: Path) -> None:
    remember_checks(memory)
    for _ in range(2):
        with pytest.raises(QueryError, match="not valid SPARQL"):
            checked_facts("SELECT ?s WHERE { ?s ?p }")
    assert not memory.exists()


@pytest.mark.parametrize("content", ["not json", "[]", '{"k": 3}', '{"k": ["SELECT"]}'])
def test_an_unreadable_memory_is_ignored_and_written_again(
    memory: Path, content: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory.write_text(content, encoding="utf-8")
    remember_checks(memory)
    assert checked_facts(TIMELINE).form == "SELECT"
    assert len(json.loads(memory.read_text(encoding="utf-8"))) == 1


def test_pia_kg_query_keeps_its_checks_beside_the_store_and_answers_the_same(
    tiny_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sparql_text, "_memory", {})
    monkeypatch.setattr(sparql_text, "_memory_file", None)
    runner = CliRunner()
    text = "SELECT ?s WHERE { ?s a ?c } ORDER BY ?s"
    answers = []
    for _ in range(3):  # three runs, each knowing only what the file says, as three processes would
        forget(monkeypatch)
        answers.append(runner.invoke(cli, ["--project", str(tiny_project.root), "query", "--text", text]))
    assert all(answer.exit_code == 0 for answer in answers), answers[0].stderr
    assert answers[0].stdout == answers[1].stdout == answers[2].stdout
    stored = json.loads((tiny_project.root / ".pia-kg" / "query-checks.json").read_text(encoding="utf-8"))
    assert ["SELECT", True, ["c", "s"]] in stored.values()


def test_the_memory_keeps_the_latest_texts_only(memory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server meets ever new texts: what it keeps stays bounded, file or not."""
    monkeypatch.setattr(sparql_text, "_MEMORY_SIZE", 3)
    texts = [f"SELECT ?s WHERE {{ ?s ?p {number} }}" for number in range(5)]
    for text in texts:
        checked_facts(text)
    assert len(sparql_text._memory) == 3
    remember_checks(memory)
    checked_facts("ASK {}")
    assert len(json.loads(memory.read_text(encoding="utf-8"))) == 3


def test_a_checkout_run_without_installing_still_checks_and_remembers(
    memory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`PYTHONPATH=src python -m pia_kg`: no pia-kg distribution to read a version from."""
    import importlib.metadata

    real = importlib.metadata.version

    def version(name: str) -> str:
        if name == "pia-kg":
            raise importlib.metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(importlib.metadata, "version", version)
    sparql_text._versions.cache_clear()
    try:
        remember_checks(memory)
        assert checked_facts(TIMELINE).form == "SELECT"
        assert "pia-kg unknown" in sparql_text._versions()
    finally:
        sparql_text._versions.cache_clear()
