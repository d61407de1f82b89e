# ruff: noqa: RUF001  (French typography: the apostrophe is U+2019)
"""The DCAT 3 + VoID description of the published dataset, made at build time from the graph and its dumps.

It says what the dataset is (titles and descriptions in French and English, licence, publisher,
version), what it holds (`void:triples`, one `void:classPartition` per class and one
`void:propertyPartition` per property, the vocabularies it uses, example resources) and how to get it (one
`dcat:Distribution` per dump, with its IANA media type, byte size and sha256 checksum). Every node has an
IRI under the dataset IRI, so the output has no blank nodes and is byte-stable.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urljoin

from rdflib import Graph, Literal, Namespace, URIRef

from pia_kg import __version__
from pia_kg.namespaces import (
    DCAT,
    DCTERMS,
    FOAF,
    ID_BASE,
    OWL,
    PIA,
    PREFIXES,
    RDF,
    VOID,
    XSD,
    bind_prefixes,
    compact_iri,
)

SPDX = Namespace("http://spdx.org/rdf/terms#")
DATASET = URIRef("https://w3id.org/pia-kg/dataset")
ONTOLOGY = URIRef("https://w3id.org/pia-kg/ns")
CC_BY_4 = URIRef("https://creativecommons.org/licenses/by/4.0/")
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
EXAMPLE_CLASSES = (
    PIA.MemorandumOfUnderstanding,
    PIA.Agreement,
    PIA.Statement,
    PIA.Person,
    PIA.FundingCommitment,
)

TITLES = {
    "en": "pia-kg: the Public-Interest AI Knowledge Graph",
    "fr": "pia-kg : le graphe de connaissances de l’IA d’intérêt général",
}
DESCRIPTIONS = {
    "en": "Who agreed to what, who pledged how much and who said what in public-interest AI: "
    "agreements, funding commitments, memberships and quoted statements, each with its source document "
    "and the exact span of text that supports it.",
    "fr": "Qui s’est accordé sur quoi, qui a promis combien et qui a dit quoi dans l’IA d’intérêt général : "
    "accords, engagements financiers, adhésions et déclarations citées, chacun avec son document source et "
    "le passage exact qui l’atteste.",
}
PUBLISHER = "The pia-kg project"


@dataclass(frozen=True)
class Dump:
    """One published file: its path relative to the site base, format name, media type, size and sha256."""

    path: str
    format_name: str
    media_type: str
    byte_size: int
    sha256: str

    @classmethod
    def of(cls, path: str, *, format_name: str, media_type: str, data: bytes) -> Dump:
        return cls(path, format_name, media_type, len(data), hashlib.sha256(data).hexdigest())


def describe_dataset(graph: Graph, *, dumps: list[Dump], base_url: str) -> Graph:
    """The DCAT + VoID description of `graph` (the published union) and its `dumps`."""
    description = bind_prefixes(Graph(bind_namespaces="none"))
    description.bind("spdx", SPDX)
    add = description.add
    add((DATASET, RDF.type, DCAT.Dataset))
    add((DATASET, RDF.type, VOID.Dataset))
    for lang in sorted(TITLES):
        add((DATASET, DCTERMS.title, Literal(TITLES[lang], lang=lang)))
        add((DATASET, DCTERMS.description, Literal(DESCRIPTIONS[lang], lang=lang)))
    add((DATASET, DCTERMS.license, _licence(graph)))
    publisher = URIRef(f"{DATASET}#publisher")
    add((DATASET, DCTERMS.publisher, publisher))
    add((publisher, RDF.type, FOAF.Agent))
    add((publisher, FOAF.name, Literal(PUBLISHER)))
    add((DATASET, DCAT.version, Literal(__version__)))
    add((DATASET, OWL.versionInfo, Literal(__version__)))
    add((DATASET, DCAT.landingPage, URIRef(base_url)))
    add((DATASET, DCTERMS.conformsTo, ONTOLOGY))
    add((DATASET, VOID.uriSpace, Literal(ID_BASE)))
    add((DATASET, VOID.triples, Literal(len(graph), datatype=XSD.integer)))
    for vocabulary in _vocabularies(graph):
        add((DATASET, VOID.vocabulary, URIRef(vocabulary)))
    for example in _examples(graph):
        add((DATASET, VOID.exampleResource, example))
    _add_partitions(description, graph)
    for dump in dumps:
        _add_distribution(description, dump, base_url)
    return description


def _licence(graph: Graph) -> URIRef:
    """The data licence the ontology states (dcterms:license on the owl:Ontology), else CC BY 4.0."""
    for ontology in sorted(graph.subjects(RDF.type, OWL.Ontology), key=str):
        for licence in sorted(graph.objects(ontology, DCTERMS.license), key=str):
            if isinstance(licence, URIRef):
                return licence
    return CC_BY_4


def _vocabularies(graph: Graph) -> list[str]:
    """The namespaces (project prefixes, instance namespaces aside) of every predicate and class used."""
    terms = {str(predicate) for predicate in graph.predicates(unique=True)}
    terms |= {str(cls) for cls in graph.objects(None, RDF.type) if isinstance(cls, URIRef)}
    namespaces = {namespace for namespace in PREFIXES.values() if not namespace.startswith(ID_BASE)}
    return sorted({namespace for namespace in namespaces for term in terms if term.startswith(namespace)})


def _examples(graph: Graph) -> list[URIRef]:
    found = []
    for cls in EXAMPLE_CLASSES:
        instances = sorted(str(s) for s in graph.subjects(RDF.type, cls) if isinstance(s, URIRef))
        if instances and URIRef(instances[0]) not in found:
            found.append(URIRef(instances[0]))
    return found


def _partition_iri(kind: str, term: URIRef) -> URIRef:
    name = compact_iri(str(term)).strip("<>").replace(":", "-").replace("/", "-").replace("#", "-")
    return URIRef(f"{DATASET}#{kind}-{name}")


def _add_partitions(description: Graph, graph: Graph) -> None:
    classes = Counter(cls for cls in graph.objects(None, RDF.type) if isinstance(cls, URIRef))
    for cls, count in sorted(classes.items()):
        partition = _partition_iri("class", cls)
        description.add((DATASET, VOID.classPartition, partition))
        description.add((partition, VOID["class"], cls))
        description.add((partition, VOID.entities, Literal(count, datatype=XSD.integer)))
    properties = Counter(predicate for _, predicate, _ in graph)
    for predicate, count in sorted(properties.items()):
        partition = _partition_iri("property", URIRef(str(predicate)))
        description.add((DATASET, VOID.propertyPartition, partition))
        description.add((partition, VOID.property, predicate))
        description.add((partition, VOID.triples, Literal(count, datatype=XSD.integer)))


def _add_distribution(description: Graph, dump: Dump, base_url: str) -> None:
    distribution = URIRef(f"{DATASET}#dump-{dump.format_name}")
    checksum = URIRef(f"{DATASET}#dump-{dump.format_name}-sha256")
    url = URIRef(urljoin(base_url, dump.path))
    description.add((DATASET, DCAT.distribution, distribution))
    description.add((DATASET, VOID.dataDump, url))
    description.add((distribution, RDF.type, DCAT.Distribution))
    description.add((distribution, DCTERMS.title, Literal(f"pia-kg ({dump.format_name})", lang="en")))
    description.add((distribution, DCAT.mediaType, URIRef(IANA_MEDIA_TYPES + dump.media_type)))
    description.add((distribution, DCAT.byteSize, Literal(dump.byte_size, datatype=XSD.nonNegativeInteger)))
    description.add((distribution, DCAT.downloadURL, url))
    description.add((distribution, DCAT.accessURL, url))
    description.add((distribution, DCTERMS.license, _licence_of(description)))
    description.add((distribution, SPDX.checksum, checksum))
    description.add((checksum, RDF.type, SPDX.Checksum))
    description.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    description.add((checksum, SPDX.checksumValue, Literal(dump.sha256, datatype=XSD.hexBinary)))


def _licence_of(description: Graph) -> URIRef:
    licence = description.value(DATASET, DCTERMS.license)
    return licence if isinstance(licence, URIRef) else CC_BY_4
