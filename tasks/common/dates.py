"""Calendar dates in text: month names, ordinals, full dates and the event calendar.

Shared by the clean stage (the publication date of a document) and the
extract stage (the period of a statistic). The patterns live in
tasks/lexicon/dates.toml and events.toml.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

import cn2an

from tasks.common.rules import rules

ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
    "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
}
MONTH_ABBREV = {name[:3].lower(): i for i, name in enumerate(calendar.month_name) if name}


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


def ordinal_value(token: str) -> int | None:
    """Value of an ordinal: `sixth`, `6th`, `六`, `6`."""
    token = token.strip().lower()
    if token in ORDINAL_WORDS:
        return ORDINAL_WORDS[token]
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
    for sentence in re.split(r"(?<=[.!?。！？])\s*", text):
        if ongoing.search(sentence):
            found = event_date(sentence)
            if found:
                return f"{found[0]}-{found[1]:02d}"
    return None


def month_number(token: str) -> int:
    """Month number of `10`, `October`, `ten` or `十`."""
    if token.isdigit():
        return int(token)
    if token[:3].lower() in MONTH_ABBREV:
        return MONTH_ABBREV[token[:3].lower()]
    return ordinal_value({"two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
                          "nine": "9", "ten": "10", "eleven": "11"}.get(token.lower(), token)) or 0


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
