"""Property-based tests (issue 8), with Hypothesis: bounded examples, no deadline, fixed seed in CI.

1. Random graphs built from the ontology's own terms round-trip through every export format isomorphically.
2. Random mutations of the real data are always either reported by `validate` or rejected by the parser.
   Only mutations that a check exists for are drawn; semantically neutral ones are excluded on purpose:
   deleting an optional triple (an skos:editorialNote, a second label, an rdfs:comment), swapping two
   values of the same property and kind, or retyping a literal to a datatype whose lexical space holds it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, XSD

from pia_kg.check.validation import validate
from pia_kg.errors import DataError
from pia_kg.graph.loading import KnowledgeGraph, load
from pia_kg.project import Project
from pia_kg.publish.export import EXPORT_FORMATS, serialize
from pia_kg.rdf.jsonld import read_context
from pia_kg.rdf.namespaces import OA, SH
from pia_kg.rdf.parsing import graph_id, parse_turtle
from tests.conftest import REPO_ROOT, SOURCES_DIR

PROPERTY_SETTINGS = settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
XML_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters="\ufffe\uffff")
    | st.sampled_from("\t\n\r"),
    max_size=30,
)


@pytest.fixture(scope="module")
def real() -> KnowledgeGraph:
    return load(Project(REPO_ROOT, SOURCES_DIR))


@pytest.fixture(scope="module")
def context() -> dict[str, object]:
    return read_context(REPO_ROOT / "ontology")


def ontology_terms(kg: KnowledgeGraph) -> tuple[list[URIRef], list[URIRef], list[URIRef]]:
    """The ontology's classes, object properties and datatype properties, sorted."""
    graph = kg.union("ontology")

    def of_type(kind: URIRef) -> list[URIRef]:
        return sorted(term for term in graph.subjects(RDF.type, kind) if isinstance(term, URIRef))

    return of_type(OWL.Class), of_type(OWL.ObjectProperty), of_type(OWL.DatatypeProperty)


def literals() -> st.SearchStrategy[Literal]:
    return st.one_of(
        XML_TEXT.map(Literal),
        st.tuples(XML_TEXT, st.sampled_from(["en", "fr", "en-GB", "de-CH-1996"])).map(
            lambda pair: Literal(pair[0], lang=pair[1])
        ),
        st.integers(-(10**12), 10**12).map(lambda n: Literal(str(n), datatype=XSD.integer)),
        st.dates().map(lambda day: Literal(day.isoformat(), datatype=XSD.date)),
        st.booleans().map(lambda flag: Literal("true" if flag else "false", datatype=XSD.boolean)),
        st.integers(1900, 2100).map(lambda year: Literal(str(year), datatype=XSD.gYear)),
    )


@st.composite
def random_graphs(
    draw: Callable[..., object], terms: tuple[list[URIRef], list[URIRef], list[URIRef]]
) -> Graph:
    classes, object_properties, datatype_properties = terms
    names = st.sampled_from([URIRef(f"https://w3id.org/pia-kg/id/thing-{i}") for i in range(8)])
    nodes = st.one_of(names, st.sampled_from([BNode(f"b{i}") for i in range(3)]))
    graph = Graph(bind_namespaces="none")
    for _ in range(draw(st.integers(1, 12))):  # type: ignore[operator]
        subject = draw(nodes)
        kind = draw(st.sampled_from(["type", "object", "datatype"]))
        if kind == "type":
            graph.add((subject, RDF.type, draw(st.sampled_from(classes))))  # type: ignore[arg-type]
        elif kind == "object":
            graph.add((subject, draw(st.sampled_from(object_properties)), draw(nodes)))  # type: ignore[arg-type]
        else:
            graph.add((subject, draw(st.sampled_from(datatype_properties)), draw(literals())))  # type: ignore[arg-type]
    return graph


def lower_language_tags(graph: Graph) -> Graph:
    """The graph with language tags in lower case: RDF 1.1 allows it, and pyld's JSON-LD does it."""
    lowered = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.language:
            o = Literal(str(o), lang=o.language.lower())
        lowered.add((s, p, o))
    return lowered


def parse_export(data: bytes, fmt: str) -> Graph:
    rdflib_name = {"ntriples": "nt", "rdfxml": "xml", "jsonld": "json-ld"}.get(fmt, fmt)
    if fmt in ("nquads", "trig"):
        dataset = Dataset()
        dataset.parse(data=data.decode("utf-8"), format=rdflib_name)
        graph = Graph()
        for triple in dataset.graph(graph_id("data/random.ttl")):
            graph.add(triple)
        return graph
    return Graph().parse(data=data.decode("utf-8"), format=rdflib_name)


@pytest.mark.parametrize("fmt", sorted(EXPORT_FORMATS))
def test_a_random_graph_of_ontology_terms_round_trips_through_every_export_format(
    real: KnowledgeGraph, context: dict[str, object], fmt: str
) -> None:
    @PROPERTY_SETTINGS
    @given(graph=random_graphs(ontology_terms(real)))
    def round_trips(graph: Graph) -> None:
        dataset = Dataset()
        named = dataset.graph(graph_id("data/random.ttl"))
        for triple in graph:
            named.add(triple)
        back = parse_export(serialize(dataset, fmt, context=context), fmt)  # type: ignore[arg-type]
        assert isomorphic(lower_language_tags(back), lower_language_tags(graph)), fmt

    round_trips()


# ---------------------------------------------------------------- mutations of the real data


def required_triples(kg: KnowledgeGraph) -> list[tuple[URIRef, URIRef]]:
    """(subject, property) pairs where the subject has exactly sh:minCount values of a required property."""
    shapes, data = kg.union("shapes"), kg.union("ontology", "data")
    found: set[tuple[URIRef, URIRef]] = set()
    for shape, target in shapes.subject_objects(SH.targetClass):
        members = set(data.subjects(RDF.type, target))
        for property_shape in shapes.objects(shape, SH.property):
            path, minimum = shapes.value(property_shape, SH.path), shapes.value(property_shape, SH.minCount)
            if not isinstance(path, URIRef) or minimum is None or int(minimum) < 1:
                continue
            if shapes.value(property_shape, SH.severity) not in (None, SH.Violation):
                continue
            for member in members:
                if isinstance(member, URIRef) and len(set(data.objects(member, path))) == int(minimum):
                    found.add((member, path))
    return sorted(found)


def with_data(kg: KnowledgeGraph, change: Callable[[Graph], None]) -> KnowledgeGraph:
    """A copy of `kg` whose data graphs went through `change` (one graph per file is kept)."""
    dataset = Dataset()
    for identifier in kg.graph_ids():
        named = dataset.graph(identifier)
        for triple in kg.dataset.graph(identifier):
            named.add(triple)
    for identifier in kg.graph_ids("data"):
        change(dataset.graph(identifier))
    return replace(kg, dataset=dataset)


def conforms(kg: KnowledgeGraph) -> bool:
    return validate(kg, sources_dir=SOURCES_DIR, queries_dir=REPO_ROOT / "queries").conforms


def test_the_real_data_conforms_before_any_mutation(real: KnowledgeGraph) -> None:
    assert conforms(real)


@pytest.mark.slow
def test_deleting_a_required_triple_is_always_reported(real: KnowledgeGraph) -> None:
    @settings(PROPERTY_SETTINGS, max_examples=8)
    @given(pair=st.sampled_from(required_triples(real)))
    def reported(pair: tuple[URIRef, URIRef]) -> None:
        subject, path = pair
        assert not conforms(with_data(real, lambda graph: graph.remove((subject, path, None))))

    reported()


def typed_literals(kg: KnowledgeGraph) -> list[tuple[URIRef, URIRef, Literal]]:
    data = kg.union("data")
    return sorted(
        (s, p, o)  # type: ignore[misc]
        for s, p, o in data
        if isinstance(o, Literal) and o.datatype is not None and str(o) not in ("true", "false", "0", "1")
    )


@pytest.mark.slow
def test_retyping_a_literal_to_a_datatype_that_cannot_hold_it_is_always_reported(
    real: KnowledgeGraph,
) -> None:
    @settings(PROPERTY_SETTINGS, max_examples=8)
    @given(triple=st.sampled_from(typed_literals(real)))
    def reported(triple: tuple[URIRef, URIRef, Literal]) -> None:
        subject, predicate, obj = triple
        wrong = Literal(str(obj), datatype=XSD.boolean)

        def retype(graph: Graph) -> None:
            if (subject, predicate, obj) in graph:
                graph.remove((subject, predicate, obj))
                graph.add((subject, predicate, wrong))

        assert not conforms(with_data(real, retype))

    reported()


def selector_offsets(kg: KnowledgeGraph) -> list[tuple[object, URIRef, Literal]]:
    data = kg.union("data")
    return sorted(
        ((s, p, o) for p in (OA.start, OA.end) for s, o in data.subject_objects(p)),  # type: ignore[misc]
        key=lambda triple: (str(triple[0]), str(triple[1]), int(triple[2])),
    )


@pytest.mark.slow
def test_shifting_a_quotation_offset_is_always_reported(real: KnowledgeGraph) -> None:
    @settings(PROPERTY_SETTINGS, max_examples=8)
    @given(
        triple=st.sampled_from(selector_offsets(real)),
        shift=st.sampled_from([-5, -4, -3, -2, -1, 1, 2, 3, 4, 5]),
    )
    def reported(triple: tuple[object, URIRef, Literal], shift: int) -> None:
        node, predicate, offset = triple
        moved = Literal(str(max(0, int(offset) + shift)), datatype=offset.datatype)

        def shift_offset(graph: Graph) -> None:
            if (node, predicate, offset) in graph:
                graph.remove((node, predicate, offset))  # type: ignore[arg-type]
                graph.add((node, predicate, moved))  # type: ignore[arg-type]

        assert not conforms(with_data(real, shift_offset))

    reported()


def test_a_byte_level_mutation_of_a_data_file_is_parsed_or_rejected_never_a_crash() -> None:
    text = (REPO_ROOT / "data" / "people.ttl").read_text(encoding="utf-8")

    @PROPERTY_SETTINGS
    @given(
        position=st.integers(0, len(text) - 1),
        insert=st.sampled_from(["\x00", "<", '"', "[", "\\u0000", "@", " "]),
    )
    def parsed_or_rejected(position: int, insert: str) -> None:
        try:
            parse_turtle(text[:position] + insert + text[position:], relpath="data/people.ttl")
        except DataError as err:
            assert str(err).startswith("data/people.ttl")

    parsed_or_rejected()


def test_every_kind_of_mutation_finds_something_to_mutate(real: KnowledgeGraph) -> None:
    assert required_triples(real) and typed_literals(real) and selector_offsets(real)
