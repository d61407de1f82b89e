# ruff: noqa: RUF001  (French typography: the apostrophe is U+2019)
"""Search (issue 14, item 3): the index `pia-kg build` writes, the matching of `publish/site/search.py`, and
`pia-kg serve`'s `/search` in HTML and JSON, on the real repository."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, Literal, URIRef

from pia_kg.project import Project
from pia_kg.publish.site import search as s
from pia_kg.rdf.namespaces import ID_BASE, RDF, SCHEMA, SKOS
from pia_kg.serve.server import LocalClient, open_app

from .conftest import REPO_ROOT, SOURCES_DIR
from .published import built_site

PERSON = "id/person/amal-el-fallah-seghrouchni"
THEME = "id/theme/redevabilite"
PLACE = "id/place/maroc"
STATEMENT = "id/statement/pr-2025-07-current-ai-maroc--883-1078"
# What people type, and a page each must find: a name without its capital, a French word without its
# accent, a place, a word that only a quote holds, and the English name of a French-named theme.
EXPECTED = {
    "seghrouchni": PERSON,
    "redevabilite": THEME,
    "Maroc": PLACE,
    "fiers": STATEMENT,
    "accountability": THEME,
}


def entries_of(document: dict[str, Any]) -> tuple[s.Entry, ...]:
    """The entries of a `search-index.json`, as the server holds them."""
    return tuple(
        s.Entry(
            path=entry["path"],
            titles=entry["title"],
            kinds=entry["kind"],
            title_langs=entry["titleLang"],
            fields=tuple(
                s.Field(f["field"], f["text"], f["lang"], tuple(f["words"]), tuple(f["offsets"]))
                for f in entry["fields"]
            ),
        )
        for entry in document["entries"]
    )


@pytest.fixture(scope="module")
def index() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((built_site().output_dir / "search-index.json").read_text("utf-8"))
    return document


@pytest.fixture(scope="module")
def client() -> Iterator[LocalClient]:
    with LocalClient(open_app(Project(REPO_ROOT, SOURCES_DIR))) as local:
        yield local


def test_normalising_drops_accents_and_case_and_keeps_letters_and_digits() -> None:
    assert s.normalise("Redevabilité") == "redevabilite"
    assert s.normalise("ÉTAPE") == "etape"
    assert s.normalise("Straße") == "strasse"
    assert s.words("l’IA d’intérêt général, 2025") == ["l", "ia", "d", "interet", "general", "2025"]
    assert s.words("ﬁers") == ["fiers"]  # compatibility forms fold too (NFKD)


def test_folding_is_full_case_folding_and_drops_every_mark() -> None:
    assert s.normalise("STRASSE") == s.normalise("Straße") == s.normalise("STRAẞE") == "strasse"
    assert s.normalise("ΟΔΟΣ") == s.normalise("οδος") == "οδοσ"  # final sigma folds to sigma
    # spacing marks (category Mc, combining class 0) go too, as `\p{M}` drops them in the script
    assert s.normalise("क\u0903") == "क"


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize(("query", "path"), sorted(EXPECTED.items()))
def test_the_static_index_finds_each_page_in_both_languages(
    index: dict[str, Any], query: str, path: str, lang: str
) -> None:
    hits = s.search(entries_of(index), query, lang=lang)
    assert path in [hit.path for hit in hits]


def test_every_resource_page_is_in_the_index_with_titles_in_both_languages(index: dict[str, Any]) -> None:
    pages = sorted(
        str(page.relative_to(built_site().output_dir))[: -len(".html")]
        for page in (built_site().output_dir / "id").glob("*/*.html")
        if not page.name.endswith(".fr.html") and page.name != "index.html"
    )
    assert [entry["path"] for entry in index["entries"]] == pages
    titles = [entry["title"] for entry in index["entries"]]
    assert all(set(title) == {"en", "fr"} and all(title.values()) for title in titles)


def test_the_index_holds_what_the_graph_says_and_nothing_else(index: dict[str, Any]) -> None:
    """Every field's text is a literal of its resource in the graph, with the language the literal has."""
    from pia_kg.publish.export import canonical_dataset, union_graph

    from .published import repository

    graph = union_graph(canonical_dataset(repository()[1]))
    predicates = {name: predicates for name, predicates, _ in s.FIELDS}
    for entry in index["entries"]:
        iri = URIRef(ID_BASE + entry["path"].removeprefix("id/"))
        for field in entry["fields"]:
            wanted = Literal(field["text"], lang=field["lang"])
            assert any((iri, predicate, wanted) in graph for predicate in predicates[field["field"]]), field


def test_every_word_of_the_query_must_match_and_names_rank_above_quotes() -> None:
    graph = Graph()
    place, statement = URIRef(ID_BASE + "place/maroc"), URIRef(ID_BASE + "statement/a")
    graph.add((place, RDF.type, SCHEMA.Place))
    graph.add((place, SKOS.prefLabel, Literal("Maroc", lang="fr")))
    graph.add((place, SKOS.prefLabel, Literal("Morocco", lang="en")))
    graph.add((statement, SCHEMA.text, Literal("Nous sommes fiers de compter le Maroc", lang="fr")))
    entries = s.build_entries(graph, [place, statement])
    assert [hit.path for hit in s.search(entries, "MAROC")] == ["id/place/maroc", "id/statement/a"]
    assert [hit.path for hit in s.search(entries, "maroc fiers")] == ["id/statement/a"]
    assert [hit.path for hit in s.search(entries, "maro")] == ["id/place/maroc", "id/statement/a"]
    assert s.search(entries, "aroc") == []  # a word is matched from its start
    assert s.search(entries, "  ’ ") == []
    first = s.search(entries, "fiers")[0]
    assert (first.field, first.field_title, first.lang) == ("quote", "quote", "fr")
    assert s.search(entries, "morocco", lang="fr")[0].title == "Maroc"


def test_a_long_quote_is_shown_around_the_word_found() -> None:
    text = " ".join(["mot"] * 100) + " redevabilité " + " ".join(["fin"] * 100)
    field = s.make_field("quote", Literal(text, lang="fr"))
    shown = s.snippet(field, ["redevabilite"])
    assert "redevabilité" in shown and shown.startswith("…") and shown.endswith("…")
    assert len(shown) <= s.SNIPPET_CHARS + 10


@pytest.mark.slow
def test_two_builds_write_the_same_index(tmp_path: Path) -> None:
    first = built_site().output_dir / "search-index.json"
    second = built_site("again").output_dir / "search-index.json"
    assert first.read_bytes() == second.read_bytes()


def test_the_static_page_embeds_the_index_and_says_what_to_do_without_javascript() -> None:
    dist = built_site().output_dir
    for name, words in (("search.html", "needs JavaScript"), ("search.fr.html", "besoin de JavaScript")):
        html = (dist / name).read_text("utf-8")
        assert words in html and 'href="id/person/index' in html
        assert '<script type="application/json" id="search-index">' in html
        assert '<script src="static/search.js"></script>' in html
    assert (dist / "static" / "search.js").is_file()


@pytest.mark.slow
@pytest.mark.parametrize(("query", "path"), sorted(EXPECTED.items()))
def test_the_server_answers_json_with_the_same_hits_as_the_static_index(
    client: LocalClient, index: dict[str, Any], query: str, path: str
) -> None:
    for lang in ("en", "fr"):
        response = client.get("/search", params={"q": query, "format": "json", "lang": lang})
        assert response.status_code == 200 and response.headers["content-type"] == "application/json"
        results = response.json()["results"]
        static = s.search(entries_of(index), query, lang=lang)
        suffix = ".html" if lang == "en" else ".fr.html"
        assert [r["page"] for r in results] == [f"/{hit.path}{suffix}" for hit in static]
        assert [r["title"] for r in results] == [hit.title for hit in static]
        assert ID_BASE + path.removeprefix("id/") in [r["iri"] for r in results]


@pytest.mark.slow
def test_the_server_negotiates_html_and_json(client: LocalClient) -> None:
    html = client.get("/search", params={"q": "seghrouchni"}, headers={"Accept": "text/html"})
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "Accept" in html.headers["vary"].split(", ")
    assert f'href="{PERSON}.html"' in html.text and "1 resource matches “seghrouchni”." in html.text
    fiers = client.get("/search", params={"q": "fiers"}).text
    assert f'<a href="{STATEMENT}.html" lang="fr">“Nous sommes fiers' in fiers  # a quote titles in French
    assert 'value="seghrouchni"' in html.text and 'id="search-index"' not in html.text
    data = client.get("/search", params={"q": "seghrouchni"}, headers={"Accept": "application/json"})
    assert data.json()["results"][0]["title"] == "Amal El Fallah Seghrouchni"
    assert client.get("/search", params={"q": "x", "format": "xml"}).status_code == 400
    assert client.get("/search", params={"q": "x"}, headers={"Accept": "image/png"}).status_code == 406


@pytest.mark.slow
def test_the_french_search_page_speaks_french_and_links_french_pages(client: LocalClient) -> None:
    page = client.get("/search.fr.html", params={"q": "redevabilite"})
    assert page.status_code == 200
    assert '<html lang="fr">' in page.text
    assert "2 ressources correspondent à « redevabilite »." in page.text
    assert f'href="{THEME}.fr.html"' in page.text
    assert 'href="search.html?q=redevabilite"' in page.text  # the other language keeps the words
    assert "Aucune ressource ne correspond" in client.get("/search.fr.html", params={"q": "zzz"}).text
