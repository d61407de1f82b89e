"""Expected results of the saved questions: `queries/expected/<name>.srj` (SPARQL JSON) or `<name>.ttl`.

Each non-rule saved query is run with its defaults (and its `# example:` value for a required parameter); the
result is compared with the file by value. Rows are compared in order when the query has ORDER BY and as a
multiset otherwise; graphs by isomorphism. A difference is reported row by row (`- ` expected but missing,
`+ ` new) so that a reviewer sees what changed; `pia-kg query --update-expected` (or `make expected`)
accepts it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.term import Node

from pia_kg.files import write_atomic
from pia_kg.graph.loading import KnowledgeGraph
from pia_kg.project import Project
from pia_kg.rdf.namespaces import compact_iri
from pia_kg.sparql.engine import run_query
from pia_kg.sparql.formats import RdfFormat, ResultFormat, serialize_result, term_syntax
from pia_kg.sparql.results import AskResult, GraphResult, QueryResult, SelectResult
from pia_kg.sparql.saved import SavedQuery

EXPECTED_DIR = "expected"


@dataclass(frozen=True)
class ExpectedCheck:
    """The outcome of comparing one saved query with its expected result; `diff` is empty when they agree."""

    query: SavedQuery
    path: Path
    diff: tuple[str, ...]

    @property
    def agrees(self) -> bool:
        return not self.diff


def expected_path(project: Project, query: SavedQuery) -> Path:
    extension = "ttl" if query.form in ("CONSTRUCT", "DESCRIBE") else "srj"
    return project.queries_dir / EXPECTED_DIR / f"{query.name}.{extension}"


def expected_text(result: QueryResult) -> str:
    """The bytes an expected file holds: SPARQL JSON results, or canonical Turtle for a graph."""
    fmt = RdfFormat.TURTLE if isinstance(result, GraphResult) else ResultFormat.JSON
    return serialize_result(result, fmt)


def read_expected(path: Path) -> QueryResult:
    """Read an expected file with rdflib's own parsers (independent of our writers)."""
    if path.suffix == ".ttl":
        return GraphResult(graph=Graph(bind_namespaces="none").parse(path, format="turtle"))
    from rdflib.query import Result

    with path.open("rb") as stream:
        parsed = Result.parse(stream, format="json")
    if parsed.type == "ASK":
        return AskResult(value=bool(parsed.askAnswer))
    variables = tuple(str(variable) for variable in parsed.vars or ())
    rows = tuple(
        tuple(binding.get(variable) for variable in parsed.vars or ()) for binding in parsed.bindings
    )
    return SelectResult(variables=variables, rows=rows)


def check_expected(project: Project, kg: KnowledgeGraph, query: SavedQuery) -> ExpectedCheck:
    """Run the query as the expected file was made and compare; a missing file is one diff line."""
    return _check(project, kg, query)[0]


def update_expected(project: Project, kg: KnowledgeGraph, query: SavedQuery) -> ExpectedCheck:
    """Rewrite the expected file from the current data if it differs; the returned diff says what changed."""
    check, actual = _check(project, kg, query)
    if not check.agrees:
        write_atomic(check.path, expected_text(actual).encode("utf-8"), make_folders=True)
    return check


def _check(project: Project, kg: KnowledgeGraph, query: SavedQuery) -> tuple[ExpectedCheck, QueryResult]:
    path = expected_path(project, query)
    actual = run_query(kg, query, use_examples=True)
    if not path.is_file():
        return ExpectedCheck(query, path, (f"{project.relative(path)}: no expected result yet",)), actual
    diff = compare_results(read_expected(path), actual, ordered=query.is_ordered)
    return ExpectedCheck(query, path, tuple(diff)), actual


def compare_results(expected: QueryResult, actual: QueryResult, *, ordered: bool) -> list[str]:
    """Lines that describe how `actual` differs from `expected` (none if they agree by value)."""
    if type(expected) is not type(actual):
        return [f"expected a {expected.form} result, got {actual.form}"]
    if isinstance(expected, AskResult) and isinstance(actual, AskResult):
        return [] if expected.value == actual.value else [f"- {expected.value}", f"+ {actual.value}"]
    if isinstance(expected, GraphResult) and isinstance(actual, GraphResult):
        return _compare_graphs(expected.graph, actual.graph)
    assert isinstance(expected, SelectResult) and isinstance(actual, SelectResult)
    if expected.variables != actual.variables:
        return [f"- variables {' '.join(expected.variables)}", f"+ variables {' '.join(actual.variables)}"]
    before = [_row_text(expected.variables, row) for row in expected.rows]
    after = [_row_text(actual.variables, row) for row in actual.rows]
    lines = [f"- {row}" for row in _unmatched(before, after)] + [
        f"+ {row}" for row in _unmatched(after, before)
    ]
    if not lines and ordered and before != after and not _has_blank_nodes(actual):
        # ORDER BY cannot sort blank nodes stably (random labels): such results compare as multisets
        first = next(index for index, (old, new) in enumerate(zip(before, after, strict=True)) if old != new)
        lines = [f"same rows in another order (ORDER BY matters here); first difference at row {first + 1}:"]
        lines += [f"- {before[first]}", f"+ {after[first]}"]
    return lines


def _has_blank_nodes(result: SelectResult) -> bool:
    return any(isinstance(term, BNode) for row in result.rows for term in row)


def _unmatched(rows: list[str], others: list[str]) -> list[str]:
    """The rows of `rows` left over once each row of `others` has cancelled one equal row (multisets)."""
    spare = Counter(rows) - Counter(others)
    left: list[str] = []
    for row in rows:
        if spare[row] > 0:
            spare[row] -= 1
            left.append(row)
    return left


def _row_text(variables: tuple[str, ...], row: tuple[Node | None, ...]) -> str:
    cells = [
        f"?{name}={_term_text(term)}" for name, term in zip(variables, row, strict=True) if term is not None
    ]
    return " ".join(cells) or "(empty row)"


def _term_text(term: Node) -> str:
    if isinstance(term, BNode):
        return "_:"  # blank node labels are not part of the answer
    if isinstance(term, URIRef):
        return compact_iri(str(term))
    return term_syntax(term)


def _compare_graphs(expected: Graph, actual: Graph) -> list[str]:
    from rdflib.compare import graph_diff, isomorphic, to_isomorphic

    if isomorphic(expected, actual):
        return []
    _, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
    return [
        *(f"- {line}" for line in _nt_lines(only_expected)),
        *(f"+ {line}" for line in _nt_lines(only_actual)),
    ]


def _nt_lines(graph: Graph) -> list[str]:
    return sorted(line for line in graph.serialize(format="nt").splitlines() if line.strip())
