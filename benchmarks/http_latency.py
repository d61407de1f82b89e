"""Median latency of each saved question over HTTP, one client, N requests each (not a test: it only prints).

Starts `pia-kg serve` on a free loopback port (or uses --url), POSTs each saved question's text to /sparql
(form-encoded, Accept: SPARQL JSON) N times after one warm-up request, and prints the median and the 90th
percentile in milliseconds. Parameters are left unbound, as a SPARQL client would send the text.

    .venv/bin/python benchmarks/http_latency.py [-n 30] [--url http://127.0.0.1:8000/sparql]
"""

from __future__ import annotations

import argparse
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "pia_kg", "--project", str(ROOT), "serve", "--port", str(port)],
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/sparql"
    for _ in range(400):
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.25)
    process.kill()
    raise SystemExit("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=30, help="requests per question (after one warm-up)")
    parser.add_argument("--url", default=None, help="endpoint to measure instead of starting one")
    args = parser.parse_args()

    from pia_kg.project import Project
    from pia_kg.sparql.saved import list_queries

    questions = [saved for saved in list_queries(Project(ROOT)) if not saved.is_rule]
    process, url = (None, args.url) if args.url else start_server()
    headers = {"accept": "application/sparql-results+json, text/turtle;q=0.9"}
    medians = []
    try:
        with httpx.Client(timeout=60) as client:
            print(f"{'question':32} {'median ms':>10} {'p90 ms':>8}  ({args.n} requests each, {url})")
            for saved in questions:
                client.post(url, data={"query": saved.text}, headers=headers).raise_for_status()
                times = []
                for _ in range(args.n):
                    started = time.perf_counter()
                    client.post(url, data={"query": saved.text}, headers=headers).raise_for_status()
                    times.append((time.perf_counter() - started) * 1000)
                median = statistics.median(times)
                medians.append(median)
                p90 = statistics.quantiles(times, n=10)[-1]
                print(f"{saved.name:32} {median:10.1f} {p90:8.1f}")
            print(f"{'median of the medians':32} {statistics.median(medians):10.1f}")
    finally:
        if process is not None:
            process.send_signal(signal.SIGTERM)
            process.wait(30)


if __name__ == "__main__":
    main()
