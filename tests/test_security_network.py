"""No network unless asked (issue 8): nothing any input says can make pia-kg connect anywhere.

A canary HTTP server on 127.0.0.1 records every connection it receives; each test fails if one arrives.
"""

from __future__ import annotations

import http.server
import socket
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph

from pia_kg.cli.main import cli
from pia_kg.errors import QueryError
from pia_kg.security import netguard
from pia_kg.security.netguard import AccessRefused, Policy
from pia_kg.sparql.text import check_oxigraph_query, parse_query
from tests.conftest import TINY_ONTOLOGY, TINY_SHAPES, write_project


class Canary:
    """A local HTTP server that answers anything with an empty JSON-LD context and counts connections."""

    def __init__(self) -> None:
        hits: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/ld+json")
                self.end_headers()
                self.wfile.write(b'{"@context": {}}')

            do_POST = do_GET

            def log_message(self, *args: object) -> None:
                pass

        class Server(http.server.ThreadingHTTPServer):
            def verify_request(self, request: object, client_address: object) -> bool:
                hits.append(str(client_address))
                return True

        self.hits = hits
        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/canary"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Canary:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def canary() -> Iterator[Canary]:
    with Canary() as server:
        yield server


@pytest.fixture
def quiet_canary(canary: Canary) -> Iterator[Canary]:
    """The canary, checked after the test: no connection may have arrived during it."""
    before = len(canary.hits)
    yield canary
    assert canary.hits[before:] == [], "something connected to the canary server"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = write_project(
        tmp_path_factory.mktemp("net") / "repo",
        ontology=TINY_ONTOLOGY,
        shapes=TINY_SHAPES,
        data={"people.ttl": 'person:ada a foaf:Person ;\n    schema:name "Ada" .\n'},
    )
    return project.root


def run(root: Path, *args: str) -> object:
    return CliRunner().invoke(cli, ["--project", str(root), *args])


QUERIES = {
    "SERVICE": "SELECT * WHERE { SERVICE <{url}> { ?s ?p ?o } }",
    "SERVICE SILENT": "SELECT * WHERE { SERVICE SILENT <{url}> { ?s ?p ?o } }",
    "SERVICE in a subquery": "SELECT * WHERE { { SELECT ?s WHERE { SERVICE <{url}> { ?s ?p ?o } } } }",
    "SERVICE in OPTIONAL": "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE <{url}> { ?s ?q ?v } } }",
    "SERVICE in UNION": "SELECT * WHERE { { ?s ?p ?o } UNION { SERVICE <{url}> { ?s ?p ?o } } }",
    "SERVICE in MINUS": "SELECT * WHERE { ?s ?p ?o MINUS { SERVICE <{url}> { ?s ?p ?o } } }",
    "SERVICE in FILTER EXISTS": "SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE <{url}> { ?s ?p ?o } } }",
    "SERVICE in FILTER NOT EXISTS": "ASK { ?s ?p ?o FILTER NOT EXISTS { SERVICE <{url}> { ?s ?p ?o } } }",
    "SERVICE in GRAPH": "SELECT * WHERE { GRAPH ?g { SERVICE <{url}> { ?s ?p ?o } } }",
    "SERVICE in CONSTRUCT": "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <{url}> { ?s ?p ?o } }",
    "SERVICE with a variable": "SELECT * WHERE { VALUES ?e { <{url}> } SERVICE ?e { ?s ?p ?o } }",
    "FROM": "SELECT * FROM <{url}> WHERE { ?s ?p ?o }",
    "FROM NAMED": "SELECT * FROM NAMED <{url}> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "FROM a local file": "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
    "DESCRIBE FROM": "DESCRIBE ?s FROM <{url}> WHERE { ?s ?p ?o }",
    "LOAD": "LOAD <{url}>",
    "LOAD INTO GRAPH": "LOAD SILENT <{url}> INTO GRAPH <urn:x>",
    "INSERT DATA": "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
}


@pytest.mark.parametrize("text", QUERIES.values(), ids=QUERIES.keys())
def test_a_query_that_would_reach_out_is_refused_before_evaluation_and_nothing_connects(
    root: Path, quiet_canary: Canary, text: str
) -> None:
    result = run(root, "query", "--text", text.replace("{url}", quiet_canary.url))
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    assert "not accepted" in result.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in result.stderr  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { ?s ?p ?o . # c\r SERVICE <{url}> { ?s ?p ?o } \n}",
        'SELECT * WHERE { ?s ?p ?o . # \\u000A FILTER(?o != """\nSERVICE <{url}> { ?s ?p ?o }\n# """)\n}',
    ],
    ids=["lone carriage return ends a comment for Oxigraph only", "escaped newline read only by rdflib"],
)
def test_a_query_that_oxigraph_would_read_differently_from_rdflib_never_reaches_it(
    quiet_canary: Canary, text: str
) -> None:
    with pytest.raises(QueryError, match="read differently"):
        check_oxigraph_query(text.replace("{url}", quiet_canary.url))


def test_a_rule_query_that_hides_service_from_rdflib_is_refused_by_validate(
    root: Path, quiet_canary: Canary, tmp_path: Path
) -> None:
    rule = (
        "# title: sneaky\n# expect: empty\n"
        f"SELECT ?focus WHERE {{ ?focus ?p ?o . # c\r SERVICE <{quiet_canary.url}> {{ ?focus ?p ?o }}\n}}\n"
    )
    (root / "queries" / "rule-sneaky.rq").write_bytes(rule.encode("utf-8"))
    try:
        result = run(root, "validate")
    finally:
        (root / "queries" / "rule-sneaky.rq").unlink()
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert "queries/rule-sneaky.rq:" in result.stderr  # type: ignore[attr-defined]


def test_service_nested_anywhere_in_the_algebra_is_found() -> None:
    nested = (
        "SELECT * WHERE { { SELECT * WHERE { ?s ?p ?o OPTIONAL { ?s ?q ?r FILTER EXISTS {"
        " { ?a ?b ?c } UNION { ?a ?b ?c MINUS { SERVICE <urn:x> { ?a ?b ?c } } } } } } } }"
    )
    with pytest.raises(QueryError, match="SERVICE is not accepted"):
        parse_query(nested)


def test_owl_imports_in_a_data_file_are_not_followed(root: Path, quiet_canary: Canary) -> None:
    path = root / "data" / "imports.ttl"
    path.write_text(f"<urn:pia-kg:x> <http://www.w3.org/2002/07/owl#imports> <{quiet_canary.url}> .\n")
    try:
        result = run(root, "validate")
    finally:
        path.unlink()
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]


@pytest.mark.parametrize("engine", ["turbo", "pyshacl"])
def test_owl_imports_in_the_shapes_are_not_followed(root: Path, quiet_canary: Canary, engine: str) -> None:
    shapes = root / "ontology" / "shapes.ttl"
    before = shapes.read_text()
    shapes.write_text(before + f"\n<urn:pia-kg:shapes> owl:imports <{quiet_canary.url}> .\n")
    try:
        result = run(root, "validate", "--engine", engine)
    finally:
        shapes.write_text(before)
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]


@pytest.mark.parametrize("engine", ["turbo", "pyshacl"])
def test_shapes_written_in_a_data_file_are_ignored(root: Path, quiet_canary: Canary, engine: str) -> None:
    path = root / "data" / "shapes-in-data.ttl"
    path.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<urn:pia-kg:evil> a sh:NodeShape ; sh:targetClass <http://xmlns.com/foaf/0.1/Person> ;\n"
        f'  sh:sparql [ sh:select "SELECT $this WHERE {{ SERVICE <{quiet_canary.url}> {{ ?a ?b ?c }} }}"'
        " ] ;\n"
        "  sh:property [ sh:path <urn:pia-kg:never> ; sh:minCount 1 ] .\n"
    )
    try:
        result = run(root, "validate", "--engine", engine)
    finally:
        path.unlink()
    assert result.exit_code == 0, result.stdout  # type: ignore[attr-defined]


def test_a_json_ld_file_with_a_remote_context_is_refused(
    root: Path, quiet_canary: Canary, tmp_path: Path
) -> None:
    path = tmp_path / "remote.jsonld"
    path.write_text(f'{{"@context": "{quiet_canary.url}", "@id": "urn:a", "name": "x"}}\n')
    result = run(root, "validate", str(path))
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert "remote.jsonld:1:" in result.stderr and "remote JSON-LD context" in result.stderr  # type: ignore[attr-defined]


def test_a_json_ld_file_with_a_remote_import_in_its_context_is_refused(
    root: Path, quiet_canary: Canary, tmp_path: Path
) -> None:
    path = tmp_path / "import.jsonld"
    path.write_text(f'{{"@context": {{"@import": "{quiet_canary.url}"}}, "@id": "urn:a"}}\n')
    result = run(root, "validate", str(path))
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert "remote JSON-LD context" in result.stderr  # type: ignore[attr-defined]


def rdf_xml(entity: str) -> str:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY e SYSTEM "{entity}">]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="urn:ex:">\n'
        '<rdf:Description rdf:about="urn:a"><ex:p>[&e;]</ex:p></rdf:Description></rdf:RDF>\n'
    )


@pytest.mark.parametrize("target", ["canary", "file:///etc/passwd"])
def test_rdf_xml_with_an_external_entity_is_refused(
    root: Path, quiet_canary: Canary, tmp_path: Path, target: str
) -> None:
    path = tmp_path / "entity.rdf"
    path.write_text(rdf_xml(quiet_canary.url if target == "canary" else target))
    result = run(root, "validate", str(path))
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert "entity.rdf:2:1: RDF/XML with a DTD or entities is not accepted" in result.stderr  # type: ignore[attr-defined]


@pytest.mark.parametrize("target", ["canary", "file:///etc/passwd"])
def test_rdflib_itself_does_not_resolve_external_entities_either(quiet_canary: Canary, target: str) -> None:
    graph = Graph().parse(data=rdf_xml(quiet_canary.url if target == "canary" else target), format="xml")
    assert [str(obj) for obj in graph.objects()] == ["[]"]


@pytest.fixture
def backstop(tmp_path: Path) -> Iterator[Path]:
    netguard.activate(Policy(netguard.base_roots(tmp_path)))
    try:
        yield tmp_path
    finally:
        netguard.deactivate()


def test_the_backstop_refuses_a_socket_connection(backstop: Path, quiet_canary: Canary) -> None:
    port = int(quiet_canary.url.split(":")[2].split("/")[0])
    with pytest.raises(AccessRefused, match=r"refused to connect to 127\.0\.0\.1"):
        socket.create_connection(("127.0.0.1", port), timeout=2)


def test_the_backstop_refuses_urllib_and_rdflib_s_url_opener(backstop: Path, quiet_canary: Canary) -> None:
    with pytest.raises(AccessRefused):
        urllib.request.urlopen(quiet_canary.url, timeout=2)
    with pytest.raises(Exception, match=r"refused to connect|Could not load"):
        Dataset().query(f"SELECT * FROM <{quiet_canary.url}> WHERE {{ ?s ?p ?o }}")


def test_the_backstop_refuses_dns_look_ups_of_other_hosts(backstop: Path) -> None:
    with pytest.raises(AccessRefused, match=r"example\.org"):
        socket.getaddrinfo("example.org", 80)


def test_the_backstop_refuses_files_outside_the_allow_list(backstop: Path) -> None:
    with pytest.raises(AccessRefused, match="refused to open /etc/passwd"):
        open("/etc/passwd")  # noqa: SIM115
    (backstop / "allowed.txt").write_text("ok")
    assert (backstop / "allowed.txt").read_text() == "ok"


def test_the_backstop_stops_enforcing_when_the_command_ends(root: Path) -> None:
    result = run(root, "queries")
    assert result.exit_code == 0  # type: ignore[attr-defined]
    assert netguard.active_policy() is None
    assert Path("/etc/passwd").read_text()
