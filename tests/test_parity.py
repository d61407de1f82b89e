"""Oxigraph and rdflib give the very same answers to every saved question, by construction.

The files hold every literal in the form a store keeps (literals.py, tests/test_literals.py), so nothing is
put back or checked at query time: this test runs each saved question on both engines and compares the terms
exactly (lexical form, datatype, language tag, kind of term; rdflib's own `==` ignores the case of language
tags), and the order of the rows when the question has ORDER BY.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from pia_kg.graph.loading import KnowledgeGraph
from pia_kg.project import Project
from pia_kg.sparql.engine import run_query
from pia_kg.sparql.results import AskResult, GraphResult, SelectResult
from pia_kg.sparql.saved import SavedQuery, list_queries

from .conftest import REPO_ROOT

QUESTIONS = [saved for saved in list_queries(Project(REPO_ROOT)) if not saved.is_rule]


def exact(term: Any) -> Any:
    """A term as (kind, lexical form, datatype, language), so that no difference can hide behind `==`."""
    if term is None:
        return None
    return (type(term).__name__, str(term), getattr(term, "datatype", None), getattr(term, "language", None))


@pytest.fixture(scope="module")
def kg() -> KnowledgeGraph:
    from pia_kg.sparql.engine import load_for_queries

    return load_for_queries(Project(REPO_ROOT))


@pytest.mark.parametrize("saved", QUESTIONS, ids=[saved.name for saved in QUESTIONS])
def test_every_saved_question_gets_the_very_same_terms_from_oxigraph_and_rdflib(
    saved: SavedQuery, kg: KnowledgeGraph
) -> None:
    fast = run_query(kg, saved, use_examples=True, engine="oxigraph")
    reference = run_query(kg, saved, use_examples=True, engine="rdflib")
    assert type(fast) is type(reference)
    if isinstance(reference, AskResult):
        assert fast == reference
    elif isinstance(reference, SelectResult):
        assert isinstance(fast, SelectResult) and fast.variables == reference.variables
        rows = [tuple(exact(term) for term in row) for row in fast.rows]
        expected = [tuple(exact(term) for term in row) for row in reference.rows]
        assert expected, f"{saved.name} has no answer to compare"
        if reference.is_ordered:
            assert rows == expected
        else:
            assert Counter(rows) == Counter(expected)
    else:
        assert isinstance(fast, GraphResult) and isinstance(reference, GraphResult)
        assert len(reference.graph) > 0, f"{saved.name} has no answer to compare"
        assert Counter(tuple(map(exact, triple)) for triple in fast.graph) == Counter(
            tuple(map(exact, triple)) for triple in reference.graph
        )
