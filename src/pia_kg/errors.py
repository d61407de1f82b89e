"""Errors the user can fix: each carries a hint that names the next step (ARCHITECTURE.md, rule 2).

The CLI turns any `PiaError` into `Error: <message>` plus the hint on stderr and exit code 2. Anything
else that escapes is a bug and is allowed to surface with its traceback.
"""

from __future__ import annotations


class PiaError(Exception):
    """Base class of errors caused by input the user can change (files, options, environment)."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class DataError(PiaError):
    """A data or ontology file is missing, not UTF-8, or not valid Turtle."""


class ShapesError(PiaError):
    """The SHACL shapes are missing or cannot be used."""


class QueryError(PiaError):
    """A saved SPARQL query cannot be parsed or run."""


class ConfigError(PiaError):
    """The project or the sources folder cannot be found."""
