"""Time expressions in a sentence and the period strings they give.

Period strings follow ../shared/gold/SCHEMA.md: `2023`, `2023-H1`,
`2023-Q1-Q3`, `2023-01/2023-10`, `2012/2021`, `@2022-12-31`, `@2022-12`,
`@2022`. The patterns live in tasks/lexicon/periods.toml.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from tasks.common.dates import PubDate, event_date, month_number, roc_year
from tasks.common.prefilter import PatternSet
from tasks.common.rules import rules


@dataclass(frozen=True)
class TimeExpr:
    """A time expression in a sentence: its span, kind and resolved parts."""

    start: int
    end: int
    kind: str
    year: int | None
    parts: tuple = ()

    def period(self, published: PubDate | None, context_year: int | None) -> str | None:
        """The period string this expression gives (None when it cannot be resolved)."""
        y = self.year
        if self.kind == "vague":
            return None
        if self.kind == "stock_now":
            return f"@{published}" if published else None
        if self.kind == "context_year":
            year = context_year or (published.year if published else None)
            return f"{year}" if year else None
        if self.kind == "stock_context":
            year = context_year or (published.year if published else None)
            return f"@{year}" if year else None
        if self.kind == "year_to_date":
            if not published:
                return None
            if not published.month:
                return f"{published.year}"
            return month_span(published.year, 1, published.month)
        if y is None:
            return None
        if self.kind == "year":
            return f"{y}"
        if self.kind == "stock_year":
            return f"@{y}"
        if self.kind == "stock_month":
            return f"@{y}-{self.parts[0]:02d}"
        if self.kind == "stock_day":
            return f"@{y}-{self.parts[0]:02d}-{self.parts[1]:02d}"
        if self.kind == "half":
            return f"{y}-H{self.parts[0]}"
        if self.kind == "quarters":
            q1, q2 = self.parts
            return f"{y}-Q{q1}" if q1 == q2 else f"{y}-Q{q1}-Q{q2}"
        if self.kind == "months":
            return month_span(y, *self.parts)
        if self.kind == "same_period":
            return f"{y}"  # without the period it repeats (tasks/extract/periods.py gives that), the year
        if self.kind == "years":
            return f"{y}/{self.parts[0]}"
        if self.kind == "since":  # up to the year the text speaks of; when that is the first year, up to its writing
            ends = [year for year in (context_year, published.year if published else None) if year and year > y]
            return f"{y}/{ends[0]}" if ends else None
        raise ValueError(f"unknown time expression kind {self.kind!r}")


def month_span(year: int, first: int, last: int) -> str:
    """Months `first` to `last` of a year in SCHEMA's form: the year, a half or quarters by name, else "YYYY-MM/YYYY-MM"."""
    if (first, last) == (1, 12):
        return f"{year}"
    if first == last:
        return f"{year}-{first:02d}"
    if (first, last) in ((1, 6), (7, 12)):
        return f"{year}-H{1 if first == 1 else 2}"
    if first % 3 == 1 and last % 3 == 0:
        q1, q2 = (first + 2) // 3, last // 3
        return f"{year}-Q{q1}" if q1 == q2 else f"{year}-Q{q1}-Q{q2}"
    return f"{year}-{first:02d}/{year}-{last:02d}"


# The Chinese year of the periods.toml patterns: it also reads a year of the Republic of China ([roc_years]).
ZH_YEAR = r"(?P<year>(?:19|20)\d{2})年"


def with_roc_years(pattern: str, bare: bool) -> str:
    """A pattern whose Chinese year also reads 民国113年 and, when `bare`, 114年 (periods.toml [roc_years])."""
    roc = rules().periods["roc_years"]
    alternatives = [r"(?P<year>(?:19|20)\d{2})", roc["prefixed"]] + ([roc["bare"]] if bare else [])
    return pattern.replace(ZH_YEAR, f"(?:{'|'.join(alternatives)})年")


@lru_cache(maxsize=None)
def _compiled_exprs(roc_years: bool = False) -> tuple[list[tuple[str, re.Pattern]], PatternSet]:
    """(kind, pattern) of the time-expression patterns in priority order, and the set that tells which may match.

    `roc_years`: the document writes ROC dates, so a bare three-digit year is one too (PubDate.roc_years).
    """
    exprs = rules().periods["expr"]
    patterns = [with_roc_years(e["pattern"], roc_years) for e in exprs]
    return [(e["kind"], re.compile(p)) for e, p in zip(exprs, patterns)], PatternSet(patterns)


@lru_cache(maxsize=None)
def _comparison_before() -> tuple[re.Pattern, int]:
    """Words that make the period after them a base of comparison, and how far before it they are looked for."""
    return re.compile(rules().periods["comparison_before"]), rules().context["windows"]["comparison_before_chars"]


@lru_cache(maxsize=None)
def _part_numbers() -> dict:
    """Relative years, quarter and half numbers, first years of five-year plans (periods.toml), keyed in lower case."""
    periods = rules().periods
    return {table: {k.lower(): v for k, v in periods[table].items()}
            for table in ("relative_years", "quarter_numbers", "half_numbers", "five_year_plans")}


@lru_cache(maxsize=None)
def _trigger() -> re.Pattern:
    """Fast pre-check: a sentence without a match holds no time expression."""
    return re.compile(rules().periods["trigger"])


def plan_years(plan: str) -> tuple[int, int]:
    """The first and the last year of a five-year plan named by its number ("十三", "13th": 2016, 2020)."""
    first = _part_numbers()["five_year_plans"][plan.lower()]
    return first, first + 4


def _expr_year(groups: dict, published: PubDate | None) -> int | None:
    """The year a time expression names: digits, a relative word, an event or the publication year."""
    if groups.get("year"):
        return int(groups["year"])
    if plan := groups.get("plan") or groups.get("plan_end"):  # a five-year plan: its first or its last year
        return plan_years(plan)[1 if groups.get("plan_end") else 0]
    if roc := groups.get("roc") or groups.get("roc_bare"):
        return roc_year(roc)
    if groups.get("rel"):
        offset = _part_numbers()["relative_years"].get(groups["rel"].lower())
        return published.year + offset if published and offset is not None else None
    if groups.get("event"):
        found = event_date(groups["event"])
        return found[0] if found else None
    return published.year if published else None


def _expr_parts(kind: str, g: dict) -> tuple | None:
    """Kind-specific parts (month, half, quarters, months) of a match."""
    if kind in ("stock_month", "stock_day"):
        month = month_number(g.get("month") or g["monthname"])
        day = int(g.get("day", 1))
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return None
        return (month,) if kind == "stock_month" else (month, day)
    if kind == "half":
        return (_part_numbers()["half_numbers"][g["half"].lower()],)
    if kind == "quarters":
        quarters = _part_numbers()["quarter_numbers"]
        if g.get("q2"):
            return (1, quarters[g["q2"].lower()])
        q = quarters[(g.get("q1") or g["q1b"]).lower()]  # q1b: a quarter written 第三季 (no 度)
        return (q, q)
    if kind == "years" and g.get("plan"):
        return (plan_years(g["plan"])[1],)
    if kind == "years":
        return (int(g["year2"]),) if int(g["year2"]) > int(g["year"]) else None
    if kind == "same_period":  # the offset of a relative year ("去年同期": -1); None for a year named in digits
        return (_part_numbers()["relative_years"][g["rel"].lower()] if g.get("rel") else None,)
    if kind == "months":
        m1 = month_number(g.get("m1") or g.get("monthname1") or "1")
        m2 = month_number(g.get("m2") or g.get("monthname2") or g["m1"])  # one month: 5月上旬
        return (m1, m2) if 1 <= m1 <= m2 <= 12 else None
    return ()


def find_time_exprs(sentence: str, published: PubDate | None) -> list[TimeExpr]:
    """Every time expression in a sentence, non-overlapping, in text order (without the dates of bases of comparison)."""
    return list(_scan(sentence, published)[0])


def base_dates(sentence: str, published: PubDate | None) -> list[TimeExpr]:
    """The time expressions of a sentence that date a base of comparison ("较2018年的3457338件"), in text order."""
    return list(_scan(sentence, published)[1])


@lru_cache(maxsize=256)  # a sentence's bases are asked for right after its expressions
def _scan(sentence: str, published: PubDate | None) -> tuple[tuple[TimeExpr, ...], tuple[TimeExpr, ...]]:
    """(time expressions, dates of bases of comparison) of a sentence, non-overlapping."""
    exprs, may_match = _compiled_exprs(bool(published and published.roc_years))
    candidates = may_match.candidates(sentence)
    if not candidates or not _trigger().search(sentence):
        return (), ()
    taken: list[tuple[int, int]] = []
    found: list[TimeExpr] = []
    bases: list[TimeExpr] = []
    for i in candidates:
        kind, pattern = exprs[i]
        for m in pattern.finditer(sentence):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            g = {k: v for k, v in m.groupdict().items() if v}
            parts = _expr_parts(kind, g)
            if parts is None:
                continue
            anchor = m.start("year") if g.get("year") else m.start()
            comparison, window = _comparison_before()
            is_base = kind not in ("since", "years") and comparison.search(sentence, max(0, anchor - window), anchor)
            taken.append((m.start(), m.end()))
            (bases if is_base else found).append(TimeExpr(m.start(), m.end(), kind, _expr_year(g, published), parts))
    return tuple(sorted(found, key=lambda t: t.start)), tuple(sorted(bases, key=lambda t: t.start))


def _last_day(year: int, month: int) -> dt.date:
    """The last day of a month."""
    return dt.date(year, month, calendar.monthrange(year, month)[1])


@lru_cache(maxsize=4096)  # every row asks for its period's days, and few periods occur
def period_bounds(period: str | None) -> tuple[dt.date | None, dt.date | None]:
    """First and last day covered by a period string (a stock: its date twice)."""
    if not period:
        return None, None
    if period.startswith("@"):
        parts = [int(p) for p in period[1:].split("-")]
        if len(parts) == 3:
            day = dt.date(*parts)
        elif len(parts) == 2:
            day = _last_day(*parts)
        else:
            day = dt.date(parts[0], 12, 31)
        return day, day
    if "/" in period:
        a, b = period.split("/")
        return period_bounds(a)[0], period_bounds(b)[1]
    m = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-H(\d))?(?:-Q(\d)(?:-Q(\d))?)?", period)
    if not m:
        raise ValueError(f"not a period: {period!r}")
    year = int(m.group(1))
    if m.group(2):
        month = int(m.group(2))
        return dt.date(year, month, 1), _last_day(year, month)
    if m.group(3):
        half = int(m.group(3))
        return dt.date(year, 6 * half - 5, 1), _last_day(year, 6 * half)
    if m.group(4):
        q1, q2 = int(m.group(4)), int(m.group(5) or m.group(4))
        return dt.date(year, 3 * q1 - 2, 1), _last_day(year, 3 * q2)
    return dt.date(year, 1, 1), dt.date(year, 12, 31)
