"""Saved queries: headers, typed parameters, safety checks, typed results and the expected results."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

import pia_kg
from pia_kg.errors import QueryError
from pia_kg.graph.loading import KnowledgeGraph, load
from pia_kg.project import Project
from pia_kg.rdf.namespaces import FUNDING, ORGANISATION, PERSON, SCHEMA, XSD
from pia_kg.sparql.engine import load_for_queries, run_query
from pia_kg.sparql.expected import check_expected, compare_results, read_expected
from pia_kg.sparql.labels import add_labels, label_of
from pia_kg.sparql.params import bind_params, parse_value
from pia_kg.sparql.results import AskResult, GraphResult, SelectResult
from pia_kg.sparql.saved import SavedQuery, find_query, list_queries, query_from_text

from .conftest import REPO_ROOT

REPO = Project(REPO_ROOT)
SAVED = [query for query in list_queries(REPO) if not query.is_rule]
HEADER = """# title: Members
# title@fr: Membres
# description: Who is a member.
# param: org iri = organisation:current-ai | the organisation
# param: since date = | optional start date
# param: who iri | required
# example: who=person:ada
SELECT ?m WHERE { ?m ?p ?org } ORDER BY ?m
"""


@pytest.fixture(scope="module")
def kg() -> KnowledgeGraph:
    return load_for_queries(REPO)  # the load the CLI reuses in this process


def test_the_header_gives_titles_params_and_examples() -> None:
    query = query_from_text(HEADER, name="members", relpath="queries/members.rq")
    assert query.title("fr") == "Membres"
    assert query.title("en") == "Members"
    assert query.description("fr") == "Who is a member."
    assert [(p.name, p.type, p.default, p.is_required) for p in query.params] == [
        ("org", "iri", "organisation:current-ai", False),
        ("since", "date", "", False),
        ("who", "iri", None, True),
    ]
    assert query.examples == {"who": "person:ada"}
    assert query.form == "SELECT"
    assert query.is_ordered


def test_a_malformed_param_line_names_the_file_and_line() -> None:
    with pytest.raises(QueryError, match=r"queries/x\.rq:2: '# param: org uri"):
        query_from_text("# title: X\n# param: org uri\nASK {}", relpath="queries/x.rq")


def test_every_saved_query_parses_and_declares_a_known_form() -> None:
    assert len(SAVED) >= 15
    for query in SAVED:
        assert query.form in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"), query.name
        assert query.title("fr") != query.name, f"{query.name}: no title@fr"


def test_an_unknown_saved_query_suggests_close_names() -> None:
    with pytest.raises(QueryError, match="did you mean partnership-members") as info:
        find_query(REPO, "partnership-member")
    assert info.value.hint is not None and "pia-kg queries" in info.value.hint


@pytest.mark.parametrize(
    ("text", "type_name", "expected"),
    [
        ("<https://example.org/x>", "iri", URIRef("https://example.org/x")),
        ("organisation:current-ai", "iri", URIRef(ORGANISATION["current-ai"])),
        ("https://example.org/y", "iri", URIRef("https://example.org/y")),
        ('"texte"@fr', "string", Literal("texte", lang="fr")),
        ('"12.5"^^xsd:decimal', "decimal", Literal("12.5", datatype=XSD.decimal)),
        ('"x"^^<https://example.org/dt>', "literal", Literal("x", datatype=URIRef("https://example.org/dt"))),
        ("fr", "string", Literal("fr")),
        ("organisation:current-ai", "string", Literal("organisation:current-ai")),
        ("42", "integer", Literal("42", datatype=XSD.integer)),
        ('"say \\"hi\\"\\n"', "string", Literal('say "hi"\n')),
    ],
)
def test_parameter_values_become_typed_rdf_terms(text: str, type_name: str, expected: object) -> None:
    term = parse_value(text, type_name=type_name)
    assert term == expected
    assert type(term) is type(expected)


@pytest.mark.parametrize(
    "value", ['"fr" } ; DROP ALL #', 'fr" ) } UNION { ?s ?p ?o } #', "} # {", '"""', "?lang"]
)
def test_a_value_with_quotes_braces_or_hash_stays_one_literal(kg: KnowledgeGraph, value: str) -> None:
    query = find_query(REPO, "open-funder-lists")
    assert bind_params(query, {"lang": value}) == {"lang": Literal(value)}
    result = run_query(kg, query, params={"lang": value})
    assert isinstance(result, SelectResult)
    assert result.rows == ()


def test_an_iri_parameter_given_a_literal_is_an_error_listing_the_params() -> None:
    query = find_query(REPO, "partnership-members")
    with pytest.raises(QueryError, match="expects an IRI") as info:
        bind_params(query, {"partnership": '"Current AI"@en'})
    assert "its parameters are: partnership iri = organisation:current-ai" in info.value.message


def test_an_iri_with_braces_is_not_an_iri() -> None:
    with pytest.raises(QueryError, match="expects an IRI"):
        bind_params(find_query(REPO, "fact-evidence"), {"fact": "<http://x> } UNION { ?s ?p ?o }"})


def test_unknown_and_missing_parameters_are_errors() -> None:
    with pytest.raises(QueryError, match="unknown parameter colour"):
        bind_params(find_query(REPO, "timeline"), {"colour": "red"})
    with pytest.raises(QueryError, match="missing required parameter fact"):
        bind_params(find_query(REPO, "fact-evidence"), {})


def test_an_ill_typed_literal_is_an_error() -> None:
    query = query_from_text("# param: n integer = 1 | a number\nSELECT ?n WHERE {} ORDER BY ?n")
    with pytest.raises(QueryError, match="expects an xsd:integer"):
        bind_params(query, {"n": "many"})
    with pytest.raises(QueryError, match="well-formed integer"):
        bind_params(query, {"n": '"x"^^xsd:integer'})


def test_an_optional_parameter_left_unset_stays_unbound(kg: KnowledgeGraph) -> None:
    query = find_query(REPO, "statements-by-person")
    everyone = run_query(kg, query)
    one = run_query(kg, query, params={"person": "person:martin-tisne"})
    assert isinstance(everyone, SelectResult) and isinstance(one, SelectResult)
    assert 0 < len(one.rows) < len(everyone.rows)
    assert {row[1] for row in one.rows} == {URIRef(PERSON["martin-tisne"])}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE is not accepted"),
        (
            "SELECT * WHERE { { SELECT ?s WHERE { OPTIONAL { SERVICE SILENT <http://e/> { ?s ?p ?o } } } } }",
            "SERVICE",
        ),
        ("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }", "FROM and FROM NAMED"),
        ("SELECT * FROM NAMED <http://example.org/g> WHERE { ?s ?p ?o }", "FROM and FROM NAMED"),
        ("DROP ALL", "SPARQL Update is not accepted"),
        ("INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }", "SPARQL Update is not accepted"),
        ("SELECT ?x WHERE { ?x nope:p ?y }", "Unknown namespace prefix"),
    ],
)
def test_queries_that_reach_outside_the_graph_or_write_are_refused(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        query_from_text(text).parsed  # noqa: B018


def test_an_unparsable_query_names_line_and_column() -> None:
    with pytest.raises(QueryError, match=r"^queries/bad\.rq:3:\d+: not valid SPARQL"):
        query_from_text("# title: Bad\nSELECT ?s WHERE {\n  ?s ?p }\n", relpath="queries/bad.rq").parsed  # noqa: B018


def test_results_are_typed_by_query_form(kg: KnowledgeGraph) -> None:
    assert run_query(kg, "ASK { ?s a pia:Statement }") == AskResult(value=True)
    select = run_query(kg, "SELECT ?s WHERE { ?s a pia:Statement } ORDER BY ?s")
    assert isinstance(select, SelectResult) and select.variables == ("s",) and select.is_ordered
    built = run_query(kg, "CONSTRUCT { ?s a pia:Statement } WHERE { ?s a pia:Statement }")
    assert isinstance(built, GraphResult) and len(built.graph) == len(select.rows)
    described = run_query(kg, "DESCRIBE organisation:current-ai")
    assert isinstance(described, GraphResult) and described.form == "DESCRIBE"


def test_the_shapes_are_not_part_of_the_queried_graph(kg: KnowledgeGraph) -> None:
    assert run_query(kg, "ASK { ?shape a sh:NodeShape }") == AskResult(value=False)


def test_the_python_api_runs_a_saved_query_with_params(kg: KnowledgeGraph) -> None:
    query = find_query(REPO, "commitment-programmes")
    result = pia_kg.run_query(kg, query, params={"lang": "fr"})
    assert isinstance(result, SelectResult)
    aims = [row[3] for row in result.rows if row[3] is not None]
    assert aims and all(isinstance(aim, Literal) and aim.language == "fr" for aim in aims)


def test_an_ad_hoc_query_binds_any_of_its_variables(kg: KnowledgeGraph) -> None:
    text = "SELECT ?name WHERE { ?who schema:name ?name } ORDER BY ?name"
    result = run_query(kg, text, params={"who": "person:martin-tisne"})
    assert isinstance(result, SelectResult)
    assert [str(row[0]) for row in result.rows] == ["Martin Tisné"]
    with pytest.raises(QueryError, match="unknown parameter nobody"):
        run_query(kg, text, params={"nobody": "x"})


def test_labels_follow_the_language_with_a_fallback(turtle: Callable[[str], Graph]) -> None:
    graph = turtle(
        'person:ada skos:prefLabel "Ada (fr)"@fr ; rdfs:label "Ada label"@en .\n'
        'person:bob schema:name "Bob"@en .\nperson:eve rdfs:label "Eve" .\n'
    )
    assert label_of(graph, URIRef(PERSON.ada), lang="en") == Literal("Ada label", lang="en")
    assert label_of(graph, URIRef(PERSON.ada), lang="fr") == Literal("Ada (fr)", lang="fr")
    assert label_of(graph, URIRef(PERSON.bob), lang="fr") == Literal("Bob", lang="en")
    assert label_of(graph, URIRef(PERSON.eve), lang="fr") == Literal("Eve")
    result = SelectResult(variables=("p", "n"), rows=((URIRef(PERSON.bob), Literal(1)),))
    labelled = add_labels(result, graph, lang="fr")
    assert labelled.variables == ("p", "pLabel", "n")
    assert labelled.rows == ((URIRef(PERSON.bob), Literal("Bob", lang="en"), Literal(1)),)


@pytest.mark.parametrize("query", SAVED, ids=[query.name for query in SAVED])
def test_each_saved_question_gives_its_expected_result(kg: KnowledgeGraph, query: SavedQuery) -> None:
    check = check_expected(REPO, kg, query)
    assert check.agrees, (
        f"{query.name} no longer gives queries/expected/{check.path.name}:\n"
        + "\n".join(check.diff)
        + "\nIf the change is right, accept it with `make expected` (pia-kg query --update-expected)."
    )


def test_the_expected_results_are_not_empty_where_a_question_has_answers() -> None:
    empty = []
    for query in SAVED:
        if query.form != "SELECT":
            continue
        expected = read_expected(REPO.queries_dir / "expected" / f"{query.name}.srj")
        if isinstance(expected, SelectResult) and not expected.rows and query.name != "open-funder-lists":
            empty.append(query.name)
    assert not empty, f"saved questions with no answer in the data: {empty}"


def test_a_changed_row_is_reported_as_removed_and_added() -> None:
    before = SelectResult(("f", "v"), ((URIRef(FUNDING.a), Literal(1)), (URIRef(FUNDING.b), Literal(2))))
    after = SelectResult(("f", "v"), ((URIRef(FUNDING.a), Literal(1)), (URIRef(FUNDING.b), Literal(3))))
    diff = compare_results(before, after, ordered=False)
    integer = "<http://www.w3.org/2001/XMLSchema#integer>"
    assert diff == [f'- ?f=funding:b ?v="2"^^{integer}', f'+ ?f=funding:b ?v="3"^^{integer}']


def test_row_order_counts_only_when_the_query_orders_its_rows() -> None:
    rows = ((URIRef(FUNDING.a),), (URIRef(FUNDING.b),))
    before, after = SelectResult(("f",), rows), SelectResult(("f",), rows[::-1])
    assert compare_results(before, after, ordered=False) == []
    assert compare_results(before, after, ordered=True)[0].startswith("same rows in another order")


def test_graph_results_compare_by_isomorphism(turtle: Callable[[str], Graph]) -> None:
    one = turtle('person:ada pia:evidence [ oa:start 1 ] ; schema:name "Ada" .')
    same = turtle('person:ada pia:evidence [ oa:start 1 ] ; schema:name "Ada" .')
    other = turtle('person:ada pia:evidence [ oa:start 2 ] ; schema:name "Ada" .')
    assert compare_results(GraphResult(one), GraphResult(same), ordered=False) == []
    diff = compare_results(GraphResult(one), GraphResult(other), ordered=False)
    assert len(diff) == 2 and diff[0].startswith("- ") and diff[1].startswith("+ ")
    assert all(str(SCHEMA.name) not in line for line in diff)


def test_a_missing_expected_file_is_reported(tmp_path: Path) -> None:
    project_root = tmp_path / "p"
    (project_root / "queries").mkdir(parents=True)
    path = project_root / "queries" / "one.rq"
    path.write_text("# title: One\nASK { ?s ?p ?o }\n", encoding="utf-8")
    project = Project(project_root)
    check = check_expected(project, load(project), find_query(project, "one"))
    assert check.diff == ("queries/expected/one.srj: no expected result yet",)
