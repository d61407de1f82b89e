"""Each rule or shape runs against its fixture in tests/fixtures/rules (ARCHITECTURE.md, rule 5).

A fixture is a Turtle file validated beside the real data/ with the real ontology, shapes and rule queries, so
that it can refer to the real source document and people. Comment lines say what must happen:

    # SHOULD TRIGGER: <curie> <rule-or-shape-id>   the node is reported for that rule (shape or query id)
    # SHOULD NOT TRIGGER: <curie>                  the node is not reported at all

Prefixes are the file's own @prefix lines, then the project's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import URIRef

from pia_kg.check.validation import ValidationReport, validate
from pia_kg.graph.loading import load
from pia_kg.project import Project
from pia_kg.rdf.namespaces import PREFIXES, expand_curie
from pia_kg.rdf.parsing import read_prefixes

from .conftest import FIXTURES, REPO_ROOT, SOURCES_DIR

RULES_DIR = FIXTURES / "rules"
RULE_FILES = sorted(RULES_DIR.glob("*.ttl"))
_EXPECTATION = re.compile(r"^\s*#\s*SHOULD\s+(NOT\s+)?TRIGGER\s*:\s*(\S+)(?:\s+(\S+))?", re.IGNORECASE)


@dataclass(frozen=True)
class Expectation:
    line: int
    node: URIRef
    triggers: bool
    rule: str | None


def read_expectations(path: Path) -> list[Expectation]:
    text = path.read_text(encoding="utf-8")
    prefixes = {**PREFIXES, **read_prefixes(text)}
    expectations = []
    for number, line in enumerate(text.split("\n"), start=1):
        match = _EXPECTATION.match(line)
        if match is None:
            continue
        node = expand_curie(match.group(2), prefixes=prefixes)
        assert node is not None, f"{path.name}:{number}: unknown prefix in {match.group(2)!r}"
        rule = match.group(3)
        if rule and ":" in rule:
            rule = rule.rsplit(":", 1)[1]
        expectations.append(Expectation(number, node, match.group(1) is None, rule))
    return expectations


def reported(report: ValidationReport, node: URIRef) -> list[str]:
    return sorted({finding.rule for finding in report.findings if finding.focus == node})


def test_there_are_rule_fixtures() -> None:
    assert RULE_FILES, (
        f"no rule fixtures in {RULES_DIR.relative_to(REPO_ROOT)}: every rule and shape needs one"
    )


@pytest.mark.parametrize("path", RULE_FILES, ids=[path.stem for path in RULE_FILES])
def test_rule_fixture(path: Path) -> None:
    expectations = read_expectations(path)
    assert expectations, f"{path.name} has no '# SHOULD TRIGGER:' or '# SHOULD NOT TRIGGER:' line"
    project = Project(REPO_ROOT, SOURCES_DIR)
    kg = load(project, data_paths=[project.data_dir, path])
    report = validate(kg, sources_dir=SOURCES_DIR, queries_dir=project.queries_dir, root=project.root)
    problems = []
    for expected in expectations:
        rules = reported(report, expected.node)
        where = f"{path.name}:{expected.line}"
        if expected.triggers and expected.rule is None and not rules:
            problems.append(f"{where}: {expected.node} should be reported, but nothing was")
        elif expected.triggers and expected.rule is not None and expected.rule not in rules:
            problems.append(
                f"{where}: {expected.node} should trigger {expected.rule}; reported: {rules or 'nothing'}"
            )
        elif not expected.triggers and rules:
            problems.append(f"{where}: {expected.node} should not be reported; reported: {rules}")
    assert not problems, "\n".join(problems)


def test_expectations_are_read_with_the_file_prefixes(tmp_path: Path) -> None:
    path = tmp_path / "sample.ttl"
    path.write_text(
        "@prefix ex: <http://example.org/> .\n"
        "# SHOULD TRIGGER: ex:a pias:Person-name\n# SHOULD NOT TRIGGER: person:b\n"
    )
    assert read_expectations(path) == [
        Expectation(2, URIRef("http://example.org/a"), True, "Person-name"),
        Expectation(3, URIRef("https://w3id.org/pia-kg/id/person/b"), False, None),
    ]
