"""Saved questions: `queries/<name>.rq` with a header and typed parameters (run by `sparql/engine.py`).

A header is the block of `# key: value` lines at the top of the file: `title`, `title@fr`, `description`,
`description@fr`, `param: NAME TYPE [= DEFAULT] | doc` (no `=`: required; `=` and nothing after it:
optional and left unbound), `example: NAME=VALUE` (the value the expected results use for a required
parameter), `choices: NAME KIND...` (the resources a person picks a parameter from: IRI type folders such as
`organisation place`, `*` for any resource, or quoted values such as `"en" "fr"`), `column: VARIABLE | English
title | titre français` (what a result column is called for people), and `expect: empty`, which marks a rule
that `pia-kg validate` runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, cast

from pia_kg.errors import QueryError
from pia_kg.project import Project
from pia_kg.sparql.results import Form
from pia_kg.sparql.text import LIST_HINT, QueryFacts, checked_facts, parse_query

if TYPE_CHECKING:
    from rdflib.plugins.sparql.sparql import Query

ENGINES = ("oxigraph", "rdflib")
_HEADER_LINE = re.compile(r"^#\s*([A-Za-z][\w@-]*)\s*:\s*(.*?)\s*$")
_PARAM_LINE = re.compile(
    r"^(?P<name>[A-Za-z_]\w*)\s+(?P<type>[a-z]+)\s*(?P<eq>=\s*(?P<default>[^|]*?))?\s*(?:\|\s*(?P<doc>.*))?$"
)

PARAM_TYPES = ("iri", "string", "literal", "integer", "decimal", "boolean", "date", "term")


@dataclass(frozen=True)
class Param:
    """One declared parameter; `default` is None when required, "" when optional and left unbound."""

    name: str
    type: str
    default: str | None
    doc: str

    @property
    def is_required(self) -> bool:
        return self.default is None

    def describe(self) -> str:
        """`name type`, `name type = value` or `name type (optional)`, as `pia-kg queries` shows it."""
        if self.default is None:
            return f"{self.name} {self.type}"
        return (
            f"{self.name} {self.type} = {self.default}"
            if self.default
            else f"{self.name} {self.type} (optional)"
        )


@dataclass(frozen=True)
class SavedQuery:
    """A SPARQL query with its header; `name` is the file stem (the CLI name), `relpath` locates errors."""

    name: str
    relpath: str
    text: str
    titles: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    params: tuple[Param, ...] = ()
    examples: dict[str, str] = field(default_factory=dict)
    header: dict[str, str] = field(default_factory=dict)
    columns: dict[str, tuple[str, str]] = field(default_factory=dict)  # variable -> (English, French)
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)  # parameter -> kinds or quoted values

    @property
    def is_rule(self) -> bool:
        return self.header.get("expect", "").strip().lower() == "empty"

    def title(self, lang: str = "en") -> str:
        return self.titles.get(lang) or self.titles.get("en") or self.name

    def description(self, lang: str = "en") -> str:
        return self.descriptions.get(lang) or self.descriptions.get("en") or ""

    def column_title(self, variable: str, lang: str = "en") -> str:
        """The column's title for people (`# column:`) in `lang` (en or fr), else the variable's name."""
        titles = self.columns.get(variable)
        return variable if titles is None else titles[1 if lang == "fr" else 0]

    def param(self, name: str) -> Param | None:
        return next((param for param in self.params if param.name == name), None)

    @cached_property
    def parsed(self) -> Query:
        """The query parsed and translated to algebra; raises QueryError with `file:line:col`."""
        return parse_query(self.text, relpath=self.relpath)

    @cached_property
    def facts(self) -> QueryFacts:
        """Form, order and variables, after the guards; a text that passed them before is not parsed again
        (sparql/text.py, `remember_checks`). Raises QueryError with `file:line:col`."""
        return checked_facts(self.text, relpath=self.relpath)

    @property
    def form(self) -> Form:
        return cast(Form, self.facts.form)

    @property
    def is_ordered(self) -> bool:
        """True if the outer query has ORDER BY, so its row order is part of the answer."""
        return self.facts.ordered


# ---------------------------------------------------------------- reading


def read_saved_query(path: Path, *, relpath: str) -> SavedQuery:
    """Read a `.rq` file and its header."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise QueryError(f"{relpath}: cannot be read: {err}", hint=LIST_HINT) from err
    return query_from_text(text, name=Path(path).stem, relpath=relpath)


def query_from_text(text: str, *, name: str = "text", relpath: str = "<text>") -> SavedQuery:
    """Build a SavedQuery from SPARQL text; a header, if present, is read as in a saved file."""
    header: dict[str, str] = {}
    titles: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    params: list[Param] = []
    examples: dict[str, str] = {}
    columns: dict[str, tuple[str, str]] = {}
    choices: dict[str, tuple[str, ...]] = {}
    for number, key, value in _header_lines(text):
        header.setdefault(key, value)
        base, _, lang = key.partition("@")
        if base in ("title", "description"):
            (titles if base == "title" else descriptions).setdefault(lang or "en", value)
        elif key == "param":
            params.append(_parse_param(value, where=f"{relpath}:{number}"))
        elif key == "example":
            param_name, sep, example = value.partition("=")
            if not sep:
                raise QueryError(f"{relpath}:{number}: '# example:' needs NAME=VALUE", hint=LIST_HINT)
            examples[param_name.strip()] = example.strip()
        elif key == "column":
            variable, column = _parse_column(value, where=f"{relpath}:{number}")
            columns[variable] = column
        elif key == "choices":
            param_name, kinds = _parse_choices(value, where=f"{relpath}:{number}")
            choices[param_name] = kinds
    return SavedQuery(
        name=name,
        relpath=relpath,
        text=text,
        titles=titles,
        descriptions=descriptions,
        params=tuple(params),
        examples=examples,
        header=header,
        columns=columns,
        choices=choices,
    )


def _header_lines(text: str) -> Iterator[tuple[int, str, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#"):
            if line.strip():
                return
            continue
        match = _HEADER_LINE.match(line)
        if match:
            yield number, match.group(1).lower(), match.group(2)


def _parse_param(value: str, *, where: str) -> Param:
    from pia_kg.sparql.saved import PARAM_TYPES

    match = _PARAM_LINE.match(value)
    if match is None or match.group("type") not in PARAM_TYPES:
        raise QueryError(
            f"{where}: '# param: {value}' is not NAME TYPE [= DEFAULT] | doc",
            hint=f"TYPE is one of {', '.join(PARAM_TYPES)}.",
        )
    default = (match.group("default") or "").strip() if match.group("eq") else None
    return Param(match.group("name"), match.group("type"), default, (match.group("doc") or "").strip())


def _parse_column(value: str, *, where: str) -> tuple[str, tuple[str, str]]:
    parts = [part.strip() for part in value.split("|")]
    if len(parts) != 3 or not all(parts):
        raise QueryError(
            f"{where}: '# column: {value}' is not VARIABLE | English title | titre français",
            hint="Give the variable without '?', then its English and French titles, separated by '|'.",
        )
    return parts[0].lstrip("?"), (parts[1], parts[2])


def _parse_choices(value: str, *, where: str) -> tuple[str, tuple[str, ...]]:
    name, *kinds = value.split()
    if not kinds:
        raise QueryError(
            f"{where}: '# choices: {value}' names no kind of resource",
            hint='Write NAME KIND... (organisation place), NAME * for any resource, or NAME "en" "fr".',
        )
    return name, tuple(kinds)


def list_queries(project: Project) -> list[SavedQuery]:
    """Every saved query of the project (rules included), sorted by name."""
    return [read_saved_query(path, relpath=project.relative(path)) for path in project.query_files()]


def find_query(project: Project, name_or_path: str) -> SavedQuery:
    """A saved query by name (`partnership-members`) or a `.rq` file path; unknown names are a QueryError."""
    candidate = Path(name_or_path)
    if name_or_path.endswith(".rq") or "/" in name_or_path:
        if not candidate.is_file():
            raise QueryError(f"{name_or_path}: no such query file", hint=LIST_HINT)
        return read_saved_query(candidate, relpath=project.relative(candidate))
    path = project.queries_dir / f"{name_or_path}.rq"
    if not path.is_file():
        import difflib

        names = [saved.stem for saved in project.query_files()]
        close = difflib.get_close_matches(name_or_path, names, n=3)
        also = f" (did you mean {', '.join(close)}?)" if close else ""
        raise QueryError(f"unknown query '{name_or_path}'{also}", hint=LIST_HINT)
    return read_saved_query(path, relpath=project.relative(path))
