"""The quality report (issue 7, `pia-kg report`): offline checks in the spirit of ROBOT report and OOPS!.

Each check is a SPARQL SELECT in queries/quality/<check>.rq, or one of the rule queries of `pia-kg validate`
(queries/rule-*.rq, run as there over ontology and data), with a `# title:`, `# description:` and `# hint:`
header, selecting ?focus and ?message (and optionally ?path). Its severity (error, warning or info) is set in
one profile file, ontology/quality-profile.toml. The checks run over one dataset whose default graph is the
union of everything, with one named graph per kind of file, so that a check can say where a triple must be:
`GRAPH <urn:pia-kg:kind:data> { ... }` (also `ontology` and `shapes`).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import URIRef

from pia_kg.check.findings import Finding, in_order
from pia_kg.check.validation import read_query, rule_queries
from pia_kg.errors import ConfigError, QueryError
from pia_kg.graph.loading import KnowledgeGraph
from pia_kg.graph.store_graph import StoreGraph
from pia_kg.project import Project
from pia_kg.rdf.namespaces import compact_iri
from pia_kg.security.limits import check_rows, run_limited
from pia_kg.sparql.text import check_oxigraph_query

LEVELS = ("error", "warning", "info")
KIND_GRAPH = "urn:pia-kg:kind:"
PROFILE_NAME = "quality-profile.toml"


@dataclass(frozen=True)
class Check:
    """One quality check: its query file, header and severity."""

    name: str
    relpath: str
    title: str
    description: str
    hint: str
    severity: str
    text: str
    is_rule: bool = False
    """A rule query of `pia-kg validate`: it runs, as there, over the ontology and data without the shapes."""


@dataclass(frozen=True)
class QualityReport:
    """The checks that ran and their findings, in the order of findings.py (severity, check, file, line)."""

    checks: tuple[Check, ...]
    findings: tuple[Finding, ...]

    def count(self, severity: str) -> int:
        return sum(1 for finding in self.findings if finding.severity == severity)

    def fails(self, fail_on: str) -> bool:
        """True if any finding is at least as severe as `fail_on`."""
        limit = LEVELS.index(fail_on)
        return any(LEVELS.index(finding.severity) <= limit for finding in self.findings)


def quality_dir(project: Project) -> Path:
    return project.queries_dir / "quality"


def read_profile(project: Project) -> dict[str, str]:
    """The `[severity]` table of ontology/quality-profile.toml: check name -> error, warning or info."""
    path = project.ontology_dir / PROFILE_NAME
    relpath = project.relative(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ConfigError(f"{relpath}: no such file", hint="Restore the quality profile.") from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{relpath}: not valid TOML: {err}", hint="Fix the profile file.") from err
    table = document.get("severity", {})
    for name, level in table.items():
        if level not in LEVELS:
            raise ConfigError(
                f"{relpath}: {name} has severity {level!r}", hint=f"Use one of {', '.join(LEVELS)}."
            )
    return {str(name): str(level) for name, level in table.items()}


def read_checks(project: Project) -> list[Check]:
    """Every queries/quality/*.rq and every rule query (queries/*.rq with `# expect: empty`, which
    `pia-kg validate` also runs) with its severity; the checks and the profile must agree on the names."""
    profile = read_profile(project)
    folder = quality_dir(project)
    paths = sorted(folder.glob("*.rq"), key=lambda path: path.name) if folder.is_dir() else []
    rules = rule_queries(project.queries_dir)
    checks = []
    for query in [*(read_query(path, relpath=project.relative(path)) for path in paths), *rules]:
        if query.name not in profile:
            raise ConfigError(
                f"{query.relpath}: no severity for check {query.name!r} in ontology/{PROFILE_NAME}",
                hint=f'Add `{query.name} = "warning"` (or error, info) under [severity].',
            )
        checks.append(
            Check(
                name=query.name,
                relpath=query.relpath,
                title=query.title,
                description=query.header.get("description", ""),
                hint=query.header.get("hint", ""),
                severity=profile[query.name],
                text=query.text,
                is_rule=query.is_rule,
            )
        )
    unknown = sorted(set(profile) - {check.name for check in checks})
    if unknown:
        raise ConfigError(
            f"ontology/{PROFILE_NAME}: no query for {', '.join(unknown)} in queries/quality/ or queries/",
            hint="Remove the line from the profile, or add the query.",
        )
    return checks


def kind_store(graph: StoreGraph) -> Any:
    """A pyoxigraph store with each kind (ontology, shapes, data) in its own named graph; queried with the
    union of the named graphs as its default graph, it holds everything."""
    import pyoxigraph as ox

    from pia_kg.rdf.terms import to_oxigraph

    store = ox.Store()
    for kind, identifiers in (("ontology", graph.ontology_ids), ("data", graph.data_ids)):
        name = ox.NamedNode(KIND_GRAPH + kind)
        for identifier in identifiers:
            found = graph.store.quads_for_pattern(None, None, None, ox.NamedNode(str(identifier)))
            store.extend(ox.Quad(quad.subject, quad.predicate, quad.object, name) for quad in found)
    shapes = ox.NamedNode(KIND_GRAPH + "shapes")
    store.extend(
        ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), shapes) for s, p, o in graph.shapes
    )
    return store


def run_report(graph: KnowledgeGraph | StoreGraph, project: Project) -> QualityReport:
    """Run every quality check over the project, on Oxigraph, and locate each finding."""
    stored = graph if isinstance(graph, StoreGraph) else StoreGraph.from_knowledge_graph(graph)
    checks = read_checks(project)
    kinds = kind_store(stored)
    findings = [
        finding
        for check in checks
        for finding in _run_check(stored, stored.store if check.is_rule else kinds, check)
    ]
    return QualityReport(tuple(checks), in_order(findings))


def _run_check(graph: StoreGraph, store: Any, check: Check) -> list[Finding]:
    """One check under the guards and limits of every query (not SPARQL at file:line:col, SERVICE, FROM,
    updates refused; time and rows limited), on `store`: the rules over ontology and data, as `validate` runs
    them, the other checks over every kind."""
    check_oxigraph_query(check.text, relpath=check.relpath)  # parsed here once: the child inherits the parse
    rows = run_limited(_check_rows, store, check.text, check.relpath, what=f"check {check.name}")
    check_rows(len(rows))
    findings = []
    for focus_value, path, message in rows:
        focus = URIRef(focus_value) if isinstance(focus_value, str) else focus_value
        where = graph.location(focus)
        findings.append(
            Finding(
                severity=check.severity,
                rule=check.name,
                focus=focus,
                focus_label=graph.label(focus),
                path=compact_iri(path) if path is not None else None,
                value=None,
                message=message if message is not None else check.title,
                hint=check.hint,
                file=where[0] if where else None,
                line=where[1] if where else None,
            )
        )
    return findings


def _check_rows(store: Any, text: str, relpath: str) -> list[tuple[Any, str | None, str | None]]:
    """A check's rows as (focus, path IRI, message) in plain values (they cross a process boundary under a
    time limit): the focus an IRI's text, or a blank node; rows without a focus are left out."""
    import pyoxigraph as ox

    from pia_kg.rdf.terms import to_rdflib
    from pia_kg.sparql.engine import raw_answer

    answer = raw_answer(store, text, None, relpath=relpath)
    if not isinstance(answer, ox.QuerySolutions):
        raise QueryError(f"{relpath}: a check must be a SELECT query", hint="Rewrite it as SELECT ?focus ...")
    names = {variable.value for variable in answer.variables}
    rows = []
    for solution in answer:
        focus = solution["focus"] if "focus" in names else None
        if focus is None:
            continue
        path = solution["path"] if "path" in names else None
        message = solution["message"] if "message" in names else None
        rows.append(
            (
                focus.value if type(focus) is ox.NamedNode else to_rdflib(focus),
                path.value if type(path) is ox.NamedNode else None,
                message.value if message is not None and message.value else None,
            )
        )
    return rows


# ---------------------------------------------------------------- renderers


def summary_line(report: QualityReport) -> str:
    """E.g. `0 errors, 3 warnings, 12 infos`."""
    return ", ".join(
        f"{report.count(level)} {level}{'' if report.count(level) == 1 else 's'}" for level in LEVELS
    )


def _who(finding: Finding) -> str:
    return f"{finding.focus_label} ({finding.focus_curie})" if finding.focus_label else finding.focus_curie


def _where(finding: Finding) -> str:
    return f"{finding.file}:{finding.line}" if finding.file else "-"


def render_text(report: QualityReport) -> str:
    """Findings grouped by check, one line each, with the fix once per check."""
    lines: list[str] = []
    titles = {check.name: check for check in report.checks}
    for check_name, severity, group in _groups(report):
        check = titles[check_name]
        lines.append(f"{severity}  {check_name}  ({len(group)})  {check.title}")
        for finding in group:
            path = f"  {finding.path}" if finding.path else ""
            lines.append(f"  {_where(finding)}  {_who(finding)}{path}  {finding.message}")
        lines.append(f"  fix: {check.hint}")
        lines.append("")
    lines.append(f"Quality report: {summary_line(report)}")
    return "\n".join(lines) + "\n"


def _groups(report: QualityReport) -> list[tuple[str, str, list[Finding]]]:
    groups: dict[tuple[str, str], list[Finding]] = {}
    for finding in report.findings:
        groups.setdefault((finding.rule, finding.severity), []).append(finding)
    return [(check, severity, group) for (check, severity), group in groups.items()]


def render_markdown(report: QualityReport) -> str:
    """A Markdown summary table of the checks, then one table of findings per check that found something."""
    lines = ["# Quality report", "", summary_line(report), ""]
    lines += ["| check | severity | findings |", "|---|---|---|"]
    counts = {name: len(group) for name, _, group in _groups(report)}
    for check in sorted(report.checks, key=lambda item: (LEVELS.index(item.severity), item.name)):
        lines.append(f"| {check.title} (`{check.name}`) | {check.severity} | {counts.get(check.name, 0)} |")
    titles = {check.name: check for check in report.checks}
    for check_name, severity, group in _groups(report):
        check = titles[check_name]
        lines += ["", f"## {check.title} ({severity})", "", check.description, "", f"Fix: {check.hint}", ""]
        lines += ["| where | resource | message |", "|---|---|---|"]
        for finding in group:
            message = finding.message.replace("|", "\\|")
            lines.append(f"| `{_where(finding)}` | {_who(finding)} | {message} |")
    return "\n".join(lines) + "\n"


def render_json(report: QualityReport) -> str:
    """`counts`, `checks` and `findings`, keys sorted, indent 2."""
    document = {
        "counts": {level: report.count(level) for level in LEVELS},
        "checks": [
            {
                "name": check.name,
                "title": check.title,
                "description": check.description,
                "hint": check.hint,
                "severity": check.severity,
            }
            for check in report.checks
        ],
        "findings": [
            {
                "check": finding.rule,
                "severity": finding.severity,
                "focus": finding.focus_iri,
                "focus_curie": finding.focus_curie,
                "label": finding.focus_label,
                "path": finding.path,
                "message": finding.message,
                "hint": finding.hint,
                "file": finding.file,
                "line": finding.line,
            }
            for finding in report.findings
        ],
    }
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
