"""Keeps the `browser` and `external` markers true: a test that starts such a program must carry its marker.

An audit hook (PEP 578) sees every program this process starts. After each phase of a test (set-up, call,
tear-down), a program started during it fails the test unless the test carries a marker that program
needs; a test that uses a fixture which started one (a server shared by a module, say) needs it too, even
when the program was already running. So `pytest -m "not external and not browser"` cannot start Chromium
or a triplestore behind a developer's back, and `make test` reports a test whose marker is missing.

conftest.py registers `MarkerGuard` as a plugin; the guard only reads and records, it never stops a program.
"""

from __future__ import annotations

import os
import shlex
import sys
import threading
from collections.abc import Generator, Sequence
from typing import Any

import pytest

BROWSER = frozenset({"browser"})
EXTERNAL = frozenset({"external"})
# program name (the file name of what is executed) -> the markers any one of which allows starting it
PROGRAMS: dict[str, frozenset[str]] = {
    "chromium": BROWSER,
    "chromium-browser": BROWSER,
    "chrome": BROWSER,
    "google-chrome": BROWSER,
    "node": BROWSER | EXTERNAL,  # playwright (a browser) or a JavaScript client such as Comunica
    "comunica-sparql": EXTERNAL,
    "comunica-sparql-http": EXTERNAL,
    "oxigraph": EXTERNAL,  # the Oxigraph server, not the pyoxigraph library
    "virtuoso-t": EXTERNAL,
    "isql-vt": EXTERNAL,
    "java": EXTERNAL,  # Jena and its tools run on it, and OpenRefine
    "openrefine": EXTERNAL,
    "fuseki-server": EXTERNAL,
    "arq": EXTERNAL,
    "riot": EXTERNAL,
    "rsparql": EXTERNAL,
    "sparql": EXTERNAL,
}
SHELLS = frozenset({"sh", "bash", "dash"})


def program_of(event: str, args: tuple[Any, ...]) -> str | None:
    """The file name of the program an audit event starts, or None for any other event."""
    if event == "subprocess.Popen":
        executable, argv = args[0], args[1]
        words = [argv] if isinstance(argv, str | bytes | os.PathLike) else list(argv)
        if executable is None and not words:
            return None
        name = os.path.basename(os.fsdecode(executable if executable is not None else words[0]))
        if name in SHELLS and len(words) > 2 and words[1] == "-c":
            command = shlex.split(os.fsdecode(words[2]))
            return os.path.basename(command[0]) if command else name
        return name
    if event in ("os.posix_spawn", "os.exec", "os.spawn"):
        return os.path.basename(os.fsdecode(args[0] if event != "os.spawn" else args[1]))
    return None


class MarkerGuard:
    """The pytest plugin: records program starts and fails the tests whose markers do not allow them."""

    def __init__(self) -> None:
        self.started: list[str] = []  # every watched program started in this process, in order
        self.seen = 0  # how many of them earlier test phases have already accounted for
        self.by_fixture: dict[int, set[str]] = {}  # id(FixtureDef) -> programs its set-up started
        self.lock = threading.Lock()
        sys.addaudithook(self._audit)

    def _audit(self, event: str, args: tuple[Any, ...]) -> None:
        if event not in ("subprocess.Popen", "os.posix_spawn", "os.exec", "os.spawn"):
            return
        try:
            name = program_of(event, args)
        except Exception:  # an audit hook must never break the program start it watches
            return
        if name in PROGRAMS:
            with self.lock:
                self.started.append(name)

    @pytest.hookimpl(wrapper=True)
    def pytest_fixture_setup(
        self, fixturedef: Any, request: pytest.FixtureRequest
    ) -> Generator[None, Any, Any]:
        before = len(self.started)
        try:
            return (yield)
        finally:
            programs = set(self.started[before:])
            if programs:
                self.by_fixture.setdefault(id(fixturedef), set()).update(programs)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        with self.lock:
            programs = set(self.started[self.seen :])
            self.seen = len(self.started)
        if call.when == "setup":
            programs |= self._programs_of_fixtures(item)
        marks = {mark.name for mark in item.iter_markers()}
        missing = sorted(
            f"{name} (mark it {' or '.join(sorted(PROGRAMS[name]))})"
            for name in programs
            if not PROGRAMS[name] & marks
        )
        if missing:
            message = (
                f"{item.nodeid} starts or uses a program its markers do not declare: {', '.join(missing)}. "
                "Add the marker (pytest.mark.browser or pytest.mark.external) so that the fast check "
                "(-m 'not slow and not external and not browser') leaves it out."
            )
            if report.passed or report.skipped:
                report.outcome = "failed"
                report.longrepr = message
            else:
                report.sections.append(("markers", message))
        return report

    def _programs_of_fixtures(self, item: pytest.Item) -> set[str]:
        info = getattr(item, "_fixtureinfo", None)
        definitions: dict[str, Sequence[Any]] = getattr(info, "name2fixturedefs", {}) or {}
        programs: set[str] = set()
        for name in getattr(item, "fixturenames", ()):
            for definition in definitions.get(name, ()):
                programs |= self.by_fixture.get(id(definition), set())
        return programs
