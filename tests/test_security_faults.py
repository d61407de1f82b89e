"""Nothing lost, no crash (issue 8): interrupted or failing writes keep the previous output; a short fuzz run.

The build is slowed down (each file written sleeps a little, in the child process only) so that it can be
killed while it is writing; the disk-full cases replace the file object's `write` with one that writes half
and then raises ENOSPC, which fakes the disk, not rdflib.
"""

from __future__ import annotations

import errno
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pia_kg.cli import cli
from tests.conftest import REPO_ROOT, SOURCES_DIR

SLOW_BUILD = """
import sys, time
import pia_kg.site.build as build
original = build._Writer.bytes
def slow(self, relpath, data):
    time.sleep(0.02)
    original(self, relpath, data)
build._Writer.bytes = slow
from pia_kg.cli import cli
cli(sys.argv[1:])
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    """A copy of the real repository with a finished build in dist/, and dist/'s files."""
    root = tmp_path_factory.mktemp("faults") / "repo"
    for folder in ("ontology", "data", "queries"):
        shutil.copytree(REPO_ROOT / folder, root / folder)
    shutil.copy(REPO_ROOT / "pyproject.toml", root / "pyproject.toml")
    args = ["--project", str(root), "--sources", str(SOURCES_DIR), "build", "-o", str(root / "dist")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    return root, snapshot(root / "dist")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()
    }


def staging_files(root: Path) -> int:
    return sum(1 for folder in root.glob(".dist.build-*") for path in folder.rglob("*") if path.is_file())


@pytest.mark.parametrize("signal_number", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_a_build_killed_while_writing_leaves_the_previous_dist_intact(
    built: tuple[Path, dict[str, bytes]], signal_number: int
) -> None:
    root, before = built
    command = [sys.executable, "-c", SLOW_BUILD, "--project", str(root), "--sources", str(SOURCES_DIR)]
    process = subprocess.Popen([*command, "build", "-o", str(root / "dist")], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while staging_files(root) < 5 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert process.poll() is None, "the build ended before it could be interrupted"
        process.send_signal(signal_number)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode != 0
    assert b"Error:" not in stderr  # stopped by the signal, not by an error of its own
    assert snapshot(root / "dist") == before
    if signal_number == signal.SIGINT:  # Python unwinds: the half-written staging folder is removed too
        assert staging_files(root) == 0
    for folder in root.glob(".dist.build-*"):
        shutil.rmtree(folder)


class FullDisk:
    """A file object whose write stores half of what it is given, then fails as a full disk does."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def write(self, data: Any) -> int:
        self.stream.write(data[: len(data) // 2])
        self.stream.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)

    def __enter__(self) -> FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stream.close()


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    original = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda *args, **kwargs: FullDisk(original(*args, **kwargs)))


def test_query_output_on_a_full_disk_keeps_the_previous_file(
    built: tuple[Path, dict[str, bytes]], tmp_path: Path, full_disk: None
) -> None:
    root, _ = built
    output = tmp_path / "answer.csv"
    output.write_text("previous\n")
    args = [
        "--project",
        str(root),
        "query",
        "--text",
        "SELECT ?s WHERE { ?s ?p ?o } LIMIT 5",
        "-o",
        str(output),
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code != 0
    assert isinstance(result.exception, OSError) and result.exception.errno == errno.ENOSPC
    assert output.read_text() == "previous\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["answer.csv"]


def test_export_output_on_a_full_disk_keeps_the_previous_file(
    built: tuple[Path, dict[str, bytes]], tmp_path: Path, full_disk: None
) -> None:
    root, _ = built
    output = tmp_path / "graph.ttl"
    output.write_text("previous\n")
    result = CliRunner().invoke(cli, ["--project", str(root), "export", "-o", str(output)])
    assert isinstance(result.exception, OSError) and result.exception.errno == errno.ENOSPC
    assert output.read_text() == "previous\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["graph.ttl"]


def test_fmt_on_a_full_disk_keeps_the_previous_file(
    built: tuple[Path, dict[str, bytes]], full_disk: None
) -> None:
    root, _ = built
    path = root / "data" / "people.ttl"
    before = path.read_bytes()
    path.write_bytes(before.replace(b" ;\n", b" ;\n\n", 1))  # a blank line that fmt removes
    changed = path.read_bytes()
    try:
        result = CliRunner().invoke(cli, ["--project", str(root), "fmt"])
        assert isinstance(result.exception, OSError) and result.exception.errno == errno.ENOSPC
        assert path.read_bytes() == changed
        assert not list(path.parent.glob(".people.ttl.*"))
    finally:
        path.write_bytes(before)


def test_a_short_fuzz_run_of_the_turtle_loader_and_the_endpoint_finds_no_crash() -> None:
    spec = importlib.util.spec_from_file_location("fuzz_targets", REPO_ROOT / "fuzz" / "fuzz_targets.py")
    assert spec is not None and spec.loader is not None
    fuzz_targets = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fuzz_targets)
    from pia_kg import limits

    try:
        for target in ("turtle", "endpoint"):
            counts = fuzz_targets.fuzz(target, seconds=4.0, seed=7, crashes=None)
            assert counts["crash"] == 0, counts
            assert counts["cases"] > 20
    finally:
        limits.reset()
