"""Calendar dates in text: month names, ordinals, full dates and the event calendar.

Shared by the clean stage (the publication date of a document) and the
extract stage (the period of a statistic). The patterns and words live in
tasks/lexicon/dates.toml and events.toml (ordinal words: numbers.toml).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache

import cn2an

from tasks.common.prefilter import PrefilteredPattern
from tasks.common.rules import rules



@dataclass(frozen=True)
class PubDate:
    """A publication date known to the year, the month or the day, and the calendar of the document's years.

    `roc_years`: the document names years in the calendar of the Republic of China too (114年 is 2025;
    see uses_roc_years), so its time expressions read a bare three-digit year as one.
    """

    year: int
    month: int | None = None
    day: int | None = None
    roc_years: bool = field(default=False, kw_only=True)  # (keyword-only: parse passes the parts of a date before it)

    @classmethod
    def parse(cls, text: str | None, roc_years: bool = False) -> "PubDate | None":
        """Parse `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (None stays None)."""
        if not text:
            return None
        parts = [int(p) for p in text.split("-")]
        return cls(*parts, roc_years=roc_years)

    def __str__(self) -> str:
        out = f"{self.year:04d}"
        if self.month:
            out += f"-{self.month:02d}"
            if self.day:
                out += f"-{self.day:02d}"
        return out


@lru_cache(maxsize=None)
def _compiled_events() -> tuple[list, list, PrefilteredPattern]:
    """(fixed events, numbered series, ongoing-marker pattern)."""
    ev = rules().events
    fixed = [(re.compile(e["pattern"], re.I), e["year"], e["month"]) for e in ev.get("fixed", [])]
    series = [(re.compile(e["pattern"]), e["base_year"], e["month"]) for e in ev.get("series", [])]
    return fixed, series, PrefilteredPattern(ev["ongoing"])


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
    """(position, date) of every full calendar date in a line (an ROC date, 115/02/26, in the Gregorian calendar)."""
    found = []
    for pattern in _full_date_patterns():
        for m in pattern.finditer(line):
            year = roc_year(m["roc"]) if "roc" in pattern.groupindex else int(m["y"])
            day = valid_date(year, month_number(m["m"]), int(m["d"]))
            if day:
                found.append((m.start(), day))
    return sorted(found, key=lambda x: x[0])


def roc_year(token: str) -> int:
    """The Gregorian year of a year of the Republic of China (民国114年, 114/03/05: 2025)."""
    return int(token) + rules().dates["roc_offset"]


@lru_cache(maxsize=None)
def _roc_evidence() -> PrefilteredPattern:
    """Dates and years written in the ROC calendar in a form nothing else takes (dates.toml roc_evidence)."""
    return PrefilteredPattern(rules().dates["roc_evidence"])


def uses_roc_years(text: str) -> bool:
    """True when a text writes a date or year in the ROC calendar unambiguously (民国113年, 115/02/26, 115年3月5日,
    114年度): its bare three-digit years (114年) are ROC years too. Elsewhere 100年 or 120年 is a duration."""
    return _roc_evidence().search(text) is not None
