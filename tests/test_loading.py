"""Loading: one named graph per file, errors that name file:line:col, subject locations and labels."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from rdflib import URIRef

from pia_kg.errors import DataError
from pia_kg.graph.loading import load
from pia_kg.project import Project
from pia_kg.rdf.namespaces import PERSON
from pia_kg.rdf.parsing import graph_id, load_file

from .conftest import TURTLE_PREFIXES


def test_bad_turtle_names_file_line_and_column(tiny_project: Project) -> None:
    path = tiny_project.data_dir / "broken.ttl"
    path.write_text("@prefix ex: <http://example.org/> .\n\nex:a ex:b zz:c .\n", encoding="utf-8")
    with pytest.raises(
        DataError, match=r"^data/broken\.ttl:3:11: not valid Turtle: Prefix \"zz:\" not bound"
    ) as err:
        load_file(path, root=tiny_project.root)
    assert err.value.hint


def test_an_unterminated_string_names_its_line(tiny_project: Project) -> None:
    path = tiny_project.data_dir / "broken.ttl"
    path.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b "x .\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"^data/broken\.ttl:2:\d+: not valid Turtle"):
        load(tiny_project)


def test_invalid_utf8_names_the_line(tiny_project: Project) -> None:
    path = tiny_project.data_dir / "latin1.ttl"
    path.write_bytes('@prefix ex: <http://example.org/> .\nex:a ex:b "caf\u00e9" .\n'.encode("latin-1"))
    with pytest.raises(DataError, match=r"^data/latin1\.ttl:2:15: not valid UTF-8"):
        load(tiny_project)


def test_a_missing_file_is_a_data_error(tiny_project: Project) -> None:
    with pytest.raises(DataError, match=r"^data/nowhere\.ttl: no such file"):
        load_file(tiny_project.data_dir / "nowhere.ttl", root=tiny_project.root)


def test_ill_typed_literals_load_without_logging(
    tiny_project: Project, caplog: pytest.LogCaptureFixture
) -> None:
    path = tiny_project.data_dir / "typed.ttl"
    path.write_text(TURTLE_PREFIXES + 'person:x schema:age "old"^^xsd:integer .\n', encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        graph = load_file(path, root=tiny_project.root)
    assert len(graph) == 1
    assert caplog.records == []


def test_each_file_is_a_named_graph_by_kind(tiny_project: Project) -> None:
    kg = load(tiny_project)
    assert kg.ontology_ids == (graph_id("ontology/pia.ttl"),)
    assert kg.shapes_ids == (graph_id("ontology/shapes.ttl"),)
    assert kg.data_ids == (URIRef("urn:pia-kg:file:data/people.ttl"),)
    assert len(kg.union("data")) == 2
    assert len(kg.union()) == len(kg.union("ontology")) + len(kg.union("shapes")) + 2


def test_location_points_at_the_subject_line(tiny_project: Project) -> None:
    kg = load(tiny_project)
    assert kg.location(PERSON.ada) == ("data/people.ttl", len(TURTLE_PREFIXES.splitlines()) + 1)
    assert kg.location(PERSON.nobody) is None


def test_label_falls_back_from_english_to_french_to_any(tiny_project: Project) -> None:
    (tiny_project.data_dir / "labels.ttl").write_text(
        TURTLE_PREFIXES
        + 'place:a skos:prefLabel "Maroc"@fr , "Morocco"@en .\nplace:b skos:prefLabel "Maroc"@fr .\n'
        + 'place:c rdfs:label "Al-Maghrib"@ar .\n',
        encoding="utf-8",
    )
    kg = load(tiny_project)
    place = "https://w3id.org/pia-kg/id/place/"
    assert [kg.label(URIRef(place + name)) for name in "abc"] == ["Morocco", "Maroc", "Al-Maghrib"]
    assert kg.label(URIRef(place + "a"), lang="fr") == "Maroc"
    assert kg.label(PERSON.ada) == "Ada"


def test_data_paths_replace_the_data_folder(tiny_project: Project, tmp_path: Path) -> None:
    other = tmp_path / "other.ttl"
    other.write_text(TURTLE_PREFIXES + "person:bob a foaf:Person .\n", encoding="utf-8")
    kg = load(tiny_project, data_paths=[other])
    assert len(kg.data_ids) == 1
    assert (PERSON.bob, None, None) in kg.union("data")
    assert (PERSON.ada, None, None) not in kg.union("data")


def _turtle_files() -> list[Path]:
    from .conftest import REPO_ROOT

    found = [
        *REPO_ROOT.glob("ontology/**/*.ttl"),
        *REPO_ROOT.glob("data/*.ttl"),
        *REPO_ROOT.glob("tests/**/*.ttl"),
    ]
    return sorted(found)


ODD_TURTLE = (
    TURTLE_PREFIXES
    + """
@prefix ex: <http://example.org/> .
ex:a ex:p 1.50, 012, +1, -0, .5, 1e3, true, "1"^^xsd:boolean, "012"^^xsd:nonNegativeInteger, "caf\\u00e9",
  \"\"\"long
text\"\"\", 'single', ( 1 2 ), [ ex:q "b" ], "abc"^^xsd:integer, "2025-13"^^xsd:gYearMonth,
  " 12 "^^xsd:integer .
"""
)
RDFLIB_ONLY = {
    "a relative IRI": "ex:a ex:p <relative> .",
}


@pytest.mark.parametrize("path", _turtle_files(), ids=lambda path: path.name)
def test_the_fast_parser_gives_rdflibs_graph_for_every_turtle_file_of_the_repository(path: Path) -> None:
    """The same graph, language tags in lower case (a fixture writes one in upper case, for validate)."""
    from rdflib import Graph, Literal
    from rdflib.compare import isomorphic

    from pia_kg.rdf.parsing import _parse_with_oxigraph

    text = path.read_text(encoding="utf-8")
    fast = _parse_with_oxigraph(text, relpath=path.name)
    parsed = Graph().parse(data=text, format="turtle", publicID=graph_id(path.name))
    reference = Graph()
    for s, p, o in parsed:
        tagged = isinstance(o, Literal) and o.language is not None
        reference.add((s, p, Literal(str(o), lang=o.language.lower()) if tagged else o))  # type: ignore[union-attr]
    assert fast is not None, "pyoxigraph refused a file rdflib reads"
    assert isomorphic(fast, reference)


def test_the_fast_parser_keeps_lexical_forms_and_ill_typed_literals_as_rdflib_does() -> None:
    from rdflib import Graph
    from rdflib.compare import isomorphic

    from pia_kg.rdf.parsing import _parse_with_oxigraph

    fast = _parse_with_oxigraph(ODD_TURTLE, relpath="data/odd.ttl")
    reference = Graph().parse(data=ODD_TURTLE, format="turtle")
    assert fast is not None and len(fast) == len(reference) == 20
    assert isomorphic(fast, reference)


@pytest.mark.parametrize("case", RDFLIB_ONLY, ids=list(RDFLIB_ONLY))
def test_text_the_two_parsers_read_differently_is_left_to_rdflib(case: str) -> None:
    from pia_kg.rdf.parsing import _parse_with_oxigraph

    text = TURTLE_PREFIXES + "@prefix ex: <http://example.org/> .\n" + RDFLIB_ONLY[case]
    assert _parse_with_oxigraph(text, relpath="data/x.ttl") is None


def test_an_explicit_xsd_string_and_an_upper_case_tag_are_read_as_a_store_keeps_them() -> None:
    """RDF 1.1 has one term for "x" and "x"^^xsd:string, and language tags are case-insensitive; validate
    reports both spellings from the file's text (tests/test_validation.py)."""
    from pia_kg.rdf.parsing import parse_turtle

    text = TURTLE_PREFIXES + '@prefix ex: <http://example.org/> .\nex:a ex:p "x"^^xsd:string , "y"@EN-gb .\n'
    graph = parse_turtle(text, relpath="data/x.ttl")
    assert {(str(term), term.datatype, term.language) for term in graph.objects()} == {  # type: ignore[attr-defined]
        ("x", None, None),
        ("y", None, "en-gb"),
    }


ODD_NTRIPLES = """\
<http://example.org/a> <http://example.org/p> "plain" .
<http://example.org/a> <http://example.org/p> "tagged"@fr .
<http://example.org/a> <http://example.org/p> "1.50"^^<http://www.w3.org/2001/XMLSchema#decimal> .
<http://example.org/a> <http://example.org/p> "tab\\there \\u00e9 \\U0001F600 \\"q\\"" .
<http://example.org/a> <http://example.org/q> _:b1 .
_:b1 <http://example.org/p> "2025-13"^^<http://www.w3.org/2001/XMLSchema#gYearMonth> .
# a comment line
<http://example.org/b> <http://example.org/q> _:b1 .
"""


def test_n_triples_are_read_by_the_fast_parser_as_rdflib_reads_them(tmp_path: Path) -> None:
    """N-Triples go through pyoxigraph's parser (issue 12 item 9: rdflib's took most of `validate`)."""
    from rdflib import Graph
    from rdflib.compare import isomorphic

    from pia_kg.rdf.parsing import _parse_with_oxigraph, parse_file_text

    fast = _parse_with_oxigraph(ODD_NTRIPLES, relpath="data/odd.nt", fmt="nt")
    assert fast is not None and len(fast) == 7
    reference = Graph().parse(data=ODD_NTRIPLES, format="nt")
    assert isomorphic(fast, reference)
    loaded = parse_file_text(ODD_NTRIPLES, path=tmp_path / "odd.nt", relpath="data/odd.nt")
    assert isomorphic(loaded, reference)


def test_labels_and_locations_are_looked_up_without_a_copy_of_the_graph(tiny_project: Project) -> None:
    """A finding per subject asked for a label in a union copy of the whole graph (issue 12 item 9)."""
    kg = load(tiny_project)
    assert kg.label(PERSON.ada) == "Ada"
    assert "_all" not in vars(kg)  # no cached union graph
    assert set(kg._labels) == {PERSON.ada}
