"""What each kind of input costs pyshacl-turbo, and whether it gives the same report (issue 6, memory).

pyshacl-turbo's `validate` accepts an rdflib graph, file paths, a pyoxigraph Store or its own `Input`. For a
generated project (generate.py), each input is measured in a child process of its own (so that the peak RSS is
its own): the time to prepare it, the time to validate, the peak RSS, and the number of results, compared with
the rdflib graph's (the reference: `same` or `DIFFERS`). Prints a Markdown table.

    python benchmarks/shacl_inputs.py pia-bench/graph-100000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

INPUTS = {
    "graph": "rdflib graph (pia-kg's loader, then `validate`)",
    "paths": "file paths (`validate([path, ...])`)",
    "store": "pyoxigraph Store (`validate(store)`)",
    "files": "`Input` of N-Triples text written by pyoxigraph's parser",
}
def measure(project_dir: Path, kind: str) -> dict[str, Any]:
    """Prepare the input of `kind`, validate it; seconds for each, peak RSS and the sorted result keys."""
    import pyshacl_turbo
    from run import shapes_graph, validate_from_files

    from pia_kg.check.shacl_engines import VALIDATE_OPTIONS, as_graph, result_keys
    from pia_kg.project import Project

    project = Project(project_dir)
    shapes = shapes_graph(project)
    files = [*project.ontology_files(), *project.data_files()]
    data: Any = None
    start = time.perf_counter()
    if kind == "graph":
        from pia_kg.graph.loading import load

        data = load(project).union("ontology", "data")
    elif kind == "paths":
        data = [str(path) for path in files]
    elif kind == "store":
        from pia_kg.graph.store import load_store

        data = load_store([(path, project.relative(path)) for path in files])
    prepared = time.perf_counter()
    if kind == "files":  # parsing is inside; it is reported with the check
        _, results = validate_from_files(project, shapes)
    else:
        _, results, _ = pyshacl_turbo.validate(data, shacl_graph=shapes, **VALIDATE_OPTIONS)
    keys = sorted(map(list, (vars(key).values() for key in result_keys(as_graph(results), shapes))))
    return {
        "prepare": prepared - start,
        "validate": time.perf_counter() - prepared,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "report": keys,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path, help="a project written by generate.py")
    parser.add_argument("--kind", choices=INPUTS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.kind:  # the child process: one input
        print(json.dumps(measure(args.project, args.kind)))
        return 0
    figures = {}
    for kind in INPUTS:
        print(f"measuring {kind}", file=sys.stderr, flush=True)
        command = [sys.executable, __file__, str(args.project), "--kind", kind]
        completed = subprocess.run(command, capture_output=True, text=True, check=True)
        figures[kind] = json.loads(completed.stdout.strip().splitlines()[-1])
    reference = figures["graph"]["report"]
    print("| input | results | prepare (s) | validate (s) | peak RSS (MB) |")
    print("|---|---|---:|---:|---:|")
    for kind, label in INPUTS.items():
        found = figures[kind]
        same = "same" if found["report"] == reference else "DIFFERS"
        print(
            f"| {label} | {len(found['report']):,}, {same} | {found['prepare']:.1f} | {found['validate']:.1f}"
            f" | {found['peak_rss_mb']:.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
