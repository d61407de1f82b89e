"""Time `pia-kg query` with the project's store on disk against `--no-store` (the files loaded each time).

Generates a project of N data triples with generate.py (100,000 by default) in a temporary folder, then times,
each in a fresh process as a user runs it: the question without the store (baseline), the first run (builds
the store), a run on the unchanged repository, and a run after one data file was edited (that file is
reloaded). Prints a Markdown table of median seconds and ratios to the baseline.

    python benchmarks/query_store.py
    python benchmarks/query_store.py 300000 --runs 3 --question people-posts
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run(project: Path, question: str, *options: str) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pia_kg", "--project", str(project), "query", question, *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"pia-kg query {question} {' '.join(options)} failed: {done.stderr}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("triples", nargs="?", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--question", default="timeline")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder) / "project"
        subprocess.run(
            [sys.executable, str(HERE / "generate.py"), str(args.triples), "--out", str(project)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        baseline = statistics.median(run(project, args.question, "--no-store") for _ in range(args.runs))
        built = []
        for _ in range(args.runs):
            shutil.rmtree(project / ".pia-kg", ignore_errors=True)
            built.append(run(project, args.question))
        unchanged = statistics.median(run(project, args.question) for _ in range(args.runs))
        edited = []
        target = sorted((project / "data").glob("*.ttl"))[0]
        for number in range(args.runs):
            line = f'<https://w3id.org/pia-kg/id/document/bench-{number}> <https://schema.org/name> "b" .'
            with target.open("a", encoding="utf-8") as out:
                out.write(f"\n{line}\n")
            edited.append(run(project, args.question))
    print(f"{args.triples} generated triples, question {args.question}, median of {args.runs} runs")
    print("| pia-kg query | seconds | / baseline |")
    print("|---|---:|---:|")
    rows = [
        ("--no-store (loads every file)", baseline),
        ("first run (builds .pia-kg/store)", statistics.median(built)),
        ("unchanged repository", unchanged),
        (f"after editing {target.name} (reloads it alone)", statistics.median(edited)),
    ]
    for name, seconds in rows:
        print(f"| {name} | {seconds:.2f} | {seconds / baseline:.2f} |")


if __name__ == "__main__":
    main()
