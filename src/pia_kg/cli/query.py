"""`pia-kg query` and `pia-kg queries`: run and list the saved questions (issue 3).

rdflib and the query modules are imported inside the commands so that `pia-kg --help` stays fast.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pia_kg.cli.main import EXIT_OK, BadInput, Settings, auth_options, cli

if TYPE_CHECKING:
    from collections.abc import Callable

    from rdflib import Graph
    from rdflib.term import Node

    from pia_kg.graph.disk_store import DiskStore
    from pia_kg.graph.loading import KnowledgeGraph
    from pia_kg.project import Project
    from pia_kg.sparql.formats import RdfFormat, ResultFormat
    from pia_kg.sparql.results import QueryResult, SelectResult
    from pia_kg.sparql.saved import SavedQuery
    from pia_kg.sparql.triplestore import Endpoint

FORMATS = ("table", "csv", "tsv", "json", "xml", "turtle", "jsonld", "ntriples")
LIST_HINT = "Run `pia-kg queries` to list saved queries and their parameters."
CHECKS_FILE = Path(".pia-kg") / "query-checks.json"  # what the guards found, see sparql/text.py


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
    help="oxigraph: the embedded store, much faster on large graphs, with the very terms rdflib gives "
    "(the files hold every literal in the form a store keeps); rdflib: the reference engine.",
)
@click.option(
    "--update-expected",
    is_flag=True,
    help="Rewrite queries/expected/ for NAME (default: every saved question) from the current data.",
)
@click.option(
    "--endpoint",
    metavar="URL",
    default=None,
    help="Ask this SPARQL store (filled by `pia-kg load --endpoint`) instead of the local files.",
)
@click.option(
    "--no-store",
    is_flag=True,
    help="Load the files into memory for this query instead of using the project's store in .pia-kg/store/ "
    "(kept up to date with the files by content hash; an unchanged repository is not parsed again).",
)
@auth_options
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
    endpoint: str | None,
    no_store: bool,
    auth: str | None,
    auth_type: str,
) -> None:
    """Answer a saved question (or any SPARQL query) from the graph

    NAME is a saved query (`pia-kg queries` lists them) or a .rq file; --text takes SPARQL directly, with the
    project prefixes predeclared. Parameters are bound as RDF terms, never pasted into the query. The graph is
    the ontology plus the data (one named graph per file); SERVICE, FROM and updates are refused. Rule
    queries (`# expect: empty`) are run by `pia-kg validate`. With --endpoint a store answers, over the
    graphs `pia-kg load` put there, and --labels come from the store too. Exits 0 (also when nothing
    matches), 2 on bad input (unknown query or parameter, a value of the wrong type, unparsable SPARQL) or
    when the store cannot be reached or refuses the query.

    \b
    Example:
        pia-kg query partnership-members
        pia-kg query statements-by-person -p person=person:martin-tisne --labels --lang fr
        pia-kg query organisation-subgraph -p organisation=organisation:current-ai -f jsonld -o sub.jsonld
        pia-kg query --text 'SELECT ?s WHERE { ?s a pia:Statement } ORDER BY ?s' -f csv
        pia-kg query partnership-members --endpoint http://127.0.0.1:7878/query -f json
        pia-kg query --update-expected
    """
    from pia_kg.sparql.engine import load_for_queries

    project = settings.open_project()
    if endpoint is not None:
        _refuse_beside_endpoint(update_expected=update_expected)
    if update_expected:
        if query_text is not None:
            raise BadInput("--update-expected works on saved queries, not on --text", hint=LIST_HINT)
        _update_expected(project, name)
        return
    saved = _chosen_query(project, name, query_text)
    given = _parse_params(params)
    memory = project.root / CHECKS_FILE
    if endpoint is None and engine == "oxigraph" and not no_store and memory.parent.is_dir():
        from pia_kg.sparql.text import remember_checks

        remember_checks(memory)  # beside the store: a text checked before is not parsed again
    saved.facts  # noqa: B018 - parse errors are reported before the graph is loaded
    if endpoint is not None:
        store = _endpoint(endpoint, auth=auth, auth_type=auth_type)
        _answer_from_store(saved, given, store, fmt=fmt, labels=labels, lang=lang, output=output)
        return
    if engine == "oxigraph" and not no_store:
        from pia_kg.graph.disk_store import StoreUnavailable, refresh

        try:
            disk = refresh(project)
        except StoreUnavailable as err:
            click.echo(f"Note: {err}; reading the files.", err=True)
        else:
            try:
                _answer(saved, given, disk, fmt=fmt, labels=labels, lang=lang, output=output, engine=engine)
                return
            except StoreUnavailable as err:  # a refresh by another process is writing it now
                click.echo(f"Note: {err}; reading the files.", err=True)
    kg = load_for_queries(project)
    _answer(saved, given, kg, fmt=fmt, labels=labels, lang=lang, output=output, engine=engine)


def _chosen_query(project: Project, name: str | None, query_text: str | None) -> SavedQuery:
    from pia_kg.sparql.saved import find_query, query_from_text

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
    kg: KnowledgeGraph | DiskStore,
    *,
    fmt: str | None,
    labels: bool,
    lang: str,
    output: Path | None,
    engine: str = "oxigraph",
) -> None:
    from pia_kg.graph.disk_store import DiskStore
    from pia_kg.graph.loading import KnowledgeGraph
    from pia_kg.sparql.engine import run_query

    result = run_query(kg, saved, params=given, engine=engine)
    if labels and isinstance(kg, KnowledgeGraph):
        result = _labelled(result, saved, lang=lang, label_graph=lambda _table: kg.union("ontology", "data"))
    elif labels and isinstance(kg, DiskStore):
        result = _labelled(result, saved, lang=lang, label_graph=lambda table: _disk_labels(kg, table))
    _write_result(result, fmt=fmt, output=output)


def _labelled(
    result: QueryResult, saved: SavedQuery, *, lang: str, label_graph: Callable[[SelectResult], Graph]
) -> QueryResult:
    """`--labels`: a label column beside each IRI column of a SELECT result, from `label_graph(result)`."""
    from pia_kg.sparql.labels import add_labels
    from pia_kg.sparql.results import SelectResult

    if not isinstance(result, SelectResult):
        click.echo(f"Note: --labels applies to SELECT results; {saved.name} is {result.form}.", err=True)
        return result
    return add_labels(result, label_graph(result), lang=lang)


def _write_result(result: QueryResult, *, fmt: str | None, output: Path | None) -> None:
    """Serialise to -o (atomically) or stdout, and count rows or triples on stderr."""
    from pia_kg.files import write_atomic
    from pia_kg.sparql.formats import serialize_result
    from pia_kg.sparql.results import GraphResult, SelectResult

    text = serialize_result(result, _output_format(fmt, result, output))
    if output is not None:
        write_atomic(output, text.encode("utf-8"), make_folders=True)
    else:
        click.echo(text.encode("utf-8"), nl=False)  # bytes: CSV's CRLF must reach the pipe unchanged
    if isinstance(result, SelectResult):
        click.echo(f"{len(result.rows)} row{'' if len(result.rows) == 1 else 's'}.", err=True)
    elif isinstance(result, GraphResult):
        click.echo(f"{len(result.graph)} triple{'' if len(result.graph) == 1 else 's'}.", err=True)


def _output_format(fmt: str | None, result: QueryResult, output: Path | None) -> ResultFormat | RdfFormat:
    """The chosen format; else the -o file's extension; else table on a terminal, tsv in a pipe, turtle."""
    from pia_kg.sparql.formats import RdfFormat, ResultFormat
    from pia_kg.sparql.results import GraphResult

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


# ---------------------------------------------------------------- --endpoint: the store answers


_LABEL_BATCH = 1000  # IRIs per label query: one query for any ordinary result
_WRITABLE_IRI = re.compile(r'[^<>"{}|^`\\\x00-\x20]*')  # what an IRIREF can hold (SPARQL 1.1 section 19.8)
_DECLARED_PREFIX = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?:", re.IGNORECASE)


def _refuse_beside_endpoint(*, update_expected: bool) -> None:
    """--engine and --update-expected are about local runs: with --endpoint they are mistakes."""
    from click.core import ParameterSource

    source = click.get_current_context().get_parameter_source("engine")
    if source in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT):
        raise BadInput(
            "--engine and --endpoint do not go together: the store is the engine",
            hint="Drop --engine to ask the store, or drop --endpoint to run locally.",
        )
    if update_expected:
        raise BadInput(
            "--update-expected records the local answers: it takes no --endpoint",
            hint="Run `pia-kg query --update-expected` without --endpoint.",
        )


def _endpoint(url: str, *, auth: str | None, auth_type: str) -> Endpoint:
    from pia_kg.sparql.triplestore import Endpoint, parse_auth

    # remote_query refuses a store that holds none of our graphs (its own default graph would answer)
    return Endpoint(url, auth=parse_auth(auth), auth_type=auth_type)


def _answer_from_store(
    saved: SavedQuery,
    given: dict[str, str],
    store: Endpoint,
    *,
    fmt: str | None,
    labels: bool,
    lang: str,
    output: Path | None,
) -> None:
    """As _answer, but the store evaluates: same binding, same limits (--timeout, --max-rows), same output."""
    from pia_kg.security.limits import run_limited
    from pia_kg.sparql.params import bind_params

    bindings = bind_params(saved, given)
    result = run_limited(_ask_store, store, saved, bindings)
    if labels:
        result = _labelled(result, saved, lang=lang, label_graph=lambda table: _store_labels(store, table))
    _write_result(result, fmt=fmt, output=output)


def _ask_store(store: Endpoint, saved: SavedQuery, bindings: dict[str, Node]) -> QueryResult:
    from pia_kg.sparql.engine import _typed
    from pia_kg.sparql.triplestore import remote_query

    return _typed(remote_query(store, _with_prefixes(saved.text), bindings=bindings), saved)


def _with_prefixes(text: str) -> str:
    """The query with the project prefixes it uses but does not declare: locally they are predeclared."""
    from pia_kg.rdf.namespaces import PREFIXES

    declared = {match.group(1) or "" for match in _DECLARED_PREFIX.finditer(text)}
    missing = [prefix for prefix in PREFIXES if prefix not in declared]
    return "".join(f"PREFIX {prefix}: <{PREFIXES[prefix]}>\n" for prefix in missing) + text


def _store_labels(store: Endpoint, table: SelectResult) -> Graph:
    """The label triples (rdf/labels.py's LABEL_PREDICATES) of the result's IRIs, asked of the store with
    VALUES.

    labels.add_labels then picks from them exactly as it does from the local graph.
    """
    from pia_kg.sparql.triplestore import remote_query

    return _label_graph(table, lambda text: remote_query(store, text).graph)


def _disk_labels(disk: DiskStore, table: SelectResult) -> Graph:
    """As _store_labels, asked of the project's store on disk."""
    from pia_kg.sparql.engine import run_query
    from pia_kg.sparql.results import GraphResult

    def ask(text: str) -> Graph:
        result = run_query(disk, text)
        assert isinstance(result, GraphResult)  # a CONSTRUCT query
        return result.graph

    return _label_graph(table, ask)


def _label_graph(table: SelectResult, ask: Callable[[str], Graph | None]) -> Graph:
    """The union of the graphs `ask` gives for the label queries of the result's IRIs."""
    from rdflib import Graph

    found = Graph(bind_namespaces="none")
    for text in _label_queries(table):
        for triple in ask(text) or ():
            found.add(triple)
    return found


def _label_queries(table: SelectResult) -> list[str]:
    """CONSTRUCT queries for the label triples of the result's IRIs, in batches of VALUES."""
    from rdflib import URIRef

    from pia_kg.rdf.labels import LABEL_PREDICATES

    terms = {term for row in table.rows for term in row if isinstance(term, URIRef)}
    iris = sorted((iri for iri in terms if _WRITABLE_IRI.fullmatch(iri)), key=str)
    predicates = " ".join(predicate.n3() for predicate in LABEL_PREDICATES)
    return [
        f"CONSTRUCT {{ ?iri ?predicate ?label }} WHERE {{ VALUES ?iri {{ {values} }} "
        f"VALUES ?predicate {{ {predicates} }} ?iri ?predicate ?label FILTER (isLiteral(?label)) }}"
        for values in (
            " ".join(iri.n3() for iri in iris[start : start + _LABEL_BATCH])
            for start in range(0, len(iris), _LABEL_BATCH)
        )
    ]


def _update_expected(project: Project, name: str | None) -> None:
    from pia_kg.sparql.engine import load_for_queries
    from pia_kg.sparql.expected import expected_path, update_expected
    from pia_kg.sparql.saved import find_query, list_queries

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
    from pia_kg.sparql.saved import list_queries

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
