"""Nothing lost, no crash (issue 8): interrupted or failing writes keep the previous output; a short fuzz run.

The build, in a child process, stops after its fifth file and waits for a signal, so that it is always
interrupted while it is writing; the disk-full cases replace the file object's `write` with one that writes
half and then raises ENOSPC, which fakes the disk, not rdflib.
"""

from __future__ import annotations

import errno
import importlib.util
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pia_kg.cli.main import cli
from tests.conftest import REPO_ROOT, SOURCES_DIR

WRITTEN_BEFORE_PAUSE = 5
PAUSED_BUILD = f"""
import signal, sys
import pia_kg.publish.site.build as build
original = build._Writer.bytes
written = []
def write_then_wait(self, relpath, data):
    original(self, relpath, data)
    written.append(relpath)
    if len(written) == {WRITTEN_BEFORE_PAUSE}:
        signal.pause()  # until the test's signal arrives
build._Writer.bytes = write_then_wait
from pia_kg.cli import cli
cli(sys.argv[1:])
"""


@pytest.fixture(scope="module")
def copied(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the real repository's ontology, data and queries."""
    root = tmp_path_factory.mktemp("faults") / "repo"
    for folder in ("ontology", "data", "queries"):
        shutil.copytree(REPO_ROOT / folder, root / folder)
    shutil.copy(REPO_ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


@pytest.fixture(scope="module")
def built(copied: Path) -> tuple[Path, dict[str, bytes]]:
    """The copy with a finished build in dist/, and dist/'s files."""
    root = copied
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


@pytest.mark.slow
@pytest.mark.parametrize("signal_number", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_a_build_killed_while_writing_leaves_the_previous_dist_intact(
    built: tuple[Path, dict[str, bytes]], signal_number: int
) -> None:
    root, before = built
    command = [sys.executable, "-c", PAUSED_BUILD, "--project", str(root), "--sources", str(SOURCES_DIR)]
    process = subprocess.Popen([*command, "build", "-o", str(root / "dist")], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120  # a hang guard: the build waits for the signal once paused
        while staging_files(root) < WRITTEN_BEFORE_PAUSE and process.poll() is None:
            assert time.monotonic() < deadline, "the build wrote nothing within 120 s"
            time.sleep(0.01)
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else "build ended"
        process.send_signal(signal_number)
        _, stderr = process.communicate(timeout=120)  # a busy machine is slow to unwind
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
    copied: Path, tmp_path: Path, full_disk: None
) -> None:
    root = copied
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
    copied: Path, tmp_path: Path, full_disk: None
) -> None:
    root = copied
    output = tmp_path / "graph.ttl"
    output.write_text("previous\n")
    result = CliRunner().invoke(cli, ["--project", str(root), "export", "-o", str(output)])
    assert isinstance(result.exception, OSError) and result.exception.errno == errno.ENOSPC
    assert output.read_text() == "previous\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["graph.ttl"]


def test_fmt_on_a_full_disk_keeps_the_previous_file(
    copied: Path, full_disk: None
) -> None:
    root = copied
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


@pytest.mark.parametrize(("target", "cases"), [("turtle", 200), ("endpoint", 30)])
def test_a_short_fuzz_run_of_the_turtle_loader_and_the_endpoint_finds_no_crash(
    target: str, cases: int
) -> None:
    """A fixed number of seeded cases of fuzz/fuzz_targets.py, so that every run tries the same inputs
    (the fuzzer's own runs are bounded by time, which a busy machine shortens)."""
    spec = importlib.util.spec_from_file_location("fuzz_targets", REPO_ROOT / "fuzz" / "fuzz_targets.py")
    assert spec is not None and spec.loader is not None
    fuzz_targets = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fuzz_targets)
    from pia_kg.security import limits

    seeds, run = fuzz_targets.TARGETS[target]()
    rng = random.Random(7)
    outcomes: Counter[str] = Counter()
    try:
        for number in range(cases):
            data = rng.choice(seeds)
            for _ in range(rng.randrange(1, 4)):
                _, data = fuzz_targets.mutate(data, rng)
            try:
                outcomes[run(data)] += 1
            except Exception as err:  # any outcome but the target's own is a crash: show its input
                pytest.fail(f"{target} case {number} crashed with {err!r} on {data[:300]!r}")
    finally:
        limits.reset()
    if target == "turtle":  # the mutations reach both sides of the parser
        assert outcomes["parsed"] and outcomes["rejected"], outcomes
