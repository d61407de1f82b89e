"""Semantic diff (issue 7, `pia-kg diff`): what changed per resource between two versions of the graph.

Each side is a git revision (files read with `git show REV:path`, nothing is checked out), a folder holding
ontology/ and data/, or the working tree. The graphs of each kind (ontology, shapes, data) are compared per
IRI subject: added and removed resources, and for the others the values added and removed per predicate. A
blank-node value (evidence, selectors, sh:or alternatives) is compared by the canonical form of everything it
holds (RDFC-1.0 labels, canon.py), so re-ordering or re-labelling blank nodes is not a change.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from pia_kg.errors import DataError
from pia_kg.project import Project
from pia_kg.rdf.canonical import _Writer, prefix_map
from pia_kg.rdf.labels import graph_label
from pia_kg.rdf.parsing import parse_turtle

WORKING_TREE = "working tree"
KIND_ORDER = ("data", "ontology", "shapes")


@dataclass(frozen=True)
class Side:
    """One version: its name and its Turtle files (repo-relative path -> text)."""

    name: str
    files: dict[str, str]


@dataclass
class ResourceChange:
    """A resource of one kind: added, removed, or changed with values per predicate."""

    iri: str
    label: str
    status: str
    changes: list[tuple[str, list[str], list[str]]] = field(default_factory=list)


def _kind(relpath: str) -> str | None:
    if relpath.startswith("data/"):
        return "data"
    if relpath.startswith("ontology/"):
        return "shapes" if Path(relpath).name.startswith("shapes") else "ontology"
    return None


def _git(project: Project, *args: str) -> str:
    try:
        completed = subprocess.run(
            ["git", *args], cwd=project.root, capture_output=True, text=True, check=True, encoding="utf-8"
        )
    except (OSError, subprocess.CalledProcessError) as err:
        detail = getattr(err, "stderr", "") or str(err)
        raise DataError(
            f"git {' '.join(args)} failed: {detail.strip()}",
            hint="Give a revision that exists (`git log --oneline`) or a folder.",
        ) from err
    return completed.stdout


def default_base(project: Project) -> str:
    """The merge base of HEAD with main, or HEAD when there is no main branch."""
    try:
        return _git(project, "merge-base", "HEAD", "main").strip()
    except DataError:
        return "HEAD"


def read_side(project: Project, spec: str | None) -> Side:
    """The Turtle files of ontology/ and data/ for a folder, a git revision, or (None) the working tree."""
    if spec is None:
        paths = [*project.ontology_files(), *project.shapes_files(), *project.data_files()]
        return Side(WORKING_TREE, {project.relative(p): p.read_text(encoding="utf-8") for p in paths})
    folder = Path(spec)
    if folder.is_dir():
        other = Project(folder)
        paths = [*other.ontology_files(), *other.shapes_files(), *other.data_files()]
        files = {p.relative_to(other.root).as_posix(): p.read_text(encoding="utf-8") for p in paths}
        return Side(spec, files)
    listing = _git(project, "ls-tree", "-r", "--name-only", spec, "--", "ontology", "data")
    names = [name for name in listing.splitlines() if name.endswith(".ttl")]
    shown = spec[:12] if len(spec) == 40 and all(c in "0123456789abcdef" for c in spec) else spec
    return Side(shown, {name: _git(project, "show", f"{spec}:{name}") for name in sorted(names)})


def kind_graphs(side: Side) -> dict[str, Graph]:
    """One graph per kind, the union of that kind's files."""
    graphs = {kind: Graph(bind_namespaces="none") for kind in KIND_ORDER}
    for relpath, text in sorted(side.files.items()):
        kind = _kind(relpath)
        if kind is not None:
            graphs[kind] += parse_turtle(text, relpath=relpath)
    return graphs


def _closure(graph: Graph, node: BNode) -> Graph:
    closure = Graph(bind_namespaces="none")
    stack, seen = [node], set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        for predicate, obj in graph.predicate_objects(current):
            closure.add((current, predicate, obj))
            if isinstance(obj, BNode):
                stack.append(obj)
    return closure


def _value_key(graph: Graph, value: Node) -> str:
    if isinstance(value, BNode):
        from pia_kg.rdf.canon import canonical_labels

        canonical = canonical_labels(_closure(graph, value))
        return "[] " + " ".join(sorted(f"{p.n3()} {o.n3()}" for _, p, o in canonical))
    return value.n3()


def _description(graph: Graph, writer: _Writer, subject: Node) -> dict[str, dict[str, str]]:
    """predicate (CURIE) -> {comparison key: shown value}."""
    description: dict[str, dict[str, str]] = {}
    for predicate, value in graph.predicate_objects(subject):
        shown = writer.flat(value) if isinstance(value, BNode | Literal | URIRef) else str(value)
        name = writer.iri(predicate) if isinstance(predicate, URIRef) else str(predicate)
        description.setdefault(name, {})[_value_key(graph, value)] = shown
    return description


def _label(graphs: tuple[Graph, Graph], subject: Node, fallback: str) -> str:
    """The subject's label in English (rdf/labels.py's rule) in the first graph that has one."""
    for graph in graphs:
        found = graph_label(graph, subject, "en")
        if found is not None:
            return str(found)
    return fallback


def compare(old: Graph, new: Graph) -> list[ResourceChange]:
    """The changes of one kind, resources sorted by IRI."""
    old_writer, new_writer = _Writer(old, prefix_map({})), _Writer(new, prefix_map({}))
    subjects = {s for g in (old, new) for s in g.subjects(unique=True) if isinstance(s, URIRef)}
    changes = []
    for subject in sorted(subjects, key=str):
        curie = new_writer.iri(subject)
        label = _label((new, old), subject, curie)
        before, after = _description(old, old_writer, subject), _description(new, new_writer, subject)
        if not before or not after:
            changes.append(ResourceChange(str(subject), label, "added" if not before else "removed"))
            continue
        rows = []
        for predicate in sorted(set(before) | set(after)):
            was, now = before.get(predicate, {}), after.get(predicate, {})
            removed = sorted(was[key] for key in set(was) - set(now))
            added = sorted(now[key] for key in set(now) - set(was))
            if removed or added:
                rows.append((predicate, removed, added))
        if rows:
            changes.append(ResourceChange(str(subject), label, "changed", rows))
    return changes


def diff_sides(old: Side, new: Side) -> dict[str, list[ResourceChange]]:
    """Changes per kind (data, ontology, shapes)."""
    old_graphs, new_graphs = kind_graphs(old), kind_graphs(new)
    return {kind: compare(old_graphs[kind], new_graphs[kind]) for kind in KIND_ORDER}


def render_markdown(old: Side, new: Side, changes: dict[str, list[ResourceChange]]) -> str:
    """Release-notes Markdown: per kind, added, removed and changed resources by label."""
    lines = [f"# Changes from {old.name} to {new.name}", ""]
    if not any(changes.values()):
        return "\n".join([*lines, "No change.", ""])
    for kind in KIND_ORDER:
        items = changes[kind]
        if not items:
            continue
        lines += [f"## {kind} ({len(items)} resource(s))", ""]
        for status in ("added", "removed"):
            chosen = [item for item in items if item.status == status]
            if chosen:
                lines += [f"### {status.capitalize()}", ""]
                lines += [f"- {item.label} (<{item.iri}>)" for item in chosen] + [""]
        changed = [item for item in items if item.status == "changed"]
        if changed:
            lines += ["### Changed", ""]
            for item in changed:
                lines += [f"- **{item.label}** (<{item.iri}>)"]
                for predicate, removed, added in item.changes:
                    lines += [f"  - `{predicate}`: removed `{value}`" for value in removed]
                    lines += [f"  - `{predicate}`: added `{value}`" for value in added]
            lines.append("")
    return "\n".join(lines)


def render_json(old: Side, new: Side, changes: dict[str, list[ResourceChange]]) -> str:
    """The same changes as JSON, keys sorted."""
    document = {
        "old": old.name,
        "new": new.name,
        "changes": {
            kind: [
                {
                    "iri": item.iri,
                    "label": item.label,
                    "status": item.status,
                    "values": [
                        {"predicate": predicate, "removed": removed, "added": added}
                        for predicate, removed, added in item.changes
                    ],
                }
                for item in items
            ]
            for kind, items in changes.items()
        },
    }
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
