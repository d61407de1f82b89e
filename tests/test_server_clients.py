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
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.compare import isomorphic

from pia_kg.cli.main import cli
from tests.conftest import REPO_ROOT
from tests.processes import cpu_baseline, wait_for_busy_process, worker_pids

PREFIXES = (
    "PREFIX pia: <https://w3id.org/pia-kg/ns#>\n"
    "PREFIX schema: <https://schema.org/>\n"
    "PREFIX organisation: <https://w3id.org/pia-kg/id/organisation/>\n"
)
SELECT = PREFIXES + "SELECT ?s ?text WHERE { ?s a pia:Statement ; schema:text ?text } ORDER BY ?s"
ASK = PREFIXES + "ASK { organisation:current-ai ?p ?o }"
CONSTRUCT = PREFIXES + "CONSTRUCT { ?s schema:text ?text } WHERE { ?s a pia:Statement ; schema:text ?text }"
DESCRIBE = PREFIXES + "DESCRIBE organisation:current-ai"
HANG_GUARD = 120  # seconds: only stops a test that would otherwise wait for ever
COMUNICA = REPO_ROOT / "web" / "node_modules" / ".bin" / "comunica-sparql"

pytestmark = pytest.mark.slow  # each test talks to a `pia-kg serve` process, which takes seconds to start


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


@pytest.mark.external
def test_comunica_gets_the_local_answers_for_select_and_ask(server: str) -> None:
    served = json.loads(comunica(server, SELECT, "application/sparql-results+json"))
    assert rows_of(served) == local_rows(SELECT)
    assert json.loads(comunica(server, ASK, "application/sparql-results+json"))["boolean"] is True


@pytest.mark.external
@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE], ids=["construct", "describe"])
def test_comunica_gets_the_local_graphs_for_construct_and_describe(server: str, query: str) -> None:
    served = Graph().parse(data=comunica(server, query, "application/n-triples"), format="nt")
    assert len(served) > 0
    assert isomorphic(served, local_graph(query))


# ------------------------------------------------------------------ the server process


NEVER_ENDS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"  # ~10^12 rows


def test_a_query_past_the_time_limit_gets_503_over_http(server: str) -> None:
    response = httpx.get(server, params={"query": NEVER_ENDS}, timeout=120)
    assert response.status_code == 503
    assert "was stopped" in response.text


def test_a_cheap_query_is_answered_while_a_slow_one_is_being_evaluated_over_http() -> None:
    """Overlap shown by order, not by timing: the slow query cannot end before the server's 600 s limit, yet
    the cheap one, sent once a worker has spent a second of CPU on the slow one, must get its answer.
    A server that serves one query at a time makes the cheap one wait and the test fail at the hang guard."""
    running = start_server("--timeout", "600", "--workers", "2")
    slow: dict[str, httpx.Response] = {}

    def ask_slowly() -> None:
        slow["r"] = httpx.get(running.url, params={"query": NEVER_ENDS}, timeout=600)

    thread = threading.Thread(target=ask_slowly, daemon=True)
    busy: int | None = None
    try:
        workers = worker_pids(running.process.pid)
        assert len(workers) == 2, f"two query workers expected, found {workers}"
        baseline = cpu_baseline(workers)
        thread.start()
        busy = wait_for_busy_process(baseline, what="the slow query")
        try:
            cheap = httpx.get(running.url, params={"query": ASK}, timeout=HANG_GUARD)
        except httpx.TimeoutException:
            pytest.fail(f"no answer to a cheap query within {HANG_GUARD} s while the slow one was running")
        assert cheap.status_code == 200
        assert cheap.json()["boolean"] is True
        assert thread.is_alive(), f"the slow request ended first: {slow.get('r')}"
    finally:
        if busy is not None:  # the slow query would run to the 600 s limit: stop its worker now
            os.kill(busy, signal.SIGKILL)
            thread.join(HANG_GUARD)
        code, stderr = stop_server(running, signal.SIGTERM)
    assert slow["r"].status_code == 500  # its worker was killed above
    assert code == 0, stderr


def test_the_server_stops_cleanly_on_sigint_and_leaves_no_worker() -> None:
    running = start_server("--workers", "1")
    children = subprocess.run(
        ["pgrep", "-P", str(running.process.pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    assert children, "the query worker is a child process"
    code, stderr = stop_server(running, signal.SIGINT)
    assert code == 0, stderr
    assert "Stopped." in stderr
    deadline = time.monotonic() + HANG_GUARD  # they go at once; the deadline only stops a hang
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
