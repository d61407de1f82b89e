"""`pia-kg build`: validate, then write the whole release (dumps, context, frames, dataset description, static
site, content-negotiation rules) into a temporary folder beside the target and swap it into place.

A graph that does not validate is never published, and a failed build leaves the previous output untouched.
Nothing depends on the clock or on absolute paths, so two builds of the same input are byte-identical.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef

from pia_kg.check.sources import SourceTextError, load_source_text
from pia_kg.check.validation import ValidationReport, read_query, validate
from pia_kg.errors import ConfigError
from pia_kg.graph.loading import KnowledgeGraph, load
from pia_kg.graph.store import store_for
from pia_kg.project import Project
from pia_kg.publish.datapackage import distributions, package_files
from pia_kg.publish.dataset_description import DESCRIPTIONS, TITLES, Dump, describe_dataset
from pia_kg.publish.export import (
    EXPORT_FORMATS,
    canonical_dataset,
    serialize,
    swap_folder,
    turtle,
    union_graph,
)
from pia_kg.publish.site import pages as p
from pia_kg.publish.site import questions as q
from pia_kg.publish.site import search
from pia_kg.publish.site.pictures import PagePictures, SitePictures
from pia_kg.publish.site.reading import Reader, ReaderHome, ReaderPage, home_reading
from pia_kg.publish.site.render import render, script_json
from pia_kg.rdf.jsonld import (
    FRAMES,
    JsonObject,
    compact_graph,
    dump_json,
    expand_graph,
    frame_expanded,
    read_context,
    read_frame,
)
from pia_kg.rdf.namespaces import PIA, bind_prefixes

DUMP_NAME = "pia-kg"
PACKAGE_FOLDER = "datapackage"  # the CSV tables and datapackage.json
W3ID_BASE = "https://w3id.org/pia-kg/"
DEFAULT_BASE_URL = "http://localhost:8000/"


@dataclass(frozen=True)
class BuildResult:
    """The validation report and, if it conformed, what was written."""

    report: ValidationReport
    built: bool
    output_dir: Path
    files: int = 0
    dumps: tuple[Dump, ...] = ()


def build_release(project: Project, *, output_dir: Path, base_url: str | None = None) -> BuildResult:
    """Validate the project; if it conforms, write the release to `output_dir` atomically.

    Without `base_url` the .htaccess redirects within the folder it is served from (see `htaccess`).
    """
    redirect_base = base_url.rstrip("/") + "/" if base_url else None
    base_url = redirect_base or DEFAULT_BASE_URL
    if base_url.rstrip("/") == W3ID_BASE.rstrip("/"):
        raise ConfigError(
            f"--base-url {base_url} is the persistent identifier itself: the redirect would point to itself",
            hint="Pass the address where the site is served, e.g. --base-url https://example.org/pia-kg/.",
        )
    output_dir = Path(output_dir).resolve()
    check_replaceable(output_dir)
    kg = load(project)
    report = validate(kg, sources_dir=project.sources_dir, queries_dir=project.queries_dir, root=project.root)
    if not report.conforms:
        return BuildResult(report=report, built=False, output_dir=output_dir)
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=output_dir.parent, prefix=f".{output_dir.name}.build-"))
    try:
        dumps = write_release(kg, project, staging, base_url=base_url, redirect_base=redirect_base)
        files = sum(1 for path in staging.rglob("*") if path.is_file())
        swap_folder(staging, output_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BuildResult(report=report, built=True, output_dir=output_dir, files=files, dumps=tuple(dumps))


# what every build writes: a folder without them is not an earlier build, and is never replaced
_BUILD_SIGNS = ("index.html", "dataset.ttl", "dumps")


def check_replaceable(output_dir: Path) -> None:
    """Refuse an output folder that the build would replace but did not write: a file, or a folder that holds
    something and is not an earlier build (`-o ~` must never replace a home folder)."""
    if output_dir.exists() and not output_dir.is_dir():
        raise ConfigError(f"{output_dir}: is a file", hint="Give -o a folder: the build writes a whole site.")
    earlier_build = all((output_dir / sign).exists() for sign in _BUILD_SIGNS)
    if output_dir.is_dir() and any(output_dir.iterdir()) and not earlier_build:
        raise ConfigError(
            f"{output_dir}: is not empty and was not written by pia-kg build; the build would replace it",
            hint="Give -o a new or empty folder, or one that an earlier build wrote (such as dist).",
        )


class _Writer:
    """Writes files under the staging folder, creating folders as needed."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def bytes(self, relpath: str, data: bytes) -> None:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def text(self, relpath: str, text: str) -> None:
        self.bytes(relpath, text.encode("utf-8"))


def write_release(
    kg: KnowledgeGraph, project: Project, root: Path, *, base_url: str, redirect_base: str | None = None
) -> list[Dump]:
    """Write every file of the release under `root`; returns the dumps (for the dataset description).

    `redirect_base` is where the .htaccess sends the IRIs (None: to the files beside them, see `htaccess`).
    """
    out = _Writer(root)
    context = read_context(project.ontology_dir)
    dataset = canonical_dataset(kg)
    graph = union_graph(dataset)
    dumps = []
    for fmt in EXPORT_FORMATS.values():
        data = serialize(dataset, fmt.name, context=context)
        relpath = f"dumps/{DUMP_NAME}.{fmt.extension}"
        out.bytes(relpath, data)
        dumps.append(Dump.of(relpath, format_name=fmt.name, media_type=fmt.media_type, data=data))
    out.bytes("context.jsonld", (project.ontology_dir / "context.jsonld").read_bytes())
    data_graph = union_graph(canonical_dataset(kg, kinds=("data",)))
    expanded = expand_graph(data_graph, context)  # once for every frame
    for name in FRAMES:
        frame = read_frame(project.ontology_dir, name)
        out.bytes(f"frames/{name}.json", dump_json(frame))
        view = frame_expanded(expanded, frame, context)
        out.bytes(f"views/{name}.jsonld", dump_json(view))
    package = package_files(store_for(kg))
    for name, data in sorted(package.items()):
        out.bytes(f"{PACKAGE_FOLDER}/{name}", data)
    tables = distributions(package, folder=PACKAGE_FOLDER)
    description = describe_dataset(graph, dumps=dumps, base_url=base_url, tables=tables)
    out.bytes("dataset.ttl", turtle(description).encode("utf-8"))
    out.bytes("dataset.jsonld", dump_json(compact_graph(description, context)))
    ontology = union_graph(canonical_dataset(kg, kinds=("ontology",)))
    out.bytes("ns.ttl", turtle(ontology).encode("utf-8"))
    out.bytes("ns.jsonld", dump_json(compact_graph(ontology, context, context_url=True)))
    _write_pages(out, graph, project=project, context=context, dumps=dumps)
    _write_questions(out, kg, project, graph)
    _write_query_pages(out, project, dumps)
    out.text(".htaccess", htaccess(redirect_base))
    out.bytes("static/style.css", (Path(__file__).parent / "static" / "style.css").read_bytes())
    return dumps


def _write_pages(
    out: _Writer, graph: Graph, *, project: Project, context: JsonObject, dumps: list[Dump]
) -> None:
    iris = p.resources(graph)
    labeller = p.Labeller(graph, pages={path for iri in iris if (path := p.resource_path(str(iri)))})
    texts = dict(_source_texts(graph, project.sources_dir))
    reader = Reader(labeller)
    pictures = SitePictures(labeller)
    for iri in iris:
        path = p.resource_path(str(iri))
        assert path is not None
        description = bind_prefixes(p.describe(graph, iri))
        document = compact_graph(description, context, context_url=True)
        out.bytes(f"{path}.ttl", turtle(description).encode("utf-8"))
        out.bytes(f"{path}.jsonld", dump_json(document))
        for lang in p.LANGS:
            page = p.resource_page(labeller, iri, lang=lang, texts=texts, jsonld=script_json(document))
            shown = ReaderPage(**vars(page), reading=reader.reading(iri, lang=lang))
            drawn = pictures.resource(iri, lang=lang, from_file=p.page_file(path, lang))
            _write_pictures(out, drawn)
            out.text(p.page_file(path, lang), render("resource.html.j2", shown, pictures=drawn))
    questions = _questions(project)
    for lang in p.LANGS:
        home = p.page_file("index", lang)
        sections = p.type_sections(labeller, iris, lang=lang, from_file=home)
        reading = home_reading(reader, iris, lang=lang)
        front = ReaderHome(**vars(_home(sections, dumps, lang)), reading=reading)
        drawn = pictures.home(lang=lang, from_file=home)
        _write_pictures(out, drawn)
        out.text(home, render("home.html.j2", front, pictures=drawn))
        for section in sections:
            index_path = f"id/{section.key}/index"
            entries = p.type_sections(
                labeller,
                [i for i in iris if _in_section(i, section.key)],
                lang=lang,
                from_file=p.page_file(index_path, lang),
            )[0].entries
            index_page = p.IndexPage(p.make_chrome(index_path, lang), section.title, entries)
            out.text(p.page_file(index_path, lang), render("index.html.j2", index_page))
        out.text(p.page_file(p.NS_PAGE, lang), render("ontology.html.j2", _ontology(labeller, lang)))
        title = p.UI[lang]["questions"]
        page_q = p.QuestionsPage(p.make_chrome("questions", lang), title, *questions)
        out.text(p.page_file("questions", lang), render("questions.html.j2", page_q))
    _write_search(out, graph, iris)


def _write_search(out: _Writer, graph: Graph, iris: list[URIRef]) -> None:
    """`search-index.json`, the script, and `search.html` / `search.fr.html`, which embed the index so that
    they search from file:// too."""
    document = search.index_document(search.build_entries(graph, iris))
    compact = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    out.text("search-index.json", compact + "\n")
    out.bytes("static/search.js", (Path(__file__).parent / "static" / "search.js").read_bytes())
    kinds = sorted({path.split("/")[1] for iri in iris if (path := p.resource_path(str(iri)))})
    for lang in p.LANGS:
        chrome = p.make_chrome("search", lang)
        page = search.search_page(chrome, kinds=kinds, index_json=script_json(document, compact=True))
        out.text(p.page_file("search", lang), render("search.html.j2", page))


def _write_questions(out: _Writer, kg: KnowledgeGraph, project: Project, graph: Graph) -> None:
    """Each saved question (rules aside) answered for its default parameters: `questions/<name>.html` and
    `.fr.html`, with the answer beside them as CSV and SPARQL JSON (Turtle and JSON-LD for a graph)."""
    from pia_kg.sparql.engine import run_query
    from pia_kg.sparql.formats import RdfFormat, ResultFormat, serialize_result
    from pia_kg.sparql.saved import list_queries

    iris = p.resources(graph)
    labeller = p.Labeller(graph, pages={path for iri in iris if (path := p.resource_path(str(iri)))})
    for saved in list_queries(project):
        if saved.is_rule:
            continue
        result = run_query(kg, saved, use_examples=True)
        for extension, name, _ in q.DOWNLOADS[saved.form]:
            fmt = ResultFormat.from_name(name) or RdfFormat.from_name(name)
            out.text(f"{q.QUESTIONS_DIR}/{saved.name}.{extension}", serialize_result(result, fmt))
        for lang in p.LANGS:
            page = q.question_page(saved, result, labeller, iris, lang=lang, live=False)
            out.text(q.question_file(saved.name, lang), render("question.html.j2", page))


def _write_query_pages(out: _Writer, project: Project, dumps: list[Dump]) -> None:
    """`query.html` and `query.fr.html`, where the header's "Query" leads: the editor needs `pia-kg serve`
    (which answers these paths with it), so the static page offers the dumps and the saved questions."""
    from pia_kg.sparql.saved import list_queries

    saved = [question for question in list_queries(project) if not question.is_rule]
    downloads = tuple(p.Link(d.path, f"{d.path.rsplit('/', 1)[-1]} ({d.media_type})") for d in dumps)
    for lang in p.LANGS:
        words = p.QUERY_WORDS[lang]
        questions = tuple(p.Link(q.question_file(s.name, lang), s.title(lang)) for s in saved)
        page = p.StaticQueryPage(
            p.make_chrome(p.QUERY_PAGE, lang), words["title"], words, downloads, questions
        )
        out.text(p.page_file(p.QUERY_PAGE, lang), render("query.html.j2", page))


def _write_pictures(out: _Writer, pictures: PagePictures) -> None:
    """The SVG files of a page's pictures, under `pictures/`."""
    for picture in (pictures.timeline, pictures.diagram):
        if picture is not None:
            out.text(picture.file, picture.svg)


def _in_section(iri: URIRef, key: str) -> bool:
    path = p.resource_path(str(iri))
    return path is not None and path.split("/")[1] == key


def _home(sections: tuple[p.Section, ...], dumps: list[Dump], lang: str) -> p.HomePage:
    downloads = tuple(
        p.Download(d.path, d.path.rsplit("/", 1)[-1], d.media_type, d.byte_size, d.sha256) for d in dumps
    )
    extras = tuple(
        p.Link(href, text)
        for href, text in (
            ("dataset.ttl", "DCAT + VoID (Turtle)"),
            ("dataset.jsonld", "DCAT + VoID (JSON-LD)"),
            ("context.jsonld", "JSON-LD @context"),
            *((f"frames/{name}.json", f"JSON-LD frame: {name}") for name in FRAMES),
            *((f"views/{name}.jsonld", f"JSON-LD view: {name}") for name in FRAMES),
        )
    )
    return p.HomePage(
        p.make_chrome("index", lang), TITLES[lang], DESCRIPTIONS[lang], sections, downloads, extras
    )


def _ontology(labeller: p.Labeller, lang: str) -> p.OntologyPage:
    ontology = URIRef(str(PIA).rstrip("#"))
    graph = labeller.graph
    version = graph.value(ontology, URIRef("http://www.w3.org/2002/07/owl#versionInfo"))
    description = labeller.literal(ontology, lang)
    definitions = [
        str(obj)
        for obj in graph.objects(ontology, URIRef("http://www.w3.org/2004/02/skos/core#definition"))
        if getattr(obj, "language", None) == lang
    ]
    return p.OntologyPage(
        chrome=p.make_chrome(p.NS_PAGE, lang),
        title=description[0] if description else "pia-kg ontology",
        description=definitions[0] if definitions else "",
        version=str(version or ""),
        groups=p.ontology_terms(labeller, lang=lang),
    )


def _questions(project: Project) -> tuple[tuple[p.Question, ...], tuple[p.Question, ...]]:
    questions = []
    for path in project.query_files():
        query = read_query(path, relpath=project.relative(path))
        questions.append(
            p.Question(
                query.name, query.title, query.header.get("description", ""), query.is_rule, query.text
            )
        )
    return (
        tuple(q for q in questions if not q.is_rule),
        tuple(q for q in questions if q.is_rule),
    )


def _source_texts(graph: Graph, sources_dir: Path) -> Iterator[tuple[URIRef, str]]:
    for document in sorted(set(graph.subjects(PIA.sourceFileName, None)), key=str):
        sha256 = graph.value(document, PIA.sha256)
        try:
            source = load_source_text(
                sources_dir,
                str(graph.value(document, PIA.sourceFileName)),
                sha256=None if sha256 is None else str(sha256),
                document=URIRef(str(document)),
            )
        except SourceTextError:
            continue
        yield URIRef(str(document)), source.text


CONNEG: tuple[tuple[str, str], ...] = (
    ("text/turtle", ".ttl"),
    ("application/ld\\+json", ".jsonld"),
)


def htaccess(base_url: str | None) -> str:
    """Apache rules: 303 from each IRI path to the file of the negotiated format (mod_rewrite).

    `id/<type>/<slug>` and `ns` (and `ns/<version>`) answer Turtle, JSON-LD or HTML (French if it is the
    first language the browser accepts); `dataset` answers its description. With `base_url` (the address of
    the site) the rules are those of https://w3id.org/pia-kg/: the redirects go to that site, and every other
    path redirects to the same path there. Without it the redirects are relative, to the file beside the
    requested path in the folder the .htaccess is served from, so the rules work wherever that folder is
    deployed and never point at a host that was only a guess.
    """
    header = [
        "# Content negotiation for https://w3id.org/pia-kg/ -> the pia-kg site. Written by `pia-kg build`.",
    ]
    if base_url is None:
        header = [
            "# Content negotiation for the IRIs of this folder, wherever it is served. Written by",
            "# `pia-kg build` without --base-url: each redirect stays in this folder. For",
            "# https://w3id.org/pia-kg/, build with --base-url set to the address of the site.",
        ]
    prefix = base_url or ""
    lines = [*header, "Options +FollowSymLinks", "RewriteEngine on", ""]
    routes = (("^(id/[^/]+/[^/.]+)$", "$1"), ("^(ns)(/[0-9][0-9.]*)?$", "ns"), ("^(dataset)$", "dataset"))
    for pattern, target in routes:
        for accept, extension in CONNEG:
            lines += [
                f"RewriteCond %{{HTTP_ACCEPT}} {accept}",
                f"RewriteRule {pattern} {prefix}{target}{extension} [R=303,L]",
            ]
        html_target = "index" if target == "dataset" else target
        lines += [
            "RewriteCond %{HTTP_ACCEPT_LANGUAGE} ^fr",
            f"RewriteRule {pattern} {prefix}{html_target}.fr.html [R=303,L]",
            f"RewriteRule {pattern} {prefix}{html_target}.html [R=303,L]",
            "",
        ]
    if base_url is not None:
        lines += [f"RewriteRule ^$ {base_url} [R=302,L]", f"RewriteRule ^(.+)$ {base_url}$1 [R=302,L]", ""]
    return "\n".join(lines)
