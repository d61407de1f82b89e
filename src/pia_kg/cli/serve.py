"""`pia-kg serve`: the read-only SPARQL endpoint and linked-data server (issue 5)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pia_kg.cli.main import EXIT_CHECK_FAILED, EXIT_OK, BadInput, Settings, cli, sources_option

if TYPE_CHECKING:
    from starlette.applications import Starlette


@cli.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. The default answers this machine only; give 0.0.0.0 to open the server to "
    "your network, knowingly.",
)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="TCP port.")
@sources_option
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    help="Seconds a query may run; past that its worker is stopped and the client gets 503.",
)
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    default=10_000,
    show_default=True,
    help="Most rows (or triples) a result may have; a larger one gets 400 with a hint to use LIMIT.",
)
@click.option(
    "--max-body",
    type=click.IntRange(min=1),
    default=100_000,
    show_default=True,
    help="Largest POST body, in bytes; a larger one gets 413.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Query worker processes: how many queries run at the same time.",
)
@click.option(
    "--graph-name",
    "graph_names",
    metavar="FILE=IRI",
    multiple=True,
    help="Name the graph of one project file IRI at the endpoint instead of urn:pia-kg:file:FILE (repeat for "
    "more files); default-graph-uri, named-graph-uri, FROM and GRAPH then use that IRI.",
)
@click.option(
    "--get",
    "get_path",
    metavar="PATH",
    default=None,
    help="Answer one GET request for PATH in-process (no socket), print the body and exit.",
)
@click.pass_obj
def serve(
    settings: Settings,
    host: str,
    port: int,
    sources_dir: Path | None,
    timeout: float,
    max_rows: int,
    max_body: int,
    workers: int,
    graph_names: tuple[str, ...],
    get_path: str | None,
) -> None:
    """Serve the graph: a read-only SPARQL 1.1 endpoint, linked-data pages and a query editor

    Routes: / (home), /sparql (SPARQL 1.1 Protocol; its Service Description without a query), /query
    (YASGUI), /questions (the saved questions) and /questions/NAME (one as a table), /id/TYPE/SLUG,
    /id/TYPE/ (the list of a type) and /ns (HTML, Turtle, JSON-LD, N-Triples or RDF/XML by content
    negotiation, or by .html/.ttl/.jsonld/.nt/.rdf), /dumps/ and /dataset.ttl, and /reconcile (the
    Reconciliation Service API 0.2, for OpenRefine: see README). Updates, SERVICE and LOAD are
    refused; FROM and the protocol's dataset only pick among the served graphs (one per file; a graph not
    served is empty); nothing outside the loaded graph is ever read.

    It listens on 127.0.0.1 unless --host says otherwise, so that nobody else on the network can reach it by
    accident. Stops cleanly on Ctrl-C or SIGTERM. With --get it exits 0 if the answer is 2xx, 1 otherwise;
    2 on bad input.

    \b
    Example:
        pia-kg serve
        pia-kg serve --port 8080 --timeout 5 --max-rows 1000
        pia-kg serve --get '/sparql?query=ASK{?s ?p ?o}'
    """
    from pia_kg.serve.server import ServerSettings, open_app

    project = settings.open_project(sources_dir)
    limits = ServerSettings(timeout=timeout, max_rows=max_rows, max_body=max_body, workers=workers)
    base_url = "http://testserver/" if get_path is not None else f"http://{_url_host(host)}:{port}/"
    app = open_app(project, settings=limits, base_url=base_url, graph_names=_pairs(graph_names))
    if get_path is not None:
        sys.exit(_get_once(app, get_path))
    from pia_kg.serve.server import serve as run_server

    click.echo(f"Serving on {base_url} (SPARQL endpoint {base_url}sparql); Ctrl-C stops.", err=True)
    run_server(app, host=host, port=port)
    click.echo("Stopped.", err=True)


def _pairs(values: tuple[str, ...]) -> dict[str, str]:
    pairs = {}
    for value in values:
        file, equals, iri = value.partition("=")
        if not equals or not file or not iri:
            raise BadInput(
                f"--graph-name {value}: expected FILE=IRI",
                hint="For example --graph-name data/statements.ttl=https://example.org/graphs/statements",
            )
        pairs[file] = iri
    return pairs


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _get_once(app: Starlette, path: str) -> int:
    from pia_kg.serve.server import LocalClient

    if not path.startswith("/"):
        path = "/" + path
    with LocalClient(app) as client:
        response = client.get(path)
    sys.stdout.buffer.write(response.content)
    sys.stdout.buffer.flush()
    click.echo(f"{response.status_code} {response.headers.get('content-type', '')}", err=True)
    return EXIT_OK if 200 <= response.status_code < 300 else EXIT_CHECK_FAILED
