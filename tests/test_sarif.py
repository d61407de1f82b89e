"""SARIF 2.1.0 from `validate` and `report`: the properties code-hosting platforms need, checked offline."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from pia_kg.cli.main import cli

from .conftest import REPO_ROOT, SOURCES_DIR, TURTLE_PREFIXES

LEVELS = {"error", "warning", "note", "none"}


def check_sarif(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The structural rules of SARIF 2.1.0 that upload tools rely on; returns the results."""
    assert document["version"] == "2.1.0"
    assert document["$schema"].endswith("sarif-2.1.0.json")
    assert isinstance(document["runs"], list) and len(document["runs"]) == 1
    run = document["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "pia-kg"
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert rule_ids == sorted(set(rule_ids))
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["help"]["text"]
    for result in run["results"]:
        assert result["ruleId"] in rule_ids
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in LEVELS
        assert result["message"]["text"]
        assert result["locations"], "every result has a location"
        for location in result["locations"]:
            physical = location.get("physicalLocation")
            if physical is not None:
                uri = physical["artifactLocation"]["uri"]
                assert not uri.startswith("/") and "://" not in uri, uri
                line = physical["region"]["startLine"]
                assert isinstance(line, int) and line >= 1
    return list(run["results"])


def test_validate_writes_sarif_with_a_located_error_per_violation(tiny_project, runner: CliRunner) -> None:
    (tiny_project.data_dir / "bad.ttl").write_text(
        TURTLE_PREFIXES + "\nperson:bob a foaf:Person .\n", encoding="utf-8"
    )
    result = runner.invoke(cli, ["--project", str(tiny_project.root), "validate", "--format", "sarif"])
    assert result.exit_code == 1
    results = check_sarif(json.loads(result.stdout))
    bob = [item for item in results if item["level"] == "error"]
    physical = bob[0]["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "data/bad.ttl"
    assert physical["region"]["startLine"] == TURTLE_PREFIXES.count("\n") + 2


def test_validate_sarif_names_a_blank_node_the_same_every_run(tiny_project, runner: CliRunner) -> None:
    (tiny_project.data_dir / "bad.ttl").write_text(
        TURTLE_PREFIXES + "\nperson:bob schema:knows [ a foaf:Person ] .\n", encoding="utf-8"
    )
    args = ["--project", str(tiny_project.root), "validate", "--format", "sarif"]
    first, second = runner.invoke(cli, args), runner.invoke(cli, args)
    assert first.exit_code == 1
    assert first.stdout == second.stdout
    (result,) = check_sarif(json.loads(first.stdout))
    assert result["locations"][0]["logicalLocations"] == [{"fullyQualifiedName": "[]"}]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "data/bad.ttl"


def test_validate_sarif_of_the_repository_is_valid_and_empty(runner: CliRunner) -> None:
    args = ["--project", str(REPO_ROOT), "--sources", str(SOURCES_DIR), "validate", "-f", "sarif"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0
    assert check_sarif(json.loads(result.stdout)) == []


@pytest.mark.slow
def test_report_sarif_has_a_rule_per_quality_check_and_notes_for_infos(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--project", str(REPO_ROOT), "report", "-f", "sarif"])
    document = json.loads(result.stdout)
    results = check_sarif(document)
    rules = {rule["id"]: rule for rule in document["runs"][0]["tool"]["driver"]["rules"]}
    assert {"missing-label", "rule-http-schema-org", "unused-term"} <= set(rules)
    assert rules["unused-term"]["defaultConfiguration"]["level"] == "note"
    assert all(item["level"] == "note" for item in results)
