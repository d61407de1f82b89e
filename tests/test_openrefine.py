"""A real client of `/reconcile`: OpenRefine 3.6 (Debian's `openrefine`, `make openrefine` installs it).

OpenRefine runs headless on a free loopback port with a temporary workspace; `pia-kg serve` runs beside it
over the repository's graph. The test drives OpenRefine through its own HTTP commands, as its web page does:
a CSRF token, a project from an uploaded CSV of names, the `core/recon` operation against the service, the
`core/extend-reconciled-data` operation, then the rows and their reconciliation judgments. Where OpenRefine is
not installed or does not start, the test skips saying why. Both processes are always stopped.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.test_server_clients import free_port, start_server, stop_server

pytestmark = [pytest.mark.external, pytest.mark.slow]

ID = "https://w3id.org/pia-kg/id/"
PIA = "https://w3id.org/pia-kg/ns#"
NAMES = ["Martin Tisne", "AMAL EL FALLAH SEGHROUCHNI", "Current AI", "le Maroc", "Jean Dupont"]
START_LIMIT = 90  # seconds for OpenRefine to answer; it usually takes a few
DOCUMENT = ID + "doc/pr-2025-07-current-ai-maroc"


@pytest.fixture(scope="module")
def openrefine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a headless OpenRefine on 127.0.0.1, stopped (its whole process group) afterwards."""
    program = shutil.which("openrefine")
    if program is None:
        pytest.skip("OpenRefine is not installed (`make openrefine` installs Debian's openrefine as root)")
    if shutil.which("java") is None:
        pytest.skip("OpenRefine needs java, which is not installed")
    workspace = tmp_path_factory.mktemp("openrefine")
    log = workspace / "openrefine.log"
    port = free_port()
    command = [program, "-i", "127.0.0.1", "-p", str(port), "-d", str(workspace / "data"), "-m", "512M"]
    command += ["-x", "refine.headless=true", "run"]
    (workspace / "data").mkdir()
    with log.open("wb") as handle:
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        if not _wait_until_up(url, process):
            pytest.skip(f"OpenRefine did not start within {START_LIMIT} s: {_tail(log)}")
        yield url
    finally:
        _stop_group(process)


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + START_LIMIT
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url + "/command/core/get-csrf-token", timeout=2).status_code == 200:
                return True
        except httpx.TransportError:
            time.sleep(0.5)
    return False


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to OpenRefine's process group (the launcher script and its java), SIGKILL if it lingers."""
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
            _wait_for_group(process.pid, wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _wait_for_group(group: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    raise subprocess.TimeoutExpired(f"process group {group}", seconds)


def _tail(log: Path) -> str:
    text = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
    return text[-600:] or "(no output)"


@pytest.fixture(scope="module")
def service() -> Iterator[str]:
    running = start_server("--workers", "1")
    yield running.url.removesuffix("sparql") + "reconcile"
    code, stderr = stop_server(running, signal.SIGTERM)
    assert code == 0, stderr


class Refine:
    """OpenRefine's HTTP commands, each with the CSRF token it asks for."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = httpx.Client(timeout=60)
        self.token = self.client.get(url + "/command/core/get-csrf-token").json()["token"]

    def create_project(self, csv: str) -> str:
        response = self.client.post(
            self.url + "/command/core/create-project-from-upload",
            params={"csrf_token": self.token},
            files={"project-file": ("names.csv", csv.encode("utf-8"), "text/csv")},
            data={
                "project-name": "names",
                "format": "text/line-based/*sv",
                "options": json.dumps({"separator": ",", "headerLines": 1, "encoding": "UTF-8"}),
            },
        )
        assert response.status_code == 302, response.text
        return response.headers["location"].split("project=")[1]

    def apply(self, project: str, operations: list[dict[str, Any]]) -> None:
        response = self.client.post(
            self.url + "/command/core/apply-operations",
            params={"project": project, "csrf_token": self.token},
            data={"operations": json.dumps(operations)},
        )
        assert response.status_code == 200 and response.json()["code"] in ("ok", "pending"), response.text
        deadline = time.monotonic() + 60
        while self.command("get-processes", project)["processes"]:
            assert time.monotonic() < deadline, "OpenRefine's operation did not finish within 60 s"
            time.sleep(0.3)

    def command(self, name: str, project: str, **params: Any) -> dict[str, Any]:
        response = self.client.get(f"{self.url}/command/core/{name}", params={"project": project, **params})
        assert response.status_code == 200, response.text
        document: dict[str, Any] = response.json()
        return document


def test_openrefine_reconciles_a_column_and_fetches_sourced_values(openrefine: str, service: str) -> None:
    refine = Refine(openrefine)
    project = refine.create_project("name\n" + "\n".join(NAMES) + "\n")
    engine = {"facets": [], "mode": "row-based"}
    spaces = {"identifierSpace": ID, "schemaSpace": PIA}
    recon = {"mode": "standard-service", "service": service, **spaces, "type": None, "autoMatch": True}
    refine.apply(
        project,
        [
            {
                "op": "core/recon",
                "engineConfig": engine,
                "columnName": "name",
                "config": {**recon, "columnDetails": [], "limit": 0},
                "description": "Reconcile the names against pia-kg",
            }
        ],
    )
    rows = refine.command("get-rows", project, start=0, limit=50)
    recons = rows["pool"]["recons"]
    judged = {row["cells"][0]["v"]: recons[str(row["cells"][0]["r"])] for row in rows["rows"]}
    assert sorted(judged) == sorted(NAMES)
    matched = {name: recon["m"]["id"] for name, recon in judged.items() if recon["j"] == "matched"}
    assert matched == {
        "Martin Tisne": ID + "person/martin-tisne",
        "AMAL EL FALLAH SEGHROUCHNI": ID + "person/amal-el-fallah-seghrouchni",
        "Current AI": ID + "organisation/current-ai",
    }
    maroc = judged["le Maroc"]
    assert maroc["j"] == "none"  # the country and the government: OpenRefine leaves the choice to the user
    assert [(c["id"], c["score"]) for c in maroc["c"][:2]] == [
        (ID + "place/maroc", 100),
        (ID + "organisation/gouvernement-maroc", 90),
    ]
    assert maroc["c"][1]["types"] == [PIA + "GovernmentOrganisation", PIA + "Organisation"]
    assert judged["Jean Dupont"]["j"] == "none" and judged["Jean Dupont"].get("c", []) == []

    properties = [
        {"id": "organisation", "name": "organisation"},
        {"id": "organisation.source", "name": "source"},
    ]
    refine.apply(
        project,
        [
            {
                "op": "core/extend-reconciled-data",
                "engineConfig": engine,
                "baseColumnName": "name",
                "endpoint": service,
                **spaces,
                "extension": {"properties": properties},
                "columnInsertIndex": 1,
                "description": "Fetch each person's organisation and its source",
            }
        ],
    )
    columns = [c["name"] for c in refine.command("get-models", project)["columnModel"]["columns"]]
    assert columns == ["name", "organisation", "source: organisation"]  # named by the service's meta
    rows = refine.command("get-rows", project, start=0, limit=50)["rows"]
    table = {row["cells"][0]["v"]: [cell and cell.get("v") for cell in row["cells"][1:]] for row in rows}
    source = "Press release: memorandum of understanding between Current AI and Morocco (July 2025)"
    assert table["Martin Tisne"] == ["Current AI preparatory committee", source]
    assert table["AMAL EL FALLAH SEGHROUCHNI"] == ["Government of Morocco", source]
    assert not any(table["Jean Dupont"])
