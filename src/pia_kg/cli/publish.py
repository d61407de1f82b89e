"""`pia-kg export` and `pia-kg build`: publishing the graph as dumps and as a static linked-data site."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from pia_kg.cli.main import EXIT_CHECK_FAILED, EXIT_OK, BadInput, Settings, cli, sources_option
from pia_kg.project import Project

if TYPE_CHECKING:
    from pia_kg.rdf.jsonld import JsonObject

T = TypeVar("T")
FORMAT_NAMES = ["turtle", "ntriples", "nquads", "trig", "jsonld", "rdfxml", "nanopub", "datapackage"]


@cli.command()
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(FORMAT_NAMES),
    default="turtle",
    show_default=True,
    help="Output format; nquads and trig keep one named graph per source file; nanopub writes one "
    "nanopublication (TriG) per sourced fact into the folder given with -o; datapackage writes CSV tables "
    "and datapackage.json into the folder given with -o.",
)
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(path_type=Path),
    default=None,
    help="Write to this file (atomically) instead of stdout; for nanopub and datapackage, the folder to "
    "write (required).",
)
@click.option("--include-shapes", is_flag=True, help="Add the SHACL shapes to the ontology and data.")
@click.option(
    "--key",
    "key_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="nanopub only: sign each nanopublication with this RSA private key (PEM, PKCS #8 or #1); "
    "without it they are unsigned. Nothing is published.",
)
@click.pass_obj
def export(
    settings: Settings, fmt: str, output: Path | None, include_shapes: bool, key_file: Path | None
) -> None:
    """Write the whole graph (ontology, vocabularies and data) in one RDF format, or as nanopublications

    The same input gives the same bytes: blank nodes get canonical labels and the output is sorted. JSON-LD is
    compacted with ontology/context.jsonld. `-f nanopub -o DIR` writes one TriG file per sourced fact, each
    with a Trusty URI, into DIR (replaced as a whole); `-f datapackage -o DIR` writes CSV tables and their
    datapackage.json into DIR (replaced as a whole). Exits 2 if a file cannot be read or parsed.

    \b
    Example:
        pia-kg export --format jsonld -o pia-kg.jsonld
        pia-kg export -f nquads > pia-kg.nq
        pia-kg export -f nanopub -o nanopubs
        pia-kg export -f datapackage -o pia-kg-tables
    """
    if fmt == "nanopub":
        _export_nanopublications(settings, output, include_shapes, key_file)
        return
    if fmt == "datapackage" and key_file is None:
        _export_datapackage(settings, output, include_shapes)
        return
    if key_file is not None:
        raise BadInput("--key signs nanopublications only", "Use it with -f nanopub, or leave it out.")
    if output is not None and output.is_dir():
        raise BadInput(f"{output}: is a folder", "Give -o a file name.")
    from pia_kg.files import write_atomic
    from pia_kg.graph.loading import load
    from pia_kg.publish.export import STORE_FORMATS
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


def _export_nanopublications(
    settings: Settings, output: Path | None, include_shapes: bool, key_file: Path | None
) -> None:
    """`export -f nanopub`: one TriG file per sourced fact into the folder `output`."""
    from pia_kg.graph.loading import load
    from pia_kg.publish.nanopub import nanopublications, write_folder

    if output is None:
        raise BadInput("-f nanopub writes a folder of files: -o DIR is required", "e.g. -o nanopubs")
    if include_shapes:
        raise BadInput("--include-shapes does not apply to nanopublications", "Leave it out with -f nanopub.")
    key = _read_key(key_file) if key_file is not None else None
    nanopubs = nanopublications(load(settings.open_project()), key=key)
    write_folder(output, nanopubs)
    signed = "signed" if key is not None else "unsigned"
    click.echo(f"Wrote {len(nanopubs)} nanopublications to {output} ({signed}).", err=True)


def _export_datapackage(settings: Settings, output: Path | None, include_shapes: bool) -> None:
    """`export -f datapackage`: the CSV tables and datapackage.json into the folder `output`, read from the
    project's store."""
    from pia_kg.publish.datapackage import TABLES, row_counts, write_package

    if output is None:
        raise BadInput(
            "-f datapackage writes a folder of files: -o is required",
            hint="Name the folder to write, e.g. pia-kg export -f datapackage -o pia-kg-tables.",
        )
    if include_shapes:
        raise BadInput("--include-shapes does not apply to -f datapackage", hint="Leave it out.")
    project = settings.open_project()
    files = _with_store(project, lambda store: write_package(store, output))
    counts = row_counts(files)
    rows = sum(counts.values())
    click.echo(f"Wrote {output}: {len(TABLES)} tables, {rows} rows, datapackage.json.", err=True)


def _with_store(project: Project, use: Callable[[Any], T]) -> T:
    """`use(store)` on the project's store on disk (refreshed per file), or, while another process
    writes that store, on a store built from the files."""
    from pia_kg.graph.disk_store import StoreUnavailable, refresh
    from pia_kg.graph.loading import load
    from pia_kg.graph.store import store_for

    try:
        with refresh(project).reading() as store:
            return use(store)
    except StoreUnavailable as err:
        click.echo(f"Note: {err}; reading the files.", err=True)
    return use(store_for(load(project)))


def _read_key(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as err:
        raise BadInput(f"{path}: cannot read the key ({err})", "Give --key a readable PEM file.") from err


def _from_store(project: Project, fmt: str, context: JsonObject | None) -> bytes | None:
    """The export in `fmt` (one of STORE_FORMATS) written from the project's store on disk (refreshed per
    file, see graph/disk_store.py), the same bytes as from the files, or None when the store cannot be used
    now (another process writes it): the caller reads the files."""
    from pia_kg.graph.disk_store import StoreUnavailable, project_files, refresh
    from pia_kg.publish.export import TEXT_FORMATS, export_jsonld, export_lines, export_text
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
            if fmt in TEXT_FORMATS:
                return export_text(store, graph_ids, fmt)
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
