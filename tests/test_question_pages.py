# ruff: noqa: RUF001  (French typography: the apostrophe is U+2019)
"""Saved questions for people (issue 14, item 4): column titles in both languages from the queries' headers,
parameters chosen from lists of resources of the right kind, values by label and linked, a French page for
each question, and the answer as CSV and JSON, in the static site and from `pia-kg serve`."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import URIRef

from pia_kg.errors import QueryError
from pia_kg.project import Project
from pia_kg.publish.site import pages as p
from pia_kg.publish.site import questions as q
from pia_kg.publish.site.questions import options_for, resolve_params
from pia_kg.serve.server import LocalClient, open_app
from pia_kg.sparql.saved import SavedQuery, list_queries, query_from_text

from .conftest import REPO_ROOT, SOURCES_DIR
from .published import built_site, repository

QUESTIONS = [saved for saved in list_queries(Project(REPO_ROOT, SOURCES_DIR)) if not saved.is_rule]
SELECTS = [saved for saved in QUESTIONS if saved.form == "SELECT"]
Labelled = tuple[p.Labeller, list[URIRef]]


def by_name(name: str) -> SavedQuery:
    return next(saved for saved in QUESTIONS if saved.name == name)


@pytest.fixture(scope="module")
def labelled() -> Labelled:
    from pia_kg.publish.export import canonical_dataset, union_graph

    graph = union_graph(canonical_dataset(repository()[1]))
    iris = p.resources(graph)
    return p.Labeller(graph, pages={path for iri in iris if (path := p.resource_path(str(iri)))}), iris


@pytest.mark.parametrize("saved", SELECTS, ids=lambda saved: saved.name)
def test_every_column_of_every_question_has_an_english_and_a_french_title(saved: SavedQuery) -> None:
    variables = [str(variable) for variable in saved.parsed.algebra["PV"]]
    assert sorted(saved.columns) == sorted(variables), "one '# column:' line per projected variable"
    for variable in variables:
        english, french = saved.columns[variable]
        assert english and french and english != variable
        assert saved.column_title(variable, "en") == english
        assert saved.column_title(variable, "fr") == french


@pytest.mark.parametrize("saved", QUESTIONS, ids=lambda saved: saved.name)
def test_every_resource_parameter_is_chosen_from_a_list(saved: SavedQuery, labelled: Labelled) -> None:
    labeller, iris = labelled
    for param in saved.params:
        options = options_for(saved, param, labeller, iris, lang="en")
        if param.type == "iri":
            assert saved.choices.get(param.name), f"{saved.name}: '# choices: {param.name} ...' is missing"
            assert options and all(label and not label.startswith("<") for _, label in options)
        used = saved.examples.get(param.name) or param.default
        if used and param.name in saved.choices:
            assert used in [value for value, _ in options], f"{saved.name}: {used} is not among the choices"


@pytest.mark.parametrize(
    "saved", [saved for saved in QUESTIONS if saved.params], ids=lambda saved: saved.name
)
def test_every_parameter_has_its_help_in_french(saved: SavedQuery) -> None:
    french = q.param_docs(saved, "fr")
    assert sorted(french) == sorted(param.name for param in saved.params), (
        "a '# param@fr:' line per parameter"
    )
    for param in saved.params:
        assert french[param.name] and french[param.name] != param.doc


def test_a_parameter_without_french_help_keeps_its_english_marked_as_english(labelled: Labelled) -> None:
    labeller, iris = labelled
    text = '# param: lang string = "en" | language of the aims\n# choices: lang "en" "fr"\nASK {}'
    [field] = q.parameter_fields(query_from_text(text), labeller, iris, given={}, lang="fr", from_file="x")
    assert (field.label, field.doc, field.doc_lang) == ("language of the aims", "language of the aims", "en")
    french = text.replace("\nASK", "\n# param@fr: lang | langue des objectifs\nASK")
    [field] = q.parameter_fields(query_from_text(french), labeller, iris, given={}, lang="fr", from_file="x")
    assert (field.label, field.doc, field.doc_lang) == ("langue des objectifs", "langue des objectifs", None)


def test_the_lists_hold_resources_of_the_kinds_named_by_label(labelled: Labelled) -> None:
    labeller, iris = labelled
    person = by_name("statements-by-person")
    assert options_for(person, person.params[0], labeller, iris, lang="fr") == (
        ("person:amal-el-fallah-seghrouchni", "Amal El Fallah Seghrouchni"),
        ("person:martin-tisne", "Martin Tisné"),
    )
    party = by_name("agreements-by-party")
    values = [value for value, _ in options_for(party, party.params[0], labeller, iris, lang="en")]
    assert "place:maroc" in values and "organisation:current-ai" in values
    assert all(value.split(":")[0] in ("organisation", "place") for value in values)
    language = by_name("commitment-programmes")
    lang = language.param("lang")
    assert lang is not None
    assert options_for(language, lang, labeller, iris, lang="en") == (('"en"', "en"), ('"fr"', "fr"))


def test_a_label_typed_for_a_parameter_stands_for_its_resource(labelled: Labelled) -> None:
    labeller, iris = labelled
    person = by_name("statements-by-person")
    resolved = resolve_params(person, {"person": "martin tisné"}, labeller, iris)
    assert resolved == {"person": "person:martin-tisne"}
    assert resolve_params(person, {"person": "nobody"}, labeller, iris) == {"person": "nobody"}
    party = by_name("agreements-by-party")
    assert resolve_params(party, {"party": "Morocco"}, labeller, iris) == {"party": "place:maroc"}


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("# column: date | Date", "is not VARIABLE | English title | titre français"),
        ("# column: date | | Date", "is not VARIABLE"),
        ("# choices: party", "names no kind of resource"),
    ],
)
def test_a_malformed_header_line_is_refused_with_its_place(line: str, words: str) -> None:
    with pytest.raises(QueryError) as caught:
        query_from_text(f"# title: x\n{line}\nSELECT ?date WHERE {{}}", name="x", relpath="queries/x.rq")
    assert caught.value.message.startswith("queries/x.rq:2: ") and words in caught.value.message


# ------------------------------------------------------------------ the static site


@pytest.fixture(scope="module")
def dist() -> Path:
    return built_site().output_dir


def table(html: str) -> tuple[list[str], list[list[str]]]:
    """The column titles and the cells' text of a page's results table."""
    import html as entities

    head = re.findall(r'<th scope="col">(.*?)</th>', html)
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    rows = re.findall(r"<tr>(.*?)</tr>", body.group(1) if body else "", re.S)
    cells = [
        [entities.unescape(re.sub(r"<[^>]+>", "", cell)) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in rows
    ]
    return [entities.unescape(title) for title in head], cells


@pytest.mark.slow
@pytest.mark.parametrize("saved", QUESTIONS, ids=lambda saved: saved.name)
def test_each_question_has_an_english_and_a_french_page(dist: Path, saved: SavedQuery) -> None:
    for lang in p.LANGS:
        html = (dist / q.question_file(saved.name, lang)).read_text("utf-8")
        assert f"<h1>{saved.title(lang)}</h1>" in html.replace("&#39;", "'")
        assert f'<html lang="{lang}">' in html
        if saved.form == "SELECT":
            titles, _ = table(html)
            assert titles == [saved.column_title(str(v), lang) for v in saved.parsed.algebra["PV"]]
    questions_page = (dist / "questions.fr.html").read_text("utf-8")
    assert f'href="questions/{saved.name}.fr.html"' in questions_page


@pytest.mark.slow
@pytest.mark.parametrize("saved", SELECTS, ids=lambda saved: saved.name)
def test_the_csv_and_json_files_parse_and_hold_the_rows_of_the_page(dist: Path, saved: SavedQuery) -> None:
    folder = dist / q.QUESTIONS_DIR
    records = list(csv.reader(io.StringIO((folder / f"{saved.name}.csv").read_text("utf-8"), newline="")))
    document = json.loads((folder / f"{saved.name}.json").read_text("utf-8"))
    variables = document["head"]["vars"]
    assert records[0] == variables
    from_json = [[b.get(v, {}).get("value", "") for v in variables] for b in document["results"]["bindings"]]
    assert records[1:] == from_json
    _, cells = table((dist / q.question_file(saved.name, "en")).read_text("utf-8"))
    assert len(cells) == len(from_json) > 0


@pytest.mark.slow
def test_values_show_by_label_and_link_to_their_pages(dist: Path) -> None:
    html = (dist / "questions" / "timeline.fr.html").read_text("utf-8")
    assert "event:current-ai--lancement" not in html.split("<details")[0]
    assert '<a href="../id/event/current-ai--lancement.fr.html"' in html
    assert '<a href="../ns.fr.html#status-held" lang="fr">' in html
    assert 'href="timeline.csv" download>CSV</a>' in html and 'href="timeline.json" download>JSON</a>' in html
    funding = (dist / "questions" / "funding-commitments.html").read_text("utf-8")
    assert "<td><span>no</span></td>" in funding  # fundersComplete false, in words


@pytest.mark.slow
def test_a_static_page_names_the_parameters_it_was_answered_for(dist: Path) -> None:
    html = (dist / "questions" / "agreements-by-party.fr.html").read_text("utf-8")
    assert "<form" not in html.split('<main id="main">')[1]
    assert '<dd><a href="../id/place/maroc.fr.html" lang="fr">Maroc</a></dd>' in html
    commitments = (dist / "questions" / "commitment-programmes.fr.html").read_text("utf-8")
    assert "<dt>langue des objectifs (fr ou en)</dt>" in commitments
    assert 'lang="en"' not in commitments.split('<main id="main">')[1].split("<section")[0]


# ------------------------------------------------------------------ the server


@pytest.fixture(scope="module")
def client() -> Iterator[LocalClient]:
    with LocalClient(open_app(Project(REPO_ROOT, SOURCES_DIR))) as local:
        yield local


@pytest.mark.slow
def test_the_served_page_offers_each_parameter_as_a_list_with_the_value_in_use_selected(
    client: LocalClient,
) -> None:
    page = client.get("/questions/agreements-by-party.fr.html", params={"party": "organisation:current-ai"})
    assert page.status_code == 200
    assert '<label for="param-party">Choisir parmi : Organisations, Lieux</label>' in page.text
    assert (
        '<small id="doc-party" class="help">l’IRI d’une organisation ou d’un pays (lieu)</small>' in page.text
    )
    assert '<select id="param-party" name="party" aria-describedby="doc-party">' in page.text
    assert '<option value="organisation:current-ai" selected>Current AI</option>' in page.text
    assert '<option value="place:maroc">Maroc</option>' in page.text
    assert 'href="agreements-by-party.csv?party=organisation%3Acurrent-ai"' in page.text
    assert 'href="agreements-by-party.html?party=organisation%3Acurrent-ai"' in page.text  # other language
    assert 'href="../query.fr.html#query=' in page.text and "tabTitle=Accords%20auxquels" in page.text


@pytest.mark.slow
def test_a_label_in_the_address_answers_for_its_resource(client: LocalClient) -> None:
    page = client.get("/questions/statements-by-person", params={"person": "Martin Tisné"})
    assert page.status_code == 200
    _, cells = table(page.text)
    assert len(cells) == 2 and all(row[1] == "Martin Tisné" for row in cells)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["statements-by-person", "funding-commitments", "agreements-by-party"])
def test_the_served_downloads_parse_and_hold_the_same_rows_as_the_page(
    client: LocalClient, name: str
) -> None:
    given = {"person": "person:amal-el-fallah-seghrouchni"} if name == "statements-by-person" else {}
    page = client.get(f"/questions/{name}", params=given)
    as_csv = client.get(f"/questions/{name}.csv", params=given)
    as_json = client.get(f"/questions/{name}", params={**given, "format": "json"})
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert as_json.headers["content-type"] == "application/sparql-results+json"
    records = list(csv.reader(io.StringIO(as_csv.text, newline="")))
    document = as_json.json()
    variables = document["head"]["vars"]
    assert records[0] == variables
    from_json = [[b.get(v, {}).get("value", "") for v in variables] for b in document["results"]["bindings"]]
    assert records[1:] == from_json
    _, cells = table(page.text)
    assert len(cells) == len(records) - 1 > 0


@pytest.mark.slow
def test_a_graph_question_downloads_as_turtle_and_json_ld_and_a_wrong_format_is_not_found(
    client: LocalClient,
) -> None:
    from rdflib import Graph

    turtle = client.get("/questions/organisation-subgraph.ttl")
    assert turtle.status_code == 200 and len(Graph().parse(data=turtle.text, format="turtle")) > 10
    assert client.get("/questions/organisation-subgraph.csv").status_code == 404
    assert client.get("/questions/timeline.ttl").status_code == 404
