"""Roles and growth: level, share, growth rate or change of a statistic, its qualifier, and the rates attached to levels."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from tasks.common.prefilter import PatternSet
from tasks.common.rules import blank_end_width, rules
from tasks.extract.numbers import Quantity
from tasks.extract.segment import clause_bounds

if TYPE_CHECKING:
    from tasks.extract.statistics import Metric

# Units as the metrics table names them.
TABLE_UNIT = {"percent_point": "percent", "streak": "year"}


CHANGE_ROLES = ("change_pct", "change_abs")


@lru_cache(maxsize=None)
def _patterns() -> dict:
    """Compiled qualifier, growth, change and multiple patterns, and their windows."""
    ctx = rules().context
    windows = ctx["windows"]
    return {
        "over_before": _before_pattern(ctx["qualifier"]["over_before"]),
        "over_after": re.compile(ctx["qualifier"]["over_after"]),
        "under_before": _before_pattern(ctx["qualifier"]["under_before"]),
        "under_after": re.compile(ctx["qualifier"]["under_after"]),
        "approx_before": _before_pattern(ctx["qualifier"]["approx_before"]),
        "approx_after": re.compile(ctx["qualifier"]["approx_after"]),
        "increase": re.compile(ctx["growth"]["increase"]),
        "decrease": re.compile(ctx["growth"]["decrease"]),
        "respectively": re.compile(ctx["growth"]["respectively"]),
        "share": re.compile(ctx["growth"]["share"]),
        "to_share": re.compile(ctx["growth"]["to_share"]),
        "rate_list_gap": re.compile(ctx["growth"]["list_gap"]),
        "rate_to_level": re.compile(ctx["growth"]["to_level"]),
        "each_before": re.compile(ctx["growth"]["each_before"]),
        "conversion_gap": re.compile(ctx["growth"]["conversion_gap"]),
        "average": re.compile(ctx["growth"]["average"]),
        "places_after": re.compile(ctx["places"]["after"]),
        "places_before": re.compile(ctx["places"]["before"]),
        "growth_window": ctx["windows"]["growth_before_chars"],
        "change_abs": _before_pattern(ctx["change_abs"]["before"]),
        "change_abs_after": re.compile(ctx["change_abs"]["after"]),
        "rank_measure_words": frozenset(ctx["rank"]["measure_words"]),
        "times_after": re.compile(ctx["multiple"]["times_after"]),
        "times_words": frozenset(w.lower() for w in ctx["multiple"]["event_words"]),
        "change_before_chars": windows["change_before_chars"],
        "qualifier_before_chars": windows["qualifier_before_chars"],
        "qualifier_after_chars": windows["qualifier_after_chars"],
        "respectively_after_chars": windows["respectively_after_chars"],
        "respectively_before_chars": windows["respectively_before_chars"],
    }


def _before_pattern(pattern: str) -> tuple[re.Pattern, int | None]:
    """A "before" pattern compiled, with how far before the trailing blanks its matches can start (blank_end_width)."""
    return re.compile(pattern), blank_end_width(pattern)


# The qualifier and change patterns matched at a number: a sentence where one cannot match anywhere skips it.
WINDOW_PATTERNS = ("over_before", "over_after", "under_before", "under_after", "approx_before", "approx_after",
                   "change_abs", "change_abs_after")


def _unanchored(pattern: str) -> str | None:
    """A window pattern without its anchors (a trailing `\\s*$` of each branch, a leading `^`): it matches somewhere in
    a sentence wherever the pattern matches a window of it. None when other anchors remain."""
    bare = pattern.replace(r"\s*$", "").removeprefix("^")
    return None if "$" in bare or "^" in bare.replace("[^", "") else bare


@lru_cache(maxsize=None)
def _window_prefilter() -> tuple[tuple[str, ...], PatternSet, frozenset[str]]:
    """(names, set) of the window patterns that can be prefiltered, and the others, which are always tried."""
    p = _patterns()
    unanchored = {name: _unanchored(_pattern_of(p[name])) for name in WINDOW_PATTERNS}
    names = tuple(name for name, bare in unanchored.items() if bare is not None)
    return names, PatternSet([unanchored[name] or "" for name in names]), frozenset(WINDOW_PATTERNS) - set(names)


def _pattern_of(compiled: re.Pattern | tuple[re.Pattern, int | None]) -> str:
    """The source of a compiled pattern, or of a "before" pattern (_before_pattern)."""
    return compiled[0].pattern if isinstance(compiled, tuple) else compiled.pattern


@lru_cache(maxsize=64)  # the numbers of a sentence are read one after another
def may_match(sentence: str) -> frozenset[str]:
    """The window patterns that may match at some number of the sentence (superset: a pattern left out cannot)."""
    names, prefilter, always = _window_prefilter()
    return always | {names[i] for i in prefilter.candidates(sentence)}


def ends_with(before: tuple[re.Pattern, int | None], text: str) -> bool:
    """True when a "before" pattern matches `text` (searched only where a match can start: same answer as a search)."""
    pattern, width = before
    return pattern.search(text, max(0, len(text.rstrip()) - width) if width is not None else 0) is not None


def unit_and_role(sentence: str, q: Quantity) -> tuple[str, str]:
    """(table unit, role) of a statistic."""
    p = _patterns()
    before = sentence[max(0, q.start - p["change_before_chars"]):q.start]
    unit = q.unit
    if unit == "multiple" and q.unit_token.lower() in p["times_words"] and not p["times_after"].match(sentence[q.end:]):
        unit = "count"
    if unit == "percent_point":
        return "percent", "change_abs"
    if unit == "percent":
        return "percent", percent_role(sentence, q)
    if unit == "count" and p["places_after"].match(sentence[q.end:]) and p["places_before"].search(before):
        return "rank", "change_abs"
    may = may_match(sentence)
    if ("change_abs" in may and ends_with(p["change_abs"], before)) \
            or ("change_abs_after" in may and p["change_abs_after"].match(sentence, q.end)):
        return ("rank" if q.unit_token in p["rank_measure_words"] else TABLE_UNIT.get(unit, unit)), "change_abs"
    return TABLE_UNIT.get(unit, unit), "level"


def percent_role(sentence: str, q: Quantity) -> str:
    """`change_pct` for a growth rate, `share` for a part of a whole."""
    p = _patterns()
    clause_start, _ = clause_bounds(sentence, q.start, q.end)
    window = sentence[max(clause_start, q.start - p["growth_window"]):q.start]
    growth = list(p["increase"].finditer(window)) + list(p["decrease"].finditer(window))
    if not growth:
        return "share"
    last = max(growth, key=lambda m: m.end())
    between = window[last.end():]
    if p["to_share"].match(between):
        return "share"
    share = [m for m in p["share"].finditer(window) if m.start() > last.end()]
    return "share" if share else "change_pct"


def qualifier_of(sentence: str, q: Quantity) -> str | None:
    """`over`, `under`, `approx` or None, from the words around the number."""
    p = _patterns()
    before = sentence[max(0, q.start - p["qualifier_before_chars"]):q.start]
    after = sentence[q.end:q.end + p["qualifier_after_chars"]]
    may = may_match(sentence)
    for qualifier in ("over", "under", "approx"):
        before_name, after_name = f"{qualifier}_before", f"{qualifier}_after"
        if (qualifier == "over" and q.suffix_more) or (before_name in may and ends_with(p[before_name], before)) \
                or (after_name in may and p[after_name].match(after)):
            return qualifier
    return None


def growth_sign(sentence: str, q: Quantity) -> float:
    """-1 when the words before a change say it fell, else 1."""
    p = _patterns()
    window = sentence[max(0, q.start - p["growth_window"]):q.start]
    inc = [m.end() for m in p["increase"].finditer(window)]
    dec = [m.end() for m in p["decrease"].finditer(window)]
    return -1.0 if dec and (not inc or max(dec) > max(inc)) else 1.0


def attach_growth(sentence: str, metrics: list[Metric]) -> list[Metric]:
    """Give levels the growth rates stated for them; return the metrics that keep a row."""
    p = _patterns()
    _roles_along_lists(sentence, metrics)
    rates = [m for m in metrics if m.role == "change_pct"
             and not p["average"].search(sentence, max(0, m.q.start - p["growth_window"]), m.q.start)]
    groups: list[list[Metric]] = []
    for rate in rates:
        if groups and _coordinated(sentence, groups[-1][-1], rate, metrics):
            groups[-1].append(rate)
        else:
            groups.append([rate])
    for group in groups:
        tail = sentence[group[-1].q.end:group[-1].q.end + p["respectively_after_chars"]]
        head = sentence[max(0, group[0].q.start - p["respectively_before_chars"]):group[0].q.start]
        levels = [
            m for m in metrics
            if m.role == "level" and m.unit != "percent" and m.change_pct is None and m.q.end <= group[0].q.start
        ]
        if len(group) > 1 and (p["respectively"].search(tail) or p["respectively"].search(head)):
            targets = levels[-len(group):]
            if len(targets) == len(group):
                for level, rate in zip(targets, group):
                    level.change_pct, rate.attached_to = rate.value, level
            continue
        if len(group) == 1 and p["each_before"].search(
                sentence, max(0, group[0].q.start - p["growth_window"]), group[0].q.start) and len(levels) > 1:
            for level in levels:  # "融资项目达1.7万项,惠及企业1.5万家,同比增长均为42%左右": each level grew by it
                level.change_pct, group[0].attached_to = group[0].value, level
            continue
        for rate in group:
            ahead = [m for m in metrics if m.role == "level" and m.unit != "percent" and m.change_pct is None
                     and m.q.start >= rate.q.end]
            if ahead and p["rate_to_level"].fullmatch(sentence[rate.q.end:ahead[0].q.start]):
                ahead[0].change_pct, rate.attached_to = rate.value, ahead[0]
                continue
            if _rate_between(metrics, levels[-1] if levels else None, rate) or not levels:
                continue
            level = levels.pop()
            if levels and converts(sentence, levels[-1], level):  # "1800亿元(248亿美元),同比增长14.1%"
                level = levels.pop()
            level.change_pct, rate.attached_to = rate.value, level
    return [m for m in metrics if m.attached_to is None]


MONEY_UNITS = ("CNY", "USD", "EUR")


def converts(sentence: str, level: Metric, conversion: Metric) -> bool:
    """True when `conversion` is `level` in another currency, in brackets right after it ("180 billion yuan ($24.8 billion)")."""
    return (level.unit in MONEY_UNITS and conversion.unit in MONEY_UNITS and level.unit != conversion.unit
            and bool(_patterns()["conversion_gap"].fullmatch(sentence[level.q.end:conversion.q.start])))


def _roles_along_lists(sentence: str, metrics: list[Metric]) -> None:
    """Figures listed together share the first one's role: percentages ("grew by 35.3%, 32.7% and 28.7% respectively")
    either way, and an absolute change passes to the counts after it ("growing by eight and seven, respectively")."""
    p = _patterns()
    listed = sorted((m for m in metrics if (m.role in ("change_pct", "share")) == (m.unit == "percent")
                     and m.role != "rank"), key=lambda m: m.q.start)
    for before, m in zip(listed, listed[1:]):
        passes = m.unit == "percent" or (before.role, m.role) == ("change_abs", "level")
        if m.role != before.role and m.unit == before.unit and passes \
                and p["rate_list_gap"].fullmatch(sentence[before.q.end:m.q.start]):
            m.role = before.role
            m.value = abs(m.value) * (growth_sign(sentence, m.q) if m.role in CHANGE_ROLES else 1.0)


def _coordinated(sentence: str, a: Metric, b: Metric, metrics: list[Metric]) -> bool:
    """True when two rates are listed together ("42.3% and 36.0%")."""
    between = sentence[a.q.end:b.q.start]
    return bool(_patterns()["rate_list_gap"].fullmatch(between))


def _rate_between(metrics: list[Metric], level: Metric | None, rate: Metric) -> bool:
    """True when another growth rate stands between a level and a rate."""
    if level is None:
        return True
    return any(
        m is not rate and m.role == "change_pct" and level.q.end <= m.q.start < rate.q.start for m in metrics
    )
