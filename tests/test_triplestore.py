"""Pushing to and querying real triplestores: an Oxigraph server and Virtuoso Open Source (issue 6).

Each server is started once per test run on 127.0.0.1, on a free port, in a temporary folder, and stopped
at the end. Virtuoso comes from the Debian package that `make test` installs when missing; where it is not
installed its tests are skipped with that reason.
"""

from __future__ import annotations

import io
import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD
from rdflib.query import Result as SparqlResult

from pia_kg.check.validation import RuleQuery
from pia_kg.cli.main import cli
from pia_kg.graph.loading import KnowledgeGraph, load
from pia_kg.project import Project
from pia_kg.sparql.saved import find_query, list_queries
from pia_kg.sparql.triplestore import (
    Endpoint,
    fetch_knowledge_graph,
    push_graphs,
    remote_query,
    skolemise,
    to_ntriples,
)

from .conftest import REPO_ROOT, SOURCES_DIR
from .test_store import QUESTIONS, answer_of, default_bindings

STORES = ["oxigraph", "virtuoso"]
VIRTUOSO_INI = """[Database]
DatabaseFile = virtuoso.db
ErrorLogFile = virtuoso.log
LockFile = virtuoso.lck
TransactionFile = virtuoso.trx
xa_persistent_file = virtuoso.pxa
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = virtuoso-temp.db
TransactionFile = virtuoso-temp.trx
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 0
DirsAllowed = .
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = .
ServerThreads = 4
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 10000
MaxQueryExecutionTime = 60
"""
# Virtuoso 7.2 loses rows when a zero-or-more path sits in one branch of a UNION followed by more patterns
# (organisation-subgraph.rq); the same branch alone, or as a SELECT, answers right.
KNOWN_DIFFERENCES = {("virtuoso", "organisation-subgraph"): "Virtuoso 7.2 drops rows of path* inside UNION"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_ready(url: str, process: subprocess.Popen[bytes], *, seconds: float, log: Path) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server stopped at start-up:\n{log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    process.kill()
    pytest.fail(f"the server did not answer within {seconds} s:\n{log.read_text(errors='replace')[-2000:]}")


def run_server(command: list[str], *, cwd: Path, url: str, seconds: float) -> Iterator[None]:
    log = cwd / "server.out"
    with log.open("wb") as handle:
        process = subprocess.Popen(command, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT)
    try:
        wait_until_ready(url, process, seconds=seconds, log=log)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def oxigraph_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    binary = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not Path(binary).exists():
        pytest.skip("the oxigraph server is not installed: `pip install -e '.[test]'` installs it")
    folder = tmp_path_factory.mktemp("oxigraph")
    port = free_port()
    command = [binary, "serve", "--location", str(folder / "db"), "--bind", f"127.0.0.1:{port}"]
    url = f"http://127.0.0.1:{port}/query"
    yield from (Endpoint(url) for _ in run_server(command, cwd=folder, url=url, seconds=60))


@pytest.fixture(scope="session")
def virtuoso_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    binary = shutil.which("virtuoso-t")
    if binary is None:
        pytest.skip("virtuoso-opensource is not installed (`make triplestores` installs it as root)")
    folder = tmp_path_factory.mktemp("virtuoso")
    http_port = free_port()
    (folder / "virtuoso.ini").write_text(VIRTUOSO_INI.format(sql_port=free_port(), http_port=http_port))
    url = f"http://127.0.0.1:{http_port}/sparql"
    endpoint = Endpoint(url, auth=("dba", "dba"), auth_type="digest")
    command = [binary, "-f", "-c", "virtuoso.ini"]
    yield from (endpoint for _ in run_server(command, cwd=folder, url=url, seconds=180))


@pytest.fixture(scope="session")
def kg() -> KnowledgeGraph:
    return load(Project(REPO_ROOT, SOURCES_DIR))


@pytest.fixture(scope="session", params=STORES)
def loaded(request: pytest.FixtureRequest, kg: KnowledgeGraph) -> tuple[str, Endpoint]:
    """A running store holding the real repository, pushed once per test run."""
    endpoint: Endpoint = request.getfixturevalue(f"{request.param}_endpoint")
    push_graphs(kg, endpoint)
    return request.param, endpoint


def cli_options(endpoint: Endpoint) -> list[str]:
    options = ["--endpoint", endpoint.query_url]
    if endpoint.auth:
        options += ["--auth", ":".join(endpoint.auth), "--auth-type", endpoint.auth_type]
    return options


@pytest.mark.external
@pytest.mark.parametrize("store", STORES)
def test_load_puts_one_graph_per_file_and_reports_progress_on_stderr(
    store: str, request: pytest.FixtureRequest, kg: KnowledgeGraph
) -> None:
    endpoint: Endpoint = request.getfixturevalue(f"{store}_endpoint")
    arguments = ["--project", str(REPO_ROOT), "load", *cli_options(endpoint)]
    result = CliRunner().invoke(cli, arguments, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert f"[{len(kg.graph_ids())}/{len(kg.graph_ids())}] " in result.stderr
    count = remote_query(endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(next(iter(count))[0]) == len(kg.union("ontology", "data"))  # type: ignore[index]


@pytest.mark.external
@pytest.mark.parametrize("saved", QUESTIONS, ids=[saved.name for saved in QUESTIONS])
def test_every_saved_question_gives_the_local_answer_on_the_store(
    saved: RuleQuery, loaded: tuple[str, Endpoint], kg: KnowledgeGraph
) -> None:
    store, endpoint = loaded
    bindings = default_bindings(saved)
    expected = answer_of(kg.union("ontology", "data").query(saved.text, initBindings=bindings))
    actual = answer_of(remote_query(endpoint, saved.text, bindings=bindings))
    known_difference(KNOWN_DIFFERENCES, [(store, saved.name)], same=actual == expected)
    assert actual == expected, f"only local: {expected - actual}\nonly {store}: {actual - expected}"


@pytest.mark.external
def test_issue_12_relative_iris_in_a_query_resolve_on_the_store_as_in_a_local_run(
    loaded: tuple[str, Endpoint],
) -> None:
    """Issue 12, item 11: the store resolved `<s>` by its own rule (Oxigraph: against its own address);
    a local run resolves it against https://w3id.org/pia-kg/ (test_relative_iris.py)."""
    _, endpoint = loaded
    query = "CONSTRUCT { <s> <p> 1 } WHERE {}"
    arguments = ["--project", str(REPO_ROOT), "query", "--text", query, "-f", "ntriples"]
    result = CliRunner().invoke(cli, [*arguments, *cli_options(endpoint)])
    assert result.exit_code == 0, result.stderr
    base = "https://w3id.org/pia-kg/"
    assert set(Graph().parse(data=result.stdout, format="nt")) == {
        (URIRef(base + "s"), URIRef(base + "p"), Literal(1, datatype=XSD.integer))
    }


def known_difference(known: dict[tuple[str, str], str], keys: list[tuple[str, str]], *, same: bool) -> None:
    """Mark the test as an expected failure where a listed difference shows, and fail where it has gone,
    so that the list is checked on every run instead of hiding the case."""
    for key in keys:
        if key in known:
            if same:
                pytest.fail(f"{key} no longer differs ({known[key]}): remove it from the known differences")
            pytest.xfail(known[key])


@pytest.mark.external
@pytest.mark.parametrize("store", STORES)
def test_the_store_gives_back_the_very_graph_that_was_pushed(
    store: str, request: pytest.FixtureRequest, kg: KnowledgeGraph
) -> None:
    """Every literal, offsets included, comes back with its lexical form, datatype and language tag."""
    endpoint: Endpoint = request.getfixturevalue(f"{store}_endpoint")
    push_graphs(kg, endpoint)
    fetched = fetch_knowledge_graph(endpoint)
    assert fetched.graph_ids() == kg.graph_ids()
    assert isomorphic(fetched.union(), kg.union())

    def literals(graph: Graph) -> set[tuple[str, object, object]]:
        return {(str(o), o.datatype, o.language) for o in graph.objects() if isinstance(o, Literal)}

    assert literals(fetched.union()) == literals(kg.union())


@pytest.mark.external
@pytest.mark.parametrize("store", STORES)
def test_validate_endpoint_conforms_like_the_local_run(
    store: str, request: pytest.FixtureRequest, kg: KnowledgeGraph
) -> None:
    endpoint: Endpoint = request.getfixturevalue(f"{store}_endpoint")
    push_graphs(kg, endpoint)
    arguments = ["--project", str(REPO_ROOT), "--sources", str(SOURCES_DIR), "validate", "-f", "json"]
    result = CliRunner().invoke(cli, [*arguments, *cli_options(endpoint)])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["findings"] == []
    assert result.stderr.startswith("OK:")


@pytest.mark.external
def test_writing_to_virtuoso_without_credentials_exits_2_with_a_hint(virtuoso_endpoint: Endpoint) -> None:
    arguments = ["--project", str(REPO_ROOT), "load", "--endpoint", virtuoso_endpoint.query_url]
    result = CliRunner().invoke(cli, arguments)
    assert result.exit_code == 2
    assert "refused" in result.stderr
    assert "--auth" in result.stderr


def test_an_unreachable_store_exits_2_with_a_hint() -> None:
    arguments = ["--project", str(REPO_ROOT), "load", "--endpoint", f"http://127.0.0.1:{free_port()}/query"]
    result = CliRunner().invoke(cli, arguments)
    assert result.exit_code == 2
    assert "store is running" in result.stderr


def test_skolemising_the_same_file_twice_gives_the_same_bytes(kg: KnowledgeGraph) -> None:
    identifier = kg.data_ids[0]
    again = load(Project(REPO_ROOT, SOURCES_DIR))
    first = to_ntriples(skolemise(kg.dataset.graph(identifier), identifier))
    assert b"https://w3id.org/pia-kg/.well-known/genid/" in first
    assert first == to_ntriples(skolemise(again.dataset.graph(identifier), identifier))


# ---------------------------------------------------------------- pia-kg query --endpoint

QUERY_CASES = [
    *(
        (saved.name, [arg for name, value in saved.examples.items() for arg in ("-p", f"{name}={value}")])
        for saved in list_queries(Project(REPO_ROOT))
        if not saved.is_rule
    ),
    ("statements-by-person", ["-p", "person=person:martin-tisne"]),
    ("agreements-by-party", ["-p", "party=organisation:current-ai"]),
    (
        "--text",
        ["--text", "SELECT ?type (COUNT(?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type ORDER BY ?type"],
    ),
]
# Substitution writes BOUND(?person) of a given person as sameTerm(<iri>, <iri>): with `true` instead,
# Virtuoso 7.2 gave ?speaker back as a plain literal (FILTER (!true || ?speaker = <iri>)).
KNOWN_CASE_DIFFERENCES: dict[tuple[str, str], str] = {}
_LOCAL: dict[tuple[str, ...], Result] = {}


def case_id(name: str, extra: list[str]) -> str:
    return " ".join([name, *extra])[:60]


def query_args(name: str, extra: list[str]) -> list[str]:
    """The command line of one case; graphs come back as N-Triples, everything else as SPARQL JSON."""
    form = "SELECT" if name == "--text" else find_query(Project(REPO_ROOT), name).form
    fmt = "ntriples" if form in ("CONSTRUCT", "DESCRIBE") else "json"
    return ["query", *([] if name == "--text" else [name]), *extra, "-f", fmt]


def run_cli(*args: str) -> Result:
    return CliRunner().invoke(cli, ["--project", str(REPO_ROOT), *args], catch_exceptions=False)


def local_run(args: list[str]) -> Result:
    """The local answer of a command line, run once for both stores."""
    if tuple(args) not in _LOCAL:
        _LOCAL[tuple(args)] = run_cli(*args)
    return _LOCAL[tuple(args)]


def same_answer(local: str, remote: str, *, is_graph: bool) -> bool:
    """Graphs compared by isomorphism, results as multisets of rows."""
    if is_graph:
        return isomorphic(Graph().parse(data=local, format="nt"), Graph().parse(data=remote, format="nt"))
    parsed = [SparqlResult.parse(io.StringIO(text), format="json") for text in (local, remote)]
    return answer_of(parsed[0]) == answer_of(parsed[1]) and parsed[0].vars == parsed[1].vars


@pytest.mark.external
@pytest.mark.parametrize(("name", "extra"), QUERY_CASES, ids=[case_id(*case) for case in QUERY_CASES])
def test_query_endpoint_gives_the_local_answer_of_the_same_command(
    name: str, extra: list[str], loaded: tuple[str, Endpoint]
) -> None:
    store, endpoint = loaded
    args = query_args(name, extra)
    local, remote = local_run(args), run_cli(*args, *cli_options(endpoint))
    assert local.exit_code == 0, local.stderr
    assert remote.exit_code == 0, remote.stderr
    same = remote.stderr.splitlines()[-1] == local.stderr.splitlines()[-1] and same_answer(
        local.stdout, remote.stdout, is_graph="ntriples" in args
    )
    known = {**KNOWN_DIFFERENCES, **KNOWN_CASE_DIFFERENCES}
    known_difference(known, [(store, name), (store, case_id(name, extra))], same=same)
    assert remote.stderr.splitlines()[-1] == local.stderr.splitlines()[-1]  # "N rows." / "N triples."
    assert same_answer(local.stdout, remote.stdout, is_graph="ntriples" in args)


@pytest.mark.external
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_query_endpoint_labels_come_from_the_store_as_they_would_locally(
    lang: str, loaded: tuple[str, Endpoint]
) -> None:
    _, endpoint = loaded
    args = ["query", "statements-by-organisation", "--labels", "--lang", lang, "-f", "json"]
    local, remote = local_run(args), run_cli(*args, *cli_options(endpoint))
    assert remote.exit_code == 0, remote.stderr
    assert '"speakerLabel"' in remote.stdout
    assert same_answer(local.stdout, remote.stdout, is_graph=False)


@pytest.mark.external
def test_query_endpoint_writes_the_output_file_and_nothing_on_stdout(
    loaded: tuple[str, Endpoint], tmp_path: Path
) -> None:
    _, endpoint = loaded
    target = tmp_path / "members.json"
    args = ["query", "partnership-members", "-f", "json", "-o", str(target), *cli_options(endpoint)]
    result = run_cli(*args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert json.loads(target.read_text(encoding="utf-8"))["head"]["vars"][0] == "membership"


@pytest.mark.external
def test_query_endpoint_obeys_max_rows_as_a_local_query_does(loaded: tuple[str, Endpoint]) -> None:
    _, endpoint = loaded
    result = CliRunner().invoke(
        cli, ["--project", str(REPO_ROOT), "--max-rows", "1", "query", "timeline", *cli_options(endpoint)]
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "limit exceeded: the result has more than 1 rows" in result.stderr


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--engine", "rdflib"], "--engine and --endpoint do not go together"),
        (["--update-expected"], "--update-expected records the local answers"),
    ],
    ids=["engine", "update-expected"],
)
def test_query_endpoint_refuses_local_only_options_before_contacting_the_store(
    extra: list[str], message: str
) -> None:
    url = f"http://127.0.0.1:{free_port()}/query"  # nothing listens there: the refusal comes first
    result = CliRunner().invoke(
        cli, ["--project", str(REPO_ROOT), "query", "timeline", *extra, "--endpoint", url]
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr


def test_query_endpoint_on_an_unreachable_store_exits_2_with_a_hint() -> None:
    url = f"http://127.0.0.1:{free_port()}/query"
    result = CliRunner().invoke(cli, ["--project", str(REPO_ROOT), "query", "timeline", "--endpoint", url])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "store is running" in result.stderr


@pytest.mark.external
def test_query_endpoint_on_a_url_the_store_does_not_serve_exits_2(oxigraph_endpoint: Endpoint) -> None:
    url = oxigraph_endpoint.query_url.replace("/query", "/no-such-endpoint")
    result = CliRunner().invoke(cli, ["--project", str(REPO_ROOT), "query", "timeline", "--endpoint", url])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "failed (404)" in result.stderr


@pytest.mark.external
def test_query_endpoint_with_short_options_works_from_a_fresh_process(loaded: tuple[str, Endpoint]) -> None:
    """In a new interpreter, click imports a module while it reads `-f`; the file guard must not settle its
    network policy before `--endpoint` is read (pytest's process has that module imported already)."""
    import json
    import sys

    _, endpoint = loaded
    command = [sys.executable, "-m", "pia_kg", "--project", str(REPO_ROOT), "query", "sources", "-f", "json"]
    completed = subprocess.run(
        [*command, *cli_options(endpoint)], capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["results"]["bindings"]
