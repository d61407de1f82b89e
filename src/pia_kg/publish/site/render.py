"""Jinja rendering: autoescaped, StrictUndefined, templates from the package."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The one Jinja environment: a missing field is an error, every value is HTML-escaped."""
    env = Environment(
        loader=PackageLoader("pia_kg.publish.site", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["filesize"] = filesize
    return env


def render(template: str, page: Any, **extra: Any) -> str:
    """Render `template` with one page dataclass as `page`, and `extra` objects beside it (`pictures`)."""
    return environment().get_template(template).render(page=page, **extra)


def script_json(document: Any, *, compact: bool = False) -> Markup:
    """JSON for `<script type="application/ld+json">`; `<`, `>`, `&` are escaped so it cannot end early.

    `compact` leaves out the indentation (for data a script reads, not people).
    """
    if compact:
        text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    else:
        text = json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def filesize(size: int) -> str:
    """A byte count for people: 1.2 MB, 87.6 kB, 412 B."""
    for unit, factor in (("MB", 1_000_000), ("kB", 1_000)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{size} B"
