"""`pia-kg export` and `pia-kg build`: publishing the graph as dumps and as a static linked-data site."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pia_kg.cli.main import EXIT_CHECK_FAILED, EXIT_OK, Settings, cli, sources_option
from pia_kg.project import Project

if TYPE_CHECKING:
    from pia_kg.rdf.jsonld import JsonObject

FORMAT_NAMES = ["turtle", "ntriples", "nquads", "trig", "jsonld", "rdfxml"]


@cli.command()
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(FORMAT_NAMES),
    default="turtle",
    show_default=True,
    help="Output format; nquads and trig keep one named graph per source file.",
)
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file (atomically) instead of stdout.",
)
@click.option("--include-shapes", is_flag=True, help="Add the SHACL shapes to the ontology and data.")
@click.pass_obj
def export(settings: Settings, fmt: str, output: Path | None, include_shapes: bool) -> None:
    """Write the whole graph (ontology, vocabularies and data) in one RDF format

    The same input gives the same bytes: blank nodes get canonical labels and the output is sorted. JSON-LD is
    compacted with ontology/context.jsonld. Exits 2 if a file cannot be read or parsed.

    \b
    Example:
        pia-kg export --format jsonld -o pia-kg.jsonld
        pia-kg export -f nquads > pia-kg.nq
    """
    from pia_kg.graph.loading import load
    from pia_kg.publish.export import STORE_FORMATS, write_atomic
    from pia_kg.publish.export import export as export_graph
    from pia_kg.rdf.jsonld import read_context

    project = settings.open_project()
    context = read_context(project.ontology_dir) if fmt == "jsonld" else None
    data = _from_store(project, fmt, context) if fmt in STORE_FORMATS and not include_shapes else None
    if data is None:
        data = export_graph(load(project), fmt, context=context, include_shapes=include_shapes)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    write_atomic(output, data)
    click.echo(f"Wrote {output} ({len(data)} bytes, {fmt}).", err=True)


def _from_store(project: Project, fmt: str, context: JsonObject | None) -> bytes | None:
    """N-Triples, N-Quads or JSON-LD written from the project's store on disk (refreshed per file, see
    graph/disk_store.py), or None when the store cannot be used now (another process writes it): the caller
    reads the files."""
    from pia_kg.graph.disk_store import StoreUnavailable, project_files, refresh
    from pia_kg.publish.export import export_jsonld, export_lines
    from pia_kg.rdf.parsing import graph_id

    try:
        disk = refresh(project)
    except StoreUnavailable as err:
        click.echo(f"Note: {err}; reading the files.", err=True)
        return None
    graph_ids = [graph_id(relpath) for relpath, _ in project_files(project)]
    try:
        with disk.reading() as store:
            if fmt == "jsonld":
                assert context is not None
                return export_jsonld(store, graph_ids, context)
            return export_lines(store, graph_ids, fmt)
    except StoreUnavailable as err:
        click.echo(f"Note: {err}; reading the files.", err=True)
        return None


@cli.command()
@sources_option
@click.option(
    "-o",
    "--output",
    "output_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("dist"),
    show_default=True,
    help="Folder to write; replaced as a whole only when the build succeeds.",
)
@click.option(
    "--base-url",
    default=None,
    help="Address where the output folder is served; the .htaccess for https://w3id.org/pia-kg/ redirects "
    "there and the dataset description's download URLs start with it (default: http://localhost:8000/). "
    "Without it the .htaccess redirects each IRI path to its file in the folder it is served from.",
)
@click.pass_obj
def build(settings: Settings, sources_dir: Path | None, output_dir: Path, base_url: str | None) -> None:
    """Validate the graph, then publish dumps, JSON-LD context and frames, a DCAT/VoID description and a site

    Refuses to publish a graph that does not validate (exit 1; the validation report goes to stdout and the
    previous output folder is left untouched). Writes into a temporary folder beside the output and swaps it
    in at the end. Exits 2 on bad input.

    \b
    Example:
        pia-kg build -o dist --base-url https://example.org/pia-kg/
        python -m http.server -d dist 8000
    """
    from pia_kg.check.validation import render_report, summary_line
    from pia_kg.publish.site.build import build_release

    project = settings.open_project(sources_dir)
    result = build_release(project, output_dir=output_dir, base_url=base_url)
    if not result.built:
        click.echo(render_report(result.report, "text"), nl=False)
        click.echo(f"Not built: {summary_line(result.report)}. {output_dir} is unchanged.", err=True)
        sys.exit(EXIT_CHECK_FAILED)
    click.echo(
        f"Built {output_dir}: {result.files} files, {len(result.dumps)} dumps "
        f"({summary_line(result.report)}).",
        err=True,
    )
    sys.exit(EXIT_OK)
