"""Publication date of a clean text, as far as the text tells it.

In order: a full date in the header (a labelled release date first), a
month-day dateline with the year inferred from the text, a full date in the
signature at the end, the month of an event the text calls ongoing.
"""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from tasks.common.dates import full_dates, month_number, ongoing_event_month, valid_date
from tasks.common.rules import rules


@lru_cache(maxsize=None)
def _patterns() -> dict:
    """Compiled date patterns."""
    d = rules().dates
    return {
        "dateline": [re.compile(p, re.M) for p in d["dateline"]],
        "label": re.compile(d["release_label"]),
        "standalone_year": re.compile(d["standalone_year"]),
    }


def latest_year_mentioned(text: str) -> int | None:
    """The latest year that stands alone in the text (not in a span like 2023-2025)."""
    years = [int(y) for y in _patterns()["standalone_year"].findall(text)]
    return max(years) if years else None


def _header_date(lines: list[str]) -> dt.date | None:
    """A full date in the header lines, preferring one right after a release label."""
    n = rules().dates["header_lines"]
    label = _patterns()["label"]
    candidates = []
    for i, line in enumerate(lines[:n]):
        if len(line) > rules().dates["max_line_chars"]:
            continue
        for pos, day in full_dates(line):
            labelled = bool(label.search(line[:pos])) or (i > 0 and pos == 0 and bool(label.search(lines[i - 1])))
            candidates.append((not labelled, i, day))
    return min(candidates)[2] if candidates else None


def _dateline(lines: list[str], text: str) -> str | None:
    """A month-day dateline near the top, with the year inferred from the text."""
    head = "\n".join(lines[:3])
    for pattern in _patterns()["dateline"]:
        m = pattern.search(head)
        if m:
            year = latest_year_mentioned(text)
            day = valid_date(year, month_number(m["m"]), int(m["d"])) if year else None
            if day:
                return day.isoformat()
    return None


def detect_published(text: str) -> str | None:
    """Publication date `YYYY-MM-DD` / `YYYY-MM` / `YYYY`, or None."""
    lines = [line for line in text.split("\n") if line.strip()]
    day = _header_date(lines)
    if day:
        return day.isoformat()
    dateline = _dateline(lines, text)
    if dateline:
        return dateline
    short = [line for line in lines[-rules().dates["footer_lines"]:] if len(line) <= rules().dates["max_line_chars"]]
    footer = [d for line in short for _, d in full_dates(line)]
    if footer:
        return footer[-1].isoformat()
    return ongoing_event_month(text)
