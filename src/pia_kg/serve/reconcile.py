"""The Reconciliation Service API 0.2 (`pia-kg serve`, `/reconcile`): match names in a table to the graph.

OpenRefine and other clients send names (`queries=`), get candidates with a type, a score and `match`, and may
fetch property values for the matched entities (`extend=`), each value beside the document it is derived from.
Everything is read from the served graph once, when the server starts; the answers are plain JSON objects that
the server writes (server.py), keys and rows in a fixed order: the same request gives the same bytes.

Matching compares normalised names: Unicode NFKD, combining marks removed, casefolded, split into words, a
leading article (le, la, les, l', the) dropped. The names of an entity are its labels (skos:prefLabel,
rdfs:label, schema:name), its alternative labels (skos:altLabel, skos:hiddenLabel), the source's own wording
for it as a party (pia:partyAsStated) and the labels of its jurisdiction (pia:jurisdiction). README gives the
score formula.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from difflib import SequenceMatcher
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from pia_kg.errors import PiaError
from pia_kg.publish.site.pages import resource_path
from pia_kg.rdf.labels import LABEL_PREDICATES, graph_label
from pia_kg.rdf.namespaces import ID_BASE, ORG, OWL, PIA, PROV, RDF, RDFS, SCHEMA, SKOS

Json = dict[str, Any]

SERVICE_NAME = "pia-kg: Public-Interest AI Knowledge Graph"
MAX_QUERIES = 50  # per batch; OpenRefine sends 10 (the manifest's batchSize)
MAX_LIMIT = 100  # candidates per query
MAX_QUERY_CHARS = 500  # a name, not a text: keeps the comparisons with every name short
DEFAULT_LIMIT = 10
MAX_EXTEND_IDS = 200
MIN_SIMILARITY = 0.5  # names less alike than this give no candidate
LANGUAGES = ("en", "fr")

# The types a column can be reconciled against, broadest first; a candidate has a type if it is an instance
# of it or of one of its subclasses in the ontology.
TYPES = (
    PIA.Organisation,
    PIA.GovernmentOrganisation,
    PIA.Person,
    PIA.Agreement,
    PIA.FundingCommitment,
    PIA.Programme,
    PIA.Place,
    PIA.Event,
    PIA.SourceDocument,
)

# How a name was found, and its weight in the score: a label counts fully, the source's wording for a party a
# little less, the name of an organisation's jurisdiction least (France is not the Government of France).
LABEL, ALT_LABEL, AS_STATED, JURISDICTION = (
    "label",
    "alternative label",
    "as stated in the source",
    "jurisdiction",
)
WEIGHTS = {LABEL: 1.0, ALT_LABEL: 0.95, AS_STATED: 0.9, JURISDICTION: 0.8}
KINDS = (LABEL, ALT_LABEL, AS_STATED, JURISDICTION)  # a tie between names goes to the first kind
EXACT_KINDS = (LABEL, ALT_LABEL, AS_STATED)  # an exact name of these kinds can make `match: true`
ALT_PREDICATES = (SKOS.altLabel, SKOS.hiddenLabel)
ARTICLES = frozenset({"le", "la", "les", "l", "the"})


class ReconcileError(PiaError):
    """A malformed reconciliation request: the server answers 400 with the message and the hint as JSON."""


# ------------------------------------------------------------------ names


def normalise(text: str) -> str:
    """Words of `text` without accents, casefolded, without a leading article: `L'Élysée` -> `elysee`."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    words = re.findall(r"[^\W_]+", plain)
    if len(words) > 1 and words[0] in ARTICLES:
        words = words[1:]
    return " ".join(words)


def similarity(query: str, name: str) -> float:
    """1 for equal normalised names; else the larger of difflib's ratio and, when every word of the query is
    a word of the name, 0.6 + 0.3 x (query words / name words). Both in [0, 1), rounded to 4 places."""
    if query == name:
        return 1.0
    ratio = SequenceMatcher(None, query, name, autojunk=False).ratio()
    query_words, name_words = set(query.split()), set(name.split())
    if query_words and query_words <= name_words:
        ratio = max(ratio, 0.6 + 0.3 * len(query_words) / len(name_words))
    return round(min(ratio, 0.9999), 4)


@dataclass(frozen=True)
class Name:
    """One name of an entity: its normalised form, the text as written and how it was found."""

    key: str
    text: str
    kind: str


@dataclass(frozen=True)
class Entity:
    """A resource that can be a candidate: its IRI, classes (asserted and inferred), shown types and names."""

    iri: URIRef
    classes: frozenset[URIRef]
    types: tuple[URIRef, ...]  # shown with a candidate: asserted classes, then service types, specific first
    names: tuple[Name, ...]


@dataclass(frozen=True)
class Candidate:
    """An entity found for a query, with its score, its best name and how many constraints it meets."""

    entity: Entity
    score: float
    similarity: float
    name: Name
    satisfied: int
    constraints: int


# ------------------------------------------------------------------ data extension properties

Path = Callable[[Graph, URIRef], Iterable[tuple[Node, Node]]]  # (value, the node whose source it is)


@dataclass(frozen=True)
class Property:
    """A property a client can fetch (data extension) or constrain a query with."""

    id: str
    names: Mapping[str, str]  # language -> name
    types: tuple[URIRef, ...]  # the service types it is proposed for
    path: Path


def _labels_in(lang: str) -> Path:
    def path(graph: Graph, iri: URIRef) -> Iterable[tuple[Node, Node]]:
        for predicate in LABEL_PREDICATES:
            for label in graph.objects(iri, predicate):
                if isinstance(label, Literal) and (label.language or lang) == lang:
                    yield label, iri

    return path


def _objects(predicate: URIRef) -> Path:
    return lambda graph, iri: ((value, iri) for value in graph.objects(iri, predicate))


def _subjects(predicate: URIRef) -> Path:
    return lambda graph, iri: ((fact, fact) for fact in graph.subjects(predicate, iri))


def _posts(graph: Graph, iri: URIRef) -> Iterable[tuple[Node, Node]]:
    yield from ((post, post) for post in graph.objects(iri, ORG.holds))
    yield from ((post, post) for post in graph.subjects(ORG.postIn, iri))


def _organisations(graph: Graph, iri: URIRef) -> Iterable[tuple[Node, Node]]:
    """The organisations of a person's posts and of an agent's memberships (ORG)."""
    for post in graph.objects(iri, ORG.holds):
        yield from ((unit, post) for unit in graph.objects(post, ORG.postIn))
    for membership in graph.subjects(ORG.member, iri):
        yield from ((unit, membership) for unit in graph.objects(membership, ORG.organization))


def _parties(graph: Graph, iri: URIRef) -> Iterable[tuple[Node, Node]]:
    for party in graph.objects(iri, PIA.hasParty):
        yield from ((agent, party) for agent in graph.objects(party, PIA.agent))


def _parties_as_stated(graph: Graph, iri: URIRef) -> Iterable[tuple[Node, Node]]:
    for party in graph.objects(iri, PIA.hasParty):
        yield from ((text, party) for text in graph.objects(party, PIA.partyAsStated))


def _agreements(graph: Graph, iri: URIRef) -> Iterable[tuple[Node, Node]]:
    for party in graph.subjects(PIA.agent, iri):
        yield from ((agreement, party) for agreement in graph.subjects(PIA.hasParty, party))


def _amount_part(predicate: URIRef) -> Path:
    def path(graph: Graph, iri: URIRef) -> Iterable[tuple[Node, Node]]:
        for amount in graph.objects(iri, SCHEMA.amount):
            yield from ((value, iri) for value in graph.objects(amount, predicate))

    return path


ORGANISATIONS = (PIA.Organisation, PIA.GovernmentOrganisation)
PROPERTIES = (
    Property("label-en", {"en": "label (English)", "fr": "libellé (anglais)"}, TYPES, _labels_in("en")),
    Property("label-fr", {"en": "label (French)", "fr": "libellé (français)"}, TYPES, _labels_in("fr")),
    Property("type", {"en": "type", "fr": "type"}, TYPES, _objects(RDF.type)),
    Property(
        "source",
        {"en": "source document", "fr": "document source"},
        TYPES,
        _objects(PROV.wasDerivedFrom),
    ),
    Property("posts", {"en": "posts", "fr": "postes"}, (*ORGANISATIONS, PIA.Person), _posts),
    Property(
        "organisation",
        {"en": "organisation", "fr": "organisation"},
        (*ORGANISATIONS, PIA.Person),
        _organisations,
    ),
    Property(
        "jurisdiction", {"en": "jurisdiction", "fr": "juridiction"}, ORGANISATIONS, _objects(PIA.jurisdiction)
    ),
    Property("agreements", {"en": "party to", "fr": "partie à"}, (*ORGANISATIONS,), _agreements),
    Property("parties", {"en": "parties", "fr": "parties"}, (PIA.Agreement,), _parties),
    Property(
        "parties-as-stated",
        {"en": "parties as stated in the source", "fr": "parties telles que nommées par la source"},
        (PIA.Agreement,),
        _parties_as_stated,
    ),
    Property(
        "funding-given",
        {"en": "funding commitments made", "fr": "engagements financiers pris"},
        ORGANISATIONS,
        _subjects(SCHEMA.funder),
    ),
    Property(
        "funding-received",
        {"en": "funding commitments received", "fr": "engagements financiers reçus"},
        ORGANISATIONS,
        _subjects(PIA.recipient),
    ),
    Property(
        "funders", {"en": "funders", "fr": "financeurs"}, (PIA.FundingCommitment,), _objects(SCHEMA.funder)
    ),
    Property(
        "recipient",
        {"en": "recipient", "fr": "bénéficiaire"},
        (PIA.FundingCommitment,),
        _objects(PIA.recipient),
    ),
    Property(
        "supports",
        {"en": "programmes supported", "fr": "programmes soutenus"},
        (PIA.FundingCommitment,),
        _objects(PIA.supports),
    ),
    Property(
        "amount", {"en": "amount", "fr": "montant"}, (PIA.FundingCommitment,), _amount_part(SCHEMA.value)
    ),
    Property(
        "currency",
        {"en": "currency (stated code)", "fr": "devise (code)"},
        (PIA.FundingCommitment,),
        _amount_part(SCHEMA.currency),
    ),
    Property(
        "assumed-currency",
        {"en": "currency assumed by the curators", "fr": "devise supposée par les curateurs"},
        (PIA.FundingCommitment,),
        _amount_part(PIA.assumedCurrency),
    ),
    Property(
        "currency-as-stated",
        {"en": "currency as stated in the source", "fr": "devise telle qu\u2019écrite dans la source"},
        (PIA.FundingCommitment,),
        _amount_part(PIA.currencyAsStated),
    ),
)
SOURCE_SUFFIX = ".source"  # `<property>.source`: the document of each value of `<property>`, row by row
PROPERTY_BY_ID = {prop.id: prop for prop in PROPERTIES}


# ------------------------------------------------------------------ the service


class Reconciler:
    """The reconciliation service over one graph (data and ontology), indexed once."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.superclasses = _superclasses(graph)
        self.known_types = frozenset(
            iri
            for iri in (*self.superclasses, *TYPES)
            if isinstance(iri, URIRef) and iri.startswith(str(PIA))
        )
        self.entities = self._index()
        self.by_iri = {entity.iri: entity for entity in self.entities}
        self.documents = frozenset(e.iri for e in self.entities if PIA.SourceDocument in e.classes)

    # -------------------------------------------------------------- index

    def _index(self) -> tuple[Entity, ...]:
        stated: dict[Node, list[Literal]] = {}
        for party, text in self.graph.subject_objects(PIA.partyAsStated):
            for agent in self.graph.objects(party, PIA.agent):
                stated.setdefault(agent, []).append(text)  # type: ignore[arg-type]
        entities = []
        for iri in sorted({s for s in self.graph.subjects(RDF.type, None) if isinstance(s, URIRef)}):
            asserted = {c for c in self.graph.objects(iri, RDF.type) if isinstance(c, URIRef)}
            classes = frozenset(asserted | {sup for c in asserted for sup in self.superclasses.get(c, ())})
            if not iri.startswith(ID_BASE) or not classes & set(TYPES):
                continue
            names = [
                Name(normalise(str(t)), str(t), LABEL)
                for p in LABEL_PREDICATES
                for t in self._literals(iri, p)
            ]
            names += [
                Name(normalise(str(t)), str(t), ALT_LABEL)
                for p in ALT_PREDICATES
                for t in self._literals(iri, p)
            ]
            names += [Name(normalise(str(t)), str(t), AS_STATED) for t in stated.get(iri, ())]
            for place in self.graph.objects(iri, PIA.jurisdiction):
                names += [
                    Name(normalise(str(t)), str(t), JURISDICTION)
                    for t in self._literals(place, SKOS.prefLabel)
                ]
            unique = tuple(
                sorted({name for name in names if name.key}, key=lambda n: (n.kind, n.key, n.text))
            )
            entities.append(Entity(iri, classes, self._shown_types(asserted), unique))
        return tuple(entities)

    def _literals(self, subject: Node, predicate: URIRef) -> list[Literal]:
        return sorted(
            (obj for obj in self.graph.objects(subject, predicate) if isinstance(obj, Literal)),
            key=lambda lit: (lit.language or "", str(lit)),
        )

    def _shown_types(self, asserted: set[URIRef]) -> tuple[URIRef, ...]:
        """Asserted ontology classes, then the service types they fall under, the most specific first."""
        own = sorted(c for c in asserted if c.startswith(str(PIA)))
        implied = {t for t in TYPES for c in asserted if t == c or t in self.superclasses.get(c, ())}
        depth = {t: len(self.superclasses.get(t, ())) for t in implied}
        ordered = sorted(implied - set(own), key=lambda t: (-depth[t], str(t)))
        return (*own, *ordered)

    # -------------------------------------------------------------- labels

    def label(self, node: Node, lang: str) -> str:
        """The label of `node` for a reader of `lang` (rdf/labels.py's best_label), else its IRI."""
        found = graph_label(self.graph, node, lang)
        return str(found) if found is not None else str(node)

    def type_json(self, iri: URIRef, lang: str) -> Json:
        return {"id": str(iri), "name": self.label(iri, lang)}

    # -------------------------------------------------------------- manifest

    def manifest(self, base: str, lang: str) -> Json:
        """The service manifest; `base` is the server's root URL (`http://host:port/`)."""
        service = base.rstrip("/") + "/reconcile"
        return {
            "versions": ["0.2"],
            "name": SERVICE_NAME,
            "identifierSpace": ID_BASE,
            "schemaSpace": str(PIA),
            "defaultTypes": [self.type_json(t, lang) for t in TYPES],
            "view": {"url": service + "/view?id={{id}}"},
            "preview": {"url": service + "/preview?id={{id}}", "width": 400, "height": 160},
            "suggest": {
                "entity": {"service_url": service, "service_path": "/suggest/entity"},
                "type": {"service_url": service, "service_path": "/suggest/type"},
                "property": {"service_url": service, "service_path": "/suggest/property"},
            },
            "extend": {
                "propose_properties": {"service_url": service, "service_path": "/properties"},
                "property_settings": [],
            },
            "batchSize": 10,
        }

    # -------------------------------------------------------------- reconciliation queries

    def reconcile(self, text: str, lang: str) -> Json:
        """Answer a query batch (the JSON of `queries=`): `{key: {"result": [candidate, ...]}}`."""
        batch = _json_object(text, "queries")
        if len(batch) > MAX_QUERIES:
            raise ReconcileError(
                f"queries: {len(batch)} queries in one batch, more than {MAX_QUERIES}",
                hint=f"Send at most {MAX_QUERIES} queries per request.",
            )
        return {key: {"result": self._answer(key, query, lang)} for key, query in sorted(batch.items())}

    def _answer(self, key: str, query: Any, lang: str) -> list[Json]:
        where = f"queries[{json.dumps(key, ensure_ascii=False)}]"
        if not isinstance(query, dict):
            raise ReconcileError(f'{where}: expected an object such as {{"query": "Current AI"}}')
        unknown = sorted(set(query) - {"query", "type", "limit", "properties", "type_strict"})
        if unknown:
            raise ReconcileError(
                f"{where}: unknown member {unknown[0]!r}", hint="See the Reconciliation API 0.2."
            )
        text = query.get("query", "")
        if not isinstance(text, str):
            raise ReconcileError(f"{where}.query: expected a string")
        if len(text) > MAX_QUERY_CHARS:
            raise ReconcileError(
                f"{where}.query: longer than {MAX_QUERY_CHARS} characters", hint="Send a name."
            )
        types = self._query_types(where, query.get("type"))
        strict = query.get("type_strict", "any")
        if strict not in ("any", "should", "all"):
            raise ReconcileError(f"{where}.type_strict: expected any, should or all, not {strict!r}")
        limit = _limit(f"{where}.limit", query.get("limit", DEFAULT_LIMIT))
        constraints = self._constraints(where, query.get("properties", []))
        if not text.strip() and not constraints:
            raise ReconcileError(f"{where}: give a non-empty query or at least one property")
        candidates = self._candidates(normalise(text), types, strict == "all", constraints)
        exact = [c for c in candidates if c.similarity == 1.0 and c.name.kind in EXACT_KINDS]
        unique = len(exact) == 1 and exact[0].satisfied == exact[0].constraints
        return [self._candidate_json(c, lang, unique and c is exact[0]) for c in candidates[:limit]]

    def _query_types(self, where: str, value: Any) -> tuple[URIRef, ...]:
        if value is None:
            return ()
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(item, str) for item in values):
            raise ReconcileError(f"{where}.type: expected a type id or a list of type ids")
        for item in values:
            if URIRef(item) not in self.known_types:
                raise ReconcileError(
                    f"{where}.type: unknown type {item!r}",
                    hint="Use a type of the manifest's defaultTypes or /reconcile/suggest/type.",
                )
        return tuple(URIRef(item) for item in values)

    def _constraints(self, where: str, value: Any) -> list[tuple[Property, list[Any]]]:
        if not isinstance(value, list):
            raise ReconcileError(f'{where}.properties: expected a list of {{"pid": ..., "v": ...}}')
        constraints = []
        for index, item in enumerate(value):
            at = f"{where}.properties[{index}]"
            if not isinstance(item, dict) or set(item) - {"pid", "v"} or "pid" not in item or "v" not in item:
                raise ReconcileError(f"{at}: expected an object with pid and v")
            prop = PROPERTY_BY_ID.get(item["pid"]) if isinstance(item["pid"], str) else None
            if prop is None:
                raise ReconcileError(
                    f"{at}.pid: unknown property {item['pid']!r}",
                    hint="Use a property id from /reconcile/suggest/property.",
                )
            wanted = item["v"] if isinstance(item["v"], list) else [item["v"]]
            for v in wanted:
                if not _property_value(v):
                    raise ReconcileError(f'{at}.v: expected a string, number, boolean or {{"id": ...}}')
            constraints.append((prop, wanted))
        return constraints

    def _candidates(
        self,
        key: str,
        types: tuple[URIRef, ...],
        all_types: bool,
        constraints: list[tuple[Property, list[Any]]],
    ) -> list[Candidate]:
        found = []
        for entity in self.entities:
            wanted = [t in entity.classes for t in types]
            if types and not (all(wanted) if all_types else any(wanted)):
                continue
            best = self._best_name(key, entity) if key else None
            if key and best is None:
                continue
            satisfied = sum(self._satisfies(entity.iri, prop, values) for prop, values in constraints)
            if not key and not satisfied:
                continue
            sim, name = best if best is not None else (0.0, Name("", "", LABEL))
            factor = (1 + satisfied) / (1 + len(constraints))
            score = round(100 * (WEIGHTS[name.kind] * sim if key else 1.0) * factor, 2)
            found.append(Candidate(entity, score, sim, name, satisfied, len(constraints)))
        return sorted(found, key=lambda c: (-c.score, str(c.entity.iri)))

    @staticmethod
    def _best_name(key: str, entity: Entity) -> tuple[float, Name] | None:
        scored = [(similarity(key, name.key), name) for name in entity.names]
        scored = [(sim, name) for sim, name in scored if sim >= MIN_SIMILARITY]
        if not scored:
            return None
        return max(scored, key=lambda pair: (WEIGHTS[pair[1].kind] * pair[0], -KINDS.index(pair[1].kind)))

    def _satisfies(self, iri: URIRef, prop: Property, wanted: list[Any]) -> bool:
        values = [value for value, _ in prop.path(self.graph, iri)]
        return any(self._same(value, item) for value in values for item in wanted)

    def _same(self, value: Node, item: Any) -> bool:
        if isinstance(item, dict):
            return bool(str(value) == item["id"])
        if isinstance(value, Literal):
            if isinstance(item, (int, float)) and not isinstance(item, bool):
                try:
                    return float(value.toPython()) == float(item)
                except (TypeError, ValueError):
                    return False
            return normalise(str(item)) == normalise(str(value))
        for node in (value, *self._parents(value)):
            if str(node) == str(item):
                return True
            entity = self.by_iri.get(node) if isinstance(node, URIRef) else None
            names = entity.names if entity is not None else ()
            if isinstance(item, str) and any(
                n.key == normalise(item) and n.kind in EXACT_KINDS for n in names
            ):
                return True
        return False

    def _parents(self, node: Node) -> list[Node]:
        """The organisations `node` is part of (org:subOrganizationOf, transitively): a committee's member
        satisfies a constraint on the organisation the committee belongs to."""
        found: list[Node] = []
        todo = list(self.graph.objects(node, ORG.subOrganizationOf))
        while todo:
            current = todo.pop()
            if current not in found:
                found.append(current)
                todo.extend(self.graph.objects(current, ORG.subOrganizationOf))
        return found

    def _candidate_json(self, candidate: Candidate, lang: str, match: bool) -> Json:
        entity = candidate.entity
        result: Json = {
            "id": str(entity.iri),
            "name": self.label(entity.iri, lang),
            "score": candidate.score,
            "match": match,
            "type": [self.type_json(t, lang) for t in entity.types],
            "features": [{"id": "name", "value": candidate.similarity}],
        }
        if candidate.name.text:
            result["description"] = f"{candidate.name.kind}: {candidate.name.text}"
        if candidate.constraints:
            result["features"].append(
                {"id": "properties", "value": candidate.satisfied / candidate.constraints}
            )
        return result

    # -------------------------------------------------------------- suggest and property proposals

    def suggest_entities(self, prefix: str, cursor: str | None, lang: str) -> Json:
        """Entities a name starts with `prefix` (normalised), or a word of it does; the best first."""
        key, start = normalise(prefix), _cursor(cursor)
        found = []
        for entity in self.entities:
            hits = [name for name in entity.names if name.kind in EXACT_KINDS and _starts(name.key, key)]
            if key and hits:
                best = max(similarity(key, name.key) * WEIGHTS[name.kind] for name in hits)
                found.append((-round(best, 4), str(entity.iri), entity))
        result = [
            {
                "id": str(entity.iri),
                "name": self.label(entity.iri, lang),
                "notable": [self.type_json(t, lang) for t in entity.types],
            }
            for _, _, entity in sorted(found)[start : start + DEFAULT_LIMIT]
        ]
        return {"result": result}

    def suggest_types(self, prefix: str, cursor: str | None, lang: str) -> Json:
        """Types of the ontology whose label (English or French) or local name starts with `prefix`."""
        key, start = normalise(prefix), _cursor(cursor)
        hits = []
        for iri in sorted(self.known_types):
            names = [normalise(str(lit)) for lit in self._literals(iri, RDFS.label)] + [
                normalise(iri[len(PIA) :])
            ]
            if any(_starts(name, key) for name in names):
                hits.append(self.type_json(iri, lang))
        return {"result": hits[start : start + DEFAULT_LIMIT]}

    def suggest_properties(self, prefix: str, cursor: str | None, lang: str) -> Json:
        """Properties (with their `.source` companions) whose id or name starts with `prefix`."""
        key, start = normalise(prefix), _cursor(cursor)
        hits = [
            entry
            for prop in PROPERTIES
            for entry in _property_entries(prop, lang)
            if _starts(normalise(entry["id"]), key) or _starts(normalise(entry["name"]), key)
        ]
        return {"result": hits[start : start + DEFAULT_LIMIT]}

    def propose_properties(self, type_id: str | None, limit: str | None, lang: str) -> Json:
        """The properties to fetch for entities of `type_id` (every property without one)."""
        count = _limit("limit", limit if limit is None else _integer_text("limit", limit), default=MAX_LIMIT)
        chosen: tuple[Property, ...] = PROPERTIES
        answer: Json = {}
        if type_id:
            if URIRef(type_id) not in self.known_types:
                raise ReconcileError(
                    f"type: unknown type {type_id!r}", hint="Use a type of /reconcile/suggest/type."
                )
            wanted = {URIRef(type_id), *self.superclasses.get(URIRef(type_id), ())}
            chosen = tuple(prop for prop in PROPERTIES if wanted & set(prop.types))
            answer["type"] = type_id
        entries = [entry for prop in chosen for entry in _property_entries(prop, lang)]
        answer["properties"] = entries[:count]
        answer["limit"] = count
        return answer

    # -------------------------------------------------------------- data extension

    def extend(self, text: str, lang: str) -> Json:
        """Answer a data extension query (the JSON of `extend=`): values of each property for each id, and
        for `<property>.source` the document of each of those values, in the same order."""
        query = _json_object(text, "extend")
        ids, properties = query.get("ids"), query.get("properties")
        if not isinstance(ids, list) or not all(isinstance(item, str) for item in ids):
            raise ReconcileError("extend.ids: expected a list of entity ids")
        if len(ids) > MAX_EXTEND_IDS:
            raise ReconcileError(
                f"extend.ids: {len(ids)} ids, more than {MAX_EXTEND_IDS}", hint="Send fewer ids."
            )
        if not isinstance(properties, list) or not properties:
            raise ReconcileError('extend.properties: expected a non-empty list of {"id": ...}')
        requested: list[tuple[str, Property, bool]] = []
        for index, item in enumerate(properties):
            pid = item.get("id") if isinstance(item, dict) else None
            if not isinstance(pid, str) or (
                isinstance(item, dict) and not isinstance(item.get("settings", {}), dict)
            ):
                raise ReconcileError(
                    f"extend.properties[{index}]: expected an object with an id (and settings)"
                )
            base, is_source = (
                (pid[: -len(SOURCE_SUFFIX)], True) if pid.endswith(SOURCE_SUFFIX) else (pid, False)
            )
            prop = PROPERTY_BY_ID.get(base)
            if prop is None or pid == "source" + SOURCE_SUFFIX:
                raise ReconcileError(
                    f"extend.properties[{index}].id: unknown property {pid!r}",
                    hint="Use a property id from /reconcile/properties.",
                )
            requested.append((pid, prop, is_source))
        meta = []
        for _pid, prop, is_source in requested:
            entry = _property_entry(prop, lang, source=is_source)
            if is_source:
                entry["type"] = self.type_json(PIA.SourceDocument, lang)
            meta.append(entry)
        rows = {
            iri: {pid: self._values(URIRef(iri), prop, is_source, lang) for pid, prop, is_source in requested}
            for iri in ids
        }
        return {"meta": meta, "rows": rows}

    def _values(self, iri: URIRef, prop: Property, is_source: bool, lang: str) -> list[Json]:
        """The values of `prop` for `iri`, sorted; with `is_source`, the document of each of them instead
        (an empty object where a value has none)."""
        if iri not in self.by_iri and not (iri.startswith(ID_BASE) and (iri, None, None) in self.graph):
            return []
        pairs = sorted(set(prop.path(self.graph, iri)), key=lambda pair: (_sort_key(pair[0]), str(pair[1])))
        if not is_source:
            return [self._value_json(value, lang) for value, _ in pairs]
        answer = []
        for _, fact in pairs:
            documents = sorted(
                doc for doc in self.graph.objects(fact, PROV.wasDerivedFrom) if isinstance(doc, URIRef)
            )
            if not documents and isinstance(fact, URIRef) and fact in self.documents:
                documents = [fact]  # a document is its own source
            answer.append(
                {"id": str(documents[0]), "name": self.label(documents[0], lang)} if documents else {}
            )
        return answer

    def _value_json(self, value: Node, lang: str) -> Json:
        if isinstance(value, URIRef):
            return {"id": str(value), "name": self.label(value, lang)}
        if isinstance(value, Literal):
            python = value.toPython()
            if isinstance(python, bool) or not isinstance(python, (int, float, Decimal)):
                return {"str": str(value)}
            if isinstance(python, int):
                return {"int": python}
            number = float(python)
            return {"float": number} if math.isfinite(number) else {"str": str(value)}
        return {"str": str(value)}

    # -------------------------------------------------------------- preview and view

    def preview(self, iri: str, lang: str) -> PreviewCard | None:
        """The card of an entity (label, type, source) for `/reconcile/preview`, or None if unknown."""
        entity = self.by_iri.get(URIRef(iri))
        if entity is None:
            return None
        other = "fr" if lang == "en" else "en"
        sources = sorted(
            {doc for doc in self.graph.objects(entity.iri, PROV.wasDerivedFrom) if isinstance(doc, URIRef)}
        )
        return PreviewCard(
            lang=lang,
            iri=str(entity.iri),
            label=self.label(entity.iri, lang),
            other_label=self.label(entity.iri, other),
            types=tuple(self.label(t, lang) for t in entity.types),
            page=_local_page(entity.iri),
            sources=tuple((self.label(doc, lang), _local_page(doc)) for doc in sources),
        )

    def view_path(self, iri: str) -> str | None:
        """The server's own page of an entity (`/id/<type>/<slug>`), for the manifest's view URL."""
        return _local_page(URIRef(iri)) if URIRef(iri) in self.by_iri else None


@dataclass(frozen=True)
class PreviewCard:
    """What the preview template shows; `page` and the sources' pages are server paths, or None."""

    lang: str
    iri: str
    label: str
    other_label: str
    types: tuple[str, ...]
    page: str | None
    sources: tuple[tuple[str, str | None], ...]


# ------------------------------------------------------------------ helpers


def _superclasses(graph: Graph) -> dict[URIRef, frozenset[URIRef]]:
    """Every class of the ontology -> all its superclasses (rdfs:subClassOf, transitively)."""
    direct: dict[URIRef, set[URIRef]] = {}
    for sub, sup in graph.subject_objects(RDFS.subClassOf):
        if isinstance(sub, URIRef) and isinstance(sup, URIRef):
            direct.setdefault(sub, set()).add(sup)
    for cls in graph.subjects(RDF.type, OWL.Class):
        if isinstance(cls, URIRef):
            direct.setdefault(cls, set())
    closure: dict[URIRef, frozenset[URIRef]] = {}
    for cls in direct:
        seen: set[URIRef] = set()
        todo = list(direct[cls])
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(direct.get(current, ()))
        closure[cls] = frozenset(seen)
    return closure


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as err:  # RecursionError: arrays nested thousands deep
        raise ReconcileError(
            f"{what}: not valid JSON ({err})", hint=f"Send {what}= as a JSON object."
        ) from err
    if not isinstance(document, dict):
        raise ReconcileError(f"{what}: expected a JSON object, not {type(document).__name__}")
    return document


def _limit(where: str, value: Any, *, default: int = DEFAULT_LIMIT) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise ReconcileError(f"{where}: expected a whole number, not {json.dumps(value)}")
    if not 1 <= value <= MAX_LIMIT:
        raise ReconcileError(f"{where}: expected 1 to {MAX_LIMIT}, not {int(value)}")
    return int(value)


def _integer_text(where: str, text: str) -> int:
    if not re.fullmatch(r"[0-9]{1,6}", text):
        raise ReconcileError(f"{where}: expected a whole number, not {text!r}")
    return int(text)


def _cursor(text: str | None) -> int:
    return 0 if text is None or text == "" else _integer_text("cursor", text)


def _starts(name: str, key: str) -> bool:
    return name.startswith(key) or any(word.startswith(key) for word in name.split())


def _property_value(value: Any) -> bool:
    if isinstance(value, dict):
        return isinstance(value.get("id"), str) and set(value) <= {"id", "name"}
    return isinstance(value, (str, int, float))


def _property_entry(prop: Property, lang: str, *, source: bool) -> Json:
    name = prop.names.get(lang, prop.names["en"])
    if source:
        return {"id": prop.id + SOURCE_SUFFIX, "name": ("source: " if lang == "en" else "source : ") + name}
    return {"id": prop.id, "name": name}


def _property_entries(prop: Property, lang: str) -> list[Json]:
    """A property and its `.source` companion (the `source` property is its own)."""
    if prop.id == "source":
        return [_property_entry(prop, lang, source=False)]
    return [_property_entry(prop, lang, source=False), _property_entry(prop, lang, source=True)]


def _sort_key(node: Node) -> tuple[str, str]:
    return (getattr(node, "language", None) or "", str(node))


def _local_page(iri: URIRef) -> str | None:
    path = resource_path(str(iri))
    return "/" + path if path else None
