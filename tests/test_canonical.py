"""Canonical Turtle (`pia-kg fmt`): same triples, one form, comments kept or the file refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.compare import isomorphic

from pia_kg.cli.main import cli
from pia_kg.errors import DataError
from pia_kg.rdf.canonical import format_turtle
from pia_kg.rdf.literals import non_canonical_literals

from .conftest import REPO_ROOT
from .conftest import TURTLE_PREFIXES as PROJECT_PREFIXES

TURTLE_PREFIXES = PROJECT_PREFIXES + "@prefix pias: <https://w3id.org/pia-kg/shapes#> .\n"

EVIDENCE = """
statement:s a pia:Statement ;
  pia:evidence [ a oa:SpecificResource ; oa:hasSource doc:d ;
    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "Nous" ; oa:prefix "\\n\\n“" ; oa:suffix " sommes" ] ,
      [ a oa:TextPositionSelector ; oa:start 3 ;
        oa:end 7 ] ] .
"""


def parse(text: str) -> Graph:
    return Graph(bind_namespaces="none").parse(data=text, format="turtle")


def fmt(body: str) -> str:
    return format_turtle(TURTLE_PREFIXES + body, relpath="data/x.ttl")


def test_formatting_keeps_every_triple_and_is_idempotent() -> None:
    text = TURTLE_PREFIXES + EVIDENCE
    once = format_turtle(text, relpath="data/x.ttl")
    assert isomorphic(parse(text), parse(once))
    assert format_turtle(once, relpath="data/x.ttl") == once


def test_the_prefix_block_holds_only_the_used_prefixes_sorted() -> None:
    out = fmt('person:ada a foaf:Person ; schema:name "Ada" .\n')
    prefixes = [line.split()[1] for line in out.splitlines() if line.startswith("@prefix")]
    assert prefixes == ["foaf:", "person:", "schema:"]


def test_evidence_nests_with_the_position_selector_on_one_line_before_the_quote() -> None:
    out = fmt(EVIDENCE)
    lines = out.splitlines()
    position = next(i for i, line in enumerate(lines) if "oa:TextPositionSelector" in line)
    quote = next(i for i, line in enumerate(lines) if "oa:TextQuoteSelector" in line)
    assert position < quote
    assert lines[position].strip().startswith("oa:hasSelector [ a oa:TextPositionSelector ; oa:start")
    assert '    pia:evidence [\n        a oa:SpecificResource ;\n        oa:hasSource doc:d ;' in out


def test_short_line_breaks_are_escaped_and_long_multiline_text_is_triple_quoted() -> None:
    sparql = "\\nSELECT $this WHERE {\\n    $this a ?type .\\n    FILTER NOT EXISTS { $this rdfs:label ?l }"
    sparql += "\\n}\\n"
    out = fmt(EVIDENCE + f'pias:S a sh:NodeShape ; sh:sparql [ sh:select "{sparql}" ] .\n')
    assert 'oa:prefix "\\n\\n“"' in out
    assert 'sh:select """\nSELECT $this WHERE {\n' in out


def test_lists_are_written_in_parentheses_in_their_order() -> None:
    out = fmt('pias:S a sh:PropertyShape ; sh:path skos:prefLabel ; sh:languageIn ( "fr" "en" "ar" ) .\n')
    assert 'sh:languageIn ( "fr" "en" "ar" )' in out


def test_subjects_are_sorted_by_type_group_then_iri_with_rdf_type_first() -> None:
    out = fmt("pia:zeta a owl:ObjectProperty .\npia:Beta rdfs:label \"b\" ; a owl:Class .\n")
    assert out.index("pia:Beta\n    a owl:Class ;") < out.index("pia:zeta\n    a owl:ObjectProperty .")


def test_header_section_and_attached_comments_are_kept() -> None:
    body = (
        "# Header of the file.\n\npia:A a owl:Class .\n\n# ---- section\n\n"
        "# About B.\npia:B a owl:Class .\n"
    )
    out = fmt(body)
    assert "# Header of the file.\n\npia:A\n    a owl:Class .\n\n# ---- section\n\n# About B.\npia:B\n" in out


def test_a_comment_inside_a_statement_is_refused_with_its_line() -> None:
    text = TURTLE_PREFIXES + "pia:A a owl:Class ;\n    # lost\n    rdfs:label \"a\"@en .\n"
    line = text.count("\n", 0, text.index("# lost")) + 1
    with pytest.raises(DataError, match=f"data/x.ttl:{line}: comment inside a statement would be lost"):
        format_turtle(text, relpath="data/x.ttl")


def test_a_shared_blank_node_gets_a_label_and_the_triples_survive() -> None:
    text = TURTLE_PREFIXES + "pia:A skos:note _:n .\npia:B skos:note _:n .\n_:n rdfs:label \"n\" .\n"
    out = format_turtle(text, relpath="data/x.ttl")
    assert "_:b1" in out
    assert isomorphic(parse(text), parse(out))


def test_literals_are_written_in_the_form_a_store_gives_back() -> None:
    body = (
        'pia:x pia:n "+1.50"^^xsd:decimal , "1"^^xsd:boolean , "07"^^xsd:nonNegativeInteger ;\n'
        '    pia:t "x"^^xsd:string , "y"@EN-gb , "2025-07"^^xsd:gYearMonth .\n'
    )
    out = fmt(body)
    assert "pia:n true , 1.5 , 7 ;" in out
    assert 'pia:t "x" , "2025-07"^^xsd:gYearMonth , "y"@en-gb .' in out
    assert non_canonical_literals(out) == []
    assert fmt(out.split("\n\n", 1)[1]) == out


def test_two_literals_a_store_keeps_as_one_are_written_once() -> None:
    out = fmt('pia:x pia:n 7 , "7"^^xsd:nonNegativeInteger , "+7"^^xsd:integer .\n')
    assert "pia:n 7 ." in out


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.write_text(text, encoding="utf-8")
    return path


def test_fmt_check_prints_a_diff_exits_1_and_changes_nothing(tiny_project, runner: CliRunner) -> None:
    path = tiny_project.data_dir / "people.ttl"
    before = path.read_text(encoding="utf-8")
    result = runner.invoke(cli, ["--project", str(tiny_project.root), "fmt", "--check"])
    assert result.exit_code == 1
    assert "--- a/data/people.ttl\n+++ b/data/people.ttl\n" in result.stdout
    assert "would be reformatted" in result.stderr
    assert path.read_text(encoding="utf-8") == before


def test_fmt_rewrites_the_files_and_then_check_passes(tiny_project, runner: CliRunner) -> None:
    root = ["--project", str(tiny_project.root)]
    result = runner.invoke(cli, [*root, "fmt"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "reformatted data/people.ttl" in result.stderr
    assert runner.invoke(cli, [*root, "fmt", "--check"]).exit_code == 0


def test_fmt_refuses_a_file_that_would_lose_a_comment_and_writes_nothing(
    tiny_project, runner: CliRunner
) -> None:
    bad = write(tiny_project.data_dir, "bad.ttl", TURTLE_PREFIXES + "person:b a foaf:Person . # who?\n")
    good = tiny_project.data_dir / "people.ttl"
    before_bad, before_good = bad.read_text(encoding="utf-8"), good.read_text(encoding="utf-8")
    result = runner.invoke(cli, ["--project", str(tiny_project.root), "fmt"])
    assert result.exit_code == 2
    assert "data/bad.ttl:" in result.stderr and "would be lost" in result.stderr
    assert bad.read_text(encoding="utf-8") == before_bad
    assert good.read_text(encoding="utf-8") == before_good


def test_fmt_check_reports_a_literal_not_in_canonical_form(tiny_project, runner: CliRunner) -> None:
    root = ["--project", str(tiny_project.root)]
    assert runner.invoke(cli, [*root, "fmt"], catch_exceptions=False).exit_code == 0
    write(tiny_project.data_dir, "flags.ttl", TURTLE_PREFIXES + 'person:ada pia:flag "1"^^xsd:boolean .\n')
    result = runner.invoke(cli, [*root, "fmt", "--check"])
    assert result.exit_code == 1
    assert '-person:ada pia:flag "1"^^xsd:boolean .' in result.stdout
    assert "+    pia:flag true ." in result.stdout


def test_fmt_on_unparsable_turtle_exits_2(tiny_project, runner: CliRunner) -> None:
    path = write(tiny_project.data_dir, "broken.ttl", "@prefix ex: <http://example.org/> .\nex:a ex:b .\n")
    result = runner.invoke(cli, ["--project", str(tiny_project.root), "fmt", str(path)])
    assert result.exit_code == 2
    assert "data/broken.ttl:2" in result.stderr


def test_the_repository_is_in_canonical_form(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--project", str(REPO_ROOT), "fmt", "--check"])
    assert result.exit_code == 0, result.stdout[:2000]
