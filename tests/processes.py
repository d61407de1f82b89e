"""What the kernel says about a server's processes (Linux /proc): its children and the CPU time each has used.

The concurrency tests use it as server-side evidence that a query is being evaluated: an idle query worker
uses no CPU, so a worker that has used a whole second of CPU since a request was sent is running that query.
No assertion here depends on how long anything takes; the deadline only stops a test that would hang.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (which may hold spaces), or None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def child_pids(parent: int) -> list[int]:
    """The live processes whose parent is `parent`."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None and fields[0] != "Z" and int(fields[1]) == parent:
                children.append(int(entry.name))
    return sorted(children)


def worker_pids(parent: int) -> list[int]:
    """The children of `parent` started by multiprocessing's spawn (its resource tracker is not one)."""
    found = []
    for pid in child_pids(parent):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"multiprocessing.spawn import spawn_main" in command:
            found.append(pid)
    return found


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time that process `pid` has used so far (0 once it is gone)."""
    fields = _stat_fields(pid)
    return 0.0 if fields is None else (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def cpu_baseline(pids: list[int]) -> dict[int, float]:
    return {pid: cpu_seconds(pid) for pid in pids}


def wait_for_busy_process(
    baseline: dict[int, float], *, cpu: float = 1.0, guard: float = 120.0, what: str = "the query"
) -> int:
    """The process of `baseline` that has used `cpu` more seconds of CPU than it had then.

    Polls until one has; fails the test if none has after `guard` seconds (a hang guard, not a measure).
    """
    deadline = time.monotonic() + guard
    while time.monotonic() < deadline:
        for pid, before in baseline.items():
            if cpu_seconds(pid) - before >= cpu:
                return pid
        time.sleep(0.05)
    pytest.fail(f"no process of {sorted(baseline)} started evaluating {what} within {guard:g} s")
