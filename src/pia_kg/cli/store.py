"""`pia-kg load`: push the graph into an external triplestore (SPARQL 1.1 Graph Store HTTP Protocol)."""

from __future__ import annotations

from pathlib import Path

import click

from pia_kg.cli.main import Settings, auth_options, cli, sources_option


@cli.command()
@click.option("--endpoint", metavar="URL", required=True, help="SPARQL query endpoint of the store.")
@click.option(
    "--graph-store",
    metavar="URL",
    default=None,
    help="Graph Store endpoint for writes [default: /store beside an Oxigraph /query, "
    "/sparql-graph-crud(-auth) beside a Virtuoso /sparql].",
)
@auth_options
@click.option("-q", "--quiet", is_flag=True, help="Print no progress.")
@sources_option
@click.pass_obj
def load(
    settings: Settings,
    endpoint: str,
    graph_store: str | None,
    auth: str | None,
    auth_type: str,
    quiet: bool,
    sources_dir: Path | None,
) -> None:
    """Push the ontology, shapes and data into a triplestore, one named graph per file

    Each file replaces its graph `urn:pia-kg:file:<path>` with one Graph Store PUT (atomic per graph);
    blank nodes become https://w3id.org/pia-kg/.well-known/genid/ IRIs. Only the store named is contacted.
    Progress goes to stderr. Exits 2 if a file cannot be parsed or the store refuses the data.

    \b
    Example:
        pia-kg load --endpoint http://127.0.0.1:7878/query
        pia-kg load --endpoint http://127.0.0.1:8890/sparql --auth dba:dba --auth-type digest
    """
    from pia_kg.graph.loading import load as load_project
    from pia_kg.sparql.triplestore import Endpoint, PushedGraph, parse_auth, push_graphs

    project = settings.open_project(sources_dir)
    kg = load_project(project)
    target = Endpoint(endpoint, graph_store_url=graph_store, auth=parse_auth(auth), auth_type=auth_type)

    def report(number: int, total: int, pushed: PushedGraph) -> None:
        if not quiet:
            click.echo(f"[{number}/{total}] {pushed.identifier}: {pushed.triples} triples", err=True)

    pushed = push_graphs(kg, target, on_progress=report)
    total = sum(graph.triples for graph in pushed)
    click.echo(f"Loaded {len(pushed)} graphs, {total} triples into {target.store_url}.", err=True)
