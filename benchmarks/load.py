"""Load the real endpoint with many concurrent clients for a fixed time (not a test: it only prints).

Starts `pia-kg serve` on a free loopback port with a short --timeout, then for --seconds drives it from
--clients threads mixing: cheap SELECT queries (each answer is checked against the first one), expensive
queries that must hit the timeout (503), malformed queries (400), slow clients (the body sent in small
pieces) and dropped connections (half a request, then close). Prints throughput, p50/p99 latency per kind,
counts by status and by client error, the peak memory of the server and its workers, whether every cheap
answer was right, and whether the server still answers once the load stops. Only 127.0.0.1 is contacted.

    .venv/bin/python benchmarks/load.py [--seconds 30] [--clients 16] [--timeout 3]
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
ACCEPT = "application/sparql-results+json"
CHEAP = {
    "count": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "types": "SELECT ?type (COUNT(?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type ORDER BY ?type",
    "labels": (
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "SELECT ?s ?label WHERE { ?s rdfs:label ?label } ORDER BY ?s ?label LIMIT 50"
    ),
}
EXPENSIVE = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s (<urn:x:a>|!<urn:x:a>)* ?o . ?a ?b ?c }",
]
MALFORMED = ["SELECT ?s WHERE { ?s ?p ", "SELEKT * { }", "SELECT * WHERE { ?s <not an iri> ?o }"]
# kind -> weight; cheap queries dominate, expensive ones are rare (each holds a worker for --timeout).
MIX = {"cheap": 70, "expensive": 3, "malformed": 12, "slow": 8, "dropped": 7}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(timeout: float) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    command = [str(Path(sys.executable).parent / "pia-kg"), "--project", str(ROOT), "serve"]
    command += ["--host", HOST, "--port", str(port), "--timeout", str(timeout)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            if httpx.get(f"http://{HOST}:{port}/sparql", timeout=1).status_code == 200:
                return process, port
        except httpx.TransportError:
            time.sleep(0.25)
    process.kill()
    raise SystemExit("the server did not start")


# ---------------------------------------------------------------------------------------------- memory


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return pids


class MemoryWatch(threading.Thread):
    """Samples the server's process tree: VmHWM of each process seen, and the peak of the summed VmRSS."""

    def __init__(self, pid: int, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.pid, self.stop = pid, stop
        self.hwm: dict[int, int] = {}
        self.peak_total = 0

    def sample(self) -> None:
        total = 0
        for pid in _tree(self.pid):
            self.hwm[pid] = max(self.hwm.get(pid, 0), _status_kb(pid, "VmHWM"))
            total += _status_kb(pid, "VmRSS")
        self.peak_total = max(self.peak_total, total)

    def run(self) -> None:
        while not self.stop.wait(0.2):
            self.sample()


# ---------------------------------------------------------------------------------------------- clients


class Results:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.status: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.expected: dict[str, object] = {}
        self.wrong = 0
        self.checked = 0
        self.unexpected: Counter[str] = Counter()

    def record(self, kind: str, seconds: float, status: int | None, error: str | None = None) -> None:
        with self.lock:
            self.latency[kind].append(seconds)
            if status is not None:
                self.status[f"{kind} {status}"] += 1
            if error is not None:
                self.errors[f"{kind} {error}"] += 1

    def check(self, name: str, body: bytes) -> None:
        answer = json.loads(body)["results"]["bindings"]
        with self.lock:
            self.checked += 1
            first = self.expected.setdefault(name, answer)
            if answer != first:
                self.wrong += 1


def raw_post(
    port: int, body: bytes, *, pieces: int, pause: float, drop: bool, read_timeout: float
) -> int | None:
    """POST /sparql over a bare socket; the body in `pieces` with `pause` between; return the status."""
    head = (
        f"POST /sparql HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept: {ACCEPT}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((HOST, port), timeout=read_timeout) as sock:
        if drop:
            request = head + body
            sock.sendall(request[: len(request) // 2])
            return None
        sock.sendall(head)
        size = max(1, -(-len(body) // pieces))
        for start in range(0, len(body), size):
            time.sleep(pause)
            sock.sendall(body[start : start + size])
        line = b""
        while b"\r\n" not in line and len(line) < 4096:
            chunk = sock.recv(1024)
            if not chunk:
                break
            line += chunk
        parts = line.split(b" ", 2)
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def client(number: int, port: int, deadline: float, timeout: float, results: Results) -> None:
    chooser = random.Random(number)
    kinds, weights = list(MIX), list(MIX.values())
    url = f"http://{HOST}:{port}/sparql"
    with httpx.Client(timeout=timeout * 4 + 10, headers={"accept": ACCEPT}) as http:
        for _ in range(1_000_000):  # bounded; the deadline ends it long before
            if time.monotonic() >= deadline:
                return
            kind = chooser.choices(kinds, weights)[0]
            started = time.perf_counter()
            status: int | None = None
            try:
                if kind == "cheap":
                    name = chooser.choice(list(CHEAP))
                    response = http.post(url, data={"query": CHEAP[name]})
                    status = response.status_code
                    if status == 200:
                        results.check(name, response.content)
                elif kind == "expensive":
                    status = http.post(url, data={"query": chooser.choice(EXPENSIVE)}).status_code
                elif kind == "malformed":
                    status = http.get(url, params={"query": chooser.choice(MALFORMED)}).status_code
                else:
                    body = urlencode({"query": CHEAP["count"]}).encode()
                    dropped = kind == "dropped"
                    status = raw_post(
                        port, body, pieces=8, pause=0.15, drop=dropped, read_timeout=timeout * 4 + 10
                    )
                    if dropped:
                        results.record(kind, time.perf_counter() - started, None, "closed by client")
                        continue
            except (httpx.HTTPError, OSError) as err:
                results.record(kind, time.perf_counter() - started, None, type(err).__name__)
                continue
            results.record(kind, time.perf_counter() - started, status)
            expected = {"expensive": {503}, "malformed": {400}}.get(kind, {200})
            if status not in expected and not (status == 503 and kind in ("cheap", "slow")):
                with results.lock:
                    results.unexpected[f"{kind} {status}"] += 1


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="how long to load the server")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (threads)")
    parser.add_argument("--timeout", type=float, default=3.0, help="the server's --timeout, in seconds")
    args = parser.parse_args()

    process, port = start_server(args.timeout)
    stop = threading.Event()
    memory = MemoryWatch(process.pid, stop)
    memory.start()
    results = Results()
    try:
        started = time.monotonic()
        deadline = started + args.seconds
        threads = [
            threading.Thread(target=client, args=(n, port, deadline, args.timeout, results), daemon=True)
            for n in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(args.seconds + args.timeout * 4 + 30)
        elapsed = time.monotonic() - started
        after = httpx.post(
            f"http://{HOST}:{port}/sparql",
            data={"query": CHEAP["count"]},
            headers={"accept": ACCEPT},
            timeout=30,
        )
        after_ok = after.status_code == 200 and json.loads(after.content)["results"]["bindings"] == (
            results.expected.get("count")
        )
        memory.sample()
    finally:
        stop.set()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()

    total = sum(len(values) for values in results.latency.values())
    print(f"{args.clients} clients for {elapsed:.1f} s, server --timeout {args.timeout:g}")
    print(f"requests: {total}, throughput {total / elapsed:.1f} requests/s")
    print(f"{'kind':10} {'count':>6} {'p50 ms':>8} {'p99 ms':>8}")
    for kind in MIX:
        values = results.latency.get(kind, [])
        if values:
            print(f"{kind:10} {len(values):6} {percentile(values, 0.5):8.1f} {percentile(values, 0.99):8.1f}")
    print("responses by status: " + ", ".join(f"{k}: {v}" for k, v in sorted(results.status.items())))
    print("client errors: " + (", ".join(f"{k}: {v}" for k, v in sorted(results.errors.items())) or "none"))
    print("unexpected statuses: " + (", ".join(f"{k}: {v}" for k, v in results.unexpected.items()) or "none"))
    server_hwm = memory.hwm.get(process.pid, 0)
    workers = [kb for pid, kb in memory.hwm.items() if pid != process.pid]
    print(
        f"peak RSS (VmHWM): server {server_hwm / 1024:.0f} MiB, largest worker "
        f"{max(workers, default=0) / 1024:.0f} MiB over {len(workers)} worker processes; "
        f"peak of the summed RSS {memory.peak_total / 1024:.0f} MiB"
    )
    print(f"cheap answers checked: {results.checked}, wrong: {results.wrong}")
    verdict = "answered correctly" if after_ok else f"FAILED ({after.status_code})"
    print(f"cheap query after the load: {verdict}")
    if results.wrong or not after_ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
