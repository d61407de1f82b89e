"""Deterministic serialisation of the whole graph: same input, same bytes (ARCHITECTURE.md, rule 4).

Blank nodes get canonical labels first (RDFC-1.0 per named graph, see canon.py, then renamed from a hash of
the graph name and that label, so that two files never share a label). Then each format is written in a
stable order:

- N-Triples and N-Quads: rdflib's lines, sorted;
- Turtle and TriG: rdflib's `longturtle` writer, which sorts subjects, predicates and objects (TriG is one
  `GRAPH <name> { ... }` block per source file, in file order);
- RDF/XML: one `rdf:Description` per subject, subjects and statements sorted (rdflib's writer follows the
  store's iteration order, which is not stable);
- JSON-LD: compacted with the project context, one node object at a time, keys sorted (see
  `pia_kg.rdf.jsonld`); a graph that holds RDF lists is compacted whole, so that they are written as `@list`.

N-Quads and TriG keep one named graph per source file (`urn:pia-kg:file:<path>`); the others write the union.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from pia_kg.errors import DataError
from pia_kg.graph.loading import Kind, KnowledgeGraph
from pia_kg.rdf.canon import canonical_labels
from pia_kg.rdf.jsonld import JsonObject, compact_expanded, compact_ntriples, dump_json, expand_ntriples_lists
from pia_kg.rdf.namespaces import PREFIXES, bind_prefixes
from pia_kg.security.limits import recursion_room


@dataclass(frozen=True)
class ExportFormat:
    """One dump format: CLI name, file extension, IANA media type and whether it keeps named graphs."""

    name: str
    extension: str
    media_type: str
    keeps_graphs: bool = False


EXPORT_FORMATS: dict[str, ExportFormat] = {
    fmt.name: fmt
    for fmt in (
        ExportFormat("turtle", "ttl", "text/turtle"),
        ExportFormat("ntriples", "nt", "application/n-triples"),
        ExportFormat("nquads", "nq", "application/n-quads", keeps_graphs=True),
        ExportFormat("trig", "trig", "application/trig", keeps_graphs=True),
        ExportFormat("jsonld", "jsonld", "application/ld+json"),
        ExportFormat("rdfxml", "rdf", "application/rdf+xml"),
    )
}


def published_kinds(*, include_shapes: bool = False) -> tuple[Kind, ...]:
    """The kinds of graphs a dump holds: ontology and data, plus the shapes on request."""
    return ("ontology", "shapes", "data") if include_shapes else ("ontology", "data")


def canonical_dataset(kg: KnowledgeGraph, *, kinds: Iterable[Kind] = ("ontology", "data")) -> Dataset:
    """A copy of the chosen graphs with canonical blank-node labels, one named graph per source file."""
    dataset = bind_prefixes(Dataset())
    assert isinstance(dataset, Dataset)
    for identifier in kg.graph_ids(*kinds):
        named = dataset.graph(identifier)
        for triple in canonical_triples(kg.dataset.graph(identifier), salt=str(identifier)):
            named.add(triple)
    return dataset


def canonical_triples(graph: Graph, *, salt: str = "") -> list[tuple[Node, Node, Node]]:
    """The triples of `graph` with blank nodes renamed from their canonical hash (and `salt`)."""
    canonical = canonical_labels(graph)
    renamed: dict[BNode, BNode] = {}

    def rename(term: Node) -> Node:
        if not isinstance(term, BNode):
            return term
        if term not in renamed:
            digest = hashlib.sha256(f"{salt}\n{term}".encode()).hexdigest()[:16]
            renamed[term] = BNode(f"b{digest}")
        return renamed[term]

    return [(rename(s), rename(p), rename(o)) for s, p, o in canonical]


def union_graph(dataset: Dataset) -> Graph:
    """All triples of all named graphs in one plain graph, with the project prefixes."""
    graph = bind_prefixes(Graph(bind_namespaces="none"))
    for context in _named_graphs(dataset):
        for triple in context:
            graph.add(triple)
    return graph


@recursion_room()
def serialize(dataset: Dataset, fmt: str, *, context: JsonObject | None = None) -> bytes:
    """The dataset in format `fmt` (a key of EXPORT_FORMATS), byte-for-byte stable.

    JSON-LD needs the project `context` (`pia_kg.rdf.jsonld.read_context`); it is written inline.
    """
    if fmt in LINE_FORMATS:  # line by line from each file's graph: no union copy of the whole graph
        return _dataset_lines(dataset, fmt)
    if fmt == "trig":
        return _trig(dataset)
    graph = union_graph(dataset)
    if fmt == "turtle":
        return turtle(graph).encode("utf-8")
    if fmt == "rdfxml":
        return rdf_xml(graph)
    if fmt == "jsonld":
        if context is None:
            raise ValueError("JSON-LD export needs the project context")
        return jsonld_from_lines(_dataset_lines(dataset, "ntriples"), context)
    raise ValueError(f"unknown export format {fmt!r}")


def export(
    kg: KnowledgeGraph, fmt: str, *, context: JsonObject | None = None, include_shapes: bool = False
) -> bytes:
    """The whole graph (ontology and data; shapes on request) in format `fmt`."""
    dataset = canonical_dataset(kg, kinds=published_kinds(include_shapes=include_shapes))
    return serialize(dataset, fmt, context=context)


# N-Triples and N-Quads are written by pyoxigraph, in the canonical form of RDF 1.2 N-Triples (control
# characters escaped, so that no literal can break a line), one statement per line, sorted
LINE_FORMATS = ("ntriples", "nquads")
STORE_FORMATS = (*LINE_FORMATS, "jsonld")  # written from the store on disk by `pia-kg export`
_RDF_FIRST = f"<{PREFIXES['rdf']}first>"
_BLANK_OBJECT = re.compile(r" _:[^ \"<>]+ \.$")  # an N-Triples line whose object is a blank node
# a blank node where N-Triples can hold one: the subject, at the start of a line, or the object, at its end
_BLANK_TERM = re.compile(r"^_:(?P<subject>[^ ]+) | _:(?P<object>[^ \"<>]+) \.$", re.MULTILINE)


def export_lines(store: Any, graph_ids: Iterable[URIRef], fmt: str) -> bytes:
    """N-Triples or N-Quads (LINE_FORMATS) of the named graphs `graph_ids` of a pyoxigraph store, the same
    bytes as `export` gives from the files: blank nodes named as canonical_triples names them (RDFC-1.0 per
    graph, then a hash of the graph name and the canonical label), lines sorted and each once.

    Nothing but the store is read: pyoxigraph writes each graph's lines; only the lines that hold a blank node
    are parsed again, canonicalised and written by pyoxigraph, then their labels renamed in the text, so a
    graph of IRIs and literals costs no more than its dump."""
    import pyoxigraph as ox

    lines: set[str] = set()
    for identifier in graph_ids:
        name = ox.NamedNode(str(identifier))
        dump = (store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=name) or b"").decode("utf-8")
        kept: list[str] = []
        blank: list[str] = []
        for line in dump.split("\n"):
            # a blank node is the subject (at the start) or the object (" _:x ." at the end), never inside
            if (line.startswith("_:") or " _:" in line) and _holds_blank_node(line):
                blank.append(line)
            elif line:
                kept.append(line)
        _add_lines(lines, [*kept, *_canonical_blank_lines(blank, salt=str(identifier))], name, fmt)
    return _sorted_bytes(lines)


def export_jsonld(store: Any, graph_ids: Iterable[URIRef], context: JsonObject) -> bytes:
    """JSON-LD of the named graphs `graph_ids` of a pyoxigraph store: the same bytes as `export` gives from
    the files. The canonical N-Triples of `export_lines` are compacted node by node (rdf/jsonld.py)."""
    return jsonld_from_lines(export_lines(store, graph_ids, "ntriples"), context)


def jsonld_from_lines(lines: bytes, context: JsonObject) -> bytes:
    """Canonical N-Triples `lines` compacted with `context`, node by node; a graph that holds an RDF list is
    compacted whole by pyld instead, which writes the list as `@list`."""
    text = lines.decode("utf-8")
    if _RDF_FIRST in text:
        return dump_json(compact_expanded(expand_ntriples_lists(text.split("\n"), context), context))
    return compact_ntriples(text.split("\n"), context)


def _dataset_lines(dataset: Dataset, fmt: str) -> bytes:
    """export_lines for a dataset whose blank nodes are named already (canonical_dataset)."""
    import pyoxigraph as ox

    from pia_kg.rdf.terms import to_oxigraph

    lines: set[str] = set()
    for context in _named_graphs(dataset):
        name = ox.NamedNode(str(context.identifier))
        triples = [ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in context]
        _add_lines(lines, _ntriples_lines(triples), name, fmt)
    return _sorted_bytes(lines)


def _ntriples_lines(triples: list[Any]) -> list[str]:
    import pyoxigraph as ox

    written = (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")
    return [line for line in written.split("\n") if line]


def _add_lines(lines: set[str], graph_lines: list[str], name: Any, fmt: str) -> None:
    """A graph's N-Triples lines, as they are or (N-Quads) with the graph's name before the final dot."""
    if fmt == "nquads":
        lines.update(f"{line[:-2]} {name} ." for line in graph_lines)
    else:
        lines.update(graph_lines)


def _sorted_bytes(lines: set[str]) -> bytes:
    ordered = sorted(lines)
    return ("\n".join(ordered) + "\n").encode("utf-8") if ordered else b""


def _holds_blank_node(line: str) -> bool:
    return line.startswith("_:") or _BLANK_OBJECT.search(line) is not None


def _canonical_blank_lines(lines: list[str], *, salt: str) -> list[str]:
    """N-Triples lines of one graph that hold blank nodes, their labels renamed as canonical_triples renames
    them: RDFC-1.0 by pyoxigraph, then `b` + a hash of `salt` (the graph name) and the canonical label."""
    import pyoxigraph as ox

    if not lines:
        return []
    dataset = ox.Dataset(ox.parse("\n".join(lines).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    written = (ox.serialize(dataset, format=ox.RdfFormat.N_QUADS) or b"").decode("utf-8")  # default graph
    renamed: dict[str, str] = {}

    def rename(match: re.Match[str]) -> str:
        label = match.group("subject") or match.group("object")
        found = renamed.get(label)
        if found is None:
            found = renamed[label] = "b" + hashlib.sha256(f"{salt}\n{label}".encode()).hexdigest()[:16]
        return f"_:{found} " if match.group("subject") else f" _:{found} ."

    return [line for line in _BLANK_TERM.sub(rename, written).split("\n") if line]


def replace_folder(folder: Path, files: Mapping[str, bytes]) -> None:
    """Write `files` (relative path -> bytes) into a new folder beside `folder`, then swap it in place of
    `folder`: a failure leaves the old folder whole, and nothing else is ever left in it."""
    folder = Path(folder).absolute()
    if not folder.parent.is_dir():
        raise DataError(
            f"{folder.parent}: no such folder", hint="Create the folder first, or choose another -o."
        )
    try:
        staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.new-"))
    except OSError as err:
        raise DataError(
            f"{folder.parent}: cannot be written ({err.strerror or err})",
            hint="Choose a folder you can write to with -o.",
        ) from err
    try:
        for relpath, data in sorted(files.items()):
            path = staging / relpath
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            os.chmod(path, 0o644)
        swap_folder(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def swap_folder(staging: Path, output_dir: Path) -> None:
    """Put `staging` in place of `output_dir`: old one aside, new one in, then delete the old one."""
    os.chmod(staging, 0o755)
    if not output_dir.exists():
        os.replace(staging, output_dir)
        return
    retired = Path(tempfile.mkdtemp(dir=output_dir.parent, prefix=f".{output_dir.name}.old-"))
    os.rmdir(retired)
    os.replace(output_dir, retired)
    try:
        os.replace(staging, output_dir)
    except BaseException:
        os.replace(retired, output_dir)
        raise
    shutil.rmtree(retired, ignore_errors=True)


@recursion_room()
def turtle(graph: Graph) -> str:
    """Stable Turtle from rdflib's sorted `longturtle` writer, with every literal in its own lexical form.

    The stock writer shortens numbers (`"400000000"^^xsd:decimal` becomes `400000000.0`), which changes the
    literal; here a literal is always written quoted, with its datatype or language.
    """
    from io import BytesIO

    from rdflib.plugins.serializers.longturtle import LongTurtleSerializer

    class LosslessTurtleSerializer(LongTurtleSerializer):
        def label(self, node: Node, position: Any) -> str:
            if isinstance(node, Literal):
                return node._literal_n3(
                    use_plain=False,
                    qname_callback=lambda datatype: self.get_pname(datatype, False),  # type: ignore[no-untyped-call]
                )
            label: str = super().label(node, position)  # type: ignore[no-untyped-call]
            return label

    stream = BytesIO()
    LosslessTurtleSerializer(graph).serialize(stream, encoding="utf-8")  # type: ignore[no-untyped-call]
    return stream.getvalue().decode("utf-8")


def _named_graphs(dataset: Dataset) -> list[Graph]:
    return sorted(
        (context for context in dataset.graphs() if len(context) > 0),
        key=lambda context: str(context.identifier),
    )


def _trig(dataset: Dataset) -> bytes:
    """One prefix block, then one `GRAPH` block per source file, each written by the stable Turtle writer.

    A namespace outside the project's prefixes is ordinary data: the writer would name it `ns1` in each graph
    on its own, so the same name could stand for two namespaces. A first pass finds every such namespace, and
    each gets one name for the whole file (`ns1`, `ns2`, ... in the order of the namespace IRIs).
    """
    contexts = _named_graphs(dataset)
    first = [_split_prefixes(turtle(_graph_of(context, {}))) for context in contexts]
    extra: dict[str, str] = {}  # namespace IRI -> generated prefix
    for _, declared in first:
        for name, namespace in declared.items():
            if PREFIXES.get(name) != namespace:
                extra.setdefault(namespace, "")
    names = (name for name in (f"ns{number}" for number in itertools.count(1)) if name not in PREFIXES)
    for namespace in sorted(extra):
        extra[namespace] = next(names)
    blocks: list[str] = []
    used: dict[str, str] = {}
    for context, (body, prefixes) in zip(contexts, first, strict=True):
        if any(PREFIXES.get(name) != namespace for name, namespace in prefixes.items()):
            body, prefixes = _split_prefixes(turtle(_graph_of(context, extra)))
            invented = {
                name
                for name, namespace in prefixes.items()
                if PREFIXES.get(name) != namespace and extra.get(namespace) != name
            }
            if invented:
                raise RuntimeError(f"the Turtle writer invented prefixes {sorted(invented)} on a second pass")
        used |= prefixes
        # not indented: a triple-quoted literal would gain the indentation
        blocks.append(f"GRAPH <{context.identifier}> {{\n{body.strip()}\n}}\n")
    known = [(prefix, PREFIXES[prefix]) for prefix in PREFIXES if prefix in used]
    generated = sorted((prefix, namespace) for namespace, prefix in extra.items() if prefix in used)
    header = "".join(f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in known + generated)
    return (header + "\n" + "\n".join(blocks)).encode("utf-8")


def _graph_of(context: Graph, extra: dict[str, str]) -> Graph:
    """A copy of one named graph with the project's prefixes and the generated ones bound."""
    graph = bind_prefixes(Graph(bind_namespaces="none"))
    for namespace, prefix in extra.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    for triple in context:
        graph.add(triple)
    return graph


def _split_prefixes(turtle: str) -> tuple[str, dict[str, str]]:
    """The body of a Turtle text and the prefixes it declares: name -> namespace."""
    body: list[str] = []
    declared: dict[str, str] = {}
    for line in turtle.split("\n"):
        if line.startswith("PREFIX ") or line.startswith("@prefix "):
            name, namespace = line.split()[1:3]
            declared[name.rstrip(":")] = namespace.strip("<>")
        else:
            body.append(line)
    return "\n".join(body), declared


_XML_NAMESPACES = {"rdf": PREFIXES["rdf"], "xml": "http://www.w3.org/XML/1998/namespace"}


def rdf_xml(graph: Graph) -> bytes:
    """Flat RDF/XML: one `rdf:Description` per subject, in sorted order, so the bytes never vary."""
    prefixes = dict(_XML_NAMESPACES)
    statements: dict[Node, list[tuple[str, Node]]] = {}
    for subject, predicate, obj in graph:
        qname = _xml_qname(str(predicate), prefixes)
        statements.setdefault(subject, []).append((qname, obj))
    lines = []
    for subject in sorted(statements, key=_term_key):
        about = (
            f"rdf:nodeID={quoteattr(str(subject))}"
            if isinstance(subject, BNode)
            else f"rdf:about={quoteattr(str(subject))}"
        )
        lines.append(f"  <rdf:Description {about}>")
        for qname, obj in sorted(statements[subject], key=lambda item: (item[0], _term_key(item[1]))):
            lines.append(f"    {_xml_property(qname, obj)}")
        lines.append("  </rdf:Description>")
    declarations = "".join(
        f"\n   xmlns:{prefix}={quoteattr(namespace)}"
        for prefix, namespace in sorted(prefixes.items())
        if prefix != "xml"
    )
    head = f'<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF{declarations}>\n'
    return (head + "\n".join(lines) + "\n</rdf:RDF>\n").encode("utf-8")


def _xml_property(qname: str, obj: Node) -> str:
    if isinstance(obj, BNode):
        return f"<{qname} rdf:nodeID={quoteattr(str(obj))}/>"
    if isinstance(obj, URIRef):
        return f"<{qname} rdf:resource={quoteattr(str(obj))}/>"
    assert isinstance(obj, Literal)
    attributes = ""
    if obj.language:
        attributes = f" xml:lang={quoteattr(obj.language)}"
    elif obj.datatype:
        attributes = f" rdf:datatype={quoteattr(str(obj.datatype))}"
    text = escape(str(obj), {"\r": "&#13;"})
    return f"<{qname}{attributes}>{text}</{qname}>"


def _xml_qname(iri: str, prefixes: dict[str, str]) -> str:
    """Split a predicate IRI into a declared prefix and an XML local name (NCName)."""
    cut = len(iri)
    while cut > 0 and (iri[cut - 1].isalnum() or iri[cut - 1] in "_-."):
        cut -= 1
    while cut < len(iri) and not (iri[cut].isalpha() or iri[cut] == "_"):
        cut += 1
    namespace, local = iri[:cut], iri[cut:]
    if not local:
        raise ValueError(f"predicate <{iri}> cannot be written in RDF/XML")
    prefix = next((name for name, known in sorted(PREFIXES.items()) if known == namespace), None)
    if prefix is None:
        prefix = next((name for name, known in prefixes.items() if known == namespace), None)
    if prefix is None:
        prefix = f"ns{hashlib.sha256(namespace.encode()).hexdigest()[:8]}"
    prefixes[prefix] = namespace
    return f"{prefix}:{local}"


def _term_key(term: Node) -> tuple[int, str, str]:
    if isinstance(term, URIRef):
        return (0, str(term), "")
    if isinstance(term, BNode):
        return (1, str(term), "")
    assert isinstance(term, Literal)
    return (2, str(term), f"{term.language or ''}|{term.datatype or ''}")
