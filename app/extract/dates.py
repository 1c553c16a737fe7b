"""Dates in a sentence, resolved against the publication date, in the sentence's language.

Understood (words from the lexicons of the sentence's script):
- explicit dates: `7 December 2024`, `December 2, 2024`, `1 декември`,
  `6 كانون أول/ديسمبر 2024`, `07.12.2024`, `2024-12-07`;
- today / yesterday / the day before yesterday / tomorrow ("earlier today" contains today);
- "a week ago", "last week" (precision week);
- weekday names: the last such day on or before publication ("Saturday" in a Sunday paper).
A month without a year takes the year that puts it closest before publication.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from .lexicon import PhraseMatcher
from .normalize import Token

NUMERIC = [
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), ("y", "m", "d")),
    (re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b"), ("d", "m", "y")),
]
YEAR = re.compile(r"^(19|20)\d\d$")
ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")


@dataclass(frozen=True)
class Resolved:
    date: date
    precision: str  # day | week
    start: int  # character offsets of the expression, or -1 for "no expression"
    end: int


def _safe(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _closest_year(month: int, day: int, published: date) -> date | None:
    best = None
    for y in (published.year - 1, published.year, published.year + 1):
        d = _safe(y, month, day)
        if d and d <= published + timedelta(days=7):
            best = d
    return best


ORDINAL = re.compile(r"^(\d{1,2})(?:η|ης|ου|er|re|e|st|nd|rd|th|º|ª|-?го|-?е|-?я|\.)$", re.I)


def _num(tok: Token) -> int | None:
    s = tok.raw.translate(ARABIC_DIGITS)
    if s.isdigit():
        return int(s)
    m = ORDINAL.match(s)  # "1η Δεκεμβρίου", "1er décembre", "1-го декабря", "December 1st"
    return int(m.group(1)) if m else None


def find_dates(text: str, tokens: list[Token], matcher: PhraseMatcher, published: date) -> list[Resolved]:
    """Every date expression in a sentence, in order of appearance."""
    found: list[Resolved] = []
    base = tokens[0].start if tokens else 0
    for rx, order in NUMERIC:
        for m in rx.finditer(text):
            parts = dict(zip(order, map(int, m.groups())))
            d = _safe(parts["y"], parts["m"], parts["d"])
            if d:
                found.append(Resolved(d, "day", base + m.start(), base + m.end()))
    for match in matcher.find(tokens):
        kind, value = match.value
        first, last = tokens[match.start], tokens[match.end - 1]
        if kind == "month":
            day = year = None
            if match.start > 0 and (n := _num(tokens[match.start - 1])) and 1 <= n <= 31:
                day, first = n, tokens[match.start - 1]
            after = tokens[match.end:match.end + 3]
            for tok in after:
                n = _num(tok)
                if n is None:
                    continue
                if day is None and 1 <= n <= 31:
                    day, last = n, tok
                elif YEAR.match(str(n)):
                    year, last = n, tok
                    break
            if day is None:
                continue
            d = _safe(year, value, day) if year else _closest_year(value, day, published)
            if d:
                found.append(Resolved(d, "day", first.start, last.end))
        elif kind == "rel":
            precision = "week" if value <= -7 else "day"
            found.append(Resolved(published + timedelta(days=value), precision, first.start, last.end))
        elif kind == "weekday":
            back = (published.weekday() - value) % 7
            found.append(Resolved(published - timedelta(days=back), "day", first.start, last.end))
    found.sort(key=lambda r: r.start)
    return found


def years_in(tokens: list[Token]) -> set[int]:
    return {int(t.raw) for t in tokens if YEAR.match(t.raw)}


def is_historical(tokens: list[Token], published: date) -> bool:
    """The sentence names years, none of them the publication year (background, not news)."""
    years = years_in(tokens)
    recent = {published.year, (published - timedelta(days=20)).year}
    return bool(years) and not (years & recent)
