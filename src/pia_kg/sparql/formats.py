"""Result and RDF formats: enums with media type and extension, and exact, deterministic serialisers.

SELECT and ASK results are written by the small serialisers below rather than rdflib's: rdflib has no TSV
writer, its JSON writer depends on whether orjson is installed and keeps the engine's random blank-node
labels, and none of them end with a newline. Ours follow the W3C texts byte for byte:
- CSV, SPARQL 1.1 Query Results CSV and TSV Formats section 2: header of bare names, CRLF line ends, RFC 4180
  quoting, IRIs and literals as plain strings, blank nodes as `_:label`.
- TSV, same document section 3: `?name` header, LF line ends, terms in SPARQL/Turtle syntax, unbound = empty.
- JSON, SPARQL 1.1 Query Results JSON Format: `head.vars`, `results.bindings`, `boolean` for ASK.
- XML, SPARQL Query Results XML Format (Second Edition).
CSV and TSV have no form for ASK in the W3C text; we write one column `_askResult` with `true` or `false`, as
Apache Jena does. Blank nodes are relabelled `b0`, `b1`... in order of appearance so that output is stable.
Graphs (CONSTRUCT, DESCRIBE) are written from rdflib's canonical graph: Turtle and N-Triples sorted, JSON-LD
compacted with the project prefixes and its keys and arrays sorted.
"""

from __future__ import annotations

import json
from enum import Enum
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from pia_kg.errors import QueryError
from pia_kg.rdf.namespaces import PREFIXES, XSD, bind_prefixes, compact_iri
from pia_kg.sparql.results import AskResult, GraphResult, QueryResult, SelectResult

ASK_VARIABLE = "_askResult"
TABLE_CELL_LIMIT = 60


class _FormatEnum(Enum):
    """A format: its CLI name, media type and file extension (as pyoxigraph's RdfFormat)."""

    def __init__(self, cli_name: str, media_type: str, extension: str) -> None:
        self.cli_name = cli_name
        self.media_type = media_type
        self.extension = extension

    @classmethod
    def from_name(cls, name: str) -> Any:
        return next((item for item in cls if item.cli_name == name), None)

    @classmethod
    def from_media_type(cls, media_type: str) -> Any:
        """The format for a media type (parameters such as `; charset=utf-8` ignored), or None."""
        wanted = media_type.split(";")[0].strip().lower()
        return next((item for item in cls if item.media_type == wanted), None)

    @classmethod
    def from_extension(cls, extension: str) -> Any:
        wanted = extension.lower().lstrip(".")
        return next((item for item in cls if item.extension == wanted), None)


class ResultFormat(_FormatEnum):
    """Formats for SELECT and ASK results."""

    TABLE = ("table", "text/plain", "txt")
    CSV = ("csv", "text/csv", "csv")
    TSV = ("tsv", "text/tab-separated-values", "tsv")
    JSON = ("json", "application/sparql-results+json", "srj")
    XML = ("xml", "application/sparql-results+xml", "srx")


class RdfFormat(_FormatEnum):
    """Formats for the graphs that CONSTRUCT and DESCRIBE build."""

    TURTLE = ("turtle", "text/turtle", "ttl")
    JSONLD = ("jsonld", "application/ld+json", "jsonld")
    NTRIPLES = ("ntriples", "application/n-triples", "nt")


FORMAT_NAMES = tuple(item.cli_name for item in (*ResultFormat, *RdfFormat))


def serialize_result(result: QueryResult, fmt: ResultFormat | RdfFormat) -> str:
    """Write a query result in `fmt`; a format that does not fit the query form is a QueryError."""
    if isinstance(result, GraphResult):
        if not isinstance(fmt, RdfFormat):
            raise _wrong_format(fmt, result.form, RdfFormat)
        return serialize_graph(result.graph, fmt)
    if not isinstance(fmt, ResultFormat):
        raise _wrong_format(fmt, result.form, ResultFormat)
    if isinstance(result, AskResult):
        return serialize_boolean(result.value, fmt)
    table = _relabel_blank_nodes(result)
    writers = {
        ResultFormat.TABLE: render_table,
        ResultFormat.CSV: write_csv,
        ResultFormat.TSV: write_tsv,
        ResultFormat.JSON: write_json,
        ResultFormat.XML: write_xml,
    }
    return writers[fmt](table)


def serialize_boolean(value: bool, fmt: ResultFormat) -> str:
    """An ASK answer; CSV and TSV follow Jena's `_askResult` column, as the W3C text defines none."""
    word = "true" if value else "false"
    if fmt is ResultFormat.JSON:
        return json.dumps({"head": {}, "boolean": value}, indent=2) + "\n"
    if fmt is ResultFormat.XML:
        return _xml_document(["  <head>", "  </head>", f"  <boolean>{word}</boolean>"])
    if fmt is ResultFormat.CSV:
        return f"{ASK_VARIABLE}\r\n{word}\r\n"
    if fmt is ResultFormat.TSV:
        return f"?{ASK_VARIABLE}\n{word}\n"
    return f"{word}\n"


def _wrong_format(fmt: ResultFormat | RdfFormat, form: str, fitting: type[_FormatEnum]) -> QueryError:
    names = ", ".join(item.cli_name for item in fitting)
    return QueryError(f"format {fmt.cli_name} does not fit a {form} query", hint=f"Use one of: {names}.")


def _relabel_blank_nodes(result: SelectResult) -> SelectResult:
    labels: dict[Node, BNode] = {}

    def relabel(term: Node | None) -> Node | None:
        if isinstance(term, BNode):
            return labels.setdefault(term, BNode(f"b{len(labels)}"))
        return term

    rows = tuple(tuple(relabel(term) for term in row) for row in result.rows)
    return SelectResult(variables=result.variables, rows=rows, is_ordered=result.is_ordered)


# ---------------------------------------------------------------- CSV and TSV


def write_csv(table: SelectResult) -> str:
    """SPARQL 1.1 CSV: RFC 4180, CRLF, plain values (lossy by design)."""
    lines = [",".join(_csv_field(name) for name in table.variables)]
    lines += [",".join(_csv_field(_plain(term)) for term in row) for row in table.rows]
    return "".join(f"{line}\r\n" for line in lines)


def _csv_field(text: str) -> str:
    if any(char in text for char in '",\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _plain(term: Node | None) -> str:
    if term is None:
        return ""
    return f"_:{term}" if isinstance(term, BNode) else str(term)


def write_tsv(table: SelectResult) -> str:
    """SPARQL 1.1 TSV: `?var` header, LF, every term in SPARQL syntax, empty when unbound."""
    lines = ["\t".join(f"?{name}" for name in table.variables)]
    lines += ["\t".join("" if term is None else term_syntax(term) for term in row) for row in table.rows]
    return "".join(f"{line}\n" for line in lines)


def term_syntax(term: Node) -> str:
    """A term as SPARQL/Turtle writes it: `<iri>`, `_:b0`, `"text"@fr`, `"1"^^<...#integer>`."""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        quoted = '"' + _escape_string(str(term)) + '"'
        if term.language:
            return f"{quoted}@{term.language}"
        if term.datatype is not None and term.datatype != XSD.string:
            return f"{quoted}^^<{term.datatype}>"
        return quoted
    raise TypeError(f"not an RDF term: {term!r}")


def _escape_string(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )


# ---------------------------------------------------------------- JSON and XML


def write_json(table: SelectResult) -> str:
    """SPARQL 1.1 JSON results; unbound variables are left out of their binding object."""
    bindings = [
        {name: _json_term(term) for name, term in zip(table.variables, row, strict=True) if term is not None}
        for row in table.rows
    ]
    document = {"head": {"vars": list(table.variables)}, "results": {"bindings": bindings}}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _json_term(term: Node) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    assert isinstance(term, Literal)
    item = {"type": "literal", "value": str(term)}
    if term.language:
        item["xml:lang"] = term.language
    elif term.datatype is not None and term.datatype != XSD.string:
        item["datatype"] = str(term.datatype)
    return item


def write_xml(table: SelectResult) -> str:
    """SPARQL Query Results XML Format; unbound variables have no <binding>."""
    lines = [
        "  <head>",
        *(f"    <variable name={quoteattr(name)}/>" for name in table.variables),
        "  </head>",
    ]
    lines.append("  <results>")
    for row in table.rows:
        lines.append("    <result>")
        for name, term in zip(table.variables, row, strict=True):
            if term is not None:
                lines.append(f"      <binding name={quoteattr(name)}>{_xml_term(term)}</binding>")
        lines.append("    </result>")
    lines.append("  </results>")
    return _xml_document(lines)


def _xml_document(lines: list[str]) -> str:
    head = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">']
    return "\n".join([*head, *lines, "</sparql>"]) + "\n"


def _xml_text(text: str) -> str:
    return escape(text, {"\r": "&#13;"})  # a raw CR would be read back as LF (XML 1.0 section 2.11)


def _xml_term(term: Node) -> str:
    if isinstance(term, URIRef):
        return f"<uri>{_xml_text(str(term))}</uri>"
    if isinstance(term, BNode):
        return f"<bnode>{_xml_text(str(term))}</bnode>"
    assert isinstance(term, Literal)
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{_xml_text(str(term))}</literal>"
    if term.datatype is not None and term.datatype != XSD.string:
        return f"<literal datatype={quoteattr(str(term.datatype))}>{_xml_text(str(term))}</literal>"
    return f"<literal>{_xml_text(str(term))}</literal>"


# ---------------------------------------------------------------- table


def render_table(table: SelectResult) -> str:
    """Aligned columns for people: CURIEs for IRIs, literal values without quotes, long text cut."""
    header = [f"?{name}" for name in table.variables]
    body = [[_table_cell(term) for term in row] for row in table.rows]
    widths = [max(len(cell) for cell in column) for column in zip(header, *body, strict=True)]
    lines = [_table_line(header, widths), _table_line(["-" * width for width in widths], widths)]
    lines += [_table_line(row, widths) for row in body]
    return "\n".join(lines) + "\n"


def _table_line(cells: list[str], widths: list[int]) -> str:
    return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()


def _table_cell(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        text = compact_iri(str(term))
    elif isinstance(term, BNode):
        text = f"_:{term}"
    else:
        text = " ".join(str(term).split())
    return text if len(text) <= TABLE_CELL_LIMIT else text[: TABLE_CELL_LIMIT - 1] + "…"


# ---------------------------------------------------------------- graphs


def serialize_graph(graph: Graph, fmt: RdfFormat) -> str:
    """Turtle, N-Triples or JSON-LD; the same graph always gives the same bytes."""
    from pia_kg.rdf.canon import canonical_labels

    canonical = bind_prefixes(Graph(bind_namespaces="none"))
    for triple in canonical_labels(graph):
        canonical.add(triple)
    if fmt is RdfFormat.NTRIPLES:
        lines = canonical.serialize(format="nt").splitlines()
        return "".join(f"{line}\n" for line in sorted(set(lines)) if line.strip())
    if fmt is RdfFormat.TURTLE:
        return canonical.serialize(format="longturtle")
    context = {prefix: namespace for prefix, namespace in PREFIXES.items() if _uses(canonical, namespace)}
    document = json.loads(canonical.serialize(format="json-ld", context=context, auto_compact=True))
    return json.dumps(_sorted_json(document), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _uses(graph: Graph, namespace: str) -> bool:
    return any(
        isinstance(term, URIRef) and str(term).startswith(namespace) for triple in graph for term in triple
    )


def _sorted_json(value: Any, *, in_list: bool = False) -> Any:
    """Sort JSON-LD arrays (sets of values) by their JSON text; `@list` arrays keep their order."""
    if isinstance(value, dict):
        return {key: _sorted_json(item, in_list=key == "@list") for key, item in value.items()}
    if isinstance(value, list):
        items = [_sorted_json(item) for item in value]
        return items if in_list else sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    return value
