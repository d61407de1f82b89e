"""A bounded random fuzzer for the Turtle loader and the SPARQL endpoint's request handling (issue 8).

Plain Python, no coverage guidance: each case is a real data file (or saved query) mutated byte-wise
(flip, delete, insert a hostile token, duplicate or cut a slice). The loader may only answer with a
graph or a DataError; the endpoint only with an HTTP answer (2xx, 4xx or 503), never an exception. It runs
for a fixed time, prints what it tried, and saves any crashing input under fuzz/crashes/.

    python fuzz/fuzz_targets.py --seconds 60 --seed 1 [--target turtle|endpoint|all]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKENS = [
    b"\x00",
    b"\xff",
    b"\xef\xbb\xbf",
    b"<",
    b">",
    b'"',
    b'"""',
    b"'",
    b"[",
    b"]",
    b"(",
    b")",
    b"@",
    b"@en_US",
    b"\\u0000",
    b"\\uD800",
    b"\\u000A",
    b"^^xsd:gYearMonth",
    b" a ",
    b";",
    b",",
    b".",
    b"#",
    b"\r",
    b"\n",
    b"_:b",
    b"@prefix x: <http://x/> .",
    b"<file:///etc/passwd>",
    b"SERVICE <http://127.0.0.1:9/> { }",
    b"FROM <http://127.0.0.1:9/>",
    b"{",
    b"}",
    b"?s",
    b"*",
    b"OPTIONAL",
    b"FILTER(",
    b'REGEX(?o, "(a+)+$")',
]


def mutate(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """One random byte-level mutation of `data`, and its kind."""
    kind = rng.choice(["flip", "delete", "insert", "duplicate", "truncate"])
    at = rng.randrange(len(data) + 1)
    if kind == "flip" and data:
        at = min(at, len(data) - 1)
        return kind, data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1 :]
    if kind == "delete":
        return kind, data[:at] + data[at + rng.randrange(1, 16) :]
    if kind == "duplicate":
        size = rng.randrange(1, 64)
        return kind, data[:at] + data[at : at + size] * rng.randrange(2, 64) + data[at:]
    if kind == "truncate":
        return kind, data[:at]
    return "insert", data[:at] + rng.choice(TOKENS) + data[at:]


def turtle_target() -> tuple[list[bytes], Callable[[bytes], str]]:
    """Seeds: the real data files. Outcome: `parsed` or `rejected`; any other exception is a crash."""
    from pia_kg.errors import DataError
    from pia_kg.rdf.parsing import load_file

    folder = Path(tempfile.mkdtemp(prefix="pia-kg-fuzz-"))
    path = folder / "data" / "case.ttl"
    path.parent.mkdir()

    def run(data: bytes) -> str:
        path.write_bytes(data)
        try:
            load_file(path, root=folder)
        except DataError:
            return "rejected"
        return "parsed"

    seeds = [file.read_bytes() for file in sorted((ROOT / "data").glob("*.ttl"))]
    return seeds, run


def endpoint_target() -> tuple[list[bytes], Callable[[bytes], str]]:
    """Seeds: the saved queries. Outcome: the HTTP status class; an exception is a crash."""
    from pia_kg.graph.loading import load
    from pia_kg.graph.store import store_for
    from pia_kg.project import Project
    from pia_kg.security import limits
    from pia_kg.serve import endpoint

    limits.configure(limits.Limits(timeout=2.0, max_rows=10_000))  # a mutated query may explode
    kg = load(Project(ROOT, ROOT / "fuzz"), data_paths=[ROOT / "data" / "people.ttl"])
    served = endpoint.ServedStore(store_for(kg))
    accepts = [None, "text/csv", "application/sparql-results+json", "text/turtle", "image/png", "*/*;q=x"]
    rng = random.Random(0)

    def run(data: bytes) -> str:
        text = data.decode("utf-8", errors="replace")
        request = endpoint.QueryRequest(text=text, accept=rng.choice(accepts), max_rows=1000)
        try:
            answer = endpoint.answer_query(served, request)
        except limits.LimitExceeded:
            return "timeout"
        return f"{answer.status // 100}xx"

    seeds = [file.read_bytes() for file in sorted((ROOT / "queries").glob("*.rq"))]
    return seeds, run


TARGETS = {"turtle": turtle_target, "endpoint": endpoint_target}


def fuzz(target: str, *, seconds: float, seed: int, crashes: Path | None) -> Counter[str]:
    """Run one target for `seconds`; returns the outcome counts (`crash` included)."""
    seeds, run = TARGETS[target]()
    rng = random.Random(seed)
    counts: Counter[str] = Counter()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        data = rng.choice(seeds)
        kinds = []
        for _ in range(rng.randrange(1, 4)):
            kind, data = mutate(data, rng)
            kinds.append(kind)
        counts["cases"] += 1
        counts.update(f"mutation:{kind}" for kind in kinds)
        try:
            counts[run(data)] += 1
        except Exception as err:  # anything but the expected outcomes is a finding
            counts["crash"] += 1
            if crashes is not None:
                crashes.mkdir(parents=True, exist_ok=True)
                (crashes / f"{target}-{seed}-{counts['cases']}.bin").write_bytes(data)
            print(f"crash: {type(err).__name__}: {err}", file=sys.stderr)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="time per target")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--target", choices=[*TARGETS, "all"], default="all")
    options = parser.parse_args(argv)
    crashed = 0
    for target in TARGETS if options.target == "all" else [options.target]:
        counts = fuzz(target, seconds=options.seconds, seed=options.seed, crashes=ROOT / "fuzz" / "crashes")
        print(f"{target}: " + ", ".join(f"{key}={value}" for key, value in sorted(counts.items())))
        crashed += counts["crash"]
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    raise SystemExit(main())
