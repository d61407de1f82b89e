"""The embedded Oxigraph engine answers every saved question exactly as rdflib does (issue 6)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable
from typing import Any

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.query import Result
from rdflib.term import Node

from pia_kg.check.validation import RuleQuery, read_query
from pia_kg.errors import QueryError
from pia_kg.graph.loading import KnowledgeGraph, load
from pia_kg.graph.store import store_for
from pia_kg.project import Project
from pia_kg.rdf.namespaces import PREFIXES, expand_curie
from pia_kg.sparql.engine import query
from pia_kg.sparql.text import substitute, treat_as_blank

from .conftest import REPO_ROOT, SOURCES_DIR

_PARAM = re.compile(r"^#\s*param:\s*(\w+)\s+\w+\s*(?:=\s*([^|]*?))?\s*(?:\|.*)?$")
_EXAMPLE = re.compile(r"^#\s*example:\s*(\w+)\s*=\s*(\S.*?)\s*$")
QUESTIONS = [
    query_
    for query_ in (read_query(path, relpath=path.name) for path in Project(REPO_ROOT).query_files())
    if not query_.is_rule
]


def default_bindings(saved: RuleQuery) -> dict[str, Node]:
    """The header's default (or example) value of each parameter; an empty default stays unbound."""
    values: dict[str, str] = {}
    for line in saved.text.splitlines():
        for pattern in (_PARAM, _EXAMPLE):
            match = pattern.match(line)
            if match and match.group(2):
                values.setdefault(match.group(1), match.group(2))
    bindings: dict[str, Node] = {}
    for name, value in values.items():
        term = Literal(value.strip('"')) if value.startswith('"') else expand_curie(value)
        assert term is not None, f"{saved.name}: cannot read the value of {name}: {value}"
        bindings[name] = term
    return bindings


def normalise(term: Any) -> Any:
    """A term to compare: a blank node's id depends on the store; a literal is its exact lexical form,
    datatype and language tag (the files hold literals as a store keeps them, so none is rewritten)."""
    if isinstance(term, BNode):
        return "_:b"
    if isinstance(term, Literal):
        return (str(term), term.datatype, term.language)
    return term


def answer_of(result: Result) -> Counter[tuple[Any, ...]]:
    """A result as a multiset of normalised rows (a graph: of triples)."""
    if result.type == "ASK":
        return Counter([(result.askAnswer,)])
    rows: Iterable[Any] = result.graph if result.graph is not None else result
    return Counter(tuple(normalise(term) for term in row) for row in rows)


@pytest.fixture(scope="module")
def kg() -> KnowledgeGraph:
    return load(Project(REPO_ROOT, SOURCES_DIR))


@pytest.fixture(scope="module")
def reference(kg: KnowledgeGraph) -> Graph:
    return kg.union("ontology", "data")


@pytest.mark.parametrize("saved", QUESTIONS, ids=[saved.name for saved in QUESTIONS])
def test_every_saved_question_gives_the_same_answer_on_rdflib_and_oxigraph(
    saved: RuleQuery, kg: KnowledgeGraph, reference: Graph
) -> None:
    bindings = default_bindings(saved)
    expected = answer_of(reference.query(saved.text, initNs=PREFIXES, initBindings=bindings))
    actual = answer_of(query(store_for(kg), saved.text, bindings=bindings))
    assert sum(expected.values()) > 0, f"{saved.name} has no answer to compare"
    assert actual == expected, f"only rdflib: {expected - actual}\nonly oxigraph: {actual - expected}"


def test_blank_nodes_come_back_as_the_very_nodes_of_the_graph(kg: KnowledgeGraph) -> None:
    result = query(store_for(kg), "SELECT ?evidence WHERE { ?fact pia:evidence ?evidence } LIMIT 1")
    (evidence,) = next(iter(result))  # type: ignore[misc]
    assert isinstance(evidence, BNode)
    assert (None, URIRef(PREFIXES["pia"] + "evidence"), evidence) in kg.union("data")


def test_a_service_clause_is_refused_before_evaluation(kg: KnowledgeGraph) -> None:
    text = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    with pytest.raises(QueryError, match="SERVICE"):
        query(store_for(kg), text)


def test_a_parameter_with_quotes_and_braces_stays_one_literal(kg: KnowledgeGraph) -> None:
    text = "SELECT ?lang WHERE { } ORDER BY ?lang"
    hostile = Literal('fr" } ; DROP ALL #')
    result = query(store_for(kg), text, bindings={"lang": hostile})
    assert [row[0] for row in result] == [hostile]  # type: ignore[index]


def test_a_bound_parameter_is_seen_inside_bind_as_with_rdflib_init_bindings() -> None:
    text = "SELECT ?node WHERE { { BIND (?organisation AS ?node) } UNION { ?node ?p ?organisation } }"
    bound = substitute(text, {"organisation": URIRef("https://w3id.org/pia-kg/id/organisation/x")})
    assert "BIND (<https://w3id.org/pia-kg/id/organisation/x> AS ?node)" in bound


def test_a_projected_parameter_stays_in_the_projection() -> None:
    bound = substitute("SELECT ?lang ?x WHERE { ?x ?p ?lang } ORDER BY ?lang", {"lang": Literal("fr")})
    assert bound == 'SELECT ("fr" AS ?lang) ?x WHERE { ?x ?p "fr" } ORDER BY ("fr")'


def test_bound_of_a_given_parameter_becomes_true_as_with_rdflib_init_bindings() -> None:
    text = "SELECT ?s WHERE { ?s ?p ?o FILTER (!bound(?person) || ?s = ?person) FILTER (BOUND ( ?other )) }"
    bound = substitute(text, {"person": URIRef("https://example.org/p")})
    iri = "<https://example.org/p>"
    assert bound == (
        f"SELECT ?s WHERE {{ ?s ?p ?o FILTER (!sameTerm({iri}, {iri}) || ?s = {iri}) "
        "FILTER (BOUND ( ?other )) }"
    )


def test_skolem_iris_count_as_blank_nodes_in_rewritten_queries() -> None:
    text = "SELECT ?o WHERE { ?s ?p ?o FILTER (isBlank(?o)) }"
    rewritten = treat_as_blank(text, "https://example.org/genid/")
    assert 'isBlank(?o) || STRSTARTS(STR(?o), "https://example.org/genid/")' in rewritten


def test_importing_the_cli_loads_no_heavy_library() -> None:
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import pia_kg.cli"],
        capture_output=True,
        text=True,
        check=True,
    )
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in completed.stderr.splitlines()}
    assert imported & {"rdflib", "pyshacl", "pyoxigraph", "pyshacl_turbo", "httpx"} == set()
