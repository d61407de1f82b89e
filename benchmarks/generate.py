"""Scale the real graph's shape to N triples, deterministically, with a known share of injected violations.

The real data/ (organisations, agreements with parties, statements with evidence, funding commitments,
memberships, posts, events) is copied K times: copy 0 keeps the real IRIs, so the saved questions' default
parameters still find something, and copy k renames every resource under https://w3id.org/pia-kg/id/ (except
source documents and themes, which all copies share) to `<slug>-c<k>`. Blank nodes are relabelled from their
canonical labels, so the output is the same bytes for the same arguments. A seeded choice of copies gets one
violation each, cycling through VIOLATIONS; `manifest.json` lists them.

Each data file is written as N-Triples (which is Turtle) under the same name in `<out>/data/`, with the real
ontology/ and queries/ beside it, so that `pia-kg --project <out> validate` works on it.

    python benchmarks/generate.py 100000 --out pia-100k
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph

REPO_ROOT = Path(__file__).resolve().parent.parent
ID_BASE = "https://w3id.org/pia-kg/id/"
SHARED = (f"{ID_BASE}doc/", f"{ID_BASE}theme/")
SKOS_PREF_LABEL = URIRef("http://www.w3.org/2004/02/skos/core#prefLabel")
SCHEMA_START_DATE = URIRef("https://schema.org/startDate")
PROV_DERIVED = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")
# kind -> (file, focus in copy 0): what each injected violation breaks
VIOLATIONS = {
    "missing-english-label": ("organisations.ttl", f"{ID_BASE}organisation/current-ai"),
    "date-as-string": ("events.ttl", f"{ID_BASE}event/current-ai--lancement"),
    "missing-source": ("statements.ttl", f"{ID_BASE}statement/pr-2025-07-current-ai-maroc--883-1078"),
}


@dataclass(frozen=True)
class Injected:
    kind: str
    copy: int
    focus: str


def read_real_data(root: Path) -> dict[str, Graph]:
    """Each real data file as a graph with canonical blank-node labels."""
    graphs = {}
    for path in sorted((root / "data").glob("*.ttl")):
        graph = Graph(bind_namespaces="none").parse(path, format="turtle")
        graphs[path.name] = to_canonical_graph(graph)
    return graphs


def rename(term: object, copy: int) -> str:
    """The N-Triples form of a term in copy `copy`."""
    if isinstance(term, BNode):
        return f"_:c{copy}x{term}"
    if isinstance(term, URIRef):
        iri = str(term)
        if copy and iri.startswith(ID_BASE) and not iri.startswith(SHARED):
            iri = f"{iri}-c{copy}"
        return f"<{iri}>"
    assert isinstance(term, Literal)
    return term.n3()


def mutate(kind: str, file_name: str, triples: list[tuple[Any, Any, Any]]) -> list[tuple[Any, ...]]:
    """The copy-0 triples of `file_name` with the violation `kind` applied to its focus."""
    target_file, focus = VIOLATIONS[kind]
    if file_name != target_file:
        return list(triples)
    focus_iri = URIRef(focus)
    out: list[tuple[object, ...]] = []
    for s, p, o in triples:
        if s == focus_iri and kind == "missing-english-label" and p == SKOS_PREF_LABEL:
            if isinstance(o, Literal) and o.language == "en":
                continue
        elif s == focus_iri and kind == "date-as-string" and p == SCHEMA_START_DATE:
            o = Literal(str(o))
        elif s == focus_iri and kind == "missing-source" and p == PROV_DERIVED:
            continue
        out.append((s, p, o))
    return out


def copy_lines(graphs: dict[str, Graph], copy: int, kind: str | None) -> Iterator[tuple[str, list[str]]]:
    for file_name, graph in graphs.items():
        triples = sorted(graph, key=lambda t: (str(t[0]), str(t[1]), str(t[2])))
        if kind is not None:
            triples = mutate(kind, file_name, triples)  # type: ignore[assignment]
        yield file_name, [f"{rename(s, copy)} {rename(p, copy)} {rename(o, copy)} ." for s, p, o in triples]


def generate(
    triples: int, out_dir: Path, *, seed: int = 6, violation_rate: float = 0.01, root: Path = REPO_ROOT
) -> list[Injected]:
    """Write a project of about `triples` data triples to `out_dir`; return the injected violations."""
    graphs = read_real_data(root)
    per_copy = sum(len(graph) for graph in graphs.values())
    copies = max(1, round(triples / per_copy))
    chooser = random.Random(seed)
    # at least one violation, unless none is asked for (a graph that validates, for `pia-kg build`)
    count = 0 if violation_rate <= 0 else min(copies - 1, max(1, round(copies * violation_rate)))
    broken = sorted(chooser.sample(range(1, copies), count)) if copies > 1 else []
    kinds = sorted(VIOLATIONS)
    plan = {copy: kinds[index % len(kinds)] for index, copy in enumerate(broken)}
    if out_dir.exists():
        shutil.rmtree(out_dir)
    (out_dir / "data").mkdir(parents=True)
    shutil.copytree(root / "ontology", out_dir / "ontology")
    shutil.copytree(root / "queries", out_dir / "queries", ignore=shutil.ignore_patterns("expected"))
    (out_dir / "pyproject.toml").write_text("[project]\nname = 'pia-kg-benchmark'\n", encoding="utf-8")
    handles = {name: (out_dir / "data" / name).open("w", encoding="utf-8") for name in graphs}
    try:
        for copy in range(copies):
            for file_name, lines in copy_lines(graphs, copy, plan.get(copy)):
                handles[file_name].write("\n".join(lines) + "\n")
    finally:
        for handle in handles.values():
            handle.close()
    injected = [
        Injected(kind, copy, rename(URIRef(VIOLATIONS[kind][1]), copy)[1:-1]) for copy, kind in plan.items()
    ]
    manifest = {
        "seed": seed,
        "copies": copies,
        "triples_per_copy": per_copy,
        "data_triples": copies * per_copy - sum(_removed(kind) for kind in plan.values()),
        "injected": [vars(item) for item in injected],
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", "utf-8")
    return injected


def _removed(kind: str) -> int:
    return 0 if kind == "date-as-string" else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("triples", type=int, help="about how many data triples to write")
    parser.add_argument("--out", type=Path, required=True, help="folder to (re)create")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--violation-rate", type=float, default=0.01, help="share of copies with a violation")
    args = parser.parse_args(argv)
    injected = generate(args.triples, args.out, seed=args.seed, violation_rate=args.violation_rate)
    print(f"{args.out}: {len(injected)} injected violations", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
