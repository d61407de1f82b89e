"""`--labels`: a readable label beside each IRI column of a SELECT result.

Labels come from skos:prefLabel, then schema:name, then rdfs:label (ORG recommends SKOS labels for
organisations); in the chosen language, then the other of fr/en, then any. Candidates
are sorted, so the same graph always gives the same label.
"""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from pia_kg.rdf.namespaces import RDFS, SCHEMA, SKOS
from pia_kg.sparql.results import SelectResult

LABEL_PREDICATES = (SKOS.prefLabel, SCHEMA.name, RDFS.label)


def add_labels(result: SelectResult, graph: Graph, *, lang: str = "en") -> SelectResult:
    """Add a `<var>Label` column after each column that holds an IRI (`--labels`)."""
    columns: list[str] = []
    pickers: list[tuple[int, bool]] = []
    for index, variable in enumerate(result.variables):
        columns.append(variable)
        pickers.append((index, False))
        if any(isinstance(row[index], URIRef) for row in result.rows):
            columns.append(f"{variable}Label")
            pickers.append((index, True))
    cache: dict[Node, Literal | None] = {}
    rows = []
    for row in result.rows:
        cells: list[Node | None] = []
        for index, is_label in pickers:
            term = row[index]
            if not is_label:
                cells.append(term)
            elif isinstance(term, URIRef):
                if term not in cache:
                    cache[term] = label_of(graph, term, lang=lang)
                cells.append(cache[term])
            else:
                cells.append(None)
        rows.append(tuple(cells))
    return SelectResult(variables=tuple(columns), rows=tuple(rows), is_ordered=result.is_ordered)


def label_of(graph: Graph, term: Node, *, lang: str = "en") -> Literal | None:
    """skos:prefLabel, then schema:name, then rdfs:label; in `lang`, then the other of fr/en, then any."""
    other = "fr" if lang == "en" else "en"
    literals = [
        obj
        for predicate in LABEL_PREDICATES
        for obj in sorted(graph.objects(term, predicate), key=_literal_key)
        if isinstance(obj, Literal)
    ]
    for wanted in (lang, other, None):
        for literal in literals:
            if wanted is None or (literal.language or "").lower() == wanted:
                return literal
    return None


def _literal_key(node: Node) -> tuple[str, str]:
    return (getattr(node, "language", None) or "", str(node))
