"""The one finding type of validate and report: its order, its duplicates, its CURIE."""

from __future__ import annotations

import itertools

from rdflib import BNode, URIRef

from pia_kg.check.findings import Finding, in_order

FOCUS = URIRef("https://w3id.org/pia-kg/id/person/ada")


def finding(severity: str, path: str | None, message: str = "missing", line: int = 3) -> Finding:
    return Finding(severity, "labels", FOCUS, "Ada", path, None, message, None, "data/people.ttl", line)


def test_order_does_not_depend_on_the_order_the_checks_ran_in() -> None:
    found = [
        finding("warning", "skos:prefLabel"),
        finding("warning", "rdfs:comment"),
        finding("error", "skos:prefLabel", line=9),
        finding("info", None),
        finding("warning", "rdfs:comment", message="also"),
    ]
    orders = {in_order(permutation) for permutation in itertools.permutations(found)}
    assert len(orders) == 1
    (order,) = orders
    assert [(f.severity, f.path, f.message) for f in order] == [
        ("error", "skos:prefLabel", "missing"),
        ("warning", "rdfs:comment", "also"),
        ("warning", "rdfs:comment", "missing"),
        ("warning", "skos:prefLabel", "missing"),
        ("info", None, "missing"),
    ]


def test_shacl_severities_rank_as_profile_levels() -> None:
    shacl = in_order([finding("Info", None), finding("Violation", None), finding("Warning", None)])
    assert [f.severity for f in shacl] == ["Violation", "Warning", "Info"]


def test_a_finding_found_twice_is_reported_once() -> None:
    assert in_order([finding("error", None), finding("error", None)]) == (finding("error", None),)


def test_focus_curie_and_iri() -> None:
    named = finding("error", None)
    assert (named.focus_curie, named.focus_iri) == ("person:ada", str(FOCUS))
    blank = Finding("Violation", "shape", BNode(), None, None, None, "bad", None, None, None)
    assert (blank.focus_curie, blank.focus_iri) == ("[]", None)
