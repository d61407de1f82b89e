"""Question pages in headless Chromium: axe-core finds no violation on a question page of the static site and
of `pia-kg serve` (with its lists of parameters), in both languages, at 1280 and 390 px, and the page does not
scroll sideways (the answer scrolls inside its own box). Screenshots are kept (PIA_KG_ARTEFACTS)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from .browser_pages import Job, artefact_dir, open_pages, require_browser
from .published import built_site
from .test_server_clients import start_server, stop_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WIDTHS = (1280, 390)
PAGES = (
    ("en", "questions/statements-by-person.html"),
    ("fr", "questions/statements-by-person.fr.html"),
    ("fr-party", "questions/agreements-by-party.fr.html"),
)


def check(seen: list[dict[str, object]]) -> None:
    for page in seen:
        assert page["violations"] == [], (page["url"], page["width"], page["violations"])
        assert not page["overflow"], (page["url"], page["width"], "the page scrolls sideways")
        assert page["errors"] == [] and page["outside"] == []


def test_static_question_pages_have_no_axe_violation(tmp_path: Path) -> None:
    require_browser()
    base = built_site().output_dir.as_uri() + "/"
    shots = artefact_dir(tmp_path)
    jobs = [
        Job(url=base + page, base=base, width=width, screenshot=shots / f"question-static-{name}-{width}.png")
        for name, page in PAGES
        for width in WIDTHS
    ]
    check(open_pages(jobs, tmp_path))


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    require_browser()
    running = start_server("--workers", "1")
    yield running.url.removesuffix("sparql")
    code, stderr = stop_server(running, signal.SIGTERM)
    assert code == 0, stderr


def test_served_question_pages_with_their_lists_have_no_axe_violation(server: str, tmp_path: Path) -> None:
    shots = artefact_dir(tmp_path)
    pages = (*PAGES, ("en-person", "questions/statements-by-person.html?person=person%3Amartin-tisne"))
    jobs = [
        Job(url=server + page, base=server, width=width, screenshot=shots / f"question-{name}-{width}.png")
        for name, page in pages
        for width in WIDTHS
    ]
    check(open_pages(jobs, tmp_path))
