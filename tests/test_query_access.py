"""The query editor (`/query`, YASGUI; `/query.fr.html` in French) in headless Chromium: axe-core finds no
violation at 1280 and 390 px in either language, before and after running a saved question, and the page does
not scroll sideways (issue 14, item 6). The French page speaks French and names the English one."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from pia_kg.project import Project
from pia_kg.serve.server import LocalClient, open_app

from .browser_pages import NODE_MODULES, Job, artefact_dir, open_pages, require_browser
from .conftest import REPO_ROOT, SOURCES_DIR
from .test_server_clients import start_server, stop_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # and it starts a server process
EDITOR = ".yasqe .CodeMirror"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    require_browser()
    if not (NODE_MODULES / "@zazuko" / "yasgui").is_dir():
        pytest.skip("YASGUI is not installed: run `make web` (npm ci in web/)")
    running = start_server("--workers", "1")
    yield running.url.removesuffix("sparql")
    code, stderr = stop_server(running, signal.SIGTERM)
    assert code == 0, stderr


def test_the_query_editor_has_a_french_page_naming_the_english_one() -> None:
    with LocalClient(open_app(Project(REPO_ROOT, SOURCES_DIR))) as client:
        english, french, asked = (client.get(path) for path in ("/query", "/query.fr.html", "/query?lang=fr"))
    assert english.status_code == french.status_code == asked.status_code == 200
    assert asked.text == french.text
    assert '<html lang="fr">' in french.text and "<h1>Interroger le graphe</h1>" in french.text
    assert '<link rel="alternate" hreflang="fr" href="query.fr.html">' in french.text
    assert '<link rel="alternate" hreflang="en" href="query.html">' in french.text
    assert '<a href="query.html" hreflang="en" lang="en" rel="alternate">English</a>' in french.text
    assert '<a href="query.fr.html">Requête</a>' in french.text  # the header's own link
    assert '<link rel="alternate" hreflang="fr" href="query.fr.html">' in english.text
    assert "<h1>Query the graph</h1>" in english.text and "Interroger" not in english.text
    if 'id="saved-questions"' in french.text:  # YASGUI is installed: tabs and controls named in French
        assert "Chaque question enregistrée est un onglet" in french.text
        assert '"name": "Qui a dit quoi"' in french.text and '"query": "Requête SPARQL"' in french.text
        assert "Nouvel onglet de requête" in french.text
        assert '"name": "Who said what"' in english.text and '"query": "SPARQL query"' in english.text
    else:
        assert "formulaire simple" in french.text and 'href="questions/timeline.fr.html"' in french.text


@pytest.mark.parametrize("page", ["query", "query.fr.html"])
@pytest.mark.parametrize("width", [1280, 390])
def test_the_query_editor_has_no_axe_violation_before_and_after_a_run(
    server: str, page: str, width: int, tmp_path: Path
) -> None:
    shots = artefact_dir(tmp_path)
    opened = Job(url=server + page, base=server, width=width, wait_for=EDITOR)
    ran = Job(
        url=server + page,
        base=server,
        width=width,
        wait_for=EDITOR,
        click=".yasqe_queryButton",
        wait_after=".yasr table tbody tr",
        screenshot=shots / f"{page.replace('.html', '')}-{width}.png",
    )
    for seen in open_pages([opened, ran], tmp_path):
        assert seen["violations"] == [], seen["violations"]
        assert not seen["overflow"], "the page scrolls sideways"
        assert seen["errors"] == [] and seen["outside"] == []
