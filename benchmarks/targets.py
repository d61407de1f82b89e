"""The scale targets of ARCHITECTURE.md's store, measured as a user runs the CLI, with met or missed for each.

Generates a project of N data triples with generate.py (1,000,000 by default; or takes `--project DIR`), then
runs each command in a fresh process and reads its wall time and peak memory (the child's ru_maxrss):

- the store built from scratch (the first `pia-kg query`, after removing `.pia-kg/store/`), and opened again
  on the unchanged repository (in this process: `graph/disk_store.py`'s `refresh` plus a read-only open);
- every saved question with its default (or example) parameters: the whole `pia-kg query` process, and the
  engine alone (the query on the store opened read-only, median of 3, in this process);
- `pia-kg validate`, `pia-kg export` in Turtle, N-Triples and JSON-LD, and `pia-kg build` (`--skip-build`
  leaves it out: at a million triples it writes a page per resource).

The baseline, in the same run: rdflib parsing every file of the project (what each command did first before
the store) and writing the union as N-Triples. pySHACL is not run at this size (hours); the validation figure
stands beside its target only. Prints a Markdown table: the figure, the target, met or missed; progress and
command failures go to stderr.

    python benchmarks/targets.py                      # 1M triples, in a temporary folder
    python benchmarks/targets.py 100000 --skip-build
    python benchmarks/targets.py --project pia-1m

`pia-kg build` publishes only a graph that validates, and generate.py injects a few violations unless
`--violation-rate 0` is given: on a graph with violations the build row says that it was not built, not how
long a refusal took.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

GB = 1024**3


@dataclass(frozen=True)
class Row:
    step: str
    figure: str
    target: str
    met: bool | None  # None: a baseline, no target


def run_cli(project: Path, *arguments: str, timeout: float = 3600) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of one `pia-kg` process; exits on failure."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pia_kg", "--project", str(project), *arguments],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
        timeout=timeout,
    )
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):  # validate and build exit 1 on the injected violations
        raise SystemExit(f"pia-kg {' '.join(arguments)} failed ({done.returncode}): {done.stderr[-2000:]}")
    if done.returncode == 1 and arguments[0] == "build":
        raise NotBuilt(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "exit 1")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest child so far: a smaller child than an earlier one reads as unknown
    return seconds, peak * 1024 if peak > before else 0


class NotBuilt(Exception):
    """`pia-kg build` refused to publish: the graph does not validate (a generated graph with violations)."""


def timed_row(
    step: str, target_seconds: float, project: Path, *arguments: str, timeout: float = 3600
) -> tuple[Row, int]:
    try:
        seconds, peak = run_cli(project, *arguments, timeout=timeout)
    except subprocess.TimeoutExpired:
        print(f"{step}: stopped after {timeout:g} s", file=sys.stderr)
        return Row(step, f"> {timeout:g} s", f"< {target_seconds:g} s", False), 0
    except NotBuilt as err:  # a time for a refusal is no build time
        print(f"{step}: not built ({err})", file=sys.stderr)
        return Row(step, "not built: the graph does not validate", f"< {target_seconds:g} s", None), 0
    print(f"{step}: {seconds:.2f} s", file=sys.stderr)
    return Row(step, f"{seconds:.2f} s", f"< {target_seconds:g} s", seconds < target_seconds), peak


def questions(project: Path) -> list[tuple[str, str, dict[str, object], str]]:
    """(name, text, bindings) of every saved question, bound as `pia-kg query NAME` binds it by default."""
    from pia_kg.project import Project
    from pia_kg.sparql.params import bind_params
    from pia_kg.sparql.saved import list_queries

    found = []
    for saved in list_queries(Project(project)):
        if saved.is_rule:
            continue
        fmt = "csv" if saved.form in ("SELECT", "ASK") else "ntriples"
        found.append((saved.name, saved.text, dict(bind_params(saved, {}, use_examples=True)), fmt))
    return found


def question_args(project: Path, name: str) -> list[str]:
    from pia_kg.project import Project
    from pia_kg.sparql.saved import find_query

    saved = find_query(Project(project), name)
    return [
        argument for key, value in sorted(saved.examples.items()) for argument in ("-p", f"{key}={value}")
    ]


def engine_seconds(store_dir: Path, text: str, bindings: dict[str, object]) -> float:
    import pyoxigraph

    from pia_kg.sparql.engine import query

    store = pyoxigraph.Store.read_only(str(store_dir))
    times = []
    for _ in range(3):
        start = time.perf_counter()
        list(query(store, text, bindings=bindings))  # type: ignore[arg-type]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def baseline_rows(project: Path) -> list[Row]:
    """rdflib parsing every file of the project, then writing the union as N-Triples, in this process."""
    import rdflib

    files = sorted(p for folder in ("ontology", "data") for p in (project / folder).rglob("*.ttl"))
    graph = rdflib.Graph()
    start = time.perf_counter()
    for path in files:
        graph.parse(path, format="turtle")
    parsed = time.perf_counter() - start
    start = time.perf_counter()
    graph.serialize(format="nt", encoding="utf-8")
    written = time.perf_counter() - start
    print(f"rdflib baseline: parse {parsed:.1f} s, write {written:.1f} s", file=sys.stderr)
    return [
        Row(
            f"baseline: rdflib parses the {len(files)} files ({len(graph):,} triples)",
            f"{parsed:.2f} s",
            "",
            None,
        ),
        Row("baseline: rdflib writes them as N-Triples", f"{written:.2f} s", "", None),
    ]


def measure(project: Path, *, skip_build: bool, only: list[str]) -> list[Row]:
    from pia_kg.graph.disk_store import refresh
    from pia_kg.project import Project

    rows: list[Row] = []
    peaks: list[int] = []
    store = project / ".pia-kg" / "store"
    shutil.rmtree(store, ignore_errors=True)
    row, peak = timed_row(
        "store built from scratch (first `pia-kg query`)", 15, project, "query", "--text", "ASK {}"
    )
    rows.append(row)
    peaks.append(peak)
    opened = []
    for _ in range(5):
        start = time.perf_counter()
        disk = refresh(Project(project))
        with disk.reading():
            pass
        opened.append(time.perf_counter() - start)
    median = statistics.median(opened)
    rows.append(Row("opening the store, unchanged repository", f"{median:.3f} s", "< 0.2 s", median < 0.2))
    for name, text, bindings, fmt in questions(project):
        if only and name not in only:
            continue
        whole, peak = run_cli(project, "query", name, *question_args(project, name), "-f", fmt)
        peaks.append(peak)
        engine = engine_seconds(store / "db", text, bindings)
        figure = f"{whole:.2f} s (engine {engine * 1000:.0f} ms)"
        rows.append(
            Row(f"`pia-kg query {name}`", figure, "< 0.5 s; engine < 100 ms", whole < 0.5 and engine < 0.1)
        )
        print(f"query {name}: {figure}", file=sys.stderr)
    row, peak = timed_row("`pia-kg validate`", 60, project, "validate", "-f", "json")
    rows.append(row)
    peaks.append(peak)
    out = Path(tempfile.mkdtemp(prefix="pia-targets-"))
    try:
        for fmt, target in (("turtle", 15), ("ntriples", 10), ("jsonld", 30)):
            row, peak = timed_row(
                f"`pia-kg export -f {fmt}`", target, project, "export", "-f", fmt, "-o", str(out / fmt)
            )
            rows.append(row)
            peaks.append(peak)
        if not skip_build:
            row, peak = timed_row(
                "`pia-kg build` (site + dumps)", 300, project, "build", "-o", str(out / "dist"), timeout=1200
            )
            rows.append(row)
            peaks.append(peak)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    largest = max(peaks)
    rows.append(Row("peak RSS of any command above", f"{largest / GB:.2f} GB", "< 2 GB", largest < 2 * GB))
    return rows


def print_table(rows: list[Row], triples: str) -> None:
    print(f"| step ({triples}) | measured | target | met |")
    print("|---|---:|---|---|")
    for row in rows:
        verdict = "" if row.met is None else ("met" if row.met else "**missed**")
        print(f"| {row.step} | {row.figure} | {row.target} | {verdict} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("triples", type=int, nargs="?", default=1_000_000, help="data triples to generate")
    parser.add_argument("--project", type=Path, help="measure this project instead of generating one")
    parser.add_argument("--skip-build", action="store_true", help="leave `pia-kg build` out")
    parser.add_argument("--question", action="append", default=[], help="measure only this saved question")
    parser.add_argument(
        "--violation-rate",
        default="0.01",
        help="share of generated copies with a violation (0: a graph that `pia-kg build` publishes)",
    )
    options = parser.parse_args(argv)
    temporary = None
    project = options.project
    if project is None:
        temporary = Path(tempfile.mkdtemp(prefix="pia-targets-project-"))
        project = temporary / "project"
        subprocess.run(
            [
                sys.executable,
                str(HERE / "generate.py"),
                str(options.triples),
                "--out",
                str(project),
                "--violation-rate",
                options.violation_rate,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    try:
        os.environ.setdefault("PIA_KG_SOURCES", str(HERE.parent.parent / "shared" / "sources"))
        rows = [
            *measure(project, skip_build=options.skip_build, only=options.question),
            *baseline_rows(project),
        ]
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
    size = f"{options.triples:,} data triples" if options.project is None else str(options.project)
    print_table(rows, size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
