"""Which numbers of a sentence are statistics, read as metrics with unit, role, qualifier and signed value.

Numbers come from tasks/extract/numbers.py; the ones that are not statistics
(years, ordinals, list counts, slogans, numbers inside quotations or
non-statistic patterns of tasks/lexicon/nonstats.toml) are dropped with a
reason (`drop_reason`), the others get their role from tasks/extract/roles.py.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from tasks.common.prefilter import PatternSet
from tasks.common.rules import rules
from tasks.extract.indicators import Identity
from tasks.extract.numbers import Quantity, find_quantities
from tasks.extract.roles import CHANGE_ROLES, growth_sign, qualifier_of, unit_and_role

# A four-digit year (a digit pattern, not language: its suffix 年 is nonstats.toml year_suffix).
YEAR_TOKEN = re.compile(r"(?:19|20)\d{2}")


# Two letters or Han characters: a word (a script class, not language).
WORDS = re.compile(r"[A-Za-z\u4e00-\u9fff]{2}")


# A sign right before a percentage makes it a change: "(+46.7%)", "-3.2%".
SIGN_BEFORE = re.compile(r"(?<![\w.])[+\-−](?=\s?$)")


@dataclass
class Metric:
    """One statistic found in a sentence (positions relative to the sentence)."""

    q: Quantity
    unit: str
    role: str
    qualifier: str | None = None
    change_pct: float | None = None
    value: float = 0.0
    noun: str = ""
    noun_end: int = 0
    period: str | None = None
    category: str = "other"
    identity: Identity = Identity()
    attached_to: Metric | None = None  # for a growth rate: the level it was attached to (it keeps no row)


@lru_cache(maxsize=None)
def _patterns() -> dict:
    """Compiled non-statistic, quotation, rank and streak patterns, the words they need and their windows."""
    r = rules()
    ctx, ns, windows = r.context, r.nonstats, r.context["windows"]
    return {
        "nonstat": PatternSet(ns["span_patterns"]),
        "list_nouns": re.compile(ns["list_nouns"]),
        "quotes": [_quote_pattern(a, b, ns["quoted_max_chars"]) for a, b in ns["quote_pairs"]]
        + [_quote_pattern(a, b, 10_000) for a, b in ns["title_pairs"]],
        "years_after": re.compile(ns["years_after"]),
        "year_suffix": ns["year_suffix"],
        "zh_numeral_not_units": frozenset(ns["zh_numeral_not_units"]),
        "unit_list_gap": re.compile(r.numbers["unit_list_gap"]),
        "rank_before": re.compile(ctx["rank"]["before"]),
        "rank_after": re.compile(ctx["rank"]["after"]),
        "place_words": [(re.compile(ctx["rank"]["first_place"]), 1.0), (re.compile(ctx["rank"]["second_place"]), 2.0)],
        "rank_list_gap": re.compile(ctx["rank"]["list_gap"]),
        "rank_bracket_list": re.compile(ctx["rank"]["bracket_list"]),
        "ordinal_prefix": ctx["rank"]["ordinal_prefix"],
        "ordinal_suffix": re.compile(ctx["rank"]["ordinal_suffix"]),
        "rank_measure_words": frozenset(ctx["rank"]["measure_words"]),
        "streak_zh": re.compile(ctx["streak"]["zh_before"]),
        "streak_zh_unit": ctx["streak"]["zh_unit"],
        "nonstat_margin": windows["nonstat_margin_chars"],
        "rank_before_chars": windows["rank_before_chars"],
        "rank_after_chars": windows["rank_after_chars"],
        "naming_word_chars": windows["naming_word_chars"],
    }


def quoted_spans(sentence: str) -> list[tuple[int, int]]:
    """Spans inside short quotations and inside book titles."""
    return [(m.start(), m.end()) for pattern in _patterns()["quotes"] for m in pattern.finditer(sentence)]


def _quote_pattern(opener: str, closer: str, max_chars: int) -> re.Pattern:
    """A regex for text between opener and closer, at most max_chars long."""
    inner = re.escape(opener if opener == closer else opener + closer)
    return re.compile(f"{re.escape(opener)}[^{inner}]{{1,{max_chars}}}{re.escape(closer)}")


def word_rank(start: int, end: int, sentence: str, value: float) -> Quantity:
    """A rank written as a word: 首位, 榜首 (1), 居次 (2)."""
    return Quantity(start=start, end=end, core_start=start, core_end=end, surface=sentence[start:end], kind="ordinal",
                    number=value, value=value, unit="count", unit_token="", suffix_more=False)


def place_words(sentence: str) -> list[Metric]:
    """The ranks of a sentence written as words (首位, 之首, 榜首, 居次, 次之: context.toml [rank])."""
    found = []
    for pattern, value in _patterns()["place_words"]:
        for m in pattern.finditer(sentence):
            start, end = m.span("rank") if "rank" in pattern.groupindex and m["rank"] else m.span()
            found.append(Metric(q=word_rank(start, end, sentence, value), unit="rank", role="rank", value=value))
    return found


def ordinal_suffix(sentence: str, q: Quantity) -> re.Match | None:
    """The English ordinal suffix right after a number in digits ("16th", "21st"), None when there is none."""
    return _patterns()["ordinal_suffix"].match(sentence, q.end) if q.kind == "arabic" else None


def continues_ranks(sentence: str, q: Quantity, last_rank: Metric | None) -> bool:
    """True when a number goes on a list of ranks: "分列第四、第五", "台积电(排名12)、瑞昱(28)"."""
    if last_rank is None or q.unit != "count" or q.unit_token or last_rank.q.end > q.start:
        return False
    p = _patterns()
    if sentence.endswith(p["ordinal_prefix"], 0, q.start):
        return bool(p["rank_list_gap"].fullmatch(sentence, last_rank.q.end, q.start - len(p["ordinal_prefix"])))
    if q.kind == "ordinal" or ordinal_suffix(sentence, q):  # "ranked fourth and fifth"
        return bool(p["rank_list_gap"].fullmatch(sentence, last_rank.q.end, q.start))
    return (sentence[q.start - 1:q.start] == "(" and sentence[q.end:q.end + 1] == ")"
            and bool(p["rank_bracket_list"].fullmatch(sentence, last_rank.q.end, q.start)))


def share_list_units(sentence: str, quantities: list[Quantity]) -> list[Quantity]:
    """Quantities of a list whose unit is written once, after the last ("3.127 billion, 2.932 billion and 2.46 billion dollars")."""
    out = list(quantities)
    gap = _patterns()["unit_list_gap"]
    for i in range(len(out) - 2, -1, -1):
        q, nxt = out[i], out[i + 1]
        if (q.unit == "count" and not q.unit_token and nxt.unit in ("CNY", "USD", "EUR", "percent")
                and q.kind == nxt.kind and gap.fullmatch(sentence[q.end:nxt.start])):
            value = q.number if nxt.unit == "percent" else q.value
            out[i] = replace(q, unit=nxt.unit, value=value)
    return out


def nonstat_spans(sentence: str, quantities: list[Quantity], margin: int | None = None) -> list[tuple[int, int]]:
    """Spans of non-statistic patterns near the numbers (anchors keep their sentence meaning).

    They are searched `margin` characters around each number (default: windows.nonstat_margin_chars).
    """
    pattern = _patterns()["nonstat"].alternation(sentence)
    if pattern is None:
        return []
    if margin is None:
        margin = _patterns()["nonstat_margin"]
    windows: list[list[int]] = []
    for q in quantities:
        lo, hi = max(0, q.start - margin), min(len(sentence), q.end + margin)
        if windows and lo <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], hi)
        else:
            windows.append([lo, hi])
    return [(m.start(), m.end()) for lo, hi in windows for m in pattern.finditer(sentence, lo, hi)]


def is_rank(sentence: str, q: Quantity) -> bool:
    """True when the number is a position in a ranking."""
    p = _patterns()
    if q.unit not in ("count",):
        return False
    before = sentence[max(0, q.start - p["rank_before_chars"]):q.start]
    after_start = q.end if q.unit == "count" and not q.unit_token else q.core_end
    suffix = ordinal_suffix(sentence, q)
    after_start = suffix.end() if suffix else after_start
    after = sentence[after_start:after_start + p["rank_after_chars"]].lstrip()
    if p["rank_before"].search(before):
        return True
    ordinal = before.endswith(p["ordinal_prefix"]) or suffix is not None
    return q.unit_token in p["rank_measure_words"] and ordinal or bool(p["rank_after"].match(after) and ordinal)


def as_streak(sentence: str, q: Quantity) -> Quantity:
    """A number of years after 连续 ("连续两年") read as a streak in years."""
    p = _patterns()
    unit = p["streak_zh_unit"]
    if q.unit == "count" and not q.unit_token and sentence.startswith(unit, q.end) and \
            p["streak_zh"].search(sentence[:q.start]):
        end = q.end + len(unit)
        return replace(q, end=end, surface=sentence[q.start:end].strip(), unit="streak", unit_token=unit)
    return q


def is_year(q: Quantity, sentence: str) -> bool:
    """A bare calendar year (2023, 2023年) rather than a quantity."""
    token = sentence[q.core_start:q.core_end]
    return (
        q.kind == "arabic" and YEAR_TOKEN.fullmatch(token) is not None
        and (q.unit == "count" and q.unit_token in ("",) or sentence.startswith(_patterns()["year_suffix"], q.core_end))
    )


def drop_reason(sentence: str, q: Quantity, nonstat_spans: list[tuple[int, int]]) -> str | None:
    """Why a number is not a statistic, or None when it is one."""
    p = _patterns()
    core = (q.core_start, q.core_end)
    after = sentence[q.end:]
    if any(s <= core[0] and core[1] <= e for s, e in nonstat_spans):
        return "non-statistic pattern"
    if is_year(q, sentence):
        return "year"
    if (q.kind == "ordinal" and q.unit != "streak") or sentence.endswith(p["ordinal_prefix"], 0, q.core_start):
        return "ordinal"
    if q.kind in ("chinese", "words") and q.number == 1 and q.unit not in ("percent",):
        return "the numeral one"
    if q.kind == "chinese" and not q.unit_token and q.unit == "count":
        return "Chinese numeral without unit"
    if q.kind == "chinese" and q.unit_token in p["zh_numeral_not_units"]:
        return f"Chinese numeral before {q.unit_token}"
    if q.kind == "words" and after[:1] == "-":
        return "compound adjective"
    if q.unit == "count" and p["years_after"].match(after) and not q.unit_token:
        return "duration in years"
    if p["list_nouns"].match(after):
        return "counted list or slogan"
    near = p["naming_word_chars"]
    if not q.unit_token and not WORDS.search(sentence, max(0, q.start - near), q.start) \
            and not WORDS.search(sentence, q.end, q.end + near):
        return "a number among numbers, no word names it"
    return None


def nonstat_rule(sentence: str, q: Quantity) -> str | None:
    """Which non-statistic pattern covers the number, in words (for --explain), None when none does."""
    patterns = _patterns()["nonstat"]
    for i in patterns.candidates(sentence):
        for m in re.finditer(patterns.patterns[i], sentence):
            if m.start() <= q.core_start and q.core_end <= m.end():
                return f"non-statistic pattern (nonstats.toml span_patterns[{i}] matched {m.group()!r})"
    return None


def _inside(q: Quantity, spans: Sequence[tuple[int, int]], label: str) -> str | None:
    """`label` when the number lies inside one of the spans."""
    return label if any(s <= q.core_start and q.core_end <= e for s, e in spans) else None


def read_metrics(sentence: str, time_spans: Sequence[tuple[int, int]] = (),
                 dropped: list[tuple[Quantity, str]] | None = None) -> list[Metric]:
    """The statistics of one sentence with unit, role, qualifier and signed value.

    Numbers that are not statistics are appended to `dropped`, when given, with the reason.
    """
    quantities = find_quantities(sentence)
    quoted = quoted_spans(sentence)
    nonstat = nonstat_spans(sentence, quantities) + quoted + list(time_spans)
    metrics = place_words(sentence)
    last_rank = None
    for q in share_list_units(sentence, quantities):
        q = as_streak(sentence, q)
        if is_rank(sentence, q) or continues_ranks(sentence, q, last_rank):
            if sentence[q.start - 1:q.start] == _patterns()["ordinal_prefix"]:
                q = replace(q, start=q.start - 1, surface=sentence[q.start - 1:q.end].strip())
            elif suffix := ordinal_suffix(sentence, q):
                q = replace(q, end=suffix.end(), surface=sentence[q.start:suffix.end()].strip())
            last_rank = Metric(q=q, unit="rank", role="rank", value=q.number)
            metrics.append(last_rank)
            continue
        if reason := drop_reason(sentence, q, nonstat):
            if dropped is not None:
                dropped.append((q, _inside(q, time_spans, "part of a time expression")
                                or _inside(q, quoted, "inside a quotation or a title") or nonstat_rule(sentence, q) or reason))
            continue
        unit, role = unit_and_role(sentence, q)
        value = q.value * (growth_sign(sentence, q) if role in CHANGE_ROLES else 1.0)
        sign = SIGN_BEFORE.search(sentence, 0, q.start) if q.unit == "percent" else None
        if sign:
            q = replace(q, start=sign.start(), surface=sentence[sign.start():q.end].strip())
            role, value = "change_pct", q.value * (-1.0 if sign.group() in "-−" else 1.0)
        metrics.append(Metric(q=q, unit=unit, role=role, value=value, qualifier=qualifier_of(sentence, q)))
    return sorted(metrics, key=lambda m: m.q.start)
