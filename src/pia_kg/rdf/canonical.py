"""Canonical Turtle: one diff-friendly form for the files of ontology/ and data/ (issue 7, `pia-kg fmt`).

The form, so that a reviewer sees only what changed:

- a prefix block with only the prefixes the file uses, sorted by name (the project prefixes, `pias:` for
  shapes, and any other prefix the file itself declares); then the file's header comment;
- subjects sorted by type group (ontology, classes, properties, concept schemes, concepts, node shapes,
  property shapes, then any other type by IRI, then untyped) and then by IRI. A comment block followed by a
  blank line starts a *section* (as in ontology/pia.ttl): subjects are sorted within their section, and
  sections keep their order;
- `a` first, then labels, text, definitions and the structural predicates (`PREDICATE_ORDER`), then the others
  by CURIE, and messages, notes, provenance and evidence last (`PREDICATE_TAIL`);
- objects sorted (IRIs, then literals by language, datatype and text, then blank nodes by their one-line
  rendering), on one line when they fit in `LINE_WIDTH`, else one per line;
- blank nodes used once are nested `[ ... ]`, on one line when they fit or have at most `SMALL_NODE`
  predicate-object pairs and no nested node (position selectors, sh:or alternatives); RDF lists are `( ... )`;
  shared blank nodes get labels `_:b1`, `_:b2` in the order of their canonical (rdflib.compare) hashes;
- literals in the form a store gives back (literals.py: `"1.5"`, not `"+1.50"`; `true`, not `"1"`; integer
  offsets as `xsd:integer`; no `^^xsd:string`; language tags in lower case), numbers and booleans bare where
  Turtle allows it, with the fewest escapes: UTF-8 kept, `\\n` for line breaks, except that a text of
  `TRIPLE_QUOTE_MIN` or more code points with a line break (SPARQL in the shapes) is triple-quoted.

Comments: the comment blocks before the first statement are the file's header; a block directly above a
subject (no blank line between) stays with that subject; a block followed by a blank line heads a section.
Any other comment, inside a statement or after one on the same line, would be lost, so the file is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from pia_kg.errors import DataError
from pia_kg.project import Project
from pia_kg.rdf.namespaces import DCTERMS, OA, OWL, PIA, PREFIXES, PROV, RDF, RDFS, SCHEMA, SH, SKOS, XSD
from pia_kg.rdf.parsing import parse_turtle, read_prefixes, read_text
from pia_kg.security.limits import recursion_room

SHAPES_NAMESPACE = "https://w3id.org/pia-kg/shapes#"
LINE_WIDTH = 110
SMALL_NODE = 3
TRIPLE_QUOTE_MIN = 60
INDENT = 4

TYPE_GROUPS: tuple[tuple[URIRef, ...], ...] = (
    (OWL.Ontology,),
    (OWL.Class, RDFS.Class),
    (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property),
    (SKOS.ConceptScheme,),
    (SKOS.Concept,),
    (SH.NodeShape,),
    (SH.PropertyShape,),
)
PREDICATE_ORDER: tuple[URIRef, ...] = (
    RDF.type,
    SKOS.prefLabel,
    RDFS.label,
    SCHEMA.name,
    SKOS.altLabel,
    SCHEMA.text,
    SKOS.definition,
    RDFS.comment,
    RDFS.subClassOf,
    RDFS.subPropertyOf,
    RDFS.domain,
    RDFS.range,
    SH.targetClass,
    SH.path,
    OA.hasSource,
    OA.start,
    OA.end,
    OA.exact,
    OA.prefix,
    OA.suffix,
)
PREDICATE_TAIL: tuple[URIRef, ...] = (
    SH.message,
    PIA.fixHint,
    SKOS.editorialNote,
    SKOS.note,
    DCTERMS.source,
    PROV.wasDerivedFrom,
    PIA.evidence,
)
_LOCAL_NAME = re.compile(r"^(?:[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?)?$")
_BARE = {
    XSD.integer: re.compile(r"^[+-]?[0-9]+$"),
    XSD.decimal: re.compile(r"^[+-]?[0-9]*\.[0-9]+$"),
    XSD.double: re.compile(r"^[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)[eE][+-]?[0-9]+$"),
    XSD.boolean: re.compile(r"^(?:true|false)$"),
}
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_COMMENT_HINT = "Move the comment above the subject block (no blank line between), or delete it."


@dataclass
class Section:
    """A comment block that heads a run of subjects (None for the subjects before the first one)."""

    comment: list[str] | None
    subjects: list[Node] = field(default_factory=list)


@dataclass
class Layout:
    """What the formatter keeps besides triples: prefixes, header, sections and attached comments."""

    prefixes: dict[str, str]
    header: list[str]
    sections: list[Section]
    attached: dict[Node, list[str]]


@dataclass
class _Statement:
    line: int
    end_line: int
    first_token: str
    is_directive: bool


# ---------------------------------------------------------------- reading the layout of a Turtle text


def read_layout(text: str, *, relpath: str) -> Layout:
    """Find the header, section comments and comments attached to subjects; refuse any other comment."""
    comments, statements = _scan(text, relpath=relpath)
    prefixes = read_prefixes(text)
    base_match = re.search(r"^\s*(?:@base|BASE)\s+<([^>]*)>", text, re.IGNORECASE | re.MULTILINE)
    base = base_match.group(1) if base_match else None
    triples = [statement for statement in statements if not statement.is_directive]
    first_line = triples[0].line if triples else None
    starts = {statement.line: statement for statement in triples}
    header: list[str] = []
    section_lines: list[tuple[int, Section]] = []
    pending: dict[int, list[str]] = {}
    for start, lines in _comment_blocks(comments):
        following = starts.get(start + len(lines))
        if following is not None:
            if _resolve(following.first_token, prefixes, base) is None:
                raise DataError(
                    f"{relpath}:{start}: comment above a blank-node subject would be lost; "
                    "move it above the subject",
                    hint=_COMMENT_HINT,
                )
            pending[following.line] = lines
        elif first_line is None or start < first_line:
            header.extend(([""] if header else []) + lines)
        else:
            section_lines.append((start, Section(lines)))
    sections = [Section(None), *(section for _, section in section_lines)]
    attached: dict[Node, list[str]] = {}
    seen: set[Node] = set()
    for statement in triples:
        subject = _resolve(statement.first_token, prefixes, base)
        if subject is None:
            continue
        index = sum(1 for start, _ in section_lines if start < statement.line)
        if subject not in seen:
            sections[index].subjects.append(subject)
            seen.add(subject)
        if statement.line in pending:
            attached[subject] = [*attached.get(subject, []), *pending[statement.line]]
    return Layout(prefixes=prefixes, header=header, sections=sections, attached=attached)


def _comment_blocks(comments: list[tuple[int, str]]) -> list[tuple[int, list[str]]]:
    blocks: list[tuple[int, list[str]]] = []
    for line, text in comments:
        if blocks and blocks[-1][0] + len(blocks[-1][1]) == line:
            blocks[-1][1].append(text)
        else:
            blocks.append((line, [text]))
    return blocks


def _resolve(token: str, prefixes: dict[str, str], base: str | None) -> URIRef | None:
    if token.startswith("<") and token.endswith(">"):
        iri = token[1:-1]
        return URIRef(urljoin(base, iri) if base and ":" not in iri else iri)
    prefix, sep, local = token.partition(":")
    if not sep or prefix not in prefixes or token.startswith(("[", "(", "_:")):
        return None
    return URIRef(prefixes[prefix] + re.sub(r"\\(.)", r"\1", local))


def _scan(text: str, *, relpath: str) -> tuple[list[tuple[int, str]], list[_Statement]]:
    """Tokenise just enough Turtle to find comments and statement boundaries (strings and IRIs skipped)."""
    comments: list[tuple[int, str]] = []
    statements: list[_Statement] = []
    line, index, depth = 1, 0, 0
    start_line, token, directive, sparql_directive = 0, "", False, False
    last_end_line = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char == "\n":
            line += 1
            index += 1
            continue
        if char in " \t\r":
            index += 1
            continue
        if char == "#":
            end = text.find("\n", index)
            end = length if end == -1 else end
            if start_line or last_end_line == line:
                where = "inside a statement" if start_line else "after a statement on the same line"
                raise DataError(
                    f"{relpath}:{line}: comment {where} would be lost; move it above the subject",
                    hint=_COMMENT_HINT,
                )
            comments.append((line, text[index:end].rstrip()))
            index = end
            continue
        if not start_line:
            start_line = line
            word = re.match(r"[^\s;,.\[\]()]+|[\[(]", text[index:])
            token = word.group(0) if word else char
            directive = token.lower() in ("@prefix", "@base") or token.upper() in ("PREFIX", "BASE")
            sparql_directive = token.upper() in ("PREFIX", "BASE")
        if char in "\"'":
            index, line = _skip_string(text, index, line)
            continue
        if char == "<":
            end = text.find(">", index)
            index = length if end == -1 else end + 1
            if sparql_directive:
                statements.append(_Statement(start_line, line, token, True))
                start_line, last_end_line = 0, line
            continue
        if char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        elif char == "." and depth == 0 and (index + 1 == length or text[index + 1] in " \t\r\n#"):
            statements.append(_Statement(start_line, line, token, directive))
            start_line, last_end_line = 0, line
        index += 1
    return comments, statements


def _skip_string(text: str, index: int, line: int) -> tuple[int, int]:
    quote = text[index]
    delimiter = quote * 3 if text.startswith(quote * 3, index) else quote
    position = index + len(delimiter)
    while position < len(text):
        if text[position] == "\\":
            position += 2
            continue
        if text.startswith(delimiter, position):
            break
        position += 1
    end = position + len(delimiter)
    return end, line + text.count("\n", index, min(end, len(text)))


# ---------------------------------------------------------------- writing


class _Writer:
    """Renders one graph; remembers which prefixes it used."""

    def __init__(self, graph: Graph, prefixes: dict[str, str]) -> None:
        self.graph = graph
        self.namespaces = sorted(prefixes.items(), key=lambda item: (-len(item[1]), item[0]))
        self.used: set[str] = set()
        self.width = LINE_WIDTH
        references: dict[BNode, int] = {}
        for _, _, obj in graph:
            if isinstance(obj, BNode):
                references[obj] = references.get(obj, 0) + 1
        self.nested = {node for node, count in references.items() if count == 1 and not self._in_cycle(node)}
        self.lists = {node for node in self.nested if self._is_list(node)}
        shared: set[Node] = {
            s for s in graph.subjects(unique=True) if isinstance(s, BNode) and s not in self.nested
        }
        shared |= {node for node in references if node not in self.nested}
        self.labels = _bnode_labels(graph, shared)
        self._one_line: dict[Node, str | None] = {}

    def _in_cycle(self, node: BNode) -> bool:
        seen: set[Node] = set()
        stack: list[Node] = [obj for obj in self.graph.objects(node, None) if isinstance(obj, BNode)]
        while stack:
            current = stack.pop()
            if current == node:
                return True
            if current not in seen:
                seen.add(current)
                stack.extend(obj for obj in self.graph.objects(current, None) if isinstance(obj, BNode))
        return False

    def _is_list(self, node: Node) -> bool:
        while node != RDF.nil:
            if not isinstance(node, BNode) or node not in self.nested:
                return False
            pairs = list(self.graph.predicate_objects(node))
            if sorted(str(p) for p, _ in pairs) != sorted([str(RDF.first), str(RDF.rest)]):
                return False
            node = next(obj for p, obj in pairs if p == RDF.rest)
        return True

    def iri(self, iri: URIRef) -> str:
        text = str(iri)
        for prefix, namespace in self.namespaces:
            if text.startswith(namespace) and _LOCAL_NAME.match(text[len(namespace) :]):
                self.used.add(prefix)
                return f"{prefix}:{text[len(namespace):]}"
        return f"<{text}>"

    def term(self, term: Node, indent: int, column: int) -> str:
        """A term on a line indented by `indent`, starting at `column`; nested nodes may span lines."""
        if isinstance(term, URIRef):
            return "()" if term == RDF.nil else self.iri(term)
        if isinstance(term, Literal):
            return self.literal(term)
        if isinstance(term, BNode) and term in self.lists:
            return self.collection(term, indent, column)
        if isinstance(term, BNode) and term in self.nested:
            return self.nested_node(term, indent, column)
        if isinstance(term, BNode):
            return f"_:{self.labels[term]}"
        raise TypeError(f"cannot write {term!r} as Turtle")

    def flat(self, term: Node) -> str:
        """The one-line rendering of a term, used to sort blank nodes whatever their layout."""
        width, self.width = self.width, 10**9
        try:
            return self.term(term, 0, 0)
        finally:
            self.width = width

    def literal(self, literal: Literal) -> str:
        lexical = str(literal)
        datatype = literal.datatype
        if datatype in _BARE and _BARE[datatype].match(lexical):
            return lexical
        text = _quote(lexical)
        if literal.language:
            return f"{text}@{literal.language}"
        if datatype is not None:
            return f"{text}^^{self.iri(datatype)}"
        return text

    def _items(self, head: Node) -> list[Node]:
        items: list[Node] = []
        node: Node | None = head
        while node is not None and node != RDF.nil:
            item = self.graph.value(node, RDF.first)
            if item is not None:
                items.append(item)
            node = self.graph.value(node, RDF.rest)
        return items

    def one_line(self, term: Node) -> str | None:
        """A term written on one line, or None where a literal of it spans lines; computed once per node.

        A nested node or collection goes on one line exactly when this form fits (or the node is small), and
        the form is then what it would write there: so each node is laid out once, whatever its depth.
        """
        if not (isinstance(term, BNode) and term in self.nested):
            text = self.term(term, 0, 0)
            return None if "\n" in text else text
        if term in self._one_line:
            return self._one_line[term]
        result: str | None
        if term in self.lists:
            items = [self.one_line(item) for item in self._items(term)]
            result = None if any(item is None for item in items) else "( " + " ".join(map(str, items)) + " )"
        else:
            parts: list[str] | None = []
            for predicate in sorted(set(self.graph.predicates(term)), key=self._predicate_key):
                name = "a" if predicate == RDF.type else self.iri(predicate)  # type: ignore[arg-type]
                objects = sorted(self.graph.objects(term, predicate), key=self._object_key)
                rendered = [self.one_line(obj) for obj in objects]
                if parts is None or any(text is None for text in rendered):
                    parts = None
                    break
                parts.append(f"{name} {' , '.join(map(str, rendered))}")
            result = None if parts is None else "[ " + " ; ".join(parts) + " ]"
        self._one_line[term] = result
        return result

    def collection(self, head: Node, indent: int, column: int) -> str:
        inline = self.one_line(head)
        if inline is not None and column + len(inline) <= self.width:
            return inline
        inner = indent + INDENT
        lines = [" " * inner + self.term(item, inner, inner) for item in self._items(head)]
        return "(\n" + "\n".join(lines) + "\n" + " " * indent + ")"

    def nested_node(self, node: BNode, indent: int, column: int) -> str:
        inline = self.one_line(node)
        is_small = len(list(self.graph.predicate_objects(node))) <= SMALL_NODE and not any(
            isinstance(obj, BNode) for obj in self.graph.objects(node, None)
        )
        if inline is not None and column + len(inline) <= self.width:
            return inline
        if inline is not None and is_small:  # on one line unless a list of its objects does not fit there
            pairs = self.predicate_lines(node, indent, column + 2, inline=True)  # no nested node: cheap
            if not any("\n" in pair for pair in pairs):
                return inline
        inner = indent + INDENT
        body = " ;\n".join(" " * inner + line for line in self.predicate_lines(node, inner, inner))
        return "[\n" + body + "\n" + " " * indent + "]"

    def predicate_lines(self, subject: Node, indent: int, column: int, *, inline: bool = False) -> list[str]:
        """`predicate objects` for each predicate of `subject`; `inline` when they go on one line."""
        lines: list[str] = []
        for predicate in sorted(set(self.graph.predicates(subject)), key=self._predicate_key):
            name = "a" if predicate == RDF.type else self.iri(predicate)  # type: ignore[arg-type]
            objects = sorted(self.graph.objects(subject, predicate), key=self._object_key)
            lines.append(f"{name} {self.objects(objects, indent, column + len(name) + 1)}")
            column = column + len(lines[-1]) + 3 if inline else indent
        return lines

    def objects(self, objects: list[Node], indent: int, column: int) -> str:
        """Objects on one line if they fit, else the first one here and one per line below it."""
        if len(objects) == 1:
            return self.term(objects[0], indent, column)
        inline = " , ".join(self.term(obj, indent, column) for obj in objects)
        if "\n" not in inline and column + len(inline) <= self.width:
            return inline
        inner = indent + INDENT
        rendered = [self.term(objects[0], indent, column)]
        rendered.extend(self.term(obj, inner, inner) for obj in objects[1:])
        return (" ,\n" + " " * inner).join(rendered)

    def _predicate_key(self, predicate: Node) -> tuple[int, int, str]:
        if predicate in PREDICATE_ORDER:
            return (0, PREDICATE_ORDER.index(predicate), "")
        if predicate in PREDICATE_TAIL:
            return (2, PREDICATE_TAIL.index(predicate), "")
        return (1, 0, self.iri(predicate))  # type: ignore[arg-type]

    def _object_key(self, term: Node) -> tuple[int, str, str, str]:
        if isinstance(term, URIRef):
            return (0, str(term), "", "")
        if isinstance(term, Literal):
            return (1, term.language or "", str(term.datatype or ""), str(term))
        return (2, self.flat(term), "", "")

    def subject_key(self, subject: Node) -> tuple[int, str, int, str]:
        types = [t for t in self.graph.objects(subject, RDF.type) if isinstance(t, URIRef)]
        ranks = [(_type_rank(kind), str(kind)) for kind in types]
        rank, first = min(ranks) if ranks else (len(TYPE_GROUPS) + 1, "")
        group = "" if rank < len(TYPE_GROUPS) else first
        is_blank = isinstance(subject, BNode)
        return (rank, group, int(is_blank), self.flat(subject) if is_blank else str(subject))

    def block(self, subject: Node) -> str:
        head = self.term(subject, 0, 0)
        lines = self.predicate_lines(subject, INDENT, INDENT)
        return head + "\n" + " ;\n".join(" " * INDENT + line for line in lines) + " ."


def _type_rank(kind: URIRef) -> int:
    return next((rank for rank, group in enumerate(TYPE_GROUPS) if kind in group), len(TYPE_GROUPS))


def _bnode_labels(graph: Graph, shared: set[Node]) -> dict[Node, str]:
    """Stable labels for blank nodes that cannot be nested, in the order of rdflib's canonical hashes."""
    if not shared:
        return {}
    from rdflib.compare import _TripleCanonicalizer

    canonicalizer = _TripleCanonicalizer(graph)
    colouring = canonicalizer._initial_color()
    colouring = canonicalizer._refine(colouring, colouring[:])
    if not canonicalizer._discrete(colouring):
        colouring = canonicalizer._traces(colouring)
    digests: dict[Node, str] = {colour.nodes[0]: colour.hash_color() for colour in colouring}
    ordered = sorted(shared, key=lambda node: (digests.get(node, ""), str(node)))
    return {node: f"b{number}" for number, node in enumerate(ordered, start=1)}


def _quote(lexical: str) -> str:
    if "\n" in lexical and len(lexical) >= TRIPLE_QUOTE_MIN:
        body = lexical.replace("\\", "\\\\").replace("\r", "\\r")
        body = re.sub(r'"(?="|$)', '\\\\"', body)
        return f'"""{body}"""'
    out = []
    for char in lexical:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def prefix_map(declared: dict[str, str]) -> dict[str, str]:
    """The project prefixes, `pias:`, then the file's own prefixes for namespaces not already covered."""
    chosen = {**PREFIXES, "pias": SHAPES_NAMESPACE}
    known = set(chosen.values())
    for prefix, namespace in sorted(declared.items()):
        if prefix not in chosen and namespace not in known:
            chosen[prefix] = namespace
            known.add(namespace)
    return chosen


@recursion_room()
def serialize(graph: Graph, layout: Layout) -> str:
    """Write `graph` in the canonical form, keeping the comments that `layout` found."""
    writer = _Writer(graph, prefix_map(layout.prefixes))
    subjects = {s for s in graph.subjects(unique=True) if not (isinstance(s, BNode) and s in writer.nested)}
    placed: set[Node] = set()
    sections: list[tuple[list[str] | None, list[Node]]] = []
    for section in layout.sections:
        members = [s for s in section.subjects if s in subjects and s not in placed]
        placed.update(members)
        sections.append((section.comment, members))
    rest = [s for s in subjects if s not in placed]
    sections[0][1].extend(rest)
    parts: list[str] = []
    for comment, members in sections:
        chunk = [_with_comment(writer.block(s), layout.attached.get(s)) for s in _sorted(writer, members)]
        if comment is not None:
            parts.append("\n".join(comment))
        parts.extend(chunk)
    body = "\n\n".join(parts)
    namespaces = dict(writer.namespaces)
    head = "".join(f"@prefix {p}: <{namespaces[p]}> .\n" for p in sorted(writer.used))
    header = "\n".join(layout.header)
    pieces = [piece for piece in (head.rstrip("\n"), header, body) if piece]
    return "\n\n".join(pieces) + "\n"


def render_predicates(graph: Graph, subject: Node, *, indent: int = INDENT) -> str:
    """The predicate-object lines of one subject in canonical form, to paste into a subject block."""
    lines = _Writer(graph, prefix_map({})).predicate_lines(subject, indent, indent)
    return " ;\n".join(" " * indent + line for line in lines)


def _sorted(writer: _Writer, subjects: Iterable[Node]) -> list[Node]:
    return sorted(subjects, key=writer.subject_key)


def _with_comment(block: str, comment: list[str] | None) -> str:
    return "\n".join([*comment, block]) if comment else block


def render_literal(literal: Literal) -> str:
    """A literal as `pia-kg fmt` writes it: bare if Turtle allows, datatypes with the project prefixes."""
    return _Writer(Graph(bind_namespaces="none"), prefix_map({})).literal(literal)


@recursion_room()
def format_turtle(text: str, *, relpath: str) -> str:
    """The canonical form of a Turtle text; refuses comments it would lose and checks the triples are kept
    (every literal in the form the store keeps, on both sides)."""
    from rdflib.compare import isomorphic

    from pia_kg.rdf.literals import with_kept_literals

    graph = with_kept_literals(parse_turtle(text, relpath=relpath))
    layout = read_layout(text, relpath=relpath)
    result = serialize(graph, layout)
    if not isomorphic(graph, with_kept_literals(parse_turtle(result, relpath=relpath))):
        raise DataError(
            f"{relpath}: the canonical form would change the triples; the file was left untouched",
            hint="This is a bug in `pia-kg fmt`: please report it with the file.",
        )
    return result


# ---------------------------------------------------------------- files


@dataclass(frozen=True)
class FormattedFile:
    """One file before and after formatting."""

    path: Path
    relpath: str
    before: str
    after: str

    @property
    def is_changed(self) -> bool:
        return self.before != self.after

    def unified_diff(self) -> str:
        """What `fmt` would change, as a unified diff with repo-relative `a/` and `b/` names."""
        import difflib

        lines = difflib.unified_diff(
            self.before.splitlines(keepends=True),
            self.after.splitlines(keepends=True),
            fromfile=f"a/{self.relpath}",
            tofile=f"b/{self.relpath}",
        )
        missing = "\n\\ No newline at end of file\n"
        return "".join(line if line.endswith("\n") else line + missing for line in lines)


def turtle_files(project: Project, paths: Sequence[Path] = ()) -> list[Path]:
    """The files `fmt` works on: the PATHs (folders give their *.ttl), else ontology/ and data/."""
    if not paths:
        return sorted(
            [*project.ontology_files(), *project.shapes_files(), *project.data_files()], key=project.relative
        )
    found: list[Path] = []
    for path in paths:
        if Path(path).is_dir():
            found.extend(sorted(Path(path).rglob("*.ttl"), key=lambda item: item.as_posix()))
        else:
            found.append(Path(path))
    return list(dict.fromkeys(found))


def format_files(project: Project, paths: Sequence[Path] = ()) -> list[FormattedFile]:
    """Format every file in memory; any refusal raises before anything is written."""
    results = []
    for path in turtle_files(project, paths):
        relpath = project.relative(path)
        before = read_text(path, relpath=relpath)
        results.append(FormattedFile(path, relpath, before, format_turtle(before, relpath=relpath)))
    return results
