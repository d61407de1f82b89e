"""The pictures as Chromium draws them: with the browser's own fonts, no two labels of an SVG touch and none
runs past the picture; on a 390 px phone the pictures of a profile fit the screen. Screenshots of the home
page and of a person, an organisation and an agreement page, in both languages at 1280 and 390 px, are kept
in the test's folder."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

from .published import built_site

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = Path("/usr/bin/chromium")
NODE_MODULES = REPO_ROOT / "web" / "node_modules"
PAGES = (
    "index",
    "id/person/martin-tisne",
    "id/organisation/gouvernement-maroc",
    "id/agreement/mou-maroc-current-ai-2025",
)
SCRIPT = r"""
const { chromium } = require("playwright-core");
const path = require("path");
(async () => {
  const [dist, shots, svgs, pages] = [process.argv[2], process.argv[3], JSON.parse(process.argv[4]),
    JSON.parse(process.argv[5])];
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const report = { touching: [], outside: [], texts: 0, pages: [] };
  try {
    const page = await browser.newPage({ viewport: { width: 390, height: 800 } });
    for (const svg of svgs) {
      await page.goto("file://" + path.join(dist, svg));
      const boxes = await page.$$eval("text", (texts) => texts.map((t) => {
        const b = t.getBBox();
        return { text: t.textContent, x: b.x, y: b.y, right: b.x + b.width, bottom: b.y + b.height };
      }));
      const width = await page.$eval("svg", (s) => s.viewBox.baseVal.width);
      report.texts += boxes.length;
      boxes.forEach((a, i) => {
        if (a.x < 0 || a.right > width) report.outside.push([svg, a.text]);
        boxes.slice(i + 1).forEach((b) => {
          const apart = a.right <= b.x || b.right <= a.x || a.bottom <= b.y || b.bottom <= a.y;
          if (!apart) report.touching.push([svg, a.text, b.text]);
        });
      });
    }
    for (const width of [1280, 390]) {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const view = await context.newPage();
      for (const name of pages) {
        await view.goto("file://" + path.join(dist, name));
        await view.evaluate(() => {
          document.querySelectorAll("details.picture-table").forEach((d) => { d.open = true; });
        });
        const pictures = await view.$$eval("section.picture img", (images) => images.map((img) => ({
          alt: img.alt, loaded: img.complete && img.naturalWidth > 0,
          right: img.getBoundingClientRect().right, height: img.getBoundingClientRect().height,
        })));
        const tables = await view.$$eval("section.picture details table", (tables) => tables.map(
          (t) => t.getBoundingClientRect().right));
        const file = name.replace(/\//g, "_").replace(/\.html$/, "") + "." + width + ".png";
        await view.screenshot({ path: path.join(shots, file), fullPage: true });
        report.pages.push({ name, width, pictures, tables, file });
      }
      await context.close();
    }
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(report));
})().catch((error) => { console.error(error); process.exit(1); });
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    if shutil.which("node") is None or not (NODE_MODULES / "playwright-core").is_dir():
        pytest.skip("playwright-core is not installed: run `make web` (npm ci in web/)")
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing: `make chromium` installs it")
    dist = built_site().output_dir
    folder = tmp_path_factory.mktemp("pictures")
    script = folder / "pictures.cjs"
    script.write_text(SCRIPT, encoding="utf-8")
    svgs = sorted(str(p.relative_to(dist)) for p in (dist / "pictures").rglob("*.svg"))
    pages = [f"{name}{suffix}" for name in PAGES for suffix in (".html", ".fr.html")]
    completed = subprocess.run(
        ["node", str(script), str(dist), str(folder), json.dumps(svgs), json.dumps(pages)],
        capture_output=True,
        env={"NODE_PATH": str(NODE_MODULES), "PATH": "/usr/bin:/bin", "HOME": str(folder)},
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    found: dict[str, object] = json.loads(completed.stdout.strip().splitlines()[-1])
    found["svgs"], found["folder"] = len(svgs), folder
    return found


def test_no_two_labels_touch_and_none_runs_past_its_picture(report: dict[str, object]) -> None:
    assert report["svgs"] == 2 + 2 * 2 * 8  # the home timeline, 8 profiles' diagram and timeline; 2 languages
    assert report["touching"] == []
    assert report["outside"] == []
    assert isinstance(report["texts"], int) and report["texts"] > 500


def test_the_pictures_load_with_their_alternative_and_fit_a_phone(report: dict[str, object]) -> None:
    pages = report["pages"]
    assert isinstance(pages, list) and len(pages) == 2 * 2 * len(PAGES)
    for page in pages:
        expected = 1 if page["name"].startswith("index") else 2
        assert len(page["pictures"]) == expected == len(page["tables"]), page["name"]
        for picture in page["pictures"]:
            assert picture["loaded"] and len(picture["alt"]) > 20 and picture["height"] > 100, page["name"]
            assert picture["right"] <= page["width"], page["name"]
        if page["width"] == 390:
            assert all(right <= 390 for right in page["tables"]), page["name"]
        shot = Path(str(report["folder"])) / page["file"]
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
