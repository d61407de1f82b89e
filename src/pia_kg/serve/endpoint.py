"""What the SPARQL endpoint answers: protocol requests in, status + media type + bytes out (no HTTP here).

The functions below run inside the worker processes of `pia_kg.serve.workers` (parse, check, evaluate and
serialise all happen there, under the time limit), except `check_graph_names` and `service_description`, which
the server calls directly. Each worker opens the served store read-only (`open_served`: a checkpoint of the
project's store on disk, shared by every worker, not a copy per worker), and queries go through
`sparql/engine.py`'s `run_on_store`, the engine `pia-kg query` runs, so the endpoint gives the same answers.

- SPARQL 1.1 Protocol section 2.1.4: `default-graph-uri` / `named-graph-uri` set the RDF dataset and override
  the query's FROM / FROM NAMED; without them FROM / FROM NAMED set it. Either way the graphs are picked among
  those the endpoint holds (one per file, `urn:pia-kg:file:...` unless `pia-kg serve --graph-name` names it):
  a graph it does not hold is an empty graph, and nothing is ever fetched. With no dataset at all, the
  default graph is the union of the named graphs (sd:UnionDefaultGraph) and every file is a named graph.
- Refused before evaluation (400): SPARQL Update and SERVICE (`sparql/text.py`'s `check_query`).
- Results by content negotiation (`conneg.choose`); 406 names what is offered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from rdflib import Graph, Namespace, URIRef

from pia_kg.errors import QueryError
from pia_kg.rdf.namespaces import RDF, bind_prefixes
from pia_kg.serve.conneg import choose
from pia_kg.sparql.engine import run_on_store
from pia_kg.sparql.formats import RdfFormat, ResultFormat, serialize_result
from pia_kg.sparql.results import GraphResult, QueryResult, SelectResult
from pia_kg.sparql.saved import SavedQuery, query_from_text
from pia_kg.sparql.text import QueryFacts, facts_of, parse_query

if TYPE_CHECKING:
    from rdflib.plugins.sparql.sparql import Query

SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_XML = "application/rdf+xml"
RESULT_MEDIA_TYPES = tuple(
    item.media_type for item in (ResultFormat.JSON, ResultFormat.XML, ResultFormat.CSV, ResultFormat.TSV)
)
GRAPH_MEDIA_TYPES = (
    RdfFormat.TURTLE.media_type,
    RdfFormat.NTRIPLES.media_type,
    RdfFormat.JSONLD.media_type,
    RDF_XML,
)
TEXT = "text/plain; charset=utf-8"
FORMAT_NAMES = (  # http://www.w3.org/ns/formats/ names of what the endpoint writes
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "JSON-LD",
    "RDF_XML",
)


@dataclass(frozen=True)
class QueryRequest:
    """One protocol query: the text, the client's `Accept`, the dataset it asked for, and the row limit."""

    text: str
    accept: str | None = None
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    max_rows: int = 10_000


@dataclass(frozen=True)
class Answer:
    """An HTTP answer without HTTP: status, media type (with charset for text), body bytes."""

    status: int
    media_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = field(default=())

    @classmethod
    def error(cls, status: int, message: str, hint: str | None = None) -> Answer:
        text = f"Error: {message}\n" + (f"{hint}\n" if hint else "")
        return cls(status, TEXT, text.encode("utf-8"))


def media_type_with_charset(media_type: str) -> str:
    """Text formats say they are UTF-8; SPARQL JSON/XML, JSON-LD and RDF/XML are UTF-8 by definition."""
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type


@dataclass(frozen=True)
class ProtocolQuery(SavedQuery):
    """A query sent to the endpoint: its FROM / FROM NAMED describe the dataset to pick among the graphs the
    endpoint holds (SPARQL 1.1 Query section 13.2), so they are read here and taken out of what is evaluated:
    rdflib would fetch them from the web."""

    @cached_property
    def with_dataset_clause(self) -> Query:
        return parse_query(self.text, relpath=self.relpath, dataset_clause=True)

    @cached_property
    def parsed(self) -> Query:
        from rdflib.plugins.sparql.parserutils import CompValue
        from rdflib.plugins.sparql.sparql import Query

        query = self.with_dataset_clause
        if not query.algebra.get("datasetClause"):
            return query
        algebra = CompValue(query.algebra.name, **{**query.algebra, "datasetClause": None})
        return Query(query.prologue, algebra)

    @cached_property
    def facts(self) -> QueryFacts:
        return facts_of(self.parsed)  # FROM and FROM NAMED allowed: never from the memory of checked texts

    @property
    def dataset_clause(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The IRIs of FROM and of FROM NAMED, in the order written."""
        clauses = self.with_dataset_clause.algebra.get("datasetClause") or ()
        defaults = tuple(str(clause.default) for clause in clauses if clause.default is not None)
        named = tuple(str(clause.named) for clause in clauses if clause.named is not None)
        return defaults, named


def answer_query(served: ServedStore, request: QueryRequest) -> Answer:
    """Parse, check, negotiate, evaluate and serialise one query; every user error is a 4xx Answer."""
    try:
        saved = ProtocolQuery(name="query", relpath="query", text=request.text)  # comments stay comments
        form = saved.form  # parses, and refuses updates and SERVICE
    except QueryError as err:
        return Answer.error(400, err.message, err.hint)
    offers = GRAPH_MEDIA_TYPES if form in ("CONSTRUCT", "DESCRIBE") else RESULT_MEDIA_TYPES
    chosen = choose(offers, request.accept)
    if chosen is None:
        return not_acceptable(offers, what=f"{form} results")
    defaults, named = request.default_graphs, request.named_graphs
    if not defaults and not named:  # the protocol's dataset overrides the query's (Protocol section 2.1.4)
        defaults, named = saved.dataset_clause
    dataset = (defaults, named) if defaults or named else None
    try:
        result = run_on_store(served.store, saved, dataset=dataset)
    except QueryError as err:
        return Answer.error(400, err.message, err.hint)
    size = len(result.rows) if isinstance(result, SelectResult) else 0
    if isinstance(result, GraphResult):
        size = len(result.graph)
    if size > request.max_rows:
        unit = "triples" if isinstance(result, GraphResult) else "rows"
        return Answer.error(
            400,
            f"the result has {size} {unit}, more than this endpoint's limit of {request.max_rows}",
            hint="Add LIMIT (and ORDER BY with OFFSET to page through the results).",
        )
    return serialize_answer(result, chosen)


def not_acceptable(offers: Sequence[str], *, what: str) -> Answer:
    return Answer.error(
        406,
        f"none of the media types in Accept is offered for {what}",
        hint="Offered: " + ", ".join(offers) + ".",
    )


def serialize_answer(result: QueryResult, media_type: str) -> Answer:
    """The result in the negotiated media type (one of RESULT_MEDIA_TYPES or GRAPH_MEDIA_TYPES)."""
    if media_type == RDF_XML:
        assert isinstance(result, GraphResult)
        return graph_answer(result.graph, RDF_XML)
    fmt = ResultFormat.from_media_type(media_type) or RdfFormat.from_media_type(media_type)
    body = serialize_result(result, fmt).encode("utf-8")
    return Answer(200, media_type_with_charset(media_type), body)


def graph_answer(graph: Graph, media_type: str) -> Answer:
    """A graph in Turtle, N-Triples, JSON-LD or RDF/XML, with stable bytes."""
    if media_type == RDF_XML:
        from pia_kg.publish.export import rdf_xml
        from pia_kg.rdf.canon import canonical_graph

        try:
            body = rdf_xml(canonical_graph(graph))
        except ValueError as err:
            return Answer.error(406, f"this graph cannot be written as RDF/XML: {err}", "Ask for Turtle.")
        return Answer(200, RDF_XML, body)
    from pia_kg.sparql.formats import serialize_graph

    fmt = RdfFormat.from_media_type(media_type)
    return Answer(200, media_type_with_charset(media_type), serialize_graph(graph, fmt).encode("utf-8"))


def service_description(endpoint_url: str, *, graph_names: Sequence[str]) -> Graph:
    """The SPARQL 1.1 Service Description of the endpoint (sd:Service), as RDF."""
    sd = Namespace(SD)
    formats = "http://www.w3.org/ns/formats/"
    graph = bind_prefixes(Graph(bind_namespaces="none"))
    graph.bind("sd", SD)
    graph.bind("formats", formats)
    service = URIRef(endpoint_url)
    graph.add((service, RDF.type, sd.Service))
    graph.add((service, sd.endpoint, service))
    graph.add((service, sd.supportedLanguage, sd.SPARQL11Query))
    graph.add((service, sd.feature, sd.UnionDefaultGraph))
    for name in FORMAT_NAMES:
        graph.add((service, sd.resultFormat, URIRef(formats + name)))
    dataset = URIRef(f"{endpoint_url}#dataset")
    graph.add((service, sd.defaultDataset, dataset))
    graph.add((dataset, RDF.type, sd.Dataset))
    default = URIRef(f"{endpoint_url}#default-graph")
    graph.add((dataset, sd.defaultGraph, default))
    graph.add((default, RDF.type, sd.Graph))
    for index, name in enumerate(sorted(graph_names)):
        named = URIRef(f"{endpoint_url}#graph-{index}")
        graph.add((dataset, sd.namedGraph, named))
        graph.add((named, RDF.type, sd.NamedGraph))
        graph.add((named, sd.name, URIRef(name)))
    return graph


def run_saved(
    served: ServedStore, *, text: str, name: str, relpath: str, params: dict[str, str]
) -> QueryResult | str:
    """Run a saved question with its parameters (examples filling required ones), for the HTML pages.

    Returns the result (rdflib terms, sent back to the server process) or the text of a user error.
    """
    saved = query_from_text(text, name=name, relpath=relpath)
    try:
        return run_on_store(served.store, saved, params=params, use_examples=True)
    except QueryError as err:
        return f"{err.message} {err.hint or ''}".strip()


@dataclass
class ServedStore:
    """What a query worker answers from: the served graphs in a pyoxigraph store."""

    store: Any


def open_served(folder: bytes) -> ServedStore:
    """The worker's store: the store in `folder` (a path, as bytes) opened read-only, or an empty store for
    an empty path. Every worker opens the same folder; nothing is copied."""
    import pyoxigraph as ox

    if not folder:
        return ServedStore(ox.Store())
    return ServedStore(ox.Store.read_only(folder.decode("utf-8")))
