"""Canonical literals: every literal of ontology/ and data/ written in the form a store gives back.

Oxigraph, like Virtuoso, keeps typed literals by value: `"+1.50"^^xsd:decimal` comes back as `"1.5"`,
`"1"^^xsd:boolean` as `"true"`, an `xsd:nonNegativeInteger` as an `xsd:integer`, `"x"^^xsd:string` as the
plain `"x"` (the same term in RDF 1.1), and a language tag in lower case. The files hold literals in exactly
that form, so that a store, rdflib and a dump loaded anywhere all give back the very terms of the files.

Nothing about the store's rules is written down here: each literal is put into a scratch pyoxigraph Store and
read back (`kept_forms`). A literal is canonical when the store gives it back as written and rdflib reads that
form unchanged too (rdflib writes a few values its own way, such as `"1000"^^xsd:double` as `"1000.0"`).
`pia-kg fmt` writes the store's form (`with_kept_literals`); `pia-kg validate` reports every literal written
otherwise at its line (`non_canonical_literals`), which needs the file's text, not its graph: rdflib's parser
already reads `"012"^^xsd:integer` as `"12"`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import urljoin

from rdflib import Graph, Literal, URIRef

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


class LiteralForm(NamedTuple):
    """A literal exactly as written: lexical form, datatype IRI (None when plain or tagged), language tag."""

    lexical: str
    datatype: str | None = None
    language: str | None = None

    @classmethod
    def of(cls, literal: Literal) -> LiteralForm:
        datatype = str(literal.datatype) if literal.datatype is not None else None
        return cls(str(literal), datatype, literal.language)

    def to_rdflib(self) -> Literal:
        """The rdflib term, with this very lexical form (rdflib would otherwise rewrite some numbers)."""
        datatype = URIRef(self.datatype) if self.datatype is not None else None
        return Literal(self.lexical, lang=self.language, datatype=datatype, normalize=False)


def kept_forms(forms: Iterable[LiteralForm]) -> dict[LiteralForm, LiteralForm]:
    """Each literal as a pyoxigraph Store gives it back, found by storing them all in a scratch store.

    An explicit `xsd:string` comes back plain: pyoxigraph, like RDF 1.1, has no plain literal apart from it.
    """
    import pyoxigraph as ox

    ordered = list(dict.fromkeys(forms))
    scratch = ox.Store()
    predicate = ox.NamedNode("urn:pia-kg:literal")
    scratch.extend(
        ox.Quad(ox.NamedNode(f"urn:pia-kg:literal:{number}"), predicate, _to_oxigraph(form))
        for number, form in enumerate(ordered)
    )
    kept: dict[LiteralForm, LiteralForm] = {}
    for quad in scratch:
        number = int(quad.subject.value.rsplit(":", 1)[1])
        kept[ordered[number]] = _from_oxigraph(quad.object)
    return kept


def _to_oxigraph(form: LiteralForm) -> Any:
    import pyoxigraph as ox

    if form.language is not None:
        return ox.Literal(form.lexical, language=form.language)
    if form.datatype is not None:
        return ox.Literal(form.lexical, datatype=ox.NamedNode(form.datatype))
    return ox.Literal(form.lexical)


def _from_oxigraph(term: Any) -> LiteralForm:
    if term.language:
        return LiteralForm(term.value, None, term.language)
    datatype = term.datatype.value
    return LiteralForm(term.value, None if datatype in (XSD_STRING, _RDF_LANG_STRING) else datatype)


def rdflib_form(form: LiteralForm) -> LiteralForm:
    """The form rdflib keeps when it reads this literal (it rewrites some lexical forms as it parses)."""
    from pia_kg.rdf.parsing import _silence_rdflib_literal_warnings

    _silence_rdflib_literal_warnings()  # an ill-typed literal is kept as written, and reported elsewhere
    datatype = URIRef(form.datatype) if form.datatype is not None else None
    return LiteralForm.of(Literal(form.lexical, lang=form.language, datatype=datatype))


def with_kept_literals(graph: Graph) -> Graph:
    """A copy of `graph` with every literal in the form the store keeps (two that it keeps as one merge)."""
    literals = {LiteralForm.of(o) for o in graph.objects() if isinstance(o, Literal)}
    kept = kept_forms(literals)
    copy = Graph(bind_namespaces="none")
    for s, p, o in graph:
        copy.add((s, p, kept[LiteralForm.of(o)].to_rdflib() if isinstance(o, Literal) else o))
    return copy


# ---------------------------------------------------------------- literals as a Turtle file writes them


class WrittenLiteral(NamedTuple):
    """A literal of a Turtle text: its form as written, its 1-based line and its text there."""

    form: LiteralForm
    line: int
    source: str


@dataclass(frozen=True)
class NonCanonicalLiteral:
    """A literal not written in the form the store keeps; `rdflib_reads` is set when rdflib would read the
    store's form otherwise, so that no way of writing this value reads the same in both."""

    written: WrittenLiteral
    kept: LiteralForm
    rdflib_reads: LiteralForm | None = None


def non_canonical_literals(text: str) -> list[NonCanonicalLiteral]:
    """The literals of a Turtle (or N-Triples) text that are not in canonical form, in file order."""
    # a plain string is kept and read as written, whatever its escapes: only typed and tagged ones can differ
    written = list(scan_literals(text, typed_only=True))
    kept = kept_forms(item.form for item in written)
    reads: dict[LiteralForm, LiteralForm] = {}
    found = []
    for item in written:
        form = kept[item.form]
        read = reads.get(form)
        if read is None:
            read = reads[form] = rdflib_form(form)
        if item.form != form or read != form:
            found.append(NonCanonicalLiteral(item, form, read if read != form else None))
    return found


_NAME_CHAR = r"""[^\s<>"'#;,()\[\]{}^\\.]"""
_NAME_REST = rf"{_NAME_CHAR}*+(?:(?:\\.|\.(?={_NAME_CHAR})){_NAME_CHAR}*+)*+"  # escapes, inner dots
_NAME = rf"(?:{_NAME_CHAR}|\\.){_NAME_REST}"
_IRI = r"<[^<>\"{}|^`\\\x00-\x20]*+>"
# a name that is not a number or a boolean: its first character is neither a digit nor a sign
_WORD = rf"(?!(?:true|false)(?!{_NAME_CHAR}))[A-Za-z_:@\u00c0-\U000effff]{_NAME_REST}"
_STRING = (  # the four Turtle strings; a long one may end with one or two quotes of its own
    r'"""[^"\\]*+(?:(?:\\.|"(?!""))[^"\\]*+)*+"{0,2}"""'
    r"|'''[^'\\]*+(?:(?:\\.|'(?!''))[^'\\]*+)*+'{0,2}'''"
    r'|"[^"\\\n\r]*+(?:\\.[^"\\\n\r]*+)*+"'
    r"|'[^'\\\n\r]*+(?:\\.[^'\\\n\r]*+)*+'"
)
_TOKEN = re.compile(
    # everything that holds no literal, in one token: white space, comments, IRIs, names, punctuation
    rf"(?P<skip>(?:\s++|#[^\n]*+|{_IRI}|{_WORD}|[;,()\[\]{{}}]|\.(?![0-9]))++)"
    rf"|(?P<string>{_STRING})"
    r"(?:\s*@(?P<language>[A-Za-z]+(?:-[A-Za-z0-9]+)*)"
    rf"|\s*\^\^\s*(?P<datatype>{_IRI}|{_NAME}))?"
    r"|(?P<number>[+-]?(?:[0-9]+\.[0-9]*[eE][+-]?[0-9]+|\.[0-9]+[eE][+-]?[0-9]+|[0-9]+[eE][+-]?[0-9]+"
    r"|[0-9]*\.[0-9]+|[0-9]+))"
    rf"|(?P<boolean>(?:true|false)(?!{_NAME_CHAR}))|(?P<name>{_NAME})|(?P<other>.)",
    re.DOTALL,
)
_XSD = "http://www.w3.org/2001/XMLSchema#"
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)
_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def scan_literals(text: str, *, typed_only: bool = False) -> Iterator[WrittenLiteral]:
    """Every literal of a Turtle text with its line, read from the text itself: strings (with their language
    tag or datatype), numbers and booleans. Comments, IRIs and names are skipped whole, so that a digit in
    `ex:a1` or a number inside a string is never taken for a literal. The text is expected to parse.
    `typed_only` leaves out the plain strings (no language tag, no datatype)."""
    from pia_kg.rdf.parsing import read_prefixes

    prefixes = read_prefixes(text)
    base = re.search(r"^\s*(?:@base|BASE)\s+<([^>]*)>", text, re.IGNORECASE | re.MULTILINE)
    line, counted = 1, 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup if match.group("string") is None else "string"
        if kind in ("skip", "name", "other"):
            continue
        if typed_only and kind == "string" and match.group("language") is match.group("datatype") is None:
            continue
        line += text.count("\n", counted, match.start())
        counted = match.start()
        if kind == "string":
            form = _string_form(match, prefixes, base.group(1) if base else None)
            if form is not None:
                yield WrittenLiteral(form, line, match.group())
        elif kind == "number":
            yield WrittenLiteral(LiteralForm(match.group(), _number_type(match.group())), line, match.group())
        else:
            yield WrittenLiteral(LiteralForm(match.group(), _XSD + "boolean"), line, match.group())


def _string_form(match: re.Match[str], prefixes: dict[str, str], base: str | None) -> LiteralForm | None:
    quoted = match.group("string")
    quote = 3 if quoted[:3] in ('"""', "'''") else 1
    lexical = _unescape(quoted[quote:-quote])
    language, datatype = match.group("language"), match.group("datatype")
    if language is not None:
        return LiteralForm(lexical, None, language)
    if datatype is None:
        return LiteralForm(lexical)
    if datatype.startswith("<"):
        iri = _unescape(datatype[1:-1])
        return LiteralForm(lexical, urljoin(base, iri) if base and ":" not in iri else iri)
    prefix, _, local = datatype.partition(":")
    namespace = prefixes.get(prefix)
    if namespace is None:
        return None  # not a name the parser would accept: the file does not load anyway
    return LiteralForm(lexical, namespace + re.sub(r"\\(.)", r"\1", local))


def _unescape(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        code = match.group(1) or match.group(2)
        if code is not None:
            return chr(int(code, 16))
        return _ECHAR.get(match.group(3), match.group())

    return _ESCAPE.sub(replace, text) if "\\" in text else text


def _number_type(token: str) -> str:
    if "e" in token or "E" in token:
        return _XSD + "double"
    return _XSD + ("decimal" if "." in token else "integer")
