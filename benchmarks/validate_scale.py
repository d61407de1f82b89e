"""Time `pia-kg validate` phase by phase on one large N-Triples file, against rdflib's own parse of it.

The file is what a curator might pass by mistake or a generator might write: N triples of one predicate,
`<http://example.org/sI> <http://example.org/p> "oI" .` (150,000 triples, about 9 MB, by default), checked
with the project's ontology, shapes and rule queries. Every triple's subject breaks the rule on undeclared
terms, so the run also measures a report of N findings. The baseline is rdflib parsing the same file into a
Graph, in the same process: the least any rdflib-based check can cost.

    python benchmarks/validate_scale.py              # 150,000 triples
    python benchmarks/validate_scale.py 50000 --runs 3

Prints one line per phase (seconds, ratio to the baseline) and the whole command's time, in a Markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))


def write_file(path: Path, triples: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for number in range(triples):
            out.write(f'<http://example.org/s{number}> <http://example.org/p> "o{number}" .\n')


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def phases(path: Path) -> list[tuple[str, float]]:
    """The phases of `validate` as the command runs them (the files straight into a store), each timed."""
    from rdflib import Graph

    from pia_kg.check import validation
    from pia_kg.check.sources import check_citations
    from pia_kg.graph.store_graph import load_checked
    from pia_kg.project import Project

    project = Project(ROOT)
    figures: list[tuple[str, float]] = []
    seconds, _ = timed(lambda: Graph(bind_namespaces="none").parse(path, format="nt"))
    figures.append(("baseline: rdflib parses the file", seconds))
    seconds, graph = timed(lambda: load_checked(project, data_paths=[path]))
    figures.append(("load into the store (parse, check terms, index lines)", seconds))
    seconds, _ = timed(lambda: validation._run_shacl(graph, None))
    figures.append(("SHACL (pyshacl-turbo, N-Triples of the files)", seconds))
    seconds, _ = timed(lambda: list(check_citations(validation._citation_graph(graph), project.sources_dir)))
    figures.append(("citations", seconds))
    for query in validation.rule_queries(project.queries_dir):
        seconds, found = timed(lambda query=query: list(validation._run_rule(graph, None, query)))
        figures.append((f"rule {query.name} ({len(found)} findings)", seconds))
    seconds, _ = timed(lambda: list(validation._ill_typed_literals(graph)))
    figures.append(("ill-typed literals", seconds))
    seconds, _ = timed(lambda: list(validation._non_canonical_literals(graph, ROOT)))
    figures.append(("canonical literals", seconds))
    seconds, report = timed(
        lambda: validation.validate(
            graph, sources_dir=project.sources_dir, queries_dir=project.queries_dir, root=ROOT
        )
    )
    figures.append(("validate() on the loaded store", seconds))
    seconds, _ = timed(lambda: validation.render_report(report, "text"))
    figures.append(("text report", seconds))
    return figures


def command_seconds(path: Path, runs: int) -> float:
    """The median wall-clock time of `pia-kg validate FILE` in a fresh process (start-up included)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "pia_kg", "--project", str(ROOT), "validate", str(path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("triples", nargs="?", type=int, default=150_000)
    parser.add_argument("--runs", type=int, default=1, help="runs of the whole command (median)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "one-predicate.nt"
        write_file(path, args.triples)
        size = path.stat().st_size / 1e6
        print(f"{args.triples} triples, {size:.1f} MB, Python {sys.version.split()[0]}", file=sys.stderr)
        figures = phases(path)
        baseline = figures[0][1]
        total = command_seconds(path, args.runs)
    print("| phase | seconds | / baseline |")
    print("|---|---:|---:|")
    for name, seconds in figures:
        print(f"| {name} | {seconds:.2f} | {seconds / baseline:.2f} |")
    print(f"| **`pia-kg validate FILE`, whole command** | **{total:.2f}** | **{total / baseline:.2f}** |")


if __name__ == "__main__":
    main()
