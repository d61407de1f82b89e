"""HTTP content negotiation: `Accept` with quality values and wildcards (RFC 9110 section 12.5.1).

Each offered media type takes the quality of the most specific range that matches it (`text/turtle` over
`text/*` over `*/*`; a range with more parameters is more specific still); the offer with the highest quality
above zero wins and ties go to the server's order of preference, so the choice never depends on the order in
which a client happens to list equal types. No `Accept` header means "anything", so the first offer wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class MediaRange:
    """One entry of an `Accept` header: `type/subtype;param=value;q=0.5`."""

    type: str
    subtype: str
    params: tuple[tuple[str, str], ...]
    quality: float

    def matches(self, media_type: str) -> bool:
        kind, _, sub = media_type.partition("/")
        return self.type in ("*", kind) and self.subtype in ("*", sub)

    @property
    def specificity(self) -> tuple[int, int]:
        """(wildcard level, number of parameters): higher is more specific."""
        level = 0 if self.type == "*" else 1 if self.subtype == "*" else 2
        return level, len(self.params)


def parse_accept(header: str | None) -> tuple[MediaRange, ...]:
    """The ranges of an `Accept` header; malformed entries are skipped, as servers commonly do."""
    if header is None or not header.strip():
        return (MediaRange("*", "*", (), 1.0),)
    ranges = []
    for item in header.split(","):
        parts = [part.strip() for part in item.split(";")]
        kind, slash, sub = parts[0].lower().partition("/")
        if not slash or not kind or not sub or (kind == "*" and sub != "*"):
            continue
        quality = 1.0
        params: list[tuple[str, str]] = []
        for parameter in parts[1:]:
            name, _, value = parameter.partition("=")
            name = name.strip().lower()
            if name == "q":
                quality = _quality(value.strip())
            elif name:
                params.append((name, value.strip().strip('"')))
        ranges.append(MediaRange(kind, sub, tuple(params), quality))
    return tuple(ranges)


def _quality(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        return 0.0  # RFC 9110 allows only 0 to 1 with three decimals: an unreadable weight accepts nothing
    return value if 0.0 <= value <= 1.0 else 0.0


def quality_of(media_type: str, ranges: Sequence[MediaRange]) -> float:
    """The quality the client gives `media_type`: that of the most specific matching range, else 0."""
    matching = [item for item in ranges if item.matches(media_type)]
    if not matching:
        return 0.0
    return max(matching, key=lambda item: item.specificity).quality


def choose(offers: Sequence[str], accept: str | None) -> str | None:
    """The best of `offers` (in server preference order) for an `Accept` header, or None (HTTP 406)."""
    ranges = parse_accept(accept)
    best: str | None = None
    best_quality = 0.0
    for offer in offers:
        quality = quality_of(offer, ranges)
        if quality > best_quality:
            best, best_quality = offer, quality
    return best


def preferred_language(header: str | None, offers: Sequence[str]) -> str:
    """The first of `offers` (language tags) that `Accept-Language` ranks highest; the first offer if none."""
    if not header:
        return offers[0]
    best, best_quality = offers[0], 0.0
    for offer in offers:
        for item in header.split(","):
            tag, _, rest = item.strip().partition(";")
            quality = _quality(rest.strip()[2:]) if rest.strip().startswith("q=") else 1.0
            tag = tag.strip().lower()
            if (tag == offer or tag.startswith(f"{offer}-")) and quality > best_quality:
                best, best_quality = offer, quality
    return best
