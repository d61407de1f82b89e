"""The project's prefixes, in one place: every module and every output binds exactly these.

One ontology namespace, one instance namespace per type under `ID_BASE` (README, "How the data is
modelled").
"""

from __future__ import annotations

import re
from functools import lru_cache

from rdflib import Graph, Namespace, URIRef

PIA = Namespace("https://w3id.org/pia-kg/ns#")
ID_BASE = "https://w3id.org/pia-kg/id/"

ORGANISATION = Namespace(f"{ID_BASE}organisation/")
PERSON = Namespace(f"{ID_BASE}person/")
PLACE = Namespace(f"{ID_BASE}place/")
EVENT = Namespace(f"{ID_BASE}event/")
AGREEMENT = Namespace(f"{ID_BASE}agreement/")
PARTY = Namespace(f"{ID_BASE}party/")
FUNDING = Namespace(f"{ID_BASE}funding/")
PROGRAMME = Namespace(f"{ID_BASE}programme/")
STATEMENT = Namespace(f"{ID_BASE}statement/")
MEMBERSHIP = Namespace(f"{ID_BASE}membership/")
POST = Namespace(f"{ID_BASE}post/")
DOC = Namespace(f"{ID_BASE}doc/")
THEME = Namespace(f"{ID_BASE}theme/")

RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SH = Namespace("http://www.w3.org/ns/shacl#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
ORG = Namespace("http://www.w3.org/ns/org#")
PROV = Namespace("http://www.w3.org/ns/prov#")
OA = Namespace("http://www.w3.org/ns/oa#")
SCHEMA = Namespace("https://schema.org/")
TIME = Namespace("http://www.w3.org/2006/time#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
VOID = Namespace("http://rdfs.org/ns/void#")

PREFIXES: dict[str, str] = {
    "pia": str(PIA),
    "organisation": str(ORGANISATION),
    "person": str(PERSON),
    "place": str(PLACE),
    "event": str(EVENT),
    "agreement": str(AGREEMENT),
    "party": str(PARTY),
    "funding": str(FUNDING),
    "programme": str(PROGRAMME),
    "statement": str(STATEMENT),
    "membership": str(MEMBERSHIP),
    "post": str(POST),
    "doc": str(DOC),
    "theme": str(THEME),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "sh": str(SH),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "foaf": str(FOAF),
    "org": str(ORG),
    "prov": str(PROV),
    "oa": str(OA),
    "schema": str(SCHEMA),
    "time": str(TIME),
    "dcat": str(DCAT),
    "void": str(VOID),
}


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the project prefixes (replacing any other binding of the same prefix) and return the graph."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, Namespace(namespace), override=True, replace=True)
    return graph


def sparql_prefix_block() -> str:
    """Return `PREFIX p: <ns>` lines for every project prefix, for queries written without their own."""
    return "".join(f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in PREFIXES.items())


_CURIE_LOCAL = re.compile(r"[\w.-]+")  # \w: what str.isalnum() accepts, and _


def compact_iri(iri: str) -> str:
    """Shorten an IRI to a CURIE with the longest matching project namespace, else `<iri>`.

    Every project namespace ends with `/` or `#`, and a CURIE's local part holds neither: the namespace can
    only be the IRI up to its last `/` or `#`, found in one lookup."""
    cut = max(iri.rfind("/"), iri.rfind("#")) + 1
    prefix = _prefix_of_namespace().get(iri[:cut]) if cut else None
    if prefix is not None:
        local = iri[cut:]
        if local and not local.endswith(".") and _CURIE_LOCAL.fullmatch(local):
            return f"{prefix}:{local}"
    return f"<{iri}>"


@lru_cache(maxsize=1)
def _prefix_of_namespace() -> dict[str, str]:
    """Namespace -> prefix (the first prefix of a namespace bound twice)."""
    found: dict[str, str] = {}
    for prefix, namespace in PREFIXES.items():
        if not namespace.endswith(("/", "#")):
            raise ValueError(f"namespace {namespace} must end with / or #")
        found.setdefault(namespace, prefix)
    return found


def expand_curie(curie: str, *, prefixes: dict[str, str] | None = None) -> URIRef | None:
    """Turn `prefix:local` (or `<iri>`) into an IRI with `prefixes` (default: the project's), else None."""
    text = curie.strip()
    if text.startswith("<") and text.endswith(">"):
        return URIRef(text[1:-1])
    prefix, sep, local = text.partition(":")
    namespace = (prefixes if prefixes is not None else PREFIXES).get(prefix)
    if not sep or namespace is None:
        return None
    return URIRef(namespace + local)
