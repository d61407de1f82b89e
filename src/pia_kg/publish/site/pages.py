# ruff: noqa: RUF001  (French typography: the apostrophe is U+2019, the path separator U+203A)
"""Graph -> page dataclasses: everything a template shows, already chosen, labelled and linked.

Templates never see a Graph. Each resource under https://w3id.org/pia-kg/id/ gets a page at
`id/<type>/<slug>` (+ `.html` in English, `.fr.html` in French, `.ttl`, `.jsonld`); ontology terms live on the
`ns` page with one anchor per term. Links are relative, so the site works from file://, any host or path.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from pia_kg.rdf.labels import graph_label
from pia_kg.rdf.namespaces import (
    DCTERMS,
    ID_BASE,
    OA,
    ORG,
    OWL,
    PIA,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    compact_iri,
)

LANGS = ("en", "fr")
NS_IRI = str(PIA)
NS_PAGE = "ns"
QUERY_PAGE = "query"  # the query editor from `pia-kg serve`; in dist/, a page that says how to query
SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]*$")
CONTEXT_CHARS = 150
QUOTE_MARKS = {"en": ("“", "”"), "fr": ("«\u00a0", "\u00a0»")}

TYPE_TITLES = {
    "agreement": ("Agreements", "Accords"),
    "doc": ("Source documents", "Documents sources"),
    "event": ("Events", "Événements"),
    "funding": ("Funding commitments", "Engagements financiers"),
    "membership": ("Memberships", "Adhésions"),
    "organisation": ("Organisations", "Organisations"),
    "party": ("Agreement parties", "Parties aux accords"),
    "person": ("People", "Personnes"),
    "place": ("Places", "Lieux"),
    "post": ("Posts", "Fonctions"),
    "programme": ("Programmes", "Programmes"),
    "statement": ("Statements", "Déclarations"),
    "theme": ("Themes", "Thèmes"),
}

REUSED_LABELS: dict[URIRef, tuple[str, str]] = {
    RDF.type: ("type", "type"),
    RDFS.label: ("label", "libellé"),
    RDFS.subClassOf: ("subclass of", "sous-classe de"),
    RDFS.subPropertyOf: ("subproperty of", "sous-propriété de"),
    RDFS.domain: ("domain", "domaine"),
    RDFS.range: ("range", "portée"),
    SKOS.prefLabel: ("name", "nom"),
    SKOS.definition: ("definition", "définition"),
    SKOS.editorialNote: ("curators’ note", "note des curateurs"),
    SKOS.closeMatch: ("close match", "correspondance proche"),
    SKOS.exactMatch: ("exact match", "correspondance exacte"),
    SKOS.inScheme: ("in scheme", "dans le schéma"),
    SCHEMA.name: ("name", "nom"),
    SCHEMA.text: ("text", "texte"),
    SCHEMA.inLanguage: ("language", "langue"),
    SCHEMA.startDate: ("start date", "date de début"),
    SCHEMA.funder: ("funder", "bailleur"),
    SCHEMA.amount: ("amount", "montant"),
    SCHEMA.value: ("value", "valeur"),
    SCHEMA.location: ("location", "lieu"),
    SCHEMA.organizer: ("organiser", "organisateur"),
    SCHEMA.attendee: ("attendee", "participant"),
    SCHEMA.superEvent: ("part of event", "fait partie de"),
    SCHEMA.subEvent: ("sub-event", "sous-événement"),
    SCHEMA.about: ("about", "sujet"),
    DCTERMS.date: ("date", "date"),
    DCTERMS.subject: ("theme", "thème"),
    DCTERMS.spatial: ("area", "zone"),
    DCTERMS.description: ("description", "description"),
    PROV.wasDerivedFrom: ("source", "source"),
    PROV.wasAttributedTo: ("said by", "propos de"),
    PROV.wasQuotedFrom: ("quoted from", "cité de"),
    PROV.qualifiedAttribution: ("attribution", "attribution"),
    PROV.agent: ("agent", "acteur"),
    ORG.member: ("member", "membre"),
    ORG.organization: ("organisation", "organisation"),
    ORG.role: ("role", "rôle"),
    ORG.holds: ("holds post", "occupe la fonction"),
    ORG.heldBy: ("held by", "occupée par"),
    ORG.postIn: ("post in", "fonction dans"),
    ORG.subOrganizationOf: ("part of", "fait partie de"),
    OA.start: ("start", "début"),
    OA.end: ("end", "fin"),
}

UI = {
    "en": {
        "other": "Français",
        "other_lang": "fr",
        "properties": "Description",
        "incoming": "Linked from",
        "provenance": "Provenance",
        "none": "None.",
        "formats": "This description as data",
        "as_data": "As data",
        "search": "Search",
        "query": "Query",
        "data": "Data",
        "footer": "Data: CC BY 4.0, the pia-kg project.",
        "colon": ":",
        "menu": "Site",
        "source_missing": "source text not available; showing the recorded quote",
        "home": "Home",
        "ontology": "Ontology",
        "questions": "Saved questions",
        "dataset": "Dataset",
        "characters": "characters",
    },
    "fr": {
        "other": "English",
        "other_lang": "en",
        "properties": "Description",
        "incoming": "Cité par",
        "provenance": "Provenance",
        "none": "Aucun.",
        "formats": "Cette description en données",
        "as_data": "Données",
        "search": "Rechercher",
        "query": "Requête",
        "data": "Données",
        "footer": "Données\u00a0: CC BY 4.0, projet pia-kg.",
        "colon": "\u00a0:",
        "menu": "Site",
        "source_missing": "texte source indisponible ; citation enregistrée",
        "home": "Accueil",
        "ontology": "Ontologie",
        "questions": "Questions enregistrées",
        "dataset": "Jeu de données",
        "characters": "caractères",
    },
}


@dataclass(frozen=True)
class Link:
    href: str
    text: str
    lang: str | None = None
    external: bool = False


@dataclass(frozen=True)
class Value:
    """One object of a property: a link, a literal (with its language) or a nested blank node."""

    text: str
    lang: str | None = None
    link: Link | None = None
    datatype: str | None = None
    nested: tuple[Row, ...] = ()


@dataclass(frozen=True)
class Row:
    label: str
    curie: str
    href: str
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Incoming:
    source: Link
    via: str


@dataclass(frozen=True)
class Evidence:
    """A quoted span in the context of its source: `before` <mark>`exact`</mark> `after`."""

    source: Link
    before: str
    exact: str
    after: str
    start: int | None
    end: int | None
    lang: str | None
    from_source_text: bool


@dataclass(frozen=True)
class Chrome:
    """What every page shares: language, the way back to the site root, the language switch."""

    lang: str
    root: str
    self_href: str
    other_href: str
    other_lang: str
    ui: dict[str, str]


@dataclass(frozen=True)
class ResourcePage:
    chrome: Chrome
    path: str
    iri: str
    title: str
    title_lang: str | None
    types: tuple[Link, ...]
    rows: tuple[Row, ...]
    incoming: tuple[Incoming, ...]
    evidence: tuple[Evidence, ...]
    ttl_href: str
    jsonld_href: str
    jsonld: str


def resource_path(iri: str) -> str | None:
    """`id/<type>/<slug>` for an IRI `https://w3id.org/pia-kg/id/<type>/<slug>`, else None.

    Segments with characters outside [A-Za-z0-9._~-] are percent-encoded; `..` or empty segments are refused.
    """
    if not iri.startswith(ID_BASE) or "#" in iri or "?" in iri:
        return None
    segments = iri[len(ID_BASE) :].split("/")
    if len(segments) != 2 or any(segment in ("", ".", "..") for segment in segments):
        return None
    encoded = [segment if SEGMENT.match(segment) else quote(segment, safe="") for segment in segments]
    return "id/" + "/".join(encoded)


def page_file(path: str, lang: str) -> str:
    """The HTML file of a page path: English at `<path>.html`, French at `<path>.fr.html`."""
    return f"{path}.html" if lang == "en" else f"{path}.{lang}.html"


def relative(from_file: str, to_file: str) -> str:
    """The relative href from one site file to another (both relative to the site root): what
    posixpath.relpath gives, without its two absolute paths per call (a build makes hundreds of thousands)."""
    start = posixpath.dirname(from_file)
    if not to_file or not (_plain(start) and _plain(to_file)):
        return posixpath.relpath(to_file, start or ".")
    here = start.split("/") if start else []
    there = to_file.split("/")
    shared = 0
    while shared < min(len(here), len(there)) and here[shared] == there[shared]:
        shared += 1
    return "/".join([".."] * (len(here) - shared) + there[shared:]) or "."


def _plain(path: str) -> bool:
    """A path relative to the root whose every segment is a name: nothing for relpath to normalise."""
    return not path or all(part not in ("", ".", "..") for part in path.split("/"))


def make_chrome(path: str, lang: str) -> Chrome:
    own = page_file(path, lang)
    other = UI[lang]["other_lang"]
    depth = own.count("/")
    return Chrome(
        lang=lang,
        root="../" * depth,
        self_href=posixpath.basename(own),
        other_href=posixpath.basename(page_file(path, other)),
        other_lang=other,
        ui=UI[lang],
    )


class Labeller:
    """Chooses labels in a language and links terms from a page; it holds the graph, templates never do."""

    def __init__(self, graph: Graph, *, pages: set[str]) -> None:
        self.graph = graph
        self.pages = pages
        # the graph does not change while pages are made from it: a term's label is chosen once per language
        # (a build asks for the same few thousand labels hundreds of thousands of times)
        self._literals: dict[tuple[Node, str], tuple[str, str | None] | None] = {}

    def literal(self, term: Node, lang: str) -> tuple[str, str | None] | None:
        """The best label literal (rdf/labels.py's rule) and its language."""
        key = (term, lang)
        if key not in self._literals:
            found = graph_label(self.graph, term, lang)
            self._literals[key] = (str(found), found.language) if found is not None else None
        return self._literals[key]

    def label(self, term: Node, lang: str) -> str:
        found = self.literal(term, lang)
        if found is not None:
            return found[0]
        if isinstance(term, URIRef) and term in REUSED_LABELS:
            return REUSED_LABELS[term][LANGS.index(lang)]
        return self.derived_label(term, lang) or compact_iri(str(term))

    def derived_label(self, term: Node, lang: str) -> str | None:
        """Labels for nodes that have none of their own: statements, parties, memberships."""
        graph = self.graph
        text = graph.value(term, SCHEMA.text)
        if text is not None:
            # only a speaker the source names: a candidate speaker is never part of the title
            speaker = graph.value(term, PROV.wasAttributedTo)
            quote_text = _shorten(str(text), 70)
            said = "" if speaker is None else f" — {self.label(speaker, lang)}"
            opening, closing = QUOTE_MARKS[lang]
            return f"{opening}{quote_text}{closing}{said}"
        agent = graph.value(term, PIA.agent)
        if agent is not None:
            agreement = graph.value(None, PIA.hasParty, term)
            party = {"en": "party to", "fr": "partie à"}[lang]
            tail = f" — {party} {self.label(agreement, lang)}" if agreement is not None else ""
            return f"{self.label(agent, lang)}{tail}"
        member = graph.value(term, ORG.member)
        organisation = graph.value(term, ORG.organization)
        if member is not None and organisation is not None:
            role = graph.value(term, ORG.role)
            role_text = f" ({self.label(role, lang)})" if role is not None else ""
            return f"{self.label(member, lang)} — {self.label(organisation, lang)}{role_text}"
        return None

    def href(self, term: URIRef, *, from_file: str, lang: str) -> tuple[str, bool]:
        """(href, external) for a term seen from `from_file`."""
        iri = str(term)
        path = resource_path(iri)
        if path is not None and path in self.pages:
            return relative(from_file, page_file(path, lang)), False
        if iri.startswith(NS_IRI) or iri.rstrip("#") == NS_IRI.rstrip("#"):
            anchor = iri[len(NS_IRI) :]
            target = relative(from_file, page_file(NS_PAGE, lang))
            return (f"{target}#{anchor}" if anchor else target), False
        return iri, True

    def link(self, term: URIRef, *, from_file: str, lang: str) -> Link:
        href, external = self.href(term, from_file=from_file, lang=lang)
        found = self.literal(term, lang)
        if found is not None:
            return Link(href, found[0], found[1], external)
        if external:
            return Link(href, compact_iri(str(term)).strip("<>"), None, True)
        return Link(href, self.label(term, lang), None, external)

    def value(self, term: Node, *, from_file: str, lang: str, depth: int = 0) -> Value:
        if isinstance(term, Literal):
            datatype = compact_iri(str(term.datatype)) if term.datatype else None
            return Value(str(term), term.language, None, datatype)
        if isinstance(term, BNode):
            rows = self.rows(term, from_file=from_file, lang=lang, depth=depth + 1) if depth < 4 else ()
            return Value("", None, None, None, rows)
        assert isinstance(term, URIRef)
        return Value("", None, self.link(term, from_file=from_file, lang=lang))

    def rows(
        self, subject: Node, *, from_file: str, lang: str, depth: int = 0, skip: Iterable[Node] = ()
    ) -> tuple[Row, ...]:
        """Every property of `subject` (but `skip`), labelled, with its values sorted."""
        skipped = set(skip)
        rows = []
        for predicate in sorted(set(self.graph.predicates(subject, None)), key=str):
            if predicate in skipped or not isinstance(predicate, URIRef):
                continue
            values = [
                self.value(obj, from_file=from_file, lang=lang, depth=depth)
                for obj in sorted(self.graph.objects(subject, predicate), key=_object_key)
            ]
            href, _ = self.href(predicate, from_file=from_file, lang=lang)
            rows.append(Row(self.label(predicate, lang), compact_iri(str(predicate)), href, tuple(values)))
        return tuple(sorted(rows, key=lambda row: (row.curie != "rdf:type", row.label.casefold(), row.curie)))


def _object_key(term: Node) -> tuple[int, str, str]:
    if isinstance(term, Literal):
        return (0, term.language or "", str(term))
    return (1 if isinstance(term, URIRef) else 2, "", str(term))


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def owner(graph: Graph, term: Node) -> URIRef | None:
    """The IRI node a blank node hangs from (walking up subjects), or the term itself if it is an IRI."""
    seen: set[Node] = set()
    current: Node | None = term
    while isinstance(current, BNode) and current not in seen:
        seen.add(current)
        current = next(iter(sorted(graph.subjects(None, current), key=str)), None)
    return current if isinstance(current, URIRef) else None


def incoming_links(labeller: Labeller, iri: URIRef, *, from_file: str, lang: str) -> tuple[Incoming, ...]:
    """Who points at `iri`, each once: IRI subjects directly, blank nodes through the IRI they hang from; a
    resource that points at `iri` in several ways lists them all in its one entry."""
    vias: dict[URIRef, set[str]] = {}
    graph = labeller.graph
    for subject, predicate in graph.subject_predicates(iri):
        source = owner(graph, subject)
        if source is None or source == iri or not isinstance(predicate, URIRef):
            continue
        via = labeller.label(predicate, lang)
        if isinstance(subject, BNode):
            parent = next(iter(sorted(graph.predicates(None, subject), key=str)), None)
            if parent is not None:
                via = f"{labeller.label(parent, lang)} › {via}"
        vias.setdefault(source, set()).add(via)
    found = (
        Incoming(labeller.link(source, from_file=from_file, lang=lang), ", ".join(sorted(ways)))
        for source, ways in vias.items()
    )
    return tuple(sorted(found, key=lambda item: (item.source.text.casefold(), item.source.href)))


def evidence_for(
    labeller: Labeller, subject: URIRef, texts: dict[URIRef, str], *, from_file: str, lang: str
) -> tuple[Evidence, ...]:
    """Each pia:evidence span of `subject`, cut out of its source text with CONTEXT_CHARS either side."""
    graph = labeller.graph
    found = []
    for resource in graph.objects(subject, PIA.evidence):
        source = graph.value(resource, OA.hasSource)
        if not isinstance(source, URIRef):
            continue
        start = end = None
        exact = prefix = suffix = ""
        for selector in graph.objects(resource, OA.hasSelector):
            if graph.value(selector, OA.start) is not None:
                start = int(str(graph.value(selector, OA.start)))
                end = int(str(graph.value(selector, OA.end)))
            if graph.value(selector, OA.exact) is not None:
                exact = str(graph.value(selector, OA.exact))
                prefix = str(graph.value(selector, OA.prefix) or "")
                suffix = str(graph.value(selector, OA.suffix) or "")
        text = texts.get(source)
        language = graph.value(source, SCHEMA.inLanguage)
        link = labeller.link(source, from_file=from_file, lang=lang)
        if text is not None and start is not None and end is not None and 0 <= start <= end <= len(text):
            before = text[max(0, start - CONTEXT_CHARS) : start]
            after = text[end : end + CONTEXT_CHARS]
            found.append(Evidence(link, before, text[start:end], after, start, end, _str(language), True))
        else:
            found.append(Evidence(link, prefix, exact, suffix, start, end, _str(language), False))
    return tuple(sorted(found, key=lambda item: (item.source.href, item.start or 0, item.exact)))


def _text_language(graph: Graph, iri: URIRef) -> str | None:
    """A derived title quotes schema:text when there is one: it is in the language of that text."""
    text = graph.value(iri, SCHEMA.text)
    return text.language if isinstance(text, Literal) else None


def _str(term: Node | None) -> str | None:
    return None if term is None else str(term)


def resource_page(
    labeller: Labeller, iri: URIRef, *, lang: str, texts: dict[URIRef, str], jsonld: str
) -> ResourcePage:
    path = resource_path(str(iri))
    assert path is not None
    own = page_file(path, lang)
    title = labeller.literal(iri, lang)
    types = tuple(
        labeller.link(cls, from_file=own, lang=lang)
        for cls in sorted(labeller.graph.objects(iri, RDF.type), key=str)
        if isinstance(cls, URIRef)
    )
    name = posixpath.basename(path)
    return ResourcePage(
        chrome=make_chrome(path, lang),
        path=path,
        iri=str(iri),
        title=title[0] if title else labeller.label(iri, lang),
        title_lang=title[1] if title else _text_language(labeller.graph, iri),
        types=types,
        rows=labeller.rows(iri, from_file=own, lang=lang, skip=(PIA.evidence, RDF.type)),
        incoming=incoming_links(labeller, iri, from_file=own, lang=lang),
        evidence=evidence_for(labeller, iri, texts, from_file=own, lang=lang),
        ttl_href=f"{name}.ttl",
        jsonld_href=f"{name}.jsonld",
        jsonld=jsonld,
    )


def resources(graph: Graph) -> list[URIRef]:
    """Every IRI subject that gets a page, sorted."""
    return sorted(
        (s for s in set(graph.subjects()) if isinstance(s, URIRef) and resource_path(str(s)) is not None),
        key=str,
    )


def describe(graph: Graph, iri: URIRef) -> Graph:
    """The concise bounded description of `iri`: its triples and those of the blank nodes it reaches."""
    description = Graph(bind_namespaces="none")
    todo: list[Node] = [iri]
    seen: set[Node] = set()
    while todo:
        subject = todo.pop()
        if subject in seen:
            continue
        seen.add(subject)
        for predicate, obj in graph.predicate_objects(subject):
            description.add((subject, predicate, obj))
            if isinstance(obj, BNode):
                todo.append(obj)
    return description


# ------------------------------------------------------------------ index, ontology, questions pages


@dataclass(frozen=True)
class Entry:
    link: Link
    note: str = ""


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    entries: tuple[Entry, ...]
    href: str = ""


@dataclass(frozen=True)
class Download:
    href: str
    name: str
    media_type: str
    byte_size: int
    sha256: str


@dataclass(frozen=True)
class HomePage:
    chrome: Chrome
    title: str
    description: str
    sections: tuple[Section, ...]
    downloads: tuple[Download, ...]
    extras: tuple[Link, ...]


@dataclass(frozen=True)
class IndexPage:
    chrome: Chrome
    title: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Term:
    anchor: str
    curie: str
    iri: str
    label: str
    label_lang: str | None
    other_labels: tuple[Value, ...]
    definitions: tuple[Value, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class OntologyPage:
    chrome: Chrome
    title: str
    description: str
    version: str
    groups: tuple[tuple[str, tuple[Term, ...]], ...]


@dataclass(frozen=True)
class Question:
    name: str
    title: str
    description: str
    is_rule: bool
    sparql: str


# The query page's words: the editor (`pia-kg serve`) and the page that stands for it in dist/.
QUERY_WORDS = {
    "en": {
        "title": "Query the graph",
        "static_intro": "The query editor sends SPARQL to a live endpoint, which this copy of the site, made "
        "of files only, does not have.",
        "static_ways": "To query the graph:",
        # around `pia-kg serve` and the editor's path, both set in code
        "serve_before": "run",
        "serve_between": "in a checkout of the project and open its query editor at",
        "serve_after": ";",
        "static_store": "or load one of the dumps below into a SPARQL store (Oxigraph, Fuseki, Virtuoso…) "
        "and query it there;",
        "static_questions": "or read the saved questions below, answered here for their default values.",
        "dumps": "Dumps",
        "questions": "Saved questions",
        "editor_intro": "Each saved question is a tab; run it with the ▶ button, or write your own query. "
        "The project prefixes are predeclared.",
        "new_tab": "New query tab",
        "plain": "The YASGUI editor is not installed here (run make with npm available to add it); this "
        "plain form asks the same endpoint.",
        "run": "Run",
        "run_note": "Results come back as SPARQL JSON.",
        "endpoint": "SPARQL endpoint",
        "query": "SPARQL query",
        "tab_name": "Tab name",
        "rows": "Rows per page",
        "filter": "Filter the results",
        "results": "Results",
    },
    "fr": {
        "title": "Interroger le graphe",
        "static_intro": "L’éditeur de requêtes envoie du SPARQL à un point d’accès en service, que cette "
        "copie du site, faite de fichiers seulement, n’a pas.",
        "static_ways": "Pour interroger le graphe\u00a0:",
        "serve_before": "lancez",
        "serve_between": "dans une copie du projet et ouvrez son éditeur de requêtes à l’adresse",
        "serve_after": "\u00a0;",
        "static_store": "ou chargez l’un des fichiers ci-dessous dans un triplestore SPARQL (Oxigraph, "
        "Fuseki, Virtuoso…) et interrogez-le\u00a0;",
        "static_questions": "ou lisez les questions enregistrées ci-dessous, avec leur réponse pour les "
        "valeurs par défaut.",
        "dumps": "Fichiers du graphe",
        "questions": "Questions enregistrées",
        "editor_intro": "Chaque question enregistrée est un onglet\u00a0; lancez-la avec le bouton ▶, ou "
        "écrivez votre propre requête. Les préfixes du projet sont prédéclarés.",
        "new_tab": "Nouvel onglet de requête",
        "plain": "L’éditeur YASGUI n’est pas installé ici (lancez make avec npm pour l’ajouter)\u00a0; ce "
        "formulaire simple interroge le même point d’accès.",
        "run": "Exécuter",
        "run_note": "Les résultats reviennent en SPARQL JSON.",
        "endpoint": "Point d’accès SPARQL",
        "query": "Requête SPARQL",
        "tab_name": "Nom de l’onglet",
        "rows": "Lignes par page",
        "filter": "Filtrer les résultats",
        "results": "Résultats",
    },
}


@dataclass(frozen=True)
class StaticQueryPage:
    """`query.html` in dist/: the editor needs a live endpoint; the dumps and the saved questions instead."""

    chrome: Chrome
    title: str
    words: dict[str, str]
    downloads: tuple[Link, ...]
    questions: tuple[Link, ...]


@dataclass(frozen=True)
class QuestionsPage:
    chrome: Chrome
    title: str
    questions: tuple[Question, ...]
    rules: tuple[Question, ...]


def type_sections(
    labeller: Labeller, iris: list[URIRef], *, lang: str, from_file: str
) -> tuple[Section, ...]:
    """Resources grouped by the type segment of their IRI, each linking to its index page."""
    groups: dict[str, list[URIRef]] = {}
    for iri in iris:
        path = resource_path(str(iri))
        assert path is not None
        groups.setdefault(path.split("/")[1], []).append(iri)
    sections = []
    for key in sorted(groups):
        titles = TYPE_TITLES.get(key, (key, key))
        entries = tuple(
            sorted(
                (Entry(labeller.link(iri, from_file=from_file, lang=lang)) for iri in groups[key]),
                key=lambda entry: entry.link.text.casefold(),
            )
        )
        index = relative(from_file, page_file(f"id/{key}/index", lang))
        sections.append(Section(key, titles[LANGS.index(lang)], entries, index))
    return tuple(sections)


TERM_GROUPS = (
    (OWL.Class, ("Classes", "Classes")),
    (OWL.ObjectProperty, ("Object properties", "Propriétés d’objet")),
    (OWL.DatatypeProperty, ("Data properties", "Propriétés de données")),
    (OWL.AnnotationProperty, ("Annotation properties", "Propriétés d’annotation")),
    (SKOS.ConceptScheme, ("Concept schemes", "Schémas de concepts")),
)


def ontology_terms(labeller: Labeller, *, lang: str) -> tuple[tuple[str, tuple[Term, ...]], ...]:
    """Every term of the pia namespace, grouped: classes, properties, concept schemes, then concepts."""
    graph = labeller.graph
    own = page_file(NS_PAGE, lang)
    terms = sorted(
        {s for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(NS_IRI)}, key=str
    )
    placed: set[URIRef] = set()
    groups = []
    for cls, titles in (*TERM_GROUPS, (SKOS.Concept, ("Concepts", "Concepts"))):
        if cls == SKOS.Concept:
            members = [term for term in terms if term not in placed and (term, SKOS.inScheme, None) in graph]
        else:
            members = [term for term in terms if (term, RDF.type, cls) in graph and term not in placed]
        placed |= set(members)
        if members:
            groups.append(
                (titles[LANGS.index(lang)], tuple(_term(labeller, t, lang=lang, own=own) for t in members))
            )
    rest = [term for term in terms if term not in placed]
    if rest:
        title = ("Other terms", "Autres termes")[LANGS.index(lang)]
        groups.append((title, tuple(_term(labeller, t, lang=lang, own=own) for t in rest)))
    return tuple(groups)


def _term(labeller: Labeller, term: URIRef, *, lang: str, own: str) -> Term:
    graph = labeller.graph
    label = labeller.literal(term, lang)
    labels = tuple(
        Value(str(obj), obj.language)
        for obj in sorted(graph.objects(term, RDFS.label), key=_object_key)
        if isinstance(obj, Literal) and obj.language != lang
    ) + tuple(
        Value(str(obj), obj.language)
        for obj in sorted(graph.objects(term, SKOS.prefLabel), key=_object_key)
        if isinstance(obj, Literal) and obj.language != lang
    )
    definitions = tuple(
        Value(str(obj), obj.language)
        for obj in sorted(
            graph.objects(term, SKOS.definition),
            key=lambda o: (getattr(o, "language", None) != lang, _object_key(o)),
        )
        if isinstance(obj, Literal)
    )
    rows = labeller.rows(term, from_file=own, lang=lang, skip=(RDFS.label, SKOS.prefLabel, SKOS.definition))
    return Term(
        anchor=str(term)[len(NS_IRI) :],
        curie=compact_iri(str(term)),
        iri=str(term),
        label=label[0] if label else compact_iri(str(term)),
        label_lang=label[1] if label else None,
        other_labels=labels,
        definitions=definitions,
        rows=rows,
    )
