"""The real ontology/, data/ and queries/ pass `pia-kg validate`: exactly what CI runs."""

from __future__ import annotations

import re

from click.testing import CliRunner

from pia_kg.check.validation import read_query
from pia_kg.cli.main import cli
from pia_kg.project import Project

from .conftest import REPO_ROOT, SOURCES_DIR


def test_the_repository_has_data() -> None:
    assert Project(REPO_ROOT).data_files(), "data/ has no Turtle file"


def test_the_repository_validates(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--project", str(REPO_ROOT), "--sources", str(SOURCES_DIR), "validate"])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stderr.startswith("OK:")


def test_no_http_schema_org_iri_remains() -> None:
    project = Project(REPO_ROOT)
    for path in [*project.ontology_files(), *project.shapes_files(), *project.data_files()]:
        assert "http://schema.org/" not in path.read_text(encoding="utf-8"), project.relative(path)


def test_every_saved_query_has_a_title_and_every_select_an_order_by() -> None:
    project = Project(REPO_ROOT)
    for path in project.query_files():
        query = read_query(path, relpath=project.relative(path))
        assert "title" in query.header, f"{query.relpath}: no '# title:' header"
        if re.search(r"^\s*SELECT\b", query.text, re.IGNORECASE | re.MULTILINE):
            assert re.search(r"\bORDER\s+BY\b", query.text, re.IGNORECASE), f"{query.relpath}: no ORDER BY"


def test_docs_and_comments_cite_only_documents_of_the_repository() -> None:
    """A reader of the code or the docs can open every Markdown document cited there: it is a file here."""
    cited = re.compile(r"\b([A-Z][A-Z_-]*\.md)\b")
    roots = [REPO_ROOT / name for name in ("src", "tests", "queries", "ontology", "benchmarks")]
    suffixes = {".py", ".rq", ".ttl", ".md", ".j2"}
    texts = [path for root in roots for path in root.rglob("*") if path.suffix in suffixes]
    texts += sorted(REPO_ROOT.glob("*.md"))
    missing = sorted(
        f"{path.relative_to(REPO_ROOT)}: {name}"
        for path in texts
        if "fixtures" not in path.parts
        for name in set(cited.findall(path.read_text(encoding="utf-8")))
        if not (REPO_ROOT / name).is_file() and not (path.parent / name).is_file()
    )
    assert not missing, missing
