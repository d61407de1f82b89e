"""Real clients against the real server: `pia-kg serve` on a free loopback port in a subprocess, over the
repository's own graph. SPARQLWrapper, rdflib's SPARQLStore (under two PYTHONHASHSEED values, which change
the order of its Accept header) and Comunica must get the same answers as `pia-kg query` gives locally, for
SELECT, ASK, CONSTRUCT and DESCRIBE. The server must also stop cleanly on SIGTERM and SIGINT.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.compare import isomorphic

from pia_kg.cli import cli
from tests.conftest import REPO_ROOT

PREFIXES = (
    "PREFIX pia: <https://w3id.org/pia-kg/ns#>\n"
    "PREFIX schema: <https://schema.org/>\n"
    "PREFIX organisation: <https://w3id.org/pia-kg/id/organisation/>\n"
)
SELECT = PREFIXES + "SELECT ?s ?text WHERE { ?s a pia:Statement ; schema:text ?text } ORDER BY ?s"
ASK = PREFIXES + "ASK { organisation:current-ai ?p ?o }"
CONSTRUCT = PREFIXES + "CONSTRUCT { ?s schema:text ?text } WHERE { ?s a pia:Statement ; schema:text ?text }"
DESCRIBE = PREFIXES + "DESCRIBE organisation:current-ai"
COMUNICA = REPO_ROOT / "web" / "node_modules" / ".bin" / "comunica-sparql"


@dataclass(frozen=True)
class Running:
    url: str
    process: subprocess.Popen[bytes]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(*extra: str, project: Path = REPO_ROOT) -> Running:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "pia_kg",
        "--project",
        str(project),
        "serve",
        "--port",
        str(port),
        *extra,
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/sparql"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"the server exited: {process.stderr.read().decode() if process.stderr else ''}"
            )
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return Running(url, process)
        except httpx.TransportError:
            time.sleep(0.3)
    process.kill()
    raise AssertionError("the server did not answer within 120 s")


def stop_server(running: Running, sig: signal.Signals) -> tuple[int, str]:
    running.process.send_signal(sig)
    try:
        _, stderr = running.process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        running.process.kill()
        raise
    return running.process.returncode, stderr.decode()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    running = start_server("--timeout", "3", "--workers", "2")
    yield running.url
    code, stderr = stop_server(running, signal.SIGTERM)
    assert code == 0, stderr


def local(query: str, fmt: str) -> str:
    result = CliRunner().invoke(cli, ["--project", str(REPO_ROOT), "query", "--text", query, "-f", fmt])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def local_rows(query: str) -> list[dict[str, str]]:
    document = json.loads(local(query, "json"))
    return [{name: cell["value"] for name, cell in row.items()} for row in document["results"]["bindings"]]


def local_graph(query: str) -> Graph:
    return Graph().parse(data=local(query, "ntriples"), format="nt")


def rows_of(document: dict[str, object]) -> list[dict[str, str]]:
    bindings = document["results"]["bindings"]  # type: ignore[index]
    return [{name: cell["value"] for name, cell in row.items()} for row in bindings]


# ------------------------------------------------------------------ SPARQLWrapper


def test_sparqlwrapper_gets_the_local_answers_for_select_and_ask(server: str) -> None:
    from SPARQLWrapper import JSON, SPARQLWrapper

    client = SPARQLWrapper(server)
    client.setReturnFormat(JSON)
    client.setQuery(SELECT)
    assert rows_of(client.queryAndConvert()) == local_rows(SELECT)  # type: ignore[arg-type]
    client.setQuery(ASK)
    assert client.queryAndConvert()["boolean"] is True  # type: ignore[index]


@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE], ids=["construct", "describe"])
def test_sparqlwrapper_gets_the_local_graphs_for_construct_and_describe(server: str, query: str) -> None:
    from SPARQLWrapper import POST, TURTLE, SPARQLWrapper

    client = SPARQLWrapper(server)
    client.setMethod(POST)
    client.setReturnFormat(TURTLE)
    client.setQuery(query)
    served = Graph().parse(data=client.queryAndConvert(), format="turtle")  # type: ignore[arg-type]
    assert len(served) > 0
    assert isomorphic(served, local_graph(query))


# ------------------------------------------------------------------ rdflib SPARQLStore

STORE_SCRIPT = """
import json, sys
from rdflib import Graph
from rdflib.plugins.stores.sparqlstore import SPARQLStore
url, queries = sys.argv[1], json.loads(sys.argv[2])
graph = Graph(store=SPARQLStore(query_endpoint=url))  # Accept: SPARQL XML and RDF/XML, in set order
out = {}
for name, query in queries.items():
    result = graph.query(query)
    if result.type == "SELECT":
        out[name] = [{str(k): str(v) for k, v in row.asdict().items()} for row in result]
    elif result.type == "ASK":
        out[name] = result.askAnswer
    else:
        out[name] = result.graph.serialize(format="nt")
print(json.dumps(out))
"""


@pytest.mark.parametrize("seed", ["1", "2"])
def test_rdflib_sparqlstore_gets_the_local_answers_under_any_hash_seed(server: str, seed: str) -> None:
    queries = {"select": SELECT, "ask": ASK, "construct": CONSTRUCT, "describe": DESCRIBE}
    completed = subprocess.run(
        [sys.executable, "-c", STORE_SCRIPT, server, json.dumps(queries)],
        capture_output=True,
        env={**os.environ, "PYTHONHASHSEED": seed},
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr.decode()
    answers = json.loads(completed.stdout)
    assert answers["select"] == local_rows(SELECT)
    assert answers["ask"] is True
    for name in ("construct", "describe"):
        assert isomorphic(Graph().parse(data=answers[name], format="nt"), local_graph(queries[name]))


# ------------------------------------------------------------------ Comunica


def comunica(server: str, query: str, media_type: str) -> str:
    if shutil.which("node") is None or not COMUNICA.exists():
        pytest.skip("Comunica is not installed: run `make web` (npm ci in web/)")
    completed = subprocess.run(
        [str(COMUNICA), f"sparql@{server}", query, "-t", media_type],
        capture_output=True,
        timeout=180,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr.decode()
    return completed.stdout.decode()


def test_comunica_gets_the_local_answers_for_select_and_ask(server: str) -> None:
    served = json.loads(comunica(server, SELECT, "application/sparql-results+json"))
    assert rows_of(served) == local_rows(SELECT)
    assert json.loads(comunica(server, ASK, "application/sparql-results+json"))["boolean"] is True


@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE], ids=["construct", "describe"])
def test_comunica_gets_the_local_graphs_for_construct_and_describe(server: str, query: str) -> None:
    served = Graph().parse(data=comunica(server, query, "application/n-triples"), format="nt")
    assert len(served) > 0
    assert isomorphic(served, local_graph(query))


# ------------------------------------------------------------------ the server process


def test_a_slow_query_does_not_hold_up_a_cheap_one_over_http(server: str) -> None:
    import threading

    slow_query = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    slow: dict[str, httpx.Response] = {}
    thread = threading.Thread(
        target=lambda: slow.setdefault("r", httpx.get(server, params={"query": slow_query}, timeout=30))
    )
    thread.start()
    time.sleep(0.2)
    cheap = httpx.get(server, params={"query": ASK}, timeout=30)
    overlapped = thread.is_alive()
    thread.join()
    assert cheap.status_code == 200
    assert overlapped
    assert slow["r"].status_code == 503


def test_the_server_stops_cleanly_on_sigint_and_leaves_no_worker() -> None:
    running = start_server("--workers", "1")
    children = subprocess.run(
        ["pgrep", "-P", str(running.process.pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    assert children, "the query worker is a child process"
    code, stderr = stop_server(running, signal.SIGINT)
    assert code == 0, stderr
    assert "Stopped." in stderr
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(pid) for pid in children):
        time.sleep(0.1)
    assert [pid for pid in children if alive(pid)] == []


def alive(pid: str) -> bool:
    """True if the process exists and is not a zombie waiting to be reaped."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "zombie" not in status.lower()
