"""Time the exports written from the project's store on disk (`export_lines`, `export_text`, `export_jsonld`)
against an earlier revision of src/pia_kg/publish/export.py, in one process, and check that both give the same
bytes.

The earlier module is read with `git show REV:src/pia_kg/publish/export.py` and loaded beside the current one;
both read the same read-only store. A plain `Store.dump` of the same graphs in N-Quads is timed too, as the
floor: what pyoxigraph alone takes to write the lines. Figures are CPU seconds of this process (user + system,
`time.process_time`), the median of `--runs` runs, so that other work on the machine weighs less; the ratio is
earlier / current. Exits 1 if any format differs.

    PIA_KG_SOURCES=../shared/sources python benchmarks/export_store.py pia-100k
    python benchmarks/export_store.py pia-1m --formats ntriples turtle jsonld --runs 1
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
MODULE = "src/pia_kg/publish/export.py"
FORMATS = ("ntriples", "nquads", "turtle", "trig", "rdfxml", "jsonld")


def earlier_module(revision: str) -> ModuleType:
    """src/pia_kg/publish/export.py as it was at `revision`, loaded under another name."""
    source = subprocess.run(
        ["git", "show", f"{revision}:{MODULE}"], cwd=HERE.parent, capture_output=True, check=True
    ).stdout
    with tempfile.NamedTemporaryFile("wb", suffix=".py", delete=False) as file:
        file.write(source)
    spec = importlib.util.spec_from_file_location("earlier_export", file.name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    Path(file.name).unlink()
    return module


def writer(
    module: ModuleType, fmt: str, store: Any, graph_ids: list[Any], context: Any
) -> Callable[[], bytes]:
    if fmt == "jsonld":
        return lambda: bytes(module.export_jsonld(store, graph_ids, context))
    if fmt in module.TEXT_FORMATS:
        return lambda: bytes(module.export_text(store, graph_ids, fmt))
    return lambda: bytes(module.export_lines(store, graph_ids, fmt))


def timed(function: Callable[[], Any], runs: int) -> tuple[float, Any]:
    seconds = []
    result = None
    for _ in range(runs):
        start = time.process_time()
        result = function()
        seconds.append(time.process_time() - start)
    return statistics.median(seconds), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("project", type=Path, help="a project whose store is built (pia-kg query builds it)")
    parser.add_argument("--against", default="eaee6e9", help="the earlier revision (default: eaee6e9)")
    parser.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import pyoxigraph as ox

    from pia_kg.graph.disk_store import project_files, refresh
    from pia_kg.project import Project
    from pia_kg.publish import export as current
    from pia_kg.rdf.jsonld import read_context
    from pia_kg.rdf.parsing import graph_id

    earlier = earlier_module(args.against)
    project = Project(args.project)
    context = read_context(project.ontology_dir)
    graph_ids = [graph_id(relpath) for relpath, _ in project_files(project)]
    differ = []
    with refresh(project).reading() as store:
        names = [ox.NamedNode(str(identifier)) for identifier in graph_ids]
        floor, dumped = timed(
            lambda: b"".join(store.dump(format=ox.RdfFormat.N_QUADS, from_graph=name) for name in names),
            args.runs,
        )
        quads = dumped.count(b"\n")
        print(f"{args.project}: {quads:,} quads; CPU seconds, median of {args.runs}")
        print(f"\n| format | plain dump | {args.against} | current | ratio | same bytes |")
        print("|---|---:|---:|---:|---:|---|")
        for fmt in args.formats:
            before, old = timed(writer(earlier, fmt, store, graph_ids, context), args.runs)
            after, new = timed(writer(current, fmt, store, graph_ids, context), args.runs)
            same = old == new
            if not same:
                differ.append(fmt)
            print(f"| {fmt} | {floor:.2f} | {before:.2f} | {after:.2f} | {before / after:.1f}x | {same} |")
            sys.stdout.flush()
    if differ:
        raise SystemExit(f"different bytes: {', '.join(differ)}")


if __name__ == "__main__":
    main()
