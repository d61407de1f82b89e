"""SARIF 2.1.0 output for `validate --format sarif` and `report --format sarif` (issue 7).

Code-hosting platforms read SARIF to annotate a pull request at the file and line of each finding. Locations
are repo-relative URIs against %SRCROOT%; a finding whose resource is written nowhere (a blank node without a
holder, say) has only a logical location, named by its CURIE. Output is deterministic: rules sorted by id,
results in the report's order, keys sorted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pia_kg import __version__

if TYPE_CHECKING:
    from pia_kg.check.report import QualityReport
    from pia_kg.check.validation import ValidationReport

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://w3id.org/pia-kg/"
LEVELS = {"Violation": "error", "Warning": "warning", "Info": "note", "error": "error", "warning": "warning"}


@dataclass(frozen=True)
class Rule:
    """A SARIF reportingDescriptor."""

    id: str
    short: str
    help: str
    level: str
    full: str = ""


@dataclass(frozen=True)
class Result:
    """A SARIF result: the rule, its level, the message, and where."""

    rule: str
    level: str
    message: str
    resource: str
    file: str | None
    line: int | None


def sarif_level(severity: str) -> str:
    """error, warning or note, from a SHACL severity or a quality level."""
    return LEVELS.get(severity, "note")


def render_sarif(rules: Iterable[Rule], results: Iterable[Result]) -> str:
    """One SARIF run of the pia-kg driver, as JSON with sorted keys."""
    ordered = sorted({rule.id: rule for rule in rules}.values(), key=lambda rule: rule.id)
    index = {rule.id: number for number, rule in enumerate(ordered)}
    document = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "pia-kg",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule(rule) for rule in ordered],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The repository root."}}},
                "results": [_result(result, index) for result in results],
            }
        ],
    }
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _rule(rule: Rule) -> dict[str, Any]:
    described: dict[str, Any] = {
        "id": rule.id,
        "name": rule.id,
        "shortDescription": {"text": rule.short or rule.id},
        "help": {"text": rule.help or rule.short or rule.id},
        "defaultConfiguration": {"level": rule.level},
    }
    if rule.full:
        described["fullDescription"] = {"text": rule.full}
    return described


def _result(result: Result, index: dict[str, int]) -> dict[str, Any]:
    location: dict[str, Any] = {"logicalLocations": [{"fullyQualifiedName": result.resource}]}
    if result.file:
        location["physicalLocation"] = {
            "artifactLocation": {"uri": result.file, "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": max(1, result.line or 1)},
        }
    return {
        "ruleId": result.rule,
        "ruleIndex": index[result.rule],
        "level": result.level,
        "message": {"text": result.message},
        "locations": [location],
    }


def validation_sarif(report: ValidationReport) -> str:
    """SARIF for a validation.ValidationReport: one rule per shape, rule query or citation check."""
    rules: dict[str, Rule] = {}
    results = []
    for finding in report.findings:
        level = sarif_level(finding.severity)
        if finding.rule not in rules:
            rules[finding.rule] = Rule(finding.rule, finding.message, finding.hint or "", level)
        # a blank node is `[]`, as in the text report: its store label changes from one load to the next
        resource = finding.focus_label or finding.focus_iri or finding.focus_curie
        results.append(Result(finding.rule, level, finding.message, resource, finding.file, finding.line))
    return render_sarif(rules.values(), results)


def report_sarif(report: QualityReport) -> str:
    """SARIF for a report.QualityReport: one rule per quality check, with its title, description and fix."""
    rules = [
        Rule(check.name, check.title, check.hint, sarif_level(check.severity), check.description)
        for check in report.checks
    ]
    results = [
        Result(
            finding.rule,
            sarif_level(finding.severity),
            f"{finding.focus_curie}: {finding.message}",
            finding.focus_curie,
            finding.file,
            finding.line,
        )
        for finding in report.findings
    ]
    return render_sarif(rules, results)
