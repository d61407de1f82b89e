"""What the SPARQL endpoint answers: protocol requests in, status + media type + bytes out (no HTTP here).

The functions below run inside the worker processes of `pia_kg.serve.workers` (parse, check, evaluate and
serialise all happen there, under the time limit), except `check_graph_names` and `service_description`, which
the server calls directly. Queries go through `sparql/engine.py`'s `run_query`, the very code `pia-kg query`
runs, so the endpoint gives the same answers: on the embedded Oxigraph store (the same terms as rdflib's,
rdf/literals.py), and on rdflib for a dataset restricted by `default-graph-uri` / `named-graph-uri`.

- SPARQL 1.1 Protocol section 2.1.4: `default-graph-uri` / `named-graph-uri` set the RDF dataset and override
  the query's FROM / FROM NAMED; without them FROM / FROM NAMED set it. Either way the graphs are picked among
  those the endpoint holds (one per file, `urn:pia-kg:file:...` unless `pia-kg serve --graph-name` names it):
  a graph it does not hold is an empty graph, and nothing is ever fetched. With no dataset at all, the
  default graph is the union of the named graphs (sd:UnionDefaultGraph) and every file is a named graph.
- Refused before evaluation (400): SPARQL Update and SERVICE (`sparql/text.py`'s `check_query`).
- Results by content negotiation (`conneg.choose`); 406 names what is offered.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from rdflib import Dataset, Graph, Namespace, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from pia_kg.errors import QueryError
from pia_kg.graph.loading import KnowledgeGraph, knowledge_graph_of
from pia_kg.rdf.namespaces import RDF, bind_prefixes
from pia_kg.serve.conneg import choose
from pia_kg.sparql.engine import run_query
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


def answer_query(dataset: Dataset, request: QueryRequest) -> Answer:
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
    restricted = restricted_dataset(dataset, defaults, named)
    source = knowledge_graph(dataset) if restricted is dataset else restricted
    try:
        result = run_query(source, saved)
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


def restricted_dataset(
    dataset: Dataset, default_graphs: Sequence[str], named_graphs: Sequence[str]
) -> Dataset:
    """The dataset with these default and named graphs; the whole union dataset when none is given.

    The graphs are looked up among those `dataset` holds: a name it does not hold gives an empty graph (an
    empty default graph, or a named graph with no triples), never a fetch, and adds nothing to `dataset`.
    """
    if not default_graphs and not named_graphs:
        return dataset
    restricted = Dataset(default_union=False)
    bind_prefixes(restricted)
    default = restricted.graph(DATASET_DEFAULT_GRAPH_ID)
    for name in default_graphs:
        for triple in _held_graph(dataset, name):
            default.add(triple)
    for name in dict.fromkeys(named_graphs):
        named = restricted.graph(URIRef(name))
        for triple in _held_graph(dataset, name):
            named.add(triple)
    return restricted


def _held_graph(dataset: Dataset, name: str) -> Graph:
    """The graph `name` of `dataset`, or an empty graph if it holds none (Dataset.graph would add one)."""
    identifier = URIRef(name)
    if identifier != DATASET_DEFAULT_GRAPH_ID and identifier in _graph_names(dataset):
        return dataset.graph(identifier)
    return Graph()


def _graph_names(dataset: Dataset) -> set[URIRef]:
    return {graph.identifier for graph in dataset.graphs() if isinstance(graph.identifier, URIRef)}


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
    dataset: Dataset, *, text: str, name: str, relpath: str, params: dict[str, str]
) -> QueryResult | str:
    """Run a saved question with its parameters (examples filling required ones), for the HTML pages.

    Returns the result (rdflib terms, sent back to the server process) or the text of a user error.
    """
    saved = query_from_text(text, name=name, relpath=relpath)
    try:
        return run_query(knowledge_graph(dataset), saved, params=params, use_examples=True)
    except QueryError as err:
        return f"{err.message} {err.hint or ''}".strip()


def knowledge_graph(dataset: Dataset) -> KnowledgeGraph:
    """The worker's dataset as a KnowledgeGraph, so that run_query answers on its Oxigraph store."""
    cached = _KNOWLEDGE_GRAPHS.get(id(dataset))
    if cached is not None and cached[0] is dataset:
        return cached[1]
    names = sorted(_graph_names(dataset) - {DATASET_DEFAULT_GRAPH_ID})  # every file's graph, however named
    kg = knowledge_graph_of(dataset, names)
    _KNOWLEDGE_GRAPHS.clear()
    _KNOWLEDGE_GRAPHS[id(dataset)] = (dataset, kg)
    return kg


_KNOWLEDGE_GRAPHS: dict[int, tuple[Dataset, KnowledgeGraph]] = {}


def load_dataset(nquads: bytes) -> Dataset:
    """The worker's dataset: the N-Quads the server sent, as a default-union Dataset (one graph per file)."""
    dataset = Dataset(default_union=True)
    bind_prefixes(dataset)
    dataset.parse(data=nquads, format="nquads")
    return dataset


def dump_dataset(graphs: Iterable[tuple[URIRef, Graph]]) -> bytes:
    """N-Quads of the given (name, graph) pairs, for the workers."""
    dataset = Dataset()
    for name, graph in graphs:
        named = dataset.graph(name)
        for triple in graph:
            named.add(triple)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # rdflib's N-Quads writer calls Dataset.contexts
        return dataset.serialize(format="nquads", encoding="utf-8")
