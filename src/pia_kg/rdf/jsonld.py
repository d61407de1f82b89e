"""JSON-LD with the project's own @context (ontology/context.jsonld) and framed views (ontology/frames/).

pyld does the JSON-LD work: rdflib's graph goes in as sorted N-Quads (canonical blank nodes), comes out
compacted with the context, and is written with sorted keys, so the bytes are stable. No remote document is
ever fetched: every pyld call gets `offline_loader`, which serves the project context for its published URL
and refuses everything else.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rdflib import Graph

from pia_kg.errors import DataError
from pia_kg.security.limits import recursion_room

CONTEXT_URL = "https://w3id.org/pia-kg/context.jsonld"
"""Where the context is published; per-resource documents refer to it, dumps carry it inline."""

FRAMES = ("agreement", "person", "statement")

JsonObject = dict[str, Any]


def read_json(path: Path) -> JsonObject:
    """Read a JSON object from a repository file; errors name the file and position."""
    try:
        loaded = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise DataError(
            f"{path}: no such file", hint="Restore it from git: `git checkout -- <file>`."
        ) from err
    except json.JSONDecodeError as err:
        raise DataError(f"{path}:{err.lineno}:{err.colno}: not valid JSON: {err.msg}") from err
    if not isinstance(loaded, dict):
        raise DataError(f"{path}: expected a JSON object")
    return loaded


def read_context(ontology_dir: Path) -> JsonObject:
    """The project context document `{"@context": {...}}` from ontology/context.jsonld."""
    document = read_json(Path(ontology_dir) / "context.jsonld")
    if not isinstance(document.get("@context"), dict):
        raise DataError(
            f"{Path(ontology_dir) / 'context.jsonld'}: expected an object with an @context object"
        )
    return document


def read_frame(ontology_dir: Path, name: str) -> JsonObject:
    """The frame ontology/frames/<name>.json (its @context is CONTEXT_URL)."""
    return read_json(Path(ontology_dir) / "frames" / f"{name}.json")


def offline_loader(context: JsonObject | None = None) -> Callable[..., JsonObject]:
    """A pyld document loader that serves `context` for CONTEXT_URL and refuses any other URL (every URL,
    without a context)."""
    from pyld.jsonld import JsonLdError

    def load_document(url: str, options: dict[str, Any] | None = None) -> JsonObject:
        if url == CONTEXT_URL and context is not None:
            return {
                "contentType": "application/ld+json",
                "contextUrl": None,
                "documentUrl": url,
                "document": copy.deepcopy(context),
            }
        raise JsonLdError(
            f"refusing to fetch {url}: pia-kg never loads remote JSON-LD documents",
            "jsonld.LoadDocumentError",
            code="loading document failed",
        )

    return load_document


def graph_nquads(graph: Graph) -> str:
    """The graph as sorted N-Triples lines (valid N-Quads), the stable input of every pyld call."""
    lines = sorted({line for line in graph.serialize(format="nt").splitlines() if line.strip()})
    return "".join(f"{line}\n" for line in lines)


@recursion_room()
def expand_graph(graph: Graph, context: JsonObject) -> list[JsonObject]:
    """Expanded JSON-LD (one node object per subject) from a graph."""
    from pyld import jsonld

    options = {
        "format": "application/n-quads",
        "useNativeTypes": False,
        "documentLoader": offline_loader(context),
    }
    expanded: list[JsonObject] = jsonld.from_rdf(graph_nquads(graph), options)
    return expanded


def nest_blank_nodes(expanded: list[JsonObject]) -> list[JsonObject]:
    """Move each blank node that is the object of exactly one statement inside that statement.

    The graph is unchanged (a blank node without `@id` is still a fresh blank node), but evidence, selectors
    and attributions read as nested objects instead of `_:b...` references.
    """
    nodes = {node["@id"]: node for node in expanded if str(node.get("@id", "")).startswith("_:")}
    uses: dict[str, int] = {}
    for node in expanded:
        for value in _object_references(node):
            uses[value] = uses.get(value, 0) + 1
    nestable = {identifier for identifier, count in uses.items() if count == 1 and identifier in nodes}
    placed: set[str] = set()

    def nest(node: JsonObject, trail: frozenset[str]) -> JsonObject:
        result: JsonObject = {}
        for key, values in node.items():
            if key.startswith("@") or not isinstance(values, list):
                result[key] = values
                continue
            result[key] = []
            for value in values:
                identifier = value.get("@id") if _is_reference(value) else None
                if identifier in nestable and identifier not in trail and identifier not in placed:
                    placed.add(identifier)
                    value = nest(_without_id(nodes[identifier]), trail | {identifier})
                result[key].append(value)
        return result

    roots = [node for node in expanded if node.get("@id") not in nestable]
    nested = [nest(node, frozenset({str(node.get("@id"))})) for node in roots]
    leftovers = [node for node in expanded if node.get("@id") in nestable - placed]  # cycles of blank nodes
    return nested + leftovers


def _object_references(node: JsonObject) -> list[str]:
    return [
        value["@id"]
        for key, values in node.items()
        if not key.startswith("@") and isinstance(values, list)
        for value in values
        if _is_reference(value)
    ]


def _is_reference(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"@id"}


def _without_id(node: JsonObject) -> JsonObject:
    return {key: value for key, value in node.items() if key != "@id"}


@recursion_room()
def compact_graph(graph: Graph, context: JsonObject, *, context_url: bool = False) -> JsonObject:
    """The graph compacted with the project context, inline (or as CONTEXT_URL if `context_url`)."""
    from pyld import jsonld

    compacted: JsonObject = jsonld.compact(
        nest_blank_nodes(expand_graph(graph, context)), context, {"documentLoader": offline_loader(context)}
    )
    if context_url:
        compacted["@context"] = CONTEXT_URL
    return compacted


@recursion_room()
def frame_graph(graph: Graph, frame: JsonObject, context: JsonObject) -> JsonObject:
    """The graph framed by `frame` (whose @context may be CONTEXT_URL): nested objects a web app can use.

    Nothing is embedded unless the frame says `"@embed": "@always"` for that property (the default embed is
    `@never`), so a view holds what its frame names and refers to everything else by `id`.
    """
    from pyld import jsonld

    options = {
        "documentLoader": offline_loader(context),
        "embed": "@never",
        "omitDefault": True,
        "omitGraph": False,
    }
    framed: JsonObject = jsonld.frame(expand_graph(graph, context), frame, options)
    return framed


def to_rdf_graph(document: JsonObject | list[Any], context: JsonObject) -> Graph:
    """Parse JSON-LD with pyld (offline) back into an rdflib Graph: the independent check of our output."""
    from pyld import jsonld

    nquads = jsonld.to_rdf(
        document, {"format": "application/n-quads", "documentLoader": offline_loader(context)}
    )
    return Graph(bind_namespaces="none").parse(data=nquads, format="nt")


def dump_json(document: JsonObject | list[Any]) -> bytes:
    """Stable JSON bytes: sorted keys, two-space indent, UTF-8 kept, final newline."""
    return (json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
