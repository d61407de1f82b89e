"""JSON-LD with the project's own @context (ontology/context.jsonld) and framed views (ontology/frames/).

pyld does the JSON-LD work: rdflib's graph goes in as sorted N-Quads (canonical blank nodes), comes out
compacted with the context, and is written with sorted keys, so the bytes are stable. No remote document is
ever fetched: every pyld call gets `offline_loader`, which serves the project context for its published URL
and refuses everything else.

A whole dump is compacted one node at a time (`compact_ntriples`): pyld's compaction of a whole document
slows down faster than the graph grows, while its compaction of one node object at a time, on a context
processed once, gives the very same objects in time linear in the graph.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterable, Iterator
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
    # split at line feeds only: a literal may hold U+2028 or U+0085, which str.splitlines splits at too
    lines = sorted({line for line in graph.serialize(format="nt").split("\n") if line.strip()})
    return "".join(f"{line}\n" for line in lines)


def expand_graph(graph: Graph, context: JsonObject) -> list[JsonObject]:
    """Expanded JSON-LD (one node object per subject, RDF lists as `@list`) from a graph: its sorted lines
    read as expand_ntriples_lists reads them, never by pyld's N-Quads reader, whose time grows with the square
    of the graph."""
    return expand_ntriples_lists(graph_nquads(graph).split("\n"), context)


@recursion_room()
def expand_ntriples_lists(lines: Iterable[str], context: JsonObject) -> list[JsonObject]:
    """Expanded JSON-LD from N-Triples lines by pyld's `from_rdf`, RDF lists as `@list`.

    The lines are parsed by pyoxigraph and given to pyld as its RDF dataset object: pyld's own N-Quads reader
    leaves escapes such as `\\u0007` unread, splits lines at U+2028, and compares each triple with all those
    before it (quadratic time)."""
    import pyoxigraph as ox
    from pyld import jsonld

    text = "\n".join(sorted(line for line in lines if line))
    triples = [
        {key: _pyld_term(getattr(quad, key)) for key in ("subject", "predicate", "object")}
        for quad in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    ]
    options = {"useNativeTypes": False, "documentLoader": offline_loader(context)}
    expanded: list[JsonObject] = jsonld.from_rdf({"@default": triples}, options)
    return expanded


def _pyld_term(term: Any) -> dict[str, str]:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return {"type": "IRI", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "blank node", "value": f"_:{term.value}"}
    found = {"type": "literal", "value": term.value, "datatype": term.datatype.value}
    if term.language:
        found["language"] = term.language
    return found


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
    unplaced = nestable - placed
    leftovers = [node for node in expanded if node.get("@id") in unplaced]  # cycles of blank nodes
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
    compacted = compact_expanded(expand_graph(graph, context), context)
    if context_url:
        compacted["@context"] = CONTEXT_URL
    return compacted


@recursion_room()
def compact_expanded(expanded: list[JsonObject], context: JsonObject) -> JsonObject:
    """Expanded node objects compacted with `context` as one document, blank nodes used once nested."""
    from pyld import jsonld

    compacted: JsonObject = jsonld.compact(
        nest_blank_nodes(expanded), context, {"documentLoader": offline_loader(context)}
    )
    return compacted


@recursion_room()
def frame_graph(graph: Graph, frame: JsonObject, context: JsonObject) -> JsonObject:
    """The graph framed by `frame` (whose @context may be CONTEXT_URL): nested objects a web app can use.

    Nothing is embedded unless the frame says `"@embed": "@always"` for that property (the default embed is
    `@never`), so a view holds what its frame names and refers to everything else by `id`.
    """
    return frame_expanded(expand_graph(graph, context), frame, context)


def frame_expanded(expanded: list[JsonObject], frame: JsonObject, context: JsonObject) -> JsonObject:
    """frame_graph of a graph expanded already (expand_graph): several frames of one graph expand it once.
    pyld copies its input, so `expanded` is left as it was."""
    from pyld import jsonld

    options = {
        "documentLoader": offline_loader(context),
        "embed": "@never",
        "omitDefault": True,
        "omitGraph": False,
    }
    framed: JsonObject = jsonld.frame(expanded, frame, options)
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


class NodeCompactor:
    """Compacts one expanded node object at a time with the project context, as pyld compacts a document.

    pyld's public `compact` processes the context again for every call; here it is processed once and pyld's
    own compaction step (`JsonLdProcessor._compact`, the algorithm `compact` runs on each node of a document)
    is called per node, so the output is pyld's by construction (tests/test_jsonld.py compares the two).
    """

    def __init__(self, context: JsonObject) -> None:
        from pyld import jsonld

        self._processor = _memo_processor()
        loader = offline_loader(context)
        self._options: dict[str, Any] = {
            "base": "",
            "compactArrays": True,
            "graph": False,
            "skipExpansion": True,
            "activeCtx": False,
            "extractAllScripts": False,
            "processingMode": "json-ld-1.1",
            "link": False,
            "documentLoader": loader,
            "contextResolver": jsonld.ContextResolver({}, loader),
        }
        initial = self._processor._get_initial_context(self._options)
        self._active = self._processor.process_context(initial, context, self._options)
        self._processor.root = self._active

    def compact(self, node: JsonObject) -> JsonObject:
        compacted: JsonObject = self._processor._compact(self._active, None, node, self._options)
        return compacted


def _memo_processor_class() -> type:
    from pyld import jsonld

    class MemoProcessor(jsonld.JsonLdProcessor):  # type: ignore[misc]
        """pyld's processor, remembering how it compacted each IRI (most of compaction's time: every IRI is
        tried against every prefix of the context). An IRI's compaction depends on the IRI, the flags and,
        for a property, on the few features of the value that term selection reads (`_value_features`);
        values with other features (lists, indexes, graphs, directions) are never remembered."""

        root: Any = None

        def __init__(self) -> None:
            super().__init__()
            self._memo: dict[tuple[Any, ...], Any] = {}

        def _compact_iri(
            self,
            active_ctx: Any,
            iri: Any,
            value: Any = None,
            vocab: bool = False,
            base: Any = None,
            reverse: bool = False,
        ) -> Any:
            features = _value_features(self, active_ctx, value) if active_ctx is self.root else None
            if features is None:
                return super()._compact_iri(active_ctx, iri, value, vocab, base, reverse)
            key = (iri, vocab, base, reverse, features)
            if key not in self._memo:
                self._memo[key] = super()._compact_iri(active_ctx, iri, value, vocab, base, reverse)
            return self._memo[key]

    return MemoProcessor


_UNREMEMBERED = frozenset({"@list", "@index", "@graph", "@preserve", "@direction", "@set", "@reverse"})


def _value_features(processor: Any, active_ctx: Any, value: Any) -> tuple[Any, ...] | None:
    """What pyld's term selection reads of `value`, or None where it may read more (never remembered)."""
    if value is None:
        return ("none",)
    if not isinstance(value, dict) or not _UNREMEMBERED.isdisjoint(value):
        return None
    keys = tuple(sorted(key for key in value if key.startswith("@")))
    if "@value" in value:
        return ("value", keys, len(value), value.get("@language"), value.get("@type"))
    if "@id" in value:  # term selection prefers @vocab when the @id itself compacts to a term of that IRI
        term = processor._compact_iri(active_ctx, value["@id"], None, vocab=True)
        mapping = active_ctx["mappings"].get(term)
        return ("node", keys, bool(term is not None and mapping and mapping["@id"] == value["@id"]))
    return ("node", keys, None)


def _memo_processor() -> Any:
    """A new MemoProcessor (its class is made on first use: pyld is imported only when needed)."""
    return _memo_processor_class()()


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_SUBJECT = re.compile(r"<([^>]*)>|(_:\S+)")


def expanded_from_ntriples(lines: Iterable[str]) -> list[JsonObject]:
    """Expanded JSON-LD node objects, one per subject, from N-Triples lines, as pyld's `from_rdf` gives them
    for a graph without RDF lists (`useNativeTypes` off, `rdf:type` as `@type`): nodes sorted by `@id`,
    the values of each property in the order of the sorted lines. An RDF list stays `rdf:first`/`rdf:rest`
    statements (pyld would write `@list`): the same triples either way."""
    import pyoxigraph as ox

    text = "\n".join(_by_subject_value(sorted(line for line in lines if line)))
    nodes: list[JsonObject] = []
    current: JsonObject | None = None
    blank, literal, xsd_string = ox.BlankNode, ox.Literal, _XSD_STRING
    for triple in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES):
        term = triple.subject
        subject = f"_:{term.value}" if type(term) is blank else str(term.value)
        if current is None or current["@id"] != subject:
            current = {"@id": subject}
            nodes.append(current)
        predicate, obj = triple.predicate.value, triple.object
        if type(obj) is literal:  # as _value writes it, without a call per value
            datatype = obj.datatype.value
            if obj.language:
                value = {"@value": obj.value, "@language": obj.language}
            elif datatype == xsd_string:
                value = {"@value": obj.value}
            else:
                value = {"@value": obj.value, "@type": datatype}
            current.setdefault(predicate, []).append(value)
        elif predicate == _RDF_TYPE:
            current.setdefault("@type", []).append(_node_id(obj))
        else:
            current.setdefault(predicate, []).append(_value(obj))
    return nodes


def _by_subject_value(ordered: list[str]) -> Iterator[str]:
    """Sorted N-Triples lines in the order of (subject's IRI or label, line): the lines of one subject are
    next to each other and in order already, and two subjects' lines never interleave, so only the runs of
    lines of each subject are sorted (stably), each by its subject once."""
    runs: list[tuple[str, int, int]] = []
    start = 0
    count = len(ordered)
    while start < count:
        token = ordered[start].split(" ", 1)[0] + " "
        stop = start + 1
        while stop < count and ordered[stop].startswith(token):
            stop += 1
        found = _SUBJECT.match(ordered[start])
        value = found.group(1) if found and found.group(1) is not None else token[:-1]
        runs.append((value, start, stop))
        start = stop
    runs.sort(key=lambda run: run[0])
    for _, start, stop in runs:
        yield from ordered[start:stop]


def _node_id(term: Any) -> str:
    import pyoxigraph as ox

    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else str(term.value)


def _value(term: Any) -> JsonObject:
    import pyoxigraph as ox

    if not isinstance(term, ox.Literal):
        return {"@id": _node_id(term)}
    datatype = term.datatype.value
    if term.language:
        return {"@value": term.value, "@language": term.language}
    if datatype == _XSD_STRING:
        return {"@value": term.value}
    return {"@value": term.value, "@type": datatype}


def compact_ntriples(lines: Iterable[str], context: JsonObject) -> bytes:
    """The graph of these N-Triples lines compacted with `context` (inline), the same bytes as
    `dump_json(compact_graph(graph, context))` for a graph without RDF lists: blank nodes used once nested
    in their holder, node objects sorted by `@id`, each compacted and written on its own."""
    compactor = NodeCompactor(context)
    nodes = nest_blank_nodes(expanded_from_ntriples(lines))
    if len(nodes) == 1:  # pyld writes a lone node at the top level, beside @context
        return dump_json({"@context": context["@context"], **compactor.compact(nodes[0])})
    header = dump_json({"@context": context["@context"], "@graph": []}).decode("utf-8")
    if not nodes:
        return header.encode("utf-8")
    opening = header[: header.rindex("[]")] + "[\n"
    return "".join(_graph_chunks(opening, (compactor.compact(node) for node in nodes))).encode("utf-8")


def _graph_chunks(opening: str, compacted: Iterator[JsonObject]) -> Iterator[str]:
    yield opening
    for number, node in enumerate(compacted):
        text = json.dumps(node, sort_keys=True, indent=2, ensure_ascii=False)
        yield ("" if number == 0 else ",\n") + "    " + text.replace("\n", "\n    ")
    yield "\n  ]\n}\n"
