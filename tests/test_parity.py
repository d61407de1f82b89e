"""Oxigraph's answers are rdflib's: rewritten literals are put back, or the query goes to rdflib (issue 6).

Each case runs the query on both engines through `run_query` and requires the very same terms (lexical form,
datatype, language), and checks through `parity.restore` whether Oxigraph's answer was used or refused.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import XSD

from pia_kg.loading import KnowledgeGraph, SourceIndex
from pia_kg.origins import query_origins
from pia_kg.parity import LiteralIndex, restore
from pia_kg.queries import AskResult, GraphResult, SelectResult, run_query
from pia_kg.store import literal_index_for, store_for
from pia_kg.store import query as query_store

GRAPH = URIRef("urn:pia-kg:file:data/example.ttl")
EX = "http://example.org/"
TURTLE = """
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:span1 ex:start "12"^^xsd:nonNegativeInteger ; ex:end "30"^^xsd:nonNegativeInteger ; ex:label "one" .
ex:span2 ex:start "3"^^xsd:nonNegativeInteger ; ex:end "7"^^xsd:nonNegativeInteger ; ex:label "two" .
ex:span3 ex:start "2"^^xsd:nonNegativeInteger ; ex:end "3"^^xsd:nonNegativeInteger .
ex:doc ex:month "2025-07"^^xsd:gYearMonth ; ex:complete false .
"""
MIXED = TURTLE + "ex:other ex:size 7 .\n"  # 7 as xsd:integer and as xsd:nonNegativeInteger


def knowledge_graph(turtle: str) -> KnowledgeGraph:
    dataset = Dataset()
    dataset.graph(GRAPH).parse(data=turtle, format="turtle")
    return KnowledgeGraph(
        dataset=dataset, ontology_ids=(), shapes_ids=(), data_ids=(GRAPH,), index=SourceIndex()
    )


@pytest.fixture(scope="module")
def kg() -> KnowledgeGraph:
    return knowledge_graph(TURTLE)


@pytest.fixture(scope="module")
def mixed() -> KnowledgeGraph:
    return knowledge_graph(MIXED)


def terms(result: Any) -> Any:
    """Every term as (lexical, datatype, language), so that `==` cannot hide a datatype."""

    def exact(term: Any) -> Any:
        return (
            str(term),
            getattr(term, "datatype", None),
            getattr(term, "language", None),
            type(term).__name__,
        )

    if isinstance(result, AskResult):
        return result.value
    if isinstance(result, SelectResult):
        return result.variables, Counter(tuple(exact(term) for term in row) for row in result.rows)
    assert isinstance(result, GraphResult)
    return Counter(tuple(exact(term) for term in triple) for triple in result.graph)


def oxigraph_answer_used(kg: KnowledgeGraph, text: str, bindings: dict[str, Any] | None = None) -> bool:
    answer = query_store(store_for(kg), text, bindings=bindings)
    return restore(answer, text, literal_index_for(kg), bindings=bindings) is not None


def same_on_both(kg: KnowledgeGraph, text: str, **params: Any) -> Any:
    fast = run_query(kg, text, params=params, engine="oxigraph")
    reference = run_query(kg, text, params=params, engine="rdflib")
    assert terms(fast) == terms(reference)
    return fast


def test_the_index_finds_the_literals_oxigraph_retypes_and_nothing_else(kg: KnowledgeGraph) -> None:
    index = literal_index_for(kg)
    assert index.rewritten[Literal("12", datatype=XSD.integer)] == {
        Literal("12", datatype=XSD.nonNegativeInteger)
    }
    assert set(index.rewritten) == {
        Literal(value, datatype=XSD.integer) for value in ("12", "30", "3", "7", "2")
    }


def test_the_index_keeps_both_originals_of_a_number_written_both_ways(mixed: KnowledgeGraph) -> None:
    assert literal_index_for(mixed).rewritten[Literal("7", datatype=XSD.integer)] == {
        Literal("7", datatype=XSD.nonNegativeInteger),
        Literal("7", datatype=XSD.integer),
    }


def test_offsets_read_from_the_graph_come_back_as_xsd_non_negative_integer(kg: KnowledgeGraph) -> None:
    text = f"SELECT ?span ?start ?end WHERE {{ ?span <{EX}start> ?start ; <{EX}end> ?end }} ORDER BY ?start"
    result = same_on_both(kg, text)
    assert isinstance(result, SelectResult)
    assert {row[1].datatype for row in result.rows} == {XSD.nonNegativeInteger}


QUERIES = {
    "min, max and sample pass the graph's literal through": (
        "SELECT (MIN(?s) AS ?least) (MAX(?s) AS ?most) (SAMPLE(?e) AS ?any) "
        f"WHERE {{ ?x <{EX}start> ?s OPTIONAL {{ ?x <{EX}end> ?e FILTER (?e > 20) }} }}",
        True,
    ),
    "a count equal to an offset stays xsd:integer": (
        "SELECT ?x (COUNT(?p) AS ?n) WHERE { ?x ?p ?o } GROUP BY ?x ORDER BY ?x",
        True,
    ),
    "a bind copy of an offset keeps its type": (
        f"SELECT ?copy WHERE {{ ?x <{EX}start> ?s BIND (?s AS ?copy) }} ORDER BY ?copy",
        True,
    ),
    "values constants keep the type written in the query": (
        'SELECT ?v WHERE { VALUES ?v { "4"^^xsd:nonNegativeInteger "5"^^xsd:int 6 } } ORDER BY ?v',
        True,
    ),
    "a bound constant keeps the type written in the query": (
        f'SELECT ?x ?c WHERE {{ ?x <{EX}label> ?l BIND ("9"^^xsd:positiveInteger AS ?c) }} ORDER BY ?x',
        True,
    ),
    "coalesce and if pass their arguments through": (
        f"SELECT ?x (COALESCE(?e, 0) AS ?end) (IF(BOUND(?e), ?s, 1) AS ?start) "
        f"WHERE {{ ?x <{EX}start> ?s OPTIONAL {{ ?x <{EX}end> ?e FILTER (?e > 20) }} }} ORDER BY ?x",
        True,
    ),
    "the datatype of an offset is left to rdflib": (
        f"SELECT ?x WHERE {{ ?x <{EX}start> ?s FILTER (DATATYPE(?s) = xsd:nonNegativeInteger) }} ORDER BY ?x",
        False,
    ),
    "the datatype of a sum of offsets is left to rdflib": (
        f"SELECT (STR(DATATYPE(SUM(?s))) AS ?type) WHERE {{ ?x <{EX}start> ?s }}",
        False,
    ),
    "an ask that sees an offset's lexical form is left to rdflib": (
        'ASK { ?x ?p ?s FILTER (sameTerm(?s, "12"^^xsd:nonNegativeInteger)) }',
        False,
    ),
    "the datatype of other literals is answered by oxigraph": (
        f"SELECT ?x (DATATYPE(?m) AS ?type) (STR(?x) AS ?iri) WHERE {{ ?x <{EX}month> ?m }}",
        True,
    ),
    "arithmetic on offsets is left to rdflib": (
        f"SELECT ?x ?twice WHERE {{ ?x <{EX}start> ?s BIND (?s * 2 AS ?twice) }} ORDER BY ?x",
        False,
    ),
    "a sum of offsets is left to rdflib": (
        f"SELECT (SUM(?s) AS ?total) WHERE {{ ?x <{EX}start> ?s }}",
        False,
    ),
    "other literals are never touched": (
        f"SELECT ?m ?c WHERE {{ ?d <{EX}month> ?m ; <{EX}complete> ?c }}",
        True,
    ),
    "a construct copying offsets gives them back as written": (
        f'CONSTRUCT {{ ?x <{EX}begins> ?s ; <{EX}fixed> "1"^^xsd:unsignedByte }} '
        f"WHERE {{ ?x <{EX}start> ?s }}",
        True,
    ),
    "a construct of computed numbers is left to rdflib": (
        f"CONSTRUCT {{ ?x <{EX}length> ?n }} "
        f"WHERE {{ ?x <{EX}start> ?s ; <{EX}end> ?e BIND (?e - ?s AS ?n) }}",
        False,
    ),
}


@pytest.mark.parametrize("case", QUERIES, ids=list(QUERIES))
def test_each_answer_is_rdflibs_and_oxigraph_answers_it_where_that_is_proven(
    case: str, kg: KnowledgeGraph
) -> None:
    text, used = QUERIES[case]
    same_on_both(kg, text)
    assert oxigraph_answer_used(kg, text) is used


def test_a_number_written_both_ways_in_the_graph_is_answered_by_rdflib(mixed: KnowledgeGraph) -> None:
    text = "SELECT ?x ?o WHERE { ?x ?p ?o FILTER (isNumeric(?o)) } ORDER BY ?x ?o"
    same_on_both(mixed, text)
    assert not oxigraph_answer_used(mixed, text)
    # the store holds the two as one term, so even a query that never shows them could count them differently
    counting = "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?x ?p ?o FILTER (isNumeric(?o)) }"
    same_on_both(mixed, counting)
    assert not oxigraph_answer_used(mixed, counting)


def test_a_graph_with_an_explicit_xsd_string_is_answered_by_rdflib() -> None:
    typed = knowledge_graph(TURTLE + 'ex:doc ex:title "x"^^xsd:string .\n')
    text = f"SELECT ?t WHERE {{ ?d <{EX}title> ?t }}"
    result = same_on_both(typed, text)
    assert isinstance(result, SelectResult) and result.rows[0][0] == Literal("x", datatype=XSD.string)
    assert not oxigraph_answer_used(typed, text)


def test_a_literal_parameter_keeps_its_datatype_in_the_projection(kg: KnowledgeGraph) -> None:
    text = "SELECT ?x ?n WHERE { ?x <http://example.org/label> ?l } ORDER BY ?x"
    result = same_on_both(kg, text, n=Literal("3", datatype=XSD.nonNegativeInteger))
    assert isinstance(result, SelectResult)
    assert result.rows[0][1] == Literal("3", datatype=XSD.nonNegativeInteger)


def test_origins_are_read_from_the_algebra_not_from_the_text() -> None:
    origins = query_origins("SELECT ?x (COUNT(?y) AS ?n) (SAMPLE(?y) AS ?one) WHERE { ?x ?p ?y } GROUP BY ?x")
    assert origins.of("n").count and not origins.of("n").data
    assert origins.of("one").data and not origins.of("one").computed
    assert origins.of("x").data


def test_an_empty_index_is_built_from_a_graph_without_typed_literals() -> None:
    label = URIRef(f"{EX}label")
    assert LiteralIndex.of([(label, Literal("plain")), (label, Literal("mot", lang="fr"))]).rewritten == {}


@pytest.fixture(scope="module")
def project_kg() -> KnowledgeGraph:
    from pia_kg.project import Project
    from pia_kg.queries import load_for_queries

    from .conftest import REPO_ROOT

    return load_for_queries(Project(REPO_ROOT))


def saved_questions() -> list[Any]:
    from pia_kg.project import Project
    from pia_kg.queries import find_query

    from .conftest import REPO_ROOT

    project = Project(REPO_ROOT)
    found = [find_query(project, path.stem) for path in project.query_files()]
    return [saved for saved in found if not saved.is_rule]


@pytest.mark.parametrize("saved", saved_questions(), ids=lambda saved: saved.name)
def test_every_saved_question_gets_the_very_same_terms_from_oxigraph_without_falling_back(
    saved: Any, project_kg: KnowledgeGraph
) -> None:
    from pia_kg.params import bind_params

    fast = run_query(project_kg, saved, use_examples=True, engine="oxigraph")
    reference = run_query(project_kg, saved, use_examples=True, engine="rdflib")
    assert terms(fast) == terms(reference)
    if isinstance(fast, SelectResult) and fast.is_ordered:
        assert fast.rows == reference.rows  # type: ignore[union-attr]
    bindings = bind_params(saved, {}, use_examples=True)
    assert oxigraph_answer_used(project_kg, saved.text, bindings)


def test_a_saved_question_with_its_optional_parameter_bound_is_the_same_on_both_engines(
    project_kg: KnowledgeGraph,
) -> None:
    from pia_kg.project import Project
    from pia_kg.queries import find_query

    from .conftest import REPO_ROOT

    saved = find_query(Project(REPO_ROOT), "statements-by-person")
    params = {"person": "person:martin-tisne"}
    fast = run_query(project_kg, saved, params=params, engine="oxigraph")
    reference = run_query(project_kg, saved, params=params, engine="rdflib")
    assert isinstance(fast, SelectResult) and fast.rows
    assert terms(fast) == terms(reference)
