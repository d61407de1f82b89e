"""What one query worker of `pia-kg serve` costs: a private copy of the graph against the shared store.

`pia-kg serve` answers SPARQL in worker processes. Each worker opens the same store on disk read-only: a
checkpoint of the project's store (graph/disk_store.py's `checkpoint`, serve/server.py's `served_store`).
The baseline is what a worker must do without it: read the whole graph, here as N-Quads parsed by pyoxigraph
into a store of its own in memory (the cheapest private copy; the rdflib Dataset workers once built cost
more).

Each side runs in a fresh child process, so that its peak RSS is its own, and answers through the endpoint's
own `answer_query`: one COUNT over every triple, then each saved question given (`--question`; `themes` and
`partnership-members` by default) as its file is written, parameters unbound. Prints, for each side, the time
until the worker can answer, the time of each first answer and the peak RSS, then the ratios private copy /
shared store; with `--workers N` (2 by default), the memory N workers hold together.

    python benchmarks/serve_workers.py 100000 --out pia-serve-bench
    python benchmarks/serve_workers.py --project pia-1m --workers 2

The project's store is refreshed first (built if missing); that time is printed but not counted per worker.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
SIDES = ("copy", "shared")

# Run in the child: build the worker's state as the side says, then answer the queries, as JSON on stdout.
CHILD = r"""
import json, resource, sys, time
side, source, texts = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
from pia_kg.serve import endpoint
from pia_kg.serve.endpoint import QueryRequest
started = time.perf_counter()
if side == "copy":
    import pyoxigraph as ox
    store = ox.Store()
    with open(source, "rb") as handle:
        store.bulk_load(handle, format=ox.RdfFormat.N_QUADS)
    served = endpoint.ServedStore(store)
else:
    served = endpoint.open_served(source.encode("utf-8"))
ready = time.perf_counter() - started
answers = []
for name, text in texts:
    started = time.perf_counter()
    answer = endpoint.answer_query(served, QueryRequest(text=text, accept="text/csv", max_rows=10**7))
    seconds = time.perf_counter() - started
    if answer.status != 200:
        raise SystemExit(f"{name}: HTTP {answer.status}: {answer.body[:300]!r}")
    answers.append([name, seconds, answer.body.count(b"\n") - 1])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"ready": ready, "answers": answers, "peak": peak}))
"""


def saved_texts(project: Path, names: list[str]) -> list[tuple[str, str]]:
    """(name, SPARQL text) of each named saved question, sent as it is written: a parameter left unbound
    matches every value, as when a client posts the file."""
    from pia_kg.project import Project
    from pia_kg.sparql.saved import find_query

    return [(name, find_query(Project(project), name).text) for name in names]


def run_side(side: str, source: Path, texts: list[tuple[str, str]]) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, side, str(source), json.dumps(texts)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"the {side} worker failed: {done.stderr[-2000:]}")
    figures: dict[str, object] = json.loads(done.stdout)
    return figures


def measure(project: Path, names: list[str], workers: int) -> None:
    import pyoxigraph as ox

    from pia_kg.graph.disk_store import refresh
    from pia_kg.project import Project

    started = time.perf_counter()
    disk = refresh(Project(project))
    print(f"project store refreshed in {time.perf_counter() - started:.2f} s", file=sys.stderr)
    folder = Path(tempfile.mkdtemp(prefix="pia-serve-bench-"))
    try:
        started = time.perf_counter()
        disk.checkpoint(folder / "db")
        checkpoint = time.perf_counter() - started
        nquads = folder / "graph.nq"
        with disk.reading() as store:
            store.dump(str(nquads), format=ox.RdfFormat.N_QUADS)
        texts = [("count", COUNT), *saved_texts(project, names)]
        results = {
            "copy": run_side("copy", nquads, texts),
            "shared": run_side("shared", folder / "db", texts),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print_table(results, checkpoint, workers)


def print_table(results: dict[str, dict[str, object]], checkpoint: float, workers: int) -> None:
    copy, shared = results["copy"], results["shared"]
    print(f"Checkpoint of the project's store (once per server start): {checkpoint:.3f} s\n")
    print("| step | private copy | shared store | ratio |")
    print("|---|---:|---:|---:|")
    print(_row("worker ready (s)", float(copy["ready"]), float(shared["ready"]), "{:.3f}"))
    for (name, copy_seconds, rows), (_, shared_seconds, shared_rows) in zip(
        copy["answers"],  # type: ignore[call-overload]
        shared["answers"],  # type: ignore[call-overload]
        strict=True,
    ):
        if rows != shared_rows:
            raise SystemExit(f"{name}: {rows} rows from the copy, {shared_rows} from the shared store")
        print(_row(f"first answer, {name} ({rows:,} rows) (s)", copy_seconds, shared_seconds, "{:.3f}"))
    mb = 1024**2
    copy_peak, shared_peak = int(copy["peak"]) / mb, int(shared["peak"]) / mb  # type: ignore[call-overload]
    print(_row("peak RSS of one worker (MB)", copy_peak, shared_peak, "{:,.0f}"))
    if workers > 1:
        print(_row(f"{workers} workers together (MB)", copy_peak * workers, shared_peak * workers, "{:,.0f}"))


def _row(step: str, baseline: float, fast: float, shape: str) -> str:
    ratio = f"{baseline / fast:,.1f}x" if fast > 0 else ""
    return f"| {step} | {shape.format(baseline)} | {shape.format(fast)} | {ratio} |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("triples", type=int, nargs="?", default=100_000, help="data triples to generate")
    parser.add_argument("--project", type=Path, help="measure this project instead of generating one")
    parser.add_argument("--out", type=Path, help="where to generate the project (a temporary folder if not)")
    parser.add_argument("--question", action="append", default=[], help="a saved question to answer too")
    parser.add_argument("--workers", type=int, default=2, help="workers the server runs (for the total)")
    arguments = parser.parse_args(argv)
    names = arguments.question or ["themes", "partnership-members"]
    if arguments.project is not None:
        measure(arguments.project, names, arguments.workers)
        return 0
    out = arguments.out or Path(tempfile.mkdtemp(prefix="pia-serve-bench-project-"))
    subprocess.run(
        [sys.executable, str(HERE / "generate.py"), str(arguments.triples), "--out", str(out)], check=True
    )
    measure(out, names, arguments.workers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
