"""Nanopublications: one per sourced fact, with a Trusty URI, written as TriG (`pia-kg export -f nanopub`).

A sourced fact is a resource of the data that says where it comes from (`prov:wasDerivedFrom` a document): a
statement, a party to an agreement, a funding commitment, a membership, a post, and likewise every agreement,
organisation, person, place, programme and event. Its nanopublication (https://nanopub.net) holds four graphs:

- assertion: every triple of the data whose subject is the resource, except `prov:wasDerivedFrom` and
  `pia:evidence`, and the triples of the blank nodes those reach (an amount, a qualified attribution);
- provenance: the assertion graph `prov:wasDerivedFrom` each document; the resource's own
  `prov:wasDerivedFrom` and `pia:evidence` triples with their Web Annotation selectors (the exact quote, its
  prefix, suffix and code-point offsets); each document's sha256 and date, which pin the offsets to one text;
- publication info: the licence and the creator that the ontology states, the dataset and its version as the
  dataset description gives them, and a creation date. The graph records no date of curation, so the date is
  the latest date of the fact's documents, said so by `pia:dateBasis pia:basis-source-date`; no clock is read.
- head: the nanopublication and its three graphs.

The nanopublication's IRI is a Trusty URI (module RA: SHA-256 of the normalised quads, base64url), computed
here offline under `NANOPUB_BASE`; blank nodes are named `<uri>/_1`, `<uri>/_2`, ... in RDFC-1.0 order. With
an RSA key the Nanopub toolkit (PyPI `nanopub-sign`) signs the same graphs, which adds the signature to the
publication info and gives a Trusty URI that covers it. Nothing is published. The same data (and key) give the
same bytes; `tests/test_nanopub.py` checks every file with the toolkit's own check.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from pia_kg import __version__
from pia_kg.errors import DataError, PiaError
from pia_kg.graph.loading import KnowledgeGraph
from pia_kg.publish.dataset_description import DATASET
from pia_kg.publish.export import replace_folder
from pia_kg.rdf.namespaces import DCAT, DCTERMS, OWL, PIA, PREFIXES, PROV, RDF, RDFS, XSD, compact_iri

NP = Namespace("http://www.nanopub.org/nschema#")
NPX = Namespace("http://purl.org/nanopub/x/")
NANOPUB_BASE = "https://w3id.org/pia-kg/np/"
GRAPH_NAMES = ("Head", "assertion", "provenance", "pubinfo")
# Kept out of the assertion: they say where the fact comes from, and go to the provenance graph.
PROVENANCE_PREDICATES = (PROV.wasDerivedFrom, PIA.evidence)
CREATED_NOTE = (
    "The graph records no date of curation: dcterms:created is the latest date of the source documents of "
    "the assertion (pia:basis-source-date)."
)

Triple = tuple[Node, Node, Node]


class SigningError(PiaError):
    """The signing key cannot be read or used."""


@dataclass(frozen=True)
class Fact:
    """One sourced resource: its assertion triples, its provenance triples and the documents it cites."""

    subject: URIRef
    assertion: tuple[Triple, ...]
    provenance: tuple[Triple, ...]
    documents: tuple[URIRef, ...]


@dataclass(frozen=True)
class Nanopublication:
    """One nanopublication: the fact it publishes, its Trusty URI, its file name and its TriG bytes."""

    fact: URIRef
    uri: URIRef
    file_name: str
    trig: bytes


def sourced_subjects(data: Graph) -> list[URIRef]:
    """Every IRI of the data that is `prov:wasDerivedFrom` something, sorted."""
    return sorted({s for s in data.subjects(PROV.wasDerivedFrom, None) if isinstance(s, URIRef)}, key=str)


def fact_of(data: Graph, subject: URIRef) -> Fact:
    """Split the triples of `subject` (with the blank nodes they reach) into assertion and provenance."""
    assertion: list[Triple] = []
    provenance: list[Triple] = []
    for triple in sorted(data.triples((subject, None, None)), key=_triple_key):
        if triple[1] in PROVENANCE_PREDICATES:
            provenance.extend(_with_blank_nodes(data, triple))
        else:
            assertion.extend(_with_blank_nodes(data, triple))
    cited = data.objects(subject, PROV.wasDerivedFrom)
    documents = sorted({document for document in cited if isinstance(document, URIRef)}, key=str)
    return Fact(subject, tuple(assertion), tuple(provenance), tuple(documents))


def _with_blank_nodes(data: Graph, triple: Triple) -> Iterator[Triple]:
    """`triple`, then the triples of the blank node it points to, recursively."""
    yield triple
    seen: set[BNode] = set()
    pending = [triple[2]] if isinstance(triple[2], BNode) else []
    while pending:
        node = pending.pop()
        if node in seen:
            continue
        seen.add(node)
        for inner in sorted(data.triples((node, None, None)), key=_triple_key):
            yield inner
            if isinstance(inner[2], BNode):
                pending.append(inner[2])


def nanopublications(kg: KnowledgeGraph, *, key: str | None = None) -> list[Nanopublication]:
    """One nanopublication per sourced fact of `kg`, unsigned, or signed with `key` (an RSA private key)."""
    profile = _profile(key) if key is not None else None
    data = kg.union("data")
    ontology = kg.union("ontology")
    facts = [fact_of(data, subject) for subject in sourced_subjects(data)]
    return [_nanopublication(data, ontology, fact, profile) for fact in facts]


def _nanopublication(data: Graph, ontology: Graph, fact: Fact, profile: Any) -> Nanopublication:
    graphs = _canonical(_graphs(data, ontology, fact))
    if profile is None:
        uri, trig = _trusty(graphs)
    else:
        uri, trig = _signed(graphs, profile)
    return Nanopublication(fact.subject, uri, file_name(fact.subject), trig)


def file_name(subject: URIRef) -> str:
    """`statement--pr-2025-07-….trig` for a project IRI; other IRIs are named by their hash."""
    curie = compact_iri(str(subject))
    if curie.startswith("<"):
        return f"iri--{hashlib.sha256(str(subject).encode()).hexdigest()[:16]}.trig"
    prefix, _, local = curie.partition(":")
    return f"{prefix}--{local}.trig"


# ---------------------------------------------------------------- the four graphs, around a placeholder URI

# Graph contents before the nanopublication has its IRI: `THIS` stands for it, `SUB + name` for its graphs.
THIS = URIRef("urn:pia-kg:nanopub:this")
SUB = "urn:pia-kg:nanopub:this/"


def _graphs(data: Graph, ontology: Graph, fact: Fact) -> dict[str, list[Triple]]:
    head: list[Triple] = [
        (THIS, RDF.type, NP.Nanopublication),
        (THIS, NP.hasAssertion, URIRef(SUB + "assertion")),
        (THIS, NP.hasProvenance, URIRef(SUB + "provenance")),
        (THIS, NP.hasPublicationInfo, URIRef(SUB + "pubinfo")),
    ]
    provenance: list[Triple] = [
        (URIRef(SUB + "assertion"), PROV.wasDerivedFrom, document) for document in fact.documents
    ]
    for document in fact.documents:
        for predicate in (PIA.sha256, DCTERMS.date):
            provenance.extend(sorted(data.triples((document, predicate, None)), key=_triple_key))
    provenance.extend(fact.provenance)
    return {
        "Head": head,
        "assertion": list(fact.assertion),
        "provenance": provenance,
        "pubinfo": _publication_info(data, ontology, fact),
    }


def _canonical(graphs: dict[str, list[Triple]]) -> dict[str, list[Triple]]:
    """The graphs with blank nodes labelled `c14nK` by RDFC-1.0 over the four graphs together."""
    import pyoxigraph as ox

    from pia_kg.rdf.terms import to_oxigraph, to_rdflib

    dataset = ox.Dataset(
        ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), ox.NamedNode(SUB + name))
        for name in GRAPH_NAMES
        for s, p, o in graphs[name]
    )
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    canonical: dict[str, list[Triple]] = {name: [] for name in GRAPH_NAMES}
    for quad in dataset:
        terms = (quad.subject, quad.predicate, quad.object)
        triple = tuple(BNode(t.value) if isinstance(t, ox.BlankNode) else to_rdflib(t) for t in terms)
        canonical[quad.graph_name.value.removeprefix(SUB)].append(triple)  # type: ignore[arg-type]
    return {name: sorted(triples, key=_triple_key) for name, triples in canonical.items()}


def _publication_info(data: Graph, ontology: Graph, fact: Fact) -> list[Triple]:
    """Licence and creator as the ontology states them, the dataset version, and the creation date."""
    info: list[Triple] = []
    for described in sorted(ontology.subjects(RDF.type, OWL.Ontology), key=str):
        for predicate in (DCTERMS.license, DCTERMS.creator):
            stated = sorted(ontology.objects(described, predicate), key=lambda value: value.n3())
            info.extend((THIS, predicate, value) for value in stated)
    info.append((THIS, DCTERMS.isPartOf, DATASET))
    info.append((DATASET, DCAT.version, Literal(__version__)))
    created = _latest_date(data, fact.documents)
    if created is not None:
        info.append((THIS, DCTERMS.created, created))
        info.append((THIS, PIA.dateBasis, PIA["basis-source-date"]))
        info.append((THIS, RDFS.comment, Literal(CREATED_NOTE, lang="en")))
    return info


_DATE_TYPES = (XSD.gYear, XSD.gYearMonth, XSD.date, XSD.dateTime)


def _latest_date(data: Graph, documents: Iterable[URIRef]) -> Literal | None:
    """The latest `dcterms:date` of the documents (compared by their lexical form, which sorts as dates)."""
    dates = [
        value
        for document in documents
        for value in data.objects(document, DCTERMS.date)
        if isinstance(value, Literal) and value.datatype in _DATE_TYPES
    ]
    return max(dates, key=lambda value: (str(value), str(value.datatype)), default=None)


# ---------------------------------------------------------------- Trusty URI (module RA), unsigned


def _trusty(graphs: dict[str, list[Triple]]) -> tuple[URIRef, bytes]:
    """The Trusty URI of the graphs and their TriG, with blank nodes named `<uri>/_N`."""
    named = {name: [_skolemised(triple) for triple in triples] for name, triples in graphs.items()}
    uri = NANOPUB_BASE + trusty_code(_quads(named, NANOPUB_BASE + " ", NANOPUB_BASE + " /"))
    return URIRef(uri), _trig(_quads(named, uri, uri + "/"), uri)


def _skolemised(triple: Triple) -> Triple:
    """Blank node `c14nK` becomes `SUB + _(K+1)`, as the Trusty URI specification names blank nodes."""
    return tuple(  # type: ignore[return-value]
        URIRef(f"{SUB}_{int(str(term).removeprefix('c14n')) + 1}") if isinstance(term, BNode) else term
        for term in triple
    )


def trusty_code(quads: Iterable[Quad]) -> str:
    """The artifact code (module RA) of quads whose own IRI is written `<base> ` (base, then a space).

    Each quad becomes four lines: graph, subject, predicate, and the object: an IRI, or `@lang value`, or
    `^datatype value` with backslashes doubled and line feeds written `\\n`. The quads are sorted by graph,
    subject, predicate, language, datatype and value (by code point), and the code is "RA" followed by the
    SHA-256 of the text in base64url without padding.
    """
    rows = sorted(_normalised(quad) for quad in quads)
    text = "".join(
        f"{graph}\n{subject}\n{predicate}\n"
        + (f"@{lang} {value}" if lang else f"^{datatype} {value}" if datatype else value)
        + "\n"
        for graph, subject, predicate, lang, datatype, value in rows
    )
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "RA" + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _normalised(quad: Quad) -> tuple[str, str, str, str, str, str]:
    graph, subject, predicate, obj = quad
    if isinstance(obj, Literal):
        lang = obj.language or ""
        datatype = str(RDF.langString if lang else obj.datatype or XSD.string)
        value = str(obj).replace("\\", "\\\\").replace("\n", "\\n")
        return str(graph), str(subject), str(predicate), lang, datatype, value
    return str(graph), str(subject), str(predicate), "", "", str(obj)


Quad = tuple[URIRef, Node, Node, Node]


def _quads(graphs: dict[str, list[Triple]], uri: str, namespace: str) -> list[Quad]:
    """The graphs as quads, the placeholders replaced by `uri` and `namespace` + graph or node name."""

    def placed(term: Node) -> Node:
        if term == THIS:
            return URIRef(uri)
        if isinstance(term, URIRef) and term.startswith(SUB):
            return URIRef(namespace + term[len(SUB) :])
        return term

    return [
        (URIRef(namespace + name), placed(s), placed(p), placed(o))
        for name in GRAPH_NAMES
        for s, p, o in graphs[name]
    ]


# ---------------------------------------------------------------- signed by the Nanopub toolkit


def _profile(key: str) -> Any:
    """The toolkit's signing profile for an RSA private key (PEM, PKCS #8 or #1, or base64 DER)."""
    from nanopub_sign import NpProfile

    try:
        return NpProfile(private_key=key)
    except Exception as err:  # the toolkit raises plain Exception for every failure
        raise SigningError(
            f"the key is not an RSA private key the Nanopub toolkit can use: {err}",
            hint="Give --key an RSA private key in PEM (PKCS #8 or PKCS #1), e.g. from "
            "`openssl genpkey -algorithm RSA -out key.pem`.",
        ) from err


def _signed(graphs: dict[str, list[Triple]], profile: Any) -> tuple[URIRef, bytes]:
    """Sign with the toolkit: it names the blank nodes, adds the signature and computes the Trusty URI.

    The unsigned nanopublication is given with the IRI `NANOPUB_BASE` and graphs `NANOPUB_BASE + name`,
    the form from which the toolkit mints `NANOPUB_BASE + <artifact code>`. The publication info already has
    a creation date, so the toolkit adds none; an RSA signature (PKCS #1 v1.5) is the same for the same bytes.
    """
    from nanopub_sign import Nanopub

    named = {name: [_skolemised(triple) for triple in triples] for name, triples in graphs.items()}
    unsigned = _trig(_quads(named, NANOPUB_BASE, NANOPUB_BASE), NANOPUB_BASE)
    signed = Nanopub(unsigned.decode("utf-8")).sign(profile)
    uri = signed.info()["uri"]
    uri = str(uri["value"] if isinstance(uri, dict) else uri)
    return URIRef(uri), _trig(_parsed(signed.rdf()), uri)


def _parsed(trig: str) -> list[Quad]:
    """The quads of the toolkit's TriG, to be written again in a stable order (its own order varies)."""
    import pyoxigraph as ox

    from pia_kg.rdf.terms import to_rdflib

    return [
        tuple(to_rdflib(term) for term in (quad.graph_name, quad.subject, quad.predicate, quad.object))
        for quad in ox.parse(trig.encode("utf-8"), format=ox.RdfFormat.TRIG)
    ]


# ---------------------------------------------------------------- TriG


def _trig(quads: list[Quad], uri: str) -> bytes:
    """Stable TriG: the used prefixes, then one block per graph in head, assertion, provenance, pubinfo
    order, subjects, predicates and objects sorted; blank nodes keep their canonical labels.

    The graphs of `uri` are `uri/<name>`; for the toolkit's unsigned input, `uri` ends with "/" and the
    graphs are `uri<name>`.
    """
    namespace = uri if uri.endswith("/") else uri + "/"
    prefixes = {"this": uri, "sub": namespace, "np": str(NP), "npx": str(NPX), **PREFIXES}
    used: set[str] = set()

    def term(node: Node) -> str:
        if isinstance(node, Literal):
            return _literal(node, term)
        if isinstance(node, BNode):
            return f"_:{node}"
        return _iri(str(node), prefixes, used)

    blocks = []
    for name in GRAPH_NAMES:
        graph_iri = namespace + name
        triples = [(s, p, o) for g, s, p, o in quads if str(g) == graph_iri]
        rows = sorted(((term(s), term(p), term(o)) for s, p, o in triples), key=_row_key)
        blocks.append(f"{term(URIRef(graph_iri))} {{\n{_turtle_rows(rows)}}}\n")
    header = "".join(f"@prefix {name}: <{prefixes[name]}> .\n" for name in prefixes if name in used)
    return (header + "\n" + "\n".join(blocks)).encode("utf-8")


def _row_key(row: tuple[str, str, str]) -> tuple[bool, str, bool, str, str]:
    subject, predicate, obj = row
    return (subject.startswith("_:"), subject, predicate != "a", predicate, obj)


def _turtle_rows(rows: list[tuple[str, str, str]]) -> str:
    """Triples grouped by subject (`;`) and predicate (`,`), one predicate a line."""
    lines: list[str] = []
    for index, (subject, predicate, obj) in enumerate(rows):
        previous = rows[index - 1] if index else None
        if previous is not None and previous[0] == subject and previous[1] == predicate:
            lines[-1] += f" ,\n            {obj}"
        elif previous is not None and previous[0] == subject:
            lines[-1] += f" ;\n        {predicate} {obj}"
        else:
            if lines:
                lines[-1] += " ."
            lines.append(f"    {subject} {predicate} {obj}")
    return "".join(f"{line}{' .' if number == len(lines) - 1 else ''}\n" for number, line in enumerate(lines))


_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?")


def _iri(iri: str, prefixes: dict[str, str], used: set[str]) -> str:
    """`a` for rdf:type, else a prefixed name with the longest namespace, else `<iri>`."""
    if iri == str(RDF.type):
        return "a"
    best = ""
    for name, namespace in prefixes.items():
        local = iri[len(namespace) :] if iri.startswith(namespace) else None
        valid = local is not None and (local == "" or _LOCAL.fullmatch(local) is not None)
        if valid and (not best or len(namespace) > len(prefixes[best])):
            best = name
    if not best:
        return f"<{iri}>"
    used.add(best)
    return f"{best}:{iri[len(prefixes[best]) :]}"


def _literal(literal: Literal, term: object) -> str:
    text = (
        str(literal)
        .replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )
    if literal.language:
        return f'"{text}"@{literal.language}'
    if literal.datatype is None or literal.datatype == XSD.string:
        return f'"{text}"'
    assert callable(term)
    return f'"{text}"^^{term(literal.datatype)}'


def _triple_key(triple: Triple) -> tuple[str, ...]:
    return tuple(term.n3() for term in triple)


# ---------------------------------------------------------------- writing the folder


def write_folder(output_dir: Path, nanopubs: list[Nanopublication]) -> None:
    """Write one file per nanopublication into a new folder, then put it in place of `output_dir`
    (export.replace_folder). A failure leaves `output_dir` as it was. An existing file, or a folder that holds
    anything but nanopublications (`*.trig` files), is refused: `-o ~` must never replace a home folder."""
    output_dir = Path(output_dir).absolute()
    if output_dir.exists() and not output_dir.is_dir():
        raise DataError(f"{output_dir}: is a file", hint="Nanopublications go to a folder: give -o DIR.")
    if output_dir.is_dir():
        foreign = sorted(
            entry.name for entry in output_dir.iterdir() if not (entry.is_file() and entry.suffix == ".trig")
        )
        if foreign:
            raise DataError(
                f"{output_dir}: holds {foreign[0]!r}, which is not a nanopublication; it would be replaced",
                hint="Give -o a new or empty folder, or one that an earlier export -f nanopub wrote.",
            )
    replace_folder(output_dir, {nanopub.file_name: nanopub.trig for nanopub in nanopubs})
