"""A persistent Oxigraph store of the project, in `.pia-kg/store/` (git-ignored), for `pia-kg query`.

One named graph per file of the ontology and the data (`urn:pia-kg:file:<path>`, as everywhere), kept up to
date by content: `manifest.json` records the sha256 of each file the store holds, with its size and time of
change. Opening the store compares each file's size and time of change with the manifest (as git compares
its index): a file that matches, and that did not change in the last second before the manifest was
written (when a later change could keep the same time), is not read at all; any other file is read and
hashed, and reloaded only if its hash changed. The graphs of files that are gone are dropped. So an
unchanged repository is neither parsed nor read.

A changed file is read by the same loader as every command (loading.parse_file_text: the same checks, the same
errors with file:line), so the store holds exactly the graph `load` gives. Crash safety: the manifest is
deleted before the first change and written (atomically, after `flush`) once every change is in, so a store
left half-written by a crash has no manifest and is rebuilt from the files, never trusted. A manifest of
another format or pyoxigraph version also means a rebuild. The store is written by one process at a time; a
second one (the lock is taken), or one that cannot write the folder, gets StoreUnavailable and reads the
files instead. Queries open the store read-only where they run (in the time-limited child process, see
limits.py), so no database handle crosses a fork. Readers hold a shared lock (`lock` beside the database), a
refresh that must write takes it exclusively, so that no process reads a database another is changing; a
refresh that finds nothing to change does not open the database at all.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pia_kg.files import write_atomic
from pia_kg.project import Project
from pia_kg.rdf.parsing import graph_id, read_text
from pia_kg.security.limits import current

STORE_DIR = Path(".pia-kg") / "store"
MANIFEST = "manifest.json"
FORMAT = 2
_RACY_NS = 1_000_000_000  # a file changed this close before the manifest was written is read again


@dataclass(frozen=True)
class DiskStore:
    """The project's store on disk, up to date with the files; `open()` gives a read-only pyoxigraph Store.

    `reloaded` and `removed` are the files that refreshing it loaded again or dropped, and `rebuilt` says
    whether it was built from nothing (no store, or no manifest one can trust)."""

    database: Path
    reloaded: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    rebuilt: bool = False

    @contextmanager
    def reading(self) -> Iterator[Any]:
        """The store opened read-only, while this process holds a shared lock on it, so that no refresh
        changes it meanwhile. Raises StoreUnavailable while a refresh is writing it: read the files."""
        import pyoxigraph as ox

        try:
            with _locked(self.database.parent, fcntl.LOCK_SH | fcntl.LOCK_NB):
                store = ox.Store.read_only(str(self.database))
                try:
                    yield store
                finally:
                    del store
        except BlockingIOError as err:
            raise StoreUnavailable("another process is writing the project's store") from err

    def checkpoint(self, target: Path) -> None:
        """A consistent copy of the store in the new folder `target`, which later refreshes of the project's
        store leave as it is (a RocksDB checkpoint: hard links where `target` is on the same file system,
        made in milliseconds). Raises StoreUnavailable while a refresh is writing the store."""
        with self.reading() as store:
            store.backup(str(target))


def store_folder(project: Project) -> Path:
    return project.root / STORE_DIR


def project_files(project: Project) -> list[tuple[str, Path]]:
    """The files the store holds (the ontology without the shapes, and the data), by repo-relative path."""
    return [(project.relative(path), path) for path in [*project.ontology_files(), *project.data_files()]]


class StoreUnavailable(Exception):
    """The store cannot be used now (another process writes it, or the folder cannot be written); the files
    can still be read."""


def refresh(project: Project) -> DiskStore:
    """Bring the project's store up to date with the files (creating it if need be).

    Raises StoreUnavailable when it must be written and another process reads or writes it, or the folder
    cannot be written.
    """
    folder = store_folder(project)
    database = folder / "db"
    manifest_path = folder / MANIFEST
    files = project_files(project)
    recorded, recorded_stats = _read_manifest(manifest_path)
    written_ns = manifest_path.stat().st_mtime_ns if recorded is not None else 0
    digests: dict[str, str] = {}
    stats: dict[str, list[int]] = {}
    texts: dict[str, str] = {}  # of the files that changed, read once: for the hash and for the parse
    for relpath, path in files:
        stat = _stat(path, relpath)
        stats[relpath] = stat
        if (
            recorded is not None
            and relpath in recorded
            and recorded_stats.get(relpath) == stat
            and stat[1] < written_ns - _RACY_NS
            and stat[0] <= current().max_file_bytes
        ):
            digests[relpath] = recorded[relpath]  # same size and time of change: not read
            continue
        text = read_text(path, relpath=relpath)  # as the loader reads it: size limit, strict UTF-8
        digests[relpath] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if recorded is None or recorded.get(relpath) != digests[relpath]:
            texts[relpath] = text
    held: dict[str, str] = {} if recorded is None else recorded
    changed = [relpath for relpath, _ in files if held.get(relpath) != digests[relpath]]
    removed = sorted(set(held) - set(digests))
    if recorded is not None and not changed and not removed and database.is_dir():
        if stats != recorded_stats:  # same contents, other times of change (a checkout, a touch)
            _write_manifest(manifest_path, digests, stats)
        return DiskStore(database)  # nothing to write: the database is not even opened
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _ignore_in_git(folder.parent)
        with _locked(folder, fcntl.LOCK_EX | fcntl.LOCK_NB):
            return _write(database, manifest_path, files, digests, stats, texts, recorded)
    except BlockingIOError as err:
        raise StoreUnavailable("another process is using the project's store") from err
    except OSError as err:  # a folder that cannot be written (permissions, a read-only file system)
        raise StoreUnavailable(f"{STORE_DIR} cannot be written ({err.strerror or err})") from err


def _write(
    database: Path,
    manifest_path: Path,
    files: list[tuple[str, Path]],
    digests: dict[str, str],
    stats: dict[str, list[int]],
    texts: dict[str, str],
    recorded: dict[str, str] | None,
) -> DiskStore:
    """Bring the database in line with `digests` (under the exclusive lock) and write the manifest."""
    import pyoxigraph as ox

    folder = database.parent
    try:
        store = ox.Store(str(database))
    except OSError as err:
        if "lock" in str(err).lower():
            raise StoreUnavailable("another process is writing the project's store") from err
        if not os.access(folder, os.W_OK):
            raise StoreUnavailable(f"{STORE_DIR} cannot be written ({err.strerror or err})") from err
        shutil.rmtree(database, ignore_errors=True)  # unreadable after a crash: start again
        manifest_path.unlink(missing_ok=True)
        recorded = None
        try:
            store = ox.Store(str(database))
        except OSError as again:
            raise StoreUnavailable(f"{STORE_DIR} cannot be opened ({again})") from again
    rebuilt = recorded is None
    held: dict[str, str] = {} if recorded is None else recorded
    changed = [relpath for relpath, _ in files if held.get(relpath) != digests[relpath]]
    removed = sorted(set(held) - set(digests))
    manifest_path.unlink(missing_ok=True)  # from here until the new manifest, a crash means a rebuild
    if rebuilt:
        store.clear()
    for relpath in removed:
        store.remove_graph(ox.NamedNode(str(graph_id(relpath))))
    paths = dict(files)
    for relpath in changed:
        # read above, unless the database was unreadable and reset after the files were read
        text = texts.pop(relpath) if relpath in texts else read_text(paths[relpath], relpath=relpath)
        _load_file(store, paths[relpath], relpath, text)
    store.flush()
    if changed or removed:
        # the bulk loader adds table files per write; compacted, reads are as fast as from a store written
        # quad by quad (at 1M triples: 2.4 s here, reads about 1.5x faster after)
        store.optimize()
    _write_manifest(manifest_path, digests, stats)
    del store  # closes the database and its lock: queries open it read-only
    return DiskStore(database, tuple(changed), tuple(removed), rebuilt)


@contextmanager
def _locked(folder: Path, operation: int) -> Iterator[None]:
    """Hold `folder/lock` with flock's `operation` (shared or exclusive, waiting or not) for the block."""
    handle = os.open(folder / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(handle, operation)
        yield
    finally:
        os.close(handle)  # releases the lock


def _load_file(store: Any, path: Path, relpath: str, text: str) -> None:
    """The file's graph, replaced: read as `validate` reads it (store_graph.load_file_into: pyoxigraph
    straight into the store, with the loader's checks and errors), never through an rdflib graph. Written by
    the bulk loader, which is not atomic: a write that fails half-way leaves no manifest, so the next refresh
    rebuilds the store (_write removes the manifest before the first write)."""
    import pyoxigraph as ox

    from pia_kg.graph.store_graph import load_file_into

    name = ox.NamedNode(str(graph_id(relpath)))
    if store.contains_named_graph(name):
        store.remove_graph(name)
    store.add_graph(name)
    load_file_into(store, text, path=path, relpath=relpath, bulk=True)


def _stat(path: Path, relpath: str) -> list[int]:
    """A file's size and time of change (ns), as the manifest records them."""
    try:
        found = path.stat()
    except FileNotFoundError:
        read_text(path, relpath=relpath)  # says so, as the loader does
        raise
    return [found.st_size, found.st_mtime_ns]


def _read_manifest(path: Path) -> tuple[dict[str, str] | None, dict[str, list[int]]]:
    """The recorded hashes (None when there is no manifest one can trust) and the recorded size and time of
    change of each file."""
    import pyoxigraph as ox

    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, {}
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or manifest.get("pyoxigraph") != ox.__version__
        or not isinstance(manifest.get("files"), dict)
        or not isinstance(manifest.get("stats"), dict)
    ):
        return None, {}
    digests = {str(relpath): str(digest) for relpath, digest in manifest["files"].items()}
    stats = {
        str(relpath): [int(number) for number in stat]
        for relpath, stat in manifest["stats"].items()
        if isinstance(stat, list) and len(stat) == 2
    }
    return digests, stats


def _write_manifest(path: Path, digests: dict[str, str], stats: dict[str, list[int]]) -> None:
    import pyoxigraph as ox

    manifest = {
        "format": FORMAT,
        "pyoxigraph": ox.__version__,
        "files": dict(sorted(digests.items())),
        "stats": dict(sorted(stats.items())),
    }
    write_atomic(path, (json.dumps(manifest, indent=2) + "\n").encode("utf-8"))


def _ignore_in_git(folder: Path) -> None:
    """`.pia-kg/` ignores itself: the store never shows in `git status`, whatever the .gitignore says."""
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")
