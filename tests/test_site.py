"""`pia-kg build`: the static linked-data site, its dataset description, determinism and atomicity."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.term import Node

from pia_kg.cli.main import cli
from pia_kg.project import Project
from pia_kg.publish.datapackage import TABLES
from pia_kg.publish.dataset_description import DATASET, SPDX
from pia_kg.publish.site.pages import Entry, IndexPage, Link, make_chrome, resource_path
from pia_kg.publish.site.render import render
from pia_kg.rdf.namespaces import DCAT, PIA, RDF, VOID

from .published import BASE_URL, built_site, relative_links, repository

STATEMENT = "id/statement/pr-2025-07-current-ai-maroc--883-1078"


@pytest.fixture(scope="module")
def dist() -> Path:
    return built_site().output_dir


def test_resource_iris_map_to_type_and_slug_paths() -> None:
    assert resource_path("https://w3id.org/pia-kg/id/person/martin-tisne") == "id/person/martin-tisne"
    assert resource_path("https://w3id.org/pia-kg/id/place/caf%C3%A9 x") == "id/place/caf%25C3%25A9%20x"
    assert resource_path("https://w3id.org/pia-kg/ns#Statement") is None
    assert resource_path("https://w3id.org/pia-kg/id/person/../../etc") is None
    assert resource_path("https://w3id.org/pia-kg/id/person") is None
    assert resource_path("https://example.org/id/person/x") is None


def test_every_resource_has_two_html_pages_a_turtle_and_a_json_ld_file(dist: Path) -> None:
    _, kg, _ = repository()
    graph = kg.union("ontology", "data")
    iris = {s for s in graph.subjects() if isinstance(s, URIRef) and resource_path(str(s))}
    assert len(iris) >= 30
    for iri in iris:
        path = resource_path(str(iri))
        for suffix in (".html", ".fr.html", ".ttl", ".jsonld"):
            assert (dist / f"{path}{suffix}").is_file(), f"{path}{suffix}"
        described = Graph().parse(dist / f"{path}.ttl", format="turtle")
        assert _outline(described, iri) == _outline(graph, iri), f"{path}.ttl"


def _outline(graph: Graph, node: Node, depth: int = 3) -> Counter[tuple[Node, object]]:
    """What `graph` says about `node`, with each blank node replaced by what is said about it in turn.

    Computed from the graph alone, so that it compares a published file with the source graph without
    going through the code that wrote the file; blank nodes are unfolded to `depth` levels (evidence nests
    two)."""
    said: Counter[tuple[Node, object]] = Counter()
    for predicate, obj in graph.predicate_objects(node):
        if isinstance(obj, BNode):
            assert depth > 0, f"blank nodes nested deeper than expected under {node}"
            said[predicate, frozenset(_outline(graph, obj, depth - 1).items())] += 1
        else:
            said[predicate, obj] += 1
    return said


def test_a_statement_page_highlights_the_quote_inside_its_source_context(
    dist: Path, source_text: str
) -> None:
    html = (dist / f"{STATEMENT}.html").read_text(encoding="utf-8")
    marked = re.search(
        r'<blockquote lang="fr"><p>…(.*?)<mark>(.*?)</mark>(.*?)…</p></blockquote>', html, re.S
    )
    assert marked is not None
    before, exact, after = (part.replace("&#39;", "'").replace("&amp;", "&") for part in marked.groups())
    assert exact == source_text[883:1078]
    assert before == source_text[883 - 150 : 883]
    assert after == source_text[1078 : 1078 + 150]


def test_pages_carry_lang_alternate_links_and_embedded_json_ld(dist: Path) -> None:
    english = (dist / f"{STATEMENT}.html").read_text(encoding="utf-8")
    french = (dist / f"{STATEMENT}.fr.html").read_text(encoding="utf-8")
    assert english.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert '<html lang="fr">' in french
    name = STATEMENT.rsplit("/", 1)[1]
    assert f'<link rel="alternate" type="text/turtle" href="{name}.ttl">' in english
    assert f'<link rel="alternate" type="application/ld+json" href="{name}.jsonld">' in english
    assert f'href="{name}.fr.html" hreflang="fr" lang="fr"' in english
    assert f'href="{name}.html" hreflang="en" lang="en"' in french
    assert '<script type="application/ld+json">' in english
    assert "Provenance" in french and "Cité par" in french


def test_a_person_page_lists_incoming_links_with_labels(dist: Path) -> None:
    html = (dist / "id/person/martin-tisne.html").read_text(encoding="utf-8")
    incoming = html.split('id="incoming"')[1]
    assert "../statement/pr-2025-07-current-ai-maroc--883-1078.html" in incoming
    assert "Chair of the Current AI preparatory committee" in html


def test_every_relative_link_of_every_page_exists(dist: Path) -> None:
    pages = sorted(dist.rglob("*.html"))
    assert len(pages) > 70
    for page in pages:
        for link in relative_links(page.read_text(encoding="utf-8")):
            assert (page.parent / link).resolve().exists(), f"{page.relative_to(dist)} -> {link}"


def test_the_header_query_link_leads_to_a_page_that_says_how_to_query_in_each_language(dist: Path) -> None:
    """The query editor needs `pia-kg serve`; in dist/, `query.html` and `query.fr.html` say so and offer the
    dumps and the saved questions instead (the server answers the same paths with the editor)."""
    for lang, name, words in (
        ("en", "query.html", ("a live endpoint", "pia-kg serve", "Saved questions", "Dumps")),
        (
            "fr",
            "query.fr.html",
            ("en service", "pia-kg serve", "Questions enregistrées", "Fichiers du graphe"),
        ),
    ):
        for page in (dist / "index.html", dist / "id/person/martin-tisne.html"):
            other = page.with_name(page.name.replace(".html", ".fr.html")) if lang == "fr" else page
            html = other.read_text(encoding="utf-8")
            assert re.search(rf'<nav aria-label="Site">.*href="(\.\./)*{re.escape(name)}"', html, re.S), other
        html = (dist / name).read_text(encoding="utf-8")
        assert f'<html lang="{lang}">' in html
        assert all(word in html for word in words), name
        assert 'href="dumps/pia-kg.ttl"' in html and 'href="questions/timeline' in html
        assert f"<code>/{name}</code>" in html


def test_pages_load_no_external_assets(dist: Path) -> None:
    for page in dist.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert not re.search(r'<(?:script|img|iframe)[^>]+src="https?:', html), page
        assert not re.search(r'<link rel="stylesheet" href="https?:', html), page


def test_the_ontology_page_documents_every_term_of_the_namespace(dist: Path) -> None:
    _, kg, _ = repository()
    html = (dist / "ns.html").read_text(encoding="utf-8")
    terms = {str(s) for s in kg.union("ontology").subjects() if str(s).startswith(str(PIA))}
    for term in terms:
        assert f'id="{term[len(str(PIA)) :]}"' in html, term
    assert "org:OrganizationalCollaboration" in html and "https://schema.org/Quotation" in html


def test_the_questions_page_lists_every_saved_query_with_its_sparql(dist: Path) -> None:
    project, _, _ = repository()
    html = (dist / "questions.html").read_text(encoding="utf-8")
    for path in project.query_files():
        assert f'id="{path.stem}"' in html, path.stem
    assert "SELECT" in html


def test_the_dataset_description_counts_triples_and_checks_each_dump(dist: Path) -> None:
    _, kg, _ = repository()
    description = Graph().parse(dist / "dataset.ttl", format="turtle")
    assert description.value(DATASET, VOID.triples) == Literal(len(kg.union("ontology", "data")))
    assert (DATASET, VOID.uriSpace, Literal("https://w3id.org/pia-kg/id/")) in description
    distributions = list(description.objects(DATASET, DCAT.distribution))
    assert len(distributions) == 6 + 1 + len(TABLES)  # the dumps, datapackage.json and each CSV table
    for distribution in distributions:
        url = str(description.value(distribution, DCAT.downloadURL))
        assert url.startswith(BASE_URL)
        data = (dist / url[len(BASE_URL) :]).read_bytes()
        assert int(description.value(distribution, DCAT.byteSize)) == len(data)  # type: ignore[arg-type]
        checksum = description.value(distribution, SPDX.checksum)
        assert description.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(description.value(checksum, SPDX.checksumValue)) == hashlib.sha256(data).hexdigest()
        assert str(description.value(distribution, DCAT.mediaType)).startswith("https://www.iana.org/")
    statements = [
        p
        for p in description.objects(DATASET, VOID.classPartition)
        if description.value(p, VOID["class"]) == PIA.Statement
    ]
    assert [int(description.value(p, VOID.entities)) for p in statements] == [3]  # type: ignore[arg-type]
    assert (DATASET, RDF.type, DCAT.Dataset) in description
    assert isomorphic(Graph().parse(dist / "dataset.jsonld", format="json-ld"), description)


def test_the_release_ships_context_frames_and_views(dist: Path) -> None:
    project, _, _ = repository()
    assert (dist / "context.jsonld").read_bytes() == (project.ontology_dir / "context.jsonld").read_bytes()
    for name in ("agreement", "person", "statement"):
        assert (dist / "frames" / f"{name}.json").is_file()
        assert (dist / "views" / f"{name}.jsonld").is_file()


@pytest.mark.slow
def test_two_builds_are_byte_identical(dist: Path) -> None:
    again = built_site("again").output_dir
    first = {p.relative_to(dist): p.read_bytes() for p in sorted(dist.rglob("*")) if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in sorted(again.rglob("*")) if p.is_file()}
    assert first.keys() == second.keys()
    assert [path for path in first if first[path] != second[path]] == []


def test_templates_escape_titles_labels_and_links() -> None:
    link = Link('a.html?q="x"&y', "<b>x</b>")
    page = IndexPage(make_chrome("id/person/index", "en"), "<People> & co", (Entry(link),))
    html = render("index.html.j2", page)
    assert "<title>&lt;People&gt; &amp; co" in html and "<h1>&lt;People&gt; &amp; co</h1>" in html
    assert '<a href="a.html?q=&#34;x&#34;&amp;y">&lt;b&gt;x&lt;/b&gt;</a>' in html
    assert "<People>" not in html and "<b>x" not in html and '"x"' not in html


def test_an_invalid_graph_is_not_published_and_the_previous_output_stays(
    runner: CliRunner, tiny_project: Project
) -> None:
    output = tiny_project.root / "dist"
    (output / "dumps").mkdir(parents=True)  # what an earlier build leaves
    (output / "dataset.ttl").write_text("previous\n", encoding="utf-8")
    (output / "index.html").write_text("previous\n", encoding="utf-8")
    (tiny_project.data_dir / "people.ttl").write_text(
        "@prefix person: <https://w3id.org/pia-kg/id/person/> .\n"
        "@prefix foaf: <http://xmlns.com/foaf/0.1/> .\nperson:nameless a foaf:Person .\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["--project", str(tiny_project.root), "build", "-o", str(output)])
    assert result.exit_code == 1
    assert "Not built" in result.stderr
    assert "nameless" in result.stdout
    assert sorted(p.name for p in output.iterdir()) == ["dataset.ttl", "dumps", "index.html"]
    assert (output / "index.html").read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in tiny_project.root.iterdir() if p.name.startswith(".dist")) == []


@pytest.mark.parametrize("kind", ["a folder of other files", "a file"])
def test_build_never_replaces_what_it_did_not_write(
    runner: CliRunner, tiny_project: Project, kind: str
) -> None:
    """`pia-kg build -o ~` by mistake: a folder that holds anything and is not an earlier build, or a file,
    is refused before anything is loaded (exit 2), and left as it was."""
    output = tiny_project.root / "home"
    if kind == "a file":
        output.write_text("precious\n", encoding="utf-8")
    else:
        output.mkdir()
        (output / "notes.txt").write_text("precious\n", encoding="utf-8")
        (output / "index.html").write_text("precious\n", encoding="utf-8")
    result = runner.invoke(cli, ["--project", str(tiny_project.root), "build", "-o", str(output)])
    assert result.exit_code == 2, result.output
    assert "Give -o" in result.stderr or "is a file" in result.stderr  # click checks -o names no file
    kept = output if kind == "a file" else output / "notes.txt"
    assert kept.read_text(encoding="utf-8") == "precious\n"


def test_build_refuses_the_persistent_identifier_as_base_url(
    runner: CliRunner, tiny_project: Project
) -> None:
    args = ["--project", str(tiny_project.root), "build", "--base-url", "https://w3id.org/pia-kg/"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert "redirect would point to itself" in result.stderr
