"""`--labels`: a readable label beside each IRI column of a SELECT result.

The label is chosen by the rule of rdf/labels.py (language, then skos:prefLabel, rdfs:label, schema:name,
then language and text), so the same graph always gives the same label: the one the site and findings show.
"""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from pia_kg.rdf.labels import graph_label
from pia_kg.sparql.results import SelectResult


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
    """The label of `term` in `graph` for a reader of `lang` (rdf/labels.py's best_label)."""
    return graph_label(graph, term, lang)
