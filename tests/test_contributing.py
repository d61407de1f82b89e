"""CONTRIBUTING.md, followed step by step on a copy of the repository with a new source text."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pia_kg.cli.main import cli

from .conftest import REPO_ROOT, SOURCE_FILE, SOURCES_DIR

SAID = "L\u2019IA d\u2019intérêt général se construit avec les communautés"
TEXT = f"date 2025-09\n\nCommuniqué de démonstration.\n\n\u201c{SAID}\u201d, a déclaré Martin Tisné.\n"
QUOTE = "L'IA d'intérêt général se construit avec les communautés"
STATEMENT = """
statement:demo-2025-09--45-101
    a pia:Statement ;
    schema:text "SAID"@fr ;
    schema:inLanguage "fr" ;
    prov:wasQuotedFrom doc:demo-2025-09 ;
    dcterms:date "2025-09"^^xsd:gYearMonth ;
    pia:dateBasis pia:basis-source-date ;
    prov:wasAttributedTo person:martin-tisne ;
    prov:qualifiedAttribution [ a prov:Attribution ; prov:agent person:martin-tisne ] ;
    pia:attributionBasis pia:basis-stated ;
    prov:wasDerivedFrom doc:demo-2025-09 ;
"""


@pytest.mark.slow
def test_the_contributing_walkthrough_works_end_to_end(tmp_path: Path) -> None:
    runner = CliRunner()
    root, sources = tmp_path / "repo", tmp_path / "sources"
    root.mkdir()
    for name in ("ontology", "data", "queries"):
        shutil.copytree(REPO_ROOT / name, root / name)
    shutil.copy(REPO_ROOT / "pyproject.toml", root / "pyproject.toml")
    sources.mkdir()
    shutil.copy(SOURCES_DIR / SOURCE_FILE, sources / SOURCE_FILE)
    (sources / "demo-2025-09.fr.txt").write_text(TEXT, encoding="utf-8")
    base = ["--project", str(root), "--sources", str(sources)]

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(cli, [*base, *args])
        assert result.exit_code == code, result.stdout + result.stderr
        return result.stdout

    # 1. the source text: its sha256 and its document node
    digest = hashlib.sha256((sources / "demo-2025-09.fr.txt").read_bytes()).hexdigest()
    doc = re.search(r"```turtle\n(doc:demo-2025-09.*?)```", _contributing(), re.DOTALL)
    assert doc is not None, "CONTRIBUTING.md shows the document node"
    node = doc.group(1).replace("b37fda853bcbe908a3b2e1bc0386a6d8150d289304fecbff2d7598c98d53152a", digest)
    with (root / "data" / "sources.ttl").open("a", encoding="utf-8") as handle:
        handle.write("\n" + node)
    assert re.search(r"doc:demo-2025-09 +demo-2025-09.fr.txt +\w{12} +y +y +0", run("sources"))

    # 2. cite the passage; 3. paste it into the statement
    evidence = run("cite", "doc:demo-2025-09", QUOTE)
    assert "oa:start 45 ; oa:end 101 ]" in evidence
    with (root / "data" / "statements.ttl").open("a", encoding="utf-8") as handle:
        handle.write(STATEMENT.replace("SAID", SAID) + evidence.split("\n", 1)[1] + " .\n")

    # 4. format, validate, report, diff
    run("fmt", "--check", code=1)
    run("fmt")
    run("fmt", "--check")
    run("validate")
    run("report", "--fail-on", "error")
    diff = run("diff", str(REPO_ROOT), str(root))
    assert "- Demonstration press release (September 2025)" in diff
    assert "statement/demo-2025-09--45-101" in diff


def test_contributing_names_every_command_of_the_walkthrough() -> None:
    text = _contributing()
    for command in ("sources", "cite", "fmt", "validate", "report", "diff"):
        assert f"$ pia-kg {command}" in text, command


def _contributing() -> str:
    return (REPO_ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
