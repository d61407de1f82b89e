"""pia-kg: a linked-data knowledge graph of public AI partnerships, with its validator.

Importing the package is cheap and has no side effects: `load` and `validate` import rdflib and pySHACL only
when they are called.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pia_kg.check.validation import ValidationReport
    from pia_kg.graph.loading import KnowledgeGraph
    from pia_kg.project import Project
    from pia_kg.sparql.results import QueryResult
    from pia_kg.sparql.saved import SavedQuery

__version__ = "0.1.0"
__all__ = ["__version__", "load", "run_query", "validate"]


def load(project: Project, *, data_paths: Sequence[Path] | None = None) -> KnowledgeGraph:
    """Load the project's ontology, shapes and data; see `pia_kg.graph.loading.load`."""
    from pia_kg.graph.loading import load as load_project

    return load_project(project, data_paths=data_paths)


def validate(kg: KnowledgeGraph, *, sources_dir: Path, queries_dir: Path | None = None) -> ValidationReport:
    """Validate a loaded graph; see `pia_kg.check.validation.validate`."""
    from pia_kg.check.validation import validate as validate_graph

    return validate_graph(kg, sources_dir=sources_dir, queries_dir=queries_dir)


def run_query(
    kg: KnowledgeGraph, query: SavedQuery | str, *, params: dict[str, str] | None = None
) -> QueryResult:
    """Run a saved query or SPARQL text over a loaded graph; see `pia_kg.sparql.engine.run_query`."""
    from pia_kg.sparql.engine import run_query as run

    return run(kg, query, params=params)
