"""Pages in headless Chromium, driven by playwright-core from web/: axe-core's violations, what the search
page finds, whether the page scrolls sideways, what a function returns in the page, and a screenshot. Shared
by the browser tests of the search page, the saved questions and the query editor.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
NODE_MODULES = REPO_ROOT / "web" / "node_modules"
SCRIPT = r"""
const fs = require("fs");
const { chromium } = require("playwright-core");
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
(async () => {
  const jobs = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const answers = [];
  try {
    for (const job of jobs) {
      const context = await browser.newContext({ viewport: { width: job.width, height: 900 } });
      const page = await context.newPage();
      page.setDefaultTimeout(120000);  // waits end as soon as the page is ready; this only stops a hang
      const errors = [];
      const outside = [];
      page.on("pageerror", (error) => errors.push(String(error)));
      await page.route("**/*", (route) => {
        const url = route.request().url();
        if (url.startsWith(job.base)) return route.continue();
        outside.push(url);
        return route.abort();
      });
      await page.goto(job.url, { waitUntil: "load" });
      if (job.waitFor) await page.waitForSelector(job.waitFor);
      if (job.click) {
        await page.click(job.click);
        await page.waitForSelector(job.waitAfter);
      }
      const answer = { url: job.url, width: job.width, errors, outside };
      const links = (found) => found.map((link) => link.getAttribute("href"));
      answer.results = await page.$$eval("#search-results li > a", links);
      if (job.searches) {
        answer.searches = {};
        for (const query of job.searches) {
          await page.fill("#q", query);
          answer.searches[query] = await page.$$eval("#search-results li > a", links);
        }
        if (job.finalQuery !== undefined) await page.fill("#q", job.finalQuery);
      }
      if (job.evaluate) {
        answer.evaluated = await page.evaluate(
          ([source, argument]) => (0, eval)(source)(argument), [job.evaluate, job.argument]);
      }
      answer.overflow = await page.evaluate(
        () => document.documentElement.scrollWidth > document.documentElement.clientWidth);
      if (job.screenshot) await page.screenshot({ path: job.screenshot, fullPage: true });
      if (job.axe) {
        await page.addScriptTag({ content: axeSource });
        const result = await page.evaluate(() => axe.run(document, { resultTypes: ["violations"] }));
        answer.violations = result.violations.map((v) => ({
          id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")) }));
      }
      answers.push(answer);
      await context.close();
    }
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(answers));
})().catch((error) => { console.error(error); process.exit(1); });
"""


@dataclass(frozen=True)
class Job:
    """One page to open at one width; `searches` are typed into the search box, one after the other."""

    url: str
    base: str
    width: int = 1280
    axe: bool = True
    screenshot: Path | None = None
    searches: tuple[str, ...] = ()
    final_query: str | None = None
    wait_for: str | None = None
    click: str | None = None  # then wait for `wait_after`
    wait_after: str | None = None
    evaluate: str | None = None  # a JavaScript function, called in the page with `argument`
    argument: Any = None


def require_browser() -> None:
    """Skip, saying why, where Node, playwright-core, axe-core or Chromium is missing."""
    if shutil.which("node") is None or not (NODE_MODULES / "playwright-core").is_dir():
        pytest.skip("playwright-core is not installed: run `make web` (npm ci in web/)")
    if not (NODE_MODULES / "axe-core").is_dir():
        pytest.skip("axe-core is not installed: run `make web` (npm ci in web/)")
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing: `make chromium` installs it")


def open_pages(jobs: list[Job], tmp_path: Path) -> list[dict[str, Any]]:
    """Run the jobs in one Chromium, in order; one answer per job."""
    script = tmp_path / "pages.cjs"
    script.write_text(SCRIPT, encoding="utf-8")
    listing = tmp_path / "jobs.json"
    listing.write_text(
        json.dumps(
            [
                {
                    "url": job.url,
                    "base": job.base,
                    "width": job.width,
                    "axe": job.axe,
                    "screenshot": None if job.screenshot is None else str(job.screenshot),
                    "searches": list(job.searches) or None,
                    "finalQuery": job.final_query,
                    "waitFor": job.wait_for,
                    "click": job.click,
                    "waitAfter": job.wait_after,
                    "evaluate": job.evaluate,
                    "argument": job.argument,
                }
                for job in jobs
            ]
        ),
        encoding="utf-8",
    )
    completed = subprocess.run(
        ["node", str(script), str(listing)],
        capture_output=True,
        env={"NODE_PATH": str(NODE_MODULES), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr.decode()[-3000:]
    # split at "\n" only: the JSON may hold U+0085 or U+2028, where str.splitlines would cut it
    answers: list[dict[str, Any]] = json.loads(completed.stdout.decode().strip().split("\n")[-1])
    return answers


def artefact_dir(tmp_path: Path) -> Path:
    """Where screenshots are kept: $PIA_KG_ARTEFACTS (kept after the run) or the test's temporary folder."""
    import os

    folder = Path(os.environ.get("PIA_KG_ARTEFACTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
