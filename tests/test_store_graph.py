"""`pia-kg validate` reads the files straight into a store (store_graph.py): the same report as the graph that
`loading.load` gives, blank nodes located, and no rdflib parse of Turtle or N-Triples data on that path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from pia_kg.check.findings import Finding
from pia_kg.check.validation import ValidationReport, validate
from pia_kg.errors import DataError
from pia_kg.graph.loading import KnowledgeGraph, load
from pia_kg.graph.store_graph import StoreGraph, load_checked
from pia_kg.project import Project
from pia_kg.rdf import parsing
from pia_kg.rdf.namespaces import OA

from .conftest import FIXTURES, REPO_ROOT, SOURCES_DIR, TURTLE_PREFIXES

RULE_FILES = sorted((FIXTURES / "rules").glob("*.ttl"))
Row = tuple[str, str, str, str | None, str | None, str | None, str, str | None, str | None, int | None]


def rows(report: ValidationReport) -> list[Row]:
    """The findings with blank nodes unnamed: each load gives them ids of its own."""
    return sorted(
        (
            f.severity,
            f.rule,
            str(f.focus) if isinstance(f.focus, URIRef) else "_:",
            f.focus_label,
            f.path,
            f.value,
            f.message,
            f.hint,
            f.file,
            f.line,
        )
        for f in report.findings
    )


def both_ways(project: Project, paths: list[Path] | None = None) -> tuple[ValidationReport, ValidationReport]:
    def check(graph: StoreGraph | KnowledgeGraph) -> ValidationReport:
        return validate(graph, sources_dir=SOURCES_DIR, queries_dir=project.queries_dir, root=project.root)

    return check(load_checked(project, data_paths=paths)), check(load(project, data_paths=paths))


@pytest.mark.slow
def test_the_rule_fixtures_give_the_same_report_from_the_store_as_from_rdflib() -> None:
    project = Project(REPO_ROOT, SOURCES_DIR)
    from_store, from_rdflib = both_ways(project, [project.data_dir, *RULE_FILES])
    assert rows(from_store) == rows(from_rdflib)
    assert len(from_store.findings) > 40  # every kind of finding is in there:
    rules = {finding.rule for finding in from_store.findings}
    assert {"non-canonical-literal", "ill-typed-literal"} <= rules
    assert any(rule.startswith("citation") for rule in rules)
    assert any(rule.startswith("rule-") for rule in rules)
    # a SHACL finding on a blank node is located at the line of the subject that holds it
    blank = [f for f in from_store.findings if isinstance(f.focus, BNode) and f.line is not None]
    assert blank, "no finding on a blank node with a line"


def test_the_real_data_conforms_from_the_store() -> None:
    project = Project(REPO_ROOT, SOURCES_DIR)
    report = validate(
        load_checked(project), sources_dir=SOURCES_DIR, queries_dir=project.queries_dir, root=project.root
    )
    assert report.conforms, [f.message for f in report.violations]


def test_turtle_and_n_triples_go_into_the_store_without_rdflib(
    tiny_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    nt = tiny_project.root / "more.nt"
    nt.write_text(
        '<https://w3id.org/pia-kg/id/person/bob> <https://schema.org/name> "Bob" .\n', encoding="utf-8"
    )

    read_by_rdflib: list[object] = []
    parse_turtle = parsing.parse_turtle

    def watched(text: str, *, relpath: str, **kwargs: object) -> object:
        read_by_rdflib.append(relpath)
        return parse_turtle(text, relpath=relpath, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(parsing, "parse_turtle", watched)
    graph = load_checked(tiny_project, data_paths=[tiny_project.data_dir, nt])
    assert len(graph.store) > 0
    assert read_by_rdflib == ["ontology/shapes.ttl"]  # the shapes only: a SHACL library reads them
    assert graph.location(URIRef("https://w3id.org/pia-kg/id/person/bob")) == ("more.nt", 1)


def test_a_json_ld_file_is_read_by_the_loader_and_checked_the_same(tiny_project: Project) -> None:
    document = {
        "@context": {"schema": "https://schema.org/", "foaf": "http://xmlns.com/foaf/0.1/"},
        "@id": "https://w3id.org/pia-kg/id/person/nameless",
        "@type": "foaf:Person",
    }
    path = tiny_project.data_dir / "more.jsonld"
    path.write_text(json.dumps(document), encoding="utf-8")
    from_store, from_rdflib = both_ways(tiny_project, [tiny_project.data_dir, path])
    assert rows(from_store) == rows(from_rdflib)
    assert [f.rule for f in from_store.findings] == ["PersonShape"]  # no line index for JSON-LD: no file


def test_a_literal_a_store_would_rewrite_is_seen_by_shacl_as_written(tiny_project: Project) -> None:
    """SHACL reads the files' terms, not the store's: "5"^^xsd:nonNegativeInteger stays that datatype."""
    (tiny_project.data_dir / "more.ttl").write_text(
        TURTLE_PREFIXES + 'person:ada schema:name "5"^^xsd:nonNegativeInteger .\n', encoding="utf-8"
    )
    from_store, from_rdflib = both_ways(tiny_project)
    assert rows(from_store) == rows(from_rdflib)
    assert "non-canonical-literal" in {finding.rule for finding in from_store.findings}


def test_a_bad_term_is_refused_at_its_line(tiny_project: Project) -> None:
    (tiny_project.data_dir / "more.ttl").write_text(
        TURTLE_PREFIXES + 'person:ada schema:name "A\\u0000B" .\n', encoding="utf-8"
    )
    line = len(TURTLE_PREFIXES.splitlines()) + 1
    with pytest.raises(DataError, match=rf"^data/more.ttl:{line}:\d+: a literal holds a NUL character"):
        load_checked(tiny_project)


def test_findings_have_the_same_fields_however_loaded(tiny_project: Project) -> None:
    (tiny_project.data_dir / "more.ttl").write_text(
        TURTLE_PREFIXES + 'person:nameless a foaf:Person ;\n    rdfs:label "No name"@en .\n', encoding="utf-8"
    )
    from_store, from_rdflib = both_ways(tiny_project)
    assert from_store.findings == from_rdflib.findings
    assert isinstance(from_store.findings[0], Finding)
    assert from_store.findings[0].focus_label == "No name"


def test_a_subject_described_in_two_files_is_reported_the_same(tiny_project: Project) -> None:
    for name in ("one.ttl", "two.ttl"):
        (tiny_project.data_dir / name).write_text(
            TURTLE_PREFIXES + 'person:ada a foaf:Person ;\n    schema:name "Ada" .\n', encoding="utf-8"
        )
    from_store, from_rdflib = both_ways(tiny_project)
    assert rows(from_store) == rows(from_rdflib)
    [finding] = [f for f in from_store.findings if f.rule == "subject-in-several-files"]
    assert finding.message == "described in 3 data files: data/one.ttl, data/people.ttl, data/two.ttl."


@pytest.mark.slow
def test_the_reference_engines_give_the_same_report_from_the_store_as_from_rdflib() -> None:
    """--engine pyshacl: pySHACL and rdflib's SPARQL read the files' triples as written, blank nodes under the
    store's ids, so that their findings are located as those of the default engines."""
    project = Project(REPO_ROOT, SOURCES_DIR)
    paths = [project.data_dir, FIXTURES / "rules" / "provenance.ttl", FIXTURES / "rules" / "funding.ttl"]

    def check(graph: StoreGraph | KnowledgeGraph) -> ValidationReport:
        return validate(graph, sources_dir=SOURCES_DIR, queries_dir=project.queries_dir, engine="pyshacl")

    graph = load_checked(project, data_paths=paths)
    written = Literal("1091", datatype=XSD.nonNegativeInteger)  # the store keeps it as "1091"^^xsd:integer
    assert (None, OA.start, written) in graph.shacl_graph()
    from_store = check(graph)
    assert rows(from_store) == rows(check(load(project, data_paths=paths)))
    assert any(isinstance(f.focus, BNode) and f.line for f in from_store.findings)
