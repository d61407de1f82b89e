"""Where the project's files live; sorted discovery, no parsing."""

from __future__ import annotations

import os
from pathlib import Path

from pia_kg.errors import ConfigError

SOURCES_ENV = "PIA_KG_SOURCES"


class Project:
    """A checkout of pia-kg: `ontology/`, `data/` and `queries/` under `root`, plus the source texts.

    The source texts are not part of the repository: they sit beside it in `../shared/sources` unless
    `sources_dir` or the environment variable PIA_KG_SOURCES says otherwise.
    """

    def __init__(self, root: Path, sources_dir: Path | None = None) -> None:
        self.root = Path(root).resolve()
        if sources_dir is None:
            env = os.environ.get(SOURCES_ENV)
            sources_dir = Path(env) if env else self.root.parent / "shared" / "sources"
        self.sources_dir = Path(sources_dir)

    def __repr__(self) -> str:
        return f"Project(root={str(self.root)!r}, sources_dir={str(self.sources_dir)!r})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Project) and self.root == other.root and self.sources_dir == other.sources_dir
        )

    def __hash__(self) -> int:
        return hash((self.root, self.sources_dir))

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    def ontology_files(self) -> list[Path]:
        """Every `ontology/**/*.ttl` except the shapes files, sorted by repo-relative path."""
        return [path for path in _sorted_files(self.ontology_dir, "*.ttl") if not _is_shapes(path)]

    def shapes_files(self) -> list[Path]:
        """Every `ontology/**/shapes*.ttl`, sorted by repo-relative path."""
        return [path for path in _sorted_files(self.ontology_dir, "*.ttl") if _is_shapes(path)]

    def data_files(self) -> list[Path]:
        """Every `data/**/*.ttl`, sorted by repo-relative path."""
        return _sorted_files(self.data_dir, "*.ttl")

    def query_files(self) -> list[Path]:
        """Every `queries/*.rq`, sorted by name."""
        return _sorted_files(self.queries_dir, "*.rq", recursive=False)

    def relative(self, path: Path) -> str:
        """The path as shown to users and used in graph names: repo-relative POSIX if possible."""
        resolved = Path(path).resolve()
        try:
            return resolved.relative_to(self.root).as_posix()
        except ValueError:
            pass
        try:
            return resolved.relative_to(Path.cwd().resolve()).as_posix()
        except ValueError:
            return resolved.as_posix()

    @classmethod
    def discover(cls, start: Path | None = None, *, sources_dir: Path | None = None) -> Project:
        """Walk up from `start` (default: the working directory) to the first pia-kg checkout."""
        here = Path(start if start is not None else Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if is_project_root(folder):
                return cls(folder, sources_dir)
        raise ConfigError(
            f"{here}: not inside a pia-kg project (no folder with pyproject.toml, ontology/ and data/)",
            hint="Run the command inside the repository, or pass --project DIR.",
        )


def is_project_root(folder: Path) -> bool:
    """True if `folder` has pyproject.toml, ontology/ and data/."""
    return (
        (folder / "pyproject.toml").is_file()
        and (folder / "ontology").is_dir()
        and (folder / "data").is_dir()
    )


def _is_shapes(path: Path) -> bool:
    return path.name.startswith("shapes")


def _sorted_files(folder: Path, pattern: str, *, recursive: bool = True) -> list[Path]:
    if not folder.is_dir():
        return []
    found = folder.rglob(pattern) if recursive else folder.glob(pattern)
    return sorted(
        (path for path in found if path.is_file()), key=lambda path: path.relative_to(folder).as_posix()
    )
