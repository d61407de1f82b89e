"""`pia-kg query` and `pia-kg queries`: run and list the saved questions (issue 3).

rdflib and the query modules are imported inside the commands so that `pia-kg --help` stays fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pia_kg.cli import EXIT_OK, BadInput, Settings, cli

if TYPE_CHECKING:
    from pia_kg.formats import RdfFormat, ResultFormat
    from pia_kg.loading import KnowledgeGraph
    from pia_kg.project import Project
    from pia_kg.queries import QueryResult, SavedQuery

FORMATS = ("table", "csv", "tsv", "json", "xml", "turtle", "jsonld", "ntriples")
LIST_HINT = "Run `pia-kg queries` to list saved queries and their parameters."


@cli.command()
@click.argument("name", required=False, metavar="NAME|FILE.rq")
@click.option("--text", "query_text", metavar="SPARQL", help="Run this SPARQL text instead of a saved query.")
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help='Bind a parameter (repeatable): <iri>, prefix:local, bare text, "text"@fr, "1.5"^^xsd:decimal.',
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    show_default="table on a terminal, else tsv or the -o file's extension; turtle for graphs",
    help="table|csv|tsv|json|xml for SELECT/ASK; turtle|jsonld|ntriples for CONSTRUCT/DESCRIBE.",
)
@click.option("--labels", is_flag=True, help="Add a <var>Label column after each column that holds IRIs.")
@click.option(
    "--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True, help="Language of the labels."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Write the result to this file (atomically) instead of stdout.",
)
@click.option(
    "--engine",
    type=click.Choice(["oxigraph", "rdflib"]),
    default="oxigraph",
    show_default=True,
    help="oxigraph: the embedded store, much faster on large graphs, its answers checked to be rdflib's "
    "(a query whose answer cannot be proven the same runs on rdflib); rdflib: the reference engine.",
)
@click.option(
    "--update-expected",
    is_flag=True,
    help="Rewrite queries/expected/ for NAME (default: every saved question) from the current data.",
)
@click.pass_obj
def query(
    settings: Settings,
    name: str | None,
    query_text: str | None,
    params: tuple[str, ...],
    fmt: str | None,
    labels: bool,
    lang: str,
    output: Path | None,
    engine: str,
    update_expected: bool,
) -> None:
    """Answer a saved question (or any SPARQL query) from the graph

    NAME is a saved query (`pia-kg queries` lists them) or a .rq file; --text takes SPARQL directly, with the
    project prefixes predeclared. Parameters are bound as RDF terms, never pasted into the query. The graph is
    the ontology plus the data (one named graph per file); SERVICE, FROM and updates are refused. Rule
    queries (`# expect: empty`) are run by `pia-kg validate`. Exits 0 (also when nothing matches), 2 on bad
    input (unknown query or parameter, a value of the wrong type, unparsable SPARQL).

    \b
    Example:
        pia-kg query partnership-members
        pia-kg query statements-by-person -p person=person:martin-tisne --labels --lang fr
        pia-kg query organisation-subgraph -p organisation=organisation:current-ai -f jsonld -o sub.jsonld
        pia-kg query --text 'SELECT ?s WHERE { ?s a pia:Statement } ORDER BY ?s' -f csv
        pia-kg query --update-expected
    """
    from pia_kg.queries import load_for_queries

    project = settings.open_project()
    if update_expected:
        if query_text is not None:
            raise BadInput("--update-expected works on saved queries, not on --text", hint=LIST_HINT)
        _update_expected(project, name)
        return
    saved = _chosen_query(project, name, query_text)
    given = _parse_params(params)
    saved.parsed  # noqa: B018 - parse errors are reported before the graph is loaded
    kg = load_for_queries(project)
    _answer(saved, given, kg, fmt=fmt, labels=labels, lang=lang, output=output, engine=engine)


def _chosen_query(project: Project, name: str | None, query_text: str | None) -> SavedQuery:
    from pia_kg.queries import find_query, query_from_text

    if (name is None) == (query_text is None):
        raise BadInput("give a saved query NAME, a FILE.rq, or --text 'SPARQL' (one of them)", hint=LIST_HINT)
    saved = query_from_text(query_text) if query_text is not None else find_query(project, name or "")
    if saved.is_rule:
        raise BadInput(
            f"{saved.name} is a rule (# expect: empty): it lists problems, and `pia-kg validate` runs it",
            hint="Run `pia-kg validate` to see what the rule finds.",
        )
    return saved


def _parse_params(params: tuple[str, ...]) -> dict[str, str]:
    given: dict[str, str] = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise BadInput(f"-p {item}: expected NAME=VALUE", hint=LIST_HINT)
        if key.strip() in given:
            raise BadInput(f"-p {key.strip()}: given twice", hint="Give each parameter once.")
        given[key.strip()] = value
    return given


def _answer(
    saved: SavedQuery,
    given: dict[str, str],
    kg: KnowledgeGraph,
    *,
    fmt: str | None,
    labels: bool,
    lang: str,
    output: Path | None,
    engine: str = "oxigraph",
) -> None:
    from pia_kg.expected import write_atomic
    from pia_kg.formats import serialize_result
    from pia_kg.labels import add_labels
    from pia_kg.queries import GraphResult, SelectResult, run_query

    result = run_query(kg, saved, params=given, engine=engine)
    if labels and isinstance(result, SelectResult):
        result = add_labels(result, kg.union("ontology", "data"), lang=lang)
    elif labels:
        click.echo(f"Note: --labels applies to SELECT results; {saved.name} is {result.form}.", err=True)
    text = serialize_result(result, _output_format(fmt, result, output))
    if output is not None:
        write_atomic(output, text)
    else:
        click.echo(text.encode("utf-8"), nl=False)  # bytes: CSV's CRLF must reach the pipe unchanged
    if isinstance(result, SelectResult):
        click.echo(f"{len(result.rows)} row{'' if len(result.rows) == 1 else 's'}.", err=True)
    elif isinstance(result, GraphResult):
        click.echo(f"{len(result.graph)} triple{'' if len(result.graph) == 1 else 's'}.", err=True)


def _output_format(fmt: str | None, result: QueryResult, output: Path | None) -> ResultFormat | RdfFormat:
    """The chosen format; else the -o file's extension; else table on a terminal, tsv in a pipe, turtle."""
    from pia_kg.formats import RdfFormat, ResultFormat
    from pia_kg.queries import GraphResult

    if fmt is not None:
        chosen: ResultFormat | RdfFormat = RdfFormat.from_name(fmt) or ResultFormat.from_name(fmt)
        return chosen
    if isinstance(result, GraphResult):
        from_file: RdfFormat | None = RdfFormat.from_extension(output.suffix) if output else None
        return from_file or RdfFormat.TURTLE
    by_suffix: ResultFormat | None = ResultFormat.from_extension(output.suffix) if output else None
    if by_suffix is not None:
        return by_suffix
    return ResultFormat.TABLE if output is None and sys.stdout.isatty() else ResultFormat.TSV


def _update_expected(project: Project, name: str | None) -> None:
    from pia_kg.expected import expected_path, update_expected
    from pia_kg.queries import find_query, list_queries, load_for_queries

    chosen = (
        [find_query(project, name)]
        if name
        else [saved for saved in list_queries(project) if not saved.is_rule]
    )
    kg = load_for_queries(project)
    changed = 0
    for saved in chosen:
        if saved.is_rule:
            raise BadInput(f"{saved.name} is a rule: it has no expected result", hint=LIST_HINT)
        existed = expected_path(project, saved).is_file()
        check = update_expected(project, kg, saved)
        if check.agrees:
            continue
        changed += 1
        click.echo(f"{project.relative(check.path)}: {'updated' if existed else 'written'}", err=True)
        for line in check.diff if existed else ():
            click.echo(f"  {line}", err=True)
    click.echo(f"{changed} of {len(chosen)} expected result(s) rewritten.", err=True)
    sys.exit(EXIT_OK)


@cli.command()
@click.option(
    "--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True, help="Language of the titles."
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Listing format, written to stdout.",
)
@click.pass_obj
def queries(settings: Settings, lang: str, fmt: str) -> None:
    """List the saved questions: name, form, title and parameters

    Rules (`# expect: empty`, run by `pia-kg validate`) are listed with the form `rule`. Exits 2 if a saved
    query cannot be parsed.

    \b
    Example:
        pia-kg queries --lang fr
        pia-kg query partnership-members
    """
    from pia_kg.queries import list_queries

    saved_queries = list_queries(settings.open_project())
    if fmt == "json":
        items = [
            {
                "name": saved.name,
                "form": saved.form,
                "is_rule": saved.is_rule,
                "title": saved.title(lang),
                "description": saved.description(lang),
                "params": [
                    {
                        "name": p.name,
                        "type": p.type,
                        "default": p.default,
                        "required": p.is_required,
                        "doc": p.doc,
                    }
                    for p in saved.params
                ],
            }
            for saved in saved_queries
        ]
        click.echo(json.dumps(items, indent=2, ensure_ascii=False))
        return
    rows = [("name", "form", "title", "parameters")]
    for saved in saved_queries:
        form = "rule" if saved.is_rule else saved.form
        rows.append((saved.name, form, saved.title(lang), ", ".join(p.describe() for p in saved.params)))
    widths = [max(len(row[index]) for row in rows) for index in range(3)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)] + [row[3]]
        click.echo("  ".join(cells).rstrip())
