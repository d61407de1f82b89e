"""The real repository built once per test run, shared by the publishing tests (building takes seconds)."""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

from pia_kg.graph.loading import KnowledgeGraph, load
from pia_kg.project import Project
from pia_kg.publish.site.build import BuildResult, build_release
from pia_kg.rdf.jsonld import JsonObject, read_context

from .conftest import REPO_ROOT, SOURCES_DIR

BASE_URL = "https://pia-kg.example.org/site/"
HREF = re.compile(r'(?:href|src)="([^"]*)"')


@lru_cache(maxsize=1)
def repository() -> tuple[Project, KnowledgeGraph, JsonObject]:
    project = Project(REPO_ROOT, SOURCES_DIR)
    return project, load(project), read_context(project.ontology_dir)


@lru_cache(maxsize=2)
def built_site(name: str = "dist") -> BuildResult:
    """Build the repository into a fresh temporary folder (removed at exit); `name` keys separate builds."""
    folder = Path(tempfile.mkdtemp(prefix="pia-kg-publish-"))
    atexit.register(shutil.rmtree, folder, True)
    result = build_release(repository()[0], output_dir=folder / name, base_url=BASE_URL)
    assert result.built, result.report
    return result


def relative_links(html: str) -> list[str]:
    """Every href/src of a page that points inside the site (no scheme, no fragment-only link), the query
    editor's included: dist/ has a page of its own there."""
    return [
        link.split("#")[0]
        for link in HREF.findall(html)
        if link and not link.startswith("#") and ":" not in link.split("/")[0]
    ]
