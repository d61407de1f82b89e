"""A page's links: `pages.relative` gives what posixpath.relpath gives, for every pair of site paths; and the
same links in the same order on every build."""

from __future__ import annotations

import os
import posixpath
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pia_kg.publish.site.pages import relative

from .conftest import REPO_ROOT, SOURCES_DIR

SEGMENT = st.sampled_from(["id", "organisation", "a", "b", "x.html", "x.fr.html", ".", "..", "", "é"])
PATH = st.lists(SEGMENT, min_size=1, max_size=5).map("/".join)


@settings(max_examples=2000, deadline=None)
@given(PATH, PATH)
def test_relative_is_relpath_from_the_folder_of_the_page(from_file: str, to_file: str) -> None:
    try:
        expected = posixpath.relpath(to_file, posixpath.dirname(from_file) or ".")
    except ValueError:  # an empty path: refused alike
        with pytest.raises(ValueError):
            relative(from_file, to_file)
        return
    assert relative(from_file, to_file) == expected


def test_relative_links_between_pages_of_one_folder_of_two_folders_and_of_the_root() -> None:
    assert relative("id/organisation/a.html", "id/organisation/b.html") == "b.html"
    assert relative("id/organisation/a.html", "id/person/c.fr.html") == "../person/c.fr.html"
    assert relative("index.html", "id/person/c.html") == "id/person/c.html"
    assert relative("id/person/c.html", "index.html") == "../../index.html"
    assert relative("questions/q.html", "questions") == "."


@pytest.mark.slow
def test_pages_list_resources_of_one_name_in_the_same_order_on_every_build(tmp_path: Path) -> None:
    """Generated copies share their names: the lists of a theme page must not follow the hash seed."""
    project = tmp_path / "project"
    subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "benchmarks" / "generate.py"),
            "3000",
            "--out",
            str(project),
            "--violation-rate",
            "0",
        ],
        check=True,
        capture_output=True,
    )
    pages = []
    for seed in ("1", "2"):
        out = tmp_path / f"dist-{seed}"
        done = subprocess.run(
            [sys.executable, "-m", "pia_kg", "--project", str(project), "build", "-o", str(out)],
            env={**os.environ, "PYTHONHASHSEED": seed, "PIA_KG_SOURCES": str(SOURCES_DIR)},
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        pages.append({path.relative_to(out): path.read_bytes() for path in sorted(out.rglob("*.html"))})
    page = Path("id/theme/sante.html")
    assert page in pages[0] and pages[0][page].count(b"current-ai--") > 2
    assert [path for path in pages[0] if pages[0][path] != pages[1].get(path)] == []
