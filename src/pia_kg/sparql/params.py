"""Query parameters: `-p NAME=VALUE` text -> one typed RDF term, bound through the engine.

Accepted value syntax: `<iri>`, a CURIE with a project prefix (`organisation:current-ai`), an absolute IRI for
`iri` parameters, `"text"`, `"text"@fr`, `"12.5"^^xsd:decimal`, `"x"^^<iri>`, and bare text: a plain literal
for `string` / `literal` / `term`, a number for `integer` / `decimal`, `true` / `false` for `boolean`. A value
that does not parse as a whole term is taken as bare text, so `"fr" } ; DROP ALL #` is one plain literal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from rdflib import BNode, Literal, URIRef
from rdflib.term import Identifier

from pia_kg.errors import QueryError
from pia_kg.rdf.namespaces import PREFIXES, XSD, expand_curie
from pia_kg.sparql.saved import Param, SavedQuery
from pia_kg.sparql.text import LIST_HINT

_TYPED: dict[str, URIRef] = {
    "integer": URIRef(XSD.integer),
    "decimal": URIRef(XSD.decimal),
    "boolean": URIRef(XSD.boolean),
    "date": URIRef(XSD.date),
}
_BARE: dict[str, re.Pattern[str]] = {
    "integer": re.compile(r"[+-]?\d+"),
    "decimal": re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)"),
    "boolean": re.compile(r"true|false"),
    "date": re.compile(r"-?\d{4,}-\d{2}-\d{2}(Z|[+-]\d{2}:\d{2})?"),
}
_IRI_CHARS = r"[^<>\"{}|^`\\\x00-\x20]*"
_IRIREF = re.compile(rf"<({_IRI_CHARS})>")
_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:(//)?[^<>\"{}|^`\\\x00-\x20]+")
_CURIE = re.compile(r"([A-Za-z][\w.-]*):((?:[\w-]|\.(?=[\w-]))*)")
_LITERAL = re.compile(
    r'"(?P<lex>(?:[^"\\\n\r]|\\.)*)"'
    r"(?:@(?P<lang>[A-Za-z]+(?:-[A-Za-z0-9]+)*)|\^\^(?:<(?P<dt>"
    + _IRI_CHARS
    + r")>|(?P<dtcurie>[\w.-]+:[\w.-]*)))?"
)
_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")


def bind_params(
    query: SavedQuery, given: Mapping[str, str | Identifier], *, use_examples: bool = False
) -> dict[str, Identifier]:
    """The initial bindings for a run: given values, then defaults; unknown or missing names are errors.

    A query without declared parameters (ad-hoc text) accepts a value for any variable it mentions, as a
    term of any kind.
    """
    declared = {param.name: param for param in query.params}
    if not declared and given:
        declared = {name: Param(name, "term", "", "") for name in query.facts.variables}
    unknown = sorted(name for name in given if name not in declared)
    if unknown:
        raise QueryError(
            f"{query.name}: unknown parameter {', '.join(unknown)}; {_known(query)}", hint=LIST_HINT
        )
    bindings: dict[str, Identifier] = {}
    for name, param in declared.items():
        value: str | Identifier | None = given.get(name)
        if value is None and use_examples and name in query.examples:
            value = query.examples[name]
        if value is None:
            if param.default is None:
                raise QueryError(
                    f"{query.name}: missing required parameter {name} ({param.type}); {_known(query)}",
                    hint=f"Pass it with -p {name}=VALUE. " + LIST_HINT,
                )
            if not param.default:
                continue
            value = param.default
        term = value if isinstance(value, Identifier) else parse_value(value, type_name=param.type)
        bindings[name] = check_term(query, param, term)
    return bindings


def _known(query: SavedQuery) -> str:
    if not query.params:
        return "this query declares no parameters"
    return "its parameters are: " + ", ".join(param.describe() for param in query.params)


def parse_value(text: str, *, type_name: str = "term") -> Identifier:
    """Read one RDF term written as on the command line (see the module docstring); never fails for text."""
    value = text.strip()
    iri = _IRIREF.fullmatch(value)
    if iri:
        return URIRef(iri.group(1))
    literal = _LITERAL.fullmatch(value)
    if literal:
        return _literal(literal, text)
    if type_name in _BARE and _BARE[type_name].fullmatch(value):
        return Literal(value, datatype=_TYPED[type_name])
    if type_name in ("iri", "term") and _CURIE.fullmatch(value) and value.split(":", 1)[0] in PREFIXES:
        expanded = expand_curie(value)
        if expanded is not None:
            return expanded
    if type_name == "iri" and _ABSOLUTE_IRI.fullmatch(value):
        return URIRef(value)
    return Literal(text)


def _literal(match: re.Match[str], text: str) -> Literal:
    lexical = _ESCAPE.sub(_unescape, match.group("lex"))
    if match.group("lang"):
        return Literal(lexical, lang=match.group("lang"))
    datatype = match.group("dt")
    if match.group("dtcurie"):
        expanded = expand_curie(match.group("dtcurie"))
        if expanded is None:
            raise QueryError(
                f"{text!r}: unknown prefix in the datatype {match.group('dtcurie')}",
                hint="Use a project prefix (xsd:decimal) or a full IRI (^^<http://...>).",
            )
        datatype = str(expanded)
    return Literal(lexical, datatype=URIRef(datatype) if datatype else None)


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1)
    if code[0] in "uU" and len(code) > 1:
        return chr(int(code[1:], 16))
    if code not in _ESCAPES:
        raise QueryError(f"unknown escape \\{code} in a literal", hint='Use \\" \\\\ \\n \\t or \\uXXXX.')
    return _ESCAPES[code]


def check_term(query: SavedQuery, param: Param, term: Identifier) -> Identifier:
    """The term itself if it fits the parameter's type; else a QueryError that says what was expected."""
    problem = _type_problem(param.type, term)
    if problem:
        raise QueryError(
            f"{query.name}: parameter {param.name} expects {problem}, got {_show(term)}; {_known(query)}",
            hint=_TYPE_HINTS.get(param.type, LIST_HINT),
        )
    return term


_TYPE_HINTS = {
    "iri": "Write an IRI as <https://...> or a CURIE such as organisation:current-ai.",
    "string": "Write text bare (-p lang=fr) or quoted with a language tag (-p lang='\"texte\"@fr').",
    "integer": "Write a whole number, such as 3.",
    "decimal": "Write a number, such as 12.5.",
    "boolean": "Write true or false.",
    "date": "Write a date as YYYY-MM-DD.",
}


def _type_problem(type_name: str, term: Identifier) -> str | None:
    if isinstance(term, BNode):
        return "an IRI or a literal (blank nodes cannot be passed)"
    if type_name == "iri":
        return None if isinstance(term, URIRef) else "an IRI"
    if type_name == "term":
        return None
    if not isinstance(term, Literal):
        return f"a literal ({type_name})"
    if getattr(term, "ill_typed", False):
        return f"a well-formed {type_name}"
    if type_name == "string":
        plain = term.datatype is None or term.datatype == XSD.string
        return None if plain else "a string literal"
    if type_name in _TYPED:
        return None if term.datatype == _TYPED[type_name] else f"an xsd:{type_name}"
    return None


def _show(term: Identifier) -> str:
    if isinstance(term, Literal):
        return f"the literal {term.n3()}"
    return f"the IRI <{term}>" if isinstance(term, URIRef) else str(term)
