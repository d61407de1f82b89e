# ruff: noqa: RUF001  (French typography: the apostrophe is U+2019, quote marks « » with no-break spaces)
"""What a reader sees first on a resource page: the quote of a statement, the profile of a person or an
organisation, the parties and amounts of an agreement or a funding commitment, every other fact in words.

Values are labels, dates and amounts in the page's language, each list entry with its source; identifiers,
datatypes and property IRIs stay in the page's "as data" section (`pages.ResourcePage.rows`). Every word said
about the world comes from the graph: labels, definitions of evidence bases, notes; this module only supplies
the words of the interface ("Posts", "as stated") and the formats of numbers and dates (Babel's locale data).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from pia_kg.publish.site.pages import (
    LANGS,
    QUOTE_MARKS,
    HomePage,
    Labeller,
    Link,
    ResourcePage,
    owner,
    page_file,
    relative,
    resource_path,
)
from pia_kg.rdf.namespaces import (
    DCTERMS,
    ORG,
    PIA,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    XSD,
    compact_iri,
)

WORDS = {
    "en": {
        "speaker": "Speaker",
        "unnamed": "Speaker not named in the source.",
        "follows": "The quote follows one by",
        "possible": "Possible speaker:",
        "basis": "basis",
        "as_stated": "as stated",
        "assumed": "currency assumed by the curators",
        "to_day": "to the day",
        "to_month": "to the month",
        "to_year": "to the year",
        "yes": "yes",
        "no": "no",
        "note": "Curators’ note",
        "posts": "Posts",
        "people": "Posts in this organisation",
        "said": "Statements",
        "maybe_said": "Quotes possibly theirs (speaker not named in the source)",
        "agreements": "Agreements (as party)",
        "gave": "Funding given",
        "received": "Funding received",
        "member_of": "Member of",
        "members": "Members",
        "parties": "Parties",
        "funders": "Funders",
        "unnamed_funders": "also, not named",
        "funders_incomplete": "The source does not name every funder.",
        "funders_complete": "The source names every funder.",
        "amount": "Amount",
        "sources": "Source",
        "facts": "Facts",
        "linked": "Linked from",
        "date": "Date",
        "in_capacity": "as",
        "in": "in",
        "party_as_stated": "named in the source as",
    },
    "fr": {
        "speaker": "Locuteur",
        "unnamed": "Locuteur non nommé dans la source.",
        "follows": "La citation suit une citation de",
        "possible": "Locuteur possible :",
        "basis": "fondement",
        "as_stated": "tel qu’énoncé",
        "assumed": "devise supposée par les curateurs",
        "to_day": "au jour près",
        "to_month": "au mois près",
        "to_year": "à l’année près",
        "yes": "oui",
        "no": "non",
        "note": "Note des curateurs",
        "posts": "Fonctions",
        "people": "Fonctions dans cette organisation",
        "said": "Déclarations",
        "maybe_said": "Citations peut-être de cette personne (locuteur non nommé dans la source)",
        "agreements": "Accords (comme partie)",
        "gave": "Financements apportés",
        "received": "Financements reçus",
        "member_of": "Membre de",
        "members": "Membres",
        "parties": "Parties",
        "funders": "Bailleurs",
        "unnamed_funders": "et, sans être nommés",
        "funders_incomplete": "La source ne nomme pas tous les bailleurs.",
        "funders_complete": "La source nomme tous les bailleurs.",
        "amount": "Montant",
        "sources": "Source",
        "facts": "Faits",
        "linked": "Cité par",
        "date": "Date",
        "in_capacity": "en qualité de",
        "in": "dans",
        "party_as_stated": "nommé dans la source",
    },
}

# What a reader's page never lists among the facts: identifiers and provenance shown elsewhere on the page.
HIDDEN = frozenset(
    {
        RDF.type,
        RDFS.label,
        SKOS.prefLabel,
        SCHEMA.name,
        SKOS.editorialNote,
        PIA.evidence,
        PIA.sha256,
        PIA.sourceFileName,
        PROV.wasDerivedFrom,
    }
)
# The facts a reader looks for first, in this order; the others follow by label.
FIRST = (
    SCHEMA.amount,
    SCHEMA.funder,
    PIA.unnamedFunders,
    PIA.fundersComplete,
    PIA.recipient,
    PIA.hasParty,
    PIA.status,
    DCTERMS.date,
    PIA.dateBasis,
)
DATE_TYPES = {XSD.date: "to_day", XSD.gYearMonth: "to_month", XSD.gYear: "to_year"}
NUMBER_TYPES = frozenset({XSD.decimal, XSD.integer, XSD.double, XSD.float, XSD.nonNegativeInteger})


@dataclass(frozen=True)
class Shown:
    """One value as a reader sees it: a label (linked when it has a page), a date or a number in words."""

    text: str
    lang: str | None = None
    link: Link | None = None
    note: str = ""


@dataclass(frozen=True)
class Fact:
    label: str
    values: tuple[Shown, ...]
    rank: int = 0


@dataclass(frozen=True)
class Item:
    """One entry of a profile list, with its detail and its sources."""

    link: Link
    detail: tuple[Fact, ...]
    sources: tuple[Link, ...]


@dataclass(frozen=True)
class Listing:
    key: str
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Quote:
    """A statement as a reader meets it: the words, who said them (or that the source does not say), when."""

    text: str
    lang: str | None
    opening: str
    closing: str
    speaker: Link | None
    capacities: tuple[Shown, ...]
    unnamed: str
    candidates_intro: str
    candidates: tuple[Link, ...]
    basis: Shown | None
    date: Shown | None


@dataclass(frozen=True)
class Reading:
    """The reader's part of a resource page."""

    kind: str
    kinds: tuple[Shown, ...]
    words: dict[str, str]
    quote: Quote | None
    facts: tuple[Fact, ...]
    listings: tuple[Listing, ...]
    notes: tuple[Shown, ...]
    sources: tuple[Link, ...]
    linked_from: tuple[Item, ...]


# ------------------------------------------------------------------ formats


def date_words(literal: Literal, lang: str) -> str:
    """`2025-07`^^gYearMonth as "July 2025" / "juillet 2025"; a day or a year at its own precision."""
    from babel.dates import format_date

    text = str(literal)
    try:
        if literal.datatype == XSD.date:
            day = datetime.date.fromisoformat(text)
            return str(format_date(day, "d MMMM y", locale=lang))
        if literal.datatype == XSD.gYearMonth:
            year, month = text.split("-")[:2]
            return str(format_date(datetime.date(int(year), int(month), 1), "MMMM y", locale=lang))
    except ValueError:
        return text
    return text


def number_words(value: Decimal, lang: str) -> str:
    """A number for reading: 400 million / 400 millions, 1,250 / 1 250."""
    from babel.numbers import format_compact_decimal, format_decimal

    if abs(value) >= 1_000_000 and value == value.to_integral_value():
        compact = format_compact_decimal(value, format_type="long", locale=lang, fraction_digits=3)
        if _compact_is_exact(compact, value, lang):
            return str(compact)
    return str(format_decimal(value, locale=lang))


def _compact_is_exact(compact: str, value: Decimal, lang: str) -> bool:
    """Compact forms round; use one only if it says the exact value (400 million, not "1.235 million")."""
    from babel.numbers import NumberFormatError, parse_decimal

    head = compact.split(" ")[0].replace("\u202f", "").replace("\xa0", "")
    try:
        number = parse_decimal(head, locale=lang)
    except NumberFormatError:
        return False
    return any(number * factor == value for factor in (Decimal(10**9), Decimal(10**6)))


def language_name(code: Node, lang: str) -> Shown:
    """A language tag as the language's name in the page's language: "fr" is "French" / "français"."""
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(str(code)).get_display_name(lang)
    except (ValueError, UnknownLocaleError):
        name = None
    return Shown(name or str(code))


def literal_words(literal: Literal, lang: str) -> Shown:
    """A literal as words: dates at their precision, booleans as yes/no, numbers in the locale's format."""
    words = WORDS[lang]
    if literal.datatype in DATE_TYPES:
        return Shown(date_words(literal, lang), note=words[DATE_TYPES[literal.datatype]])
    if literal.datatype == XSD.boolean:
        return Shown(words["yes"] if literal.toPython() is True else words["no"])
    if literal.datatype in NUMBER_TYPES:
        try:
            return Shown(number_words(Decimal(str(literal)), lang))
        except InvalidOperation:
            return Shown(str(literal))
    return Shown(str(literal), literal.language)


# ------------------------------------------------------------------ the reading of one resource


class Reader:
    """Builds the reader's part of each page from the graph, through the site's labeller."""

    def __init__(self, labeller: Labeller) -> None:
        self.labeller = labeller
        self.graph = labeller.graph

    def reading(self, iri: URIRef, *, lang: str) -> Reading:
        path = resource_path(str(iri))
        assert path is not None
        own = page_file(path, lang)
        kind = path.split("/")[1]
        quote = self.quote(iri, own=own, lang=lang) if (iri, SCHEMA.text, None) in self.graph else None
        listings: tuple[Listing, ...] = ()
        handled: set[Node] = set()
        if kind in ("person", "organisation"):
            listings = self.profile(iri, own=own, lang=lang)
            handled.add(ORG.holds)
        if quote is not None:
            handled |= {
                SCHEMA.text,
                PROV.wasAttributedTo,
                PROV.qualifiedAttribution,
                PIA.candidateSpeaker,
                PIA.attributionBasis,
                DCTERMS.date,
                PIA.dateBasis,
                PROV.wasQuotedFrom,
            }
        facts = self.facts(iri, own=own, lang=lang, skip=handled)
        listed = {item.link.href for listing in listings for item in listing.items}
        return Reading(
            kind=kind,
            kinds=tuple(
                Shown(label[0], label[1])
                for cls in sorted(self.graph.objects(iri, RDF.type), key=str)
                if (label := self.labeller.literal(cls, lang)) is not None
            ),
            words=WORDS[lang],
            quote=quote,
            facts=facts,
            listings=listings,
            notes=self.notes(iri),
            sources=self.sources(iri, own=own, lang=lang),
            linked_from=tuple(
                item for item in self.linked_from(iri, own=own, lang=lang) if item.link.href not in listed
            ),
        )

    # -------------------------------------------------------------- values

    def shown(self, term: Node, *, own: str, lang: str) -> Shown | None:
        """A term in words; None for what a reader cannot read (an unlabelled outside IRI, a blank node)."""
        if isinstance(term, Literal):
            return literal_words(term, lang)
        if isinstance(term, URIRef):
            link = self.labeller.link(term, from_file=own, lang=lang)
            if link.external and self.labeller.literal(term, lang) is None:
                return Shown(str(term), link=Link(str(term), str(term), None, True))
            return Shown(link.text, link.lang, link)
        return None

    def in_language(self, literals: Iterable[Node], lang: str) -> list[Literal]:
        """The literals in `lang` if there are any, else all of them (sorted): a page shows one language."""
        found = sorted((obj for obj in literals if isinstance(obj, Literal)), key=str)
        tagged = [obj for obj in found if obj.language == lang]
        return tagged or found

    def values(self, subject: Node, predicate: URIRef, *, own: str, lang: str) -> tuple[Shown, ...]:
        objects = sorted(self.graph.objects(subject, predicate), key=str)
        literals = self.in_language([obj for obj in objects if isinstance(obj, Literal)], lang)
        terms = [obj for obj in objects if not isinstance(obj, Literal)] + list(literals)
        return tuple(shown for obj in terms if (shown := self.shown(obj, own=own, lang=lang)) is not None)

    def facts(self, subject: Node, *, own: str, lang: str, skip: Iterable[Node] = ()) -> tuple[Fact, ...]:
        """Every property of `subject` but the hidden and the `skip`ped ones, in words, sorted by label."""
        skipped = HIDDEN | set(skip)
        facts = []
        for predicate in sorted(set(self.graph.predicates(subject, None)), key=str):
            if predicate in skipped or not isinstance(predicate, URIRef):
                continue
            if predicate == SCHEMA.amount:
                values = tuple(self.amount(obj, lang) for obj in self.graph.objects(subject, predicate))
            elif predicate == PIA.hasParty:
                values = self.parties(subject, own=own, lang=lang)
            elif predicate == PIA.fundersComplete:
                complete = self.graph.value(subject, predicate)
                key = "funders_complete" if complete == Literal(True) else "funders_incomplete"
                values = (Shown(WORDS[lang][key]),)
            elif predicate == SCHEMA.inLanguage:
                values = tuple(language_name(obj, lang) for obj in self.graph.objects(subject, predicate))
            else:
                values = self.values(subject, predicate, own=own, lang=lang)
            label = self.labeller.label(predicate, lang)
            if values and label != compact_iri(str(predicate)):  # unlabelled: shown "as data" only
                rank = FIRST.index(predicate) if predicate in FIRST else len(FIRST)
                facts.append(Fact(label, values, rank))
        return tuple(sorted(facts, key=lambda fact: (fact.rank, fact.label.casefold())))

    def amount(self, node: Node, lang: str) -> Shown:
        """A schema:MonetaryAmount: the value in words with the currency as stated and, if any, as assumed."""
        from babel.numbers import get_currency_name, get_currency_symbol

        graph = self.graph
        words = WORDS[lang]
        value = graph.value(node, SCHEMA.value)
        number = Decimal(str(value)) if value is not None else None
        spoken = number_words(number, lang) if number is not None else ""
        parts = []
        stated = graph.value(node, PIA.currencyAsStated)
        if stated is not None:
            joiner = (
                " de "
                if lang == "fr" and spoken.endswith(("million", "millions", "milliard", "milliards"))
                else " "
            )
            parts.append(f"{spoken}{joiner}{stated} ({words['as_stated']})")
        currency = graph.value(node, SCHEMA.currency) or graph.value(node, PIA.assumedCurrency)
        if currency is not None and number is not None:
            code = str(currency)
            if lang == "en":
                amount = f"{get_currency_symbol(code, locale=lang)}{spoken} ({code})"
            else:
                amount = f"{spoken} de {get_currency_name(code, count=int(number), locale=lang)} ({code})"
            if graph.value(node, SCHEMA.currency) is None:
                basis = graph.value(node, PIA.currencyBasis)
                note = words["assumed"]
                if basis is not None:
                    note += f", {words['basis']}\u00a0: " if lang == "fr" else f", {words['basis']}: "
                    note += self.labeller.label(basis, lang)
                amount = f"{amount[:-1]}; {note})"
            parts.append(amount)
        if not parts:
            parts.append(spoken)
        return Shown(" · ".join(parts))

    def parties(self, agreement: Node, *, own: str, lang: str) -> tuple[Shown, ...]:
        """Each party of an agreement: its agent, named as the source names it when that differs."""
        shown = []
        for party in sorted(self.graph.objects(agreement, PIA.hasParty), key=str):
            agent = self.graph.value(party, PIA.agent)
            if not isinstance(agent, URIRef):
                continue
            link = self.labeller.link(agent, from_file=own, lang=lang)
            stated = self.in_language(self.graph.objects(party, PIA.partyAsStated), lang)
            opening, closing = QUOTE_MARKS[lang]
            note = f"{WORDS[lang]['party_as_stated']} {opening}{stated[0]}{closing}" if stated else ""
            shown.append(Shown(link.text, link.lang, link, note))
        return tuple(shown)

    def notes(self, subject: Node) -> tuple[Shown, ...]:
        return tuple(
            Shown(str(obj), obj.language)
            for obj in sorted(self.graph.objects(subject, SKOS.editorialNote), key=str)
            if isinstance(obj, Literal)
        )

    def sources(self, subject: Node, *, own: str, lang: str) -> tuple[Link, ...]:
        return tuple(
            self.labeller.link(doc, from_file=own, lang=lang)
            for doc in sorted(set(self.graph.objects(subject, PROV.wasDerivedFrom)), key=str)
            if isinstance(doc, URIRef)
        )

    # -------------------------------------------------------------- statements

    def quote(self, iri: URIRef, *, own: str, lang: str) -> Quote:
        graph = self.graph
        text = graph.value(iri, SCHEMA.text)
        assert isinstance(text, Literal)
        speaker = graph.value(iri, PROV.wasAttributedTo)
        capacities: list[Shown] = []
        for attribution in sorted(graph.objects(iri, PROV.qualifiedAttribution), key=str):
            if graph.value(attribution, PROV.agent) != speaker:
                continue
            for post in sorted(graph.objects(attribution, PIA.inCapacity), key=str):
                capacities.extend(self.capacity(post, own=own, lang=lang))
        candidates = tuple(
            self.labeller.link(person, from_file=own, lang=lang)
            for person in sorted(graph.objects(iri, PIA.candidateSpeaker), key=str)
            if isinstance(person, URIRef)
        )
        basis = graph.value(iri, PIA.attributionBasis)
        date = graph.value(iri, DCTERMS.date)
        date_shown = literal_words(date, lang) if isinstance(date, Literal) else None
        date_basis = graph.value(iri, PIA.dateBasis)
        if date_shown is not None and date_basis is not None:
            basis_label = self.labeller.label(date_basis, lang)
            joiner = "\u00a0; " if lang == "fr" else "; "
            date_shown = Shown(date_shown.text, None, None, f"{date_shown.note}{joiner}{basis_label}")
        opening, closing = QUOTE_MARKS[lang]
        return Quote(
            text=str(text).strip(),
            lang=text.language,
            opening=opening,
            closing=closing,
            speaker=self.labeller.link(speaker, from_file=own, lang=lang)
            if isinstance(speaker, URIRef)
            else None,
            capacities=tuple(capacities),
            unnamed=WORDS[lang]["unnamed"] if speaker is None else "",
            candidates_intro=WORDS[lang]["follows" if basis == PIA["basis-adjacency"] else "possible"],
            candidates=candidates if speaker is None else (),
            basis=self.basis(basis, lang) if speaker is None and basis is not None else None,
            date=date_shown,
        )

    def capacity(self, post: Node, *, own: str, lang: str) -> list[Shown]:
        """A post as "Chair of …", then the organisation it is in."""
        shown = [s for s in (self.shown(post, own=own, lang=lang),) if s is not None]
        for organisation in sorted(self.graph.objects(post, ORG.postIn), key=str):
            found = self.shown(organisation, own=own, lang=lang)
            if found is not None:
                shown.append(found)
        return shown

    def basis(self, basis: Node, lang: str) -> Shown:
        """An evidence basis by its label, with its definition in the page's language."""
        definition = self.in_language(self.graph.objects(basis, SKOS.definition), lang)
        return Shown(
            self.labeller.label(basis, lang),
            note=str(definition[0]) if definition else "",
        )

    # -------------------------------------------------------------- profiles

    def profile(self, iri: URIRef, *, own: str, lang: str) -> tuple[Listing, ...]:
        """Posts, statements, agreements, funding and memberships of a person or an organisation."""
        graph = self.graph
        words = WORDS[lang]
        said = sorted(graph.subjects(PROV.wasAttributedTo, iri), key=str)
        maybe = sorted(graph.subjects(PIA.candidateSpeaker, iri), key=str)
        posts = sorted(graph.objects(iri, ORG.holds), key=str)
        posts_in = sorted(graph.subjects(ORG.postIn, iri), key=str)
        agreements = sorted(
            {
                agreement
                for party in graph.subjects(PIA.agent, iri)
                for agreement in graph.subjects(PIA.hasParty, party)
            },
            key=str,
        )
        gave = sorted(graph.subjects(SCHEMA.funder, iri), key=str)
        received = sorted(graph.subjects(PIA.recipient, iri), key=str)
        member_of = sorted(graph.subjects(ORG.member, iri), key=str)
        members = sorted(graph.subjects(ORG.organization, iri), key=str)
        chosen = (
            ("posts", posts, lambda post: (ORG.postIn,)),
            ("people", posts_in, lambda post: (ORG.heldBy,)),
            ("said", said, lambda node: (DCTERMS.date,)),
            ("maybe_said", maybe, lambda node: (DCTERMS.date,)),
            ("agreements", agreements, lambda node: (PIA.status, DCTERMS.date)),
            ("gave", gave, lambda node: (PIA.recipient, PIA.status)),
            ("received", received, lambda node: (SCHEMA.funder, PIA.status)),
            ("member_of", member_of, lambda node: (PIA.status,)),
            ("members", members, lambda node: (PIA.status,)),
        )
        listings = []
        for key, nodes, details in chosen:
            items = tuple(
                self.item(node, details(node), own=own, lang=lang, quote=key in ("said", "maybe_said"))
                for node in nodes
                if isinstance(node, URIRef)
            )
            if items:
                listings.append(Listing(key, words[key], items))
        return tuple(listings)

    def item(self, node: URIRef, details: tuple[URIRef, ...], *, own: str, lang: str, quote: bool) -> Item:
        link = self.labeller.link(node, from_file=own, lang=lang)
        if quote:
            link = Link(link.href, self.quote_title(node, lang), _text_lang(self.graph, node), link.external)
        detail = tuple(
            Fact(self.labeller.label(predicate, lang), values)
            for predicate in details
            if (values := self.values(node, predicate, own=own, lang=lang))
        )
        return Item(link, detail, self.sources(node, own=own, lang=lang))

    def quote_title(self, statement: Node, lang: str) -> str:
        """A statement's words between the quote marks of the page's language, shortened."""
        text = " ".join(str(self.graph.value(statement, SCHEMA.text)).split())
        text = text if len(text) <= 90 else text[:89].rstrip() + "…"
        opening, closing = QUOTE_MARKS[lang]
        return f"{opening}{text}{closing}"

    def linked_from(self, iri: URIRef, *, own: str, lang: str) -> tuple[Item, ...]:
        """Each resource that points at `iri`, once, however many of its properties do."""
        graph = self.graph
        sources: dict[URIRef, None] = {}
        for subject, _ in graph.subject_predicates(iri):
            source = owner(graph, subject)
            if source is not None and source != iri and resource_path(str(source)) is not None:
                sources[source] = None
        items = []
        for source in sources:
            item = self.item(source, (), own=own, lang=lang, quote=(source, SCHEMA.text, None) in graph)
            items.append(item)
        # by name, then by link: resources of one name (copies, namesakes) in the same order on every build
        return tuple(sorted(items, key=lambda item: (item.link.text.casefold(), item.link.href)))


@dataclass(frozen=True)
class ReaderPage(ResourcePage):
    """A resource page with its reader's part: what the template shows before the "as data" section."""

    reading: Reading


# ------------------------------------------------------------------ the home page

KIND_WORDS = {
    "agreement": (("agreement", "agreements"), ("accord", "accords")),
    "doc": (("source document", "source documents"), ("document source", "documents sources")),
    "event": (("event", "events"), ("événement", "événements")),
    "funding": (
        ("funding commitment", "funding commitments"),
        ("engagement financier", "engagements financiers"),
    ),
    "membership": (("membership", "memberships"), ("adhésion", "adhésions")),
    "organisation": (("organisation", "organisations"), ("organisation", "organisations")),
    "party": (("agreement party", "agreement parties"), ("partie à un accord", "parties aux accords")),
    "person": (("person", "people"), ("personne", "personnes")),
    "place": (("place", "places"), ("lieu", "lieux")),
    "post": (("post", "posts"), ("fonction", "fonctions")),
    "programme": (("programme", "programmes"), ("programme", "programmes")),
    "statement": (("statement", "statements"), ("déclaration", "déclarations")),
    "theme": (("theme", "themes"), ("thème", "thèmes")),
}
# The kinds whose French name is feminine: "une organisation", "une déclaration" (but "un accord").
FEMININE = frozenset({"membership", "organisation", "party", "person", "post", "statement"})
# Small numbers are said in words (issue: "two agreements", "deux accords"); beyond, digits for the language.
SMALL_NUMBERS = {
    "en": (
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
    ),
    "fr": (
        "zéro",
        "un",
        "deux",
        "trois",
        "quatre",
        "cinq",
        "six",
        "sept",
        "huit",
        "neuf",
        "dix",
        "onze",
        "douze",
        "treize",
        "quatorze",
        "quinze",
        "seize",
        "dix-sept",
        "dix-huit",
        "dix-neuf",
        "vingt",
    ),
}
LATEST = 5


@dataclass(frozen=True)
class Count:
    href: str
    number: int
    words: str  # "two agreements", "deux accords", "1\u202f250 déclarations"


def count_words(number: int, kind: str, lang: str) -> str:
    """How many resources of a kind, for reading: the number in words up to twenty ("one agreement", "une
    organisation", "deux accords"), beyond in digits grouped as the language groups them (a narrow no-break
    space in French: "1\u202f250 déclarations")."""
    from babel.numbers import format_decimal

    singular, plural = KIND_WORDS.get(kind, ((kind, kind), (kind, kind)))[LANGS.index(lang)]
    noun = singular if number == 1 else plural
    small = SMALL_NUMBERS[lang]
    if 0 <= number < len(small):
        said = "une" if number == 1 and lang == "fr" and kind in FEMININE else small[number]
    else:
        said = str(format_decimal(number, locale=lang))
    return f"{said} {noun}"


@dataclass(frozen=True)
class Said:
    """A statement on the home page: its words, who said them (or that the source does not say), when."""

    link: Link
    speaker: Link | None
    unnamed: str
    date: str


@dataclass(frozen=True)
class HomeReading:
    counts: tuple[Count, ...]
    sources: tuple[Item, ...]
    latest: tuple[Said, ...]
    words: dict[str, str]


@dataclass(frozen=True)
class ReaderHome(HomePage):
    """The home page with what a reader looks for first: the sources, the latest statements, the counts."""

    reading: HomeReading


def home_reading(reader: Reader, iris: Iterable[URIRef], *, lang: str) -> HomeReading:
    """Counts by kind (each linking to its list), the source documents with their dates, the latest quotes."""
    own = page_file("index", lang)
    graph = reader.graph
    kinds: dict[str, list[URIRef]] = {}
    for iri in iris:
        path = resource_path(str(iri))
        assert path is not None
        kinds.setdefault(path.split("/")[1], []).append(iri)
    counts = []
    for kind, members in sorted(kinds.items()):
        words = count_words(len(members), kind, lang)
        counts.append(Count(relative(own, page_file(f"id/{kind}/index", lang)), len(members), words))
    documents = sorted(
        {doc for doc in graph.objects(None, PROV.wasDerivedFrom) if isinstance(doc, URIRef)}, key=str
    )
    sources = tuple(
        reader.item(doc, (DCTERMS.date, PIA.dateBasis), own=own, lang=lang, quote=False) for doc in documents
    )
    statements = [iri for iri in kinds.get("statement", []) if (iri, SCHEMA.text, None) in graph]
    statements.sort(key=lambda iri: str(iri))
    statements.sort(key=lambda iri: str(graph.value(iri, DCTERMS.date) or ""), reverse=True)
    latest = []
    for statement in statements[:LATEST]:
        link = reader.labeller.link(statement, from_file=own, lang=lang)
        speaker = graph.value(statement, PROV.wasAttributedTo)
        date = graph.value(statement, DCTERMS.date)
        latest.append(
            Said(
                link=Link(link.href, reader.quote_title(statement, lang), _text_lang(graph, statement)),
                speaker=reader.labeller.link(speaker, from_file=own, lang=lang)
                if isinstance(speaker, URIRef)
                else None,
                unnamed="" if speaker is not None else WORDS[lang]["unnamed"],
                date=date_words(date, lang) if isinstance(date, Literal) else "",
            )
        )
    return HomeReading(tuple(counts), sources, tuple(latest), {**WORDS[lang], **HOME_WORDS[lang]})


def _text_lang(graph: Graph, statement: Node) -> str | None:
    text = graph.value(statement, SCHEMA.text)
    return text.language if isinstance(text, Literal) else None


HOME_WORDS = {
    "en": {
        "holds": "The graph holds",
        "sources_title": "Sources",
        "sources_intro": "Every fact of the graph cites one of these documents and the passage it rests on.",
        "latest": "Latest statements",
        "counts": "What the graph holds",
        "and": "and",
    },
    "fr": {
        "holds": "Le graphe contient",
        "sources_title": "Sources",
        "sources_intro": "Chaque fait du graphe cite l’un de ces documents et le passage qui le fonde.",
        "latest": "Dernières déclarations",
        "counts": "Ce que contient le graphe",
        "and": "et",
    },
}
