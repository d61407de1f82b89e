"""Search over the resources' names, alternative names, quotes and descriptions, in both languages.

One module builds the index entries (written by `pia-kg build` to `search-index.json` and embedded in
`search.html`) and does the matching for `pia-kg serve`'s `/search`; `static/search.js` does the very same
matching in the browser, on the same entries.

Matching: text and query are normalised alike (Unicode NFKD, marks dropped, full case folding), so
"seghrouchni" finds "Seghrouchni" and "redevabilite" finds "redevabilité"; both are cut into words (runs of
letters and digits). Every word of the query must begin a word of the resource (word-prefix match, so "maro"
finds "Maroc"). Ranking: each query word scores the weight of the best field it begins a word of (name 8,
alternative name 6, quote 4, description 2), doubled when it is the whole word; a resource's score is the sum,
and ties go by normalised title, then path. The field shown under a result is the one that scored most.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rdflib import Graph, Literal, URIRef

from pia_kg.publish.site import pages as p
from pia_kg.rdf.namespaces import DCTERMS, PIA, RDF, RDFS, SCHEMA, SKOS

INDEX_VERSION = 1
SNIPPET_BEFORE = 60
SNIPPET_CHARS = 220
_WORD = re.compile(r"[^\W_]+")

# (field, predicates, weight), in the order fields are listed and preferred on a tie.
FIELDS: tuple[tuple[str, tuple[URIRef, ...], int], ...] = (
    ("name", (SKOS.prefLabel, SCHEMA.name, RDFS.label), 8),
    ("alternative", (SKOS.altLabel, SCHEMA.alternateName), 6),
    ("quote", (SCHEMA.text,), 4),
    ("description", (DCTERMS.description, SKOS.definition, PIA.aim), 2),
)
WEIGHTS = {name: weight for name, _, weight in FIELDS}
FIELD_TITLES = {
    "name": ("name", "nom"),
    "alternative": ("also called", "autre nom"),
    "quote": ("quote", "citation"),
    "description": ("description", "description"),
}


def normalise(text: str) -> str:
    """NFKD, without marks (general category M, as `\\p{M}` in the script), case folded ("Straße" ->
    "strasse"): "Redevabilité" -> "redevabilite". static/search.js folds every character the same way."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.category(char).startswith("M")).casefold()


def words(text: str) -> list[str]:
    """The normalised words of `text`: runs of letters and digits."""
    return _WORD.findall(normalise(text))


@dataclass(frozen=True)
class Field:
    """One literal of a resource: its field, text, language, and each word's normalised form and offset."""

    field: str
    text: str
    lang: str | None
    words: tuple[str, ...]
    offsets: tuple[int, ...]


@dataclass(frozen=True)
class Entry:
    """One resource in the index: its page path, title and kind in each language, its searchable fields."""

    path: str
    titles: dict[str, str]
    kinds: dict[str, str]
    fields: tuple[Field, ...]
    title_langs: dict[str, str | None]  # the language each title is in


@dataclass(frozen=True)
class Hit:
    """A matching resource: where its page is, what to show, and the field that matched best."""

    path: str
    title: str
    title_lang: str | None
    kind: str
    field: str
    field_title: str
    snippet: str
    lang: str | None
    score: int


def make_field(field: str, literal: Literal) -> Field:
    """A field with the words of its text, each with the offset (in the text) of the word it comes from."""
    text = str(literal)
    found: list[str] = []
    offsets: list[int] = []
    for match in _WORD.finditer(text):
        for word in words(match.group()):
            found.append(word)
            offsets.append(match.start())
    return Field(field, text, literal.language, tuple(found), tuple(offsets))


def build_entries(graph: Graph, iris: Iterable[URIRef]) -> tuple[Entry, ...]:
    """The index entries of the resources `iris` (those that have a page), sorted by path."""
    labeller = p.Labeller(graph, pages=set())
    entries = []
    for iri in iris:
        path = p.resource_path(str(iri))
        if path is None:
            continue
        fields = tuple(
            make_field(name, literal)
            for name, predicates, _ in FIELDS
            for predicate in predicates
            for literal in sorted(graph.objects(iri, predicate), key=_literal_key)
            if isinstance(literal, Literal)
        )
        kind = _kind(graph, iri)
        entries.append(
            Entry(
                path=path,
                titles={lang: labeller.label(iri, lang) for lang in p.LANGS},
                kinds={lang: labeller.label(kind, lang) if kind is not None else "" for lang in p.LANGS},
                fields=fields,
                title_langs={lang: _title_language(labeller, iri, lang) for lang in p.LANGS},
            )
        )
    return tuple(sorted(entries, key=lambda entry: entry.path))


def _title_language(labeller: p.Labeller, iri: URIRef, lang: str) -> str | None:
    """The language of the label a title shows: its own label's, or the quote's for a titled quote."""
    found = labeller.literal(iri, lang)
    if found is not None:
        return found[1]
    text = labeller.graph.value(iri, SCHEMA.text)
    return text.language if isinstance(text, Literal) else None


def _kind(graph: Graph, iri: URIRef) -> URIRef | None:
    """The class to name a resource by: its first pia: type, else its first type."""
    types = sorted((t for t in graph.objects(iri, RDF.type) if isinstance(t, URIRef)), key=str)
    own = [t for t in types if str(t).startswith(str(PIA))]
    chosen = own or types
    return chosen[0] if chosen else None


def _literal_key(term: object) -> tuple[str, str]:
    return (getattr(term, "language", None) or "", str(term))


def index_document(entries: Sequence[Entry]) -> dict[str, Any]:
    """The index as JSON (`search-index.json`): what `static/search.js` reads."""
    return {
        "version": INDEX_VERSION,
        "weights": WEIGHTS,
        "fieldTitles": {
            name: dict(zip(p.LANGS, titles, strict=True)) for name, titles in FIELD_TITLES.items()
        },
        "entries": [
            {
                "path": entry.path,
                "title": entry.titles,
                "titleLang": entry.title_langs,
                "kind": entry.kinds,
                "fields": [
                    {
                        "field": field.field,
                        "text": field.text,
                        "lang": field.lang,
                        "words": list(field.words),
                        "offsets": list(field.offsets),
                    }
                    for field in entry.fields
                ],
            }
            for entry in entries
        ],
    }


def search(entries: Sequence[Entry], query: str, *, lang: str = "en") -> list[Hit]:
    """The entries every query word begins a word of, best first (see the module docstring)."""
    tokens = list(dict.fromkeys(words(query)))
    if not tokens:
        return []
    hits = []
    for entry in entries:
        scored = _score(entry, tokens)
        if scored is None:
            continue
        score, best = scored
        field = entry.fields[best]
        hits.append(
            Hit(
                path=entry.path,
                title=entry.titles[lang],
                title_lang=entry.title_langs[lang],
                kind=entry.kinds[lang],
                field=field.field,
                field_title=FIELD_TITLES[field.field][p.LANGS.index(lang)],
                snippet=snippet(field, tokens),
                lang=field.lang,
                score=score,
            )
        )
    return sorted(hits, key=lambda hit: (-hit.score, normalise(hit.title), hit.path))


def _score(entry: Entry, tokens: list[str]) -> tuple[int, int] | None:
    """(score, index of the best field) if every token begins a word of the entry, else None."""
    total = 0
    per_field = [0] * len(entry.fields)
    for token in tokens:
        best = 0
        for index, field in enumerate(entry.fields):
            points = _points(field, token)
            per_field[index] += points
            best = max(best, points)
        if best == 0:
            return None
        total += best
    top = max(range(len(per_field)), key=lambda index: (per_field[index], -index))
    return total, top


def _points(field: Field, token: str) -> int:
    weight = WEIGHTS[field.field]
    if token in field.words:
        return 2 * weight
    return weight if any(word.startswith(token) for word in field.words) else 0


def snippet(field: Field, tokens: list[str]) -> str:
    """The field's text, or a window of it around the first word a token begins, with ellipses."""
    text = " ".join(field.text.split()) if len(field.text) <= SNIPPET_CHARS else field.text
    if len(text) <= SNIPPET_CHARS:
        return text
    first = next(
        (
            offset
            for word, offset in zip(field.words, field.offsets, strict=True)
            if any(word.startswith(token) for token in tokens)
        ),
        0,
    )
    start = max(0, first - SNIPPET_BEFORE)
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    end = min(len(text), start + SNIPPET_CHARS)
    while end < len(text) and not text[end].isspace():
        end += 1
    window = " ".join(text[start:end].split())
    return ("…" if start > 0 else "") + window + ("…" if end < len(text) else "")


# ------------------------------------------------------------------ the search page

SEARCH_UI = {
    "en": {
        "title": "Search",
        "label": "Search names, quotes and descriptions",
        "button": "Search",
        "help": "In English or French; accents and capitals do not matter.",
        "none": "No resource matches “{q}”.",
        "one": "1 resource matches “{q}”.",
        "many": "{n} resources match “{q}”.",
        "noscript": "Search in this page needs JavaScript, which is off. Every resource is listed by kind:",
    },
    "fr": {
        "title": "Recherche",
        "label": "Chercher dans les noms, citations et descriptions",
        "button": "Chercher",
        "help": "En français ou en anglais ; accents et majuscules indifférents.",
        "none": "Aucune ressource ne correspond à « {q} ».",
        "one": "1 ressource correspond à « {q} ».",
        "many": "{n} ressources correspondent à « {q} ».",
        "noscript": "La recherche dans cette page a besoin de JavaScript, qui est désactivé. "
        "Toutes les ressources sont listées par type :",
    },
}


@dataclass(frozen=True)
class SearchPage:
    """The search page: in the static site `hits` is None and the script searches `index_json`; the server
    fills `hits` itself and sends no index."""

    chrome: p.Chrome
    title: str
    query: str
    status: str
    hits: tuple[Hit, ...] | None
    hrefs: tuple[str, ...]  # the page of each hit, in the page's language
    index_json: Any
    lists: tuple[p.Link, ...]
    ui: dict[str, str]
    script_href: str


def status_text(count: int, query: str, lang: str) -> str:
    ui = SEARCH_UI[lang]
    message = ui["none"] if count == 0 else ui["one"] if count == 1 else ui["many"]
    return message.replace("{n}", str(count)).replace("{q}", query)


def search_page(
    chrome: p.Chrome,
    *,
    kinds: Sequence[str],
    query: str = "",
    hits: Sequence[Hit] | None = None,
    index_json: Any = None,
) -> SearchPage:
    """The page for the static site (`index_json` set, no hits) or for the server (`hits` set)."""
    lang = chrome.lang
    lists = tuple(
        p.Link(
            chrome.root + p.page_file(f"id/{kind}/index", lang),
            p.TYPE_TITLES.get(kind, (kind, kind))[p.LANGS.index(lang)],
        )
        for kind in kinds
    )
    found = tuple(hits) if hits is not None else None
    return SearchPage(
        chrome=chrome,
        title=SEARCH_UI[lang]["title"],
        query=query,
        status=status_text(len(found), query, lang) if found is not None and query.strip() else "",
        hits=found,
        hrefs=tuple(chrome.root + p.page_file(hit.path, lang) for hit in found or ()),
        index_json=index_json,
        lists=lists,
        ui=SEARCH_UI[lang],
        script_href=chrome.root + "static/search.js",
    )
