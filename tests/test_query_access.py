"""The query editor (`/query`, YASGUI) in headless Chromium: axe-core finds no violation at 1280 and 390 px,
before and after running a saved question, and the page does not scroll sideways (issue 14, item 6)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from .browser_pages import NODE_MODULES, Job, artefact_dir, open_pages, require_browser
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


@pytest.mark.parametrize("width", [1280, 390])
def test_the_query_editor_has_no_axe_violation_before_and_after_a_run(
    server: str, width: int, tmp_path: Path
) -> None:
    shots = artefact_dir(tmp_path)
    opened = Job(url=server + "query", base=server, width=width, wait_for=EDITOR)
    ran = Job(
        url=server + "query",
        base=server,
        width=width,
        wait_for=EDITOR,
        click=".yasqe_queryButton",
        wait_after=".yasr table tbody tr",
        screenshot=shots / f"query-{width}.png",
    )
    for seen in open_pages([opened, ran], tmp_path):
        assert seen["violations"] == [], seen["violations"]
        assert not seen["overflow"], "the page scrolls sideways"
        assert seen["errors"] == [] and seen["outside"] == []
