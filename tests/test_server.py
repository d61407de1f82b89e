"""`pia-kg serve` in-process: the SPARQL 1.1 Protocol, its limits, linked data and pages (no sockets).

One app (real ontology and queries, the small fixture data) serves the whole module; its query workers are
real processes, so the time limit is the real one.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from pia_kg.cli.main import cli
from pia_kg.graph.loading import load
from pia_kg.project import Project
from pia_kg.publish.site.build import build_release
from pia_kg.rdf.namespaces import OWL, PIA, RDF, SKOS
from pia_kg.serve.server import LocalClient, ServerSettings, open_app
from pia_kg.sparql.engine import run_query
from tests.conftest import REPO_ROOT, SOURCES_DIR, copy_fixture_project
from tests.processes import cpu_baseline, wait_for_busy_process
from tests.test_security_network import Canary

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
STATEMENTS = "SELECT ?s WHERE { ?s a pia:Statement } ORDER BY ?s"
PEOPLE_GRAPH = "urn:pia-kg:file:data/statements.ttl"
HANG_GUARD = 120  # seconds: only stops a test that would otherwise wait for ever


@pytest.fixture(scope="module")
def fixture_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return copy_fixture_project(tmp_path_factory.mktemp("serve") / "repo")


@pytest.fixture(scope="module")
def client(fixture_project: Project) -> Iterator[LocalClient]:
    settings = ServerSettings(timeout=1.5, max_rows=40, max_body=4_000, workers=2)
    with LocalClient(open_app(fixture_project, settings=settings)) as local:
        yield local


def sparql_json(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    document = response.json()
    return [{name: cell["value"] for name, cell in row.items()} for row in document["results"]["bindings"]]


# ------------------------------------------------------------------ protocol


@pytest.mark.slow
def test_a_get_query_answers_sparql_json_by_default(client: LocalClient) -> None:
    response = client.get("/sparql", params={"query": STATEMENTS})
    assert response.headers["content-type"] == "application/sparql-results+json"
    assert response.headers["vary"].startswith("Accept")
    assert len(sparql_json(response)) >= 1


@pytest.mark.slow
def test_post_form_and_post_sparql_query_answer_like_get(client: LocalClient) -> None:
    by_get = sparql_json(client.get("/sparql", params={"query": STATEMENTS}))
    by_form = sparql_json(client.post("/sparql", data={"query": STATEMENTS}))
    direct = client.post(
        "/sparql", content=STATEMENTS.encode(), headers={"content-type": "application/sparql-query"}
    )
    assert by_get == by_form == sparql_json(direct)


@pytest.mark.slow
def test_the_answers_are_those_of_the_local_engine(client: LocalClient, fixture_project: Project) -> None:
    local = run_query(load(fixture_project), STATEMENTS)
    served = sparql_json(client.get("/sparql", params={"query": STATEMENTS}))
    assert [row["s"] for row in served] == [str(row[0]) for row in local.rows]  # type: ignore[union-attr]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9, */*;q=0.1", "application/sparql-results+xml"),
        ("text/*", "text/csv; charset=utf-8"),
        ("text/tab-separated-values, */*;q=0.5", "text/tab-separated-values; charset=utf-8"),
        ("application/sparql-results+json;q=0, */*", "application/sparql-results+xml"),
        ("*/*", "application/sparql-results+json"),
    ],
)
def test_accept_quality_values_and_wildcards_choose_the_result_format(
    client: LocalClient, accept: str, expected: str
) -> None:
    response = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == expected


@pytest.mark.slow
def test_an_accept_header_that_nothing_fits_gets_406_listing_the_offers(client: LocalClient) -> None:
    response = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"accept": "image/png"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.text


@pytest.mark.slow
@pytest.mark.parametrize(
    ("media_type", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
    ],
)
def test_construct_is_negotiated_into_each_rdf_format(
    client: LocalClient, fixture_project: Project, media_type: str, rdflib_format: str
) -> None:
    query = "CONSTRUCT { ?s schema:text ?text } WHERE { ?s schema:text ?text }"
    response = client.get("/sparql", params={"query": query}, headers={"accept": media_type})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    served = Graph().parse(data=response.content, format=rdflib_format)
    assert isomorphic(served, run_query(load(fixture_project), query).graph)  # type: ignore[union-attr]


@pytest.mark.slow
def test_describe_gives_the_concise_bounded_description(
    client: LocalClient, fixture_project: Project
) -> None:
    query = "DESCRIBE ?s WHERE { ?s a pia:Statement } LIMIT 1"
    response = client.get("/sparql", params={"query": query}, headers={"accept": "text/turtle"})
    served = Graph().parse(data=response.text, format="turtle")
    assert isomorphic(served, run_query(load(fixture_project), query).graph)  # type: ignore[union-attr]


@pytest.mark.slow
def test_get_without_a_query_is_the_service_description(client: LocalClient) -> None:
    response = client.get("/sparql", headers={"accept": "text/turtle"})
    graph = Graph().parse(data=response.text, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    service = URIRef("http://testserver/sparql")
    assert (service, URIRef(sd + "endpoint"), service) in graph
    assert (service, URIRef(sd + "feature"), URIRef(sd + "UnionDefaultGraph")) in graph
    assert (service, URIRef(sd + "supportedLanguage"), URIRef(sd + "SPARQL11Query")) in graph


# ------------------------------------------------------------------ read-only and refusals


@pytest.mark.slow
def test_an_update_sent_as_a_form_is_forbidden(client: LocalClient) -> None:
    response = client.post("/sparql", data={"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"})
    assert response.status_code == 403
    assert "read-only" in response.text


@pytest.mark.slow
@pytest.mark.parametrize("path", ["/sparql", "/", "/id/person/anyone", "/update"])
def test_an_update_body_is_forbidden_on_every_route(client: LocalClient, path: str) -> None:
    headers = {"content-type": "application/sparql-update"}
    response = client.post(path, content=b"DROP ALL", headers=headers)
    assert response.status_code == 403


@pytest.mark.slow
def test_an_update_in_the_query_parameter_is_refused_before_evaluation(client: LocalClient) -> None:
    response = client.get("/sparql", params={"query": "DELETE WHERE { ?s ?p ?o }"})
    assert response.status_code == 400
    assert "SPARQL Update is not accepted" in response.text
    assert sparql_json(client.get("/sparql", params={"query": STATEMENTS}))


@pytest.mark.slow
def test_writes_to_other_routes_are_not_allowed(client: LocalClient) -> None:
    assert client.request("PUT", "/id/person/anyone", content=b"x").status_code == 405
    assert client.request("DELETE", "/sparql").status_code == 405


@pytest.mark.slow
@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", "SERVICE is not accepted"),
        ("LOAD <http://example.org/data.ttl>", "SPARQL Update is not accepted"),
    ],
)
def test_queries_that_would_reach_outside_are_refused(client: LocalClient, query: str, words: str) -> None:
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 400
    assert words in response.text


@pytest.mark.slow
def test_a_malformed_query_gets_400_with_the_parser_message_and_position(client: LocalClient) -> None:
    response = client.get("/sparql", params={"query": "SELECT ?s\nWHERE { ?s ?p }"})
    assert response.status_code == 400
    assert "query:2:" in response.text
    assert "not valid SPARQL" in response.text


@pytest.mark.slow
def test_default_graph_uri_makes_one_file_the_default_graph(client: LocalClient) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    whole = sparql_json(client.get("/sparql", params={"query": query}))[0]["n"]
    one = sparql_json(client.get("/sparql", params={"query": query, "default-graph-uri": PEOPLE_GRAPH}))
    assert 0 < int(one[0]["n"]) < int(whole)


@pytest.mark.slow
def test_named_graph_uri_limits_the_named_graphs(client: LocalClient) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    rows = sparql_json(client.get("/sparql", params={"query": query, "named-graph-uri": PEOPLE_GRAPH}))
    assert rows == [{"g": PEOPLE_GRAPH}]


@pytest.mark.slow
def test_issue_12_a_graph_the_endpoint_does_not_hold_is_empty_and_never_fetched(client: LocalClient) -> None:
    """Issue 12, item 10: a dataset naming a graph the endpoint does not hold got 400; FROM got 400."""
    with Canary() as canary:
        names = [canary.url, "file:///etc/passwd", "urn:pia-kg:file:nope.ttl"]
        for name in names:
            for parameter in ("default-graph-uri", "named-graph-uri"):
                params = {"query": "ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }", parameter: name}
                response = client.get("/sparql", params=params)
                assert response.status_code == 200, (parameter, name, response.text)
                assert response.json() == {"head": {}, "boolean": False}
            for query, header in (
                (f"SELECT ?s ?p ?o FROM <{name}> WHERE {{ ?s ?p ?o }}", "s,p,o"),
                (f"SELECT ?g ?s FROM NAMED <{name}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", "g,s"),
            ):
                response = client.get("/sparql", params={"query": query}, headers={"accept": "text/csv"})
                assert (response.status_code, response.text.strip()) == (200, header), query
            query = f"DESCRIBE ?s FROM <{name}> WHERE {{ ?s ?p ?o }}"
            headers = {"accept": "application/n-triples"}
            response = client.get("/sparql", params={"query": query}, headers=headers)
            assert (response.status_code, response.text.strip()) == (200, ""), query
        assert canary.hits == []


@pytest.mark.slow
def test_issue_12_from_picks_a_held_graph_and_the_protocol_dataset_overrides_it(client: LocalClient) -> None:
    """Issue 12, item 10: FROM was refused with 400, even with default-graph-uri set."""
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    params = {"query": query, "default-graph-uri": PEOPLE_GRAPH}
    by_protocol = sparql_json(client.get("/sparql", params=params))
    from_query = query.replace("WHERE", f"FROM <{PEOPLE_GRAPH}> WHERE")
    assert sparql_json(client.get("/sparql", params={"query": from_query})) == by_protocol
    elsewhere = "urn:pia-kg:file:data/sources.ttl"
    overridden = client.get("/sparql", params={"query": from_query, "default-graph-uri": elsewhere})
    assert sparql_json(overridden) != by_protocol
    assert sparql_json(overridden) == sparql_json(
        client.get("/sparql", params={"query": query, "default-graph-uri": elsewhere})
    )


# ------------------------------------------------------------------ limits


@pytest.mark.slow
def test_a_result_over_the_row_limit_gets_400_with_a_hint(client: LocalClient) -> None:
    response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert response.status_code == 400
    assert "limit of 40" in response.text
    assert "LIMIT" in response.text


@pytest.mark.slow
def test_a_body_over_the_size_limit_gets_413(client: LocalClient) -> None:
    body = ("# padding\n" * 500 + "ASK { ?s ?p ?o }").encode()
    response = client.post("/sparql", content=body, headers={"content-type": "application/sparql-query"})
    assert response.status_code == 413


@pytest.mark.slow
def test_an_unknown_post_body_type_gets_415(client: LocalClient) -> None:
    response = client.post("/sparql", content=b"{}", headers={"content-type": "application/json"})
    assert response.status_code == 415


@pytest.mark.slow
def test_a_query_past_the_time_limit_is_stopped_with_503_and_the_next_one_runs(client: LocalClient) -> None:
    response = client.get("/sparql", params={"query": SLOW})
    assert response.status_code == 503
    assert "was stopped" in response.text
    assert sparql_json(client.get("/sparql", params={"query": STATEMENTS}))


@pytest.mark.slow
def test_a_cheap_query_is_answered_while_a_slow_one_is_being_evaluated(fixture_project: Project) -> None:
    """Overlap shown by order, not by timing: with a 600 s limit the slow query cannot end during the test,
    yet the cheap one, sent once a worker has spent a second of CPU on the slow one, must be answered.
    A pool that runs one query at a time makes the cheap one wait and the test fail at the hang guard."""
    app = open_app(fixture_project, settings=ServerSettings(timeout=600, workers=2))
    sparql = next(route for route in app.routes if getattr(route, "path", None) == "/sparql")
    with LocalClient(app) as local, ThreadPoolExecutor(max_workers=2) as requests:
        baseline = cpu_baseline(sparql.endpoint.__self__.pool.pids)  # the app's own query workers
        assert len(baseline) == 2
        slow = requests.submit(local.get, "/sparql", params={"query": SLOW})
        busy = wait_for_busy_process(baseline, what="the slow query")
        try:
            cheap = requests.submit(local.get, "/sparql", params={"query": "ASK { ?s ?p ?o }"})
            try:
                answer = cheap.result(timeout=HANG_GUARD)
            except TimeoutError:
                pytest.fail(f"no answer to a cheap query within {HANG_GUARD} s while a slow one was running")
            assert answer.status_code == 200
            assert answer.json()["boolean"] is True
            assert not slow.done(), f"the slow request ended first: {slow.result()}"
        finally:
            os.kill(busy, signal.SIGKILL)  # the slow query would run to the 600 s limit: stop its worker
        assert slow.result(timeout=HANG_GUARD).status_code == 500


@pytest.mark.slow
def test_cors_preflight_and_simple_requests_allow_any_origin(client: LocalClient) -> None:
    headers = {
        "origin": "https://example.org",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
    }
    preflight = client.request("OPTIONS", "/sparql", headers=headers)
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    simple = client.get("/sparql", params={"query": "ASK {}"}, headers={"origin": "https://example.org"})
    assert simple.headers["access-control-allow-origin"] == "*"


# ------------------------------------------------------------------ linked data


def statement_path(client: LocalClient) -> str:
    first = sparql_json(client.get("/sparql", params={"query": STATEMENTS}))[0]["s"]
    return "/" + first.removeprefix("https://w3id.org/pia-kg/")


@pytest.mark.slow
def test_a_resource_negotiates_turtle_with_the_labels_of_what_it_links_to(client: LocalClient) -> None:
    path = statement_path(client)
    response = client.get(path, headers={"accept": "text/turtle"})
    assert response.status_code == 200
    assert {"Accept", "Accept-Language"} <= {item.strip() for item in response.headers["vary"].split(",")}
    assert response.headers["content-location"].endswith(".ttl")
    graph = Graph().parse(data=response.text, format="turtle")
    iri = URIRef("https://w3id.org/pia-kg" + path)
    assert len(list(graph.predicate_objects(iri))) > 3
    linked = {obj for obj in graph.objects(iri, None) if isinstance(obj, URIRef)}
    assert any(graph.value(obj, SKOS.prefLabel) is not None for obj in linked)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("accept", "start"),
    [("text/html,application/xhtml+xml,*/*;q=0.8", "<!DOCTYPE html>"), ("application/ld+json", "{")],
)
def test_a_resource_negotiates_html_for_browsers_and_json_ld_for_machines(
    client: LocalClient, accept: str, start: str
) -> None:
    response = client.get(statement_path(client), headers={"accept": accept})
    assert response.status_code == 200
    assert response.text.startswith(start)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("extension", "rdflib_format"), [(".ttl", "turtle"), (".nt", "nt"), (".jsonld", "json-ld")]
)
def test_extension_urls_answer_their_format_whatever_the_accept_header(
    client: LocalClient, extension: str, rdflib_format: str
) -> None:
    path = statement_path(client)
    response = client.get(path + extension, headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "Accept" not in response.headers.get("vary", "")
    negotiated = client.get(path, headers={"accept": response.headers["content-type"].split(";")[0]})
    assert isomorphic(
        Graph().parse(data=response.content, format=rdflib_format),
        Graph().parse(data=negotiated.content, format=rdflib_format),
    )


@pytest.mark.slow
def test_html_extension_urls_serve_the_english_and_french_pages(client: LocalClient) -> None:
    path = statement_path(client)
    assert '<html lang="en">' in client.get(path + ".html").text
    assert '<html lang="fr">' in client.get(path + ".fr.html").text
    assert '<html lang="fr">' in client.get(path, headers={"accept-language": "fr-FR,fr;q=0.9"}).text


@pytest.mark.slow
def test_the_ontology_is_served_at_ns_by_content_negotiation(client: LocalClient) -> None:
    turtle = client.get("/ns", headers={"accept": "text/turtle"})
    graph = Graph().parse(data=turtle.text, format="turtle")
    assert (URIRef("https://w3id.org/pia-kg/ns"), None, None) in graph
    assert client.get("/ns.ttl").headers["content-type"].startswith("text/turtle")
    assert client.get("/ns", headers={"accept": "text/html"}).text.startswith("<!DOCTYPE html>")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("path", "accept", "rdflib_format"),
    [
        ("/ns", "text/turtle", "turtle"),
        ("/ns", "application/ld+json", "json-ld"),
        ("/ns.ttl", None, "turtle"),
        ("/ns.jsonld", None, "json-ld"),
    ],
)
def test_issue_12_ns_serves_the_whole_ontology_as_build_writes_it(
    client: LocalClient, path: str, accept: str | None, rdflib_format: str
) -> None:
    """Issue 12, item 4: /ns gave the ten triples about the ontology IRI, not the ontology."""
    response = client.get(path, headers={"accept": accept} if accept else {})
    assert response.status_code == 200
    served = Graph().parse(data=response.content, format=rdflib_format)
    assert (PIA.Agreement, RDF.type, OWL.Class) in served
    assert served.value(PIA.Agreement, SKOS.definition) is not None
    built = Graph().parse(client.app.state.site_dir / "ns.ttl", format="turtle")
    assert isomorphic(served, built)


@pytest.mark.slow
def test_issue_12_accept_application_json_gets_json_ld_with_the_project_context(client: LocalClient) -> None:
    """Issue 12, item 13: `Accept: application/json` on /id/... got 406."""
    path = statement_path(client)
    response = client.get(path, headers={"accept": "application/json"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-location"].endswith(".jsonld")
    assert response.json()["@context"]["pia"] == str(PIA)
    served = Graph().parse(data=response.content, format="json-ld")
    assert isomorphic(served, Graph().parse(data=client.get(path + ".jsonld").content, format="json-ld"))
    ontology = client.get("/ns", headers={"accept": "application/json"})
    assert ontology.status_code == 200
    assert (PIA.Agreement, RDF.type, OWL.Class) in Graph().parse(data=ontology.content, format="json-ld")


@pytest.mark.slow
def test_issue_12_the_endpoint_answers_at_sparql_with_a_trailing_slash(client: LocalClient) -> None:
    """Issue 12, item 13: /sparql/ was a 404."""
    by_get = client.get("/sparql/", params={"query": STATEMENTS})
    by_form = client.post("/sparql/", data={"query": STATEMENTS})
    plain = client.get("/sparql", params={"query": STATEMENTS})
    assert sparql_json(by_get) == sparql_json(by_form) == sparql_json(plain)
    assert client.post("/sparql/", data={"update": "CLEAR ALL"}).status_code == 403


@pytest.mark.slow
def test_issue_12_questions_lists_the_saved_questions_with_links_that_run_them(client: LocalClient) -> None:
    """Issue 12, item 13: /questions was a 404."""
    for path in ("/questions", "/questions/"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert 'href="questions/timeline"' in page.text
    assert client.get("/questions/timeline").status_code == 200


@pytest.mark.slow
def test_issue_12_a_type_path_lists_its_resources_in_html_and_rdf(client: LocalClient) -> None:
    """Issue 12, item 13: /id/statement/ (the list of a type) was a 404."""
    first = statement_path(client)
    slug = first.rsplit("/", 1)[-1]
    page = client.get("/id/statement/", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert f'href="{slug}.html"' in page.text
    assert '<html lang="fr">' in client.get("/id/statement/", headers={"accept-language": "fr"}).text
    turtle = client.get("/id/statement/", headers={"accept": "text/turtle"})
    assert turtle.status_code == 200
    assert turtle.headers["content-location"] == "index.ttl"
    listing = Graph().parse(data=turtle.text, format="turtle")
    statements = set(listing.subjects(RDF.type, PIA.Statement))
    assert URIRef("https://w3id.org/pia-kg" + first) in statements
    assert len(statements) == len(sparql_json(client.get("/sparql", params={"query": STATEMENTS})))
    by_extension = client.get("/id/statement/index.ttl", headers={"accept": "text/html"})
    assert isomorphic(listing, Graph().parse(data=by_extension.text, format="turtle"))
    redirect = client.get("/id/statement")
    assert (redirect.status_code, redirect.headers["location"]) == (301, "/id/statement/")
    assert client.get("/id/nothing/").status_code == 404


@pytest.mark.slow
def test_an_unknown_resource_gets_a_404_page_suggesting_similar_labels(client: LocalClient) -> None:
    path = statement_path(client)
    response = client.get(path[:-2] + "zz", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert "Did you mean" in response.text
    assert path.rsplit("/", 1)[-1] in response.text


@pytest.mark.slow
def test_an_unknown_path_gets_the_404_page(client: LocalClient) -> None:
    response = client.get("/nothing/here.html")
    assert response.status_code == 404
    assert "Nothing is published at" in response.text


# ------------------------------------------------------------------ pages


@pytest.mark.slow
def test_the_home_page_is_the_sites_home_with_sources_statements_and_downloads(
    client: LocalClient, fixture_project: Project, tmp_path: Path
) -> None:
    response = client.get("/")
    page = response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert client.get("/index.html").content == response.content
    built = build_release(fixture_project, output_dir=tmp_path / "dist")
    for name in ("index.html", "index.fr.html"):  # the same bytes as `pia-kg build` writes
        assert client.get(f"/{name}").content == (built.output_dir / name).read_bytes(), name
    assert 'href="questions.html"' in page and 'href="index.fr.html"' in page
    assert 'id="sources"' in page and 'id="latest"' in page
    assert 'href="dumps/' in page
    assert 'href="dataset.ttl"' in page
    assert client.get("/dataset.ttl").status_code == 200


@pytest.mark.slow
def test_a_saved_question_link_runs_it_and_shows_a_table(client: LocalClient) -> None:
    page = client.get("/questions/timeline")
    assert page.status_code == 200
    assert '<th scope="col">Date</th>' in page.text
    assert '<th scope="col">Precision of the date</th>' in page.text


@pytest.mark.slow
def test_a_saved_question_with_a_bad_parameter_says_what_is_wrong(client: LocalClient) -> None:
    page = client.get("/questions/statements-by-person", params={"person": '"not an iri"'})
    assert page.status_code == 400
    assert "expects an IRI" in page.text


@pytest.mark.slow
def test_without_yasgui_the_query_page_is_a_plain_form_listing_the_saved_questions(
    client: LocalClient,
) -> None:
    page = client.get("/query").text  # the fixture project has no web/node_modules
    assert "plain form" in page and '<form method="post" action="sparql">' in page
    assert 'href="questions/timeline' in page
    assert "static/yasgui" not in page and 'id="saved-questions"' not in page


@pytest.mark.slow
def test_with_yasgui_the_query_page_preloads_the_saved_questions(
    fixture_project: Project, tmp_path: Path
) -> None:
    installed = REPO_ROOT / "web" / "node_modules"
    if not (installed / "@zazuko" / "yasgui" / "build" / "yasgui.min.js").is_file():
        pytest.skip("YASGUI is not installed: run `make web` (npm ci in web/)")
    root = tmp_path / "repo"
    shutil.copytree(fixture_project.root, root)
    (root / "web").mkdir()
    (root / "web" / "node_modules").symlink_to(installed)
    with LocalClient(open_app(Project(root, SOURCES_DIR), settings=ServerSettings(workers=1))) as local:
        page = local.get("/query").text
        assert local.get("/static/yasgui/yasgui.min.js").status_code == 200
    assert '<script src="static/yasgui/yasgui.min.js">' in page and "plain form" not in page
    start = page.index('id="saved-questions">') + len('id="saved-questions">')
    questions = json.loads(page[start : page.index("</script>", start)])
    assert any(question["name"] == "Timeline" for question in questions)


# ------------------------------------------------------------------ CLI


@pytest.mark.slow
def test_serve_get_prints_the_body_and_exits_0_on_success(fixture_project: Project) -> None:
    runner = CliRunner()
    query = "ASK { ?s a pia:Statement }"
    result = runner.invoke(
        cli, ["--project", str(fixture_project.root), "serve", "--get", f"/sparql?query={query}"]
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"head": {}, "boolean": True}
    assert "200" in result.stderr


@pytest.mark.slow
def test_serve_get_exits_1_when_the_answer_is_not_2xx(fixture_project: Project) -> None:
    result = CliRunner().invoke(
        cli, ["--project", str(fixture_project.root), "serve", "--get", "/sparql?query=x"]
    )
    assert result.exit_code == 1
    assert "not valid SPARQL" in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("data/statements.ttl", "expected FILE=IRI"),
        ("data/nothing.ttl=https://example.org/g", "data/nothing.ttl is not an ontology or data file"),
        ("ontology/shapes.ttl=https://example.org/g", "ontology/shapes.ttl is not an ontology or data file"),
        ("data/statements.ttl=statements", "'statements' is not an absolute IRI"),
        ("data/statements.ttl=urn:pia-kg:file:data/sources.ttl", "would name two graphs"),
    ],
)
def test_a_bad_graph_name_exits_2_saying_what_to_give(
    fixture_project: Project, value: str, message: str
) -> None:
    arguments = ["--project", str(fixture_project.root), "serve", "--graph-name", value, "--get", "/sparql"]
    result = CliRunner().invoke(cli, arguments)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.slow
def test_graph_name_serves_a_file_under_the_given_iri(fixture_project: Project) -> None:
    name = "https://example.org/graphs/statements"
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s a pia:Statement } }"
    renamed = f"data/statements.ttl={name}"
    arguments = ["--project", str(fixture_project.root), "serve", "--graph-name", renamed]
    result = CliRunner().invoke(cli, [*arguments, "--get", f"/sparql?query={quote(query)}"])
    assert result.exit_code == 0, result.stderr
    assert [row["g"]["value"] for row in json.loads(result.stdout)["results"]["bindings"]] == [name]


def test_serve_help_says_why_it_binds_to_loopback() -> None:
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    assert "127.0.0.1" in result.stdout
    assert "by accident" in " ".join(result.stdout.split())


@pytest.mark.slow
def test_literal_terms_survive_the_trip_through_the_workers(client: LocalClient) -> None:
    query = 'SELECT ?x WHERE { BIND("été"@fr AS ?x) }'
    response = client.get("/sparql", params={"query": query}, headers={"accept": "text/tab-separated-values"})
    assert response.text == '?x\n"été"@fr\n'
    assert Literal("été", lang="fr").n3() in response.text


@pytest.mark.slow
def test_the_site_folder_of_a_server_is_removed_when_it_stops(fixture_project: Project) -> None:
    app = open_app(fixture_project, settings=ServerSettings(workers=1))
    site_dir: Path = app.state.site_dir
    with LocalClient(app) as local:
        assert local.get("/").status_code == 200
        assert (site_dir / "index.html").is_file()
    assert not site_dir.exists()
