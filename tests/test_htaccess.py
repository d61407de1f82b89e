"""The .htaccess for https://w3id.org/pia-kg/: parsed, simulated, and checked against every published IRI."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import URIRef

from pia_kg.cli.main import cli
from pia_kg.graph.loading import load
from pia_kg.project import Project
from pia_kg.publish.site.pages import resource_path

from .published import BASE_URL, built_site, repository

W3ID = "https://w3id.org/pia-kg/"
MEDIA_TYPES = {"text/turtle": ".ttl", "application/ld+json": ".jsonld", "text/html": ".html"}


@dataclass(frozen=True)
class Rule:
    conditions: tuple[tuple[str, re.Pattern[str]], ...]
    pattern: re.Pattern[str]
    target: str
    flags: str


def parse_rules(text: str) -> list[Rule]:
    """The RewriteCond/RewriteRule pairs of an .htaccess (the subset Apache rules here use)."""
    rules: list[Rule] = []
    conditions: list[tuple[str, re.Pattern[str]]] = []
    for line in text.splitlines():
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        if parts[0] == "RewriteCond":
            variable = re.fullmatch(r"%\{(\w+)\}", parts[1])
            assert variable is not None, line
            conditions.append((variable.group(1), re.compile(parts[2])))
        elif parts[0] == "RewriteRule":
            rules.append(Rule(tuple(conditions), re.compile(parts[1]), parts[2], parts[3]))
            conditions = []
    return rules


def resolve(rules: list[Rule], path: str, *, accept: str, language: str = "en") -> tuple[str, str]:
    """(status flag, target URL) for a request of `path` (relative to the .htaccess folder)."""
    headers = {"HTTP_ACCEPT": accept, "HTTP_ACCEPT_LANGUAGE": language}
    for rule in rules:
        match = rule.pattern.search(path)
        if match is None or not all(regex.search(headers[name]) for name, regex in rule.conditions):
            continue
        target = rule.target
        for number, group in enumerate(match.groups(), start=1):
            target = target.replace(f"${number}", group or "")
        return rule.flags, target
    raise AssertionError(f"no rule for {path}")


@pytest.fixture(scope="module")
def site() -> tuple[Path, list[Rule]]:
    dist = built_site().output_dir
    return dist, parse_rules((dist / ".htaccess").read_text(encoding="utf-8"))


def _file(dist: Path, target: str) -> Path:
    assert target.startswith(BASE_URL), target
    return dist / target[len(BASE_URL) :].split("#")[0]


@pytest.mark.slow
@pytest.mark.parametrize("media_type", sorted(MEDIA_TYPES))
def test_every_resource_iri_maps_to_an_existing_file_for_each_media_type(
    site: tuple[Path, list[Rule]], media_type: str
) -> None:
    dist, rules = site
    _, kg, _ = repository()
    graph = kg.union("ontology", "data")
    iris = sorted({str(t) for t in graph.all_nodes() if isinstance(t, URIRef) and str(t).startswith(W3ID)})
    assert len(iris) > 100
    for iri in iris:
        path = iri[len(W3ID) :].split("#")[0]
        flag, target = resolve(rules, path, accept=f"{media_type},*/*;q=0.1")
        assert flag == "[R=303,L]", iri
        assert target.endswith(MEDIA_TYPES[media_type]), (iri, target)
        assert _file(dist, target).is_file(), (iri, target)
        if resource_path(iri) is not None:
            assert target == f"{BASE_URL}{resource_path(iri)}{MEDIA_TYPES[media_type]}"


@pytest.mark.slow
def test_a_browser_preferring_french_gets_the_french_page(site: tuple[Path, list[Rule]]) -> None:
    dist, rules = site
    accept = "text/html,application/xhtml+xml,*/*;q=0.8"
    _, target = resolve(rules, "id/person/martin-tisne", accept=accept, language="fr-FR,fr;q=0.9,en;q=0.5")
    assert target == f"{BASE_URL}id/person/martin-tisne.fr.html"
    assert _file(dist, target).is_file()


@pytest.mark.slow
def test_the_dataset_iri_and_other_paths_redirect_to_the_site(site: tuple[Path, list[Rule]]) -> None:
    dist, rules = site
    assert resolve(rules, "dataset", accept="text/turtle")[1] == f"{BASE_URL}dataset.ttl"
    assert resolve(rules, "dataset", accept="text/html")[1] == f"{BASE_URL}index.html"
    flag, target = resolve(rules, "context.jsonld", accept="application/ld+json")
    assert (flag, target) == ("[R=302,L]", f"{BASE_URL}context.jsonld")
    assert _file(dist, target).is_file()
    assert resolve(rules, "dumps/pia-kg.ttl", accept="*/*")[1] == f"{BASE_URL}dumps/pia-kg.ttl"


@pytest.mark.slow
def test_issue_12_without_base_url_the_rules_redirect_within_the_served_folder(
    runner: CliRunner, project: Project
) -> None:
    """Issue 12, item 13: without --base-url every 303 pointed at http://localhost:8000/."""
    output = project.root / "dist"
    result = runner.invoke(cli, ["--project", str(project.root), "build", "-o", str(output)])
    assert result.exit_code == 0, result.stderr
    text = (output / ".htaccess").read_text(encoding="utf-8")
    assert "localhost" not in text
    rules = parse_rules(text)
    assert all("://" not in rule.target and not rule.target.startswith("/") for rule in rules)
    graph = load(project).union("ontology", "data")
    iris = sorted({str(t) for t in graph.all_nodes() if isinstance(t, URIRef) and str(t).startswith(W3ID)})
    assert len(iris) > 50
    for media_type, extension in MEDIA_TYPES.items():
        for iri in iris:
            path = iri[len(W3ID) :].split("#")[0]
            flag, target = resolve(rules, path, accept=f"{media_type},*/*;q=0.1")
            assert (flag, target.endswith(extension)) == ("[R=303,L]", True), (iri, target)
            assert (output / target).is_file(), (iri, target)
    with pytest.raises(AssertionError, match="no rule"):  # files are served as they are, not redirected
        resolve(rules, "context.jsonld", accept="*/*")
