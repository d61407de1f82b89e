"""The site's pictures: a timeline of every dated fact and a relationship diagram per organisation, person and
agreement, drawn as SVG at build time, each with a table of the same facts."""

from __future__ import annotations

import itertools
import posixpath
import re
import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from pia_kg import run_query
from pia_kg.publish.export import canonical_dataset, union_graph
from pia_kg.publish.site import pictures as pic
from pia_kg.publish.site.pages import LANGS, Labeller, page_file, resource_path, resources
from pia_kg.rdf.namespaces import ID_BASE, PIA, PREFIXES, RDF, SKOS, XSD
from pia_kg.serve.server import LocalClient, create_app
from pia_kg.serve.server_pages import take_snapshot
from pia_kg.sparql.results import SelectResult
from pia_kg.sparql.saved import find_query

from .published import built_site, repository

SVG = "{http://www.w3.org/2000/svg}"
DATE_TYPES = (XSD.gYear, XSD.gYearMonth, XSD.date, XSD.dateTime)
PROFILE_KINDS = ("organisation", "person", "agreement")


def site_pictures(graph: Graph) -> pic.SitePictures:
    iris = resources(graph)
    return pic.SitePictures(Labeller(graph, pages={p for i in iris if (p := resource_path(str(i)))}))


@lru_cache(maxsize=1)
def repository_pictures() -> pic.SitePictures:
    return site_pictures(union_graph(canonical_dataset(repository()[1])))


def every_picture(pictures: pic.SitePictures) -> list[pic.Picture]:
    """The home timeline and every resource's pictures, in both languages."""
    found = []
    for lang in LANGS:
        found.append(pictures.home(lang=lang, from_file=page_file("index", lang)))
        for iri in resources(pictures.graph):
            path = resource_path(str(iri))
            assert path is not None
            found.append(pictures.resource(iri, lang=lang, from_file=page_file(path, lang)))
    return [p for page in found for p in (page.timeline, page.diagram) if p is not None]


def profiles(graph: Graph) -> list[URIRef]:
    return [iri for iri in resources(graph) if (resource_path(str(iri)) or "").split("/")[1] in PROFILE_KINDS]


def select(graph: Graph, text: str) -> list[tuple[URIRef, Node]]:
    """The rows of a two-column SELECT of our own, run by rdflib."""
    rows = []
    for row in graph.query(text, initNs=PREFIXES):
        assert isinstance(row, tuple)
        subject, obj = row[0], row[1]
        assert isinstance(subject, URIRef)
        rows.append((subject, obj))
    return rows


def groups(svg: str) -> list[ET.Element]:
    return list(ET.fromstring(svg).iter(f"{SVG}g"))


def texts(element: ET.Element, size: float) -> str:
    """The lines of text at one font size inside `element`, joined as the wrapping split them."""
    return " ".join(t.text or "" for t in element.iter(f"{SVG}text") if float(t.get("font-size", 0)) == size)


def marks(group: ET.Element) -> list[ET.Element]:
    """The band or point of a timeline entry: the shapes outlined in the accent colour."""
    return [e for e in group if e.tag in (f"{SVG}rect", f"{SVG}circle") and e.get("stroke") == pic.ACCENT]


# ------------------------------------------------------------------ the files


def test_the_same_graph_gives_the_same_bytes() -> None:
    first = {p.file: p.svg for p in every_picture(repository_pictures())}
    graph = union_graph(canonical_dataset(repository()[1]))
    again = {p.file: p.svg for p in every_picture(site_pictures(graph))}
    assert first == again
    assert len(first) >= 2 + 2 * 2 * len(profiles(repository_pictures().graph)) - 2


def test_every_picture_is_valid_xml_with_a_title_a_description_and_a_scalable_view_box() -> None:
    for picture in every_picture(repository_pictures()):
        root = ET.fromstring(picture.svg)
        assert root.tag == f"{SVG}svg", picture.file
        assert root.get("width") == "100%" and root.get("viewBox") == f"0 0 {pic.WIDTH} {picture.height}"
        title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
        assert title is not None and title.text and desc is not None and desc.text, picture.file
        assert root.get("aria-labelledby") == "title desc" and root.get("role") == "img"
        assert picture.alt.startswith(title.text) and desc.text in picture.alt
        assert root.get("{http://www.w3.org/XML/1998/namespace}lang") in LANGS
        assert not list(root.iter(f"{SVG}script"))


def test_labels_never_overlap_and_stay_inside_the_picture() -> None:
    """Each text's box (estimated advance, ascent and descent) keeps 2 units from every other text's box."""
    checked = 0
    for picture in [*every_picture(repository_pictures()), *every_picture(site_pictures(crowded_graph()))]:
        boxes = []
        for text in ET.fromstring(picture.svg).iter(f"{SVG}text"):
            x, y, size = float(text.get("x", 0)), float(text.get("y", 0)), float(text.get("font-size", 0))
            width = pic.text_width(text.text or "", size, bold=bool(text.get("font-weight")))
            assert x >= 0 and x + width <= pic.WIDTH, (picture.file, text.text)
            assert y - size * 0.8 >= 0 and y <= picture.height, (picture.file, text.text)
            boxes.append((x, y - size * 0.8, x + width, y + size * 0.25, text.text))
        for a, b in itertools.combinations(boxes, 2):
            apart = a[2] + 2 <= b[0] or b[2] + 2 <= a[0] or a[3] + 2 <= b[1] or b[3] + 2 <= a[1]
            assert apart, (picture.file, a[4], b[4])
        checked += len(boxes)
    assert checked > 500


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_text_and_marks_have_enough_contrast_with_what_they_sit_on() -> None:
    """WCAG 2: 4.5:1 for text on every background a picture draws, 3:1 for the marks and outlines."""
    backgrounds = ("#ffffff", pic.PANEL, pic.CENTRE)
    for picture in every_picture(repository_pictures()):
        root = ET.fromstring(picture.svg)
        for colour in {t.get("fill", "") for t in root.iter(f"{SVG}text")}:
            assert all(contrast(colour, ground) >= 4.5 for ground in backgrounds), colour
        for shape in (*root.iter(f"{SVG}rect"), *root.iter(f"{SVG}circle")):
            if shape.get("stroke") == pic.ACCENT:
                assert contrast(pic.ACCENT, "#ffffff") >= 3 and contrast(pic.ACCENT, pic.TRACK) >= 3


# ------------------------------------------------------------------ the timeline


OWN_DATED_FACTS = f"""
SELECT DISTINCT ?item ?date WHERE {{
    ?item ?p ?date .
    FILTER (isIRI(?item) && STRSTARTS(STR(?item), "{ID_BASE}"))
    FILTER (DATATYPE(?date) IN (xsd:gYear, xsd:gYearMonth, xsd:date, xsd:dateTime))
}}
"""


def test_the_home_timeline_holds_every_dated_fact_of_the_graph() -> None:
    pictures = repository_pictures()
    graph = pictures.graph
    expected = {(row[0], str(row[1])) for row in select(graph, OWN_DATED_FACTS)}
    assert len(expected) >= 13
    assert {(fact.item, fact.lexical) for fact in pictures.facts} == expected
    project, kg, _ = repository()
    saved = run_query(kg, find_query(project, "timeline"))
    assert isinstance(saved, SelectResult)
    assert {(row[2], str(row[0])) for row in saved.rows} <= expected  # the saved question's dated items too
    for lang in LANGS:
        timeline = pictures.home(lang=lang, from_file=page_file("index", lang)).timeline
        assert timeline is not None and timeline.file == f"pictures/timeline.{lang}.svg"
        entries = groups(timeline.svg)
        assert len(entries) == len(expected) == len(timeline.rows)
        for fact, entry, row in zip(pictures.facts, entries, timeline.rows, strict=True):
            name = pictures.name(fact.item, lang)
            assert texts(entry, pic.LABEL_SIZE) == " ".join(pic._wrap(name, pic.LABEL_SIZE, 1e9))
            assert texts(entry, pic.META_SIZE).startswith(pic.date_words(fact.lexical, lang))
            only_attested = fact.predicates == (PIA.attestedOn,)  # the date of the report, not of the fact
            assert (pic.TEXT[lang]["attested"].format("") in texts(entry, pic.META_SIZE)) == only_attested
            assert len(marks(entry)) == 1
            assert row[0].text == pic.date_words(fact.lexical, lang)
            assert [link.text for link in row[1].links] == [name]
            sources = [pictures.labeller.label(source, lang) for source in fact.sources]
            assert [link.text for link in row[4].links] == sources


def test_announced_items_are_hollow_and_dashed_and_the_legend_says_so() -> None:
    pictures = repository_pictures()
    timeline = pictures.home(lang="en", from_file="index.html").timeline
    assert timeline is not None
    announced = {fact.item for fact in pictures.facts if fact.status == PIA["status-announced"]}
    assert len(announced) == 2
    for fact, entry in zip(pictures.facts, groups(timeline.svg), strict=True):
        (mark,) = marks(entry)
        if fact.item in announced:
            assert mark.get("fill") == "#ffffff" and mark.get("stroke-dasharray"), fact.item
            assert texts(entry, pic.META_SIZE).endswith("announced")
        else:
            assert mark.get("fill") == pic.ACCENT and mark.get("stroke-dasharray") is None, fact.item
    legend = " ".join(t.text or "" for t in ET.fromstring(timeline.svg).iter(f"{SVG}text"))
    assert "hollow, dashed: announced (for the future)" in legend
    assert "filled: concluded, held, received or no status recorded" in legend
    assert "band: the date is known to the month" in legend
    assert "the day" not in legend  # no date of the graph is known to the day


def test_a_month_is_a_band_over_the_month_a_day_a_point_and_a_year_a_band_over_the_year() -> None:
    pictures = site_pictures(crowded_graph())
    timeline = pictures.home(lang="fr", from_file="index.fr.html").timeline
    assert timeline is not None
    root = ET.fromstring(timeline.svg)
    by_date = {fact.lexical: entry for fact, entry in zip(pictures.facts, groups(timeline.svg), strict=True)}
    axis = " ".join(t.text or "" for t in root.iter(f"{SVG}text") if float(t.get("y", 0)) < 40)
    assert "janv." in axis and "2024" in axis and "2026" in axis  # French months, each year once
    months = 12 * 3  # 2024-01 to 2026-12
    month_width = (pic.WIDTH - 2 * pic.PAD - 12) / months
    (band,) = marks(by_date["2025-07"])
    assert band.tag == f"{SVG}rect" and float(band.get("width", 0)) == pytest.approx(month_width - 2, abs=0.1)
    (year,) = marks(by_date["2024"])
    assert float(year.get("width", 0)) == pytest.approx(12 * month_width - 2, abs=0.1)
    (point,) = marks(by_date["2026-03-14"])
    assert point.tag == f"{SVG}circle"
    (announced,) = marks(by_date["2026-12-01"])
    assert announced.tag == f"{SVG}circle" and announced.get("stroke-dasharray")
    legend = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    for words in ("connue au mois", "connue à l\u2019année", "point : date connue au jour"):
        assert words in legend
    assert "creux, pointillé : annoncé (pour l\u2019avenir)" in legend


def test_a_profile_timeline_holds_the_dated_facts_around_its_resource() -> None:
    pictures = repository_pictures()
    person = URIRef(f"{ID_BASE}person/martin-tisne")
    timeline = pictures.resource(person, lang="en", from_file="id/person/martin-tisne.html").timeline
    assert timeline is not None
    items = {link.href for row in timeline.rows for link in row[1].links}
    assert items == {
        "../post/current-ai--comite-prefiguration--president.html",
        "../statement/pr-2025-07-current-ai-maroc--883-1078.html",
    }  # his post and his statement; not the quote he is only a candidate speaker of
    morocco = URIRef(f"{ID_BASE}organisation/gouvernement-maroc")
    timeline = pictures.resource(morocco, lang="fr", from_file="x.html").timeline
    assert timeline is not None
    hrefs = {link.href for row in timeline.rows for link in row[1].links}
    assert "id/agreement/mou-maroc-current-ai-2025.fr.html" in hrefs  # through the agreement's party node
    assert "id/membership/gouvernement-maroc--current-ai--membre-fondateur.fr.html" in hrefs


def test_an_unattributed_quote_is_never_named_after_a_speaker() -> None:
    pictures = repository_pictures()
    quote = URIRef(f"{ID_BASE}statement/pr-2025-07-current-ai-maroc--1159-1425")
    assert pictures.graph.value(quote, PIA.candidateSpeaker) is not None
    assert "Tisné" not in pictures.name(quote, "en")
    assert pictures.name(quote, "fr").startswith("«\u00a0C\u2019est une étape")
    said = URIRef(f"{ID_BASE}statement/pr-2025-07-current-ai-maroc--883-1078")
    assert pictures.name(said, "en").endswith("” — Martin Tisné")


# ------------------------------------------------------------------ the diagram


OWN_RELATIONS = {
    "party": "SELECT ?s ?o WHERE { ?o pia:hasParty/pia:agent ?s }",
    "funds": "SELECT ?s ?o WHERE { ?c schema:funder ?s ; pia:recipient ?o }",
    "member": "SELECT ?s ?o WHERE { ?m org:member ?s ; org:organization ?o }",
    "post": "SELECT ?s ?o WHERE { { ?p org:heldBy ?s } UNION { ?s org:holds ?p } ?p org:postIn ?o }",
    "speaks": """SELECT ?s ?o WHERE {
        ?q prov:qualifiedAttribution [ prov:agent ?s ; pia:inCapacity/org:postIn ?o ] }""",
    "part": "SELECT ?s ?o WHERE { ?s org:subOrganizationOf ?o }",
    "supported": "SELECT ?s ?o WHERE { ?s pia:supportedBy ?o }",
}


def test_each_diagram_holds_every_relation_of_its_resource_and_its_table_the_same() -> None:
    pictures = repository_pictures()
    graph = pictures.graph
    pairs = {
        (key, row[0], URIRef(str(row[1])))
        for key, text in OWN_RELATIONS.items()
        for row in select(graph, text)
    }
    assert {key for key, _, _ in pairs} == set(OWN_RELATIONS)
    drawn = 0
    for iri in profiles(graph):
        for lang in LANGS:
            path = resource_path(str(iri))
            assert path is not None
            diagram = pictures.resource(iri, lang=lang, from_file=page_file(path, lang)).diagram
            expected = sorted(
                (pic.RELATIONS[key][lang][0 if s == iri else 1], pictures.name(o if s == iri else s, lang))
                for key, s, o in pairs
                if iri in (s, o)
            )
            if not expected:
                assert diagram is None
                continue
            assert diagram is not None and diagram.file == f"pictures/{path[3:]}.diagram.{lang}.svg"
            table = sorted((row[0].text, row[1].links[0].text) for row in diagram.rows)
            assert table == expected, iri
            boxes = groups(diagram.svg)
            relations = sorted((g.get("aria-label") or "").split(", ")[0] for g in boxes)
            assert relations == [relation for relation, _ in expected]
            assert sorted(texts(g, pic.NAME_SIZE) for g in boxes) == sorted(
                " ".join(pic._wrap(name, pic.NAME_SIZE, 1e9)) for _, name in expected
            )
            drawn += len(boxes)
    ends = sum(end in profiles(graph) for _, s, o in pairs for end in (s, o))
    assert drawn == 2 * ends  # each relation is drawn from every end that has a profile, in both languages


def test_an_announced_relation_is_dashed_in_the_diagram() -> None:
    pictures = repository_pictures()
    diagram = pictures.resource(URIRef(f"{ID_BASE}organisation/current-ai"), lang="en", from_file="x").diagram
    assert diagram is not None
    for group in groups(diagram.svg):
        box = next(e for e in group if e.tag == f"{SVG}rect")
        announced = (group.get("aria-label") or "").endswith("announced")
        assert bool(box.get("stroke-dasharray")) == announced
        assert box.get("fill") == ("#ffffff" if announced else pic.PANEL)
    (member,) = [row for row in diagram.rows if row[0].text == "has as member"]
    assert member[3].text == "announced" and member[1].links[0].text == "Government of Morocco"


# ------------------------------------------------------------------ in the built site


def test_the_build_writes_the_pictures_and_shows_them_with_their_tables() -> None:
    dist = built_site().output_dir
    pictures = repository_pictures()
    for lang in LANGS:
        home = (dist / page_file("index", lang)).read_text(encoding="utf-8")
        timeline = pictures.home(lang=lang, from_file="index.html").timeline
        assert timeline is not None
        assert (dist / f"pictures/timeline.{lang}.svg").read_text(encoding="utf-8") == timeline.svg
        img = rf'<img src="pictures/timeline\.{lang}\.svg" alt="[^"]+" width="400" height="\d+"'
        assert re.search(img, home)
        assert '<details class="picture-table">' in home and home.count("<tr>") >= len(pictures.facts)
        for iri in profiles(pictures.graph):
            path = resource_path(str(iri))
            assert path is not None
            page = (dist / page_file(path, lang)).read_text(encoding="utf-8")
            drawn = pictures.resource(iri, lang=lang, from_file=page_file(path, lang))
            assert drawn.diagram is not None and drawn.timeline is not None, iri
            for picture in (drawn.diagram, drawn.timeline):
                assert (dist / picture.file).read_bytes() == picture.svg.encode("utf-8")
                assert f'<img src="{picture.href}"' in page
                target = (dist / Path(page_file(path, lang)).parent / picture.href).resolve()
                assert target == (dist / picture.file).resolve()
    statement = (dist / "id/statement/pr-2025-07-current-ai-maroc--883-1078.html").read_text(encoding="utf-8")
    assert 'section class="picture"' not in statement  # pictures are for profiles and agreements


# ------------------------------------------------------------------ a crowded graph of our own


@lru_cache(maxsize=1)
def crowded_graph() -> Graph:
    """Dates at every precision over three years, long labels in two languages, an announced item."""
    graph = Graph()
    dates = {
        "a": Literal("2024", datatype=XSD.gYear),
        "b": Literal("2025-07", datatype=XSD.gYearMonth),
        "c": Literal("2026-03-14", datatype=XSD.date),
        "d": Literal("2026-12-01", datatype=XSD.date),
    }
    for slug, date in dates.items():
        item = URIRef(f"{ID_BASE}event/{slug}")
        graph.add((item, RDF.type, PIA.Event))
        graph.add((item, URIRef("https://schema.org/startDate"), date))
        french = "Assemblée constitutive d\u2019un partenariat mondial " * 3
        english = "Founding assembly of a world partnership " * 3
        graph.add((item, SKOS.prefLabel, Literal(f"{slug} {french}", lang="fr")))
        graph.add((item, SKOS.prefLabel, Literal(f"{slug} {english}", lang="en")))
    graph.add((URIRef(f"{ID_BASE}event/d"), PIA.status, PIA["status-announced"]))
    graph.add((PIA["status-announced"], SKOS.prefLabel, Literal("annoncé", lang="fr")))
    return graph


@pytest.mark.slow
def test_the_server_sends_the_pictures_that_its_pages_show() -> None:
    project, kg, _ = repository()
    dist = built_site().output_dir
    with LocalClient(create_app(take_snapshot(kg, project, site_dir=dist), store=None)) as client:
        page = client.get("/id/person/martin-tisne.fr.html")
        sources = re.findall(r'<img src="([^"]+)"', page.text)
        answers = [client.get(posixpath.normpath(posixpath.join("/id/person", src))) for src in sources]
    assert page.status_code == 200 and len(sources) == 2
    for answer, src in zip(answers, sources, strict=True):
        assert answer.status_code == 200 and answer.headers["content-type"] == "image/svg+xml", src
        assert answer.content == (dist / "id/person" / src).resolve().read_bytes()
