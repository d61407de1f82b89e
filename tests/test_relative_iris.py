"""Relative IRIs in a query resolve against https://w3id.org/pia-kg/ (or the query's own BASE), the same on
every route and engine: `pia-kg query --text` on Oxigraph and on rdflib, and `pia-kg serve`'s /sparql with and
without a dataset in the request (issue 12, item 11); `query --endpoint` on real stores: test_triplestore.py.

Before, `CONSTRUCT { <s> <p> 1 } WHERE {}` failed on Oxigraph, gave the relative IRI `<s>` on rdflib, and
answered 400 or 200 at the endpoint depending on whether `default-graph-uri` was given.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from pia_kg.cli.main import cli
from pia_kg.project import Project
from pia_kg.serve.server import LocalClient, ServerSettings, open_app

from .conftest import copy_fixture_project

BASE = "https://w3id.org/pia-kg/"
CONSTRUCT = "CONSTRUCT { <s> <p> 1 } WHERE {}"
EXPECTED = {(URIRef(BASE + "s"), URIRef(BASE + "p"), Literal(1, datatype=XSD.integer))}
OWN_BASE = "BASE <x/> CONSTRUCT { <s> <#p> <../q> } WHERE {}"  # a relative BASE resolves against ours
OWN_EXPECTED = {(URIRef(BASE + "x/s"), URIRef(BASE + "x/#p"), URIRef(BASE + "q"))}
STATEMENTS_GRAPH = "urn:pia-kg:file:data/statements.ttl"


def triples(ntriples: str) -> set[tuple[object, object, object]]:
    return set(Graph().parse(data=ntriples, format="nt"))


@pytest.fixture(scope="module")
def fixture_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return copy_fixture_project(tmp_path_factory.mktemp("relative") / "repo", queries=False)


@pytest.fixture(scope="module")
def client(fixture_project: Project) -> Iterator[LocalClient]:
    with LocalClient(open_app(fixture_project, settings=ServerSettings(workers=1))) as local:
        yield local


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize(
    ("query", "expected"), [(CONSTRUCT, EXPECTED), (OWN_BASE, OWN_EXPECTED)], ids=["relative", "own-base"]
)
def test_query_text_resolves_relative_iris_on_both_engines(
    fixture_project: Project, engine: str, query: str, expected: set[object]
) -> None:
    arguments = ["--project", str(fixture_project.root), "query", "--engine", engine, "--text", query]
    result = CliRunner().invoke(cli, [*arguments, "-f", "ntriples"])
    assert result.exit_code == 0, result.stderr
    assert triples(result.stdout) == expected


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_a_relative_iri_finds_the_resource_it_names(fixture_project: Project, engine: str) -> None:
    query = "SELECT ?type WHERE { <id/person/martin-tisne> a ?type } ORDER BY ?type"
    arguments = ["--project", str(fixture_project.root), "query", "--engine", engine, "--text", query]
    result = CliRunner().invoke(cli, [*arguments, "-f", "csv"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "type\nhttps://w3id.org/pia-kg/ns#Person\n"


@pytest.mark.slow
@pytest.mark.parametrize("dataset", [{}, {"default-graph-uri": STATEMENTS_GRAPH}], ids=["union", "protocol"])
@pytest.mark.parametrize(
    ("query", "expected"), [(CONSTRUCT, EXPECTED), (OWN_BASE, OWN_EXPECTED)], ids=["relative", "own-base"]
)
def test_the_endpoint_resolves_relative_iris_with_or_without_a_dataset(
    client: LocalClient, dataset: dict[str, str], query: str, expected: set[object]
) -> None:
    params = {"query": query, **dataset}
    response = client.get("/sparql", params=params, headers={"accept": "application/n-triples"})
    assert response.status_code == 200, response.text
    assert triples(response.text) == expected
