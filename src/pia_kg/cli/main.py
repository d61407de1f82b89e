"""The `pia-kg` command: click commands only; each calls the library, prints, and picks the exit code.

Exit codes (ARCHITECTURE.md, rule 2): 0 ok, 1 check failed, 2 bad input.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import click

from pia_kg import __version__
from pia_kg.errors import PiaError
from pia_kg.project import Project

EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT = 0, 1, 2
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}


class BadInput(click.ClickException):
    """A user error: `Error: <message>`, then the hint, on stderr; exit 2."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def show(self, file: IO[Any] | None = None) -> None:
        stream = file if file is not None else sys.stderr
        click.echo(f"Error: {self.format_message()}", file=stream)
        if self.hint:
            click.echo(self.hint, file=stream)


class PiaGroup(click.Group):
    """Turn errors the user can fix into `Error: <message>` plus the hint on stderr, exit 2, no traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PiaError as err:
            raise BadInput(err.message, err.hint) from err


@dataclass(frozen=True)
class Settings:
    """Global options; the project is found only when a command needs it, so `--help` works anywhere."""

    project_dir: Path | None
    sources_dir: Path | None

    def open_project(self, sources_dir: Path | None = None) -> Project:
        sources = sources_dir or self.sources_dir
        if self.project_dir is not None:
            return Project.discover(self.project_dir, sources_dir=sources)
        return Project.discover(sources_dir=sources)


def sources_option(function: Any) -> Any:
    return click.option(
        "--sources",
        "sources_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Folder of the cited source texts [default: $PIA_KG_SOURCES, else ../shared/sources].",
    )(function)


def auth_options(function: Any) -> Any:
    """`--auth USER:PASSWORD` and `--auth-type basic|digest`, shared by the commands that talk to a store."""
    function = click.option(
        "--auth-type",
        type=click.Choice(["basic", "digest"]),
        default="basic",
        show_default=True,
        help="HTTP authentication scheme (Virtuoso's /sparql-graph-crud-auth wants digest).",
    )(function)
    return click.option(
        "--auth", metavar="USER:PASSWORD", default=None, help="Credentials, sent if the store asks."
    )(function)


@click.group(cls=PiaGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", prog_name="pia-kg")
@click.option(
    "--project",
    "project_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Repository root [default: found by walking up from the working directory].",
)
@sources_option
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=30.0,
    show_default=True,
    metavar="SECONDS",
    help="Stop a query that runs longer than this (exit 2); see SECURITY.md.",
)
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    default=100_000,
    show_default=True,
    help="Refuse a query result with more rows (or triples) than this (exit 2).",
)
@click.option(
    "--max-file-size",
    type=click.FloatRange(min=0, min_open=True),
    default=50.0,
    show_default=True,
    metavar="MB",
    help="Refuse to read an RDF file larger than this many megabytes (exit 2).",
)
@click.pass_context
def cli(
    ctx: click.Context,
    project_dir: Path | None,
    sources_dir: Path | None,
    timeout: float,
    max_rows: int,
    max_file_size: float,
) -> None:
    """Validate and summarise the pia-kg knowledge graph

    Exit codes: 0 ok, 1 check failed (violations, or warnings with --fail-on warning), 2 bad input (unknown
    option, missing file, unparsable Turtle or SPARQL, project or shapes not found).

    \b
    Example:
        pia-kg validate
        pia-kg summary
    """
    from pia_kg.rdf.guard import guard_command

    ctx.obj = Settings(project_dir=project_dir, sources_dir=sources_dir)
    guard_command(
        ctx, timeout=timeout, max_rows=max_rows, max_file_bytes=int(max_file_size * 1024 * 1024)
    )


@cli.command()
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "turtle", "sarif"]),
    default="text",
    show_default=True,
    help="Report format, written to stdout.",
)
@sources_option
@click.option(
    "--fail-on",
    type=click.Choice(["violation", "warning"]),
    default="violation",
    show_default=True,
    help="Lowest severity that makes the command exit 1.",
)
@click.option(
    "--engine",
    type=click.Choice(["turbo", "pyshacl"]),
    default="turbo",
    show_default=True,
    help="SHACL engine: pyshacl-turbo (same report, much faster) or pySHACL (the reference).",
)
@click.option("--endpoint", metavar="URL", default=None, help="Validate the graph held by this SPARQL store.")
@auth_options
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.pass_obj
def validate(
    settings: Settings,
    fmt: str,
    sources_dir: Path | None,
    fail_on: str,
    engine: str,
    endpoint: str | None,
    auth: str | None,
    auth_type: str,
    paths: tuple[Path, ...],
) -> None:
    """Check the data against the shapes, the rule queries and the cited source texts

    Checks data/ (or the PATHs given, files or folders, with the project's ontology and shapes), runs every
    queries/*.rq marked `# expect: empty`, checks each cited span against its source text, and checks that
    every file writes its literals in canonical form, as `pia-kg fmt` does (not with --endpoint).
    Prints the report on stdout and a one-line verdict on stderr. Exits 1 if a violation is found (or a
    warning, with --fail-on warning), 2 if a file cannot be read or parsed.

    \b
    Example:
        pia-kg validate --format json > report.json
        pia-kg validate --fail-on warning data/people.ttl
        pia-kg validate --endpoint http://127.0.0.1:7878/query
    """
    from pia_kg.check.validation import render_report, summary_line
    from pia_kg.check.validation import validate as validate_graph
    from pia_kg.graph.loading import KnowledgeGraph
    from pia_kg.graph.store_graph import StoreGraph, load_checked

    project = settings.open_project(sources_dir)
    kg: KnowledgeGraph | StoreGraph
    if endpoint is not None:
        from pia_kg.sparql.triplestore import Endpoint, fetch_knowledge_graph, parse_auth

        if paths:
            raise BadInput("--endpoint validates the store's graph: give no PATH with it")
        kg = fetch_knowledge_graph(Endpoint(endpoint, auth=parse_auth(auth), auth_type=auth_type))
    else:  # straight into a store: no rdflib copy of the graph (store_graph.py)
        kg = load_checked(project, data_paths=list(paths) if paths else None)
    report = validate_graph(
        kg,
        sources_dir=project.sources_dir,
        queries_dir=project.queries_dir,
        engine=engine,
        root=None if endpoint is not None else project.root,  # a store's graph has no files to read
    )
    if fmt == "sarif":
        from pia_kg.check.sarif import validation_sarif

        click.echo(validation_sarif(report), nl=False)
    else:
        click.echo(render_report(report, fmt), nl=False)
    failed = not report.conforms or (fail_on == "warning" and report.count("Warning") > 0)
    verdict = "FAILED" if failed else "OK"
    click.echo(f"{verdict}: {summary_line(report)}.", err=True)
    sys.exit(EXIT_CHECK_FAILED if failed else EXIT_OK)


@cli.command()
@sources_option
@click.pass_obj
def summary(settings: Settings, sources_dir: Path | None) -> None:
    """Show what the graph holds: triples, classes, sources and quotations

    Prints one screen of text on stdout. Exits 2 if a file cannot be read or parsed.

    \b
    Example:
        pia-kg summary
    """
    from pia_kg.curate.summary import render_summary, summarise, summarise_store
    from pia_kg.graph.disk_store import StoreUnavailable, refresh
    from pia_kg.graph.loading import load

    project = settings.open_project(sources_dir)
    try:
        with refresh(project).reading() as store:
            found = summarise_store(store, project)
    except StoreUnavailable as err:
        click.echo(f"Note: {err}; reading the files.", err=True)
        found = summarise(load(project), project.sources_dir)
    click.echo(render_summary(found), nl=False)
