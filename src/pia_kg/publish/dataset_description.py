# ruff: noqa: RUF001  (French typography: the apostrophe is U+2019)
"""The DCAT 3 + VoID description of the published dataset, made at build time from the graph and its dumps.

It says what the dataset is (titles and descriptions in French and English, licence, publisher,
version), what it holds (`void:triples`, one `void:classPartition` per class and one
`void:propertyPartition` per property, the vocabularies it uses, example resources) and how to get it (one
`dcat:Distribution` per dump, with its IANA media type, byte size and sha256 checksum). Every node has an
IRI under the dataset IRI, so the output has no blank nodes and is byte-stable.

It follows DCAT-AP 3.0.1 (https://semiceu.github.io/DCAT-AP/releases/3.0.1/): every value carries the class
that the profile expects of it (its range), so that a validator needs nothing but this file, and the
recommended properties are filled from the graph itself: keywords and themes from the themes the data uses,
spatial coverage from the places its agreements cover or bind, temporal coverage from the earliest and the
latest date it records. What the project does not state (a contact point, the publisher's legal form, the
planned availability of the files, the licence type, coordinates of places) is left out rather than guessed.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urljoin

from rdflib import Graph, Literal, Namespace, URIRef

from pia_kg import __version__
from pia_kg.publish.export import EXPORT_FORMATS
from pia_kg.rdf.namespaces import (
    DCAT,
    DCTERMS,
    FOAF,
    ID_BASE,
    OWL,
    PIA,
    PREFIXES,
    RDF,
    SKOS,
    VOID,
    XSD,
    bind_prefixes,
    compact_iri,
)

SPDX = Namespace("http://spdx.org/rdf/terms#")
# The EU Vocabularies file-type authority table, which DCAT-AP names for dct:format.
EU_FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
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
# media type -> (name of the format, its concept in the EU file-type table)
FILE_TYPES = {
    "text/turtle": ("Turtle", EU_FILE_TYPE.RDF_TURTLE),
    "application/n-triples": ("N-Triples", EU_FILE_TYPE.RDF_N_TRIPLES),
    "application/n-quads": ("N-Quads", EU_FILE_TYPE.RDF_N_QUADS),
    "application/trig": ("TriG", EU_FILE_TYPE.RDF_TRIG),
    "application/ld+json": ("JSON-LD", EU_FILE_TYPE.JSON_LD),
    "application/rdf+xml": ("RDF/XML", EU_FILE_TYPE.RDF_XML),
    "text/csv": ("CSV", EU_FILE_TYPE.CSV),
    "application/json": ("JSON", EU_FILE_TYPE.JSON),
}
_ZONE = r"(?:Z|[+-]\d\d:\d\d)?"
# datatype -> its lexical form, with the year, month and day it gives (xsd:dateTime: its date part)
DATE_FORMS = {
    XSD.gYear: re.compile(rf"(-?\d{{4,}}){_ZONE}"),
    XSD.gYearMonth: re.compile(rf"(-?\d{{4,}})-(\d\d){_ZONE}"),
    XSD.date: re.compile(rf"(-?\d{{4,}})-(\d\d)-(\d\d){_ZONE}"),
    XSD.dateTime: re.compile(rf"(-?\d{{4,}})-(\d\d)-(\d\d)T\d\d:\d\d:\d\d(?:\.\d+)?{_ZONE}"),
}


@dataclass(frozen=True)
class Dump:
    """One published file: its path relative to the site base, format name, media type, size and sha256;
    for a file that is not a dump of the whole graph, what it holds ((language, text) pairs) and the
    standard it follows."""

    path: str
    format_name: str
    media_type: str
    byte_size: int
    sha256: str
    descriptions: tuple[tuple[str, str], ...] = ()
    conforms_to: str | None = None

    @classmethod
    def of(
        cls,
        path: str,
        *,
        format_name: str,
        media_type: str,
        data: bytes,
        descriptions: tuple[tuple[str, str], ...] = (),
        conforms_to: str | None = None,
    ) -> Dump:
        digest = hashlib.sha256(data).hexdigest()
        return cls(path, format_name, media_type, len(data), digest, descriptions, conforms_to)


def describe_dataset(
    graph: Graph, *, dumps: list[Dump], base_url: str, tables: tuple[Dump, ...] = ()
) -> Graph:
    """The DCAT + VoID description of `graph` (the published union), its `dumps` and its `tables` (the
    files of the tabular data package: distributions, but not RDF dumps)."""
    description = bind_prefixes(Graph(bind_namespaces="none"))
    description.bind("spdx", SPDX)
    add = description.add
    add((DATASET, RDF.type, DCAT.Dataset))
    add((DATASET, RDF.type, VOID.Dataset))
    for lang in sorted(TITLES):
        add((DATASET, DCTERMS.title, Literal(TITLES[lang], lang=lang)))
        add((DATASET, DCTERMS.description, Literal(DESCRIPTIONS[lang], lang=lang)))
    licence = _licence(graph)
    add((DATASET, DCTERMS.license, licence))
    add((licence, RDF.type, DCTERMS.LicenseDocument))
    publisher = URIRef(f"{DATASET}#publisher")
    add((DATASET, DCTERMS.publisher, publisher))
    add((publisher, RDF.type, FOAF.Agent))
    add((publisher, FOAF.name, Literal(PUBLISHER)))
    add((DATASET, DCAT.version, Literal(__version__)))
    add((DATASET, OWL.versionInfo, Literal(__version__)))
    add((DATASET, DCAT.landingPage, URIRef(base_url)))
    add((URIRef(base_url), RDF.type, FOAF.Document))
    add((DATASET, DCTERMS.conformsTo, ONTOLOGY))
    add((ONTOLOGY, RDF.type, DCTERMS.Standard))
    _add_coverage(description, graph)
    add((DATASET, VOID.uriSpace, Literal(ID_BASE)))
    add((DATASET, VOID.triples, Literal(len(graph), datatype=XSD.integer)))
    for vocabulary in _vocabularies(graph):
        add((DATASET, VOID.vocabulary, URIRef(vocabulary)))
    for example in _examples(graph):
        add((DATASET, VOID.exampleResource, example))
    _add_partitions(description, graph)
    for dump in dumps:
        _add_distribution(description, dump, base_url)
        description.add((DATASET, VOID.dataDump, URIRef(urljoin(base_url, dump.path))))
    for table in tables:
        _add_distribution(description, table, base_url)
    return description


def _add_coverage(description: Graph, graph: Graph) -> None:
    """Themes and keywords, spatial and temporal coverage: each from what the data records, if it does."""
    for theme in used_themes(graph):
        description.add((DATASET, DCAT.theme, theme))
        description.add((theme, RDF.type, SKOS.Concept))
        for label in _labels(graph, theme):
            description.add((theme, SKOS.prefLabel, label))
            description.add((DATASET, DCAT.keyword, label))
    for place in covered_places(graph):
        description.add((DATASET, DCTERMS.spatial, place))
        description.add((place, RDF.type, DCTERMS.Location))
        for label in _labels(graph, place):
            description.add((place, SKOS.prefLabel, label))
    period = date_range(graph)
    if period is not None:
        temporal = URIRef(f"{DATASET}#temporal")
        description.add((DATASET, DCTERMS.temporal, temporal))
        description.add((temporal, RDF.type, DCTERMS.PeriodOfTime))
        description.add((temporal, DCAT.startDate, period[0]))
        description.add((temporal, DCAT.endDate, period[1]))


def _labels(graph: Graph, iri: URIRef) -> list[Literal]:
    labels = (label for label in graph.objects(iri, SKOS.prefLabel) if isinstance(label, Literal))
    return sorted(labels, key=repr)


def used_themes(graph: Graph) -> list[URIRef]:
    """The pia:Theme concepts that some resource points at (by any predicate outside SKOS), sorted."""
    used = []
    for theme in graph.subjects(RDF.type, PIA.Theme):
        predicates = {str(predicate) for _, predicate in graph.subject_predicates(theme)}
        if isinstance(theme, URIRef) and any(not p.startswith(str(SKOS)) for p in predicates):
            used.append(theme)
    return sorted(set(used), key=str)


def covered_places(graph: Graph) -> list[URIRef]:
    """The places the graph's agreements cover (dcterms:spatial) or bind (their parties' jurisdictions)."""
    places = set(graph.objects(None, DCTERMS.spatial))
    for party in graph.objects(None, PIA.hasParty):
        for agent in graph.objects(party, PIA.agent):
            places.update(graph.objects(agent, PIA.jurisdiction))
    return sorted((place for place in places if isinstance(place, URIRef)), key=str)


@dataclass(frozen=True)
class _Dated:
    """A date literal and the first and last day it covers, each as (year, month, day)."""

    literal: Literal
    first: tuple[int, int, int]
    last: tuple[int, int, int]

    @property
    def as_written(self) -> tuple[str, str]:
        return str(self.literal.datatype), str(self.literal)


def date_range(graph: Graph) -> tuple[Literal, Literal] | None:
    """The earliest and the latest date that the graph records, each as written; None if it records none.

    Dates are the literals typed xsd:gYear, xsd:gYearMonth, xsd:date or xsd:dateTime. Each covers its whole
    period: "2025"^^xsd:gYear starts on 1 January and ends on 31 December, so it comes before
    "2025-03"^^xsd:gYearMonth as a start and after it as an end.
    """
    dated = [item for term in set(graph.objects()) if (item := _dated(term)) is not None]
    if not dated:
        return None
    start = min(dated, key=lambda item: (item.first, item.last, item.as_written))
    end = max(dated, key=lambda item: (item.last, item.first, item.as_written))
    return start.literal, end.literal


def _dated(term: object) -> _Dated | None:
    if not isinstance(term, Literal) or term.datatype not in DATE_FORMS:
        return None
    match = DATE_FORMS[term.datatype].fullmatch(str(term))
    if match is None:
        return None
    parts = [int(part) for part in match.groups()]
    year = parts[0]
    month = parts[1] if len(parts) > 1 else None
    day = parts[2] if len(parts) > 2 else None
    if (month is not None and not 1 <= month <= 12) or (day is not None and not 1 <= day <= 31):
        return None
    return _Dated(term, (year, month or 1, day or 1), (year, month or 12, day or 31))


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
    media_type = URIRef(IANA_MEDIA_TYPES + dump.media_type)
    add = description.add
    add((DATASET, DCAT.distribution, distribution))
    add((distribution, RDF.type, DCAT.Distribution))
    add((distribution, DCTERMS.title, Literal(f"pia-kg ({dump.format_name})", lang="en")))
    for text in _distribution_descriptions(dump):
        add((distribution, DCTERMS.description, text))
    add((distribution, DCAT.mediaType, media_type))
    add((media_type, RDF.type, DCTERMS.MediaType))
    if dump.media_type in FILE_TYPES:
        file_type = FILE_TYPES[dump.media_type][1]
        add((distribution, DCTERMS["format"], file_type))
        add((file_type, RDF.type, DCTERMS.MediaTypeOrExtent))
    if dump.conforms_to is not None:
        add((distribution, DCTERMS.conformsTo, URIRef(dump.conforms_to)))
        add((URIRef(dump.conforms_to), RDF.type, DCTERMS.Standard))
    add((distribution, DCAT.byteSize, Literal(dump.byte_size, datatype=XSD.nonNegativeInteger)))
    add((distribution, DCAT.downloadURL, url))
    add((distribution, DCAT.accessURL, url))
    add((distribution, DCTERMS.license, _licence_of(description)))
    add((distribution, SPDX.checksum, checksum))
    add((checksum, RDF.type, SPDX.Checksum))
    add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    add((SPDX.checksumAlgorithm_sha256, RDF.type, SPDX.ChecksumAlgorithm))
    add((checksum, SPDX.checksumValue, Literal(dump.sha256, datatype=XSD.hexBinary)))


def _distribution_descriptions(dump: Dump) -> list[Literal]:
    """What one dump holds, in English and French: the whole graph, in which format, kept in which graphs;
    or what the file says it holds."""
    if dump.descriptions:
        return [Literal(text, lang=lang) for lang, text in dump.descriptions]
    name = FILE_TYPES.get(dump.media_type, (dump.format_name, None))[0]
    export = EXPORT_FORMATS.get(dump.format_name)
    keeps_graphs = export is not None and export.keeps_graphs
    english = f"The whole graph (ontology and data) in {name}"
    french = f"Le graphe entier (ontologie et données) en {name}"
    if keeps_graphs:
        english += ", one named graph per source file"
        french += ", un graphe nommé par fichier source"
    return [Literal(english + ".", lang="en"), Literal(french + ".", lang="fr")]


def _licence_of(description: Graph) -> URIRef:
    licence = description.value(DATASET, DCTERMS.license)
    return licence if isinstance(licence, URIRef) else CC_BY_4
