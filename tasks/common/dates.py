"""Calendar dates in text: month names, ordinals, full dates and the event calendar.

Shared by the clean stage (the publication date of a document) and the
extract stage (the period of a statistic). The patterns and words live in
tasks/lexicon/dates.toml and events.toml (ordinal words: numbers.toml).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

import cn2an

from tasks.common.rules import rules



@dataclass(frozen=True)
class PubDate:
    """A publication date known to the year, the month or the day."""

    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def parse(cls, text: str | None) -> "PubDate | None":
        """Parse `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (None stays None)."""
        if not text:
            return None
        parts = [int(p) for p in text.split("-")]
        return cls(*parts)

    def __str__(self) -> str:
        out = f"{self.year:04d}"
        if self.month:
            out += f"-{self.month:02d}"
            if self.day:
                out += f"-{self.day:02d}"
        return out


@lru_cache(maxsize=None)
def _compiled_events() -> tuple[list, list, re.Pattern]:
    """(fixed events, numbered series, ongoing-marker pattern)."""
    ev = rules().events
    fixed = [(re.compile(e["pattern"], re.I), e["year"], e["month"]) for e in ev.get("fixed", [])]
    series = [(re.compile(e["pattern"]), e["base_year"], e["month"]) for e in ev.get("series", [])]
    return fixed, series, re.compile(ev["ongoing"])


@lru_cache(maxsize=None)
def _full_date_patterns() -> list[re.Pattern]:
    """Compiled full-date patterns."""
    return [re.compile(p) for p in rules().dates["full_date"]]


@lru_cache(maxsize=None)
def _words() -> dict:
    """Ordinal words, month names (by their first three letters), month count words, the ongoing-event sentence split.

    From numbers.toml [ordinal_words], dates.toml [month_names] and [month_count_words], events.toml sentence_split.
    """
    r = rules()
    return {
        "ordinals": {k.lower(): v for k, v in r.numbers["ordinal_words"].items()},
        "month_abbrev": {name[:3].lower(): n for name, n in r.dates["month_names"].items()},
        "month_counts": {k.lower(): v for k, v in r.dates["month_count_words"].items()},
        "sentence_split": re.compile(r.events["sentence_split"]),
    }


def ordinal_value(token: str) -> int | None:
    """Value of an ordinal: `sixth`, `6th`, `六`, `6`."""
    token = token.strip().lower()
    ordinals = _words()["ordinals"]
    if token in ordinals:
        return ordinals[token]
    digits = re.match(r"\d+", token)
    if digits:
        return int(digits.group())
    try:
        return int(cn2an.cn2an(token, "smart"))
    except (ValueError, KeyError):
        return None


def event_date(text: str) -> tuple[int, int] | None:
    """(year, month) of a known event named in `text`, else None."""
    fixed, series, _ = _compiled_events()
    for pattern, year, month in fixed:
        if pattern.search(text):
            return year, month
    for pattern, base_year, month in series:
        m = pattern.search(text)
        if m:
            token = next(g for g in m.groups() if g)
            n = ordinal_value(token)
            if n:
                return base_year + n, month
    return None


def ongoing_event_month(text: str) -> str | None:
    """`YYYY-MM` of an event the text describes as happening now, else None."""
    _, _, ongoing = _compiled_events()
    if not ongoing.search(text):
        return None  # a match inside a sentence is a match in the whole text
    for sentence in _words()["sentence_split"].split(text):
        if ongoing.search(sentence):
            found = event_date(sentence)
            if found:
                return f"{found[0]}-{found[1]:02d}"
    return None


def month_number(token: str) -> int:
    """Month number of `10`, `October`, `ten` or `十`."""
    if token.isdigit():
        return int(token)
    words = _words()
    if token[:3].lower() in words["month_abbrev"]:
        return words["month_abbrev"][token[:3].lower()]
    if token.lower() in words["month_counts"]:
        return words["month_counts"][token.lower()]
    return ordinal_value(token) or 0


def valid_date(y: int, m: int, d: int) -> dt.date | None:
    """A real calendar date, else None."""
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def full_dates(line: str) -> list[tuple[int, dt.date]]:
    """(position, date) of every full calendar date in a line."""
    found = []
    for pattern in _full_date_patterns():
        for m in pattern.finditer(line):
            day = valid_date(int(m["y"]), month_number(m["m"]), int(m["d"]))
            if day:
                found.append((m.start(), day))
    return sorted(found, key=lambda x: x[0])
