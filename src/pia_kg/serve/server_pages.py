"""What `pia-kg serve` shows besides the static site: a snapshot of the graph made at start-up, the resource
descriptions it negotiates, and the page dataclasses of the home, saved-question, query-UI and 404 pages.

Templates get page dataclasses, never a Graph (ARCHITECTURE.md, rule 4). The snapshot is read-only once made.
"""

from __future__ import annotations

import difflib
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from rdflib import Graph, URIRef

from pia_kg.graph.loading import KnowledgeGraph
from pia_kg.project import Project
from pia_kg.publish.export import canonical_dataset, union_graph
from pia_kg.publish.site import pages as p
from pia_kg.rdf.jsonld import JsonObject
from pia_kg.rdf.labels import LABEL_PREDICATES
from pia_kg.rdf.namespaces import ID_BASE, PIA, bind_prefixes
from pia_kg.sparql.saved import SavedQuery

ONTOLOGY_IRI = URIRef(str(PIA).rstrip("#"))


@dataclass(frozen=True)
class Snapshot:
    """The graph as served: union, ontology, resource paths, labels, saved questions, site folder."""

    graph: Graph
    ontology: Graph
    paths: dict[str, URIRef]  # `id/<type>/<slug>` -> IRI
    labels: dict[str, str]  # `id/<type>/<slug>` -> English label
    questions: tuple[SavedQuery, ...]
    graph_names: tuple[str, ...]
    context: JsonObject
    site_dir: Path
    counts: tuple[tuple[str, int], ...]
    # what the pages build from the snapshot once (question context, search entries), kept with it
    derived: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def description(self, iri: URIRef) -> Graph:
        """The concise bounded description of `iri` plus the labels of the resources it links to; for the
        ontology's IRI, the whole ontology (classes, properties, concept schemes), as `dist/ns.ttl` has it.
        """
        if iri == ONTOLOGY_IRI:
            return self.ontology
        return describe_with_labels(self.graph, iri)

    def question(self, name: str) -> SavedQuery | None:
        return next((saved for saved in self.questions if saved.name == name), None)

    def has_kind(self, kind: str) -> bool:
        return any(name == kind for name, _ in self.counts)

    def kind_list(self, kind: str) -> Graph:
        """The resources of one type (`id/<kind>/...`): their rdf:type and labels, for the list's RDF."""
        from pia_kg.rdf.namespaces import RDF

        listing = bind_prefixes(Graph(bind_namespaces="none"))
        for path, iri in sorted(self.paths.items()):
            if path.split("/")[1] != kind:
                continue
            for predicate in (RDF.type, *LABEL_PREDICATES):
                for obj in self.graph.objects(iri, predicate):
                    listing.add((iri, predicate, obj))
        return listing


def take_snapshot(kg: KnowledgeGraph, project: Project, *, site_dir: Path) -> Snapshot:
    """Everything the server reads per request, computed once."""
    from pia_kg.rdf.jsonld import read_context
    from pia_kg.sparql.saved import list_queries

    graph = union_graph(canonical_dataset(kg))
    ontology = union_graph(canonical_dataset(kg, kinds=("ontology",)))
    iris = p.resources(graph)
    labeller = p.Labeller(graph, pages=set())
    paths = {path: iri for iri in iris if (path := p.resource_path(str(iri)))}
    kinds = Counter(path.split("/")[1] for path in paths)
    return Snapshot(
        graph=graph,
        ontology=ontology,
        paths=paths,
        labels={path: labeller.label(iri, "en") for path, iri in paths.items()},
        questions=tuple(saved for saved in list_queries(project) if not saved.is_rule),
        graph_names=tuple(str(name) for name in kg.graph_ids("ontology", "data")),
        context=read_context(project.ontology_dir),
        site_dir=site_dir,
        counts=tuple(sorted(kinds.items())),
    )


def describe_with_labels(graph: Graph, iri: URIRef) -> Graph:
    description = bind_prefixes(p.describe(graph, iri))
    linked = {term for triple in list(description) for term in triple if isinstance(term, URIRef)}
    for term in sorted(linked - {iri}, key=str):
        for predicate in LABEL_PREDICATES:
            for label in graph.objects(term, predicate):
                description.add((term, predicate, label))
    return description


# ------------------------------------------------------------------ the site folder


def site_is_fresh(project: Project, site_dir: Path) -> bool:
    """True if `site_dir` holds a build newer than every ontology, data and query file."""
    marker = site_dir / "dataset.ttl"
    if not marker.is_file() or not (site_dir / "index.html").is_file():
        return False
    inputs = [*project.ontology_files(), *project.shapes_files(), *project.data_files()]
    inputs += [*project.query_files()]
    newest_input = max((path.stat().st_mtime for path in inputs), default=0.0)
    return marker.stat().st_mtime >= newest_input


def build_site(kg: KnowledgeGraph, project: Project, *, base_url: str) -> Path:
    """Write the release (dumps, description, pages) into a new temporary folder; the caller removes it."""
    from pia_kg.publish.site.build import write_release

    folder = Path(tempfile.mkdtemp(prefix="pia-kg-serve-"))
    try:
        write_release(kg, project, folder, base_url=base_url)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


# ------------------------------------------------------------------ pages


@dataclass(frozen=True)
class QuestionLink:
    name: str
    title: str
    description: str
    form: str
    params: str
    run_href: str
    ui_href: str


@dataclass(frozen=True)
class QueryUiPage:
    chrome: p.Chrome
    title: str
    has_yasgui: bool
    questions_json: Any
    examples: tuple[QuestionLink, ...]
    words: dict[str, str]
    names_json: Any  # what the page names YASGUI's unnamed controls, in its language


@dataclass(frozen=True)
class NotFoundPage:
    chrome: p.Chrome
    title: str
    path: str
    suggestions: tuple[p.Link, ...]


def chrome(root: str, *, other_href: str) -> p.Chrome:
    """English page chrome for a server page at depth `root` (`""` or `"../"`), linking the French site."""
    return p.Chrome(lang="en", root=root, self_href="", other_href=other_href, other_lang="fr", ui=p.UI["en"])


def ui_href(saved: SavedQuery, *, root: str) -> str:
    from urllib.parse import quote

    return f"{root}query#query={quote(saved.text, safe='')}&tabTitle={quote(saved.title(), safe='')}"


def question_links(snapshot: Snapshot, *, root: str, lang: str = "en") -> tuple[QuestionLink, ...]:
    return tuple(
        QuestionLink(
            name=saved.name,
            title=saved.title(lang),
            description=saved.description(lang),
            form=saved.form,
            params=", ".join(param.describe() for param in saved.params),
            run_href=f"{root}questions/{saved.name}"
            if lang == "en"
            else f"{root}questions/{saved.name}.{lang}.html",
            ui_href=ui_href(saved, root=root),
        )
        for saved in snapshot.questions
    )


@dataclass(frozen=True)
class QuestionContext:
    """What the question pages label and link with: the served graph's labeller and resources."""

    labeller: p.Labeller
    iris: tuple[URIRef, ...]

    def resolve(self, saved: SavedQuery, given: dict[str, str]) -> dict[str, str]:
        """The parameters given, a choice's label standing for the choice (`Martin Tisné` -> its IRI)."""
        from pia_kg.publish.site.questions import resolve_params

        return resolve_params(saved, given, self.labeller, self.iris)


def question_labeller(snapshot: Snapshot) -> QuestionContext:
    """The question pages' context for `snapshot` (made once)."""
    context = snapshot.derived.get("questions")
    if context is None:
        iris = tuple(sorted(snapshot.paths.values(), key=str))
        context = QuestionContext(p.Labeller(snapshot.graph, pages=set(snapshot.paths)), iris)
        snapshot.derived["questions"] = context
    return cast(QuestionContext, context)


def question_page(
    snapshot: Snapshot,
    saved: SavedQuery,
    *,
    params: dict[str, str],
    result: Any,
    error: str | None,
    lang: str,
) -> Any:
    """The answer to a saved question as a page for people, with a form to choose its parameters."""
    from pia_kg.publish.site.questions import question_page as page

    context = question_labeller(snapshot)
    return page(
        saved, result, context.labeller, context.iris, lang=lang, live=True, given=params, error=error
    )


@dataclass(frozen=True)
class QuestionsPage:
    chrome: p.Chrome
    title: str
    questions: tuple[QuestionLink, ...]


def questions_page(snapshot: Snapshot) -> QuestionsPage:
    """Every saved question (rules aside), each linking to its answer at `questions/<name>`."""
    return QuestionsPage(
        chrome=chrome("", other_href="questions.fr.html"),
        title="Saved questions",
        questions=question_links(snapshot, root=""),
    )


def query_ui_page(snapshot: Snapshot, *, has_yasgui: bool, lang: str = "en") -> QueryUiPage:
    """The query editor (`/query`, `/query.html`; `/query.fr.html` in French), each naming the other."""
    from pia_kg.publish.site.render import script_json

    words = p.QUERY_WORDS[lang]
    questions = [{"name": saved.title(lang), "query": saved.text} for saved in snapshot.questions]
    names = {key: words[key] for key in ("endpoint", "query", "tab_name", "rows", "filter", "results")}
    return QueryUiPage(
        chrome=p.make_chrome(p.QUERY_PAGE, lang),
        title=words["title"],
        has_yasgui=has_yasgui,
        questions_json=script_json(questions),
        examples=question_links(snapshot, root="", lang=lang),
        words=words,
        names_json=script_json(names),
    )


def not_found_page(snapshot: Snapshot, path: str) -> NotFoundPage:
    """A 404 that suggests resources whose label or slug is close to what was asked for."""
    wanted = path.strip("/").rsplit("/", 1)[-1].split(".")[0].replace("-", " ").lower()
    by_key: dict[str, str] = {}
    for resource_path, label in snapshot.labels.items():
        by_key.setdefault(label.lower(), resource_path)
        by_key.setdefault(resource_path.rsplit("/", 1)[-1].replace("-", " ").lower(), resource_path)
    close = difflib.get_close_matches(wanted, list(by_key), n=8, cutoff=0.5) if wanted else []
    chosen = list(dict.fromkeys(by_key[key] for key in close))[:5]
    depth = path.strip("/").count("/")
    root = "../" * depth
    return NotFoundPage(
        chrome=chrome(root, other_href=f"{root}index.fr.html"),
        title="Not found",
        path=path,
        suggestions=tuple(p.Link(f"{root}{found}", snapshot.labels[found]) for found in chosen),
    )


def resource_iri(kind: str, slug: str) -> URIRef:
    return URIRef(f"{ID_BASE}{kind}/{slug}")


def remove_folder(folder: Path) -> None:
    if folder.exists() and folder.name.startswith("pia-kg-serve-"):
        shutil.rmtree(folder, ignore_errors=True)


# ------------------------------------------------------------------ search


def search_entries(snapshot: Snapshot) -> tuple[Any, ...]:
    """The search index of the served graph (built once per snapshot)."""
    from pia_kg.publish.site.search import build_entries

    entries = snapshot.derived.get("search")
    if entries is None:
        entries = snapshot.derived["search"] = build_entries(snapshot.graph, snapshot.paths.values())
    return cast(tuple[Any, ...], entries)


def search_html(snapshot: Snapshot, query: str, *, lang: str) -> Any:
    """The search page with the hits filled in (no script, no index)."""
    from urllib.parse import urlencode

    from pia_kg.publish.site.search import search, search_page

    own = p.page_file("search", lang)
    other_lang = p.UI[lang]["other_lang"]
    suffix = f"?{urlencode({'q': query})}" if query else ""
    page_chrome = p.Chrome(
        lang=lang,
        root="",
        self_href=own,
        other_href=p.page_file("search", other_lang) + suffix,
        other_lang=other_lang,
        ui=p.UI[lang],
    )
    kinds = [kind for kind, _ in snapshot.counts]
    hits = search(search_entries(snapshot), query, lang=lang)
    return search_page(page_chrome, kinds=kinds, query=query, hits=hits)


def search_answer(snapshot: Snapshot, query: str, *, lang: str) -> bytes:
    """The hits as JSON: each resource's IRI, page, title, kind, the field that matched and its excerpt."""
    import json

    from pia_kg.publish.site.search import search

    hits = search(search_entries(snapshot), query, lang=lang)
    document = {
        "query": query,
        "lang": lang,
        "results": [
            {
                "iri": str(snapshot.paths[hit.path]),
                "page": "/" + p.page_file(hit.path, lang),
                "title": hit.title,
                "kind": hit.kind,
                "field": hit.field,
                "text": hit.snippet,
                "textLang": hit.lang,
                "score": hit.score,
            }
            for hit in hits
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
