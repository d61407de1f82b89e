"""Validation: SHACL shapes, rule queries and the citation check, merged into one sorted report.

SHACL runs over the union of ontology and data (pySHACL validates named graphs separately, issue #152), with
inference "none" so that rdfs:domain/range never add types. Rule queries are saved SPARQL queries whose header
says `# expect: empty` (ROBOT verify semantics). Every check reads the graph from an Oxigraph store
(store_graph.py); ARCHITECTURE.md shows the whole flow.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from pia_kg.check.findings import Finding, in_order
from pia_kg.check.shacl_engines import DEFAULT_ENGINE, run_shacl
from pia_kg.check.shapes import (
    curie,
    english_first,
    local_name,
    render_path,
    shape_and_parents,
    shape_rule_id,
)
from pia_kg.check.sources import CITATION_TRIPLES, CitationIssue, check_citations
from pia_kg.errors import QueryError, ShapesError
from pia_kg.graph.loading import KnowledgeGraph
from pia_kg.graph.store_graph import StoreGraph
from pia_kg.rdf.namespaces import DCTERMS, PIA, PREFIXES, RDF, SH, bind_prefixes, compact_iri

SEVERITIES = ("Violation", "Warning", "Info")
_HEADER_LINE = re.compile(r"^#\s*([A-Za-z][\w@-]*)\s*:\s*(.*?)\s*$")


@dataclass(frozen=True)
class ValidationReport:
    """`conforms` is true when no finding is a Violation; warnings and infos never fail a plain run."""

    conforms: bool
    findings: tuple[Finding, ...]

    def count(self, severity: str) -> int:
        return sum(1 for finding in self.findings if finding.severity == severity)

    @property
    def violations(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity == "Violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity == "Warning"]


@dataclass(frozen=True)
class RuleQuery:
    """A saved query file with its `# key: value` header."""

    name: str
    relpath: str
    header: dict[str, str]
    text: str

    @property
    def is_rule(self) -> bool:
        return self.header.get("expect", "").strip().lower() == "empty"

    @property
    def title(self) -> str:
        return self.header.get("title", self.name)


def read_query(path: Path, *, relpath: str) -> RuleQuery:
    """Read a `.rq` file and its header: the `# key: value` lines at the top of the file."""
    text = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        match = _HEADER_LINE.match(line)
        if match:
            header.setdefault(match.group(1).lower(), match.group(2))
    return RuleQuery(name=path.stem, relpath=relpath, header=header, text=text)


def validate(
    kg: KnowledgeGraph | StoreGraph,
    *,
    sources_dir: Path,
    queries_dir: Path | None = None,
    engine: str = DEFAULT_ENGINE,
    root: Path | None = None,
) -> ValidationReport:
    """Check the data with the shapes (`engine`: see shacl_engines.py), the rule queries in `queries_dir`
    and the cited source texts; with `root`, the checkout the files were read from, also check that each
    file writes its literals in canonical form (literals.py), which only the file's text can show.

    Every check reads the graph from a store (store_graph.py): `pia-kg validate` loads the files straight
    into one; a graph loaded by `loading.load` is put in one first. With `engine="pyshacl"` the reference
    engines (pySHACL, rdflib's SPARQL) run over an rdflib copy of ontology and data."""
    graph = kg if isinstance(kg, StoreGraph) else StoreGraph.from_knowledge_graph(kg)
    reference = graph.shacl_graph() if engine == "pyshacl" else None
    # the rule queries start first: under a time limit each runs in a child process of its own (limits.py),
    # on the other core while this one runs the other checks
    rules = [_start_rule(graph, reference, query) for query in rule_queries(queries_dir)]
    findings = [
        *_run_shacl(graph, reference, engine=engine),
        *(_from_citation(graph, issue) for issue in check_citations(_citation_graph(graph), sources_dir)),
        *_ill_typed_literals(graph),
        *(_non_canonical_literals(graph, root) if root is not None else ()),
        *_subjects_in_several_files(graph),
    ]
    for rule in rules:
        findings.extend(rule())
    ordered = in_order(findings)
    return ValidationReport(conforms=not any(f.severity == "Violation" for f in ordered), findings=ordered)


def _citation_graph(graph: StoreGraph) -> Graph:
    """The triples the citation checks read (sources.CITATION_TRIPLES), from the store."""
    from pia_kg.sparql.engine import query as query_store

    constructed = query_store(graph.store, CITATION_TRIPLES).graph
    return constructed if constructed is not None else Graph()


_TYPED_LITERALS = """
SELECT ?s ?p ?o WHERE {
  GRAPH ?g { ?s ?p ?o }
  FILTER (isLiteral(?o) && datatype(?o) != xsd:string && datatype(?o) != rdf:langString)
}
"""


def _ill_typed_literals(graph: StoreGraph) -> Iterator[Finding]:
    """Literals whose text is not in their datatype's lexical space ("2025-13"^^xsd:gYearMonth)."""
    from pia_kg.rdf.guard import ill_typed_reason
    from pia_kg.rdf.terms import to_rdflib

    for solution in graph.store.query(_TYPED_LITERALS, prefixes=PREFIXES):
        obj = to_rdflib(solution["o"])
        reason = ill_typed_reason(obj)
        if reason is not None:
            yield _locate(
                graph,
                focus=to_rdflib(solution["s"]),
                severity="Violation",
                rule="ill-typed-literal",
                path=curie(to_rdflib(solution["p"])),
                value=str(obj),
                message=f"{reason}.",
                hint="Write the value in the datatype's form (e.g. 2025-07 for xsd:gYearMonth).",
            )


def _non_canonical_literals(graph: StoreGraph, root: Path) -> Iterator[Finding]:
    """Literals not written in the form a store gives back, each at its own line, with the form to write."""
    from pia_kg.rdf.canonical import render_literal
    from pia_kg.rdf.literals import non_canonical_literals
    from pia_kg.rdf.parsing import GRAPH_PREFIX, read_text

    for identifier in graph.graph_ids():
        relpath = str(identifier).removeprefix(GRAPH_PREFIX)
        path = Path(relpath) if Path(relpath).is_absolute() else root / relpath
        if not path.is_file():
            path = Path.cwd() / relpath  # a file given outside the checkout is named from the working folder
        if path.suffix.lower() not in (".ttl", ".nt") or not path.is_file():
            continue
        found = non_canonical_literals(read_text(path, relpath=relpath))
        holders = _LiteralHolders(graph, identifier, {item.written.form for item in found})
        for item in found:
            focus, predicate = holders.at(item.written.form, item.written.line)
            written = _one_line(item.written.source)
            kept = render_literal(item.kept.to_rdflib())
            if item.rdflib_reads is None:
                message = f"{written} is not in canonical form; write {kept} (pia-kg fmt does it)."
                hint = "Run `pia-kg fmt`: it writes every literal in the form a store gives back."
            else:
                message = (
                    f"{written}: a store gives it back as {kept}, which rdflib reads as "
                    f"{render_literal(item.rdflib_reads.to_rdflib())}."
                )
                hint = "Write the value with another datatype: no form of it reads the same in both."
            yield Finding(
                severity="Violation",
                rule="non-canonical-literal",
                focus=focus,
                focus_label=graph.label(focus) if isinstance(focus, URIRef) else None,
                path=curie(predicate) if predicate is not None else None,
                value=item.written.source,
                message=message,
                hint=hint,
                file=relpath,
                line=item.written.line,
            )


class _LiteralHolders:
    """The triples of one file that hold given literals, with the line where each triple's block starts."""

    def __init__(self, graph: StoreGraph, identifier: URIRef, forms: set[Any]) -> None:
        from pia_kg.rdf.literals import XSD_STRING, LiteralForm, rdflib_form

        self.graph, self.identifier = graph, identifier
        self.in_shapes = identifier in graph.shapes_ids
        self.relpath = str(identifier).removeprefix("urn:pia-kg:file:")
        self.lines: dict[Node, int | None] = {}
        self.holders: dict[Any, list[tuple[int, str, Node, Node]]] = {}
        for form in forms:
            # the term the loader made of it: as rdflib's parser reads it, or as pyoxigraph's does
            plain = None if form.datatype == XSD_STRING else form.datatype
            lower = LiteralForm(form.lexical, plain, form.language.lower() if form.language else None)
            terms = {rdflib_form(form).to_rdflib(), rdflib_form(lower).to_rdflib()}
            found = [pair for term in terms for pair in self._subject_predicates(term)]
            self.holders[form] = sorted(
                (self._line(s) or 0, f"{s} {p}", s, p) for s, p in set(found)
            )

    def _subject_predicates(self, term: Node) -> list[tuple[Node, Node]]:
        if self.in_shapes:
            return list(self.graph.shapes.subject_predicates(term))
        return [(s, p) for s, p, _ in self._triples(object=term)]

    def _triples(self, **pattern: Node) -> list[tuple[Node, Node, Node]]:
        """The triples of this file matching `subject`, `predicate`, `object` (rdflib terms)."""
        import pyoxigraph as ox

        from pia_kg.rdf.terms import to_oxigraph, to_rdflib

        terms = [pattern.get(key) for key in ("subject", "predicate", "object")]
        converted = [None if term is None else to_oxigraph(term) for term in terms]
        found = self.graph.store.quads_for_pattern(*converted, ox.NamedNode(str(self.identifier)))
        return [(to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)) for q in found]

    def at(self, form: Any, line: int) -> tuple[Node, Node | None]:
        """The subject and predicate of the last triple holding `form` whose block starts by `line` (in a
        file whose blocks are not found, such as N-Triples, the first triple holding it)."""
        holders = self.holders.get(form, [])
        before = [holder for holder in holders if holder[0] <= line]
        if not before:
            return (holders[0][2], holders[0][3]) if holders else (self.identifier, None)
        best = max(holder[0] for holder in before)
        _, _, subject, predicate = next(holder for holder in before if holder[0] == best)
        return subject, predicate

    def _line(self, node: Node) -> int | None:
        """The line where `node` is written as a subject in this file (a blank node: its holder's)."""
        if node not in self.lines:
            self.lines[node] = None  # a cycle of blank nodes ends here
            found = self.graph.index.get(node)
            if found is not None and found[0] == self.relpath:
                self.lines[node] = found[1]
            elif isinstance(node, BNode):
                if self.in_shapes:
                    parents = sorted(self.graph.shapes.subjects(None, node), key=str)
                else:
                    parents = sorted({s for s, _, _ in self._triples(object=node)}, key=str)
                self.lines[node] = self._line(parents[0]) if parents else None
        return self.lines[node]


def _one_line(source: str) -> str:
    """A literal's text from the file, on one line and at most 80 characters, for a message."""
    flat = source.replace("\n", "\\n")
    return flat if len(flat) <= 80 else flat[:79] + "…"


def _subjects_in_several_files(graph: StoreGraph) -> Iterator[Finding]:
    """A subject described (typed with rdf:type) in two data files: one is probably a copy that will drift.

    A file may add a statement about a resource described elsewhere; only a second description is reported.
    """
    from pia_kg.rdf.terms import to_rdflib

    if not graph.data_ids:
        return
    files = " ".join(f"<{identifier}>" for identifier in graph.data_ids)
    text = f"""
        SELECT ?s (GROUP_CONCAT(DISTINCT STR(?g); separator="\\n") AS ?files) WHERE {{
          VALUES ?g {{ {files} }}
          GRAPH ?g {{ ?s a ?type }}
          FILTER (isIRI(?s))
        }}
        GROUP BY ?s HAVING (COUNT(DISTINCT ?g) > 1)
    """
    for solution in graph.store.query(text):
        names = solution["files"].value.split("\n")
        relpaths = sorted(name.removeprefix("urn:pia-kg:file:") for name in names)
        yield _locate(
            graph,
            focus=to_rdflib(solution["s"]),
            severity="Warning",
            rule="subject-in-several-files",
            path=None,
            value=None,
            message=f"described in {len(relpaths)} data files: {', '.join(relpaths)}.",
            hint="Keep each resource's description in one file; refer to it elsewhere by IRI.",
        )


def _locate(
    kg: StoreGraph,
    *,
    focus: Node,
    severity: str,
    rule: str,
    path: str | None,
    value: str | None,
    message: str,
    hint: str | None,
) -> Finding:
    where = kg.location(focus)
    return Finding(
        severity=severity,
        rule=rule,
        focus=focus,
        focus_label=kg.label(focus),
        path=path,
        value=value,
        message=message,
        hint=hint,
        file=where[0] if where else None,
        line=where[1] if where else None,
    )


def _from_citation(kg: StoreGraph, issue: CitationIssue) -> Finding:
    return _locate(
        kg,
        focus=issue.focus,
        severity=issue.severity,
        rule=issue.rule,
        path=issue.path,
        value=issue.value,
        message=issue.message,
        hint=issue.hint,
    )


def _run_shacl(graph: StoreGraph, reference: Graph | None, *, engine: str = DEFAULT_ENGINE) -> list[Finding]:
    """SHACL over ontology and data: pyshacl-turbo reads the store's N-Triples (blank nodes keep their ids,
    so a finding on one is located); the reference engine reads `reference`, an rdflib copy."""
    if not graph.shapes_ids:
        raise ShapesError(
            "no shapes to validate with: ontology/ has no shapes*.ttl file",
            hint="Add ontology/shapes.ttl (or pass --project to the right repository).",
        )
    data: Graph | str = reference if reference is not None else graph.shacl_data()
    try:
        _, results = run_shacl(data, graph.shapes, engine=engine)
    except Exception as err:  # pySHACL raises its own runtime errors for shapes it cannot use
        if type(err).__module__.startswith("pyshacl"):
            raise ShapesError(
                f"the SHACL shapes cannot be used: {err}",
                hint="Fix ontology/shapes*.ttl; run `pia-kg validate` again.",
            ) from err
        raise
    return [
        _from_result(graph, graph.shapes, results, result)
        for result in results.subjects(RDF.type, SH.ValidationResult)
    ]


def _from_result(kg: StoreGraph, shapes: Graph, results: Graph, result: Node) -> Finding:
    severity = results.value(result, SH.resultSeverity)
    shape = results.value(result, SH.sourceShape)
    path = results.value(result, SH.resultPath)
    value = results.value(result, SH.value)
    messages = [str(text) for text in sorted(results.objects(result, SH.resultMessage), key=english_first)]
    component = results.value(result, SH.sourceConstraintComponent)
    message = (
        messages[0] if messages else f"fails {curie(component) if component is not None else 'a constraint'}"
    )
    return _locate(
        kg,
        focus=results.value(result, SH.focusNode) or result,
        severity=local_name(severity) if isinstance(severity, URIRef) else "Violation",
        rule=shape_rule_id(shapes, shape) if shape is not None else "shacl",
        path=render_path(results, path) if path is not None else None,
        value=curie(value) if value is not None else None,
        message=message,
        hint=_fix_hint(shapes, shape) if shape is not None else None,
    )


def _fix_hint(shapes: Graph, shape: Node) -> str | None:
    for current in shape_and_parents(shapes, shape):
        hints = sorted(shapes.objects(current, PIA.fixHint), key=english_first)
        if hints:
            return str(hints[0])
    return None


def rule_queries(queries_dir: Path | None) -> list[RuleQuery]:
    """The rule queries of a queries folder: files whose header says `# expect: empty`."""
    if queries_dir is None or not queries_dir.is_dir():
        return []
    found = sorted(queries_dir.glob("*.rq"), key=lambda path: path.name)
    queries = [read_query(path, relpath=f"{queries_dir.name}/{path.name}") for path in found]
    return [query for query in queries if query.is_rule]


def _run_rule(graph: StoreGraph, reference: Graph | None, query: RuleQuery) -> list[Finding]:
    """A rule query's rows as findings: on the store with Oxigraph, or with rdflib's SPARQL on `reference`."""
    return _start_rule(graph, reference, query)()


def _start_rule(graph: StoreGraph, reference: Graph | None, query: RuleQuery) -> Callable[[], list[Finding]]:
    """Start a rule query (limits.start_limited); what it returns gives the findings when called."""
    from pia_kg.security.limits import start_limited
    from pia_kg.sparql.text import check_oxigraph_query, parse_query

    what = f"rule {query.name}"
    # the store (or graph) is in memory here, so that a time-limited child process inherits it
    if reference is None:
        # the guards run where the query runs: not SPARQL (at file:line:col), SERVICE anywhere, FROM, FROM
        # NAMED, texts that rdflib and Oxigraph would read differently (sparql/text.py); their error comes
        # back here
        answer = start_limited(_store_rule_rows, graph.store, query.text, query.relpath, what=what)
        return lambda: list(_rule_findings(graph, query, *answer()))
    check_oxigraph_query(query.text, relpath=query.relpath)
    prepared = parse_query(query.text, relpath=query.relpath)
    rows = start_limited(_rule_rows, reference, prepared, what=what)
    return lambda: list(_rule_findings(graph, query, *rows()))


_RULE_VARIABLES = ("message", "path", "value")


def _store_rule_rows(store: Any, text: str, relpath: str) -> tuple[list[str], list[dict[str, Any]]]:
    """Evaluate a rule with Oxigraph: its variables, and per row what a finding reads, ready to pickle: the
    focus (`?focus`, else the first variable; an IRI as its text), the message as text, the path and the
    value as CURIEs. Plain strings cross from a child process much faster than rdflib terms."""
    import pyoxigraph as ox

    from pia_kg.rdf.terms import to_rdflib
    from pia_kg.sparql.engine import raw_answer

    answer = raw_answer(store, text, None, relpath=relpath)
    if not isinstance(answer, ox.QuerySolutions):
        return [], []
    variables = [variable.value for variable in answer.variables]
    focus_var = "focus" if "focus" in variables else variables[0]
    wanted = [name for name in _RULE_VARIABLES if name in variables]
    rows = []
    for solution in answer:
        focus = solution[focus_var]
        if focus is None:
            continue
        row: dict[str, Any] = {"focus": focus.value if type(focus) is ox.NamedNode else to_rdflib(focus)}
        for name in wanted:
            term = solution[name]
            if term is not None:
                row[name] = term.value if name == "message" else _term_curie(term)
        rows.append(row)
    return variables, rows


def _term_curie(term: Any) -> str:
    """_curie of a pyoxigraph term, without making the rdflib term."""
    import pyoxigraph as ox

    if type(term) is ox.NamedNode:
        return compact_iri(term.value)
    if type(term) is ox.BlankNode:
        return "[]"
    return str(term.value)


def _rule_findings(
    graph: StoreGraph, query: RuleQuery, variables: list[str], rows: list[dict[str, Any]]
) -> Iterator[Finding]:
    """Findings of a rule's rows: from the store (_store_rule_rows) or from rdflib's SPARQL (_rule_rows)."""
    if not variables:
        raise QueryError(
            f"{query.relpath}: a rule must be a SELECT query", hint="Rewrite it as SELECT ?focus ..."
        )
    for row in rows:
        focus = row["focus"]
        message = row.get("message")
        yield _locate(
            graph,
            focus=URIRef(focus) if isinstance(focus, str) else focus,
            severity="Violation",
            rule=query.name,
            path=row.get("path"),
            value=row.get("value"),
            message=str(message) if message is not None else query.title,
            hint=query.header.get("hint"),
        )


def _rule_rows(graph: Graph, prepared: Any) -> tuple[list[str], list[dict[str, Any]]]:
    """Evaluate a rule with rdflib's SPARQL (the reference engine): its variables, and per row the focus
    (an rdflib term), the message as text, the path and the value as CURIEs, as _store_rule_rows gives."""
    result = graph.query(prepared)
    variables = [str(var) for var in (result.vars or [])]
    if not variables:
        return [], []
    focus_var = "focus" if "focus" in variables else variables[0]
    rows = []
    for solution in result:
        bindings = solution.asdict()  # type: ignore[union-attr]
        focus = bindings.get(focus_var)
        if focus is None:
            continue
        row: dict[str, Any] = {"focus": focus}
        for name in _RULE_VARIABLES:
            term = bindings.get(name)
            if term is not None:
                row[name] = str(term) if name == "message" else curie(term)
        rows.append(row)
    return variables, rows


# ---------------------------------------------------------------- renderers


def render_report(report: ValidationReport, fmt: str) -> str:
    """Render the report as `text`, `json` or `turtle`; same input, same bytes."""
    renderers = {"text": render_text, "json": render_json, "turtle": render_turtle}
    return renderers[fmt](report)


def summary_line(report: ValidationReport) -> str:
    """The one-line total, e.g. `2 violations, 1 warning, 0 infos`."""
    parts = []
    for severity in SEVERITIES:
        count = report.count(severity)
        noun = severity.lower() + ("" if count == 1 else "s")
        parts.append(f"{count} {noun}")
    return ", ".join(parts)


def render_text(report: ValidationReport) -> str:
    """Findings grouped by rule, one line each, with the fix below; a total at the end."""
    lines: list[str] = []
    for (severity, rule), group in _grouped(report.findings):
        lines.append(f"{severity}  {rule}  ({len(group)})")
        for finding in group:
            where = f"{finding.file}:{finding.line}" if finding.file else "-"
            focus = finding.focus_curie
            who = f"{finding.focus_label} ({focus})" if finding.focus_label else focus
            cells = [where, who, *([finding.path] if finding.path else []), finding.message]
            lines.append("  " + "  ".join(cells))
            if finding.hint:
                lines.append(f"    fix: {finding.hint}")
        lines.append("")
    lines.append(f"{'Conforms' if report.conforms else 'Does not conform'}: {summary_line(report)}")
    return "\n".join(lines) + "\n"


def _grouped(findings: Iterable[Finding]) -> list[tuple[tuple[str, str], list[Finding]]]:
    groups: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings:
        groups.setdefault((finding.severity, finding.rule), []).append(finding)
    return list(groups.items())


def render_json(report: ValidationReport) -> str:
    """A JSON object with `conforms`, `counts` and `findings`; keys sorted, indent 2."""
    findings = []
    for finding in report.findings:
        findings.append(
            {
                "severity": finding.severity,
                "rule": finding.rule,
                "focus": finding.focus_iri,
                "focus_curie": finding.focus_curie,
                "focus_label": finding.focus_label,
                "path": finding.path,
                "value": finding.value,
                "message": finding.message,
                "hint": finding.hint,
                "file": finding.file,
                "line": finding.line,
            }
        )
    document = {
        "conforms": report.conforms,
        "counts": {severity: report.count(severity) for severity in SEVERITIES},
        "findings": findings,
    }
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def render_turtle(report: ValidationReport) -> str:
    """A sh:ValidationReport with every finding (citation and rule ones too) as a sh:ValidationResult."""
    graph = bind_prefixes(Graph(bind_namespaces="none"))
    root = BNode()
    graph.add((root, RDF.type, SH.ValidationReport))
    graph.add((root, SH.conforms, Literal(report.conforms)))
    for finding in report.findings:
        result = BNode()
        graph.add((root, SH.result, result))
        graph.add((result, RDF.type, SH.ValidationResult))
        graph.add((result, SH.resultSeverity, SH[finding.severity]))
        graph.add((result, SH.focusNode, finding.focus if isinstance(finding.focus, URIRef) else BNode()))
        graph.add((result, SH.resultMessage, Literal(finding.message)))
        graph.add((result, DCTERMS.identifier, Literal(finding.rule)))
        if finding.path:
            graph.add((result, SH.resultPath, _expand(finding.path)))
        if finding.value is not None:
            graph.add((result, SH.value, Literal(finding.value)))
        if finding.hint:
            graph.add((result, PIA.fixHint, Literal(finding.hint)))
        if finding.file:
            graph.add((result, DCTERMS.source, Literal(f"{finding.file}:{finding.line}")))
    return graph.serialize(format="longturtle", canon=True)


def _expand(curie: str) -> Node:
    from pia_kg.rdf.namespaces import expand_curie

    expanded = expand_curie(curie)
    return expanded if expanded is not None else Literal(curie)
