"""Deterministic serialisation of the whole graph: same input, same bytes (ARCHITECTURE.md, rule 4).

Blank nodes get canonical labels first (RDFC-1.0 per named graph, see canon.py, then renamed from a hash of
the graph name and that label, so that two files never share a label). Every format is then written from the
canonical N-Triples lines of each named graph, sorted, so that the files and the store on disk give the very
same bytes:

- N-Triples and N-Quads: pyoxigraph's lines, sorted;
- Turtle and TriG: one block per subject, in the order of the lines (IRIs, then blank nodes), `a` first,
  then the predicates and objects in line order; a blank node that is the object of one statement only is
  written inside it (`[ ... ]`, or `( ... )` for an RDF list), the others by their label. TriG is one
  `GRAPH <name> { ... }` block per source file, in the order of the graph names;
- RDF/XML: one `rdf:Description` per subject, subjects and statements sorted;
- JSON-LD: compacted with the project context, one node object at a time, keys sorted (see
  `pia_kg.rdf.jsonld`); a graph that holds RDF lists is compacted whole, so that they are written as `@list`.

N-Quads and TriG keep one named graph per source file (`urn:pia-kg:file:<path>`); the others write the union.
"""

from __future__ import annotations

import bisect
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
        return _trig_document(_graph_lines(dataset))
    if fmt in TEXT_FORMATS:
        return _union_document(_dataset_lines(dataset, "ntriples").decode("utf-8").split("\n")[:-1], fmt)
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
TEXT_FORMATS = ("turtle", "trig", "rdfxml")  # written from those lines, one subject at a time
STORE_FORMATS = (*LINE_FORMATS, "jsonld", *TEXT_FORMATS)  # written from the store on disk by `pia-kg export`
_RDF_FIRST = f"<{PREFIXES['rdf']}first>"


def export_lines(store: Any, graph_ids: Iterable[URIRef], fmt: str) -> bytes:
    """N-Triples or N-Quads (LINE_FORMATS) of the named graphs `graph_ids` of a pyoxigraph store, the same
    bytes as `export` gives from the files: blank nodes named as canonical_triples names them (RDFC-1.0 per
    graph, then a hash of the graph name and the canonical label), lines sorted and each once.

    Nothing but the store is read: pyoxigraph writes each graph's lines; only the lines that hold a blank node
    are parsed again, canonicalised and written by pyoxigraph, then their labels renamed in the text, so a
    graph of IRIs and literals costs no more than its dump. The lines stay bytes throughout (UTF-8 sorts as
    its code points do), decoded by no one here."""
    import pyoxigraph as ox

    lines: set[bytes] = set()
    for identifier in graph_ids:
        name = ox.NamedNode(str(identifier))
        dump = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=name) or b""
        kept: list[bytes] = []
        blank: list[bytes] = []
        for line in dump.split(b"\n"):
            # a blank node is the subject (at the start) or the object (" _:x ." at the end), never inside
            if (line.startswith(b"_:") or b" _:" in line) and _holds_blank_node(line):
                blank.append(line)
            elif line:
                kept.append(line)
        graph_lines = _canonical_blank_lines(blank, salt=str(identifier))
        graph_lines += kept
        _add_lines(lines, graph_lines, name, fmt)
    return _sorted_bytes(lines)


def export_text(store: Any, graph_ids: Iterable[URIRef], fmt: str) -> bytes:
    """Turtle, TriG or RDF/XML (TEXT_FORMATS) of the named graphs `graph_ids` of a pyoxigraph store, the same
    bytes as `export` gives from the files: written from the canonical lines of `export_lines`, one subject
    at a time, without building a graph in memory."""
    if fmt == "trig":
        graphs = []
        for identifier in sorted(set(graph_ids), key=str):
            text = export_lines(store, [identifier], "ntriples").decode("utf-8")
            if text:
                graphs.append((str(identifier), text.split("\n")[:-1]))
        return _trig_document(graphs)
    return _union_document(export_lines(store, graph_ids, "ntriples").decode("utf-8").split("\n")[:-1], fmt)


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

    lines: set[bytes] = set()
    for name, graph_lines in _graph_lines(dataset):
        _add_lines(lines, [line.encode("utf-8") for line in graph_lines], ox.NamedNode(name), fmt)
    return _sorted_bytes(lines)


def _graph_lines(dataset: Dataset) -> list[tuple[str, list[str]]]:
    """Each non-empty named graph of a dataset whose blank nodes are named already (canonical_dataset): its
    name and its N-Triples lines, sorted, in the order of the names."""
    import pyoxigraph as ox

    from pia_kg.rdf.terms import to_oxigraph

    graphs = []
    for context in _named_graphs(dataset):
        triples = [ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in context]
        graphs.append((str(context.identifier), sorted(set(_ntriples_lines(triples)))))
    return graphs


def _ntriples_lines(triples: list[Any]) -> list[str]:
    import pyoxigraph as ox

    written = (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")
    return [line for line in written.split("\n") if line]


def _add_lines(lines: set[bytes], graph_lines: list[bytes], name: Any, fmt: str) -> None:
    """A graph's N-Triples lines, as they are or (N-Quads) with the graph's name before the final dot."""
    if fmt == "nquads":
        tail = f" {name} .".encode()
        lines.update([line[:-2] + tail for line in graph_lines])
    else:
        lines.update(graph_lines)


def _sorted_bytes(lines: set[bytes]) -> bytes:
    return b"\n".join(sorted(lines)) + b"\n" if lines else b""


def _blank_object_label(line: bytes) -> bytes | None:
    """The label of the object of an N-Triples line if that object is a blank node (` _:label .` at the
    end, the label without a space, quote or angle bracket), else None."""
    if not line.endswith(b" ."):
        return None
    cut = line.rfind(b" ", 0, len(line) - 2)
    if cut < 0 or line[cut + 1 : cut + 3] != b"_:" or cut + 3 == len(line) - 2:
        return None
    label = line[cut + 3 : -2]
    if b'"' in label or b"<" in label or b">" in label:
        return None
    return label


def _holds_blank_node(line: bytes) -> bool:
    return line.startswith(b"_:") or _blank_object_label(line) is not None


def _canonical_blank_lines(lines: list[bytes], *, salt: str) -> list[bytes]:
    """N-Triples lines of one graph that hold blank nodes, their labels renamed as canonical_triples renames
    them: RDFC-1.0 by pyoxigraph, then `b` + a hash of `salt` (the graph name) and the canonical label.
    The label of a subject starts a line and ends at its first space; that of an object ends the line."""
    import pyoxigraph as ox

    if not lines:
        return []
    text = b"\n".join(lines)
    dataset = ox.Dataset(ox.parse(text, format=ox.RdfFormat.N_TRIPLES))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    written = ox.serialize(dataset, format=ox.RdfFormat.N_QUADS) or b""  # the default graph: triples
    renamed: dict[bytes, bytes] = {}
    prefix = f"{salt}\n".encode()

    def rename(label: bytes) -> bytes:
        found = renamed.get(label)
        if found is None:
            found = renamed[label] = b"_:b" + hashlib.sha256(prefix + label).hexdigest()[:16].encode()
        return found

    if b"c14n" not in text:
        # no IRI or literal holds `c14n`, so `_:c14n` is written only where RDFC-1.0 labelled a blank
        # node, and a space follows each label: rename them in the text, without reading it line by line
        pieces = written.split(b"_:c14n")
        out = [pieces[0]]
        for piece in itertools.islice(pieces, 1, None):
            cut = piece.index(b" ")
            out.append(rename(b"c14n" + piece[:cut]))
            out.append(piece[cut:])
        return [line for line in b"".join(out).split(b"\n") if line]
    result = []
    for line in written.split(b"\n"):
        if not line:
            continue
        head = b""
        if line.startswith(b"_:"):
            cut = line.index(b" ")
            head, line = rename(line[2:cut]), line[cut:]
        label = _blank_object_label(line)
        if label is not None:
            line = line[: len(line) - len(label) - 5] + b" " + rename(label) + b" ."
        result.append(head + line)
    return result


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


# ---------------------------------------------------------------- Turtle, TriG and RDF/XML from lines

_RDF_TYPE = f"<{PREFIXES['rdf']}type>"
_RDF_REST = f"<{PREFIXES['rdf']}rest>"
_RDF_NIL = f"<{PREFIXES['rdf']}nil>"
_INDENT = "    "
_NESTING = 12  # deepest `[ ]` or `( )` inside a block; a blank node further down gets a block of its own
# Turtle's PN_LOCAL without escapes or colons: a local name written after `prefix:` as it is
_PN_CHARS_U = (
    "A-Za-z_\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c\u200d\u2070-\u218f"
    "\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS = _PN_CHARS_U + "\\-0-9\u00b7\u0300-\u036f\u203f\u2040"
_PN_LOCAL = re.compile(f"(?:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)?")
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")
_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _union_document(lines: list[str], fmt: str) -> bytes:
    """Turtle or RDF/XML of the sorted, unique N-Triples `lines` of the union graph."""
    if fmt == "rdfxml":
        return _rdf_xml_document(lines)
    if not lines:
        return b""
    names = _Names({line.split(" ", 2)[1] for line in lines})
    body = _TurtleGraph(lines, names).text()
    head = "".join(f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in sorted(names.declared()))
    return (head + "\n" + body).encode("utf-8")


def _trig_document(graphs: list[tuple[str, list[str]]]) -> bytes:
    """TriG of named graphs, each given by its name and its sorted N-Triples lines: one prefix block, then one
    `GRAPH` block per graph.

    A namespace outside the project's prefixes is ordinary data: each such namespace of a predicate gets one
    name for the whole file (`ns1`, `ns2`, ... in the order of the namespace IRIs)."""
    names = _Names({line.split(" ", 2)[1] for _, lines in graphs for line in lines})
    blocks = [f"GRAPH <{name}> {{\n{_TurtleGraph(lines, names).text()}}}\n" for name, lines in graphs]
    declared = dict(names.declared())
    known = [(prefix, PREFIXES[prefix]) for prefix in PREFIXES if prefix in declared]
    generated = sorted(
        (prefix, declared[prefix]) for prefix in names.generated.values() if prefix in declared
    )
    header = "".join(f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in known + generated)
    return (header + "\n" + "\n".join(blocks)).encode("utf-8")


def _subjects(lines: Iterable[str]) -> Iterable[tuple[str, list[tuple[str, str]]]]:
    """Each subject of sorted N-Triples lines with its (predicate, object) pairs, in the order of the lines:
    the lines of one subject are next to each other, since they all start with it."""
    subject = ""
    pairs: list[tuple[str, str]] = []
    for line in lines:
        current, predicate, obj = line[:-2].split(" ", 2)
        if current != subject:
            if pairs:
                yield subject, pairs
            subject, pairs = current, []
        pairs.append((predicate, obj))
    if pairs:
        yield subject, pairs


def _split_iri(iri: str) -> tuple[str, str]:
    """An IRI cut after its last `/` or `#`: namespace and local name."""
    cut = max(iri.rfind("/"), iri.rfind("#")) + 1
    return iri[:cut], iri[cut:]


class _Names:
    """How a Turtle or TriG document writes IRIs: `prefix:local` with the project's prefixes and with `ns1`,
    `ns2`... for the namespaces of other predicates (in the order of the namespace IRIs), else `<iri>`;
    remembers the prefixes it used."""

    def __init__(self, predicates: Iterable[str]) -> None:
        self.namespaces: dict[str, str] = {}  # namespace -> prefix
        for prefix, namespace in PREFIXES.items():
            self.namespaces.setdefault(namespace, prefix)
        others = set()
        for token in predicates:
            namespace, local = _split_iri(token[1:-1])
            if namespace and namespace not in self.namespaces and _PN_LOCAL.fullmatch(local):
                others.add(namespace)
        free = (name for name in (f"ns{number}" for number in itertools.count(1)) if name not in PREFIXES)
        self.generated = {namespace: next(free) for namespace in sorted(others)}
        self.namespaces.update(self.generated)
        self.used: set[str] = set()
        self._written: dict[str, str] = {}

    def declared(self) -> list[tuple[str, str]]:
        """(prefix, namespace) of each prefix used so far."""
        return [(prefix, namespace) for namespace, prefix in self.namespaces.items() if prefix in self.used]

    def iri(self, token: str) -> str:
        """An N-Triples IRI (`<...>`) as Turtle writes it."""
        written = self._written.get(token)
        if written is None:
            namespace, local = _split_iri(token[1:-1])
            prefix = self.namespaces.get(namespace) if namespace else None
            if prefix is not None and _PN_LOCAL.fullmatch(local):
                self.used.add(prefix)
                written = f"{prefix}:{local}"
            else:
                written = token
            self._written[token] = written
        return written

    def term(self, token: str) -> str:
        """An N-Triples IRI or literal as Turtle writes it. A literal keeps its quoted lexical form
        (N-Triples' escapes are Turtle's) and its language or datatype, the datatype shortened like any
        IRI."""
        if token[0] == "<":
            return self.iri(token)
        end = token.rfind('"')
        if token.startswith("^^", end + 1):
            return f"{token[: end + 1]}^^{self.iri(token[end + 3 :])}"
        return token


class _TurtleGraph:
    """The Turtle blocks of one graph, from its sorted N-Triples lines: one block per subject, IRIs first, in
    the order of the lines. A blank node that is the object of exactly one statement is written inside it, as
    `[ ... ]` or, for a well-formed RDF list, `( ... )`; a blank node that no statement points to is the
    subject `[]`; any other blank node keeps its canonical label and has a block of its own."""

    def __init__(self, lines: list[str], names: _Names) -> None:
        self.lines = lines
        self.names = names
        self.first_blank = bisect.bisect_left(lines, "_:")  # lines of blank subjects sort after `<`
        self.blank: dict[str, list[tuple[str, str]]] = dict(
            _subjects(itertools.islice(lines, self.first_blank, None))
        )
        self.references: dict[str, int] = {}
        for line in lines:
            if "_:" in line:
                obj = line[line.rfind(" ", 0, len(line) - 2) + 1 : -2]
                if obj.startswith("_:") and '"' not in obj:
                    self.references[obj] = self.references.get(obj, 0) + 1
        self.written: set[str] = set()
        self.deferred: list[str] = []  # written by their label below the deepest nesting, last met first
        self.out: list[str] = []

    def text(self) -> str:
        for subject, pairs in _subjects(itertools.islice(self.lines, self.first_blank)):
            self._block(self.names.iri(subject), pairs)
        for label, pairs in self.blank.items():  # pointed to by no statement, or by several
            if self.references.get(label, 0) != 1:
                self._block("[]" if label not in self.references else label, pairs, label)
        while self.deferred:  # below the deepest nesting: a block each, in the order they were met
            label = self.deferred.pop()
            if label not in self.written and label in self.blank:
                self._block(label, self.blank[label], label)
        for label, pairs in self.blank.items():  # in a cycle
            if label not in self.written:
                self._block(label, pairs, label)
        return "\n".join(self.out)

    def _block(self, head: str, pairs: list[tuple[str, str]], label: str = "") -> None:
        if label:
            self.written.add(label)
        self.out.append(head)
        self._predicates(pairs, 1)
        self.out.append(".")
        self.out.append("")

    def _predicates(self, pairs: list[tuple[str, str]], depth: int) -> None:
        """`predicate object ;` lines, `a` first, then in the order of the lines; several objects, or one
        written across lines, go one per line below the predicate."""
        out = self.out
        pad = _INDENT * depth
        term = self.names.term
        typed = [pair for pair in pairs if pair[0] == _RDF_TYPE]
        if typed and pairs[: len(typed)] != typed:  # `a` first; the rest keep their order
            pairs = typed + [pair for pair in pairs if pair[0] != _RDF_TYPE]
        start, count = 0, len(pairs)
        while start < count:
            predicate, obj = pairs[start]
            stop = start + 1
            while stop < count and pairs[stop][0] == predicate:
                stop += 1
            verb = "a" if predicate == _RDF_TYPE else self.names.iri(predicate)
            if stop == start + 1 and obj[0] != "_":  # one IRI or literal: as _flat writes it
                out.append(f"{pad}{verb} {term(obj)} ;")
            elif stop == start + 1 and not (self._nests(obj, depth + 1) and obj in self.blank):
                out.append(f"{pad}{verb} {self._flat(obj, depth + 1)} ;")
            else:
                out.append(pad + verb)
                inner = pad + _INDENT
                for index in range(start, stop):
                    obj = pairs[index][1]
                    mark = " ;" if index == stop - 1 else " ,"
                    if obj[0] != "_":  # as _object writes it
                        out.append(f"{inner}{term(obj)}{mark}")
                    else:
                        self._object(obj, depth + 1)
                        out[-1] += mark
            start = stop

    def _nests(self, obj: str, depth: int) -> bool:
        return (
            obj.startswith("_:")
            and depth <= _NESTING
            and self.references.get(obj) == 1
            and obj not in self.written
        )

    def _flat(self, obj: str, depth: int) -> str:
        """An object on one line: a term, `[]` for a nested blank node with no statement, or a label."""
        if not obj.startswith("_:"):
            return self.names.term(obj)
        if self._nests(obj, depth) and obj not in self.blank:
            self.written.add(obj)
            return "[]"
        if obj not in self.written and self.references.get(obj) == 1:
            self.deferred.append(obj)
        return obj

    def _object(self, obj: str, depth: int) -> None:
        """One object on its own line(s), indented to `depth`."""
        out = self.out
        pad = _INDENT * depth
        if not (self._nests(obj, depth) and obj in self.blank):
            out.append(pad + self._flat(obj, depth))
            return
        items = self._list_items(obj)
        if items is not None:
            out.append(pad + "(")
            for item in items:
                self._object(item, depth + 1)
            out.append(pad + ")")
            return
        self.written.add(obj)
        out.append(pad + "[")
        self._predicates(self.blank[obj], depth + 1)
        out.append(pad + "]")

    def _list_items(self, head: str) -> list[str] | None:
        """The items of the RDF list that starts at `head`, if every node of it holds only `rdf:first` and
        `rdf:rest` and is pointed to once (then they are all marked written), else None."""
        items: list[str] = []
        chain: set[str] = set()
        node = head
        while True:
            pairs = self.blank.get(node)
            if (
                pairs is None
                or len(pairs) != 2
                or pairs[0][0] != _RDF_FIRST
                or pairs[1][0] != _RDF_REST
                or self.references.get(node) != 1
                or node in self.written
                or node in chain
            ):
                return None
            chain.add(node)
            items.append(pairs[0][1])
            node = pairs[1][1]
            if node == _RDF_NIL:
                break
            if not node.startswith("_:"):
                return None
        self.written.update(chain)
        return items


def _rdf_xml_document(lines: list[str]) -> bytes:
    """Flat RDF/XML of sorted N-Triples `lines`: one `rdf:Description` per subject, subjects and statements
    sorted as `rdf_xml` sorts them, so that both give the same bytes for the same graph."""
    prefixes = dict(_XML_NAMESPACES)
    qnames: dict[str, str] = {}
    descriptions: list[tuple[tuple[int, str], str]] = []
    for subject, pairs in _subjects(lines):
        statements = []
        for predicate, obj in pairs:
            qname = qnames.get(predicate)
            if qname is None:
                qname = qnames[predicate] = _xml_qname(predicate[1:-1], prefixes)
            statements.append((qname, _xml_key(obj)))
        statements.sort()
        if subject.startswith("_:"):
            key, about = (1, subject[2:]), f"rdf:nodeID={quoteattr(subject[2:])}"
        else:
            key, about = (0, subject[1:-1]), f"rdf:about={quoteattr(subject[1:-1])}"
        elements = "".join(f"    {_xml_element(qname, term)}\n" for qname, term in statements)
        descriptions.append((key, f"  <rdf:Description {about}>\n{elements}  </rdf:Description>"))
    descriptions.sort(key=lambda description: description[0])
    declarations = "".join(
        f"\n   xmlns:{prefix}={quoteattr(namespace)}"
        for prefix, namespace in sorted(prefixes.items())
        if prefix != "xml"
    )
    head = f'<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF{declarations}>\n'
    body = "\n".join(text for _, text in descriptions)
    return (head + body + "\n</rdf:RDF>\n").encode("utf-8")


def _xml_key(token: str) -> tuple[int, str, str]:
    """An N-Triples term as `_term_key` sorts it: kind, IRI, label or lexical form, then `language|datatype`
    of a literal."""
    if token[0] == "<":
        return (0, token[1:-1], "")
    if token[0] == "_":
        return (1, token[2:], "")
    end = token.rfind('"')
    lexical = _unescape(token[1:end])
    tail = token[end + 1 :]
    if tail.startswith("@"):
        return (2, lexical, f"{tail[1:]}|")
    return (2, lexical, f"|{tail[3:-1]}" if tail else "|")


def _xml_element(qname: str, term: tuple[int, str, str]) -> str:
    kind, text, extra = term
    if kind == 0:
        return f"<{qname} rdf:resource={quoteattr(text)}/>"
    if kind == 1:
        return f"<{qname} rdf:nodeID={quoteattr(text)}/>"
    language, datatype = extra.split("|", 1)
    attributes = ""
    if language:
        attributes = f" xml:lang={quoteattr(language)}"
    elif datatype:
        attributes = f" rdf:datatype={quoteattr(datatype)}"
    return f"<{qname}{attributes}>{escape(text, {chr(13): '&#13;'})}</{qname}>"


def _unescape(text: str) -> str:
    """The characters of an N-Triples string, its escapes undone."""
    if "\\" not in text:
        return text

    def character(match: re.Match[str]) -> str:
        code = match.group(1) or match.group(2)
        return chr(int(code, 16)) if code else _ECHAR[match.group(3)]

    return _ESCAPE.sub(character, text)
