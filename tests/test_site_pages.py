# ruff: noqa: RUF001  (French typography: the apostrophe is U+2019, quote marks « » with no-break spaces)
"""Pages for readers (issue 14, items 1, 5 and 6): statement pages lead with the quote, profiles list what a
person or an organisation did with its source, amounts and dates are in words, the data is folded in an
"As data" section, one home page per language; in headless Chromium, the first screen of a statement page,
no sideways scrolling from 360 px, keyboard navigation and axe-core on every kind of page."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Literal

from pia_kg.publish.site.reading import count_words, date_words, language_name, literal_words, number_words
from pia_kg.rdf.namespaces import XSD

from .conftest import REPO_ROOT
from .published import built_site

STATEMENT = "id/statement/pr-2025-07-current-ai-maroc--883-1078"
UNNAMED = "id/statement/pr-2025-07-current-ai-maroc--1159-1425"
FUNDING = "id/funding/current-ai--investissement-initial"
PERSON = "id/person/martin-tisne"
CURIE = re.compile(r"\b(?:pia|xsd|schema|prov|org|skos|rdf|rdfs|dcterms|oa|owl|dcat|void):[A-Za-z]")
NBSP = "\u00a0"


@pytest.fixture(scope="module")
def dist() -> Path:
    return built_site().output_dir


def read(dist: Path, path: str, lang: str = "en") -> str:
    return (dist / (f"{path}.html" if lang == "en" else f"{path}.{lang}.html")).read_text(encoding="utf-8")


def reader_part(page: str) -> str:
    """The visible text of <main> a reader meets: without the folded "As data" section and the curators'
    notes (quoted from the graph as written, they may name a property)."""
    main = page.split('<main id="main">', 1)[1].split("</main>", 1)[0]
    main = re.sub(r"<details.*?</details>", " ", main, flags=re.S)
    main = re.sub(r'<p class="note".*?</p>', " ", main, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", main))


def first(pattern: str, page: str) -> str:
    found = re.search(pattern, page, re.S)
    assert found is not None, pattern
    return re.sub(r"[ \t\n]+", " ", html.unescape(re.sub(r"<[^>]+>", "", found.group(1)))).strip()


# ------------------------------------------------------------------ formats


def test_numbers_and_dates_read_in_the_pages_language() -> None:
    assert number_words(Decimal(400_000_000), "en") == "400 million"
    assert number_words(Decimal(400_000_000), "fr") == "400 millions"
    assert number_words(Decimal(1_234_567), "en") == "1,234,567"  # a compact form would round it
    assert number_words(Decimal(1_234_567), "fr") == "1\u202f234\u202f567"
    assert date_words(Literal("2025-07", datatype=XSD.gYearMonth), "en") == "July 2025"
    assert count_words(2, "agreement", "en") == "two agreements"
    assert count_words(2, "agreement", "fr") == "deux accords"
    assert count_words(1, "statement", "fr") == "une déclaration"
    assert count_words(1, "agreement", "fr") == "un accord"
    assert (count_words(0, "person", "en"), count_words(20, "theme", "fr")) == ("zero people", "vingt thèmes")
    assert count_words(21, "person", "en") == "21 people"
    assert count_words(1250, "statement", "en") == "1,250 statements"
    assert count_words(1250, "statement", "fr") == "1\u202f250 déclarations"  # a narrow no-break space
    assert date_words(Literal("2025-07", datatype=XSD.gYearMonth), "fr") == "juillet 2025"
    assert date_words(Literal("2025-07-03", datatype=XSD.date), "fr") == "3 juillet 2025"
    assert date_words(Literal("2025", datatype=XSD.gYear), "en") == "2025"
    assert literal_words(Literal(False), "fr").text == "non"
    assert literal_words(Literal("2025", datatype=XSD.gYear), "fr").note == "à l’année près"
    assert (language_name(Literal("fr"), "en").text, language_name(Literal("fr"), "fr").text) == (
        "French",
        "français",
    )


# ------------------------------------------------------------------ statement pages


def test_a_statement_page_leads_with_the_quote_its_speaker_role_date_and_source(dist: Path) -> None:
    page = read(dist, STATEMENT)
    main = page.split('<main id="main">', 1)[1]
    quote = first(r'<h1 class="quote" lang="fr">(.*?)</h1>', page)
    assert quote.startswith("“Nous sommes fiers de compter le Maroc") and quote.endswith("par des valeurs”")
    assert main.index('class="quote"') < main.index('class="speaker"') < main.index('id="provenance"')
    speaker = first(r'<p class="speaker">(.*?)</p>', page)
    assert speaker == (
        "— Martin Tisné, Chair of the Current AI preparatory committee · Current AI preparatory committee"
    )
    assert first(r'<p class="when">(.*?)</p>', page) == "July 2025 (to the month; source date)"
    assert first(r'<p class="source">(.*?)</p>', page).startswith("Source: Press release: memorandum")
    assert "<mark>Nous sommes fiers" in page


def test_a_french_statement_page_uses_french_quote_marks_and_words(dist: Path) -> None:
    page = read(dist, STATEMENT, "fr")
    quote = first(r'<h1 class="quote" lang="fr">(.*?)</h1>', page)
    assert quote.startswith(f"«{NBSP}Nous sommes fiers") and quote.endswith(f"valeurs{NBSP}»")
    when = first(r'<p class="when">(.*?)</p>', page)
    assert when == f"juillet 2025 (au mois près{NBSP}; date de la source)"
    assert first(r"<title>(.*?)</title>", page).startswith(f"«{NBSP}Nous sommes fiers")
    assert "Président du comité de préfiguration de Current AI" in page
    assert first(r'<footer class="site">(.*?)</footer>', page).startswith(f"Données{NBSP}: CC BY 4.0")


def test_a_quote_whose_speaker_the_source_does_not_name_says_so_and_is_not_titled_with_a_name(
    dist: Path,
) -> None:
    for lang, unnamed, follows in (
        ("en", "Speaker not named in the source.", "The quote follows one by Martin Tisné."),
        ("fr", "Locuteur non nommé dans la source.", "La citation suit une citation de Martin Tisné."),
    ):
        page = read(dist, UNNAMED, lang)
        said = first(r'<p class="speaker unnamed">(.*?)</p>', page)
        assert said.startswith(f"{unnamed} {follows}"), said
        assert "Tisné" not in first(r"<title>(.*?)</title>", page)
        assert "Tisné" not in first(r"<h1[^>]*>(.*?)</h1>", page)
    definition = "The source does not attribute the words; the candidate speaker is inferred"
    assert definition in read(dist, UNNAMED)  # the basis, in the words of the vocabulary


# ------------------------------------------------------------------ profiles, funding


def test_a_person_profile_lists_posts_and_statements_each_once_with_its_source(dist: Path) -> None:
    page = read(dist, PERSON)
    reader = page.split("<details", 1)[0]
    for key in ("posts", "said", "maybe_said"):
        assert f'id="list-{key}"' in reader, key
    for statement in (STATEMENT, UNNAMED):
        name = statement.rsplit("/", 1)[1]
        assert reader.count(f'href="../statement/{name}.html"') == 1, name
    said = reader.split('id="list-said"', 1)[1].split("</section>", 1)[0]
    assert "(source: " in html.unescape(re.sub(r"<[^>]+>", "", said))
    folded = page.split("<details", 1)[1].split('id="incoming-data"', 1)[1]
    assert folded.count(f'href="../statement/{STATEMENT.rsplit("/", 1)[1]}.html"') == 1
    assert "attribution › agent, said by" in folded


def test_a_funding_page_says_the_amount_as_stated_and_the_assumed_currency_as_such(dist: Path) -> None:
    english = reader_part(read(dist, FUNDING))
    assert "400 million dollars (as stated)" in english
    assert "$400 million (USD; currency assumed by the curators, basis: interpretation)" in english
    assert "The source does not name every funder." in english
    assert "a group of governments, philanthropic partners and leading companies" in english
    french = re.sub(r"[ \t\n]+", " ", reader_part(read(dist, FUNDING, "fr")))
    assert "400 millions de dollars (tel qu’énoncé)" in french
    assert "un ensemble de gouvernements, de partenaires philanthropiques" in french
    assert "400000000" not in english + french


def test_no_identifier_or_datatype_outside_the_as_data_section(dist: Path) -> None:
    pages = [*sorted(dist.glob("id/*/*.html")), dist / "index.html", dist / "index.fr.html"]
    assert len(pages) > 70
    for path in pages:
        page = path.read_text(encoding="utf-8")
        shown = reader_part(page)
        assert CURIE.search(shown) is None, (path.relative_to(dist), CURIE.search(shown))
        assert "https://w3id.org/pia-kg/" not in shown, path.relative_to(dist)
        if path.parent.name != "id" and not path.name.startswith("index."):
            assert '<details class="as-data">' in page, path.relative_to(dist)


# ------------------------------------------------------------------ home pages, languages


def test_one_home_page_per_language_with_sources_latest_statements_and_counts(dist: Path) -> None:
    english, french = read(dist, "index"), read(dist, "index", "fr")
    assert '<link rel="alternate" hreflang="fr" href="index.fr.html">' in english
    assert '<link rel="alternate" hreflang="en" href="index.html">' in french
    sources = first(r'<section aria-labelledby="sources">(.*?)</section>', english)
    assert "Press release: memorandum of understanding between Current AI and Morocco" in sources
    assert "July 2025 (to the month)" in sources
    latest = first(r'<section aria-labelledby="latest">(.*?)</section>', french)
    assert f"«{NBSP}Nous sommes fiers" in latest and "— Martin Tisné · juillet 2025" in latest
    assert "Locuteur non nommé dans la source." in latest
    counts = first(r'id="counts">.*?</h2>(.*?)</section>', french)
    assert counts.startswith("Le graphe contient un accord, un document source, quatre événements,")
    assert "une adhésion, cinq organisations" in counts
    assert counts.endswith("trois déclarations et cinq thèmes.")
    english_counts = first(r'id="counts">.*?</h2>(.*?)</section>', english)
    assert english_counts.startswith("The graph holds one agreement, one source document, four events,")
    assert not re.search(r"\d", counts + english_counts)
    for href in (
        "search.fr.html",
        "questions.fr.html",
        "query.fr.html",
        "index.fr.html#downloads",
        "index.html",
    ):
        assert f'href="{href}"' in french, href


def test_every_page_has_both_languages_as_alternates(dist: Path) -> None:
    for path in sorted(dist.rglob("*.html")):
        page = path.read_text(encoding="utf-8")
        alternates = dict(re.findall(r'<link rel="alternate" hreflang="(en|fr)" href="([^"]+)">', page))
        assert sorted(alternates) == ["en", "fr"], path.relative_to(dist)
        for href in alternates.values():
            assert (path.parent / href).is_file(), (path.relative_to(dist), href)
        lang = "fr" if path.name.endswith(".fr.html") else "en"
        assert f'<html lang="{lang}">' in page


# ------------------------------------------------------------------ in a browser

CHROMIUM = Path("/usr/bin/chromium")
NODE_MODULES = REPO_ROOT / "web" / "node_modules"
KINDS = ("agreement", "doc", "event", "funding", "membership", "organisation", "party", "person", "place")
KINDS += ("post", "programme", "statement", "theme")
SCRIPT = r"""
const { chromium } = require("playwright-core");
const fs = require("fs");
const [jobsFile, axePath] = process.argv.slice(2);
const jobs = JSON.parse(fs.readFileSync(jobsFile, "utf8"));
(async () => {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const seen = [];
  try {
    for (const job of jobs) {
      const page = await browser.newPage({ viewport: { width: job.width, height: job.height } });
      page.setDefaultTimeout(120000);  // waits end as soon as the page is ready; this only stops a hang
      await page.goto(job.url, { waitUntil: "load" });
      const result = { url: job.url, width: job.width };
      result.overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      result.firstScreen = await page.evaluate(() => {
        const inView = (selector) => {
          const element = document.querySelector(selector);
          if (!element) return null;
          const box = element.getBoundingClientRect();
          return box.height > 0 && box.bottom <= window.innerHeight;
        };
        return { quote: inView("h1.quote"), speaker: inView(".speaker"), source: inView("header .source") };
      });
      if (job.shot) await page.screenshot({ path: job.shot, fullPage: true });
      if (job.axe) {
        await page.addScriptTag({ path: axePath });
        const axe = async () => page.evaluate(async () => {
          const found = await window.axe.run(document);
          return found.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
        });
        result.violations = await axe();
        await page.evaluate(() => document.querySelectorAll("details").forEach((d) => { d.open = true; }));
        result.violations.push(...(await axe()).map((v) => `(as data open) ${v}`));
        await page.evaluate(() => document.querySelectorAll("details").forEach((d) => { d.open = false; }));
      }
      if (job.keyboard) {
        await page.keyboard.press("Tab");
        result.skip = await page.evaluate(() => document.activeElement.className === "skip"
          && document.activeElement.getBoundingClientRect().left >= 0);
        let summary = false;
        for (let i = 0; i < 400 && !summary; i++) {
          await page.keyboard.press("Tab");
          summary = await page.evaluate(() => document.activeElement.tagName === "SUMMARY"
            && document.activeElement.parentElement.classList.contains("as-data"));
        }
        if (summary) {
          await page.keyboard.press("Enter");
          result.opened = await page.evaluate(() => document.querySelector("details.as-data").open);
        } else {
          result.opened = null;
        }
      }
      seen.push(result);
      await page.close();
    }
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(seen));
})().catch((error) => { console.error(error); process.exit(1); });
"""


def _pages(dist: Path) -> list[str]:
    """One page of each kind of resource, the lists, the home, ontology, questions and query pages."""
    chosen = [STATEMENT, UNNAMED]
    for kind in KINDS:
        found = sorted(
            p
            for p in (dist / "id" / kind).glob("*.html")
            if not p.name.startswith("index.") and not p.name.endswith(".fr.html")
        )
        chosen.append(str(found[0].relative_to(dist)).removesuffix(".html"))
    chosen += ["id/person/index", "index", "ns", "questions", "query"]
    return list(dict.fromkeys(chosen))


@pytest.fixture(scope="module")
def browser_run(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, object]]:
    if shutil.which("node") is None or not (NODE_MODULES / "playwright-core").is_dir():
        pytest.skip("playwright-core is not installed: run `make web` (npm ci in web/)")
    axe = NODE_MODULES / "axe-core" / "axe.min.js"
    if not axe.is_file():
        pytest.skip("axe-core is not installed: run `make web` (npm ci in web/)")
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing: `make chromium` installs it")
    work = tmp_path_factory.mktemp("site-pages")
    shots = Path(os.environ.get("PIA_KG_SCREENSHOTS", work / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    jobs = []
    for path in _pages(dist):
        for lang in ("en", "fr"):
            url = (dist / (f"{path}.html" if lang == "en" else f"{path}.{lang}.html")).as_uri()
            name = path.replace("/", "_")
            for width, height in ((1280, 800), (390, 844)):
                shot = str(shots / f"{name}.{lang}.{width}.png")
                jobs.append({"url": url, "width": width, "height": height, "shot": shot, "axe": width > 1000})
            keyboard = {"url": url, "width": 360, "height": 740, "shot": None, "axe": False, "keyboard": True}
            jobs.append(keyboard)
    jobs_file = work / "jobs.json"
    jobs_file.write_text(json.dumps(jobs), encoding="utf-8")
    script = work / "site-pages.cjs"
    script.write_text(SCRIPT, encoding="utf-8")
    completed = subprocess.run(
        ["node", str(script), str(jobs_file), str(axe)],
        capture_output=True,
        env={"NODE_PATH": str(NODE_MODULES), "PATH": "/usr/bin:/bin", "HOME": str(work)},
        timeout=1200,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr.decode()[-3000:]
    results: list[dict[str, object]] = json.loads(completed.stdout.decode().strip().splitlines()[-1])
    assert len(results) == len(jobs)
    return results


@pytest.mark.browser
@pytest.mark.slow
def test_the_quote_speaker_and_source_are_in_the_first_screen_of_a_statement_page(
    browser_run: list[dict[str, object]],
) -> None:
    statements = [r for r in browser_run if "/id/statement/" in str(r["url"]) and r["width"] != 360]
    assert len(statements) == 8
    for result in statements:
        assert result["firstScreen"] == {"quote": True, "speaker": True, "source": True}, result


@pytest.mark.browser
@pytest.mark.slow
def test_no_page_scrolls_sideways_from_360_px(browser_run: list[dict[str, object]]) -> None:
    assert [(r["url"], r["width"], r["overflow"]) for r in browser_run if r["overflow"] != 0] == []


@pytest.mark.browser
@pytest.mark.slow
def test_axe_core_finds_no_violation_on_any_kind_of_page(browser_run: list[dict[str, object]]) -> None:
    checked = [r for r in browser_run if "violations" in r]
    assert len(checked) == 2 * len(_pages(built_site().output_dir))
    assert [(r["url"], r["width"], r["violations"]) for r in checked if r["violations"]] == []


@pytest.mark.browser
@pytest.mark.slow
def test_the_keyboard_reaches_the_skip_link_first_and_opens_the_as_data_section(
    browser_run: list[dict[str, object]],
) -> None:
    walked = [r for r in browser_run if "skip" in r]
    assert walked and all(r["skip"] for r in walked)
    resources = [r for r in walked if "/id/" in str(r["url"]) and "/index." not in str(r["url"])]
    assert resources and [r["url"] for r in resources if r["opened"] is not True] == []


VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"


@pytest.mark.external
@pytest.mark.slow
def test_the_nu_html_checker_finds_no_error_in_the_whole_site(dist: Path) -> None:
    if shutil.which("java") is None or not VNU.is_file():
        pytest.skip("java or vnu.jar is missing: `make web` installs vnu-jar from npm, Debian's java runs it")
    checked = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--skip-non-html", "--format", "gnu", str(dist)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert (checked.returncode, checked.stderr.strip()) == (0, ""), checked.stderr[-3000:]
