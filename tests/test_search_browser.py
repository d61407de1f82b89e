"""The search page in headless Chromium: the static page (over file://) finds the same pages as the Python
matching, in both languages, and axe-core finds no violation on it or on the server's `/search`, at 1280 and
390 px, without sideways scroll. Screenshots are kept (PIA_KG_ARTEFACTS) for people to look at."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from pia_kg.publish.site import search as s

from .browser_pages import Job, artefact_dir, open_pages, require_browser
from .published import built_site
from .test_search import EXPECTED, entries_of
from .test_server_clients import start_server, stop_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WIDTHS = (1280, 390)


@pytest.fixture(scope="module")
def dist() -> Path:
    require_browser()
    return built_site().output_dir


def test_the_static_page_finds_what_the_index_finds_in_both_languages(dist: Path, tmp_path: Path) -> None:
    import json

    base = dist.as_uri() + "/"
    shots = artefact_dir(tmp_path)
    jobs = [
        Job(
            url=f"{base}{name}",
            base=base,
            width=width,
            searches=tuple(EXPECTED),
            final_query=query,
            screenshot=shots / f"search-static-{lang}-{width}.png",
        )
        for lang, name, query in (("en", "search.html", "maroc"), ("fr", "search.fr.html", "redevabilite"))
        for width in WIDTHS
    ]
    entries = entries_of(json.loads((dist / "search-index.json").read_text("utf-8")))
    for job, seen in zip(jobs, open_pages(jobs, tmp_path), strict=True):
        lang = "fr" if ".fr." in job.url else "en"
        suffix = ".html" if lang == "en" else ".fr.html"
        for query, path in EXPECTED.items():
            expected = [hit.path + suffix for hit in s.search(entries, query, lang=lang)]
            assert seen["searches"][query] == expected, (job.url, query)
            assert path + suffix in seen["searches"][query]
        assert seen["violations"] == [], seen["violations"]
        assert not seen["overflow"] and seen["errors"] == [] and seen["outside"] == []
        assert job.screenshot is not None and job.screenshot.stat().st_size > 10_000


def test_a_query_in_the_address_is_searched_when_the_page_opens(dist: Path, tmp_path: Path) -> None:
    base = dist.as_uri() + "/"
    [seen] = open_pages([Job(url=f"{base}search.fr.html?q=Seghrouchni", base=base, axe=False)], tmp_path)
    assert seen["errors"] == []
    assert seen["results"] == ["id/person/amal-el-fallah-seghrouchni.fr.html"]


def test_the_script_folds_every_character_as_python_does(dist: Path, tmp_path: Path) -> None:
    """Full case folding in both (sharp s is ss, final sigma is sigma), every mark dropped, NFKD: one
    character at a time, for every character Python's Unicode database assigns, and a few words."""
    import unicodedata

    points = [
        point for point in range(0x110000) if unicodedata.category(chr(point)) not in ("Cn", "Cs", "Co")
    ]
    samples = ["Straße", "STRAẞE", "ΟΔΟΣ", "ﬁers", "Redevabilité", "ᏣᎳᎩ ꮳꮃꭹ", "क\u0903"]
    texts = [chr(point) for point in points] + samples
    base = dist.as_uri() + "/"
    job = Job(
        url=f"{base}search.html",
        base=base,
        axe=False,
        evaluate="(texts) => texts.map((text) => window.piaNormalise(text))",
        argument=texts,
    )
    [seen] = open_pages([job], tmp_path)
    assert seen["errors"] == []
    differing = [
        (f"U+{ord(text[0]):04X}" if len(text) == 1 else text, got, s.normalise(text))
        for text, got in zip(texts, seen["evaluated"], strict=True)
        if got != s.normalise(text)
    ]
    assert differing == []
    assert seen["evaluated"][-7:-4] == ["strasse", "strasse", "οδοσ"]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    require_browser()
    running = start_server("--workers", "1")
    yield running.url.removesuffix("sparql")
    code, stderr = stop_server(running, signal.SIGTERM)
    assert code == 0, stderr


def test_the_server_search_page_has_no_axe_violation(server: str, tmp_path: Path) -> None:
    shots = artefact_dir(tmp_path)
    pages = (("en", "search?q=maroc"), ("fr", "search.fr.html?q=redevabilite"), ("none", "search?q=zz"))
    jobs = [
        Job(url=server + page, base=server, width=width, screenshot=shots / f"search-{name}-{width}.png")
        for name, page in pages
        for width in WIDTHS
    ]
    for seen in open_pages(jobs, tmp_path):
        assert seen["violations"] == [], (seen["url"], seen["violations"])
        assert not seen["overflow"] and seen["errors"] == [] and seen["outside"] == []
