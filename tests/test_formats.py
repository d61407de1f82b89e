"""Result and RDF formats: byte-exact W3C result formats, read back by independent readers; stable graphs."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from xml.etree import ElementTree

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.query import Result

from pia_kg.errors import QueryError
from pia_kg.rdf.namespaces import PERSON, XSD
from pia_kg.sparql.formats import (
    FORMAT_NAMES,
    RdfFormat,
    ResultFormat,
    serialize_graph,
    serialize_result,
    term_syntax,
)
from pia_kg.sparql.results import AskResult, GraphResult, SelectResult

ADA = URIRef(PERSON.ada)
TRICKY = Literal('a, "b"\n\tc', lang="fr")
RESULT = SelectResult(
    variables=("s", "o"),
    rows=(
        (ADA, TRICKY),
        (BNode("random-engine-label"), Literal("12.50", datatype=XSD.decimal)),
        (None, Literal("plain")),
        (BNode("random-engine-label"), None),
    ),
)


def test_csv_is_rfc_4180_with_crlf_and_plain_values() -> None:
    assert serialize_result(RESULT, ResultFormat.CSV) == (
        's,o\r\nhttps://w3id.org/pia-kg/id/person/ada,"a, ""b""\n\tc"\r\n_:b0,12.50\r\n,plain\r\n_:b0,\r\n'
    )


def test_csv_reads_back_with_the_csv_module() -> None:
    text = serialize_result(RESULT, ResultFormat.CSV)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["s", "o"]
    assert rows[1] == [str(ADA), str(TRICKY)]
    assert len(rows) == 1 + len(RESULT.rows)


def test_tsv_writes_terms_in_sparql_syntax_with_a_question_mark_header() -> None:
    assert serialize_result(RESULT, ResultFormat.TSV) == (
        "?s\t?o\n"
        '<https://w3id.org/pia-kg/id/person/ada>\t"a, \\"b\\"\\n\\tc"@fr\n'
        '_:b0\t"12.50"^^<http://www.w3.org/2001/XMLSchema#decimal>\n'
        '\t"plain"\n'
        "_:b0\t\n"
    )


def test_json_follows_the_sparql_json_results_format() -> None:
    document = json.loads(serialize_result(RESULT, ResultFormat.JSON))
    assert document["head"] == {"vars": ["s", "o"]}
    bindings = document["results"]["bindings"]
    assert bindings[0]["o"] == {"type": "literal", "value": str(TRICKY), "xml:lang": "fr"}
    assert bindings[1]["s"] == {"type": "bnode", "value": "b0"}
    assert bindings[1]["o"]["datatype"] == str(XSD.decimal)
    assert bindings[2] == {"o": {"type": "literal", "value": "plain"}}


def test_xml_follows_the_sparql_xml_results_format() -> None:
    text = serialize_result(RESULT, ResultFormat.XML)
    assert text.startswith('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n')
    namespace = "{http://www.w3.org/2005/sparql-results#}"
    root = ElementTree.fromstring(text.encode("utf-8"))
    names = [variable.get("name") for variable in root.iter(f"{namespace}variable")]
    assert names == ["s", "o"]
    assert len(list(root.iter(f"{namespace}result"))) == 4


@pytest.mark.parametrize("fmt", [ResultFormat.JSON, ResultFormat.XML, ResultFormat.TSV])
def test_rdflib_result_parsers_read_back_the_same_terms(fmt: ResultFormat) -> None:
    text = serialize_result(RESULT, fmt)
    stream = io.BytesIO(text.encode("utf-8")) if fmt is ResultFormat.XML else io.StringIO(text)
    parsed = Result.parse(stream, format=fmt.cli_name)
    rows = [tuple(binding.get(variable) for variable in parsed.vars or ()) for binding in parsed.bindings]
    assert [str(variable) for variable in parsed.vars or ()] == ["s", "o"]
    assert rows == [
        (ADA, TRICKY),
        (BNode("b0"), Literal("12.50", datatype=XSD.decimal)),
        (None, Literal("plain")),
        (BNode("b0"), None),
    ]


def test_a_carriage_return_survives_the_xml_round_trip() -> None:
    result = SelectResult(variables=("t",), rows=((Literal("a\r\nb"),),))
    parsed = Result.parse(io.BytesIO(serialize_result(result, ResultFormat.XML).encode()), format="xml")
    assert [binding.get(parsed.vars[0]) for binding in parsed.bindings] == [Literal("a\r\nb")]  # type: ignore[index]


def test_the_table_aligns_columns_and_shows_curies() -> None:
    lines = serialize_result(RESULT, ResultFormat.TABLE).splitlines()
    assert lines[0] == "?s          ?o"
    assert lines[2] == 'person:ada  a, "b" c'
    assert len(lines) == 2 + len(RESULT.rows)


def test_an_ask_answer_has_a_form_in_every_result_format() -> None:
    answer = AskResult(value=True)
    assert json.loads(serialize_result(answer, ResultFormat.JSON)) == {"head": {}, "boolean": True}
    assert "<boolean>true</boolean>" in serialize_result(answer, ResultFormat.XML)
    assert serialize_result(answer, ResultFormat.CSV) == "_askResult\r\ntrue\r\n"
    assert serialize_result(answer, ResultFormat.TSV) == "?_askResult\ntrue\n"
    assert serialize_result(AskResult(value=False), ResultFormat.TABLE) == "false\n"
    parsed = Result.parse(io.StringIO(serialize_result(answer, ResultFormat.JSON)), format="json")
    assert parsed.askAnswer is True


def test_an_empty_select_result_is_a_header_only() -> None:
    empty = SelectResult(variables=("x",), rows=())
    assert serialize_result(empty, ResultFormat.CSV) == "x\r\n"
    assert serialize_result(empty, ResultFormat.TSV) == "?x\n"
    assert json.loads(serialize_result(empty, ResultFormat.JSON))["results"]["bindings"] == []


def test_a_graph_format_for_a_select_result_is_a_query_error() -> None:
    with pytest.raises(QueryError, match="does not fit a SELECT query"):
        serialize_result(RESULT, RdfFormat.TURTLE)
    with pytest.raises(QueryError, match="does not fit a CONSTRUCT query"):
        serialize_result(GraphResult(graph=Graph()), ResultFormat.CSV)


def test_term_syntax_leaves_xsd_string_plain() -> None:
    assert term_syntax(Literal("x", datatype=XSD.string)) == '"x"'
    assert term_syntax(Literal(3)) == '"3"^^<http://www.w3.org/2001/XMLSchema#integer>'


def test_format_enums_know_media_types_and_extensions() -> None:
    assert ResultFormat.from_media_type("application/sparql-results+json; charset=utf-8") is ResultFormat.JSON
    assert RdfFormat.from_media_type("text/turtle") is RdfFormat.TURTLE
    assert ResultFormat.from_extension(".csv") is ResultFormat.CSV
    assert RdfFormat.from_name("jsonld") is RdfFormat.JSONLD
    assert ResultFormat.from_media_type("image/png") is None
    assert len(set(FORMAT_NAMES)) == 8


@pytest.mark.parametrize(
    ("fmt", "rdflib_name"),
    [(RdfFormat.TURTLE, "turtle"), (RdfFormat.NTRIPLES, "nt"), (RdfFormat.JSONLD, "json-ld")],
)
def test_graphs_serialise_to_the_same_bytes_and_parse_back_isomorphic(
    fmt: RdfFormat, rdflib_name: str, turtle: Callable[[str], Graph]
) -> None:
    body = """
        person:ada schema:name "Ada"@en , "Ada"@fr ;
            pia:evidence [ oa:hasSelector [ oa:start 1 ; oa:end 5 ] ] , [ oa:hasSelector [ oa:start 9 ] ] .
    """
    first, second = turtle(body), turtle(body)
    text = serialize_graph(first, fmt)
    assert text == serialize_graph(second, fmt)
    assert isomorphic(Graph().parse(data=text, format=rdflib_name), first)
