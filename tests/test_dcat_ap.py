"""The dataset description that `pia-kg build` writes, checked with pySHACL against the DCAT-AP 3.0.1 shapes.

The shapes are the SEMIC release files, kept unchanged in ../shared/standards/dcat-ap-3.0.1 beside the
repository. The description is validated alone: every class that a shape expects of a value (a licence, a
media type, a place...) must be stated in the file itself.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from pia_kg.publish.datapackage import TABLES
from pia_kg.publish.dataset_description import CC_BY_4, DATASET, describe_dataset
from pia_kg.rdf.namespaces import DCAT, DCTERMS, RDF, SH, XSD

from .conftest import REPO_ROOT
from .published import built_site

pytestmark = pytest.mark.slow  # the official shapes take seconds to load: with make test

STANDARDS_DIR = REPO_ROOT.parent / "shared" / "standards" / "dcat-ap-3.0.1"
SEPARATE_FILES = ("shapes.ttl", "range.ttl", "shapes_recommended.ttl")
ALL_IN_ONE = ("dcat-ap-SHACL.ttl",)
DCATAP = Namespace("http://data.europa.eu/r5r/")
PUBLISHER = URIRef(f"{DATASET}#publisher")

Finding = tuple[str, Node, Node, str]


def dcat_ap_findings(data: Graph, files: tuple[str, ...]) -> list[Finding]:
    """(severity, focus node, path, message) of every result of the official shapes over `data`."""
    shapes = Graph()
    for name in files:
        path = STANDARDS_DIR / name
        assert path.is_file(), f"{path} is missing: the DCAT-AP shapes live in ../shared/standards"
        shapes.parse(path, format="turtle")
    _, report, _ = validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    assert isinstance(report, Graph)
    found = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        severity = str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1]
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        message = str(report.value(result, SH.resultMessage))
        assert focus is not None and path is not None
        found.append((severity, focus, path, message))
    return sorted(found, key=str)


@pytest.fixture(scope="module")
def description() -> Graph:
    return Graph().parse(built_site().output_dir / "dataset.ttl", format="turtle")


def test_issue_12_the_description_has_no_violation_of_the_dcat_ap_shapes(description: Graph) -> None:
    """Issue 12: licence, media types, conformsTo and landing page had values without their class."""
    findings = dcat_ap_findings(description, SEPARATE_FILES)
    assert [finding for finding in findings if finding[0] == "Violation"] == []


def test_issue_12_the_description_has_no_violation_of_the_all_in_one_shapes(description: Graph) -> None:
    """Issue 12: the single-file release also checks the class of the checksum algorithm."""
    findings = dcat_ap_findings(description, ALL_IN_ONE)
    assert [finding for finding in findings if finding[0] == "Violation"] == []


def test_issue_12_the_only_warnings_left_are_the_fields_the_project_does_not_state(
    description: Graph,
) -> None:
    """Issue 12: each remaining recommended field is one that README says the project cannot fill.

    No contact point (the project names none); no publisher type and no licence type (the ADMS
    vocabularies; the project states no legal form); no planned availability per file (a promise of whoever
    hosts the site); no bounding box or centroid for a place (the data holds no coordinates).
    """
    warnings = {
        (focus, path) for severity, focus, path, _ in dcat_ap_findings(description, SEPARATE_FILES)
        if severity == "Warning"
    }
    distributions = set(description.objects(DATASET, DCAT.distribution))
    places = set(description.objects(DATASET, DCTERMS.spatial))
    expected = {(DATASET, DCAT.contactPoint), (PUBLISHER, DCTERMS.type), (CC_BY_4, DCTERMS.type)}
    expected |= {(distribution, DCATAP.availability) for distribution in distributions}
    expected |= {(place, path) for place in places for path in (DCAT.bbox, DCAT.centroid)}
    assert sorted(warnings - expected) == []
    assert warnings == expected
    # 6 RDF dumps, then the data package: datapackage.json and one CSV per table
    assert (len(distributions), len(places), len(warnings)) == (6 + 1 + len(TABLES), 2, 13 + 1 + len(TABLES))


def test_issue_12_readme_explains_each_remaining_warning() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "### The dataset description" in readme
    section = readme.split("### The dataset description", 1)[1].split("\n## ", 1)[0]
    for curie in ("dcat:contactPoint", "dcatap:availability", "dcterms:type", "dcat:bbox", "dcat:centroid"):
        assert f"`{curie}`" in section, curie


def test_issue_12_spatial_coverage_themes_and_keywords_come_from_the_data(
    turtle: Callable[[str], Graph],
) -> None:
    graph = turtle(
        """
        agreement:a dcterms:spatial place:region ; pia:hasParty party:p ; pia:purpose theme:used .
        party:p pia:agent organisation:gov .
        organisation:gov pia:jurisdiction place:country .
        organisation:other pia:jurisdiction place:elsewhere .
        theme:used a pia:Theme ; skos:prefLabel "used"@en , "utilisé"@fr ; skos:inScheme pia:themes .
        theme:unused a pia:Theme ; skos:prefLabel "unused"@en ; skos:inScheme pia:themes .
        """
    )
    description = describe_dataset(graph, dumps=[], base_url="https://example.org/")
    place = Namespace("https://w3id.org/pia-kg/id/place/")
    theme = Namespace("https://w3id.org/pia-kg/id/theme/")
    assert set(description.objects(DATASET, DCTERMS.spatial)) == {place.region, place.country}
    assert set(description.objects(DATASET, DCAT.theme)) == {theme.used}
    assert set(description.objects(DATASET, DCAT.keyword)) == {
        Literal("used", lang="en"),
        Literal("utilisé", lang="fr"),
    }


def test_issue_12_temporal_coverage_runs_from_the_earliest_to_the_latest_date_of_the_data(
    turtle: Callable[[str], Graph],
) -> None:
    graph = turtle(
        """
        event:a dcterms:date "2025-03-02"^^xsd:date .
        event:b schema:startDate "2024"^^xsd:gYear .
        event:c dcterms:date "2025-07"^^xsd:gYearMonth ; schema:endDate "2025-07-01T10:00:00"^^xsd:dateTime .
        """
    )
    description = describe_dataset(graph, dumps=[], base_url="https://example.org/")
    period = description.value(DATASET, DCTERMS.temporal)
    assert period is not None
    assert description.value(period, DCAT.startDate) == Literal("2024", datatype=XSD.gYear)
    assert description.value(period, DCAT.endDate) == Literal("2025-07", datatype=XSD.gYearMonth)


def test_a_graph_without_dates_gets_no_temporal_coverage(turtle: Callable[[str], Graph]) -> None:
    description = describe_dataset(
        turtle('event:a dcterms:date "someday" .'), dumps=[], base_url="https://example.org/"
    )
    assert description.value(DATASET, DCTERMS.temporal) is None

