"""A statement page in a real browser: headless Chromium (Debian's, installed by `make test`) opens it
over file://, and the test checks what a person sees, from the rendered DOM, and keeps a screenshot."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import pytest

from .published import built_site, relative_links

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STATEMENT = "id/statement/pr-2025-07-current-ai-maroc--883-1078.html"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="/usr/bin/chromium is missing and could not be installed (`make chromium`)",
    ),
]


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    command = [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def page() -> Path:
    return built_site().output_dir / STATEMENT


def test_a_statement_page_shows_its_label_the_marked_quote_and_working_links(
    page: Path, tmp_path: Path
) -> None:
    run = _chromium(tmp_path, "--dump-dom", page.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    dom = run.stdout
    title = re.search(r"<h1[^>]*>(.*?)</h1>", dom, re.S)
    assert title is not None
    assert html.unescape(title.group(1)).startswith("“Nous sommes fiers de compter le Maroc")
    speaker = re.search(r'<p class="speaker">(.*?)</p>', dom, re.S)
    assert speaker is not None and "Martin Tisné" in html.unescape(speaker.group(1))
    marks = [html.unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", dom, re.S)]
    assert marks and marks[0].startswith("Nous sommes fiers") and marks[0].endswith("guidée par des valeurs")
    relative = relative_links(html.unescape(dom))
    assert len(relative) > 10
    for href in relative:
        assert (page.parent / href).resolve().exists(), href


def test_a_statement_page_renders_to_a_screenshot(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "statement.png"
    run = _chromium(tmp_path, "--window-size=1200,1600", f"--screenshot={shot}", page.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a blank page is a few kB
