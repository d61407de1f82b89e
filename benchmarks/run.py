"""Measure pia-kg's engines against their baselines on generated graphs, in one run (issue 6).

For each size, generate.py writes a project; then one child process per engine side measures it, so that peak
memory (ru_maxrss) belongs to that side alone:

- baseline: rdflib parse (pia-kg's loader), pySHACL, rdflib SPARQL on every saved question, rdflib export;
- fast: pyoxigraph parse, pyshacl-turbo, Oxigraph SPARQL, pyoxigraph export;
- files: pyshacl-turbo straight from the Turtle files, with no rdflib graph of the data (see
  `validate_from_files`), so that its peak memory can be read apart from the rdflib graph the fast side holds.

Times are medians of --runs runs (one run where a single run is over 5 s). pySHACL is skipped above
--pyshacl-max triples; a baseline query past its --budget is stopped and shown as `> N` (use a smaller budget
at 1M triples, where each stopped query costs the whole budget). Prints a Markdown table: median seconds,
baseline / fast ratio, peak RSS of each side; progress goes to stderr.

    python benchmarks/run.py 10000 100000 --out pia-bench
    python benchmarks/run.py 1000000 --out pia-bench --budget 20
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

SIDES = ("baseline", "fast", "files")
EXPORTS = {"turtle": ("turtle", "TURTLE"), "ntriples": ("nt", "N_TRIPLES"), "jsonld": ("json-ld", "JSON_LD")}


class Figures(dict[str, Any]):
    """Measured figures, also written to a JSON file after each one, so a long run can be read as it goes."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self.path.write_text(json.dumps(self, indent=1) + "\n", encoding="utf-8")


class TooSlow(Exception):
    """A step ran past its time budget."""


def timed(action: Callable[[], Any], runs: int, *, budget: int = 0) -> tuple[float, Any]:
    """Median seconds of `runs` runs (stopping after one if it takes over 5 s), and the last value.

    With a `budget` (seconds), a step still running then is stopped and recorded as -budget (over budget).
    """
    times, value = [], None

    def stop(_signal: int, _frame: Any) -> None:
        raise TooSlow

    signal.signal(signal.SIGALRM, stop)
    for _ in range(runs):
        start = time.perf_counter()
        signal.alarm(budget)
        try:
            value = action()
        except TooSlow:
            return -float(budget), None
        finally:
            signal.alarm(0)
        times.append(time.perf_counter() - start)
        if times[-1] > 5:
            break
    return statistics.median(times), value


def measure(project_dir: Path, side: str, runs: int, with_pyshacl: bool, budget: int) -> dict[str, Any]:
    from pia_kg.check.shacl_engines import result_keys, run_shacl
    from pia_kg.graph.loading import load
    from pia_kg.graph.store import load_store
    from pia_kg.project import Project
    from pia_kg.sparql.engine import query

    project = Project(project_dir)
    figures = Figures(project_dir / f"figures-{side}.json")
    load_runs = max(1, runs // 2)
    figures["load"], kg = timed(lambda: load(project), load_runs)
    data_graph, shapes = kg.union("ontology", "data"), kg.union("shapes")
    figures["triples"] = len(data_graph)
    questions = saved_questions(project)
    if side == "baseline":
        if with_pyshacl:
            figures["validate"], answer = timed(
                lambda: run_shacl(data_graph, shapes, engine="pyshacl"), 1, budget=budget * 10
            )
            if answer is not None:
                figures["report"] = sorted(
                    map(list, (vars(key).values() for key in result_keys(answer[1], shapes)))
                )
        for name, text, bindings in questions:  # len() reads every row, as the fast side does
            figures[f"q:{name}"], _ = timed(
                lambda t=text, b=bindings: len(data_graph.query(t, initBindings=b)), runs, budget=budget
            )
        for name, (rdflib_name, _) in EXPORTS.items():
            figures[f"x:{name}"], _ = timed(lambda f=rdflib_name: data_graph.serialize(format=f), 1)
    else:
        import pyoxigraph as ox

        files = [
            (path, project.relative(path)) for path in [*project.ontology_files(), *project.data_files()]
        ]
        figures["load"], store = timed(lambda: load_store(files), load_runs)
        figures["validate"], (_, results) = timed(lambda: run_shacl(data_graph, shapes, engine="turbo"), 1)
        figures["report"] = sorted(map(list, (vars(key).values() for key in result_keys(results, shapes))))
        for name, text, bindings in questions:
            figures[f"q:{name}"], _ = timed(lambda t=text, b=bindings: query(store, t, bindings=b), runs)
        for name, (_, ox_name) in EXPORTS.items():
            rdf_format = getattr(ox.RdfFormat, ox_name)
            figures[f"x:{name}"], _ = timed(
                lambda f=rdf_format: ox.serialize((quad.triple for quad in store), format=f), 1
            )
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return dict(figures)


def measure_files(project_dir: Path) -> dict[str, Any]:
    """pyshacl-turbo straight from the Turtle files, in a process of its own: parse + check time, peak RSS."""
    from pia_kg.check.shacl_engines import result_keys
    from pia_kg.project import Project

    project = Project(project_dir)
    figures = Figures(project_dir / "figures-files.json")
    shapes = shapes_graph(project)
    figures["validate"], (conforms, results) = timed(lambda: validate_from_files(project, shapes), 1)
    figures["conforms"] = conforms
    figures["report"] = sorted(map(list, (vars(key).values() for key in result_keys(results, shapes))))
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return dict(figures)


def shapes_graph(project: Any) -> Any:
    """The shapes files in one rdflib graph, as pia-kg's loader reads them (small: no data)."""
    from rdflib import Graph

    from pia_kg.rdf.namespaces import bind_prefixes
    from pia_kg.rdf.parsing import load_file

    shapes = bind_prefixes(Graph(bind_namespaces="none"))
    for path in project.shapes_files():
        shapes += load_file(path, root=project.root)
    return shapes


def validate_from_files(project: Any, shapes: Any) -> tuple[bool, Any]:
    """Validate ontology + data with pyshacl-turbo without building an rdflib graph of the data.

    pyshacl-turbo's `validate` given file paths parses them natively but then decodes them into an rdflib
    graph; given a pyoxigraph Store it dumps it, and the Store retyped the xsd:nonNegativeInteger offsets the
    files held when this was measured as xsd:integer (false violations of the selector shapes). Its `Input`
    (text and format) goes to the engine untouched, so each file is parsed here by pyoxigraph, which keeps
    literals as written, and written as N-Triples; blank nodes are renamed per file, as rdflib's parser makes
    them distinct per file.
    """
    import pyoxigraph as ox
    import pyshacl_turbo
    from pyshacl_turbo.rdf import Input

    from pia_kg.check.shacl_engines import VALIDATE_OPTIONS, as_graph
    from pia_kg.rdf.parsing import GRAPH_PREFIX

    chunks = []
    for path in [*project.ontology_files(), *project.data_files()]:
        quads = ox.parse(
            path=str(path),
            format=ox.RdfFormat.TURTLE,
            base_iri=GRAPH_PREFIX + project.relative(path),
            rename_blank_nodes=True,
        )
        chunks.append(ox.serialize((quad.triple for quad in quads), format=ox.RdfFormat.N_TRIPLES) or b"")
    text = b"".join(chunks).decode("utf-8")
    del chunks
    conforms, results, _ = pyshacl_turbo.validate(
        Input(text, "nt", None, {}), shacl_graph=shapes, **VALIDATE_OPTIONS
    )
    return bool(conforms), as_graph(results)


def saved_questions(project: Any) -> list[tuple[str, str, dict[str, Any]]]:
    """Every saved question that is not a rule, with its default (or example) parameter values."""
    import re

    from rdflib import Literal

    from pia_kg.check.validation import read_query
    from pia_kg.rdf.namespaces import expand_curie

    pattern = re.compile(r"^#\s*(?:param:\s*(\w+)\s+\w+\s*=|example:\s*(\w+)\s*=)\s*([^|\s]+)")
    questions = []
    for path in project.query_files():
        saved = read_query(path, relpath=path.name)
        if saved.is_rule:
            continue
        bindings: dict[str, Any] = {}
        for line in saved.text.splitlines():
            match = pattern.match(line)
            if match:
                value = match.group(3)
                term = Literal(value.strip('"')) if value.startswith('"') else expand_curie(value)
                bindings.setdefault(match.group(1) or match.group(2), term)
        questions.append((saved.name, saved.text, bindings))
    return questions


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        "?",
    )
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return f"{cores} cores ({cpu}), {memory} memory, Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", type=int, nargs="+", help="data triples per graph, e.g. 10000 100000")
    parser.add_argument("--out", type=Path, required=True, help="folder for the generated projects")
    parser.add_argument("--runs", type=int, default=5, help="runs per query (median)")
    parser.add_argument("--pyshacl-max", type=int, default=200_000, help="largest size pySHACL runs on")
    parser.add_argument("--budget", type=int, default=60, help="seconds per baseline query (x10 for pySHACL)")
    parser.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.side:  # the child process: one side, one size
        with_pyshacl = args.sizes[0] <= args.pyshacl_max
        figures = (
            measure_files(args.out)
            if args.side == "files"
            else measure(args.out, args.side, args.runs, with_pyshacl=with_pyshacl, budget=args.budget)
        )
        print(json.dumps(figures))
        return 0
    from generate import generate

    print(f"Machine: {machine()}\n")
    for size in args.sizes:
        project_dir = args.out / f"graph-{size}"
        injected = generate(size, project_dir)
        sides = {}
        for side in SIDES:
            print(f"{size}: measuring the {side} side", file=sys.stderr, flush=True)
            command = [sys.executable, __file__, str(size), "--out", str(project_dir), "--side", side]
            command += ["--runs", str(args.runs), "--pyshacl-max", str(args.pyshacl_max)]
            command += ["--budget", str(args.budget)]
            completed = subprocess.run(command, capture_output=True, text=True, check=True)
            sides[side] = json.loads(completed.stdout.strip().splitlines()[-1])
        print_table(size, len(injected), sides["baseline"], sides["fast"], sides["files"])
    return 0


def print_table(
    size: int, injected: int, base: dict[str, Any], fast: dict[str, Any], files: dict[str, Any]
) -> None:
    same = (
        "pySHACL skipped"
        if "report" not in base
        else ("same report as pySHACL" if base["report"] == fast["report"] else "REPORTS DIFFER")
    )
    from_files = "same report from files" if files["report"] == fast["report"] else "FILES REPORT DIFFERS"
    title = f"{fast['triples']:,} triples (ontology + data; {injected} injected violations"
    print(f"### {title}; {same}; {from_files})\n")
    print("| step | baseline (s) | fast (s) | ratio |")
    print("|---|---:|---:|---:|")
    fast = {**fast, "files": files["validate"]}
    keys = ["load", "validate", "files", *sorted(k for k in fast if k.startswith("q:"))]
    keys += [f"x:{n}" for n in EXPORTS]
    names = {
        "load": "load (rdflib / pyoxigraph parse)",
        "validate": "SHACL (pySHACL / pyshacl-turbo)",
        "files": "SHACL, turbo from files (parse + check)",
    }
    for key in keys:
        label = names.get(key) or (f"query {key[2:]}" if key.startswith("q:") else f"export {key[2:]}")
        baseline, quick = base.get("validate" if key == "files" else key), fast[key]
        if baseline is None:
            shown, ratio = "skipped", "-"
        elif baseline < 0:
            shown, ratio = f"> {-baseline:.0f} (stopped)", f"> {-baseline / quick:,.0f}x"
        else:
            shown, ratio = (
                f"{baseline:.4f}",
                f"{baseline / quick:,.1f}x" if baseline < 10 * quick else (f"{baseline / quick:,.0f}x"),
            )
        print(f"| {label} | {shown} | {quick:.4f} | {ratio} |")
    print(f"| peak RSS (MB) | {base['peak_rss_mb']:.0f} | {fast['peak_rss_mb']:.0f} | |")
    print(f"| peak RSS, SHACL turbo from files alone (MB) | | {files['peak_rss_mb']:.0f} | |\n")


if __name__ == "__main__":
    sys.exit(main())
