"""The prefixes are the single source of truth for every graph and query."""

from __future__ import annotations

from rdflib import RDF, Graph
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parser import parseQuery

from pia_kg.rdf.namespaces import PERSON, PREFIXES, SCHEMA, bind_prefixes, compact_iri, sparql_prefix_block


def test_instance_namespaces_are_one_per_type_under_the_id_base() -> None:
    assert PREFIXES["person"] == "https://w3id.org/pia-kg/id/person/"
    assert PREFIXES["pia"] == "https://w3id.org/pia-kg/ns#"
    assert PREFIXES["schema"] == "https://schema.org/"
    assert len(set(PREFIXES.values())) == len(PREFIXES)


def test_bind_prefixes_binds_every_prefix() -> None:
    bound = dict(bind_prefixes(Graph(bind_namespaces="none")).namespaces())
    assert {prefix: str(namespace) for prefix, namespace in bound.items()} == PREFIXES


def test_the_sparql_prefix_block_declares_every_prefix_and_parses() -> None:
    prologue = parseQuery(sparql_prefix_block() + "ASK {}")[0]
    assert {declaration["prefix"]: str(declaration["iri"]) for declaration in prologue} == PREFIXES
    query = prepareQuery(sparql_prefix_block() + "SELECT ?p WHERE { ?p a schema:Person } ORDER BY ?p")
    graph = Graph()
    graph.add((PERSON.ada, RDF.type, SCHEMA.Person))
    assert [row[0] for row in graph.query(query)] == [PERSON.ada]  # type: ignore[index]


def test_compact_iri_uses_the_project_prefixes() -> None:
    assert compact_iri(str(PERSON["martin-tisne"])) == "person:martin-tisne"
    assert compact_iri(str(SCHEMA.name)) == "schema:name"
    assert compact_iri("http://example.org/x") == "<http://example.org/x>"


def test_compact_iri_is_the_longest_namespace_with_a_plain_local_part() -> None:
    """The one-lookup compact_iri against its definition, on every namespace and awkward local parts."""

    def by_definition(iri: str) -> str:
        matching = [(len(ns), prefix) for prefix, ns in PREFIXES.items() if iri.startswith(ns)]
        if matching:
            length = max(size for size, _ in matching)
            prefix = next(prefix for size, prefix in matching if size == length)
            local = iri[length:]
            if local and all(c.isalnum() or c in "-_." for c in local) and not local.endswith("."):
                return f"{prefix}:{local}"
        return f"<{iri}>"

    locals_ = ["", "a", "a.b", "a.", "é-1_x", "a/b", "a#b", "a b", "person/x", "x%20"]
    iris = [ns + local for ns in PREFIXES.values() for local in locals_] + ["http://example.org/x", "urn:x"]
    assert [compact_iri(iri) for iri in iris] == [by_definition(iri) for iri in iris]
