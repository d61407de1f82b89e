"""The query UI in a real browser: headless Chromium (driven by playwright-core from web/) opens /query on a
running `pia-kg serve`, runs the first saved question and must show its results table, with every request
going to the server itself (no CDN, so it works offline).
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pia_kg.project import Project
from pia_kg.sparql.saved import list_queries
from tests.conftest import REPO_ROOT
from tests.test_server_clients import start_server, stop_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # and it starts a server process
CHROMIUM = Path("/usr/bin/chromium")
NODE_MODULES = REPO_ROOT / "web" / "node_modules"
SCRIPT = r"""
const { chromium } = require("playwright-core");
(async () => {
  const base = process.argv[2];
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const outside = [];
  const errors = [];
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(120000);  // waits end as soon as the page is ready; this only stops a hang
    page.on("pageerror", (error) => errors.push(String(error)));
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(base)) return route.continue();
      outside.push(url);
      return route.abort();
    });
    await page.goto(base + "query", { waitUntil: "load" });
    await page.waitForSelector(".yasqe .CodeMirror");
    const texts = (cells) => cells.map((cell) => cell.textContent.trim());
    const tabs = await page.$$eval(".tabsList .tab a", texts);
    await page.click(".yasqe_queryButton");
    await page.waitForSelector(".yasr table tbody tr");
    const headers = await page.$$eval(".yasr table thead th", texts);
    const rows = await page.$$eval(".yasr table tbody tr", (rows) => rows.length);
    console.log(JSON.stringify({ tabs, headers, rows, outside, errors }));
  } finally {
    await browser.close();
  }
})().catch((error) => { console.error(error); process.exit(1); });
"""


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    if shutil.which("node") is None or not (NODE_MODULES / "playwright-core").is_dir():
        pytest.skip("playwright-core is not installed: run `make web` (npm ci in web/)")
    if not (NODE_MODULES / "@zazuko" / "yasgui").is_dir():
        pytest.skip("YASGUI is not installed: run `make web` (npm ci in web/)")
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing: `make chromium` installs it")
    running = start_server("--workers", "2")
    yield running.url.removesuffix("sparql")
    code, stderr = stop_server(running, signal.SIGTERM)
    assert code == 0, stderr


def test_yasgui_runs_the_first_saved_question_and_shows_its_table(base_url: str, tmp_path: Path) -> None:
    script = tmp_path / "yasgui.cjs"
    script.write_text(SCRIPT, encoding="utf-8")
    completed = subprocess.run(
        ["node", str(script), base_url],
        capture_output=True,
        env={"NODE_PATH": str(NODE_MODULES), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        timeout=400,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr.decode()
    seen = json.loads(completed.stdout.decode().strip().splitlines()[-1])
    questions = [saved for saved in list_queries(Project(REPO_ROOT)) if not saved.is_rule]
    expected = httpx.post(base_url + "sparql", data={"query": questions[0].text}, timeout=60).json()
    assert [tab.rstrip("✖").strip() for tab in seen["tabs"]] == [saved.title() for saved in questions]
    assert seen["rows"] == len(expected["results"]["bindings"]) > 0
    assert all(any(name in header for header in seen["headers"]) for name in expected["head"]["vars"])
    assert seen["outside"] == []
    assert seen["errors"] == []
