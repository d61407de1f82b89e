"""`pia-kg query` and `pia-kg queries`: every saved question in every format, read back independently."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner, Result
from rdflib import Graph
from rdflib.compare import isomorphic
from rdflib.query import Result as SparqlResult

from pia_kg.cli.main import cli
from pia_kg.cli.query import FORMATS
from pia_kg.graph.loading import KnowledgeGraph
from pia_kg.project import Project
from pia_kg.sparql.engine import load_for_queries, run_query
from pia_kg.sparql.formats import FORMAT_NAMES
from pia_kg.sparql.results import GraphResult, QueryResult, SelectResult
from pia_kg.sparql.saved import SavedQuery, find_query, list_queries

from .conftest import REPO_ROOT

REPO = Project(REPO_ROOT)
SAVED = [query for query in list_queries(REPO) if not query.is_rule]
SELECT_FORMATS = ("table", "csv", "tsv", "json", "xml")
GRAPH_FORMATS = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld"}
CASES = [
    (query, fmt)
    for query in SAVED
    for fmt in (GRAPH_FORMATS if query.form in ("CONSTRUCT", "DESCRIBE") else SELECT_FORMATS)
]


@pytest.fixture(scope="module")
def kg() -> KnowledgeGraph:
    return load_for_queries(REPO)  # the load the CLI reuses in this process


def invoke(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(cli, ["--project", str(REPO_ROOT), *args])


def example_args(query: SavedQuery) -> list[str]:
    return [arg for name, value in query.examples.items() for arg in ("-p", f"{name}={value}")]


def test_the_cli_offers_exactly_the_formats_the_library_writes() -> None:
    assert FORMATS == FORMAT_NAMES


@pytest.mark.parametrize(("query", "fmt"), CASES, ids=[f"{query.name}-{fmt}" for query, fmt in CASES])
def test_every_saved_question_runs_in_every_format_and_reads_back(
    runner: CliRunner, kg: KnowledgeGraph, query: SavedQuery, fmt: str
) -> None:
    result = runner.invoke(
        cli,
        ["--project", str(REPO_ROOT), "query", query.name, "-f", fmt, *example_args(query)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    text = result.stdout_bytes.decode("utf-8")
    expected = expected_result(kg, query.name)
    if isinstance(expected, GraphResult):
        parsed = Graph().parse(data=text, format=GRAPH_FORMATS[fmt])
        assert isomorphic(parsed, expected.graph)
        return
    assert isinstance(expected, SelectResult)
    assert result.stderr.endswith(f"{len(expected.rows)} row{'' if len(expected.rows) == 1 else 's'}.\n")
    assert read_back(text, fmt) == (list(expected.variables), len(expected.rows))


_RESULTS: dict[str, QueryResult] = {}


def expected_result(kg: KnowledgeGraph, name: str) -> QueryResult:
    """The API's answer, computed once per query for all its formats."""
    if name not in _RESULTS:
        _RESULTS[name] = run_query(kg, find_query(REPO, name), use_examples=True)
    return _RESULTS[name]


def read_back(text: str, fmt: str) -> tuple[list[str], int]:
    """Variables and row count, read by a reader that is not ours."""
    if fmt == "table":
        lines = text.splitlines()
        return [name.lstrip("?") for name in lines[0].split()], len(lines) - 2
    if fmt == "csv":
        assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        return rows[0], len(rows) - 1
    if fmt == "json":
        document = json.loads(text)
        assert len(document["results"]["bindings"]) == len(parse_results(text, "json").bindings)
    if fmt == "xml":
        ElementTree.fromstring(text.encode("utf-8"))
    parsed = parse_results(text, fmt)
    return [str(variable) for variable in parsed.vars or ()], len(parsed.bindings)


def parse_results(text: str, fmt: str) -> SparqlResult:
    stream = io.BytesIO(text.encode("utf-8")) if fmt == "xml" else io.StringIO(text)
    return SparqlResult.parse(stream, format=fmt)


def test_an_unknown_name_exits_2_with_the_next_step(runner: CliRunner) -> None:
    result = invoke(runner, "query", "partnership-member")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Error: unknown query 'partnership-member' (did you mean partnership-members?)" in result.stderr
    assert "Run `pia-kg queries`" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unknown_parameter_exits_2_and_lists_the_parameters(runner: CliRunner) -> None:
    result = invoke(runner, "query", "partnership-members", "-p", "colour=red")
    assert result.exit_code == 2
    assert "unknown parameter colour; its parameters are: partnership iri" in result.stderr


def test_a_missing_required_parameter_exits_2(runner: CliRunner) -> None:
    result = invoke(runner, "query", "fact-evidence")
    assert result.exit_code == 2
    assert "missing required parameter fact (iri)" in result.stderr
    assert "-p fact=VALUE" in result.stderr


def test_a_literal_for_an_iri_parameter_exits_2(runner: CliRunner) -> None:
    result = invoke(runner, "query", "fact-evidence", "-p", "fact=hello")
    assert result.exit_code == 2
    assert 'parameter fact expects an IRI, got the literal "hello"' in result.stderr


def test_a_param_without_equals_sign_exits_2(runner: CliRunner) -> None:
    result = invoke(runner, "query", "timeline", "-p", "lang")
    assert result.exit_code == 2
    assert "-p lang: expected NAME=VALUE" in result.stderr


def test_an_injection_attempt_is_one_literal_and_finds_nothing(runner: CliRunner) -> None:
    result = invoke(runner, "query", "open-funder-lists", "-p", 'lang="fr" } ; DROP ALL #', "-f", "csv")
    assert result.exit_code == 0
    assert result.stdout_bytes == b"commitment,namedFunder,unnamedFunders\r\n"
    assert result.stderr == "0 rows.\n"
    after = invoke(runner, "query", "open-funder-lists", "-f", "csv")
    assert after.stderr == "2 rows.\n"


def test_an_unparsable_query_file_exits_2_with_file_line_and_column(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "broken.rq"
    path.write_text("# title: Broken\nSELECT ?s WHERE {\n    ?s ?p\n}\n", encoding="utf-8")
    result = invoke(runner, "query", str(path))
    assert result.exit_code == 2
    assert "broken.rq:3:5: not valid SPARQL: Expected SelectQuery, found '?s ?p'" in result.stderr
    assert "Traceback" not in result.stderr


def test_service_is_refused_before_anything_runs(runner: CliRunner) -> None:
    result = invoke(
        runner, "query", "--text", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"
    )
    assert result.exit_code == 2
    assert "SERVICE is not accepted" in result.stderr


def test_a_rule_is_refused_with_a_pointer_to_validate(runner: CliRunner) -> None:
    result = invoke(runner, "query", "rule-iri-policy")
    assert result.exit_code == 2
    assert "is a rule (# expect: empty)" in result.stderr
    assert "pia-kg validate" in result.stderr


def test_a_graph_format_for_a_select_query_exits_2(runner: CliRunner) -> None:
    result = invoke(runner, "query", "timeline", "-f", "turtle")
    assert result.exit_code == 2
    assert "format turtle does not fit a SELECT query" in result.stderr
    assert "table, csv, tsv, json, xml" in result.stderr


def test_a_name_and_text_together_exit_2(runner: CliRunner) -> None:
    result = invoke(runner, "query", "timeline", "--text", "ASK {}")
    assert result.exit_code == 2
    assert "one of them" in result.stderr


def test_an_empty_result_exits_0(runner: CliRunner) -> None:
    result = invoke(
        runner, "query", "--text", "SELECT ?s WHERE { ?s a pia:Nothing } ORDER BY ?s", "-f", "json"
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout)["results"]["bindings"] == []


def test_the_default_format_outside_a_terminal_is_tsv(runner: CliRunner) -> None:
    result = invoke(runner, "query", "partnership-members")
    assert result.stdout.startswith("?membership\t?member\t")


def test_output_goes_to_a_file_in_the_format_of_its_extension(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "members.csv"
    target.write_text("previous\n", encoding="utf-8")
    result = invoke(runner, "query", "partnership-members", "-o", str(target))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert target.read_bytes().startswith(b"membership,member,role,")
    assert [path.name for path in tmp_path.iterdir()] == ["members.csv"]


def test_a_failed_run_leaves_the_output_file_untouched(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "out.tsv"
    target.write_text("previous\n", encoding="utf-8")
    result = invoke(runner, "query", "fact-evidence", "-o", str(target))
    assert result.exit_code == 2
    assert target.read_text(encoding="utf-8") == "previous\n"


def test_labels_add_a_label_column_in_the_chosen_language(runner: CliRunner) -> None:
    result = invoke(runner, "query", "partnership-members", "--labels", "--lang", "fr", "-f", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8"), newline="")))
    assert rows[0][:4] == ["membership", "membershipLabel", "member", "memberLabel"]
    assert rows[1][3] == "Gouvernement marocain"


def test_queries_lists_names_titles_params_and_marks_rules(runner: CliRunner) -> None:
    result = invoke(runner, "queries", "--lang", "fr")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["name", "form", "title", "parameters"]
    members = next(line for line in lines if line.startswith("partnership-members "))
    assert "Membres d\u2019un partenariat et leurs rôles" in members
    assert "partnership iri = organisation:current-ai" in members
    assert next(line for line in lines if line.startswith("rule-iri-policy ")).split()[1] == "rule"


def test_queries_lists_as_json(runner: CliRunner) -> None:
    items = json.loads(invoke(runner, "queries", "-f", "json").stdout)
    fact = next(item for item in items if item["name"] == "fact-evidence")
    assert fact["params"] == [
        {
            "name": "fact",
            "type": "iri",
            "default": None,
            "required": True,
            "doc": "the IRI of any fact (required)",
        }
    ]


@pytest.mark.slow
def test_update_expected_writes_then_accepts_new_results(runner: CliRunner, project: Project) -> None:
    expected_dir = project.queries_dir / "expected"
    args = ["--project", str(project.root), "query", "--update-expected"]
    first = runner.invoke(cli, args, catch_exceptions=False)
    assert first.exit_code == 0
    assert "queries/expected/timeline.srj:" in first.stderr
    before = (expected_dir / "sources.srj").read_bytes()
    second = runner.invoke(cli, args, catch_exceptions=False)
    assert second.stderr.endswith(f"0 of {len(SAVED)} expected result(s) rewritten.\n")
    assert (expected_dir / "sources.srj").read_bytes() == before


@pytest.mark.parametrize(
    "name",
    [
        "timeline",
        "funding-commitments",
        "people-posts",
        "statements-by-person",
        "agreements-by-party",
        "fact-evidence",
    ],
)
def test_the_oxigraph_engine_gives_the_same_answer_as_rdflib(runner: CliRunner, name: str) -> None:
    """The same TSV, term for term, from `--engine rdflib` (the reference) and from Oxigraph, by name and as
    the default; fact-evidence returns text offsets (xsd:integer), the others dates, amounts and labels."""
    saved = find_query(REPO, name)
    args = ["query", name, *example_args(saved), "-f", "tsv"]
    reference = invoke(runner, *args, "--engine", "rdflib")
    fast = invoke(runner, *args, "--engine", "oxigraph")
    default = invoke(runner, *args)
    assert reference.exit_code == 0, reference.stderr
    assert len(reference.stdout.splitlines()) > 1, f"{name} has no row to compare"
    assert (fast.exit_code, fast.stdout) == (0, reference.stdout)
    assert (default.exit_code, default.stdout) == (0, reference.stdout)
