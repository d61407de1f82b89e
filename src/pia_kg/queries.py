"""Saved questions: `queries/<name>.rq` with a header, typed parameters, and `run_query`.

A header is the block of `# key: value` lines at the top of the file: `title`, `title@fr`, `description`,
`description@fr`, `param: NAME TYPE [= DEFAULT] | doc` (no `=`: required; `=` and nothing after it:
optional and left unbound), `example: NAME=VALUE` (the value the expected results use for a required
parameter), and `expect: empty`, which marks a rule that `pia-kg validate` runs.

Parameters are parsed into RDF terms and passed to the engine as initial bindings, never pasted into the query
text, so a value with quotes, braces or `#` cannot change the query. Before evaluation the parsed algebra is
walked and queries that would reach outside the loaded graph (SERVICE, FROM, FROM NAMED) are refused; SPARQL
Update is not accepted at all (SPARQL 1.1 Query section 13.2, Federated Query section 3).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from typing import Literal as FormName

from rdflib import Dataset, Graph, Variable
from rdflib.term import Identifier, Node

from pia_kg.disk_store import DiskStore
from pia_kg.errors import QueryError
from pia_kg.loading import KnowledgeGraph
from pia_kg.namespaces import PREFIXES, bind_prefixes
from pia_kg.project import Project

if TYPE_CHECKING:
    from rdflib.plugins.sparql.sparql import Query

Form = FormName["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]
ENGINES = ("oxigraph", "rdflib")
LIST_HINT = "Run `pia-kg queries` to list saved queries and their parameters."
QUERY_BASE = "https://w3id.org/pia-kg/"  # relative IRIs in a query resolve against it (or its own BASE)
_HEADER_LINE = re.compile(r"^#\s*([A-Za-z][\w@-]*)\s*:\s*(.*?)\s*$")
_PARAM_LINE = re.compile(
    r"^(?P<name>[A-Za-z_]\w*)\s+(?P<type>[a-z]+)\s*(?P<eq>=\s*(?P<default>[^|]*?))?\s*(?:\|\s*(?P<doc>.*))?$"
)
_FORMS: dict[str, Form] = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}


@dataclass(frozen=True)
class Param:
    """One declared parameter; `default` is None when required, "" when optional and left unbound."""

    name: str
    type: str
    default: str | None
    doc: str

    @property
    def is_required(self) -> bool:
        return self.default is None

    def describe(self) -> str:
        """`name type`, `name type = value` or `name type (optional)`, as `pia-kg queries` shows it."""
        if self.default is None:
            return f"{self.name} {self.type}"
        return (
            f"{self.name} {self.type} = {self.default}"
            if self.default
            else f"{self.name} {self.type} (optional)"
        )


@dataclass(frozen=True)
class SavedQuery:
    """A SPARQL query with its header; `name` is the file stem (the CLI name), `relpath` locates errors."""

    name: str
    relpath: str
    text: str
    titles: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    params: tuple[Param, ...] = ()
    examples: dict[str, str] = field(default_factory=dict)
    header: dict[str, str] = field(default_factory=dict)

    @property
    def is_rule(self) -> bool:
        return self.header.get("expect", "").strip().lower() == "empty"

    def title(self, lang: str = "en") -> str:
        return self.titles.get(lang) or self.titles.get("en") or self.name

    def description(self, lang: str = "en") -> str:
        return self.descriptions.get(lang) or self.descriptions.get("en") or ""

    def param(self, name: str) -> Param | None:
        return next((param for param in self.params if param.name == name), None)

    @cached_property
    def parsed(self) -> Query:
        """The query parsed and translated to algebra; raises QueryError with `file:line:col`."""
        return parse_query(self.text, relpath=self.relpath)

    @property
    def form(self) -> Form:
        return _FORMS[self.parsed.algebra.name]

    @property
    def is_ordered(self) -> bool:
        """True if the outer query has ORDER BY, so its row order is part of the answer."""
        node = self.parsed.algebra.get("p")
        while node is not None and getattr(node, "name", None) in ("Slice", "Distinct", "Reduced", "Project"):
            node = node.get("p")
        return getattr(node, "name", None) == "OrderBy"


@dataclass(frozen=True)
class SelectResult:
    """Rows of rdflib terms (None where unbound), in the order the engine gave them."""

    variables: tuple[str, ...]
    rows: tuple[tuple[Node | None, ...], ...]
    is_ordered: bool = False
    form: Form = "SELECT"


@dataclass(frozen=True)
class AskResult:
    value: bool
    form: Form = "ASK"


@dataclass(frozen=True)
class GraphResult:
    """The graph a CONSTRUCT or DESCRIBE query built, with the project prefixes bound."""

    graph: Graph
    form: Form = "CONSTRUCT"


QueryResult = SelectResult | AskResult | GraphResult


# ---------------------------------------------------------------- reading


def read_saved_query(path: Path, *, relpath: str) -> SavedQuery:
    """Read a `.rq` file and its header."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise QueryError(f"{relpath}: cannot be read: {err}", hint=LIST_HINT) from err
    return query_from_text(text, name=Path(path).stem, relpath=relpath)


def query_from_text(text: str, *, name: str = "text", relpath: str = "<text>") -> SavedQuery:
    """Build a SavedQuery from SPARQL text; a header, if present, is read as in a saved file."""
    header: dict[str, str] = {}
    titles: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    params: list[Param] = []
    examples: dict[str, str] = {}
    for number, key, value in _header_lines(text):
        header.setdefault(key, value)
        base, _, lang = key.partition("@")
        if base in ("title", "description"):
            (titles if base == "title" else descriptions).setdefault(lang or "en", value)
        elif key == "param":
            params.append(_parse_param(value, where=f"{relpath}:{number}"))
        elif key == "example":
            param_name, sep, example = value.partition("=")
            if not sep:
                raise QueryError(f"{relpath}:{number}: '# example:' needs NAME=VALUE", hint=LIST_HINT)
            examples[param_name.strip()] = example.strip()
    return SavedQuery(
        name=name,
        relpath=relpath,
        text=text,
        titles=titles,
        descriptions=descriptions,
        params=tuple(params),
        examples=examples,
        header=header,
    )


def _header_lines(text: str) -> Iterator[tuple[int, str, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#"):
            if line.strip():
                return
            continue
        match = _HEADER_LINE.match(line)
        if match:
            yield number, match.group(1).lower(), match.group(2)


def _parse_param(value: str, *, where: str) -> Param:
    from pia_kg.params import PARAM_TYPES

    match = _PARAM_LINE.match(value)
    if match is None or match.group("type") not in PARAM_TYPES:
        raise QueryError(
            f"{where}: '# param: {value}' is not NAME TYPE [= DEFAULT] | doc",
            hint=f"TYPE is one of {', '.join(PARAM_TYPES)}.",
        )
    default = (match.group("default") or "").strip() if match.group("eq") else None
    return Param(match.group("name"), match.group("type"), default, (match.group("doc") or "").strip())


def list_queries(project: Project) -> list[SavedQuery]:
    """Every saved query of the project (rules included), sorted by name."""
    return [read_saved_query(path, relpath=project.relative(path)) for path in project.query_files()]


def find_query(project: Project, name_or_path: str) -> SavedQuery:
    """A saved query by name (`partnership-members`) or a `.rq` file path; unknown names are a QueryError."""
    candidate = Path(name_or_path)
    if name_or_path.endswith(".rq") or "/" in name_or_path:
        if not candidate.is_file():
            raise QueryError(f"{name_or_path}: no such query file", hint=LIST_HINT)
        return read_saved_query(candidate, relpath=project.relative(candidate))
    path = project.queries_dir / f"{name_or_path}.rq"
    if not path.is_file():
        import difflib

        names = [saved.stem for saved in project.query_files()]
        close = difflib.get_close_matches(name_or_path, names, n=3)
        also = f" (did you mean {', '.join(close)}?)" if close else ""
        raise QueryError(f"unknown query '{name_or_path}'{also}", hint=LIST_HINT)
    return read_saved_query(path, relpath=project.relative(path))


# ---------------------------------------------------------------- parsing and checks


_UNNAMED = "<text>"


def parse_query(text: str, *, relpath: str = _UNNAMED, dataset_clause: bool = False) -> Query:
    """Parse SPARQL (project prefixes predeclared) and refuse updates, SERVICE and dataset clauses; an error
    names `relpath` (and the line and column where the parser says).

    Parsing costs tens of milliseconds and the parsed algebra is only read when evaluated, so it is cached
    by text, whatever file it is named after. With `dataset_clause`, FROM / FROM NAMED are kept for the
    caller to read (the endpoint picks them among the graphs it holds) instead of refused; evaluating them
    is the caller's business, never rdflib's.
    """
    try:
        query = _translated(text)
        check_query(query, relpath=_UNNAMED, dataset_clause=dataset_clause)
        return query
    except QueryError as err:
        if relpath == _UNNAMED or not err.message.startswith(_UNNAMED):
            raise
        raise QueryError(relpath + err.message.removeprefix(_UNNAMED), hint=err.hint) from err.__cause__


@lru_cache(maxsize=64)
def _translated(text: str) -> Query:
    """rdflib's parse and algebra of a query (not yet checked), once per text."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        parsed = parseQuery(text)
    except RecursionError as err:  # pyparsing recurses once per nested group: found by fuzz/
        raise QueryError(
            f"{_UNNAMED}: not valid SPARQL: groups nested too deeply to parse",
            hint="Flatten the nested { } groups. " + LIST_HINT,
        ) from err
    except ParseException as err:
        if _is_update(text, parseUpdate):
            raise QueryError(
                f"{_UNNAMED}: SPARQL Update is not accepted; pia-kg only reads the graph",
                hint="Edit the Turtle files in data/ instead, then run `pia-kg validate`.",
            ) from err
        raise QueryError(
            f"{_UNNAMED}:{err.lineno}:{err.col}: not valid SPARQL: {err.msg}, found {_found(err)}",
            hint="Fix the query at that position. " + LIST_HINT,
        ) from err
    _resolve_base_declarations(parsed)
    try:
        query = translateQuery(parsed, base=QUERY_BASE, initNs=PREFIXES)
    except RecursionError as err:
        raise QueryError(f"{_UNNAMED}: not valid SPARQL: nested too deeply", hint=LIST_HINT) from err
    except Exception as err:  # rdflib raises plain Exception for unknown prefixes and similar errors
        raise QueryError(f"{_UNNAMED}: not valid SPARQL: {err}", hint=LIST_HINT) from err
    return query


def _resolve_base_declarations(parsed: Any) -> None:
    """Resolve each BASE against the base before it, starting from QUERY_BASE (RFC 3986 section 5.2), as
    Oxigraph and remote stores do; rdflib would take `BASE <x/>` as it is and leave IRIs relative."""
    from urllib.parse import urljoin

    from rdflib import URIRef

    base = QUERY_BASE
    for declaration in parsed[0]:
        if declaration.name == "Base":
            base = declaration["iri"] = URIRef(urljoin(base, str(declaration["iri"])))


def _is_update(text: str, parse_update: Any) -> bool:
    try:
        parse_update(text)
    except Exception:  # not an update either: report the query parse error
        return False
    return True


def _found(err: Any) -> str:
    line: str = err.line or ""
    rest = line[err.col - 1 :].strip() if err.col else ""
    return repr(rest[:20]) if rest else "the end of the query"


def check_query(query: Query, *, relpath: str = "<text>", dataset_clause: bool = False) -> None:
    """Refuse what would reach outside the loaded graph: FROM / FROM NAMED (unless `dataset_clause`) and
    SERVICE, anywhere."""
    if query.algebra.get("datasetClause") and not dataset_clause:
        raise QueryError(
            f"{relpath}: FROM and FROM NAMED are not accepted: queries run over the loaded graph only",
            hint="Remove the dataset clause; GRAPH <urn:pia-kg:file:data/...> picks one file's triples.",
        )
    from pia_kg.store import algebra_nodes

    if any(getattr(node, "name", None) == "ServiceGraphPattern" for node in algebra_nodes(query.algebra)):
        raise QueryError(
            f"{relpath}: SERVICE is not accepted: pia-kg never queries other endpoints",
            hint="Remove the SERVICE block; load the other data into data/ if it belongs in the graph.",
        )


def query_variables(query: Query) -> set[str]:
    """The names of every variable the query mentions."""
    from pia_kg.store import algebra_nodes

    return {str(node) for node in algebra_nodes(query.algebra) if isinstance(node, Variable)}


# ---------------------------------------------------------------- running


_DATASETS: dict[int, tuple[KnowledgeGraph, Dataset]] = {}


def query_dataset(kg: KnowledgeGraph) -> Dataset:
    """Ontology and data graphs (not the shapes), one named graph per file, queried as their union.

    Built once per loaded graph (the last few are kept), which is treated as read-only once loaded.
    """
    cached = _DATASETS.get(id(kg))
    if cached is not None and cached[0] is kg:
        return cached[1]
    dataset = Dataset(default_union=True)
    bind_prefixes(dataset)
    for identifier in kg.graph_ids("ontology", "data"):
        named = dataset.graph(identifier)
        for triple in kg.dataset.graph(identifier):
            named.add(triple)
    if len(_DATASETS) >= 4:
        _DATASETS.pop(next(iter(_DATASETS)))
    _DATASETS[id(kg)] = (kg, dataset)
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
    A loaded project is evaluated on the embedded Oxigraph store (store.py), which gives rdflib's terms
    since the files hold every literal in the form the store keeps (literals.py). `engine="rdflib"` uses
    rdflib's engine directly (the reference); a plain Graph always does.
    """
    from pia_kg.limits import run_limited
    from pia_kg.params import bind_params

    if engine not in ENGINES:
        raise QueryError(f"unknown engine {engine!r}", hint=f"Use one of {', '.join(ENGINES)}.")
    saved = query_from_text(query) if isinstance(query, str) else query
    prepared = saved.parsed
    bindings = bind_params(saved, params or {}, use_examples=use_examples)
    if isinstance(source, DiskStore):
        if engine != "oxigraph":
            raise QueryError("the project's store on disk is an Oxigraph store", hint="Use engine oxigraph.")
        return run_limited(_evaluate_disk, source, saved, bindings)
    if engine == "oxigraph" and isinstance(source, KnowledgeGraph):
        from pia_kg.store import store_for

        store_for(source)  # built here, so that a time-limited child inherits it
        return run_limited(_evaluate_oxigraph, source, saved, bindings)
    graph = query_dataset(source) if isinstance(source, KnowledgeGraph) else source
    return run_limited(_evaluate, graph, saved, prepared, bindings)


def _evaluate_disk(disk: DiskStore, saved: SavedQuery, bindings: dict[str, Any]) -> QueryResult:
    """Evaluate on the project's store on disk, opened read-only here (in the child under a time limit)."""
    from pia_kg.store import query as query_store

    with disk.reading() as store:
        return _typed(query_store(store, saved.text, bindings=bindings), saved)


def _evaluate_oxigraph(kg: KnowledgeGraph, saved: SavedQuery, bindings: dict[str, Any]) -> QueryResult:
    """Evaluate on the Oxigraph store of `kg`."""
    from pia_kg.store import query as query_store
    from pia_kg.store import store_for

    return _typed(query_store(store_for(kg), saved.text, bindings=bindings), saved)


def _evaluate(graph: Graph, saved: SavedQuery, prepared: Query, bindings: dict[str, Any]) -> QueryResult:
    """Evaluate in this process with rdflib."""
    with warnings.catch_warnings():
        # rdflib's union-graph evaluation calls its own deprecated Dataset.default_context once per pattern
        warnings.simplefilter("ignore", DeprecationWarning)
        return _typed(graph.query(prepared, initBindings=bindings), saved)


def _typed(result: Any, saved: SavedQuery) -> QueryResult:
    """Type an rdflib Result by query form; with limits configured (limits.py), stop past `max_rows`."""
    from itertools import islice

    from pia_kg.limits import check_rows, configured

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
    from pia_kg.loading import load

    files = [*project.ontology_files(), *project.shapes_files(), *project.data_files()]
    stamp = tuple((str(path), path.stat().st_mtime_ns, path.stat().st_size) for path in files)
    cached = _LOADED.get(project)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    kg = load(project)
    _LOADED.clear()
    _LOADED[project] = (stamp, kg)
    return kg
