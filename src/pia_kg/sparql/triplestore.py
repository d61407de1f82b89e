"""External triplestores: push the graph with the SPARQL 1.1 Graph Store HTTP Protocol, query it back.

Each file's named graph (`urn:pia-kg:file:<path>`) is replaced with one PUT, which stores make atomic per
graph; blank nodes are skolemised to `https://w3id.org/pia-kg/.well-known/genid/<hash>` (RDF 1.1 section 3.5),
with hashes from canonical blank-node labels so that the same file gives the same IRIs on every push. Reading
back turns those IRIs into blank nodes again, so the rules and shapes see the data as it was loaded.

Queries go as form-encoded POST (Virtuoso can hang on a direct POST) with `default-graph-uri` set to our
graphs, so a store whose default graph is the union of everything (Virtuoso) or is empty (Oxigraph) answers
the same. Only the endpoint the user names is contacted.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.query import Result
from rdflib.term import Node

from pia_kg.errors import PiaError
from pia_kg.graph.loading import KnowledgeGraph, graph_kind, knowledge_graph_of
from pia_kg.rdf.namespaces import bind_prefixes
from pia_kg.rdf.parsing import GRAPH_PREFIX
from pia_kg.sparql.text import QUERY_BASE, reject_service, substitute, treat_as_blank

if TYPE_CHECKING:
    import httpx

GENID = "https://w3id.org/pia-kg/.well-known/genid/"
PAGE_SIZE = 10_000  # Virtuoso's default ResultSetMaxRows: a page never hits the cap
_SELECT_TYPES = "application/sparql-results+json"
_GRAPH_TYPES = "application/n-triples, text/plain;q=0.9, text/turtle;q=0.8"


class EndpointError(PiaError):
    """The triplestore cannot be reached, refuses a request, or answers something unusable."""


@dataclass(frozen=True)
class Endpoint:
    """A SPARQL query endpoint, its Graph Store endpoint for writes, and the credentials for writes."""

    query_url: str
    graph_store_url: str | None = None
    auth: tuple[str, str] | None = None
    auth_type: str = "basic"
    timeout: float = 120.0

    def client(self) -> httpx.Client:
        import httpx

        auth: httpx.Auth | None = None
        if self.auth is not None:
            auth = httpx.DigestAuth(*self.auth) if self.auth_type == "digest" else httpx.BasicAuth(*self.auth)
        return httpx.Client(auth=auth, timeout=self.timeout, follow_redirects=False)

    @property
    def store_url(self) -> str:
        """The Graph Store URL: given, or guessed from a `/query` (Oxigraph) or `/sparql` (Virtuoso) URL."""
        if self.graph_store_url:
            return self.graph_store_url
        base, _, last = self.query_url.rstrip("/").rpartition("/")
        if last == "query":
            return f"{base}/store"
        if last == "sparql":
            return f"{base}/sparql-graph-crud-auth" if self.auth else f"{base}/sparql-graph-crud"
        raise EndpointError(
            f"{self.query_url}: cannot tell where its Graph Store endpoint is",
            hint="Pass --graph-store URL (for example http://host:8890/sparql-graph-crud-auth).",
        )


@dataclass(frozen=True)
class PushedGraph:
    """One graph written to the store."""

    identifier: URIRef
    triples: int


def parse_auth(text: str | None) -> tuple[str, str] | None:
    """`user:pass` as a pair; None stays None."""
    if text is None:
        return None
    user, sep, password = text.partition(":")
    if not sep or not user:
        raise EndpointError("--auth must be USER:PASSWORD", hint="For example --auth dba:dba.")
    return user, password


# ---------------------------------------------------------------- skolemisation


def skolemise(graph: Graph, identifier: URIRef) -> Graph:
    """The graph with each blank node replaced by a genid IRI that is stable for the same file content."""
    from pia_kg.rdf.canon import canonical_labels

    canonical = canonical_labels(graph) if any(isinstance(t, BNode) for t in _terms(graph)) else graph
    out = Graph(bind_namespaces="none")

    def mint(term: Node) -> Node:
        if not isinstance(term, BNode):
            return term
        digest = hashlib.sha256(f"{identifier} {term}".encode()).hexdigest()[:32]
        return URIRef(GENID + digest)

    for s, p, o in canonical:
        out.add((mint(s), p, mint(o)))
    return out


def deskolemise(term: Any) -> Any:
    """A genid IRI back to a blank node (with the hash as its id); any other term unchanged."""
    if isinstance(term, URIRef) and str(term).startswith(GENID):
        return BNode(str(term)[len(GENID) :])
    return term


def _terms(graph: Graph) -> Iterable[Node]:
    for s, _, o in graph:
        yield s
        yield o


def to_ntriples(graph: Graph) -> bytes:
    """Sorted N-Triples: same graph, same bytes."""
    text = graph.serialize(format="nt", encoding="utf-8")
    lines = sorted(line for line in text.decode("utf-8").splitlines() if line.strip())
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


# ---------------------------------------------------------------- writes


def push_graphs(
    kg: KnowledgeGraph,
    endpoint: Endpoint,
    *,
    on_progress: Callable[[int, int, PushedGraph], None] | None = None,
) -> list[PushedGraph]:
    """PUT every named graph of `kg` (ontology, shapes, data) to the Graph Store, one request per graph."""
    identifiers = kg.graph_ids()
    pushed = []
    with endpoint.client() as client:
        for number, identifier in enumerate(identifiers, start=1):
            body = to_ntriples(skolemise(kg.dataset.graph(identifier), identifier))
            # a store that only reads Turtle answers 415 to N-Triples, which is Turtle too
            for media_type in ("application/n-triples", "text/turtle"):
                response = _send(
                    client,
                    "PUT",
                    endpoint.store_url,
                    params={"graph": str(identifier)},
                    content=body,
                    headers={"Content-Type": media_type},
                )
                if response.status_code != 415:
                    break
            _check(response, f"PUT {identifier}")
            done = PushedGraph(identifier, body.count(b"\n"))
            pushed.append(done)
            if on_progress is not None:
                on_progress(number, len(identifiers), done)
    return pushed


# ---------------------------------------------------------------- reads


def remote_graph_ids(endpoint: Endpoint) -> list[URIRef]:
    """The store's graphs named `urn:pia-kg:file:...`, sorted."""
    text = (
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
        f'FILTER (STRSTARTS(STR(?g), "{GRAPH_PREFIX}")) }} ORDER BY ?g'
    )
    result = _sparql(endpoint, text, form="SelectQuery", graphs=None)
    return sorted({row[0] for row in result if isinstance(row[0], URIRef)}, key=str)  # type: ignore[index]


def fetch_graph(endpoint: Endpoint, identifier: URIRef) -> Graph:
    """One named graph, read back with CONSTRUCT in pages below the store's row cap, blank nodes restored."""
    graph = Graph(bind_namespaces="none")
    offset = 0
    while True:
        text = (
            "CONSTRUCT { ?s ?p ?o } WHERE { { SELECT ?s ?p ?o WHERE { GRAPH "
            f"<{identifier}> {{ ?s ?p ?o }} }} ORDER BY ?s ?p ?o LIMIT {PAGE_SIZE} OFFSET {offset} }} }}"
        )
        page = _sparql(endpoint, text, form="ConstructQuery", graphs=None).graph
        assert page is not None
        for s, p, o in page:
            graph.add((deskolemise(s), p, deskolemise(o)))
        if len(page) < PAGE_SIZE:
            return graph
        offset += PAGE_SIZE


def fetch_knowledge_graph(endpoint: Endpoint) -> KnowledgeGraph:
    """Everything pia-kg pushed, as a KnowledgeGraph: `ontology/shapes*` graphs are shapes, `ontology/`
    graphs ontology, the rest data. Findings then name the file, but no line."""
    dataset = Dataset()
    bind_prefixes(dataset)
    identifiers = remote_graph_ids(endpoint)
    if not any(graph_kind(identifier) == "data" for identifier in identifiers):
        raise _no_graphs(endpoint)
    for identifier in identifiers:
        named = dataset.graph(identifier)
        for triple in fetch_graph(endpoint, identifier):
            named.add(triple)
    return knowledge_graph_of(dataset, identifiers)


def _no_graphs(endpoint: Endpoint) -> EndpointError:
    return EndpointError(
        f"{endpoint.query_url}: no pia-kg graph found",
        hint="Push the graph first with `pia-kg load --endpoint URL`.",
    )


def remote_query(
    endpoint: Endpoint,
    text: str,
    *,
    bindings: Mapping[str, Node] | None = None,
    graphs: Iterable[URIRef] | None = None,
) -> Result:
    """Run a query on the store over the union of our ontology and data graphs, as a local run would.

    `graphs` defaults to every `urn:pia-kg:file:` graph except the shapes. Parameters are substituted as RDF
    terms (see store.substitute). Blank nodes come back as blank nodes.
    """
    form = reject_service(text)
    bound = treat_as_blank(substitute(text, bindings) if bindings else text, GENID)
    bound = f"BASE <{QUERY_BASE}>\n{bound}"  # relative IRIs resolve as in a local run, not as the store would
    chosen = list(graphs) if graphs is not None else [
        identifier for identifier in remote_graph_ids(endpoint) if graph_kind(identifier) != "shapes"
    ]
    if not chosen:  # no default-graph-uri at all: the store's own default graph would answer
        raise _no_graphs(endpoint)
    return _sparql(endpoint, bound, form=form, graphs=chosen)


def _sparql(endpoint: Endpoint, text: str, *, form: str, graphs: list[URIRef] | None) -> Result:
    is_graph = form in ("ConstructQuery", "DescribeQuery")
    form_data: dict[str, Any] = {"query": text}
    if graphs is not None:
        form_data["default-graph-uri"] = [str(identifier) for identifier in graphs]
    with endpoint.client() as client:
        response = _send(
            client,
            "POST",
            endpoint.query_url,
            data=form_data,
            headers={"Accept": _GRAPH_TYPES if is_graph else _SELECT_TYPES},
        )
    _check(response, "query")
    if "x-sparql-maxrows" in response.headers:
        raise EndpointError(
            f"{endpoint.query_url}: the store cut the answer at {response.headers['x-sparql-maxrows']} rows",
            hint="Raise the store's row cap (Virtuoso: ResultSetMaxRows in virtuoso.ini) or add a LIMIT.",
        )
    return _graph_result(response) if is_graph else _select_result(response)


def _graph_result(response: httpx.Response) -> Result:
    media_type = response.headers.get("content-type", "").split(";")[0].strip()
    rdf_format = "turtle" if media_type == "text/turtle" else "nt"
    graph = bind_prefixes(Graph(bind_namespaces="none"))
    parsed = Graph(bind_namespaces="none").parse(data=response.content, format=rdf_format)
    for s, p, o in parsed:
        graph.add((deskolemise(s), p, deskolemise(o)))
    result = Result("CONSTRUCT")
    result.graph = graph
    return result


def _select_result(response: httpx.Response) -> Result:
    parsed = Result.parse(io.BytesIO(response.content), format="json")
    if parsed.type == "ASK":
        return parsed
    result = Result("SELECT")
    result.vars = parsed.vars
    result.bindings = [
        {variable: deskolemise(term) for variable, term in row.items()} for row in parsed.bindings
    ]
    return result


def _send(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    import httpx

    try:
        return client.request(method, url, **kwargs)
    except httpx.HTTPError as err:
        raise EndpointError(
            f"{url}: {type(err).__name__}: {err}", hint="Check the URL and that the store is running."
        ) from err


def _check(response: httpx.Response, what: str) -> None:
    if response.status_code in (401, 403):
        raise EndpointError(
            f"{response.request.url}: {what} refused ({response.status_code})",
            hint="Pass --auth USER:PASSWORD (and --auth-type digest for Virtuoso).",
        )
    if response.status_code >= 400:
        body = response.text.strip().splitlines()[:3]
        raise EndpointError(
            f"{response.request.url}: {what} failed ({response.status_code}): {' '.join(body)[:300]}",
            hint="Check the endpoint URL and the store's log.",
        )
