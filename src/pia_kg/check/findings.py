"""The one finding type of `pia-kg validate` and `pia-kg report`, its order and its CURIE.

A finding names what found it (`rule`: a shape, a rule query, a citation or literal check, or a quality check
of the report), the resource (`focus`, with its label), where it is written (`file`, `line`), the property and
value at fault where there is one, what is wrong and how to fix it. `severity` is a SHACL severity
(Violation, Warning, Info) in a validation report and a profile level (error, warning, info) in a quality
report; both rank from the most to the least severe.

One order serves both reports: severity, rule, file, line, focus, path, value, message. Every field that can
tell two findings apart is in it except the label (one per focus) and the hint (one per rule), so two findings
with the same key are the same finding, and the order never depends on the order the checks ran in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import BNode, URIRef
from rdflib.term import Node

from pia_kg.rdf.namespaces import compact_iri

SEVERITY_RANK = {"Violation": 0, "Warning": 1, "Info": 2, "error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem, located in a file and labelled for people."""

    severity: str
    rule: str
    focus: Node
    focus_label: str | None
    path: str | None
    value: str | None
    message: str
    hint: str | None
    file: str | None
    line: int | None

    def sort_key(self) -> tuple[int, str, str, int, str, str, str, str]:
        return (
            SEVERITY_RANK[self.severity],
            self.rule,
            self.file or "",
            self.line or 0,
            str(self.focus),
            self.path or "",
            self.value or "",  # two literals of one triple pattern on one line: same bytes every run
            self.message,
        )

    @property
    def focus_curie(self) -> str:
        """The focus as a CURIE where a project prefix fits, a blank node as `[]`."""
        if isinstance(self.focus, URIRef):
            return compact_iri(str(self.focus))
        return "[]" if isinstance(self.focus, BNode) else str(self.focus)

    @property
    def focus_iri(self) -> str | None:
        """The focus IRI; None for a blank node, whose label changes from one load to the next."""
        return str(self.focus) if isinstance(self.focus, URIRef) else None


def in_order(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """The findings in report order, each once (two checks may find the same thing): sorted by key (a stable
    sort), then duplicates dropped among those of one key, which is cheaper than hashing every finding."""
    keyed = sorted(((finding.sort_key(), finding) for finding in findings), key=lambda pair: pair[0])
    ordered: list[Finding] = []
    group_key: object = None
    group: list[Finding] = []
    for key, finding in keyed:
        if key != group_key:
            group_key, group = key, [finding]
            ordered.append(finding)
        elif finding not in group:
            group.append(finding)
            ordered.append(finding)
    return tuple(ordered)
