"""Validation: SHACL results, rule queries and citations become one sorted, located report."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from pia_kg.check.validation import read_query, render_report, validate
from pia_kg.errors import QueryError, ShapesError
from pia_kg.graph.loading import load
from pia_kg.project import Project
from pia_kg.rdf.namespaces import PERSON, SH

from .conftest import SOURCE_FILE, SOURCES_DIR, TURTLE_PREFIXES

FIRST_LINE = len(TURTLE_PREFIXES.splitlines()) + 1

RULE = """# title: People named Bob
# description: Nobody may be called Bob in this test.
# expect: empty
SELECT ?focus ?message WHERE { ?focus schema:name "Bob" . BIND("Bob is not allowed" AS ?message) }
ORDER BY ?focus
"""


def add_data(project: Project, body: str, name: str = "more.ttl") -> None:
    (project.data_dir / name).write_text(TURTLE_PREFIXES + body, encoding="utf-8")


def test_valid_data_conforms(tiny_project: Project) -> None:
    report = validate(load(tiny_project), sources_dir=SOURCES_DIR)
    assert report.conforms
    assert report.findings == ()


def test_a_shacl_violation_is_located_labelled_and_hinted(tiny_project: Project) -> None:
    add_data(tiny_project, 'person:nameless a foaf:Person ;\n    rdfs:label "No name"@en .\n')
    report = validate(load(tiny_project), sources_dir=SOURCES_DIR)
    assert not report.conforms
    [finding] = report.findings
    assert (finding.severity, finding.rule, finding.focus) == ("Violation", "PersonShape", PERSON.nameless)
    assert (finding.file, finding.line, finding.focus_label) == ("data/more.ttl", FIRST_LINE, "No name")
    assert finding.path == "schema:name"
    assert finding.message == "A person needs a schema:name."
    assert finding.hint == "Give every person a schema:name."


def test_a_warning_does_not_break_conformance(tiny_project: Project) -> None:
    add_data(tiny_project, 'person:ada skos:note "far too long" .\n')
    report = validate(load(tiny_project), sources_dir=SOURCES_DIR)
    assert report.conforms
    assert [(f.severity, f.rule) for f in report.findings] == [("Warning", "NoteShape")]


def test_a_rule_query_that_returns_rows_is_a_violation(tiny_project: Project) -> None:
    (tiny_project.queries_dir / "no-bob.rq").write_text(RULE, encoding="utf-8")
    (tiny_project.queries_dir / "listing.rq").write_text("# title: All\nSELECT ?s WHERE { ?s ?p ?o }\n")
    add_data(tiny_project, 'person:bob a foaf:Person ;\n    schema:name "Bob" .\n')
    report = validate(load(tiny_project), sources_dir=SOURCES_DIR, queries_dir=tiny_project.queries_dir)
    assert [(f.rule, f.focus, f.message) for f in report.findings] == [
        ("no-bob", PERSON.bob, "Bob is not allowed")
    ]


def test_query_header_lines_are_read_from_the_top(tiny_project: Project) -> None:
    path = tiny_project.queries_dir / "no-bob.rq"
    path.write_text(RULE, encoding="utf-8")
    query = read_query(path, relpath="queries/no-bob.rq")
    assert query.is_rule
    assert query.title == "People named Bob"


def test_an_unparsable_rule_query_is_a_query_error(tiny_project: Project) -> None:
    (tiny_project.queries_dir / "broken.rq").write_text(
        "# expect: empty\nSELECT ?x WHERE {\n", encoding="utf-8"
    )
    with pytest.raises(QueryError, match=r"^queries/broken\.rq:\d+:\d+: not valid SPARQL"):
        validate(load(tiny_project), sources_dir=SOURCES_DIR, queries_dir=tiny_project.queries_dir)


def test_no_shapes_is_a_shapes_error(tiny_project: Project) -> None:
    (tiny_project.ontology_dir / "shapes.ttl").unlink()
    with pytest.raises(ShapesError):
        validate(load(tiny_project), sources_dir=SOURCES_DIR)


def test_citation_findings_are_located_at_the_fact(tiny_project: Project) -> None:
    add_data(tiny_project, f'doc:pr pia:sha256 "{"0" * 64}" ;\n    pia:sourceFileName "{SOURCE_FILE}" .\n')
    report = validate(load(tiny_project), sources_dir=SOURCES_DIR)
    [finding] = report.findings
    assert (finding.rule, finding.file, finding.line) == (
        "citation-hash-mismatch",
        "data/more.ttl",
        FIRST_LINE,
    )


def two_findings(project: Project) -> Project:
    add_data(project, 'person:zed a foaf:Person .\nperson:amy a foaf:Person ;\n    skos:note "too long" .\n')
    return project


def test_findings_are_sorted_by_severity_rule_file_and_line(tiny_project: Project) -> None:
    report = validate(load(two_findings(tiny_project)), sources_dir=SOURCES_DIR)
    assert [(f.severity, f.focus) for f in report.findings] == [
        ("Violation", PERSON.zed),
        ("Violation", PERSON.amy),
        ("Warning", PERSON.amy),
    ]


def test_text_report_groups_by_rule_and_ends_with_a_total(tiny_project: Project) -> None:
    text = render_report(validate(load(two_findings(tiny_project)), sources_dir=SOURCES_DIR), "text")
    assert (
        f"Violation  PersonShape  (2)\n  data/more.ttl:{FIRST_LINE}  person:zed  schema:name  A person needs"
        in text
    )
    assert "    fix: Give every person a schema:name." in text
    assert text.endswith("Does not conform: 2 violations, 1 warning, 0 infos\n")


def test_json_report_is_sorted_and_stable(tiny_project: Project) -> None:
    kg = load(two_findings(tiny_project))
    first = render_report(validate(kg, sources_dir=SOURCES_DIR), "json")
    assert first == render_report(validate(kg, sources_dir=SOURCES_DIR), "json")
    document = json.loads(first)
    assert document["counts"] == {"Info": 0, "Violation": 2, "Warning": 1}
    assert document["findings"][0]["focus"] == str(PERSON.zed)
    assert list(document) == sorted(document)


def test_turtle_report_is_a_shacl_validation_report(tiny_project: Project) -> None:
    kg = load(two_findings(tiny_project))
    text = render_report(validate(kg, sources_dir=SOURCES_DIR), "turtle")
    graph = Graph().parse(data=text, format="turtle")
    assert len(set(graph.subjects(None, SH.ValidationResult))) == 3
    again = Graph().parse(
        data=render_report(validate(kg, sources_dir=SOURCES_DIR), "turtle"), format="turtle"
    )
    assert isomorphic(graph, again)


@pytest.mark.parametrize("engine", ["pyshacl", "turbo"])
def test_text_offsets_are_xsd_integers_of_zero_or_more(engine: str, turtle: Callable[[str], Graph]) -> None:
    from pia_kg.check.shacl_engines import run_shacl
    from pia_kg.rdf.namespaces import OA

    from .conftest import REPO_ROOT

    shapes = Graph().parse(REPO_ROOT / "ontology" / "shapes.ttl", format="turtle")
    data = turtle(
        "doc:d pia:spans [ a oa:TextPositionSelector ; oa:start 0 ; oa:end 3 ] ,\n"
        "    [ a oa:TextPositionSelector ; oa:start -1 ; oa:end 2 ] ,\n"
        '    [ a oa:TextPositionSelector ; oa:start 1 ; oa:end "2"^^xsd:nonNegativeInteger ] .\n'
    )
    _, results = run_shacl(data, shapes, engine=engine)
    failing = {
        (str(results.value(result, SH.resultPath)).rsplit("#", 1)[1], str(results.value(result, SH.value)))
        for result in results.subjects(SH.sourceShape, None)
        if results.value(result, SH.resultPath) in (OA.start, OA.end)
    }
    assert failing == {("start", "-1"), ("end", "2")}


LITERALS = (
    "person:ada pia:share \"+1.50\"^^xsd:decimal ;\n"  # FIRST_LINE
    "    pia:flag \"1\"^^xsd:boolean , false ;\n"
    "    skos:note [ pia:n \"7\"^^xsd:nonNegativeInteger ; rdfs:label \"x\"^^xsd:string , \"y\"@EN-gb ] .\n"
)


def test_a_literal_not_in_canonical_form_is_reported_at_its_line_with_the_form_to_write(
    tiny_project: Project,
) -> None:
    add_data(tiny_project, LITERALS)
    report = validate(load(tiny_project), sources_dir=SOURCES_DIR, root=tiny_project.root)
    assert not report.conforms
    found = [
        (f.file, f.line - FIRST_LINE, f.path, f.value, f.message)  # type: ignore[operator]
        for f in report.findings
        if f.rule == "non-canonical-literal"
    ]

    def row(line: int, path: str, written: str, kept: str) -> tuple[str, int, str, str, str]:
        message = f"{written} is not in canonical form; write {kept} (pia-kg fmt does it)."
        return ("data/more.ttl", line, path, written, message)

    assert found == [
        row(0, "pia:share", '"+1.50"^^xsd:decimal', "1.5"),
        row(1, "pia:flag", '"1"^^xsd:boolean', "true"),
        row(2, "pia:n", '"7"^^xsd:nonNegativeInteger', "7"),
        row(2, "rdfs:label", '"x"^^xsd:string', '"x"'),
        row(2, "rdfs:label", '"y"@EN-gb', '"y"@en-gb'),
    ]
    assert {f.focus for f in report.findings if f.path == "pia:share"} == {PERSON.ada}


def test_a_value_no_form_of_which_reads_the_same_in_both_engines_is_reported(tiny_project: Project) -> None:
    add_data(tiny_project, 'person:ada pia:ratio "1000"^^xsd:double .\n')
    report = validate(load(tiny_project), sources_dir=SOURCES_DIR, root=tiny_project.root)
    [finding] = report.findings
    assert finding.message == (
        '"1000"^^xsd:double: a store gives it back as "1000"^^xsd:double, which rdflib reads as '
        '"1000.0"^^xsd:double.'
    )
    assert finding.hint is not None and "another datatype" in finding.hint


def test_canonical_literals_are_not_reported(tiny_project: Project) -> None:
    add_data(tiny_project, 'person:ada pia:share 1.5 ; pia:flag true ; pia:n 7 ; rdfs:label "x" , "y"@en .\n')
    report = validate(load(tiny_project), sources_dir=SOURCES_DIR, root=tiny_project.root)
    assert report.findings == ()


def test_a_literal_of_an_n_triples_file_is_reported_at_its_line(tiny_project: Project) -> None:
    path = tiny_project.data_dir / "more.nt"
    person = "<https://w3id.org/pia-kg/id/person/ada>"
    path.write_text(
        f'{person} <https://schema.org/name> "Ada" .\n'
        f'{person} <https://w3id.org/pia-kg/ns#flag> "1"^^<http://www.w3.org/2001/XMLSchema#boolean> .\n',
        encoding="utf-8",
    )
    kg = load(tiny_project, data_paths=[path])
    report = validate(kg, sources_dir=SOURCES_DIR, root=tiny_project.root)
    [finding] = report.findings
    assert (finding.file, finding.line, finding.focus) == ("data/more.nt", 2, PERSON.ada)
    assert finding.path == "pia:flag"
    assert finding.message.endswith("is not in canonical form; write true (pia-kg fmt does it).")
