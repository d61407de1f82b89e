"""`pia-kg serve`: a read-only SPARQL 1.1 Protocol endpoint and linked-data server (Starlette, ASGI).

Routes:
- `/sparql` (and `/sparql/`): queries by GET `?query=`, POST form (`query=`) or POST
  `application/sparql-query` (UTF-8 only); results by content negotiation; the Service Description when
  there is no query. Updates, by any route or content type, get 403; SERVICE gets 400 before evaluation; the
  dataset (protocol parameters, else FROM / FROM NAMED) is picked among the graphs held (endpoint.py). Each
  query runs in a worker process (`workers.WorkerPool`) under a time limit (503 when passed: the worker is
  killed and replaced) and a row limit (400); request bodies above a size limit get 413.
- `/id/<type>/<slug>`, `/id/<type>/` (the list of a type) and `/ns` (the whole ontology): HTML for browsers,
  Turtle / JSON-LD / N-Triples / RDF/XML for machines, JSON-LD for `application/json` (`Vary: Accept`);
  `.html`, `.fr.html`, `.ttl`, `.jsonld`, `.nt` and `.rdf` URLs always work. Unknown resources get a 404
  page that suggests similar labels.
- `/search?q=` the resources whose names, quotes or descriptions match (HTML, or JSON by `Accept` or
  `?format=json`; `/search.fr.html` in French), matched as the static site's search page does.
- `/` home page, `/questions` the saved questions and `/questions/<name>` one answered for people (columns
  titled, values by label, parameters chosen from lists; `.fr.html` in French; `.csv`, `.json` the answer as
  a file, `.ttl` and `.jsonld` for a graph), `/query` (`/query.html`; `/query.fr.html` in French)
  the query UI (YASGUI, served from /static/yasgui/ when `make` has installed it under web/, else a plain
  form), and every other file of the built site (dumps, dataset description, pages, CSS).
- `/reconcile`: the Reconciliation Service API 0.2 for OpenRefine and other clients (reconcile.py): the
  manifest, `queries=` and `extend=` by GET or POST form, `/reconcile/suggest/entity|type|property`,
  `/reconcile/properties` (properties to fetch), `/reconcile/preview?id=` (an HTML card) and
  `/reconcile/view?id=` (to the entity's page). Malformed requests get 400 with a JSON error.
CORS is open (`Access-Control-Allow-Origin: *`) so that browser clients on other origins can query.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import sys
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from rdflib import Graph, URIRef
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from pia_kg.errors import ConfigError
from pia_kg.graph.loading import KnowledgeGraph
from pia_kg.project import Project
from pia_kg.publish.site.render import render
from pia_kg.serve import endpoint
from pia_kg.serve.conneg import choose, preferred_language
from pia_kg.serve.reconcile import ReconcileError, Reconciler
from pia_kg.serve.server_pages import ONTOLOGY_IRI, Snapshot
from pia_kg.serve.workers import PoolBusy, QueryTimeout, WorkerFailed, WorkerPool

HTML = "text/html"
JSON = "application/json"  # answered with JSON-LD (the project's context inline), as JSON clients expect
LINKED_DATA_TYPES = (HTML, *endpoint.GRAPH_MEDIA_TYPES, JSON)
EXTENSIONS = {
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdf": endpoint.RDF_XML,
    "html": HTML,
}
READ_ONLY = "pia-kg serve is read-only: nothing can change the served graph."
SPARQL_PATHS = ("/sparql", "/sparql/")  # the trailing slash is what people (and the W3C tests) type too
SEARCH_PATHS = ("/search", "/search.html", "/search.fr.html")  # answered here, not from the static site
# the query editor; dist/ has query.html and query.fr.html too, which say that it needs this server
QUERY_PATHS = ("/query", "/query.html", "/query.fr.html")
RECONCILE_PATHS = ("/reconcile", "/reconcile/")
POST_PATHS = (*SPARQL_PATHS, *RECONCILE_PATHS)  # read-only all the same: POST carries queries there


@dataclass(frozen=True)
class ServerSettings:
    """Limits of the endpoint; the defaults suit a laptop and a small public deployment."""

    timeout: float = 10.0
    max_rows: int = 10_000
    max_body: int = 100_000
    workers: int = 2


def open_app(
    project: Project,
    *,
    settings: ServerSettings | None = None,
    base_url: str = "http://127.0.0.1:8000/",
    graph_names: Mapping[str, str] | None = None,
) -> Starlette:
    """Load the project, take the site from a fresh `dist/` or build it into a temporary folder, make the app.

    `graph_names` maps project files (`data/x.ttl`) to the IRIs the endpoint names their graphs by, instead of
    `urn:pia-kg:file:<path>` (see `graph_renames`). The temporary folder is removed when the app shuts
    down.
    """
    from dataclasses import replace

    from pia_kg.graph.loading import load
    from pia_kg.serve.server_pages import build_site, remove_folder, site_is_fresh, take_snapshot

    renamed = graph_renames(project, graph_names or {})
    kg = load(project)
    served = kg.graph_ids("ontology", "data")
    names = {name: renamed.get(name, name) for name in served}
    dist = project.root / "dist"
    built = None if site_is_fresh(project, dist) else build_site(kg, project, base_url=base_url)
    store: Path | None = None
    try:
        snapshot = take_snapshot(kg, project, site_dir=built or dist)
        snapshot = replace(snapshot, graph_names=tuple(str(names[name]) for name in served))
        store = served_store(project, kg, names)
    except BaseException:
        for folder in (built, store):
            if folder is not None:
                remove_folder(folder)
        raise

    def shut_down() -> None:
        for folder in (store, built):
            if folder is not None:
                remove_folder(folder)

    return create_app(
        snapshot, store=store, settings=settings, yasgui=yasgui_dir(project.root), on_shutdown=shut_down
    )


def served_store(project: Project, kg: KnowledgeGraph, names: Mapping[URIRef, URIRef]) -> Path:
    """A new temporary folder holding the served graphs in a store on disk, which every query worker opens
    read-only (`endpoint.open_served`): no worker holds a copy of its own.

    When every graph keeps its file's name, the folder is a checkpoint of the project's store
    (graph/disk_store.py), refreshed first: hard links, made in milliseconds. Otherwise (`--graph-name`, or a
    store another process is writing) the graphs of `kg` are written into it once, under their served names.
    """
    import tempfile

    import pyoxigraph as ox

    from pia_kg.graph.disk_store import StoreUnavailable, refresh
    from pia_kg.graph.store import store_for

    folder = Path(tempfile.mkdtemp(prefix="pia-kg-serve-store-"))
    database = folder / "db"
    try:
        if all(name == served for served, name in names.items()):
            try:
                refresh(project).checkpoint(database)
                return folder
            except StoreUnavailable as err:
                print(f"Note: {err}; the endpoint's store is written from the files.", file=sys.stderr)
        loaded = store_for(kg)
        written = ox.Store(str(database))
        for served, name in sorted(names.items()):
            graph = ox.NamedNode(str(served))
            target = ox.NamedNode(str(name))
            written.bulk_extend(
                ox.Quad(quad.subject, quad.predicate, quad.object, target)
                for quad in loaded.quads_for_pattern(None, None, None, graph)
            )
        written.flush()
        del written
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def graph_renames(project: Project, requested: Mapping[str, str]) -> dict[URIRef, URIRef]:
    """The endpoint's own names for some files' graphs: `requested` maps files to IRIs (`--graph-name`).

    A file is given as a path inside the project (`data/x.ttl`) or from the working directory; it must be
    one of the served ontology or data files, each IRI absolute and the name of one graph only.
    """
    from urllib.parse import urlsplit

    from pia_kg.rdf.parsing import graph_id

    hint = "Give --graph-name FILE=IRI with FILE an ontology or data file (data/x.ttl), IRI absolute (http://...)."
    served = {graph_id(project.relative(path)) for path in (*project.ontology_files(), *project.data_files())}
    renamed: dict[URIRef, URIRef] = {}
    for file, iri in requested.items():
        inside = project.root / file
        identifier = graph_id(project.relative(inside if inside.is_file() else Path(file)))
        if identifier not in served:
            raise ConfigError(f"--graph-name {file}={iri}: {file} is not an ontology or data file", hint=hint)
        if not urlsplit(iri).scheme or any(ord(char) <= 0x20 or char in '<>"{}|^`\\' for char in iri):
            raise ConfigError(f"--graph-name {file}={iri}: {iri!r} is not an absolute IRI", hint=hint)
        renamed[identifier] = URIRef(iri)
    names = [renamed.get(name, name) for name in served]
    taken = sorted({name for name in names if names.count(name) > 1})
    if taken:
        raise ConfigError(f"--graph-name: <{taken[0]}> would name two graphs", hint="Give each its own IRI.")
    return renamed


def serve(app: Starlette, *, host: str, port: int) -> None:
    """Run the app with uvicorn until SIGINT or SIGTERM, then return.

    uvicorn shuts down gracefully on both (open requests finish, the lifespan stops the workers) and then
    raises the signal again for the handler it found; ours ignores that repeat, so the command ends normally.
    """
    import signal

    import uvicorn

    previous = {sig: signal.signal(sig, _ignore_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _ignore_signal(signum: int, frame: object) -> None:
    """The repeat of a signal uvicorn has already handled."""


MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
    ".ttl": "text/turtle; charset=utf-8",
    ".nt": "application/n-triples",
    ".nq": "application/n-quads",
    ".trig": "application/trig",
    ".jsonld": "application/ld+json",
    ".rdf": endpoint.RDF_XML,
}


def media_type_of(path: str | Path) -> str:
    """The media type of a file the server sends, by extension, from a fixed table.

    Not from `mimetypes`: its table comes from the system's /etc/mime.types, so the answers would differ
    between machines (and the CLI's file guard refuses to read it).
    """
    return MEDIA_TYPES.get(Path(path).suffix.lower(), "application/octet-stream")


class SiteFiles(StaticFiles):
    """Static files with media types from MEDIA_TYPES."""

    def file_response(
        self, full_path: Any, stat_result: Any, scope: Scope, status_code: int = 200
    ) -> Response:
        from starlette.datastructures import Headers
        from starlette.staticfiles import NotModifiedResponse

        response = FileResponse(
            full_path, status_code=status_code, stat_result=stat_result, media_type=media_type_of(full_path)
        )
        if self.is_not_modified(response.headers, Headers(scope=scope)):
            return NotModifiedResponse(response.headers)
        return response


def yasgui_dir(project_root: Path) -> Path | None:
    """YASGUI's built files, if `npm install` in web/ has fetched them."""
    folder = project_root / "web" / "node_modules" / "@zazuko" / "yasgui" / "build"
    return folder if (folder / "yasgui.min.js").is_file() else None


def create_app(
    snapshot: Snapshot,
    *,
    store: Path | None,
    settings: ServerSettings | None = None,
    yasgui: Path | None = None,
    on_shutdown: Callable[[], None] | None = None,
) -> Starlette:
    """The ASGI app: `snapshot` for pages and linked data, the store in the folder `store` (the same graph,
    see `served_store`; an empty graph if None) for the query workers."""
    limits = settings or ServerSettings()
    server = _Server(snapshot, limits, yasgui)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        payload = b"" if store is None else str(store / "db").encode("utf-8")
        server.pool = WorkerPool(payload, endpoint.open_served, size=limits.workers, timeout=limits.timeout)
        await server.pool.start()
        try:
            yield
        finally:
            await server.pool.close()
            if on_shutdown is not None:
                on_shutdown()

    routes: list[Any] = [
        Route("/", server.home, methods=["GET"]),
        *(Route(path, server.sparql, methods=["GET", "POST", "OPTIONS"]) for path in SPARQL_PATHS),
        *(Route(path, server.query_ui, methods=["GET"]) for path in QUERY_PATHS),
        *(Route(path, server.search, methods=["GET"]) for path in SEARCH_PATHS),
        Route("/questions", server.questions, methods=["GET"]),
        Route("/questions/", server.questions, methods=["GET"]),
        Route("/questions/{name}", server.question, methods=["GET"]),
        Route("/id/{kind}", server.kind_redirect, methods=["GET"]),
        Route("/id/{kind}/", server.kind_list, methods=["GET"]),
        Route("/id/{kind}/{name}", server.resource, methods=["GET"]),
        Route("/ns", server.ontology, methods=["GET"]),
        Route("/ns.{ext}", server.ontology, methods=["GET"]),
        *(Route(path, server.reconcile, methods=["GET", "POST", "OPTIONS"]) for path in RECONCILE_PATHS),
        Route("/reconcile/suggest/{kind}", server.reconcile_suggest, methods=["GET"]),
        Route("/reconcile/properties", server.reconcile_properties, methods=["GET"]),
        Route("/reconcile/preview", server.reconcile_preview, methods=["GET"]),
        Route("/reconcile/view", server.reconcile_view, methods=["GET"]),
    ]
    if yasgui is not None:
        routes.append(Mount("/static/yasgui", SiteFiles(directory=yasgui), name="yasgui"))
    routes.append(Mount("/", SiteFiles(directory=snapshot.site_dir), name="site"))
    middleware = [
        Middleware(
            CORSMiddleware,
            allow_origins=["*"],
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["*"],
            expose_headers=["Content-Type", "Content-Location", "Vary"],
            max_age=86400,
        ),
        Middleware(ReadOnlyMiddleware),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={404: server.not_found},
    )
    app.state.site_dir = snapshot.site_dir
    return app


class ReadOnlyMiddleware:
    """Refuse writes before any route sees them: SPARQL Update (403) and any method but GET/HEAD/OPTIONS
    outside /sparql and /reconcile (405). POST there carries queries only; /sparql refuses `update=`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            headers = {
                key.decode("latin-1").lower(): value.decode("latin-1") for key, value in scope["headers"]
            }
            content_type = headers.get("content-type", "").split(";")[0].strip().lower()
            response: Response | None = None
            if content_type == "application/sparql-update":
                response = _text(403, f"SPARQL Update is not accepted. {READ_ONLY}")
            elif scope["path"] not in POST_PATHS or scope["method"] != "POST":
                response = _text(405, f"{scope['method']} is not allowed here. {READ_ONLY}")
                response.headers["Allow"] = "GET, HEAD, OPTIONS"
            if response is not None:
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _text(status: int, message: str, hint: str | None = None) -> Response:
    body = f"Error: {message}\n" + (f"{hint}\n" if hint else "")
    return PlainTextResponse(body, status_code=status)


def _answer_response(answer: endpoint.Answer, *, vary: str = "Accept") -> Response:
    response = Response(answer.body, status_code=answer.status, media_type=answer.media_type)
    response.headers["Vary"] = vary
    for name, value in answer.headers:
        response.headers[name] = value
    return response


class _Server:
    """The request handlers, sharing the snapshot, the limits and the worker pool."""

    def __init__(self, snapshot: Snapshot, settings: ServerSettings, yasgui: Path | None) -> None:
        self.snapshot = snapshot
        self.settings = settings
        self.has_yasgui = yasgui is not None
        self.pool: WorkerPool | None = None
        self.reconciler = Reconciler(snapshot.graph)

    # ------------------------------------------------------------------ SPARQL protocol

    async def sparql(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={"Allow": "GET, HEAD, POST, OPTIONS"})
        fields = list(request.query_params.multi_items())
        if request.method == "POST":
            parsed = await self._post_fields(request)
            if isinstance(parsed, Response):
                return parsed
            fields += parsed
        names = {name for name, _ in fields}
        if "update" in names:
            return _text(403, f"SPARQL Update is not accepted. {READ_ONLY}")
        queries = [value for name, value in fields if name == "query"]
        if len(queries) > 1:
            return _text(400, "give one query parameter, not several")
        defaults = tuple(value for name, value in fields if name == "default-graph-uri")
        named = tuple(value for name, value in fields if name == "named-graph-uri")
        if not queries:
            if request.method == "POST":
                return _text(400, "no query: send query=... (form) or an application/sparql-query body")
            return self._service_description(request)
        job = endpoint.QueryRequest(
            text=queries[0],
            accept=request.headers.get("accept"),
            default_graphs=defaults,
            named_graphs=named,
            max_rows=self.settings.max_rows,
        )
        try:
            answer: endpoint.Answer = await self._run(endpoint.answer_query, request=job)
        except _Refused as refused:
            return refused.response
        return _answer_response(answer)

    async def _post_fields(
        self, request: Request, *, fail: Callable[[int, str, str | None], Response] = _text
    ) -> list[tuple[str, str]] | Response:
        """The fields of a POST form (or a SPARQL query body), or the error `fail` makes for a body too
        large, not UTF-8 or of another type."""
        limit = self.settings.max_body
        too_large = (413, f"the request body is larger than {limit} bytes", "Send a shorter request.")
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return fail(*too_large)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                return fail(*too_large)
        header = request.headers.get("content-type", "")
        content_type = header.split(";")[0].strip().lower()
        charset = _parameter(header, "charset")
        if charset is not None and charset.lower() not in ("utf-8", "utf8"):  # Protocol 2.1.2 and 2.1.3
            return fail(415, f"cannot read a body in {charset}", "Send the request as UTF-8.")
        try:
            text = bytes(body).decode("utf-8")
        except UnicodeDecodeError:
            return fail(400, "the request body is not UTF-8", None)
        if content_type == "application/x-www-form-urlencoded":
            return parse_qsl(text, keep_blank_values=True)
        if content_type == "application/sparql-query":
            return [("query", text)]
        return fail(
            415,
            f"cannot read a POST body of type {content_type or '(none)'}",
            "Send application/x-www-form-urlencoded (query=... or queries=...) or application/sparql-query.",
        )

    def _service_description(self, request: Request) -> Response:
        url = str(request.url.replace(query=""))
        graph = endpoint.service_description(url, graph_names=self.snapshot.graph_names)
        chosen = choose(endpoint.GRAPH_MEDIA_TYPES, request.headers.get("accept"))
        if chosen is None:
            return _answer_response(endpoint.not_acceptable(endpoint.GRAPH_MEDIA_TYPES, what="this service"))
        return _answer_response(endpoint.graph_answer(graph, chosen))

    async def _run(self, function: Callable[..., Any], **kwargs: Any) -> Any:
        assert self.pool is not None, "the worker pool starts with the app (lifespan)"
        limit = self.settings.timeout
        try:
            return await self.pool.run(function, **kwargs)
        except QueryTimeout as err:
            raise _Refused(
                _text(
                    503,
                    f"the query ran for more than {limit:g} s and was stopped",
                    "Simplify it or add LIMIT.",
                )
            ) from err
        except PoolBusy as err:
            response = _text(503, f"every query worker stayed busy for {limit:g} s", "Try again shortly.")
            response.headers["Retry-After"] = "1"
            raise _Refused(response) from err
        except WorkerFailed as err:
            raise _Refused(_text(500, str(err))) from err

    # ------------------------------------------------------------------ linked data

    async def resource(self, request: Request) -> Response:
        kind, name = request.path_params["kind"], request.path_params["name"]
        if name in ("index.html", "index.fr.html"):
            return self._site_file(f"id/{kind}/{name}", request)
        slug, fixed = _split_extension(name)
        path = f"id/{kind}/{slug}"
        if slug == "index" and fixed is not None and self.snapshot.has_kind(kind):
            return self._negotiate(request, lambda: self.snapshot.kind_list(kind), page=path, fixed=fixed)
        iri = self.snapshot.paths.get(path)
        if iri is None:
            return self._not_found_page(request)
        return self._negotiate(request, lambda: self.snapshot.description(iri), page=path, fixed=fixed)

    async def kind_list(self, request: Request) -> Response:
        """`/id/<type>/`: the list of the resources of that type (the site's index page, or RDF)."""
        kind = request.path_params["kind"]
        if not self.snapshot.has_kind(kind):
            return self._not_found_page(request)
        page = f"id/{kind}/index"
        return self._negotiate(request, lambda: self.snapshot.kind_list(kind), page=page, fixed=None)

    async def kind_redirect(self, request: Request) -> Response:
        kind = request.path_params["kind"]
        if not self.snapshot.has_kind(kind):
            return self._not_found_page(request)
        return RedirectResponse(f"/id/{kind}/", status_code=301)

    async def ontology(self, request: Request) -> Response:
        ext = request.path_params.get("ext")
        fixed = None
        if ext is not None:
            fixed = "fr.html" if ext == "fr.html" else ext
            if fixed not in EXTENSIONS and fixed != "fr.html":
                return self._not_found_page(request)
        ontology = self.snapshot.description(ONTOLOGY_IRI)
        return self._negotiate(request, lambda: ontology, page="ns", fixed=fixed)

    def _negotiate(
        self, request: Request, graph: Callable[[], Graph], *, page: str, fixed: str | None
    ) -> Response:
        """Answer `page` (a site path without extension) as HTML from the site, or `graph()` as RDF."""
        if fixed is not None:
            media_type = HTML if fixed == "fr.html" else EXTENSIONS[fixed]
            lang = "fr" if fixed == "fr.html" else "en"
            vary = None
        else:
            chosen = choose(LINKED_DATA_TYPES, request.headers.get("accept"))
            if chosen is None:
                return _answer_response(endpoint.not_acceptable(LINKED_DATA_TYPES, what="this resource"))
            media_type = chosen
            lang = preferred_language(request.headers.get("accept-language"), ("en", "fr"))
            vary = "Accept, Accept-Language"
        name = page.rsplit("/", 1)[-1]
        if media_type == HTML:
            file = f"{page}.html" if lang == "en" else f"{page}.{lang}.html"
            response = self._site_file(file, request)
            location = file.rsplit("/", 1)[-1]
        else:
            response = _answer_response(self._serialize(graph(), media_type))
            extension = "jsonld" if media_type == JSON else _EXTENSION_OF[media_type]
            location = f"{name}.{extension}"
        if vary is not None:
            response.headers["Vary"] = vary
            response.headers["Content-Location"] = location
        elif "vary" in response.headers:
            del response.headers["Vary"]
        return response

    def _serialize(self, graph: Graph, media_type: str) -> endpoint.Answer:
        """RDF in `media_type`; JSON-LD (also for `application/json`) compacted with the project context."""
        if media_type in ("application/ld+json", JSON):
            from pia_kg.rdf.jsonld import compact_graph, dump_json

            return endpoint.Answer(200, media_type, dump_json(compact_graph(graph, self.snapshot.context)))
        return endpoint.graph_answer(graph, media_type)

    def _site_file(self, relpath: str, request: Request) -> Response:
        path = self.snapshot.site_dir / relpath
        if not path.is_file():
            return self._not_found_page(request)
        return FileResponse(
            path, media_type="text/html; charset=utf-8" if relpath.endswith(".html") else None
        )

    # ------------------------------------------------------------------ reconciliation (reconcile.py)

    async def reconcile(self, request: Request) -> Response:
        """The manifest, or the answer to `queries=` (reconciliation) or `extend=` (data extension)."""
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={"Allow": "GET, HEAD, POST, OPTIONS"})
        fields = list(request.query_params.multi_items())
        if request.method == "POST":
            parsed = await self._post_fields(request, fail=_json_error)
            if isinstance(parsed, Response):
                return parsed
            fields += parsed
        given = {name: [value for key, value in fields if key == name] for name in ("queries", "extend")}
        lang = _language(request)
        if given["queries"] and given["extend"]:
            return _json_error(400, "give queries= or extend=, not both", None)
        try:
            for name, values in given.items():
                if len(values) > 1:
                    raise ReconcileError(f"give one {name}= parameter, not {len(values)}")
            # in a thread: a batch of fuzzy matches must not hold up the event loop (pages, SPARQL)
            if given["queries"]:
                answer = await run_in_threadpool(self.reconciler.reconcile, given["queries"][0], lang)
                return _json(answer, request)
            if given["extend"]:
                return _json(
                    await run_in_threadpool(self.reconciler.extend, given["extend"][0], lang), request
                )
        except ReconcileError as err:
            return _json_error(400, err.message, err.hint)
        if request.method == "POST":
            return _json_error(
                400, "no queries= or extend= in the request", "POST a form with queries={...}."
            )
        return _json(self.reconciler.manifest(str(request.base_url), lang), request)

    async def reconcile_suggest(self, request: Request) -> Response:
        """`/reconcile/suggest/entity|type|property?prefix=`: names that start with the prefix."""
        suggest = {
            "entity": self.reconciler.suggest_entities,
            "type": self.reconciler.suggest_types,
            "property": self.reconciler.suggest_properties,
        }.get(request.path_params["kind"])
        if suggest is None:
            return _json_error(
                404, f"no suggest service {request.path_params['kind']!r}", "Use entity, type or property."
            )
        prefix = request.query_params.get("prefix")
        if prefix is None:
            return _json_error(400, "give the prefix to complete: ?prefix=...", None)
        try:
            return _json(suggest(prefix, request.query_params.get("cursor"), _language(request)), request)
        except ReconcileError as err:
            return _json_error(400, err.message, err.hint)

    async def reconcile_properties(self, request: Request) -> Response:
        """`/reconcile/properties?type=&limit=`: the properties data extension can fetch for a type."""
        params = request.query_params
        try:
            answer = self.reconciler.propose_properties(
                params.get("type"), params.get("limit"), _language(request)
            )
        except ReconcileError as err:
            return _json_error(400, err.message, err.hint)
        return _json(answer, request)

    async def reconcile_preview(self, request: Request) -> Response:
        """`/reconcile/preview?id=`: a small HTML card (label, type, source) for OpenRefine's pop-up."""
        iri = request.query_params.get("id")
        if not iri:
            return _json_error(400, "give the entity to preview: ?id=IRI", None)
        card = self.reconciler.preview(iri, _language(request))
        if card is None:
            return _json_error(
                404, f"no entity {iri!r} in the graph", "Preview an id that /reconcile returned."
            )
        return HTMLResponse(render("reconcile-preview.html.j2", card))

    async def reconcile_view(self, request: Request) -> Response:
        """`/reconcile/view?id=`: to the entity's page on this server (the manifest's view URL)."""
        path = self.reconciler.view_path(request.query_params.get("id", ""))
        if path is None:
            return self._not_found_page(request)
        return RedirectResponse(path, status_code=303)

    # ------------------------------------------------------------------ pages

    async def home(self, request: Request) -> Response:
        """`/` is the site's English home page, the very file `/index.html` and `dist/index.html` are."""
        return self._site_file("index.html", request)

    async def search(self, request: Request) -> Response:
        """`/search?q=`: the resources matching the words, as HTML (`/search.fr.html` in French), or as JSON
        for `?format=json` or `Accept: application/json`; the same matching as the static site's page."""
        from pia_kg.serve.server_pages import search_answer, search_html

        query = request.query_params.get("q", "")
        fr = request.url.path.endswith(".fr.html") or request.query_params.get("lang") == "fr"
        lang = "fr" if fr else "en"
        wanted = request.query_params.get("format")
        if wanted not in (None, "html", "json"):
            return _text(400, f"unknown format {wanted!r}", "Use format=html or format=json.")
        offers = (HTML, JSON)
        accept = request.headers.get("accept")
        media_type = {"html": HTML, "json": JSON}.get(wanted or "") or choose(offers, accept)
        if media_type is None:
            return _answer_response(endpoint.not_acceptable(offers, what="the search"))
        if media_type == JSON:
            body = search_answer(self.snapshot, query, lang=lang)
            response: Response = Response(body, media_type="application/json")
        else:
            response = HTMLResponse(render("search.html.j2", search_html(self.snapshot, query, lang=lang)))
        if wanted is None:
            response.headers["Vary"] = "Accept"
        return response

    async def questions(self, request: Request) -> Response:
        from pia_kg.serve.server_pages import questions_page

        return HTMLResponse(render("serve-questions.html.j2", questions_page(self.snapshot)))

    async def query_ui(self, request: Request) -> Response:
        """`/query` (`/query.html`): the query editor; `/query.fr.html` (or `?lang=fr`) in French."""
        from pia_kg.serve.server_pages import query_ui_page

        fr = request.url.path.endswith(".fr.html") or request.query_params.get("lang") == "fr"
        page = query_ui_page(self.snapshot, has_yasgui=self.has_yasgui, lang="fr" if fr else "en")
        return HTMLResponse(render("serve-query.html.j2", page))

    async def question(self, request: Request) -> Response:
        """`/questions/<name>` (`.html`, `.fr.html`): the question answered for the parameters of the URL;
        `.csv`, `.json` (`.ttl`, `.jsonld` for a graph) or `?format=`: the answer as a file."""
        from pia_kg.publish.site.questions import download_format
        from pia_kg.serve.server_pages import question_labeller, question_page

        name, lang, extension = _question_path(request.path_params["name"])
        saved = self.snapshot.question(name)
        if saved is None:
            return self._not_found_page(request)
        extension = request.query_params.get("format") or extension
        fmt = download_format(saved, extension) if extension else None
        if extension and fmt is None:
            return self._not_found_page(request)
        given = {
            key: value for key, value in request.query_params.items() if value.strip() and key != "format"
        }
        params = question_labeller(self.snapshot).resolve(saved, given)
        result, error, status = None, None, 200
        try:
            result = await self._run(
                endpoint.run_saved, text=saved.text, name=saved.name, relpath=saved.relpath, params=params
            )
        except _Refused as refused:
            error, status = bytes(refused.response.body).decode("utf-8").strip(), refused.response.status_code
        if isinstance(result, str):
            result, error, status = None, result, 400
        if fmt is not None:
            return _download(result, fmt) if error is None else _text(status, error or "")
        page = question_page(self.snapshot, saved, params=params, result=result, error=error, lang=lang)
        return HTMLResponse(render("question.html.j2", page), status_code=status)

    def _not_found_page(self, request: Request) -> Response:
        from pia_kg.serve.server_pages import not_found_page

        page = not_found_page(self.snapshot, request.url.path)
        return HTMLResponse(render("serve-404.html.j2", page), status_code=404)

    async def not_found(self, request: Request, exc: Exception) -> Response:
        if isinstance(exc, HTTPException) and exc.status_code != 404:
            return _text(exc.status_code, str(exc.detail))
        return self._not_found_page(request)


class _Refused(Exception):
    """A request the server answers with an error response instead of a result."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _language(request: Request) -> str:
    return preferred_language(request.headers.get("accept-language"), ("en", "fr"))


_CALLBACK = re.compile(r"[A-Za-z_$][\w$.]{0,63}")


def _json(document: Any, request: Request, status: int = 200) -> Response:
    """JSON with sorted keys (the same request gives the same bytes); JSONP when `callback=` names a function,
    as the suggest widgets of older clients ask."""
    body = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    callback = request.query_params.get("callback")
    if callback is not None and _CALLBACK.fullmatch(callback):
        return Response(
            f"{callback}({body});", status_code=status, media_type="text/javascript; charset=utf-8"
        )
    return Response(body, status_code=status, media_type="application/json")


def _json_error(status: int, message: str, hint: str | None) -> Response:
    """A reconciliation error: `{"status": 400, "error": message, "hint": ...}`."""
    document: dict[str, Any] = {"error": message, "status": status}
    if hint:
        document["hint"] = hint
    body = json.dumps(document, ensure_ascii=False, sort_keys=True)
    return Response(body, status_code=status, media_type="application/json")


def _parameter(header: str, name: str) -> str | None:
    """The value of parameter `name` of a media type header (`text/x; charset="utf-8"` -> `utf-8`)."""
    for part in header.split(";")[1:]:
        key, equals, value = part.partition("=")
        if equals and key.strip().lower() == name:
            return value.strip().strip('"')
    return None


def _question_path(name: str) -> tuple[str, str, str | None]:
    """`timeline.fr.html` -> (`timeline`, `fr`, None); `timeline.csv` -> (`timeline`, `en`, `csv`)."""
    if name.endswith(".fr.html"):
        return name[: -len(".fr.html")], "fr", None
    if name.endswith(".html"):
        return name[: -len(".html")], "en", None
    stem, dot, extension = name.rpartition(".")
    if dot and extension in ("csv", "json", "ttl", "jsonld"):
        return stem, "en", extension
    return name, "en", None


def _download(result: Any, fmt: str) -> Response:
    """A saved question's answer as a file in `fmt` (a format name of sparql/formats.py)."""
    from pia_kg.sparql.formats import RdfFormat, ResultFormat, serialize_result

    chosen = ResultFormat.from_name(fmt) or RdfFormat.from_name(fmt)
    body = serialize_result(result, chosen)
    return Response(body.encode("utf-8"), media_type=endpoint.media_type_with_charset(chosen.media_type))


_EXTENSION_OF = {media_type: extension for extension, media_type in EXTENSIONS.items()}


def _split_extension(name: str) -> tuple[str, str | None]:
    """`slug.fr.html` -> (`slug`, `fr.html`); `slug.ttl` -> (`slug`, `ttl`); `slug` -> (`slug`, None)."""
    if name.endswith(".fr.html"):
        return name[: -len(".fr.html")], "fr.html"
    stem, dot, ext = name.rpartition(".")
    if dot and ext in EXTENSIONS:
        return stem, ext
    return name, None


class LocalClient:
    """Requests to the app inside this process, no socket, with its start-up and shut-down around them.

    `pia-kg serve --get` and the in-process tests use it. The app runs on an event loop in a thread of its
    own, so several requests can be in flight at once from several threads.
    """

    def __init__(self, app: Starlette, *, base_url: str = "http://testserver") -> None:
        self.app = app
        self.base_url = base_url

    def __enter__(self) -> LocalClient:
        import asyncio
        import threading

        import httpx

        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="pia-kg-local", daemon=True)
        self._thread.start()
        self._lifespan = self.app.router.lifespan_context(self.app)
        self._call(self._lifespan.__aenter__())
        transport = httpx.ASGITransport(app=self.app)
        self._client = httpx.AsyncClient(transport=transport, base_url=self.base_url)
        return self

    def _call(self, coroutine: Any) -> Any:
        import asyncio

        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def request(self, method: str, path: str, **options: Any) -> Any:
        """An httpx.Response; `options` as for httpx (params, data, content, headers)."""
        return self._call(self._client.request(method, path, **options))

    def get(self, path: str, **options: Any) -> Any:
        return self.request("GET", path, **options)

    def post(self, path: str, **options: Any) -> Any:
        return self.request("POST", path, **options)

    def __exit__(self, *exc: object) -> None:
        try:
            self._call(self._client.aclose())
            self._call(self._lifespan.__aexit__(None, None, None))
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()
