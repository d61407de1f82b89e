"""The engine: a query on the Oxigraph store (in memory or on disk) or, on request, on rdflib; `run_query`.

Results come back as rdflib terms (`sparql/results.py`), so a caller cannot tell the engines apart. SERVICE is
refused before evaluation (`sparql/text.py`): nothing but the local store is ever contacted.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from rdflib import Dataset, Graph
from rdflib.query import Result
from rdflib.term import Identifier, Node

from pia_kg.errors import QueryError
from pia_kg.graph.disk_store import DiskStore
from pia_kg.graph.loading import KnowledgeGraph
from pia_kg.project import Project
from pia_kg.rdf.namespaces import PREFIXES, bind_prefixes
from pia_kg.sparql.results import AskResult, GraphResult, QueryResult, SelectResult, to_result
from pia_kg.sparql.saved import ENGINES, SavedQuery, query_from_text
from pia_kg.sparql.text import substitute

if TYPE_CHECKING:
    import pyoxigraph
    from rdflib.plugins.sparql.sparql import Query



def query(store: pyoxigraph.Store, text: str, *, bindings: Mapping[str, Node] | None = None) -> Result:
    """Run a SPARQL query on the union of the store's graphs; `bindings` are substituted as RDF terms.

    The result has rdflib terms: `.vars` and rows for SELECT, `.askAnswer` for ASK, `.graph` otherwise.
    """
    return to_result(raw_answer(store, text, bindings))


def raw_answer(
    store: pyoxigraph.Store,
    text: str,
    bindings: Mapping[str, Node] | None,
    *,
    relpath: str = "<text>",
    dataset: Dataset_ | None = None,
) -> Any:
    """The pyoxigraph answer to `text` on the union of the graphs, after the guards (an error names
    `relpath`): not SPARQL, SERVICE, FROM, updates, nothing that would reach the network.

    With `dataset` (the IRIs of the default graphs and of the named graphs, as the SPARQL Protocol's
    `default-graph-uri` and `named-graph-uri` give them), the query runs on those graphs of the store instead,
    and FROM / FROM NAMED in the text are allowed and overridden by it: a name the store does not hold is an
    empty graph, never a fetch."""
    import pyoxigraph as ox

    from pia_kg.sparql.text import QUERY_BASE, check_oxigraph_query

    bound = substitute(text, bindings) if bindings else text
    # not SPARQL, SERVICE (pyoxigraph's own HTTP client is outside Python's audit hooks), FROM, updates
    check_oxigraph_query(bound, relpath=relpath, dataset_clause=dataset is not None)
    options: dict[str, Any] = {"use_default_graph_as_union": True}
    if dataset is not None:
        defaults, named = dataset
        try:
            options = {
                "default_graph": [ox.NamedNode(name) for name in defaults],
                "named_graphs": [ox.NamedNode(name) for name in dict.fromkeys(named)],
            }
        except ValueError as err:
            hint = "Name each graph by an absolute IRI."
            raise QueryError(f"a graph of the dataset is not an IRI: {err}", hint=hint) from err
    try:
        return store.query(bound, prefixes=PREFIXES, base_iri=QUERY_BASE, **options)
    except SyntaxError as err:
        raise QueryError(f"not valid SPARQL: {err}", hint="Fix the query, then run it again.") from err


# The IRIs of a query's default graphs and of its named graphs
Dataset_ = tuple[Sequence[str], Sequence[str]]


def run_on_store(
    store: pyoxigraph.Store,
    saved: SavedQuery,
    *,
    params: Mapping[str, str | Identifier] | None = None,
    use_examples: bool = False,
    dataset: Dataset_ | None = None,
) -> QueryResult:
    """run_query on an open pyoxigraph store (the server's workers hold one, opened read-only), over the
    union of its graphs or, with `dataset`, over those graphs (see raw_answer)."""
    from pia_kg.security.limits import run_limited
    from pia_kg.sparql.params import bind_params

    bindings = bind_params(saved, params or {}, use_examples=use_examples)
    return run_limited(_evaluate_store, store, saved, bindings, dataset)


def _evaluate_store(
    store: pyoxigraph.Store, saved: SavedQuery, bindings: dict[str, Any], dataset: Dataset_ | None
) -> QueryResult:
    answer = raw_answer(store, saved.text, bindings, relpath=saved.relpath, dataset=dataset)
    return _typed(to_result(answer), saved)


# ---------------------------------------------------------------- running




def query_dataset(kg: KnowledgeGraph) -> Dataset:
    """Ontology and data graphs (not the shapes), one named graph per file, queried as their union.

    Built once per loaded graph (the last few are kept), which is treated as read-only once loaded.
    """
    cached = kg.derived.get("query dataset")
    if cached is not None:
        return cast(Dataset, cached)
    dataset = Dataset(default_union=True)
    bind_prefixes(dataset)
    for identifier in kg.graph_ids("ontology", "data"):
        named = dataset.graph(identifier)
        for triple in kg.dataset.graph(identifier):
            named.add(triple)
    kg.derived["query dataset"] = dataset
    return dataset


def run_query(
    source: KnowledgeGraph | DiskStore | Graph,
    query: SavedQuery | str,
    *,
    params: Mapping[str, str | Identifier] | None = None,
    use_examples: bool = False,
    engine: str = "oxigraph",
) -> QueryResult:
    """Run a saved query (or SPARQL text) with typed parameters; the result type follows the query form.

    `source` is a loaded project (queried over ontology + data), the project's store on disk (disk_store.py,
    the same graphs), or any rdflib Graph or Dataset. String
    parameter values are parsed as `pia-kg query -p` does; rdflib terms are type-checked and used as given.
    With `use_examples`, a required parameter that is not given takes the header's `# example:` value.
    A loaded project is evaluated on the embedded Oxigraph store (graph/store.py), which gives rdflib's terms
    since the files hold every literal in the form the store keeps (literals.py). `engine="rdflib"` uses
    rdflib's engine directly (the reference); a plain Graph always does.
    """
    from pia_kg.security.limits import run_limited
    from pia_kg.sparql.params import bind_params

    if engine not in ENGINES:
        raise QueryError(f"unknown engine {engine!r}", hint=f"Use one of {', '.join(ENGINES)}.")
    saved = query_from_text(query) if isinstance(query, str) else query
    bindings = bind_params(saved, params or {}, use_examples=use_examples)
    if isinstance(source, DiskStore):
        if engine != "oxigraph":
            raise QueryError("the project's store on disk is an Oxigraph store", hint="Use engine oxigraph.")
        return run_limited(_evaluate_disk, source, saved, bindings)
    if engine == "oxigraph" and isinstance(source, KnowledgeGraph):
        from pia_kg.graph.store import store_for

        store_for(source)  # built here, so that a time-limited child inherits it
        return run_limited(_evaluate_oxigraph, source, saved, bindings)
    graph = query_dataset(source) if isinstance(source, KnowledgeGraph) else source
    return run_limited(_evaluate, graph, saved, saved.parsed, bindings)


def _evaluate_disk(disk: DiskStore, saved: SavedQuery, bindings: dict[str, Any]) -> QueryResult:
    """Evaluate on the project's store on disk, opened read-only here (in the child under a time limit)."""
    with disk.reading() as store:
        return _evaluate_store(store, saved, bindings, None)


def _evaluate_oxigraph(kg: KnowledgeGraph, saved: SavedQuery, bindings: dict[str, Any]) -> QueryResult:
    """Evaluate on the Oxigraph store of `kg`."""
    from pia_kg.graph.store import store_for

    return _evaluate_store(store_for(kg), saved, bindings, None)


def _evaluate(graph: Graph, saved: SavedQuery, prepared: Query, bindings: dict[str, Any]) -> QueryResult:
    """Evaluate in this process with rdflib."""
    with warnings.catch_warnings():
        # rdflib's union-graph evaluation calls its own deprecated Dataset.default_context once per pattern
        warnings.simplefilter("ignore", DeprecationWarning)
        return _typed(graph.query(prepared, initBindings=bindings), saved)


def _typed(result: Any, saved: SavedQuery) -> QueryResult:
    """Type an rdflib Result by query form; with limits configured (limits.py), stop past `max_rows`."""
    from itertools import islice

    from pia_kg.security.limits import check_rows, configured

    limits = configured()
    if result.type == "ASK":
        return AskResult(value=bool(result.askAnswer))
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        built = bind_prefixes(Graph(bind_namespaces="none"))
        for triple in result.graph or ():
            built.add(triple)
        if limits is not None:
            check_rows(len(built), limits)
        return GraphResult(graph=built, form=saved.form)
    variables = tuple(str(variable) for variable in result.vars or ())
    stop = None if limits is None else limits.max_rows + 1
    rows = tuple(tuple(row) for row in islice(result, stop))
    if limits is not None:
        check_rows(len(rows), limits)
    return SelectResult(variables=variables, rows=rows, is_ordered=saved.is_ordered)


_LOADED: dict[Project, tuple[tuple[tuple[str, int, int], ...], KnowledgeGraph]] = {}


def load_for_queries(project: Project) -> KnowledgeGraph:
    """Load the project, reusing the last load in this process while no file changed (path, mtime, size).

    Each `pia-kg query` process loads once anyway; the reuse matters when one process runs many queries
    (the tests, a server).
    """
    from pia_kg.graph.loading import load

    files = [*project.ontology_files(), *project.shapes_files(), *project.data_files()]
    stamp = tuple((str(path), path.stat().st_mtime_ns, path.stat().st_size) for path in files)
    cached = _LOADED.get(project)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    kg = load(project)
    _LOADED.clear()
    _LOADED[project] = (stamp, kg)
    return kg
