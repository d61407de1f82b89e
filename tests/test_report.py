"""`pia-kg report`: quality checks as SPARQL files, severities in one profile, findings located with a fix."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner, Result

from pia_kg.cli.main import cli
from pia_kg.project import Project

from .conftest import REPO_ROOT, write_project

PROFILE = "quality-profile.toml"

ONTOLOGY = """
<https://w3id.org/pia-kg/ns> a owl:Ontology ; dcterms:license <https://creativecommons.org/licenses/by/4.0/> .
pia:Person a owl:Class ; rdfs:subClassOf foaf:Person ;
    rdfs:label "personne"@fr , "person"@en ; skos:definition "Personne."@fr , "A person."@en .
pia:Orphan a owl:Class ; rdfs:label "orphelin"@fr , "orphan"@en ;
    skos:definition "Orphelin."@fr , "Orphan."@en .
foaf:Person a owl:Class .
schema:name a owl:DatatypeProperty .
prov:wasDerivedFrom a owl:ObjectProperty .
"""
DATA = """
person:ada a pia:Person ; schema:name "Ada " ; prov:wasDerivedFrom doc:d .
person:Bad-IRI a pia:Person ; schema:name "Bad" ; prov:wasDerivedFrom doc:d .
person:eve a pia:Person ; schema:name "Eve" ; <http://schema.org/email> "eve@example.org" .
"""


@pytest.fixture
def quality_project(tmp_path) -> Project:  # type: ignore[no-untyped-def]
    project = write_project(tmp_path / "q", ontology=ONTOLOGY, shapes="", data={"people.ttl": DATA})
    shutil.copytree(REPO_ROOT / "queries" / "quality", project.queries_dir / "quality")
    for rule in (REPO_ROOT / "queries").glob("rule-*.rq"):
        shutil.copy(rule, project.queries_dir / rule.name)
    shutil.copy(REPO_ROOT / "ontology" / PROFILE, project.ontology_dir / PROFILE)
    return project


def report(runner: CliRunner, project: Project, *args: str) -> Result:
    return runner.invoke(cli, ["--project", str(project.root), "report", *args])


@pytest.fixture(scope="module")
def repository_json() -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(cli, ["--project", str(REPO_ROOT), "report", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.mark.slow
def test_the_repository_passes_the_report_with_fail_on_error(repository_json: dict) -> None:  # type: ignore[type-arg]
    assert repository_json["counts"]["error"] == 0


@pytest.mark.slow
def test_every_check_has_a_title_description_hint_and_severity(repository_json: dict) -> None:  # type: ignore[type-arg]
    names = {check["name"] for check in repository_json["checks"]}
    assert len(names) == 14
    for check in repository_json["checks"]:
        assert check["title"] and check["description"] and check["hint"], check["name"]
        assert check["severity"] in {"error", "warning", "info"}


@pytest.mark.slow
def test_findings_name_the_resource_its_file_and_line_and_the_fix(
    quality_project: Project, runner: CliRunner
) -> None:
    result = report(runner, quality_project, "-f", "json")
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["findings"]
    by_check: dict[str, list[dict]] = {}  # type: ignore[type-arg]
    for finding in findings:
        by_check.setdefault(finding["check"], []).append(finding)
    assert [f["focus_curie"] for f in by_check["rule-http-schema-org"]] == ["person:eve"]
    assert [f["focus_curie"] for f in by_check["rule-iri-policy"]] == ["person:Bad-IRI"]
    assert [f["focus_curie"] for f in by_check["rule-resource-without-provenance"]] == ["person:eve"]
    assert [f["focus_curie"] for f in by_check["literal-whitespace"]] == ["person:ada"]
    assert [f["focus_curie"] for f in by_check["class-without-external-superclass"]] == ["pia:Orphan"]
    assert "pia:Orphan" in [f["focus_curie"] for f in by_check["unused-term"]]
    eve = by_check["rule-http-schema-org"][0]
    assert eve["file"] == "data/people.ttl" and eve["line"] > 1 and eve["hint"]


@pytest.mark.slow
def test_fail_on_sets_the_lowest_severity_that_exits_1(quality_project: Project, runner: CliRunner) -> None:
    assert report(runner, quality_project, "--fail-on", "error").exit_code == 1
    profile = quality_project.ontology_dir / PROFILE
    text = profile.read_text(encoding="utf-8")
    profile.write_text(text.replace('"error"', '"info"').replace('"warning"', '"info"'), encoding="utf-8")
    assert report(runner, quality_project, "--fail-on", "warning").exit_code == 0
    assert report(runner, quality_project, "--fail-on", "info").exit_code == 1


@pytest.mark.slow
def test_text_and_markdown_reports_group_findings_with_their_fix(
    quality_project: Project, runner: CliRunner
) -> None:
    text = report(runner, quality_project).stdout
    assert "error  rule-http-schema-org  (1)" in text
    assert "fix: Replace http://schema.org/" in text
    markdown = report(runner, quality_project, "-f", "markdown").stdout
    assert markdown.startswith("# Quality report\n")
    assert "| check | severity | findings |" in markdown


def test_a_check_without_a_severity_in_the_profile_exits_2(
    quality_project: Project, runner: CliRunner
) -> None:
    (quality_project.queries_dir / "quality" / "extra.rq").write_text(
        "# title: Extra\nSELECT ?focus WHERE { ?focus a ?t } ORDER BY ?focus\n", encoding="utf-8"
    )
    result = report(runner, quality_project)
    assert result.exit_code == 2
    assert "no severity for check 'extra'" in result.stderr


def test_an_unknown_severity_exits_2(quality_project: Project, runner: CliRunner) -> None:
    profile = quality_project.ontology_dir / PROFILE
    profile.write_text(profile.read_text(encoding="utf-8").replace('"info"', '"minor"'), encoding="utf-8")
    result = report(runner, quality_project)
    assert result.exit_code == 2
    assert "unused-term has severity 'minor'" in result.stderr


def _add_check(project: Project, name: str, text: str) -> None:
    path = project.queries_dir / "quality" / f"{name}.rq"
    path.write_text(f"# title: {name}\n{text}\n", encoding="utf-8")
    profile = project.ontology_dir / PROFILE
    profile.write_text(
        profile.read_text(encoding="utf-8").replace("[severity]\n", f'[severity]\n{name} = "info"\n'),
        encoding="utf-8",
    )


def test_a_check_with_service_is_refused_before_it_runs(quality_project: Project, runner: CliRunner) -> None:
    """`report` ran its SPARQL without the guards of every other query (issue 13 item 5)."""
    _add_check(
        quality_project,
        "remote",
        "SELECT ?focus WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?focus ?p ?o } }",
    )
    result = report(runner, quality_project)
    assert result.exit_code == 2, result.stderr
    assert "remote.rq" in result.stderr and "SERVICE" in result.stderr


@pytest.mark.slow
def test_a_check_obeys_the_row_and_time_limits(quality_project: Project, runner: CliRunner) -> None:
    _add_check(quality_project, "many", "SELECT ?focus WHERE { ?focus ?p ?o }")
    rows = runner.invoke(cli, ["--project", str(quality_project.root), "--max-rows", "5", "report"])
    assert rows.exit_code == 2, rows.stderr
    assert "more than 5 rows" in rows.stderr
    (quality_project.queries_dir / "quality" / "many.rq").write_text(
        "# title: many\nSELECT ?focus WHERE { ?focus ?p ?o . ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }\n",
        encoding="utf-8",
    )
    slow = runner.invoke(cli, ["--project", str(quality_project.root), "--timeout", "1", "report"])
    assert slow.exit_code == 2, slow.stderr
    assert "check many ran longer than 1 s" in slow.stderr


def test_the_report_reads_the_files_into_a_store_and_no_rdflib_graph_of_them(
    quality_project: Project, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`pia-kg report` loads the project as `validate` does (graph/store_graph.py); a KnowledgeGraph, when a
    caller has one, gives the very same report."""
    from pia_kg.check.report import render_json, run_report
    from pia_kg.graph import loading
    from pia_kg.graph.store_graph import load_checked

    expected = render_json(run_report(loading.load(quality_project), quality_project))
    assert render_json(run_report(load_checked(quality_project), quality_project)) == expected

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the report built an rdflib graph of the project")

    monkeypatch.setattr(loading, "load", refuse)
    result = report(runner, quality_project, "-f", "json")
    assert result.exit_code in (0, 1), result.stderr
    assert result.stdout == expected
