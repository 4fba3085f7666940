"""Which period each metric of a sentence takes: its own time expression, the scope carried from before, the headline's year."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from tasks.common.dates import PubDate, full_dates
from tasks.common.rules import rules
from tasks.extract.segment import clause_bounds
from tasks.extract.timeexprs import TimeExpr, find_time_exprs

if TYPE_CHECKING:
    from tasks.extract.statistics import Metric

CONTEXT_FREE_KINDS = ("since", "context_year", "stock_context", "stock_now")


@lru_cache(maxsize=None)
def _patterns() -> dict:
    """Compiled stock words (context.toml), adjacent gap (periods.toml) and the headline windows."""
    r = rules()
    windows = r.context["windows"]
    return {
        "stock_words": re.compile(r.context["stock"]["words"]),
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
    for m in metrics:
        expr = _expr_for(sentence, m, exprs, metrics) or (carried[-1] if carried else None)
        if expr is None:
            continue
        earlier = [t for t in exprs if t.end <= m.q.start and t is not expr]
        m.period = expr.period(published, _context_year(item_exprs, earlier, published=published))
        if m.period and m.period.isdigit() and m.role in ("level", "share") and is_stock(sentence, m):
            m.period = f"@{m.period}"


def is_stock(sentence: str, m: Metric) -> bool:
    """True when the words of the metric's clause make it a stock (holdings, valid, cumulative)."""
    c_start, c_end = clause_bounds(sentence, m.q.start, m.q.end)
    return bool(_patterns()["stock_words"].search(sentence, c_start, c_end))


def _expr_for(sentence: str, m: Metric, exprs: list[TimeExpr], metrics: list[Metric]) -> TimeExpr | None:
    """The time expression a metric belongs to in its own sentence."""
    clause_start, clause_end = clause_bounds(sentence, m.q.start, m.q.end)
    gap = _patterns()["adjacent_gap"]
    adjacent = [t for t in exprs if t.end <= m.q.start and gap.fullmatch(sentence[t.end:m.q.start])]
    if adjacent:
        return adjacent[-1]
    following = [
        t for t in exprs
        if t.start >= m.q.end and t.end <= clause_end
        and not any(o is not m and m.q.end <= o.q.start < t.start for o in metrics)
    ]
    if following:
        return following[0]
    preceding = [t for t in exprs if t.end <= m.q.start]
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
