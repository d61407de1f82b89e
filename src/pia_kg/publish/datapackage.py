"""A tabular Frictionless Data Package of the graph: CSV tables and their `datapackage.json`.

For readers who work in spreadsheets, notebooks or OpenRefine rather than SPARQL: one CSV table per kind of
resource (organisations, people, posts, agreements and their parties, funding commitments, programmes,
memberships, events, statements...), each row with the resource's IRI and its source document, labels in
English and French as columns, and `datapackage.json` with typed fields, primary keys, foreign keys between
the tables, the licence and the source documents.

One mapping (`TABLES`) says which column holds which property path. The same mapping writes the SELECT that
fills a table, the CONSTRUCT of the facts the table holds (`covered_facts`) and the way back from the CSV to
RDF (`package_to_rdf`), so a round trip can be checked fact for fact. A value the graph does not hold is an
empty cell; a property that would need two values in one cell stops the export with an error rather than
dropping one. Rows are sorted by their key and every file is written in UTF-8 with CRLF line ends (RFC 4180),
so the same graph gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from pia_kg import __version__
from pia_kg.errors import DataError
from pia_kg.publish.dataset_description import DATASET, DESCRIPTIONS, TITLES, Dump
from pia_kg.publish.export import replace_folder
from pia_kg.rdf.namespaces import (
    DCTERMS,
    OA,
    ORG,
    PIA,
    PROV,
    RDF,
    SCHEMA,
    SKOS,
    XSD,
    compact_iri,
)
from pia_kg.rdf.terms import to_rdflib
from pia_kg.sparql.engine import raw_answer

PACKAGE_FILE = "datapackage.json"
PACKAGE_NAME = "pia-kg"
# The Tabular Data Package profile the descriptor follows (Data Package v1)
PROFILE = "tabular-data-package"
PROFILE_URL = "https://specs.frictionlessdata.io/tabular-data-package/"
DATE_TYPES = ("gYear", "gYearMonth", "date", "dateTime")

# kinds of column: what the cell holds and how it turns back into an RDF term
IRI = "iri"  # an IRI, written in full
STRING = "string"  # a literal without language (xsd:string)
TEXT = "text"  # a literal with a language; its tag goes in the column `<name>_lang`
DATED = "dated"  # xsd:gYear, gYearMonth, date or dateTime; the datatype goes in `<name>_precision`
INTEGER = "integer"
DECIMAL = "decimal"
BOOLEAN = "boolean"
_DATATYPES = {INTEGER: XSD.integer, DECIMAL: XSD.decimal, BOOLEAN: XSD.boolean}
_FIELD_TYPES = {INTEGER: "integer", DECIMAL: "number", BOOLEAN: "boolean"}


@dataclass(frozen=True)
class Step:
    """One step of a property path: the predicate, read backwards if `inverse`; `node_type` is the class
    the node it reaches must have (the blank node of an amount, an attribution, an evidence or a selector)."""

    predicate: URIRef
    inverse: bool = False
    node_type: URIRef | None = None


@dataclass(frozen=True)
class Column:
    """A column: its name, the path from the row's subject to its value, the kind of value, the language
    of a label column, the table whose `iri` it refers to and a SPARQL condition on `?value`."""

    name: str
    path: tuple[Step, ...]
    kind: str
    description: str
    lang: str | None = None
    references: str | None = None
    where: str = ""
    required: bool = False  # the row exists only with this value (the value column of a link table)
    empty_is_value: bool = False  # an empty cell is the empty string, not a missing value

    @property
    def is_subject(self) -> bool:
        return not self.path

    def field_names(self) -> tuple[str, ...]:
        if self.kind == TEXT:
            return (self.name, f"{self.name}_lang")
        if self.kind == DATED:
            return (self.name, f"{self.name}_precision")
        return (self.name,)


@dataclass(frozen=True)
class Table:
    """One CSV table: the resources it lists (`anchor`, a pattern that binds ?s), its columns and key.

    `row_path` leads from the subject to the node that a row stands for, when there can be several per
    subject (the evidence of a fact)."""

    name: str
    title: str
    description: str
    anchor: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ("iri",)
    row_path: tuple[Step, ...] = ()

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"

    def field_names(self) -> tuple[str, ...]:
        return tuple(name for column in self.columns for name in column.field_names())


# ---- the mapping ----------------------------------------------------------------------------------------


def _of_class(root: URIRef) -> str:
    return f"{{ SELECT DISTINCT ?s WHERE {{ ?s a/rdfs:subClassOf* <{root}> }} }}"


def _subject(name: str, description: str) -> Column:
    return Column(name, (), IRI, description)


def _type(root: URIRef) -> Column:
    return Column(
        "type",
        (Step(RDF.type),),
        IRI,
        f"Its class: {compact_iri(str(root))} or a subclass",
        where=f"?value rdfs:subClassOf* <{root}> .",
    )


def _labels(
    predicate: URIRef = SKOS.prefLabel, name: str = "label", what: str = "Label"
) -> tuple[Column, ...]:
    return tuple(
        Column(f"{name}_{lang}", (Step(predicate),), STRING, f"{what} in {word}", lang=lang)
        for lang, word in (("en", "English"), ("fr", "French"))
    )


def _link(name: str, predicate: URIRef, description: str, references: str | None = None) -> Column:
    return Column(name, (Step(predicate),), IRI, description, references=references)


def _source() -> Column:
    return _link("source", PROV.wasDerivedFrom, "The document the facts of this row come from", "documents")


def _notes() -> tuple[Column, ...]:
    return _labels(SKOS.editorialNote, "note", "The curators' note")


def _dated(name: str, predicate: URIRef, description: str) -> Column:
    return Column(name, (Step(predicate),), DATED, description)


def _basis(name: str, predicate: URIRef, description: str) -> Column:
    return _link(name, predicate, description, "concepts")


AMOUNT = Step(SCHEMA.amount, node_type=SCHEMA.MonetaryAmount)
ATTRIBUTION = Step(PROV.qualifiedAttribution, node_type=PROV.Attribution)
EVIDENCE = Step(PIA.evidence, node_type=OA.SpecificResource)
POSITION = Step(OA.hasSelector, node_type=OA.TextPositionSelector)
QUOTE = Step(OA.hasSelector, node_type=OA.TextQuoteSelector)

TABLES: tuple[Table, ...] = (
    Table(
        "documents",
        "Source documents",
        "The documents every fact comes from; their texts are found by file name and checked by sha256.",
        _of_class(PIA.SourceDocument),
        (
            _subject("iri", "The document's IRI"),
            _type(PIA.SourceDocument),
            *_labels(),
            _dated("date", DCTERMS.date, "Its date, at the precision the text gives"),
            _basis("date_basis", PIA.dateBasis, "How the date was found"),
            Column("language", (Step(SCHEMA.inLanguage),), STRING, "The language of the text (BCP 47)"),
            Column("sha256", (Step(PIA.sha256),), STRING, "sha256 of the text (UTF-8)"),
            Column("file_name", (Step(PIA.sourceFileName),), STRING, "The text's file name"),
            *_notes(),
        ),
    ),
    Table(
        "organisations",
        "Organisations",
        "Partnerships, their bodies, governments and funders.",
        _of_class(PIA.Organisation),
        (
            _subject("iri", "The organisation's IRI"),
            _type(PIA.Organisation),
            *_labels(),
            *_labels(DCTERMS.description, "description", "Description"),
            _link("jurisdiction", PIA.jurisdiction, "The place whose government it is", "places"),
            _link("part_of", ORG.subOrganizationOf, "The organisation it is part of", "organisations"),
            _link("launched_at", PIA.launchedAt, "The event at which it was launched", "events"),
            _link("purpose", PIA.purpose, "Its purpose, a theme", "concepts"),
            *_notes(),
            _source(),
        ),
    ),
    Table(
        "places",
        "Places",
        "Countries, regions and cities: the jurisdictions, locations and coverage of the facts.",
        _of_class(PIA.Place),
        (_subject("iri", "The place's IRI"), _type(PIA.Place), *_labels(), *_notes(), _source()),
    ),
    Table(
        "people",
        "People",
        "People named by the sources, by the name the source gives.",
        _of_class(PIA.Person),
        (
            _subject("iri", "The person's IRI"),
            _type(PIA.Person),
            Column("name", (Step(SCHEMA.name),), STRING, "The name as the source writes it"),
            *_notes(),
            _source(),
        ),
    ),
    Table(
        "posts",
        "Posts",
        "The posts the sources say people hold, in which organisation and with which role.",
        _of_class(ORG.Post),
        (
            _subject("iri", "The post's IRI"),
            _type(ORG.Post),
            *_labels(),
            _link("held_by", ORG.heldBy, "The person who holds it", "people"),
            _link("post_in", ORG.postIn, "The organisation it is in", "organisations"),
            _link("role", ORG.role, "Its role", "concepts"),
            _basis("organisation_basis", PIA.agentBasis, "How its organisation was found"),
            _dated("attested_on", PIA.attestedOn, "When the source attests it"),
            *_notes(),
            _source(),
        ),
    ),
    Table(
        "agreements",
        "Agreements",
        "Agreements (memoranda of understanding...); their parties are in agreement_parties.",
        _of_class(PIA.Agreement),
        (
            _subject("iri", "The agreement's IRI"),
            _type(PIA.Agreement),
            *_labels(),
            _dated("date", DCTERMS.date, "Its date, at the precision the source gives"),
            _basis("date_basis", PIA.dateBasis, "How the date was found"),
            _link("status", PIA.status, "Its status according to the source", "concepts"),
            _link("spatial", DCTERMS.spatial, "The place it covers", "places"),
            _link("announced_at", PIA.announcedAt, "The event where it was announced", "events"),
            _link("announced_by", PIA.announcedBy, "Who announced it", "organisations"),
            _link("purpose", PIA.purpose, "Its purpose, a theme", "concepts"),
            _link(
                "supported_by", PIA.supportedBy, "The funding commitment that backs it", "funding_commitments"
            ),
            *_notes(),
            _source(),
        ),
    ),
    Table(
        "agreement_parties",
        "Parties to agreements",
        "One row per party to an agreement: the acting organisation, and the party as the source names it.",
        _of_class(PIA.AgreementParty),
        (
            _subject("iri", "The party's IRI"),
            _type(PIA.AgreementParty),
            Column(
                "agreement",
                (Step(PIA.hasParty, inverse=True),),
                IRI,
                "The agreement it is a party to",
                references="agreements",
            ),
            _link("agent", PIA.agent, "The acting organisation", "organisations"),
            _basis("agent_basis", PIA.agentBasis, "How the acting organisation was found"),
            _link("role", ORG.role, "Its role in the agreement", "concepts"),
            Column("party_as_stated", (Step(PIA.partyAsStated),), TEXT, "The party in the source's words"),
            *_notes(),
            _source(),
        ),
    ),
    Table(
        "funding_commitments",
        "Funding commitments",
        "Who pledged how much to whom; the funders are in funding_funders, what it supports in "
        "funding_programmes. An amount the source does not give is empty.",
        _of_class(PIA.FundingCommitment),
        (
            _subject("iri", "The commitment's IRI"),
            _type(PIA.FundingCommitment),
            *_labels(),
            _link("commitment_kind", PIA.commitmentKind, "The kind of commitment", "concepts"),
            _link("recipient", PIA.recipient, "Who receives it", "organisations"),
            _link("status", PIA.status, "Its status according to the source", "concepts"),
            _dated("attested_on", PIA.attestedOn, "When the source attests it"),
            Column("amount", (AMOUNT, Step(SCHEMA.value)), DECIMAL, "The amount, as the source states it"),
            Column("currency", (AMOUNT, Step(SCHEMA.currency)), STRING, "The currency the source states"),
            Column(
                "assumed_currency",
                (AMOUNT, Step(PIA.assumedCurrency)),
                STRING,
                "The currency the curators assume where the source is not explicit (ISO 4217)",
            ),
            Column(
                "currency_as_stated",
                (AMOUNT, Step(PIA.currencyAsStated)),
                TEXT,
                "The currency in the source's words",
            ),
            Column(
                "currency_basis",
                (AMOUNT, Step(PIA.currencyBasis)),
                IRI,
                "How the currency was found",
                references="concepts",
            ),
            Column(
                "funders_complete", (Step(PIA.fundersComplete),), BOOLEAN, "Whether all funders are named"
            ),
            *_labels(PIA.unnamedFunders, "unnamed_funders", "The funders the source does not name"),
            *_notes(),
            _source(),
        ),
    ),
    Table(
        "funding_funders",
        "Funders of funding commitments",
        "One row per named funder of a funding commitment.",
        _of_class(PIA.FundingCommitment),
        (
            _subject("funding", "The funding commitment"),
            Column(
                "funder",
                (Step(SCHEMA.funder),),
                IRI,
                "A named funder",
                references="organisations",
                required=True,
            ),
        ),
        key=("funding", "funder"),
    ),
    Table(
        "funding_programmes",
        "Programmes supported by funding commitments",
        "One row per programme that a funding commitment supports.",
        _of_class(PIA.FundingCommitment),
        (
            _subject("funding", "The funding commitment"),
            Column(
                "programme",
                (Step(PIA.supports),),
                IRI,
                "A programme it supports",
                references="programmes",
                required=True,
            ),
        ),
        key=("funding", "programme"),
    ),
    Table(
        "programmes",
        "Programmes",
        "Programmes and who runs them; their aims are in programme_aims.",
        _of_class(PIA.Programme),
        (
            _subject("iri", "The programme's IRI"),
            _type(PIA.Programme),
            *_labels(),
            _link("run_by", PIA.runBy, "The organisation that runs it", "organisations"),
            _link("theme", DCTERMS.subject, "Its field, a theme", "concepts"),
            *_notes(),
            _source(),
        ),
    ),
    Table(
        "programme_aims",
        "Aims of programmes",
        "One row per aim of a programme, in each language the graph holds it.",
        _of_class(PIA.Programme),
        (
            _subject("programme", "The programme"),
            Column("aim", (Step(PIA.aim),), TEXT, "An aim", required=True),
        ),
        key=("programme", "aim", "aim_lang"),
    ),
    Table(
        "memberships",
        "Memberships",
        "One row per member, organisation, role and period.",
        _of_class(ORG.Membership),
        (
            _subject("iri", "The membership's IRI"),
            _type(ORG.Membership),
            _link("member", ORG.member, "The member", "organisations"),
            _link("organisation", ORG.organization, "The organisation it is a member of", "organisations"),
            _link("role", ORG.role, "Its role", "concepts"),
            _dated("start_date", SCHEMA.startDate, "When it starts, at the precision the source gives"),
            _basis("date_basis", PIA.dateBasis, "How the date was found"),
            _link("status", PIA.status, "Its status according to the source", "concepts"),
            _dated("attested_on", PIA.attestedOn, "When the source attests it"),
            *_notes(),
            _source(),
        ),
    ),
    Table(
        "events",
        "Events",
        "Summits, conferences, launches and assemblies, dated at the precision of the source.",
        _of_class(PIA.Event),
        (
            _subject("iri", "The event's IRI"),
            _type(PIA.Event),
            *_labels(),
            _dated("start_date", SCHEMA.startDate, "When it starts, at the precision the source gives"),
            _basis("date_basis", PIA.dateBasis, "How the date was found"),
            _link("status", PIA.status, "Its status according to the source", "concepts"),
            _link("location", SCHEMA.location, "Where it takes place", "places"),
            _link("organizer", SCHEMA.organizer, "Who organises it", "organisations"),
            _link("attendee", SCHEMA.attendee, "Who attends it", "organisations"),
            _link("about", SCHEMA.about, "What it is about"),
            _link("super_event", SCHEMA.superEvent, "The event it is part of", "events"),
            _link("sub_event", SCHEMA.subEvent, "An event that is part of it", "events"),
            *_notes(),
            _source(),
        ),
    ),
    Table(
        "statements",
        "Statements",
        "Quoted statements, verbatim, with the speaker the source names or, where it names none, a "
        "candidate speaker; the spans of the quote (code-point offsets in the source text) are the rows "
        "of evidence whose subject is the statement.",
        _of_class(PIA.Statement),
        (
            _subject("iri", "The statement's IRI"),
            _type(PIA.Statement),
            Column("text", (Step(SCHEMA.text),), TEXT, "The quote, verbatim; split spans joined by ' […] '"),
            Column("language", (Step(SCHEMA.inLanguage),), STRING, "The language of the quote (BCP 47)"),
            _dated("date", DCTERMS.date, "When it was said, at the precision the source gives"),
            _basis("date_basis", PIA.dateBasis, "How the date was found"),
            _link("speaker", PROV.wasAttributedTo, "The speaker the source names", "people"),
            Column(
                "attributed_agent",
                (ATTRIBUTION, Step(PROV.agent)),
                IRI,
                "The agent of its qualified attribution",
                references="people",
            ),
            Column(
                "speaker_post",
                (ATTRIBUTION, Step(PIA.inCapacity)),
                IRI,
                "The post in which the speaker said it",
                references="posts",
            ),
            _link(
                "candidate_speaker",
                PIA.candidateSpeaker,
                "A possible speaker, where the source names none",
                "people",
            ),
            _basis("attribution_basis", PIA.attributionBasis, "How the speaker was found"),
            _link("document", PROV.wasQuotedFrom, "The document it is quoted from", "documents"),
            *_notes(),
            _source(),
        ),
    ),
    Table(
        "statement_themes",
        "Themes of statements",
        "One row per theme a statement is about.",
        _of_class(PIA.Statement),
        (
            _subject("statement", "The statement"),
            Column(
                "theme",
                (Step(DCTERMS.subject),),
                IRI,
                "A theme it is about",
                references="concepts",
                required=True,
            ),
        ),
        key=("statement", "theme"),
    ),
    Table(
        "evidence",
        "Evidence",
        "The spans of source text that support each resource: start and end count Unicode code points "
        "in the source text, end excluded; exact is the text between them.",
        "{ SELECT DISTINCT ?s WHERE { ?s pia:evidence ?evidence } }",
        (
            _subject("subject", "The resource the span supports (a row of another table)"),
            Column(
                "document",
                (EVIDENCE, Step(OA.hasSource)),
                IRI,
                "The source document",
                references="documents",
            ),
            Column("start", (EVIDENCE, POSITION, Step(OA.start)), INTEGER, "First code point of the span"),
            Column("end", (EVIDENCE, POSITION, Step(OA.end)), INTEGER, "Code point after the span"),
            Column("exact", (EVIDENCE, QUOTE, Step(OA.exact)), STRING, "The span's text, verbatim"),
            Column(
                "prefix",
                (EVIDENCE, QUOTE, Step(OA.prefix)),
                STRING,
                "The text just before the span",
                empty_is_value=True,
            ),
            Column(
                "suffix",
                (EVIDENCE, QUOTE, Step(OA.suffix)),
                STRING,
                "The text just after the span",
                empty_is_value=True,
            ),
        ),
        key=("subject", "document", "start", "end"),
        row_path=(EVIDENCE,),
    ),
    Table(
        "concepts",
        "Concepts",
        "The project's controlled vocabularies (statuses, roles, evidence bases, kinds, themes).",
        "{ SELECT DISTINCT ?s WHERE { ?s skos:inScheme ?scheme } }",
        (
            _subject("iri", "The concept's IRI"),
            _type(SKOS.Concept),
            _link("scheme", SKOS.inScheme, "Its concept scheme"),
            *_labels(),
            *_labels(SKOS.definition, "definition", "Definition"),
        ),
    ),
)


# ---- SPARQL from the mapping ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pattern:
    """A table's WHERE body, the CONSTRUCT template of the facts it holds and each column's variable."""

    body: str
    template: str
    variables: dict[str, str]


def _pattern(table: Table) -> _Pattern:
    """The SPARQL of a table: the anchor binds ?s, the row path and required columns must match, every
    other column is an OPTIONAL of its own; intermediate nodes are shared by path prefix."""
    nodes: dict[tuple[Step, ...], str] = {(): "?s"}

    def node(prefix: tuple[Step, ...]) -> str:
        return nodes.setdefault(prefix, f"?n{len(nodes)}")

    def triples(path: tuple[Step, ...], end: str) -> list[str]:
        found = []
        for index, step in enumerate(path):
            start = node(path[:index])
            target = end if index == len(path) - 1 else node(path[: index + 1])
            subject, obj = (target, start) if step.inverse else (start, target)
            found.append(f"{subject} <{step.predicate}> {obj} .")
            if step.node_type is not None and index < len(path) - 1:
                found.append(f"{target} a <{step.node_type}> .")
        return found

    row = triples(table.row_path, node(table.row_path)) if table.row_path else []
    if table.row_path:
        row.append(f"{node(table.row_path)} a <{table.row_path[-1].node_type}> .")
    body = [table.anchor, *row]
    template = list(row)
    variables: dict[str, str] = {}
    for column in table.columns:
        if column.is_subject:
            variables[column.name] = "?s"
            continue
        variable = variables[column.name] = f"?v_{column.name}"
        found = triples(column.path, variable)
        template.extend(found)
        conditions = [column.where.replace("?value", variable)] if column.where else []
        if column.lang is not None:
            conditions.append(f'FILTER (lang({variable}) = "{column.lang}")')
        group = " ".join(found + conditions)
        body.append(group if column.required else f"OPTIONAL {{ {group} }}")
    return _Pattern("\n".join(body), "\n".join(template), variables)


def select_text(table: Table) -> str:
    """The SELECT that fills `table` (its rows before they are checked, keyed and sorted)."""
    return f"SELECT * WHERE {{\n{_pattern(table).body}\n}}"


# ---- writing the tables ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableData:
    """A table's rows, as the CSV cells, sorted by key."""

    table: Table
    rows: tuple[tuple[str, ...], ...]

    def csv_bytes(self) -> bytes:
        """RFC 4180: a header line, CRLF line ends, fields quoted only where they must be; UTF-8."""
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(self.table.field_names())
        writer.writerows(self.rows)
        return buffer.getvalue().encode("utf-8")


def read_tables(store: Any) -> list[TableData]:
    """Every table of TABLES, read from a pyoxigraph store that holds the ontology and the data."""
    return [_read_table(store, table) for table in TABLES]


def _read_table(store: Any, table: Table) -> TableData:
    pattern = _pattern(table)
    names = table.field_names()
    key_index = [names.index(name) for name in table.key]
    rows: dict[tuple[str, ...], tuple[str, ...]] = {}
    for solution in raw_answer(store, select_text(table), None):
        subject = solution["s"]
        cells: list[str] = []
        for column in table.columns:
            term = solution[pattern.variables[column.name].lstrip("?")]
            cells.extend(_cells(table, column, term, subject))
        row = tuple(cells)
        key = tuple(row[index] for index in key_index)
        held = rows.setdefault(key, row)
        if held != row:
            raise _two_values(table, names, held, row)
    integers = [index for index, name in enumerate(table.key) if _kind_of(table, name) == INTEGER]

    def order(key: tuple[str, ...]) -> tuple[tuple[int, str], ...]:
        return tuple((int(cell) if index in integers and cell else 0, cell) for index, cell in enumerate(key))

    return TableData(table, tuple(rows[key] for key in sorted(rows, key=order)))


def _kind_of(table: Table, name: str) -> str:
    """The kind of the column that field `name` belongs to (a `_lang` or `_precision` field: STRING)."""
    return next((column.kind for column in table.columns if name == column.name), STRING)


def _two_values(
    table: Table, names: tuple[str, ...], held: tuple[str, ...], row: tuple[str, ...]
) -> DataError:
    differ = [name for name, one, other in zip(names, held, row, strict=True) if one != other]
    return DataError(
        f"table {table.name}: {held[0]} has more than one value for {', '.join(differ)} "
        f"({' / '.join(repr(held[names.index(name)]) for name in differ)} and "
        f"{' / '.join(repr(row[names.index(name)]) for name in differ)})",
        hint="A cell holds one value: keep one in the data, or give the property a table of its own "
        "in pia_kg.datapackage.TABLES.",
    )


def _cells(table: Table, column: Column, term: Any, subject: Any) -> tuple[str, ...]:
    """The CSV cells of one value, after checking that it is the kind of term the column holds."""
    import pyoxigraph as ox

    if term is None:
        if column.empty_is_value:
            raise _misfit(table, column, subject, "no value", "an empty cell would mean the empty string")
        return ("",) * len(column.field_names())
    if column.kind == IRI:
        if not isinstance(term, ox.NamedNode):
            raise _misfit(table, column, subject, str(term), "the column holds IRIs")
        return (term.value,)
    if not isinstance(term, ox.Literal):
        raise _misfit(table, column, subject, str(term), "the column holds literals")
    datatype = term.datatype.value
    if column.kind == TEXT:
        if term.language is None and datatype != str(XSD.string):
            raise _misfit(table, column, subject, str(term), "the column holds text")
        return (term.value, term.language or "")
    if column.kind == DATED:
        precision = datatype.removeprefix(str(XSD))
        if precision not in DATE_TYPES or not datatype.startswith(str(XSD)):
            raise _misfit(
                table, column, subject, str(term), f"the column holds xsd:{', xsd:'.join(DATE_TYPES)}"
            )
        return (term.value, precision)
    if column.kind == STRING:
        if (term.language or None) != column.lang or (column.lang is None and datatype != str(XSD.string)):
            wanted = f"text in @{column.lang}" if column.lang else "plain strings"
            raise _misfit(table, column, subject, str(term), f"the column holds {wanted}")
        return (term.value,)
    if datatype != str(_DATATYPES[column.kind]):
        raise _misfit(
            table, column, subject, str(term), f"the column holds {compact_iri(str(_DATATYPES[column.kind]))}"
        )
    return (term.value,)


def _misfit(table: Table, column: Column, subject: Any, found: str, why: str) -> DataError:
    return DataError(
        f"table {table.name}, column {column.name}: {subject} has {found} for {_path_text(column)}; {why}",
        hint="Fix the value in the data (pia-kg validate names its file and line).",
    )


def _path_text(column: Column) -> str:
    steps = [("^" if step.inverse else "") + compact_iri(str(step.predicate)) for step in column.path]
    return "/".join(steps) + (f" @{column.lang}" if column.lang else "")


# ---- datapackage.json -----------------------------------------------------------------------------------


def descriptor(store: Any, tables: list[TableData], files: Mapping[str, bytes]) -> dict[str, Any]:
    """The Tabular Data Package descriptor: name, title, version, licences and sources from the graph,
    one resource per table with its schema, primary key and foreign keys, bytes and sha256."""
    import hashlib

    documents = next(data for data in tables if data.table.name == "documents")
    return {
        "profile": PROFILE,
        "name": PACKAGE_NAME,
        "id": str(DATASET),
        "title": TITLES["en"],
        "description": DESCRIPTIONS["en"],
        "version": __version__,
        "licenses": [{"path": licence} for licence in licences(store)],
        "sources": _sources(documents),
        "resources": [
            {
                "name": data.table.name,
                "path": data.table.file_name,
                "profile": "tabular-data-resource",
                "title": data.table.title,
                "description": data.table.description,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": len(files[data.table.file_name]),
                "hash": "sha256:" + hashlib.sha256(files[data.table.file_name]).hexdigest(),
                "schema": _schema(data.table),
            }
            for data in tables
        ],
    }


def licences(store: Any) -> list[str]:
    """The licences the ontology states for the data (dcterms:license on the owl:Ontology), sorted."""
    text = (
        "SELECT DISTINCT ?licence WHERE { ?ontology a owl:Ontology ; dcterms:license ?licence "
        "FILTER isIRI(?licence) }"
    )
    return sorted(solution["licence"].value for solution in raw_answer(store, text, None))


def _sources(documents: TableData) -> list[dict[str, str]]:
    names = documents.table.field_names()
    found = []
    for row in documents.rows:
        cells = dict(zip(names, row, strict=True))
        found.append({"title": cells["label_en"] or cells["label_fr"] or cells["iri"], "path": cells["iri"]})
    return found


def _schema(table: Table) -> dict[str, Any]:
    fields: list[dict[str, Any]] = []
    foreign_keys: list[dict[str, Any]] = []
    for column in table.columns:
        fields.extend(_fields(table, column))
        if column.references is not None:
            target = "" if column.references == table.name else column.references
            foreign_keys.append({"fields": column.name, "reference": {"resource": target, "fields": "iri"}})
    schema: dict[str, Any] = {"fields": fields, "missingValues": [""], "primaryKey": list(table.key)}
    if foreign_keys:
        schema["foreignKeys"] = foreign_keys
    return schema


def _fields(table: Table, column: Column) -> list[dict[str, Any]]:
    path = (
        f"the IRI of the row's resource (a {table.title.lower()} row)"
        if column.is_subject
        else _path_text(column)
    )
    main: dict[str, Any] = {"name": column.name, "type": _FIELD_TYPES.get(column.kind, "string")}
    if column.kind == IRI:
        main["format"] = "uri"
    if column.kind == BOOLEAN:
        main["trueValues"], main["falseValues"] = ["true"], ["false"]
    main["description"] = f"{column.description}. RDF: {path}"
    constraints: dict[str, Any] = {}
    if column.name in table.key or column.empty_is_value:
        constraints["required"] = True
    if column.empty_is_value:
        main["missingValues"] = []
    if constraints:
        main["constraints"] = constraints
    fields = [main]
    if column.kind == TEXT:
        fields.append(
            {
                "name": f"{column.name}_lang",
                "type": "string",
                "description": f"The language tag of {column.name} (BCP 47); empty for text without one",
            }
        )
    if column.kind == DATED:
        fields.append(
            {
                "name": f"{column.name}_precision",
                "type": "string",
                "description": f"The precision of {column.name}: its XML Schema datatype",
                "constraints": {"enum": list(DATE_TYPES)},
            }
        )
    return fields


def package_files(store: Any) -> dict[str, bytes]:
    """Every file of the package (each table's CSV and datapackage.json) by name, from a pyoxigraph store."""
    tables = read_tables(store)
    files = {data.table.file_name: data.csv_bytes() for data in tables}
    text = json.dumps(descriptor(store, tables, files), ensure_ascii=False, indent=2) + "\n"
    files[PACKAGE_FILE] = text.encode("utf-8")
    return files


def distributions(files: Mapping[str, bytes], *, folder: str) -> tuple[Dump, ...]:
    """The package's files as distributions of the dataset description, `folder` their path in the
    release: each table as text/csv, datapackage.json as JSON that follows the Tabular Data Package."""
    found = []
    for table in TABLES:
        english = f"The table {table.name} of the tabular data package (CSV, UTF-8): {table.description}"
        french = f"La table {table.name} du paquet de données tabulaires (CSV, UTF-8), voir {PACKAGE_FILE}."
        found.append(
            Dump.of(
                f"{folder}/{table.file_name}",
                format_name=f"datapackage-{table.name}",
                media_type="text/csv",
                data=files[table.file_name],
                descriptions=(("en", english), ("fr", french)),
            )
        )
    english = (
        "The descriptor of the tabular data package: its CSV tables, their typed fields, primary and "
        "foreign keys, the licence and the source documents."
    )
    french = (
        "Le descripteur du paquet de données tabulaires : ses tables CSV, leurs champs typés, clés primaires "
        "et étrangères, la licence et les documents sources."
    )
    package = Dump.of(
        f"{folder}/{PACKAGE_FILE}",
        format_name="datapackage",
        media_type="application/json",
        data=files[PACKAGE_FILE],
        descriptions=(("en", english), ("fr", french)),
        conforms_to=PROFILE_URL,
    )
    return (package, *found)


def row_counts(files: Mapping[str, bytes]) -> dict[str, int]:
    """The number of rows of each table of a package (from its files), by table name."""
    return {
        table.name: sum(
            1 for _ in csv.reader(io.StringIO(files[table.file_name].decode("utf-8"), newline=""))
        )
        - 1
        for table in TABLES
    }


def write_package(store: Any, folder: Path) -> dict[str, bytes]:
    """Write the package into `folder`, atomically: a new folder beside it is swapped in, so a failure
    leaves the old one whole. A folder that exists must be a package already, or empty."""
    folder = Path(folder)
    if folder.exists() and not (folder / PACKAGE_FILE).is_file():
        if not folder.is_dir():
            raise DataError(f"{folder}: not a folder", hint="Give -o a folder for the data package.")
        if any(folder.iterdir()):
            raise DataError(
                f"{folder}: not empty and holds no {PACKAGE_FILE}; it would be replaced as a whole",
                hint="Give -o a new or empty folder, or one that holds a data package.",
            )
    files = package_files(store)
    replace_folder(folder, files)
    return files


# ---- the way back: CSV to RDF ---------------------------------------------------------------------------


def package_to_rdf(folder: Path) -> Graph:
    """The facts a package's CSV tables hold, as RDF, by the same mapping that wrote them: each cell
    becomes the triple(s) of its column's path, blank nodes where the path passes through one."""
    graph = Graph()
    for table in TABLES:
        path = Path(folder) / table.file_name
        with path.open(encoding="utf-8", newline="") as stream:
            reader = csv.reader(stream)
            header = tuple(next(reader, ()))
            if header != table.field_names():
                raise DataError(
                    f"{path}: the header is not {', '.join(table.field_names())}",
                    hint="Read a package written by pia-kg export -f datapackage.",
                )
            for cells in reader:
                _add_row(graph, table, dict(zip(header, cells, strict=True)))
    return graph


def _add_row(graph: Graph, table: Table, row: Mapping[str, str]) -> None:
    subject = next(URIRef(row[column.name]) for column in table.columns if column.is_subject)
    nodes: dict[tuple[Step, ...], Node] = {(): subject}

    def node(prefix: tuple[Step, ...]) -> Node:
        if prefix not in nodes:
            made = nodes[prefix] = BNode()
            _add_step(graph, node(prefix[:-1]), prefix[-1], made)
            if prefix[-1].node_type is not None:
                graph.add((made, RDF.type, prefix[-1].node_type))
        return nodes[prefix]

    if table.row_path:
        node(table.row_path)
    for column in table.columns:
        term = None if column.is_subject else _term(column, row)
        if term is not None:
            _add_step(graph, node(column.path[:-1]), column.path[-1], term)


def _add_step(graph: Graph, start: Node, step: Step, end: Node) -> None:
    graph.add((end, step.predicate, start) if step.inverse else (start, step.predicate, end))


def _term(column: Column, row: Mapping[str, str]) -> Node | None:
    cell = row[column.name]
    if cell == "" and not column.empty_is_value:
        return None
    if column.kind == IRI:
        return URIRef(cell)
    if column.kind == STRING:
        return Literal(cell, lang=column.lang)
    if column.kind == TEXT:
        return Literal(cell, lang=row[f"{column.name}_lang"] or None)
    if column.kind == DATED:
        return Literal(cell, datatype=XSD[row[f"{column.name}_precision"]])
    return Literal(cell, datatype=_DATATYPES[column.kind])


def covered_facts(store: Any) -> Graph:
    """The facts of the store that the tables hold: the CONSTRUCT of each table's paths, as rdflib."""
    graph = Graph()
    for table in TABLES:
        pattern = _pattern(table)
        text = f"CONSTRUCT {{\n{pattern.template}\n}} WHERE {{\n{pattern.body}\n}}"
        for triple in raw_answer(store, text, None):
            graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
    return graph


def data_facts(store: Any) -> Iterator[tuple[Node, Node, Node]]:
    """Every triple of the store's data files (not the ontology), as rdflib terms."""
    text = (
        'SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER (STRSTARTS(STR(?g), "urn:pia-kg:file:data/")) }'
    )
    for solution in raw_answer(store, text, None):
        yield to_rdflib(solution["s"]), to_rdflib(solution["p"]), to_rdflib(solution["o"])


def uncovered_predicates(store: Any, covered: Iterable[tuple[Node, Node, Node]]) -> dict[str, int]:
    """The predicates of the data's triples that no table holds, with how many triples each."""
    held = set(covered)
    found: dict[str, int] = {}
    for triple in data_facts(store):
        if triple not in held:
            name = compact_iri(str(triple[1]))
            found[name] = found.get(name, 0) + 1
    return dict(sorted(found.items()))
