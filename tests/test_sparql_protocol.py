"""The W3C SPARQL 1.1 Protocol test suite against a real `pia-kg serve` (issue 12, item 10).

The manifest and its data come from the W3C's rdf-tests, kept unchanged beside the repository in
`../shared/standards/sparql11-protocol/`. A project is made of the suite's `data*.nt` files (N-Triples is a
subset of Turtle, so each is copied as a `.ttl` file) and served with `--graph-name`, naming each file's graph
as the manifest's `ut:graphData` does (`http://kasei.us/2009/09/sparql/data/data1.rdf` ...), which is what
the requests name.

Every test of the manifest runs, in order, each of its requests as written (method, path, headers, body in
its character encoding) over HTTP to 127.0.0.1. Query requests must get the status class, result format and
boolean the manifest expects. pia-kg serve is read-only, so every update request must be refused (403): the
query that follows an update in its test must then find that nothing was written (`false`).
"""

from __future__ import annotations

import io
import shutil
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from rdflib import Graph, Namespace
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS
from rdflib.query import Result

from .conftest import REPO_ROOT, SOURCES_DIR
from .test_server_clients import start_server, stop_server

SUITE = REPO_ROOT.parent / "shared" / "standards" / "sparql11-protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
STATUS_CLASSES = {"StatusCode2xx": 2, "StatusCode3xx": 3, "StatusCode4xx": 4, "StatusCode5xx": 5}
FORMATS = {  # mf:expectedFormat -> the media types the Protocol allows for it (section 2.1.6)
    "boolean": {"application/sparql-results+json", "application/sparql-results+xml"},
    "tabular": {
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    },
    "RDF": {"application/rdf+xml", "text/turtle", "application/n-triples"},
}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: frozenset[int]  # expected status classes: 2 for 2xx ...
    media_format: str | None
    boolean: bool | None

    @property
    def is_update(self) -> bool:
        """A SPARQL Update, by content type, form field or query-string field (Protocol section 2.2)."""
        content_type = self.headers.get("content-type", "").split(";")[0].strip()
        fields = [name for name, _ in parse_qsl(urlsplit(self.path).query)]
        if content_type == "application/x-www-form-urlencoded" and self.body is not None:
            fields += [name for name, _ in parse_qsl(self.body.decode("utf-8"))]
        return content_type == "application/sparql-update" or "update" in fields


@dataclass(frozen=True)
class ProtocolTest:
    name: str
    requests: tuple[Request, ...]
    graph_data: tuple[tuple[str, str], ...]  # (data file name, graph IRI)


def read_manifest() -> list[ProtocolTest]:
    """Every entry of the manifest, in its order."""
    manifest = Graph().parse(SUITE / "manifest.ttl", format="turtle")
    root = next(manifest.subjects(RDF.type, MF.Manifest))
    tests = []
    for entry in Collection(manifest, manifest.value(root, MF.entries)):
        action = manifest.value(entry, MF.action)
        requests = tuple(
            read_request(manifest, node) for node in Collection(manifest, manifest.value(action, HT.requests))
        )
        graph_data = tuple(
            sorted(
                (Path(str(manifest.value(data, UT.graph))).name, str(manifest.value(data, RDFS.label)))
                for data in manifest.objects(entry, UT.graphData)
            )
        )
        tests.append(ProtocolTest(str(entry).rsplit("#", 1)[-1], requests, graph_data))
    return tests


def read_request(manifest: Graph, node: object) -> Request:
    headers = {}
    header_list = manifest.value(node, HT.headers)
    if header_list is not None:
        for header in Collection(manifest, header_list):
            name = str(manifest.value(header, HT.fieldName)).lower()
            headers[name] = str(manifest.value(header, HT.fieldValue))
    body_node = manifest.value(node, HT.body)
    body = None
    if body_node is not None:
        encoding = str(manifest.value(body_node, CNT.characterEncoding) or "UTF-8")
        body = str(manifest.value(body_node, CNT.chars)).encode(encoding)
    response = manifest.value(node, HT.resp)
    expected = manifest.objects(response, MF.expectedStatus)
    statuses = frozenset(STATUS_CLASSES[str(status).rsplit("#", 1)[-1]] for status in expected)
    media_format = manifest.value(response, MF.expectedFormat)
    boolean = manifest.value(response, MF.expectedBoolean)
    return Request(
        method=str(manifest.value(node, HT.methodName)),
        path=str(manifest.value(node, HT.absolutePath)),
        headers=headers,
        body=body,
        statuses=statuses,
        media_format=None if media_format is None else str(media_format),
        boolean=None if boolean is None else bool(boolean.toPython()),
    )


TESTS = read_manifest() if (SUITE / "manifest.ttl").is_file() else []


def graph_names() -> dict[str, str]:
    """Data file -> graph IRI, as every test of the manifest declares it (they agree)."""
    names: dict[str, str] = {}
    for test in TESTS:
        for file, iri in test.graph_data:
            assert names.setdefault(file, iri) == iri
    return names


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`pia-kg serve` on a free port of 127.0.0.1, serving the suite's data as the manifest names it."""
    root = tmp_path_factory.mktemp("protocol") / "repo"
    (root / "data").mkdir(parents=True)
    (root / "queries").mkdir()
    shutil.copytree(REPO_ROOT / "ontology", root / "ontology")
    (root / "pyproject.toml").write_text("[project]\nname = 'protocol-tests'\n", encoding="utf-8")
    options = []
    for file, iri in sorted(graph_names().items()):
        target = f"data/{Path(file).stem}.ttl"
        shutil.copyfile(SUITE / file, root / target)
        options += ["--graph-name", f"{target}={iri}"]
    running = start_server("--sources", str(SOURCES_DIR), "--workers", "1", *options, project=root)
    yield running.url.removesuffix("/sparql")
    code, stderr = stop_server(running, signal.SIGTERM)
    assert code == 0, stderr


def test_the_manifest_is_there_and_holds_query_and_update_tests() -> None:
    assert (SUITE / "manifest.ttl").is_file(), f"the W3C protocol tests are expected in {SUITE}"
    names = [test.name for test in TESTS]
    assert len(names) == len(set(names)) == 34
    assert {"query_multiple_dataset", "update_base_uri", "bad_update_dataset_conflict"} <= set(names)
    kasei = "http://kasei.us/2009/09/sparql/data/"
    assert set(graph_names().values()) == {f"{kasei}data{n}.rdf" for n in (1, 2, 3)}


@pytest.mark.slow
@pytest.mark.parametrize("test", TESTS, ids=[test.name for test in TESTS])
def test_w3c_protocol(endpoint: str, test: ProtocolTest) -> None:
    refused_update = False
    with httpx.Client(base_url=endpoint, timeout=60) as client:
        for number, request in enumerate(test.requests, start=1):
            where = f"{test.name}, request {number}: {request.method} {request.path}"
            response = client.request(
                request.method, request.path, headers=request.headers, content=request.body
            )
            if request.is_update:
                assert response.status_code == 403, f"{where}: {response.status_code} {response.text}"
                assert "read-only" in response.text
                refused_update = True
                continue
            status = f"{where}: {response.status_code} {response.text}"
            assert response.status_code // 100 in request.statuses, status
            if request.media_format is not None:
                check_format(response, request.media_format, where=where)
            if request.boolean is not None:
                assert ask_answer(response) is (request.boolean and not refused_update), where


def check_format(response: httpx.Response, media_format: str, *, where: str) -> None:
    media_type = response.headers["content-type"].split(";")[0].strip()
    assert media_type in FORMATS[media_format], f"{where}: {media_type} for {media_format}"
    if media_format == "RDF":
        rdflib_format = {"text/turtle": "turtle", "application/n-triples": "nt"}.get(media_type, "xml")
        Graph().parse(data=response.content, format=rdflib_format)
    elif media_type.startswith("application/sparql-results+"):
        Result.parse(io.BytesIO(response.content), format=media_type.rsplit("+", 1)[-1])


def ask_answer(response: httpx.Response) -> bool:
    assert response.status_code == 200, response.text
    media_type = response.headers["content-type"].split(";")[0].strip()
    result = Result.parse(io.BytesIO(response.content), format=media_type.rsplit("+", 1)[-1])
    assert result.type == "ASK"
    return bool(result.askAnswer)


@pytest.mark.slow
def test_a_graph_the_endpoint_does_not_hold_is_empty_and_never_fetched(endpoint: str) -> None:
    """Protocol section 2.1.4: the graphs named are picked among those held; nothing is dereferenced."""
    with httpx.Client(base_url=endpoint, timeout=60) as client:
        data1 = "http://kasei.us/2009/09/sparql/data/data1.rdf"
        query = f"ASK {{ <{data1}> ?p ?o }}"
        held = client.get("/sparql", params={"query": query, "default-graph-uri": data1})
        assert ask_answer(held) is True
        for unknown in (f"{endpoint}/dumps/pia-kg.ttl", "http://kasei.us/2009/09/sparql/data/data0.rdf"):
            empty = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }", "default-graph-uri": unknown})
            assert ask_answer(empty) is False
            in_graph = "ASK { GRAPH ?g { ?s ?p ?o } }"
            named = client.get("/sparql", params={"query": in_graph, "named-graph-uri": unknown})
            assert ask_answer(named) is False


@pytest.mark.slow
def test_from_picks_a_held_graph_and_the_protocol_dataset_overrides_it(endpoint: str) -> None:
    data1, data3 = (f"http://kasei.us/2009/09/sparql/data/data{n}.rdf" for n in (1, 3))
    with httpx.Client(base_url=endpoint, timeout=60) as client:

        def ask(query: str, **dataset: str) -> bool:
            params = {"query": query, **{key.replace("_", "-"): value for key, value in dataset.items()}}
            return ask_answer(client.get("/sparql", params=params))

        assert ask(f"ASK FROM <{data3}> {{ <{data3}> a ?type }}")
        assert not ask(f"ASK FROM <{data3}> {{ <{data1}> a ?type }}")
        assert ask(f"ASK FROM NAMED <{data1}> {{ GRAPH <{data1}> {{ <{data1}> a ?type }} }}")
        assert not ask(f"ASK FROM NAMED <{data1}> {{ ?s ?p ?o }}")  # the default graph is then empty
        assert ask(f"ASK FROM <{data3}> {{ <{data1}> a ?type }}", default_graph_uri=data1)
        assert not ask(f"ASK FROM <{data3}> {{ <{data3}> a ?type }}", named_graph_uri=data3)
