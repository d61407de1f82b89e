"""The tabular data package (`pia-kg export -f datapackage`): Frictionless finds it valid, its foreign
keys resolve, its CSV turns back into the very facts it was written from, the same graph gives the same
bytes, and `build` publishes it as distributions of the dataset."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import frictionless
import pytest
from click.testing import CliRunner
from rdflib import Literal, URIRef
from rdflib.compare import isomorphic

from pia_kg.cli.main import cli
from pia_kg.graph.store import store_for
from pia_kg.publish.datapackage import (
    PACKAGE_FILE,
    TABLES,
    covered_facts,
    package_to_rdf,
    row_counts,
    uncovered_predicates,
    write_package,
)
from pia_kg.rdf.namespaces import DCAT, DCTERMS, ORG, RDF, SCHEMA, VOID

from .conftest import REPO_ROOT, TURTLE_PREFIXES
from .published import built_site, repository

ID = "https://w3id.org/pia-kg/id/"
IANA = "https://www.iana.org/assignments/media-types/"


@pytest.fixture(scope="module")
def store() -> Any:
    return store_for(repository()[1])


@pytest.fixture(scope="module")
def package(store: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("package") / "tables"
    write_package(store, folder)
    return folder


def _rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / f"{name}.csv").open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def _descriptor(folder: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((folder / PACKAGE_FILE).read_text(encoding="utf-8"))
    return loaded


def _copy(package: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(package, copy)
    return copy


# ---- Frictionless ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_frictionless_library_finds_the_package_valid(package: Path) -> None:
    report = frictionless.validate(str(package / PACKAGE_FILE))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert {task.name for task in report.tasks} == {table.name for table in TABLES}


@pytest.mark.slow
def test_frictionless_command_finds_the_package_valid(package: Path) -> None:
    command = Path(sys.executable).parent / "frictionless"
    if not command.exists():
        pytest.skip(f"{command} is not installed: pip install -e '.[test]' installs frictionless")
    done = subprocess.run(
        [str(command), "validate", "--json", PACKAGE_FILE],
        cwd=package,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert json.loads(done.stdout)["valid"] is True


def test_a_broken_foreign_key_and_a_changed_byte_are_reported(package: Path, tmp_path: Path) -> None:
    copy = _copy(package, tmp_path)
    parties = (copy / "agreement_parties.csv").read_text(encoding="utf-8")
    broken = parties.replace(f"{ID}organisation/current-ai,", f"{ID}organisation/nobody,")
    assert broken != parties
    (copy / "agreement_parties.csv").write_text(broken, encoding="utf-8", newline="")
    report = frictionless.validate(str(copy / PACKAGE_FILE))
    found = {error[0] for error in report.flatten(["type"])}
    assert "foreign-key" in found
    assert (
        "hash-count" in found or "byte-count" in found
    )  # the descriptor records each file's size and sha256


# ---- what the tables hold ---------------------------------------------------------------------------------


def test_every_foreign_key_points_at_a_row_of_its_table(package: Path) -> None:
    descriptor = _descriptor(package)
    keys = {resource["name"]: resource["schema"] for resource in descriptor["resources"]}
    checked = 0
    for name, schema in keys.items():
        rows = _rows(package, name)
        for foreign in schema.get("foreignKeys", []):
            target = foreign["reference"]["resource"] or name
            known = {row[foreign["reference"]["fields"]] for row in _rows(package, target)}
            for row in rows:
                value = row[foreign["fields"]]
                assert value == "" or value in known, (name, foreign["fields"], value)
                checked += value != ""
    assert checked > 100


def test_the_tables_hold_the_facts_of_the_repository_with_their_sources(package: Path) -> None:
    parties = {row["agent"]: row for row in _rows(package, "agreement_parties")}
    morocco = parties[f"{ID}organisation/gouvernement-maroc"]
    assert morocco["party_as_stated"] == "le Maroc" and morocco["party_as_stated_lang"] == "fr"
    assert morocco["agreement"] == f"{ID}agreement/mou-maroc-current-ai-2025"
    assert morocco["source"] == f"{ID}doc/pr-2025-07-current-ai-maroc"
    funding = {row["iri"]: row for row in _rows(package, "funding_commitments")}
    initial = funding[f"{ID}funding/current-ai--investissement-initial"]
    assert (initial["amount"], initial["currency"], initial["assumed_currency"]) == ("400000000", "", "USD")
    moroccan = funding[f"{ID}funding/gouvernement-maroc--current-ai--2025"]
    assert moroccan["amount"] == "" and moroccan["funders_complete"] == "true"  # the source gives no amount
    statements = {row["iri"]: row for row in _rows(package, "statements")}
    unnamed = statements[f"{ID}statement/pr-2025-07-current-ai-maroc--1159-1425"]
    assert unnamed["speaker"] == "" and unnamed["candidate_speaker"] == f"{ID}person/martin-tisne"
    assert (unnamed["date"], unnamed["date_precision"]) == ("2025-07", "gYearMonth")
    spans = [
        row
        for row in _rows(package, "evidence")
        if row["subject"] == f"{ID}statement/pr-2025-07-current-ai-maroc--1429-1891"
    ]
    assert [(row["start"], row["end"]) for row in spans] == [("1429", "1581"), ("1635", "1891")]
    organisations = {row["iri"]: row for row in _rows(package, "organisations")}
    assert organisations[f"{ID}organisation/gouvernement-maroc"]["label_fr"] == "Gouvernement marocain"


def test_spans_are_the_source_text_between_their_code_point_offsets(package: Path, source_text: str) -> None:
    rows = _rows(package, "evidence")
    assert rows
    for row in rows:
        assert source_text[int(row["start"]) : int(row["end"])] == row["exact"]


def test_descriptor_takes_name_licence_and_sources_from_the_graph(package: Path) -> None:
    descriptor = _descriptor(package)
    assert (descriptor["name"], descriptor["profile"]) == ("pia-kg", "tabular-data-package")
    assert descriptor["licenses"] == [{"path": "https://creativecommons.org/licenses/by/4.0/"}]
    assert [source["path"] for source in descriptor["sources"]] == [f"{ID}doc/pr-2025-07-current-ai-maroc"]
    for resource in descriptor["resources"]:
        data = (package / resource["path"]).read_bytes()
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert data.decode("utf-8").split("\r\n")[0].split(",") == [
            f["name"] for f in resource["schema"]["fields"]
        ]


def test_readme_lists_every_table_with_its_row_count(package: Path) -> None:
    counts = row_counts({path.name: path.read_bytes() for path in package.iterdir()})
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Tables: a Frictionless Data Package", 1)[1].split("\n### ", 1)[0]
    listed = {
        cells[1].strip("` "): int(cells[2])
        for line in section.splitlines()
        if line.startswith("| `") and len(cells := line.split("|")) > 3
    }
    assert listed == counts
    assert f"{len(TABLES)} tables, {sum(counts.values())} rows" in section


# ---- the way back --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_csv_back_to_rdf_gives_the_facts_the_tables_were_written_from(package: Path, store: Any) -> None:
    back = package_to_rdf(package)
    expected = covered_facts(store)
    assert len(back) == len(expected) > 700
    assert isomorphic(back, expected)


def test_every_fact_of_the_data_is_in_the_tables_but_the_two_documented_ones(store: Any) -> None:
    """org:holds is the inverse of the posts' held_by; the document's second class, schema:NewsArticle, is
    outside the pia class tree that the type column holds (README, "Tables")."""
    covered = covered_facts(store)
    assert uncovered_predicates(store, covered) == {"org:holds": 2, "rdf:type": 1}
    document = URIRef(f"{ID}doc/pr-2025-07-current-ai-maroc")
    assert (document, RDF.type, SCHEMA.NewsArticle) not in covered
    assert (URIRef(f"{ID}person/martin-tisne"), ORG.holds, None) not in covered


def test_a_changed_cell_changes_the_facts_read_back(package: Path, store: Any, tmp_path: Path) -> None:
    copy = _copy(package, tmp_path)
    text = (copy / "evidence.csv").read_text(encoding="utf-8")
    (copy / "evidence.csv").write_text(
        text.replace(",1429,1581,", ",1429,1582,"), encoding="utf-8", newline=""
    )
    back = package_to_rdf(copy)
    assert not isomorphic(back, covered_facts(store))
    assert Literal(1582) in set(back.objects())


# ---- determinism and the command ------------------------------------------------------------------------


def _export(runner: CliRunner, folder: Path, *extra: str) -> Any:
    return runner.invoke(
        cli, ["--project", str(REPO_ROOT), "export", "-f", "datapackage", "-o", str(folder), *extra]
    )


def test_two_exports_write_the_same_bytes(runner: CliRunner, tmp_path: Path, package: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    assert _export(runner, first).exit_code == 0
    result = _export(runner, second)
    assert result.exit_code == 0, result.output
    assert "18 tables" in result.stderr and result.stdout == ""
    names = sorted(path.name for path in first.iterdir())
    assert (
        names
        == sorted(path.name for path in second.iterdir())
        == sorted(path.name for path in package.iterdir())
    )
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes() == (package / name).read_bytes(), (
            name
        )
    assert _export(runner, first).exit_code == 0  # a package folder is replaced by the new one
    assert sorted(path.name for path in first.iterdir()) == names


def test_without_output_folder_exit_2(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--project", str(REPO_ROOT), "export", "-f", "datapackage"])
    assert result.exit_code == 2
    assert "-o is required" in result.stderr and result.stdout == ""


def test_a_folder_that_is_not_a_package_is_left_alone(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me", encoding="utf-8")
    result = _export(runner, folder)
    assert result.exit_code == 2 and "holds no datapackage.json" in result.stderr
    assert [path.name for path in folder.iterdir()] == ["notes.txt"]


def test_a_folder_under_a_file_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("", encoding="utf-8")
    result = _export(runner, tmp_path / "plain" / "tables")
    assert result.exit_code == 2 and "no such folder" in result.stderr


def test_an_unwritable_parent_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    parent = tmp_path / "locked"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        if os.access(parent, os.W_OK):
            pytest.skip("this user can write any folder (root): permissions cannot make one unwritable")
        result = _export(runner, parent / "tables")
        assert result.exit_code == 2 and "cannot be written" in result.stderr
        assert list(parent.iterdir()) == []
    finally:
        parent.chmod(0o755)


def test_a_value_that_needs_two_cells_exit_2_and_the_old_package_stays(
    runner: CliRunner, tmp_path: Path, package: Path
) -> None:
    root = tmp_path / "repo"
    shutil.copytree(REPO_ROOT / "ontology", root / "ontology")
    (root / "data").mkdir()
    (root / "queries").mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'fixture'\n", encoding="utf-8")
    (root / "data" / "people.ttl").write_text(
        TURTLE_PREFIXES + 'person:ada a pia:Person ; schema:name "Ada" , "Ada L." .\n', encoding="utf-8"
    )
    folder = _copy(package, tmp_path)
    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    result = runner.invoke(cli, ["--project", str(root), "export", "-f", "datapackage", "-o", str(folder)])
    assert result.exit_code == 2, result.output
    assert "table people" in result.stderr and "more than one value for name" in result.stderr
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".copy.")]


# ---- the build ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_build_publishes_the_package_and_describes_it_as_distributions(package: Path) -> None:
    from rdflib import Graph

    result = built_site()
    folder = result.output_dir / "datapackage"
    assert sorted(path.name for path in folder.iterdir()) == sorted(path.name for path in package.iterdir())
    description = Graph().parse(result.output_dir / "dataset.ttl")
    media = [
        str(description.value(distribution, DCAT.mediaType)).removeprefix(IANA)
        for distribution in description.objects(None, DCAT.distribution)
    ]
    assert media.count("text/csv") == len(TABLES) and media.count("application/json") == 1
    package_json = URIRef("https://pia-kg.example.org/site/datapackage/datapackage.json")
    distribution = description.value(None, DCAT.downloadURL, package_json)
    assert distribution is not None
    assert description.value(distribution, DCTERMS.conformsTo) == URIRef(
        "https://specs.frictionlessdata.io/tabular-data-package/"
    )
    assert (None, VOID.dataDump, package_json) not in description  # a table is not an RDF dump
