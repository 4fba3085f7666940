"""Which period each metric of a sentence takes: its own time expression, the scope carried from before, the headline's year."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from tasks.common.dates import PubDate, full_dates
from tasks.common.rules import rules
from tasks.extract.roles import converts
from tasks.extract.segment import clause_bounds
from tasks.extract.timeexprs import TimeExpr, base_dates, find_time_exprs, period_bounds

if TYPE_CHECKING:
    from tasks.extract.statistics import Metric

CONTEXT_FREE_KINDS = ("since", "years", "context_year", "stock_context", "stock_now", "same_period", "vague")
# Kinds that no later sentence takes as its time scope: spans of years, "the same period last year", vague times.
NOT_CARRIED = ("since", "years", "same_period", "vague")
YEAR = re.compile(r"(?:19|20)\d{2}")


@lru_cache(maxsize=None)
def _patterns() -> dict:
    """Compiled stock words (context.toml), adjacent gap (periods.toml) and the headline windows."""
    r = rules()
    windows = r.context["windows"]
    return {
        "stock_words": re.compile(r.context["stock"]["words"]),
        "cumulative_words": re.compile(r.context["stock"]["cumulative_words"]),
        "annual_words": re.compile(r.context["stock"]["annual_words"]),
        "flow_verbs": re.compile(r.context["stock"]["flow_verbs"]),
        "base_before": re.compile(r.periods["base_before"]),
        "base_before_chars": windows["comparison_before_chars"],
        "adjacent_gap": re.compile(r.periods["adjacent_gap"]),
        "title_scan_lines": windows["title_scan_lines"],
        "title_max_lines": windows["title_max_lines"],
        "title_max_chars": windows["title_max_chars"],
    }


def _context_year(*expr_lists: list[TimeExpr], published: PubDate | None) -> int | None:
    """The latest year named by earlier explicit expressions (later lists are later in the text), else the publication year."""
    for exprs in reversed(expr_lists):
        for t in reversed(exprs):
            if t.year and t.kind not in CONTEXT_FREE_KINDS:
                return t.year
    return published.year if published else None


def assign_periods(sentence: str, metrics: list[Metric], exprs: list[TimeExpr], carried: list[TimeExpr],
                   item_exprs: list[TimeExpr], published: PubDate | None) -> None:
    """Set each metric's period from the time expressions around it."""
    dated_by: dict[int, TimeExpr] = {}
    bases, undated = base_dates(sentence, published), undated_bases(sentence, exprs)  # once per sentence
    for m in metrics:
        expr = _expr_for(sentence, m, exprs, metrics, bases, undated) or (carried[-1] if carried else None)
        if expr is None:
            continue
        dated_by[id(m)] = expr
        earlier = [t for t in exprs if t.end <= m.q.start and t is not expr]
        context_year = _context_year(item_exprs, earlier, published=published)
        m.period = expr.period(published, context_year)
        if expr.kind == "same_period":
            base = next((found[-1] for found in ([t for t in scope if t.kind not in NOT_CARRIED]
                                                 for scope in (exprs, carried, item_exprs)) if found), None)
            m.period = same_period(expr, base.period(published, context_year) if base else None) or m.period
        if m.unit == "year" and m.period and "/" in m.period:  # a streak ("自105年起已连续10年") holds in its last year
            m.period = m.period.split("/")[1].lstrip("@")
        elif m.period and m.role in ("level", "share") and is_stock(sentence, m, span=not m.period.isdigit()):
            m.period = as_stock(m.period)
        elif expr.kind in ("stock_year", "stock_context") and m.period and is_annual_flow(sentence, m, carried_in=expr not in exprs):
            m.period = m.period.lstrip("@")  # the year's flow, dated by its end
    _changes_of_stocks(metrics, dated_by)
    _changes_since_bases(sentence, metrics, exprs, bases)


def _changes_of_stocks(metrics: list[Metric], dated_by: dict[int, TimeExpr]) -> None:
    """A change, share or multiple dated like the stock before it in its sentence, or by the same period a year earlier
    it is compared with, is a change or part of that stock, at its date ("每万人口发明专利拥有量为65.4件,较去年同期增加
    12.9件": both @2023-03; "有效量合计15.8万件,超过全市总量的44%": both @2024)."""
    levels: list[Metric] = []
    for m in metrics:
        if m.role == "level" and m.unit != "multiple":
            levels.append(m)
        elif (m.role in ("change_abs", "share") or m.unit == "multiple") and levels and m.period \
                and (levels[-1].period or "").startswith("@") and id(m) in dated_by \
                and (dated_by[id(m)] is dated_by.get(id(levels[-1])) or dated_by[id(m)].kind == "same_period"):
            m.period = levels[-1].period


def _changes_since_bases(sentence: str, metrics: list[Metric], exprs: list[TimeExpr], bases: list[TimeExpr]) -> None:
    """A change or multiple stated against a base more than a year before its own period is the change over the years
    from the base to it ("由2016年的0.24万件增长至2020年的1.44万件,年均增长57.1%": 2016/2020; "in 2017, nearly 14 times
    the level of 2001": 2001/2017). The base is the earliest year named before it in its sentence, or after it in its
    clause. A figure followed at once by a year of its own is that year's ("from 44.9 percent in 2020 to 53.3 percent
    in 2024")."""
    dated = [(t.year, t.start, t.end) for t in exprs + bases if t.year and t.kind not in NOT_CARRIED]
    for m in metrics:
        if not (m.role in ("change_pct", "change_abs") or m.unit == "multiple") or not m.period or "/" in m.period:
            continue
        if right_after(sentence, m, exprs):
            continue
        last = period_bounds(m.period)[1]
        assert last is not None  # m.period is not empty
        year = last.year  # the last year it covers
        clause_end = clause_bounds(sentence, m.q.start, m.q.end)[1]
        base = min((y for y, start, end in dated if end <= m.q.start or m.q.end <= start < clause_end), default=year)
        if base < year - 1:
            m.period = f"{base}/{year}"


def scope_exprs(sentence: str, exprs: list[TimeExpr]) -> list[TimeExpr]:
    """The time expressions of a sentence that later sentences take as their scope: not a span of years, not "the same
    period last year", not the date of a base of comparison."""
    return [t for t in undated_bases(sentence, exprs) if t.kind not in NOT_CARRIED]


def undated_bases(sentence: str, exprs: list[TimeExpr]) -> list[TimeExpr]:
    """The time expressions without those that date a base of comparison only ("down 5.3 percent from 58,823 in 2022")."""
    base, window = _patterns()["base_before"], _patterns()["base_before_chars"]
    return [t for t in exprs if not base.search(sentence, max(0, t.start - window), t.start)]


def same_period(expr: TimeExpr, base: str | None) -> str | None:
    """The period `base` a year earlier ("去年同期" of "2023-Q1" is "2022-Q1"), or in the year named; None without a base."""
    if base is None:
        return None
    (offset,) = expr.parts
    years = [int(y) for y in YEAR.findall(base)]
    if not years:
        return None
    shift = offset
    if shift is None:  # the same period of a year named in digits, which _expr_year read
        assert expr.year is not None
        shift = expr.year - years[-1]
    return YEAR.sub(lambda y: str(int(y.group()) + shift), base)


def as_stock(period: str) -> str:
    """A stock at the end of a period: "2023" -> "@2023", "2019-H1" -> "@2019-06", "2023-Q1" -> "@2023-03"; others unchanged."""
    if period.isdigit():
        return f"@{period}"
    year, _, rest = period.partition("-")
    if not year.isdigit() or "/" in year:
        return period
    if rest in ("H1", "H2"):
        return f"@{year}-{6 if rest == 'H1' else 12:02d}"
    if rest.startswith("Q"):
        return f"@{year}-{3 * int(rest[-1]):02d}"
    if "/" in rest:  # "2023-01/2023-10"
        return f"@{period.split('/')[1]}"
    return period


def is_stock(sentence: str, m: Metric, span: bool = False) -> bool:
    """True when the words of the metric's clause make it a stock (holdings, valid, cumulative); over a span of months
    (`span`) a cumulative total ("一季度累计…") is the span's flow, so only the other stock words count."""
    c_start, c_end = clause_bounds(sentence, m.q.start, m.q.end)
    words = [w.group() for w in _patterns()["stock_words"].finditer(sentence, c_start, c_end)]
    return any(not (span and _patterns()["cumulative_words"].fullmatch(w)) for w in words)


def is_annual_flow(sentence: str, m: Metric, carried_in: bool) -> bool:
    """True when a figure dated by a year's end is that year's flow: an annual word in its clause, or, under a scope
    carried in from an earlier sentence, a flow verb right before it ("approved 99 GI products")."""
    c_start, c_end = clause_bounds(sentence, m.q.start, m.q.end)
    if _patterns()["annual_words"].search(sentence, c_start, c_end):
        return True
    return carried_in and bool(_patterns()["flow_verbs"].search(sentence, c_start, m.q.start))


def right_after(sentence: str, m: Metric, exprs: list[TimeExpr]) -> TimeExpr | None:
    """The time expression that follows a figure at once, nothing but blanks between ("53,345 in 2018"), if any."""
    return next((t for t in exprs if t.start >= m.q.end and not sentence[m.q.end:t.start].strip()), None)


def _expr_for(sentence: str, m: Metric, exprs: list[TimeExpr], metrics: list[Metric], bases: list[TimeExpr],
              undated: list[TimeExpr]) -> TimeExpr | None:
    """The time expression a metric belongs to in its own sentence: one right after it ("53,345 in 2018"), else one right
    before it (also the date of a base of comparison, "较2018年的3457338件"), else the first after it in its clause with no
    other figure between (its conversion into another currency aside), else the last before it not dating a base.
    `bases`: the sentence's dates of bases of comparison; `undated`: its expressions without them (undated_bases)."""
    if at_once := right_after(sentence, m, exprs):
        return at_once
    clause_end = clause_bounds(sentence, m.q.start, m.q.end)[1]
    gap = _patterns()["adjacent_gap"]
    adjacent = [t for t in exprs + bases
                if t.end <= m.q.start and gap.fullmatch(sentence[t.end:m.q.start])]
    if adjacent:
        return adjacent[-1]
    following = [
        t for t in exprs
        if t.start >= m.q.end and t.end <= clause_end
        and not any(o is not m and m.q.end <= o.q.start < t.start and not converts(sentence, m, o) for o in metrics)
    ]
    if following:
        return following[0]
    preceding = [t for t in undated if t.end <= m.q.start]
    return preceding[-1] if preceding else None


def title_year(text: str, published: PubDate | None) -> TimeExpr | None:
    """The one year a document's headline names ("关于2022年全国专利密集型产业增加值数据的公告"), if any."""
    p = _patterns()
    lines = [line for line in text.split("\n")[:p["title_scan_lines"]] if line.strip()]
    for line in lines[:p["title_max_lines"]]:
        if len(line) > p["title_max_chars"] or full_dates(line):
            continue
        years = {t.year for t in find_time_exprs(line, published) if t.kind == "year" and t.year}
        if len(years) == 1:
            return TimeExpr(0, 0, "year", years.pop())
    return None
