"""Project discovery and sorted file listing."""

from __future__ import annotations

from pathlib import Path

import pytest

from pia_kg.errors import ConfigError
from pia_kg.project import Project


def test_discover_walks_up_to_the_repository_root(tiny_project: Project) -> None:
    nested = tiny_project.data_dir / "deep"
    nested.mkdir()
    assert Project.discover(nested).root == tiny_project.root


def test_discover_outside_a_project_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not inside a pia-kg project") as err:
        Project.discover(tmp_path)
    assert "--project" in (err.value.hint or "")


def test_shapes_files_are_kept_apart_from_the_ontology(tiny_project: Project) -> None:
    vocab = tiny_project.ontology_dir / "vocabularies"
    vocab.mkdir()
    (vocab / "b.ttl").write_text("", encoding="utf-8")
    (vocab / "a.ttl").write_text("", encoding="utf-8")
    names = [path.relative_to(tiny_project.root).as_posix() for path in tiny_project.ontology_files()]
    assert names == ["ontology/pia.ttl", "ontology/vocabularies/a.ttl", "ontology/vocabularies/b.ttl"]
    assert [path.name for path in tiny_project.shapes_files()] == ["shapes.ttl"]


def test_sources_default_to_the_environment_then_beside_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PIA_KG_SOURCES", raising=False)
    assert Project(tmp_path / "repo").sources_dir == tmp_path / "shared" / "sources"
    monkeypatch.setenv("PIA_KG_SOURCES", str(tmp_path / "texts"))
    assert Project(tmp_path / "repo").sources_dir == tmp_path / "texts"
    assert Project(tmp_path / "repo", tmp_path / "given").sources_dir == tmp_path / "given"
