"""The one rule that chooses a term's label, wherever one is shown: findings, `--labels`, the site's pages,
reconciliation, `pia-kg diff`, `pia-kg cite`.

Callers gather a term's label literals their own way (from an rdflib graph, from the store, from a cache) as
(predicate, literal) pairs, and `best_label` chooses among them:

1. Language first. A literal in the asked language; else one in the other language of the site (English,
   French; for another asked language, English then French); else any other literal. A French label is a
   better answer to an English reader than the IRI, and a label in the reader's language beats a better-kind
   label in another.
2. Then the predicate, in LABEL_PREDICATES order: skos:prefLabel, the label the project curates for its
   resources (CONTRIBUTING.md); rdfs:label, which prefLabel specialises and which the ontology's terms carry;
   schema:name, which a few resources carry without a language. No subject of ontology/ or data/ has labels
   in two of these, so the order only decides for data yet to come. A predicate outside them ranks after
   them, by IRI.
3. Then (language, text), untagged first: the choice never depends on the order the triples were parsed or
   stored in.

Language tags compare in lower case (rdf/literals.py writes them so anyway).
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from pia_kg.rdf.namespaces import RDFS, SCHEMA, SKOS

LABEL_PREDICATES: tuple[URIRef, ...] = (SKOS.prefLabel, RDFS.label, SCHEMA.name)
SITE_LANGUAGES = ("en", "fr")
_PREDICATE_RANK = {predicate: rank for rank, predicate in enumerate(LABEL_PREDICATES)}


def best_label(labels: Iterable[tuple[Node, Node]], lang: str = "en") -> Literal | None:
    """The label to show for a term among its (predicate, object) pairs, by the rule of this module; objects
    that are not literals are skipped. None if there is no literal."""
    languages = [lang.lower(), *(code for code in SITE_LANGUAGES if code != lang.lower())]
    best: tuple[int, int, str, str, str, str] | None = None
    chosen: Literal | None = None
    for predicate, literal in labels:
        if not isinstance(literal, Literal):
            continue
        language = (literal.language or "").lower()
        rank = _PREDICATE_RANK.get(predicate)  # type: ignore[call-overload]
        key = (
            languages.index(language) if language in languages else len(languages),
            rank if rank is not None else len(LABEL_PREDICATES),
            "" if rank is not None else str(predicate),
            language,
            str(literal),
            str(literal.datatype or ""),
        )
        if best is None or key < best:
            best, chosen = key, literal
    return chosen


def label_pairs(
    graph: Graph, term: Node, predicates: Iterable[URIRef] = LABEL_PREDICATES
) -> list[tuple[Node, Node]]:
    """A term's (predicate, object) pairs for `predicates` in an rdflib graph, as best_label reads them."""
    return [(predicate, obj) for predicate in predicates for obj in graph.objects(term, predicate)]


def graph_label(graph: Graph, term: Node, lang: str = "en") -> Literal | None:
    """best_label of a term's labels in an rdflib graph."""
    return best_label(label_pairs(graph, term), lang)
