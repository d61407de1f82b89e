# ruff: noqa: RUF001  (French typography: the apostrophe is U+2019)
"""A saved question as a page for people, in English (`questions/<name>.html`) or French (`.fr.html`).

Columns are titled with the words of the query's `# column:` lines, values are shown by their label and link
to their pages, and each parameter is chosen from the resources its `# choices:` line names, with the help of
its `# param:` line, or in French of its `# param@fr: NAME | aide` line. `pia-kg build`
writes each page with the answer for the default parameters, beside its CSV and JSON (SPARQL results) files;
`pia-kg serve` answers the same page for any parameters, and the downloads at the same URLs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from pia_kg.publish.site import pages as p
from pia_kg.rdf.namespaces import XSD, compact_iri
from pia_kg.sparql.results import AskResult, GraphResult, QueryResult, SelectResult
from pia_kg.sparql.saved import Param, SavedQuery

QUESTIONS_DIR = "questions"
# `# param@fr: NAME | aide`: a parameter's help in another language than the `# param:` line's English.
_PARAM_DOC = re.compile(r"^#\s*param@(?P<lang>[a-z]+)\s*:\s*(?P<name>[A-Za-z_]\w*)\s*\|\s*(?P<doc>.*?)\s*$")
LONG_TEXT = 60  # characters: a cell with more is kept wide enough to read (class "long")
# The downloads of each form of answer: (extension, name of the format in sparql/formats.py, link text).
DOWNLOADS = {
    "SELECT": (("csv", "csv", "CSV"), ("json", "json", "JSON")),
    "ASK": (("json", "json", "JSON"),),
    "CONSTRUCT": (("ttl", "turtle", "Turtle"), ("jsonld", "jsonld", "JSON-LD")),
    "DESCRIBE": (("ttl", "turtle", "Turtle"), ("jsonld", "jsonld", "JSON-LD")),
}
QUESTION_UI = {
    "en": {
        "run": "Answer",
        "choose": "Choose from: {kinds}",
        "answered_for": "Answered for",
        "choose_live": "Run pia-kg serve to choose other values.",
        "any": "(not set: every value)",
        "download": "Download the answer:",
        "rows_one": "1 row.",
        "rows_many": "{n} rows.",
        "no_rows": "No rows.",
        "editor": "Open in the query editor",
        "sparql": "The question in SPARQL",
        "yes": "yes",
        "no": "no",
        "table": "Answer",
        "all": "All saved questions",
    },
    "fr": {
        "run": "Répondre",
        "choose": "Choisir parmi : {kinds}",
        "answered_for": "Réponse pour",
        "choose_live": "Lancez pia-kg serve pour choisir d’autres valeurs.",
        "any": "(non fixé : toutes les valeurs)",
        "download": "Télécharger la réponse :",
        "rows_one": "1 ligne.",
        "rows_many": "{n} lignes.",
        "no_rows": "Aucune ligne.",
        "editor": "Ouvrir dans l’éditeur de requêtes",
        "sparql": "La question en SPARQL",
        "yes": "oui",
        "no": "non",
        "table": "Réponse",
        "all": "Toutes les questions enregistrées",
    },
}


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    selected: bool


@dataclass(frozen=True)
class ParamField:
    """One parameter: a list of options when its `# choices:` names some, else a text box."""

    name: str
    label: str  # what to choose, in the page's language (the kinds of resource listed), else the doc
    doc: str
    doc_lang: str | None  # "en" where a French page falls back on the English help (no `# param@fr:`)
    value: str
    options: tuple[Option, ...]
    shown: p.Link | None  # the value used, by its label (the static page shows it instead of a form)


@dataclass(frozen=True)
class Cell:
    text: str
    link: p.Link | None = None
    lang: str | None = None
    long: bool = False


@dataclass(frozen=True)
class QuestionPage:
    chrome: p.Chrome
    name: str
    title: str
    description: str
    form: str
    live: bool  # served: a form to choose the parameters; static: the values used
    params: tuple[ParamField, ...]
    columns: tuple[str, ...]
    variables: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    count: str
    text: str  # ASK answer, graph as Turtle, or an error
    error: bool
    downloads: tuple[p.Link, ...]
    editor_href: str | None
    sparql: str
    all_href: str
    ui: dict[str, str]


def param_docs(saved: SavedQuery, lang: str) -> dict[str, str]:
    """The help of each parameter in `lang`, from the header's `# param@<lang>: NAME | help` lines."""
    docs: dict[str, str] = {}
    for line in saved.text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        match = _PARAM_DOC.match(line)
        if match and match["lang"] == lang:
            docs.setdefault(match["name"], match["doc"])
    return docs


def question_file(name: str, lang: str) -> str:
    return p.page_file(f"{QUESTIONS_DIR}/{name}", lang)


def options_for(
    saved: SavedQuery, param: Param, labeller: p.Labeller, iris: Iterable[URIRef], *, lang: str
) -> tuple[tuple[str, str], ...]:
    """(value, label) of each choice of `param`: resources of the kinds its `# choices:` names, by label, or
    the quoted values it lists, in that order."""
    kinds = saved.choices.get(param.name, ())
    values = tuple((kind, kind.strip('"')) for kind in kinds if kind.startswith('"'))
    wanted = {kind for kind in kinds if not kind.startswith('"')}
    resources = []
    for iri in iris:
        path = p.resource_path(str(iri))
        if path is not None and ("*" in wanted or path.split("/")[1] in wanted):
            resources.append((compact_iri(str(iri)), labeller.label(iri, lang)))
    resources.sort(key=lambda option: (option[1].casefold(), option[0]))
    return values + tuple(resources)


def resolve_params(
    saved: SavedQuery, given: Mapping[str, str], labeller: p.Labeller, iris: Iterable[URIRef]
) -> dict[str, str]:
    """The given values, where a value that is the label of one of a parameter's choices (in either
    language, whatever its case) stands for that choice: `Martin Tisné` -> `person:martin-tisne`."""
    listed = list(iris)
    resolved = dict(given)
    for param in saved.params:
        value = given.get(param.name)
        if value is None:
            continue
        for lang in p.LANGS:
            choices = options_for(saved, param, labeller, listed, lang=lang)
            by_label = {label.casefold(): choice for choice, label in choices}
            if value.strip().casefold() in by_label:
                resolved[param.name] = by_label[value.strip().casefold()]
                break
    return resolved


def parameter_fields(
    saved: SavedQuery,
    labeller: p.Labeller,
    iris: Iterable[URIRef],
    *,
    given: Mapping[str, str],
    lang: str,
    from_file: str,
) -> tuple[ParamField, ...]:
    """Each parameter with its options (the one in use selected) and the value in use shown by its label."""
    from pia_kg.sparql.params import parse_value

    listed = list(iris)
    fields = []
    translated = param_docs(saved, lang) if lang != "en" else {}
    for param in saved.params:
        value = given.get(param.name, saved.examples.get(param.name, param.default or ""))
        term = parse_value(value, type_name=param.type) if value else None
        choices = options_for(saved, param, labeller, listed, lang=lang)
        options = tuple(
            Option(choice, label, term is not None and parse_value(choice, type_name=param.type) == term)
            for choice, label in choices
        )
        if options and not param.default and param.default is not None:
            options = (Option("", QUESTION_UI[lang]["any"], term is None), *options)
        shown = None
        if isinstance(term, URIRef):
            shown = labeller.link(term, from_file=from_file, lang=lang)
        elif term is not None:
            shown = p.Link("", str(term))
        doc = translated.get(param.name) or param.doc
        doc_lang = "en" if lang != "en" and param.name not in translated and param.doc else None
        label = choice_label(saved.choices.get(param.name, ()), lang) or doc or param.name
        fields.append(ParamField(param.name, label, doc, doc_lang, value, options, shown))
    return tuple(fields)


def choice_label(kinds: tuple[str, ...], lang: str) -> str:
    """ "Choose from: Organisations, Places" for the kinds of resource a parameter lists ("" for values)."""
    if not kinds or any(kind.startswith('"') for kind in kinds):
        return ""
    index = p.LANGS.index(lang)
    if "*" in kinds:
        names = [("any resource", "toute ressource")[index]]
    else:
        names = [p.TYPE_TITLES.get(kind, (kind, kind))[index] for kind in kinds]
    return QUESTION_UI[lang]["choose"].replace("{kinds}", ", ".join(names))


def cell(term: Node | None, labeller: p.Labeller, *, lang: str, from_file: str) -> Cell:
    """A value by its label, linked to its page (resources, ontology terms) or to itself (other IRIs)."""
    if term is None:
        return Cell("")
    if isinstance(term, URIRef):
        link = labeller.link(term, from_file=from_file, lang=lang)
        return Cell(link.text, link, link.lang, len(link.text) > LONG_TEXT)
    if isinstance(term, Literal):
        if term.datatype == XSD.boolean:
            return Cell(QUESTION_UI[lang]["yes" if term.toPython() is True else "no"])
        text = str(term)
        return Cell(text, None, term.language, len(text) > LONG_TEXT)
    assert isinstance(term, BNode)
    return Cell(f"_:{term}")


def question_page(
    saved: SavedQuery,
    result: QueryResult | None,
    labeller: p.Labeller,
    iris: Iterable[URIRef],
    *,
    lang: str,
    live: bool,
    given: Mapping[str, str] | None = None,
    error: str | None = None,
) -> QuestionPage:
    """The page of one question answered (or the error that stopped it); `live` pages have a form and
    downloads that carry the parameters, static ones name the values used."""
    from pia_kg.sparql.formats import RdfFormat, serialize_graph

    given = dict(given or {})
    own = question_file(saved.name, lang)
    ui = QUESTION_UI[lang]
    variables: tuple[str, ...] = ()
    rows: tuple[tuple[Cell, ...], ...] = ()
    text = error or ""
    if isinstance(result, SelectResult):
        variables = result.variables
        rows = tuple(
            tuple(cell(term, labeller, lang=lang, from_file=own) for term in row) for row in result.rows
        )
    elif isinstance(result, AskResult):
        text = ui["yes" if result.value else "no"]
    elif isinstance(result, GraphResult):
        text = serialize_graph(result.graph, RdfFormat.TURTLE)
    query = f"?{urlencode(sorted(given.items()))}" if live and given else ""
    downloads = tuple(
        p.Link(f"{saved.name}.{extension}{query}", label) for extension, _, label in DOWNLOADS[saved.form]
    )
    count = ui["rows_one"] if len(rows) == 1 else ui["rows_many"].replace("{n}", str(len(rows)))
    chrome = p.make_chrome(f"{QUESTIONS_DIR}/{saved.name}", lang)
    return QuestionPage(
        chrome=replace(chrome, other_href=chrome.other_href + query),
        name=saved.name,
        title=saved.title(lang),
        description=saved.description(lang),
        form=saved.form,
        live=live,
        params=parameter_fields(saved, labeller, iris, given=given, lang=lang, from_file=own),
        columns=tuple(saved.column_title(variable, lang) for variable in variables),
        variables=variables,
        rows=rows,
        count=count if rows else ui["no_rows"],
        text=text,
        error=error is not None,
        downloads=() if error is not None else downloads,
        editor_href=editor_href(saved, lang) if live else None,
        sparql=saved.text,
        all_href=f"../{p.page_file(QUESTIONS_DIR, lang)}",
        ui=ui,
    )


def editor_href(saved: SavedQuery, lang: str = "en") -> str:
    """The query editor (`pia-kg serve`'s /query.html, /query.fr.html), the question in a tab of its own."""
    from urllib.parse import quote

    editor = p.page_file(p.QUERY_PAGE, lang)
    return f"../{editor}#query={quote(saved.text, safe='')}&tabTitle={quote(saved.title(lang), safe='')}"


def download_format(saved: SavedQuery, extension: str) -> str | None:
    """The name of the format (sparql/formats.py) of a download of this question, or None if it has none."""
    return next((fmt for ext, fmt, _ in DOWNLOADS[saved.form] if ext == extension), None)
