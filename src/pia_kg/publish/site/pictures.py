# ruff: noqa: RUF001  (French typography: the apostrophe is U+2019)
"""Pictures drawn at build time as SVG, with no script: a timeline of dated facts and a relationship diagram.

Every picture is a standalone SVG file (a `<title>`, a `<desc>`, a viewBox and `width="100%"`, so it scales
to a phone) and comes with a table that says the same facts in words, for readers who cannot see it. Labels,
kinds and statuses come from the graph in the page's language; only the words of the chrome (legend, column
titles, month names, relation names) are the site's own.

- The timeline holds every dated fact: each pair (resource, date) of a resource with a page and a literal
  typed xsd:gYear, xsd:gYearMonth, xsd:date or xsd:dateTime. A date known to the year or month is drawn as
  a band over that year or month, a date known to the day as a point. What the source announces for the future
  (`pia:status pia:status-announced`) is hollow and dashed; everything else is filled.
- The diagram puts an organisation, person or agreement at the top and its related resources below, grouped
  by relation (party to, funds, member of, holds a post in, speaks for, part of, supported by) and sorted by
  label, each with the fact that links them.

The layout is computed here, from estimated text widths (CHAR_EM of the font size per character), so the same
graph always gives the same bytes and labels never overlap.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from pia_kg.publish.site.pages import LANGS, Labeller, Link, relative, resource_path
from pia_kg.rdf.namespaces import OA, ORG, PIA, PROV, RDF, SCHEMA, XSD

PRECISIONS = {XSD.gYear: "year", XSD.gYearMonth: "month", XSD.date: "day", XSD.dateTime: "day"}
DATE = re.compile(r"^(-?\d{4,})(?:-(\d{2}))?(?:-(\d{2}))?")
ANNOUNCED = PIA["status-announced"]
DIAGRAM_KINDS = ("agreement", "organisation", "person")
# Predicates that do not make a dated fact part of a resource's story: every fact derives from its source, and
# a candidate speaker is by definition not the one the source names.
NOT_INVOLVING = frozenset(
    {PROV.wasDerivedFrom, PROV.wasQuotedFrom, OA.hasSource, PIA.candidateSpeaker, RDF.type}
)
KIND_LABELS = {ORG.Membership: ("membership", "adhésion"), ORG.Post: ("post", "fonction")}

WIDTH = 400
PAD = 8
CHAR_EM = 0.6  # estimated advance of one character, in em: generous for sans-serif text
BOLD = 1.1  # bold text is that much wider
FONT = "system-ui, -apple-system, &apos;Segoe UI&apos;, Roboto, sans-serif"
INK, MUTED, ACCENT, TRACK, PANEL, CENTRE = "#1d1d1f", "#5a5a66", "#1f4e9c", "#e4e6ee", "#f6f7fb", "#eef2fa"

MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
}  # fmt: skip
SHORT_MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "fr": ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."),
}

TEXT = {
    "en": {
        "timeline": "Timeline",
        "timeline_of": "Timeline: {}",
        "diagram": "Relationships",
        "diagram_of": "Relationships of {}",
        "table": "The same as a table",
        "date": "Date",
        "what": "What",
        "kind": "Kind",
        "status": "Status",
        "source": "Source",
        "relation": "Relation",
        "related": "Related to",
        "through": "Through",
        "year": "year",
        "month": "month",
        "day": "day",
        "band_year": "band: the date is known to the year",
        "band_month": "band: the date is known to the month",
        "point": "point: the date is known to the day",
        "filled": "filled: {}",
        "no_status": "no status recorded",
        "or": " or ",
        "hollow": "hollow, dashed: {} (for the future)",
        "timeline_desc": "{count} dated facts from {first} to {last}, {announced} of them announced.",
        "one_fact": "1 dated fact, {first}.",
        "diagram_desc": "{centre}: {relations}.",
        "alt_more": "The table below lists the same facts.",
        "attested": "{}, date of the source",
    },
    "fr": {
        "timeline": "Chronologie",
        "timeline_of": "Chronologie : {}",
        "diagram": "Relations",
        "diagram_of": "Relations de {}",
        "table": "Les mêmes faits en tableau",
        "date": "Date",
        "what": "Quoi",
        "kind": "Nature",
        "status": "Statut",
        "source": "Source",
        "relation": "Relation",
        "related": "Avec",
        "through": "Par",
        "year": "année",
        "month": "mois",
        "day": "jour",
        "band_year": "bande : date connue à l’année",
        "band_month": "bande : date connue au mois",
        "point": "point : date connue au jour",
        "filled": "plein : {}",
        "no_status": "sans statut",
        "or": " ou ",
        "hollow": "creux, pointillé : {} (pour l’avenir)",
        "timeline_desc": "{count} faits datés, de {first} à {last}, dont {announced} annoncés.",
        "one_fact": "1 fait daté, {first}.",
        "diagram_desc": "{centre} : {relations}.",
        "alt_more": "Le tableau ci-dessous donne les mêmes faits.",
        "attested": "{}, date de la source",
    },
}

# Relation key -> (label from the subject's side, label from the object's side), per language.
RELATIONS = {
    "party": {"en": ("party to", "has as party"), "fr": ("partie à", "a pour partie")},
    "funds": {"en": ("funds", "funded by"), "fr": ("finance", "financé par")},
    "member": {"en": ("member of", "has as member"), "fr": ("membre de", "a pour membre")},
    "post": {
        "en": ("holds a post in", "post held by"),
        "fr": ("occupe une fonction dans", "fonction occupée par"),
    },
    "speaks": {
        "en": ("speaks for", "quoted on its behalf"),
        "fr": ("s’exprime au nom de", "cité en son nom"),
    },
    "part": {"en": ("part of", "has as part"), "fr": ("fait partie de", "comprend")},
    "supported": {"en": ("supported by", "supports"), "fr": ("soutenu par", "soutient")},
}
RELATION_ORDER = tuple(RELATIONS)


# ------------------------------------------------------------------ what the templates get


@dataclass(frozen=True)
class Cell:
    """One cell of a table alternative: links (each to a page) or plain text, or both."""

    text: str = ""
    links: tuple[Link, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Picture:
    """One SVG file and what the page says about it: the image, its alternative text and its table."""

    key: str  # `timeline` or `diagram`: the id of the page's section
    file: str  # the SVG's path in the site
    href: str  # the SVG seen from the page
    svg: str
    heading: str
    alt: str
    width: int
    height: int
    table_summary: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class PagePictures:
    """The pictures of one page; a page without dated facts or relations has none."""

    timeline: Picture | None = None
    diagram: Picture | None = None


# ------------------------------------------------------------------ facts read from the graph


@dataclass(frozen=True)
class DatedFact:
    """A resource and one of its dates, with every predicate that gives it that date."""

    item: URIRef
    lexical: str
    precision: str  # year, month or day
    predicates: tuple[URIRef, ...]
    status: URIRef | None
    sources: tuple[URIRef, ...]

    @property
    def announced(self) -> bool:
        return self.status == ANNOUNCED


@dataclass(frozen=True)
class Relation:
    """`subject` --relation--> `object`, stated by the node `via` (a membership, a post, a commitment...),
    with the status of the fact it belongs to (`status_of`: a party's agreement, a funder's commitment)."""

    key: str
    subject: URIRef
    object: URIRef
    via: URIRef | None
    status: URIRef | None
    status_of: URIRef | None
    sources: tuple[URIRef, ...]


def dated_facts(graph: Graph) -> tuple[DatedFact, ...]:
    """Every (resource, date) of the graph, for resources that have a page; sorted by date, then resource."""
    found: dict[tuple[URIRef, str, str], set[URIRef]] = {}
    for subject, predicate, obj in graph:
        if not (isinstance(subject, URIRef) and isinstance(obj, Literal) and isinstance(predicate, URIRef)):
            continue
        precision = PRECISIONS.get(obj.datatype) if obj.datatype is not None else None
        if precision is None or resource_path(str(subject)) is None or not DATE.match(str(obj)):
            continue
        found.setdefault((subject, str(obj), precision), set()).add(predicate)
    facts = [
        DatedFact(
            item=item,
            lexical=lexical,
            precision=precision,
            predicates=tuple(sorted(predicates, key=str)),
            status=_status(graph, item),
            sources=_sources(graph, item),
        )
        for (item, lexical, precision), predicates in found.items()
    ]
    return tuple(sorted(facts, key=lambda fact: (fact.lexical, str(fact.item), fact.precision)))


def involved(graph: Graph, resource: URIRef) -> frozenset[URIRef]:
    """The resource and every resource that links to it or that it links to, directly or through one node
    without a page of its own or an agreement party (`agreement -> party -> organisation`)."""
    near: set[URIRef] = {resource}
    for node, hops in _neighbours(graph, resource):
        if isinstance(node, URIRef) and resource_path(str(node)) is not None:
            near.add(node)
        if hops and (isinstance(node, BNode) or (node, RDF.type, PIA.AgreementParty) in graph):
            near |= {far for far, _ in _neighbours(graph, node) if isinstance(far, URIRef)}
    return frozenset(near)


def _neighbours(graph: Graph, node: Node) -> Iterator[tuple[Node, bool]]:
    for predicate, obj in graph.predicate_objects(node):
        if predicate not in NOT_INVOLVING:
            yield obj, True
    for subject, predicate in graph.subject_predicates(node):
        if predicate not in NOT_INVOLVING:
            yield subject, True


def relations(graph: Graph) -> tuple[Relation, ...]:
    """Every relation the diagrams draw, sorted."""
    found: list[Relation] = []

    def add(
        key: str, subject: Node, obj: Node, via: Node | None, holder: Node, status_of: Node | None = None
    ) -> None:
        """A relation whose triples `holder` states (and so its sources); its status is that of `status_of`,
        by default the holder's."""
        if isinstance(subject, URIRef) and isinstance(obj, URIRef):
            via_iri = via if isinstance(via, URIRef) else None
            owner = status_of if status_of is not None else holder
            status = _status(graph, owner)
            status_iri = owner if isinstance(owner, URIRef) and status is not None else None
            found.append(Relation(key, subject, obj, via_iri, status, status_iri, _sources(graph, holder)))

    for agreement, party in graph.subject_objects(PIA.hasParty):
        for agent in graph.objects(party, PIA.agent):
            add("party", agent, agreement, None, agreement)
    for commitment, funder in graph.subject_objects(SCHEMA.funder):
        recipients = list(graph.objects(commitment, PIA.recipient)) or [commitment]
        for recipient in recipients:
            add("funds", funder, recipient, None if recipient == commitment else commitment, commitment)
    for membership, member in graph.subject_objects(ORG.member):
        for organisation in graph.objects(membership, ORG.organization):
            add("member", member, organisation, membership, membership)
    posts = set(graph.subject_objects(ORG.heldBy)) | {(p, h) for h, p in graph.subject_objects(ORG.holds)}
    for post, holder in posts:
        for organisation in graph.objects(post, ORG.postIn):
            add("post", holder, organisation, post, post)
    for statement, attribution in graph.subject_objects(PROV.qualifiedAttribution):
        for agent in graph.objects(attribution, PROV.agent):
            for post in graph.objects(attribution, PIA.inCapacity):
                for organisation in graph.objects(post, ORG.postIn):
                    add("speaks", agent, organisation, statement, statement)
    for part, whole in graph.subject_objects(ORG.subOrganizationOf):
        add("part", part, whole, None, part)
    for agreement, commitment in graph.subject_objects(PIA.supportedBy):
        add("supported", agreement, commitment, None, agreement, commitment)
    unique = {(r.key, str(r.subject), str(r.object), str(r.via)): r for r in found}
    return tuple(unique[key] for key in sorted(unique))


def _status(graph: Graph, node: Node) -> URIRef | None:
    """The first of the node's statuses (a fact has one; sorted, should a graph give it several)."""
    return min((s for s in graph.objects(node, PIA.status) if isinstance(s, URIRef)), key=str, default=None)


def _sources(graph: Graph, node: Node) -> tuple[URIRef, ...]:
    return tuple(
        sorted((s for s in graph.objects(node, PROV.wasDerivedFrom) if isinstance(s, URIRef)), key=str)
    )


# ------------------------------------------------------------------ dates in words


def date_parts(lexical: str) -> tuple[int, int | None, int | None]:
    """(year, month, day) of an ISO date, month or year; the parts the lexical form does not hold are None."""
    match = DATE.match(lexical)
    assert match is not None, lexical
    year, month, day = match.groups()
    return int(year), None if month is None else int(month), None if day is None else int(day)


def date_words(lexical: str, lang: str) -> str:
    """`2025-07` -> "July 2025" / "juillet 2025"; `2025-07-14` -> "14 July 2025"; `2025` -> "2025"."""
    year, month, day = date_parts(lexical)
    if month is None:
        return str(year)
    words = f"{MONTHS[lang][month - 1]} {year}"
    return words if day is None else f"{day} {words}"


def _month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def _span(fact: DatedFact) -> tuple[float, float]:
    """Where a fact lies on the month axis: [start, end) for a band, (point, point) for a day."""
    year, month, day = date_parts(fact.lexical)
    if month is None:
        return float(_month_index(year, 1)), float(_month_index(year, 12) + 1)
    start = float(_month_index(year, month))
    if fact.precision != "day" or day is None:
        return start, start + 1
    point = start + (day - 0.5) / 31
    return point, point


# ------------------------------------------------------------------ SVG writing


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _wrap(text: str, size: float, width: float, *, bold: bool = False) -> list[str]:
    """Lines of `text` that fit `width` at font `size`, by the estimated character advance."""
    chars = max(8, int(width / text_width("x", size, bold=bold)))
    return textwrap.wrap(" ".join(text.split()), chars, break_long_words=True, break_on_hyphens=False) or [""]


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """The estimated width of a line of text (what the layout reserves for it)."""
    return len(text) * size * CHAR_EM * (BOLD if bold else 1)


class _Svg:
    """Collects the elements of one picture and writes the document."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.parts: list[str] = []

    def text(self, x: float, y: float, line: str, *, size: float, fill: str = INK, weight: str = "") -> None:
        bold = ' font-weight="700"' if weight else ""
        self.parts.append(
            f'<text x="{_num(x)}" y="{_num(y)}" font-size="{_num(size)}" fill="{fill}"{bold}>'
            f"{escape(line)}</text>"
        )

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        *,
        fill: str,
        stroke: str = "",
        dashed: bool = False,
        rx: float = 2,
        stroke_width: float = 2,
    ) -> None:
        outline = f' stroke="{stroke}" stroke-width="{_num(stroke_width)}"' if stroke else ""
        dash = ' stroke-dasharray="4 3"' if dashed else ""
        self.parts.append(
            f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{_num(h)}" rx="{_num(rx)}" '
            f'fill="{fill}"{outline}{dash}/>'
        )

    def circle(self, cx: float, cy: float, r: float, *, fill: str, stroke: str, dashed: bool) -> None:
        dash = ' stroke-dasharray="3 2"' if dashed else ""
        self.parts.append(
            f'<circle cx="{_num(cx)}" cy="{_num(cy)}" r="{_num(r)}" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="2"{dash}/>'
        )

    def line(self, x1: float, y1: float, x2: float, y2: float, *, stroke: str, dashed: bool = False) -> None:
        dash = ' stroke-dasharray="4 3"' if dashed else ""
        self.parts.append(
            f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" stroke="{stroke}" '
            f'stroke-width="1.5"{dash}/>'
        )

    def open_group(self, label: str) -> None:
        self.parts.append(f"<g aria-label={quoteattr(label)}>")

    def close_group(self) -> None:
        self.parts.append("</g>")

    def document(self, *, title: str, desc: str, height: float) -> str:
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {_num(height)}" width="100%" '
            f'role="img" aria-labelledby="title desc" xml:lang="{self.lang}" font-family="{FONT}">\n'
            f'<title id="title">{escape(title)}</title>\n<desc id="desc">{escape(desc)}</desc>\n'
            f'<rect x="0" y="0" width="{WIDTH}" height="{_num(height)}" fill="#ffffff"/>\n'
        )
        return head + "\n".join(self.parts) + "\n</svg>\n"


# ------------------------------------------------------------------ the timeline


LABEL_SIZE, META_SIZE, AXIS_SIZE = 15.0, 13.0, 13.0
MARK_HEIGHT = 12.0


def _axis(facts: Iterable[DatedFact]) -> tuple[int, int]:
    """The months the axis shows, [first, last): those of the facts, widened to three at least so that a
    band over one month reads as a month."""
    spans = [_span(fact) for fact in facts]
    first = int(min(start for start, _ in spans))
    last = int(-(-max(end for _, end in spans) // 1))
    if last - first < 3:
        first -= (3 - (last - first)) // 2
        last = first + 3
    return first, last


def _draw_axis(svg: _Svg, top: float, first: int, last: int, x0: float, x1: float, lang: str) -> float:
    """Month names, and the year under the first of each year, as many as fit without touching; returns
    the y below them."""
    months = last - first
    step_width = (x1 - x0) / months
    widest = max(text_width(name, AXIS_SIZE) for name in SHORT_MONTHS[lang]) + 6
    every = max(1, int(-(-widest // step_width)))
    shown_year = None
    for index in range(0, months, every):
        year, month = divmod(first + index, 12)
        centre = x0 + (index + 0.5) * step_width
        name = SHORT_MONTHS[lang][month]
        svg.text(_centred(name, centre), top + 14, name, size=AXIS_SIZE, fill=MUTED)
        if year != shown_year:
            svg.text(_centred(str(year), centre), top + 30, str(year), size=AXIS_SIZE, fill=MUTED)
            shown_year = year
    return top + 40


def _centred(text: str, centre: float) -> float:
    """The x of an axis label centred on `centre`, moved inside the picture at its edges."""
    width = text_width(text, AXIS_SIZE)
    return min(max(centre - width / 2, 0), WIDTH - width)


def _track(svg: _Svg, x0: float, x1: float, y: float, months: int) -> None:
    """The row under a mark: the axis's months as grey cells."""
    svg.rect(x0, y, x1 - x0, MARK_HEIGHT, fill=TRACK, rx=0)
    width = (x1 - x0) / months
    for month in range(1, months):
        svg.line(x0 + month * width, y, x0 + month * width, y + MARK_HEIGHT, stroke="#ffffff")


def _mark(svg: _Svg, start: float, end: float, y: float, *, announced: bool) -> None:
    """A band from `start` to `end` (x), or a point where they are equal; hollow and dashed if announced."""
    fill = "#ffffff" if announced else ACCENT
    if end > start:
        svg.rect(
            start + 1, y - 1, end - start - 2, MARK_HEIGHT + 2, fill=fill, stroke=ACCENT, dashed=announced
        )
    else:
        svg.circle(start, y + MARK_HEIGHT / 2, 6, fill=fill, stroke=ACCENT, dashed=announced)


def _timeline_svg(
    entries: list[tuple[DatedFact, str, str]],
    *,
    title: str,
    desc: str,
    lang: str,
    legend: list[tuple[str, str]],
) -> tuple[str, int]:
    """`entries` are (fact, label, meta line); `legend` is (swatch, text). Returns (SVG, height)."""
    svg = _Svg(lang)
    x0, x1 = PAD + 6, WIDTH - PAD - 6
    first, last = _axis(fact for fact, _, _ in entries)
    y = _draw_axis(svg, 0, first, last, x0, x1, lang)
    scale = (x1 - x0) / (last - first)
    for fact, label, meta in entries:
        svg.open_group(f"{label}, {meta}")
        for line in _wrap(label, LABEL_SIZE, WIDTH - 2 * PAD):
            y += LABEL_SIZE + 4
            svg.text(PAD, y, line, size=LABEL_SIZE)
        for line in _wrap(meta, META_SIZE, WIDTH - 2 * PAD):
            y += META_SIZE + 4
            svg.text(PAD, y, line, size=META_SIZE, fill=MUTED)
        y += 8
        _track(svg, x0, x1, y, last - first)
        start, end = _span(fact)
        _mark(svg, x0 + (start - first) * scale, x0 + (end - first) * scale, y, announced=fact.announced)
        y += MARK_HEIGHT + 14
        svg.close_group()
    if len(entries) > 3:
        y = _draw_axis(svg, y - 8, first, last, x0, x1, lang)
    svg.line(PAD, y, WIDTH - PAD, y, stroke=TRACK)
    y += 8
    for swatch, text in legend:
        top = y + 6
        if swatch in ("filled", "hollow"):
            _mark(svg, PAD + 1, PAD + 33, top, announced=swatch == "hollow")
        else:
            _track(svg, PAD, PAD + 32, top, 3)
            wide = {"year": (0, 3), "month": (32 / 3, 64 / 3), "day": (16, 16)}[swatch]
            _mark(svg, PAD + wide[0], PAD + wide[1], top, announced=False)
        for line in _wrap(text, META_SIZE, WIDTH - PAD - 52):
            y += META_SIZE + 6
            svg.text(PAD + 44, y, line, size=META_SIZE)
        y += 8
    height = int(y + PAD)
    return svg.document(title=title, desc=desc, height=height), height


# ------------------------------------------------------------------ the diagram


NAME_SIZE, CENTRE_SIZE = 15.0, 17.0
TRUNK_X, BOX_X = 20.0, 40.0


def _diagram_svg(
    centre: tuple[str, str],
    groups: list[tuple[str, list[tuple[str, list[str], bool]]]],
    *,
    title: str,
    desc: str,
    lang: str,
) -> tuple[str, int]:
    """`centre` is (label, kind); `groups` are (relation, [(name, notes, announced)]). Returns the SVG and
    its height."""
    svg = _Svg(lang)
    label, kind = centre
    lines = _wrap(label, CENTRE_SIZE, WIDTH - 2 * PAD - 24, bold=True)
    box_height = 12 + len(lines) * (CENTRE_SIZE + 5) + META_SIZE + 10
    svg.rect(PAD, PAD, WIDTH - 2 * PAD, box_height, fill=CENTRE, stroke=ACCENT, rx=4)
    y = PAD + 6.0
    for line in lines:
        y += CENTRE_SIZE + 5
        svg.text(PAD + 12, y, line, size=CENTRE_SIZE, weight="bold")
    svg.text(PAD + 12, y + META_SIZE + 6, kind, size=META_SIZE, fill=MUTED)
    y = PAD + box_height
    trunk_top, trunk_bottom = y, y
    for relation, neighbours in groups:
        y += 22
        svg.text(TRUNK_X + 12, y, relation, size=META_SIZE, fill=MUTED, weight="bold")
        y += 6
        for name, notes, announced in neighbours:
            name_lines = _wrap(name, NAME_SIZE, WIDTH - PAD - BOX_X - 20)
            note_lines = [line for note in notes for line in _wrap(note, META_SIZE, WIDTH - PAD - BOX_X - 20)]
            height = 10 + len(name_lines) * (NAME_SIZE + 4) + len(note_lines) * (META_SIZE + 4) + 8
            top = y + 4
            svg.open_group(", ".join((relation, name, *notes)))
            middle = top + min(height / 2, 18)
            svg.line(TRUNK_X, middle, BOX_X, middle, stroke=ACCENT, dashed=announced)
            svg.rect(
                BOX_X,
                top,
                WIDTH - PAD - BOX_X,
                height,
                fill="#ffffff" if announced else PANEL,
                stroke=ACCENT,
                dashed=announced,
                stroke_width=1.5,
            )
            line_y = top + 6
            for line in name_lines:
                line_y += NAME_SIZE + 4
                svg.text(BOX_X + 10, line_y, line, size=NAME_SIZE)
            for line in note_lines:
                line_y += META_SIZE + 4
                svg.text(BOX_X + 10, line_y, line, size=META_SIZE, fill=MUTED)
            svg.close_group()
            trunk_bottom = middle
            y = top + height
    svg.line(TRUNK_X, trunk_top, TRUNK_X, trunk_bottom, stroke=ACCENT)
    height_total = int(y + PAD + 4)
    return svg.document(title=title, desc=desc, height=height_total), height_total


# ------------------------------------------------------------------ pages


class SitePictures:
    """The pictures of the whole site, from facts and relations read once from the graph."""

    def __init__(self, labeller: Labeller) -> None:
        self.labeller = labeller
        self.graph = labeller.graph
        self.facts = dated_facts(self.graph)
        self.relations = relations(self.graph)
        self.by_end: dict[URIRef, list[Relation]] = {}
        for relation in self.relations:
            if relation.subject != relation.object:
                for end in (relation.subject, relation.object):
                    self.by_end.setdefault(end, []).append(relation)

    def home(self, *, lang: str, from_file: str) -> PagePictures:
        """The home page: the timeline of every dated fact."""
        text = TEXT[lang]
        picture = self.timeline(
            self.facts,
            lang=lang,
            from_file=from_file,
            file=f"pictures/timeline.{lang}.svg",
            title=text["timeline"],
        )
        return PagePictures(timeline=picture)

    def resource(self, iri: URIRef, *, lang: str, from_file: str) -> PagePictures:
        """An organisation, person or agreement: its diagram and the timeline of its dated facts."""
        path = resource_path(str(iri))
        if path is None or path.split("/")[1] not in DIAGRAM_KINDS:
            return PagePictures()
        name = self.labeller.label(iri, lang)
        text = TEXT[lang]
        near = involved(self.graph, iri)
        facts = tuple(fact for fact in self.facts if fact.item in near)
        base = f"pictures/{path[len('id/') :]}"
        timeline = (
            self.timeline(
                facts,
                lang=lang,
                from_file=from_file,
                file=f"{base}.timeline.{lang}.svg",
                title=text["timeline_of"].format(name),
            )
            if facts
            else None
        )
        return PagePictures(
            timeline=timeline, diagram=self.diagram(iri, lang=lang, from_file=from_file, base=base)
        )

    # -------------------------------------------------------------- timeline

    def timeline(
        self, facts: tuple[DatedFact, ...], *, lang: str, from_file: str, file: str, title: str
    ) -> Picture | None:
        if not facts:
            return None
        text = TEXT[lang]
        labeller = self.labeller
        entries = []
        rows = []
        for fact in facts:
            label = self.name(fact.item, lang)
            when = date_words(fact.lexical, lang)
            kind = self.kind(fact.item, lang)
            status = labeller.label(fact.status, lang) if fact.status is not None else ""
            which = ", ".join(labeller.label(predicate, lang) for predicate in fact.predicates)
            attested = fact.predicates == (PIA.attestedOn,)
            said = text["attested"].format(when) if attested else when
            meta = " · ".join(part for part in (said, kind, status) if part)
            entries.append((fact, label, meta))
            rows.append(
                (
                    Cell(when, note=f"{which} ({text[fact.precision]})"),
                    Cell(links=(self.link(fact.item, from_file=from_file, lang=lang),)),
                    Cell(kind),
                    Cell(status),
                    Cell(links=self.links(fact.sources, lang=lang, from_file=from_file)),
                )
            )
        announced = sum(fact.announced for fact in facts)
        first, last = date_words(facts[0].lexical, lang), date_words(facts[-1].lexical, lang)
        if len(facts) == 1:
            desc = text["one_fact"].format(first=first)
        else:
            desc = text["timeline_desc"].format(count=len(facts), first=first, last=last, announced=announced)
        svg, height = _timeline_svg(
            entries, title=title, desc=desc, lang=lang, legend=self.legend(facts, lang)
        )
        return Picture(
            key="timeline",
            file=file,
            href=relative(from_file, file),
            svg=svg,
            heading=text["timeline"],
            alt=f"{title}. {desc} {text['alt_more']}",
            width=WIDTH,
            height=height,
            table_summary=text["table"],
            columns=(text["date"], text["what"], text["kind"], text["status"], text["source"]),
            rows=tuple(rows),
        )

    def legend(self, facts: tuple[DatedFact, ...], lang: str) -> list[tuple[str, str]]:
        """What the marks mean, for the kinds of mark the picture holds."""
        text = TEXT[lang]
        legend = []
        held = sorted(
            {fact.status for fact in facts if not fact.announced and fact.status is not None}, key=str
        )
        words = [self.labeller.label(status, lang) for status in held]
        if any(fact.status is None for fact in facts):
            words.append(text["no_status"])
        if words:
            joined = ", ".join(words[:-1]) + text["or"] + words[-1] if len(words) > 1 else words[0]
            legend.append(("filled", text["filled"].format(joined)))
        if any(fact.announced for fact in facts):
            legend.append(("hollow", text["hollow"].format(self.labeller.label(ANNOUNCED, lang))))
        for precision in ("year", "month"):
            if any(fact.precision == precision for fact in facts):
                legend.append((precision, text[f"band_{precision}"]))
        if any(fact.precision == "day" for fact in facts):
            legend.append(("day", text["point"]))
        return legend

    def kind(self, item: URIRef, lang: str) -> str:
        """The labels of the item's classes; classes with no label in the graph are left out when others
        have one (a press release is also a schema:NewsArticle, which only the data section names)."""
        kinds = sorted((t for t in self.graph.objects(item, RDF.type) if isinstance(t, URIRef)), key=str)
        named = []
        for kind in kinds:
            found = self.labeller.literal(kind, lang)
            if kind in KIND_LABELS:
                named.append(KIND_LABELS[kind][LANGS.index(lang)])
            elif found is not None:
                named.append(found[0])
        return ", ".join(named) if named else ", ".join(self.labeller.label(t, lang) for t in kinds)

    def name(self, iri: URIRef, lang: str, *, speaker: bool = True) -> str:
        """The label of a resource; a quote by its opening words, with its speaker (unless `speaker` is False)
        only if the source names one (a candidate speaker is not one)."""
        quote = self.graph.value(iri, SCHEMA.text)
        if quote is None:
            return self.labeller.label(iri, lang)
        marks = ("«\u00a0", "\u00a0»") if lang == "fr" else ("“", "”")
        opening = textwrap.shorten(" ".join(str(quote).split()), 60, placeholder="…")
        said_by = self.graph.value(iri, PROV.wasAttributedTo) if speaker else None
        said = "" if said_by is None else f" — {self.labeller.label(said_by, lang)}"
        return f"{marks[0]}{opening}{marks[1]}{said}"

    def link(self, iri: URIRef, *, lang: str, from_file: str) -> Link:
        link = self.labeller.link(iri, from_file=from_file, lang=lang)
        if (iri, SCHEMA.text, None) not in self.graph:
            return link
        return Link(link.href, self.name(iri, lang), None, link.external)

    def links(self, iris: Iterable[URIRef], *, lang: str, from_file: str) -> tuple[Link, ...]:
        return tuple(self.link(iri, from_file=from_file, lang=lang) for iri in iris)

    # -------------------------------------------------------------- diagram

    def diagram(self, iri: URIRef, *, lang: str, from_file: str, base: str) -> Picture | None:
        """`iri` at the top, the resources related to it below, grouped by relation and sorted by label."""
        labeller = self.labeller
        text = TEXT[lang]
        edges = []
        for relation in self.by_end.get(iri, []):
            outgoing = relation.subject == iri
            other = relation.object if outgoing else relation.subject
            words = RELATIONS[relation.key][lang][0 if outgoing else 1]
            order = (RELATION_ORDER.index(relation.key), not outgoing)
            edges.append((order, words, self.name(other, lang).casefold(), str(other), relation, other))
        if not edges:
            return None
        edges.sort(key=lambda edge: (*edge[:4], str(edge[4].via)))
        groups: list[tuple[str, list[tuple[str, list[str], bool]]]] = []
        rows = []
        for _, words, _, _, relation, other in edges:
            name = self.name(other, lang)
            notes = []
            if relation.via is not None:
                notes.append(self.via_words(relation.via, lang))
            status = labeller.label(relation.status, lang) if relation.status is not None else ""
            if status and relation.status_of != iri:  # the centre's own status is written under its name
                notes.append(status)
            if not groups or groups[-1][0] != words:
                groups.append((words, []))
            groups[-1][1].append((name, notes, relation.status == ANNOUNCED))
            rows.append(
                (
                    Cell(words),
                    Cell(links=(self.link(other, from_file=from_file, lang=lang),)),
                    Cell(
                        links=self.links(
                            [relation.via] if relation.via else [], lang=lang, from_file=from_file
                        )
                    ),
                    Cell(status),
                    Cell(links=self.links(relation.sources, lang=lang, from_file=from_file)),
                )
            )
        centre = labeller.label(iri, lang)
        title = text["diagram_of"].format(centre)
        summary = "; ".join(f"{words} {', '.join(name for name, _, _ in items)}" for words, items in groups)
        desc = text["diagram_desc"].format(centre=centre, relations=summary)
        own_status = _status(self.graph, iri)
        kind = self.kind(iri, lang) + ("" if own_status is None else f" · {labeller.label(own_status, lang)}")
        svg, height = _diagram_svg((centre, kind), groups, title=title, desc=desc, lang=lang)
        file = f"{base}.diagram.{lang}.svg"
        return Picture(
            key="diagram",
            file=file,
            href=relative(from_file, file),
            svg=svg,
            heading=text["diagram"],
            alt=f"{title}. {desc} {text['alt_more']}",
            width=WIDTH,
            height=height,
            table_summary=text["table"],
            columns=(text["relation"], text["related"], text["through"], text["status"], text["source"]),
            rows=tuple(rows),
        )

    def via_words(self, via: URIRef, lang: str) -> str:
        """How the fact behind a relation reads in its box: a membership by its role, a quote without its
        speaker (the box names the speaker), anything else by its label."""
        role = self.graph.value(via, ORG.role) if (via, RDF.type, ORG.Membership) in self.graph else None
        return self.labeller.label(role, lang) if role is not None else self.name(via, lang, speaker=False)
