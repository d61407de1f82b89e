"""Canonical literals (literals.py): the form a store gives back, and literals as a file writes them."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal

from pia_kg.rdf.literals import LiteralForm, kept_forms, non_canonical_literals, rdflib_form, scan_literals

from .conftest import REPO_ROOT, TURTLE_PREFIXES

XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        (LiteralForm("+1.50", XSD + "decimal"), LiteralForm("1.5", XSD + "decimal")),
        (LiteralForm("1", XSD + "boolean"), LiteralForm("true", XSD + "boolean")),
        (LiteralForm("012", XSD + "nonNegativeInteger"), LiteralForm("12", XSD + "integer")),
        (LiteralForm("5", XSD + "int"), LiteralForm("5", XSD + "integer")),
        (LiteralForm("x", XSD + "string"), LiteralForm("x")),
        (LiteralForm("x", None, "EN-gb"), LiteralForm("x", None, "en-gb")),
        (LiteralForm("2025-07", XSD + "gYearMonth"), LiteralForm("2025-07", XSD + "gYearMonth")),
        (LiteralForm("abc", XSD + "integer"), LiteralForm("abc", XSD + "integer")),  # ill-typed: as written
    ],
)
def test_the_kept_form_is_what_the_store_gives_back(written: LiteralForm, kept: LiteralForm) -> None:
    assert kept_forms([written]) == {written: kept}


TEXT = TURTLE_PREFIXES + (
    "@prefix ex: <http://example.org/> .\n"  # line n + 1
    "# 12 in a comment, \"3\" too\n"
    'ex:a1 ex:p "a 12 # not" , 12 , -3.50 , 1e3 , true ;\n'
    '    ex:q "x"@EN-gb , "5"^^xsd:int , """two\n'
    '"lines" 7"""^^<http://www.w3.org/2001/XMLSchema#string> , ex:b.\n'
    'ex:c ex:p "\\u0041B" , <urn:x:1> , _:b2 , ex:n.5 , 3.\n'
)
FIRST = TURTLE_PREFIXES.count("\n") + 3  # the line of ex:a1


def test_literals_are_read_as_written_with_their_lines_and_nothing_else() -> None:
    found = [(item.line - FIRST, item.form, item.source) for item in scan_literals(TEXT)]
    assert found == [
        (0, LiteralForm("a 12 # not"), '"a 12 # not"'),
        (0, LiteralForm("12", XSD + "integer"), "12"),
        (0, LiteralForm("-3.50", XSD + "decimal"), "-3.50"),
        (0, LiteralForm("1e3", XSD + "double"), "1e3"),
        (0, LiteralForm("true", XSD + "boolean"), "true"),
        (1, LiteralForm("x", None, "EN-gb"), '"x"@EN-gb'),
        (1, LiteralForm("5", XSD + "int"), '"5"^^xsd:int'),
        (
            1,
            LiteralForm('two\n"lines" 7', XSD + "string"),
            '"""two\n"lines" 7"""^^<http://www.w3.org/2001/XMLSchema#string>',
        ),
        (3, LiteralForm("AB"), '"\\u0041B"'),
        (3, LiteralForm("3", XSD + "integer"), "3"),
    ]


def test_a_long_string_may_end_with_quotes_of_its_own() -> None:
    text = TURTLE_PREFIXES + 'pia:a pia:p """says "yes\"""" , \'\'\'it\'s\'\'\'\' , 1 .\n'
    assert [item.form.lexical for item in scan_literals(text)] == ['says "yes"', "it's'", "1"]
    graph = Graph().parse(data=text, format="turtle")
    assert {str(term) for term in graph.objects()} == {'says "yes"', "it's'", "1"}


def repository_turtle() -> list[Path]:
    return sorted([*REPO_ROOT.glob("data/**/*.ttl"), *REPO_ROOT.glob("ontology/**/*.ttl")])


def turtle_files_with_fixtures() -> list[Path]:
    return sorted([*repository_turtle(), *REPO_ROOT.glob("tests/fixtures/**/*.ttl")])


@pytest.mark.parametrize("path", turtle_files_with_fixtures(), ids=lambda path: path.name)
def test_the_scan_finds_every_literal_rdflibs_parser_finds(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    graph = Graph().parse(data=text, format="turtle")
    parsed = {LiteralForm.of(term) for term in graph.objects() if isinstance(term, Literal)}
    assert {rdflib_form(item.form) for item in scan_literals(text)} == parsed


def test_non_canonical_literals_name_the_form_to_write() -> None:
    found = {item.written.source: item.kept for item in non_canonical_literals(TEXT)}
    assert found == {
        "-3.50": LiteralForm("-3.5", XSD + "decimal"),
        "1e3": LiteralForm("1000", XSD + "double"),
        '"x"@EN-gb': LiteralForm("x", None, "en-gb"),
        '"5"^^xsd:int': LiteralForm("5", XSD + "integer"),
        '"""two\n"lines" 7"""^^<http://www.w3.org/2001/XMLSchema#string>': LiteralForm('two\n"lines" 7'),
    }


def test_a_value_rdflib_and_the_store_write_differently_has_no_canonical_form() -> None:
    (double,) = non_canonical_literals(TURTLE_PREFIXES + 'pia:a pia:p "1000"^^xsd:double .\n')
    assert double.kept == LiteralForm("1000", XSD + "double")
    assert double.rdflib_reads == LiteralForm("1000.0", XSD + "double")



@pytest.mark.parametrize("path", repository_turtle(), ids=lambda path: path.name)
def test_every_literal_of_the_repository_comes_back_from_a_store_and_from_rdflib_as_written(
    path: Path,
) -> None:
    """The files hold exactly the terms a store keeps: each literal, as written, goes into a pyoxigraph
    Store and comes back with the same lexical form (the same UTF-8 bytes), datatype and language tag, and
    rdflib's parser reads every one unchanged too."""
    import pyoxigraph as ox

    text = path.read_text(encoding="utf-8")
    written = [item.form for item in scan_literals(text)]
    store = ox.Store()
    predicate = ox.NamedNode("urn:test:literal")
    for number, form in enumerate(written):
        term = (
            ox.Literal(form.lexical, language=form.language)
            if form.language
            else ox.Literal(form.lexical, datatype=ox.NamedNode(form.datatype or XSD + "string"))
        )
        store.add(ox.Quad(ox.NamedNode(f"urn:test:{number}"), predicate, term))
    back = {int(quad.subject.value.rsplit(":", 1)[1]): quad.object for quad in store}
    for number, form in enumerate(written):
        kept = back[number]
        datatype = None if kept.language or kept.datatype.value == XSD + "string" else kept.datatype.value
        assert (kept.value.encode(), datatype, kept.language) == (
            form.lexical.encode(),
            form.datatype,
            form.language,
        ), f"{path.name}: {form} comes back from the store as {kept}"
    graph = Graph().parse(data=text, format="turtle")
    assert {LiteralForm.of(term) for term in graph.objects() if isinstance(term, Literal)} == set(written)
