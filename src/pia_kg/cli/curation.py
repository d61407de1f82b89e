"""Curation commands (issue 7): `fmt`, `cite`, `sources`, `report` and `diff`.

Heavy libraries are imported inside the commands so that `pia-kg --help` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pia_kg.cli.main import EXIT_CHECK_FAILED, EXIT_OK, Settings, cli, sources_option


@cli.command()
@click.option("--check", is_flag=True, help="Change nothing; print a diff; exit 1 if a file would change.")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.pass_obj
def fmt(settings: Settings, check: bool, paths: tuple[Path, ...]) -> None:
    """Rewrite Turtle files in the canonical, diff-friendly form

    Works on the PATHs given (files, or folders and their *.ttl), else on every .ttl of ontology/ and data/.
    Every triple is kept (the result is checked to be isomorphic before anything is written, and each file is
    replaced atomically). Comments are kept when they are the file's header or sit directly above a subject;
    any other comment makes the command refuse the file. Exits 1 with --check if a file would change, 2 if a
    file cannot be parsed or would lose a comment (nothing is written then).

    \b
    Example:
        pia-kg fmt --check
        pia-kg fmt data/statements.ttl
    """
    from pia_kg.files import write_atomic
    from pia_kg.rdf.canonical import format_files

    project = settings.open_project()
    results = format_files(project, paths)
    changed = [result for result in results if result.is_changed]
    if check:
        for result in changed:
            click.echo(result.unified_diff(), nl=False)
        verdict = f"{len(changed)} of {len(results)} file(s) would be reformatted"
        click.echo(f"{'FAILED' if changed else 'OK'}: {verdict}.", err=True)
        sys.exit(EXIT_CHECK_FAILED if changed else EXIT_OK)
    for result in changed:
        write_atomic(result.path, result.after.encode("utf-8"))
        click.echo(f"reformatted {result.relpath}", err=True)
    click.echo(f"{len(changed)} of {len(results)} file(s) reformatted.", err=True)


@cli.command()
@click.argument("source")
@click.argument("text")
@click.option(
    "--context", default=20, show_default=True, type=click.IntRange(0, 200),
    help="Code points of oa:prefix and oa:suffix around the span.",
)
@sources_option
@click.pass_obj
def cite(settings: Settings, source: str, text: str, context: int, sources_dir: Path | None) -> None:
    """Find a quote in a source text and print its pia:evidence block

    SOURCE is a document (CURIE such as doc:pr-2025-07-current-ai-maroc, or IRI), the file name of its text
    in the sources folder, or the path of a text file, which is known by the sha256 that a document records.
    The document cited is named on stderr. The text is searched exactly, then with any white space and
    straight or curly quotes and apostrophes matching each other; the selectors carry the source's own
    characters. Paste the printed lines into the fact's subject block, then run `pia-kg fmt`. Exits 2 if
    SOURCE is no known document (they are listed), if the text is absent (the closest passages are listed)
    or if it occurs more than once (every occurrence is listed).

    \b
    Example:
        pia-kg cite doc:pr-2025-07-current-ai-maroc "Nous sommes fiers de compter le Maroc"
        pia-kg cite ../shared/sources/current-ai-maroc-2025-07.fr.txt "Nous sommes fiers"
    """
    from pia_kg.curate.citing import cite as find_citation
    from pia_kg.curate.citing import describe_source, render_citation
    from pia_kg.graph.loading import load

    project = settings.open_project(sources_dir)
    graph = load(project).union("ontology", "data")
    citation = find_citation(graph, source, text, sources_dir=project.sources_dir, context=context)
    click.echo(render_citation(citation), nl=False)
    click.echo(describe_source(citation), err=True)
    click.echo(
        f"Found ({citation.match} match) at {citation.selector.start}-{citation.selector.end}.", err=True
    )


@cli.command()
@click.option(
    "-f", "--format", "fmt_name", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="Table or JSON, written to stdout.",
)
@sources_option
@click.pass_obj
def sources(settings: Settings, fmt_name: str, sources_dir: Path | None) -> None:
    """List the source documents and the state of their texts

    For each document: its IRI, the file name of its text, the start of its sha256, whether the text is in the
    sources folder and matches that hash, and how many facts cite it. Exits 2 if a file cannot be parsed.

    \b
    Example:
        pia-kg sources
    """
    import json

    from pia_kg.curate.citing import render_source_rows, source_rows
    from pia_kg.graph.loading import load

    project = settings.open_project(sources_dir)
    rows = source_rows(load(project).union("ontology", "data"), sources_dir=project.sources_dir)
    if fmt_name == "json":
        items = [
            {
                "document": str(row.document.iri),
                "file": row.document.file_name,
                "sha256": row.document.sha256,
                "available": row.is_available,
                "hash_ok": row.is_hash_ok,
                "facts": row.facts,
            }
            for row in rows
        ]
        click.echo(json.dumps(items, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        click.echo(render_source_rows(rows), nl=False)


@cli.command()
@click.option(
    "-f", "--format", "fmt_name", type=click.Choice(["text", "json", "markdown", "sarif"]), default="text",
    show_default=True, help="Report format, written to stdout.",
)
@click.option(
    "--fail-on", type=click.Choice(["error", "warning", "info"]), default="error", show_default=True,
    help="Lowest severity that makes the command exit 1.",
)
@click.pass_obj
def report(settings: Settings, fmt_name: str, fail_on: str) -> None:
    """Run the quality checks of queries/quality/ and report each finding with its fix

    Each check is a SPARQL query; its severity (error, warning, info) is set in ontology/quality-profile.toml.
    Every finding names the resource, its file:line and how to fix it. Exits 1 if a finding is at least as
    severe as --fail-on, 2 if a file, a query or the profile cannot be read.

    \b
    Example:
        pia-kg report
        pia-kg report --format sarif > report.sarif
    """
    from pia_kg.check import report as quality
    from pia_kg.check.sarif import report_sarif
    from pia_kg.graph.store_graph import load_checked

    project = settings.open_project()
    result = quality.run_report(load_checked(project), project)
    renderers = {
        "text": quality.render_text,
        "json": quality.render_json,
        "markdown": quality.render_markdown,
        "sarif": report_sarif,
    }
    click.echo(renderers[fmt_name](result), nl=False)
    failed = result.fails(fail_on)
    click.echo(f"{'FAILED' if failed else 'OK'}: {quality.summary_line(result)}.", err=True)
    sys.exit(EXIT_CHECK_FAILED if failed else EXIT_OK)


@cli.command()
@click.argument("old", required=False)
@click.argument("new", required=False)
@click.option(
    "-f", "--format", "fmt_name", type=click.Choice(["markdown", "json"]), default="markdown",
    show_default=True, help="Markdown (pull-request comment, release notes) or JSON, written to stdout.",
)
@click.pass_obj
def diff(settings: Settings, old: str | None, new: str | None, fmt_name: str) -> None:
    """Show what changed per resource between two versions of the graph

    OLD and NEW are git revisions (read with `git show`, nothing is checked out) or folders holding ontology/
    and data/. OLD defaults to the merge base with main (HEAD if there is no main), NEW to the working tree.
    Resources are shown by label: added, removed, and changed values per predicate; blank nodes such as
    evidence are compared by their canonical form, so unchanged evidence is not reported. Exits 0 whatever
    changed (a diff is information), 2 if a revision, folder or file cannot be read.

    \b
    Example:
        pia-kg diff
        pia-kg diff v0.1.0 HEAD --format json
    """
    from pia_kg.curate import diffing

    project = settings.open_project()
    old_side = diffing.read_side(project, old if old is not None else diffing.default_base(project))
    new_side = diffing.read_side(project, new)
    changes = diffing.diff_sides(old_side, new_side)
    render = diffing.render_json if fmt_name == "json" else diffing.render_markdown
    click.echo(render(old_side, new_side, changes), nl=False)
    total = sum(len(items) for items in changes.values())
    click.echo(f"{total} resource(s) changed from {old_side.name} to {new_side.name}.", err=True)
