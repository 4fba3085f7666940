"""Extract stage: every statistic of a clean document, as metric rows.

For each sentence: numbers are read (tasks/numbers.py), the ones that are not
statistics dropped (tasks/lexicon/nonstats.toml), then each statistic gets
its role, qualifier, period, category and the growth rate attached to it.
"""
from __future__ import annotations

import hashlib
import re
from bisect import bisect_left
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import polars as pl

from tasks.numbers import Quantity, find_quantities
from tasks.periods import PubDate, TimeExpr, find_time_exprs, period_bounds
from tasks.published import full_dates
from tasks.rules import PatternSet, any_of, rules, rules_version
from tasks.segment import ITEM_START, Sentence, clause_bounds, segment

# Units as the metrics table names them.
TABLE_UNIT = {"percent_point": "percent", "streak": "year"}
# English words that end the noun phrase after a number.
NOUN_STOP = re.compile(
    r"(?i)^(?:in|of|for|with|to|from|by|at|on|as|which|that|who|whose|were|was|are|is|be|been|have|has|had|will|would|"
    r"could|can|an|a|the|this|these|those|during|over|under|up|down|year|years|respectively|including|than|or|per|"
    r"accounting|accounted|benefiting|reaching|reached|increase|increased|decrease|among|across|around|nationwide|"
    r"through|into|via|after|before|since|while|where|when|its|their|our|last|next|this|that)$"
)
ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
# A plural noun: the head of most counted phrases ("centers", "cities", "people").
PLURAL = re.compile(r"(?i)(?<!\bi)(?<!\bha)(?<!\bwa)(?<!\bthi)(?<!\bit)(?<!\bu)(?<!ss)(?<!ou)s$|^(?:people|children|staff|personnel)$")
# A Chinese noun phrase ends at punctuation, a number, or a conjunction before the next number.
CN_NOUN_END = re.compile(r"[.,，。;；:：、()（）\[\]“”\"《》!?！？\s]|(?:和|及|与|以及)(?=\s*[\d一二三四五六七八九十两近约])|\d")
YEAR_TOKEN = re.compile(r"(?:19|20)\d{2}")
YEARS_AFTER = re.compile(r"(?i)^\s*years?\b|^年")
TO_AFTER = re.compile(r"(?i)^\s*(?:to\b|至|到)")
RATE_LIST_GAP = re.compile(r"\s*(?:,|、|and|和|及|与)\s*(?:(?:up|down|增长|下降)\s*)?")
# Keywords that name a container more than a subject: "patent reexamination cases" is examination.
WEAK_HEAD = re.compile(r"(?i)cases?|案件|案")
LATIN_START = re.compile(r"\s*[A-Za-z]")
HAN = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]+")
WORDS = re.compile(r"[A-Za-z\u4e00-\u9fff]{2}")
SPACES = re.compile(r"\s+")
LOCATIVE_GAP = re.compile(r"(?i)\s*(?:in|across|from|covering|在)\s*")
# A sentence without any of these holds no number worth reading.
NUMBER_HINT = re.compile(r"[\d零〇一二三四五六七八九十百千两]|首位|(?i:\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                         r"thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
                         r"seventy|eighty|ninety|hundred|first|second|third)\b)")
# A sign right before a percentage makes it a change: "(+46.7%)", "-3.2%".
SIGN_BEFORE = re.compile(r"(?<![\w.])[+\-−](?=\s?$)")
# Words between a growth rate and the level it leads to: "grew by 5.2% to 265,800".
RATE_TO_LEVEL = re.compile(r"(?i)\s*(?:to|at|,?\s*reaching|,?\s*reached|达到?|至)\s*")
LIST_GAP = re.compile(r"\s*(?:,|、|,? and|和|及|与)\s*")
DISCOURSE_RESET = re.compile(r"(?i)^(?:at the same time|meanwhile|同时|与此同时)\b")
# A year right before the number names its period: "2016年的0.24万件", "2016年，".
ADJACENT_GAP = re.compile(r"\s*(?:的|,|:)?\s*")
CHANGE_ROLES = ("change_pct", "change_abs")


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
    attached: bool = False


@lru_cache(maxsize=None)
def _patterns() -> dict:
    """Compiled context, non-statistic and category patterns."""
    r = rules()
    ctx, ns, cat = r.context, r.nonstats, r.categories
    keywords = _keyword_patterns(cat)
    return {
        "nonstat": PatternSet(ns["span_patterns"]),
        "list_nouns": re.compile(ns["list_nouns"]),
        "quotes": [_quote_pattern(a, b, ns["quoted_max_chars"]) for a, b in ns["quote_pairs"]]
        + [_quote_pattern(a, b, 10_000) for a, b in ns["title_pairs"]],
        "over_before": re.compile(ctx["qualifier"]["over_before"]),
        "over_after": re.compile(ctx["qualifier"]["over_after"]),
        "under_before": re.compile(ctx["qualifier"]["under_before"]),
        "under_after": re.compile(ctx["qualifier"]["under_after"]),
        "approx_before": re.compile(ctx["qualifier"]["approx_before"]),
        "approx_after": re.compile(ctx["qualifier"]["approx_after"]),
        "increase": re.compile(ctx["growth"]["increase"]),
        "decrease": re.compile(ctx["growth"]["decrease"]),
        "respectively": re.compile(ctx["growth"]["respectively"]),
        "share": re.compile(ctx["growth"]["share"]),
        "average": re.compile(ctx["growth"]["average"]),
        "places_after": re.compile(ctx["places"]["after"]),
        "places_before": re.compile(ctx["places"]["before"]),
        "growth_window": ctx["growth"]["window_chars"],
        "change_abs": re.compile(ctx["change_abs"]["before"]),
        "rank_before": re.compile(ctx["rank"]["before"]),
        "rank_after": re.compile(ctx["rank"]["after"]),
        "first_place": re.compile(ctx["rank"]["first_place"]),
        "times_after": re.compile(ctx["multiple"]["times_after"]),
        "streak_zh": re.compile(ctx["streak"]["zh_before"]),
        "stock": re.compile(ctx["stock"]["words"]),
        "keywords": keywords,
        "priority": {c: i for i, c in enumerate(cat["priority"])},
        "generic_nouns": re.compile(cat["generic_nouns"]),
    }


GENERIC_CATEGORIES = ("patent", "trademark", "copyright")


# --- which numbers are statistics -------------------------------------------------

def quoted_spans(sentence: str) -> list[tuple[int, int]]:
    """Spans inside short quotations and inside book titles."""
    return [(m.start(), m.end()) for pattern in _patterns()["quotes"] for m in pattern.finditer(sentence)]


def _quote_pattern(opener: str, closer: str, max_chars: int) -> re.Pattern:
    """A regex for text between opener and closer, at most max_chars long."""
    inner = re.escape(opener if opener == closer else opener + closer)
    return re.compile(f"{re.escape(opener)}[^{inner}]{{1,{max_chars}}}{re.escape(closer)}")


def first_place(start: int, end: int, sentence: str) -> Quantity:
    """A rank of 1 written as a word (首位)."""
    return Quantity(start=start, end=end, core_start=start, core_end=end, surface=sentence[start:end], kind="ordinal",
                    number=1.0, value=1.0, unit="count", unit_token="", suffix_more=False)


def share_list_units(sentence: str, quantities: list[Quantity]) -> list[Quantity]:
    """Quantities of a list whose unit is written once, after the last ("3.127 billion, 2.932 billion and 2.46 billion dollars")."""
    out = list(quantities)
    for i in range(len(out) - 2, -1, -1):
        q, nxt = out[i], out[i + 1]
        if (q.unit == "count" and not q.unit_token and nxt.unit in ("CNY", "USD", "EUR", "percent")
                and q.kind == nxt.kind and LIST_GAP.fullmatch(sentence[q.end:nxt.start])):
            value = q.number if nxt.unit == "percent" else q.value
            out[i] = replace(q, unit=nxt.unit, value=value)
    return out


def nonstat_spans(sentence: str, quantities: list[Quantity], margin: int = 40) -> list[tuple[int, int]]:
    """Spans of non-statistic patterns near the numbers (anchors keep their sentence meaning)."""
    pattern = _patterns()["nonstat"].alternation(sentence)
    if pattern is None:
        return []
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
    before = sentence[max(0, q.start - 24):q.start]
    after = sentence[q.end:q.end + 8] if q.unit == "count" and not q.unit_token else sentence[q.core_end:q.core_end + 8]
    if p["rank_before"].search(before):
        return True
    return q.unit_token in ("位", "名") and before.endswith("第") or bool(p["rank_after"].match(after) and before.endswith("第"))


def as_streak(sentence: str, q: Quantity) -> Quantity:
    """A number of years after 连续 ("连续两年") read as a streak in years."""
    if q.unit == "count" and not q.unit_token and sentence[q.end:q.end + 1] == "年" and \
            _patterns()["streak_zh"].search(sentence[:q.start]):
        return replace(q, end=q.end + 1, surface=sentence[q.start:q.end + 1].strip(), unit="streak", unit_token="年")
    return q


def is_year(q: Quantity, sentence: str) -> bool:
    """A bare calendar year (2023, 2023年) rather than a quantity."""
    token = sentence[q.core_start:q.core_end]
    return (
        q.kind == "arabic" and YEAR_TOKEN.fullmatch(token) is not None
        and (q.unit == "count" and q.unit_token in ("",) or sentence[q.core_end:q.core_end + 1] == "年")
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
    if q.kind == "ordinal" or sentence[max(0, q.core_start - 1):q.core_start] == "第":
        return "ordinal"
    if q.kind in ("chinese", "words") and q.number == 1 and q.unit not in ("percent",):
        return "the numeral one"
    if q.kind == "chinese" and not q.unit_token and q.unit == "count":
        return "Chinese numeral without unit"
    if q.kind == "chinese" and q.unit_token == "分":
        return "Chinese numeral before 分"
    if q.kind == "words" and after[:1] == "-":
        return "compound adjective"
    if q.unit == "count" and YEARS_AFTER.match(after) and not q.unit_token:
        return "duration in years"
    if p["list_nouns"].match(after):
        return "counted list or slogan"
    if not q.unit_token and not WORDS.search(sentence, max(0, q.start - 20), q.start) \
            and not WORDS.search(sentence, q.end, q.end + 20):
        return "a number among numbers, no word names it"
    return None


def unit_and_role(sentence: str, q: Quantity) -> tuple[str, str] | None:
    """(table unit, role) of a statistic, None when the context rules it out."""
    p = _patterns()
    before = sentence[max(0, q.start - 40):q.start]
    unit = q.unit
    if unit == "multiple" and q.unit_token.lower() == "times" and not p["times_after"].match(sentence[q.end:]):
        unit = "count"
    if unit == "percent_point":
        return "percent", "change_abs"
    if unit == "percent":
        return "percent", percent_role(sentence, q)
    if p["change_abs"].search(before):
        return ("rank" if q.unit_token in ("位", "名") else TABLE_UNIT.get(unit, unit)), "change_abs"
    if unit == "count" and p["places_after"].match(sentence[q.end:]) and p["places_before"].search(before):
        return "rank", "change_abs"
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
    if TO_AFTER.match(between):
        return "share"
    share = [m for m in p["share"].finditer(window) if m.start() > last.end()]
    return "share" if share else "change_pct"


def qualifier_of(sentence: str, q: Quantity) -> str | None:
    """`over`, `under`, `approx` or None, from the words around the number."""
    p = _patterns()
    before = sentence[max(0, q.start - 30):q.start]
    after = sentence[q.end:q.end + 4]
    if q.suffix_more or p["over_before"].search(before) or p["over_after"].match(after):
        return "over"
    if p["under_before"].search(before) or p["under_after"].match(after):
        return "under"
    if p["approx_before"].search(before) or p["approx_after"].match(after):
        return "approx"
    return None


def growth_sign(sentence: str, q: Quantity) -> float:
    """-1 when the words before a change say it fell, else 1."""
    p = _patterns()
    window = sentence[max(0, q.start - p["growth_window"]):q.start]
    inc = [m.end() for m in p["increase"].finditer(window)]
    dec = [m.end() for m in p["decrease"].finditer(window)]
    return -1.0 if dec and (not inc or max(dec) > max(inc)) else 1.0


def read_metrics(sentence: str, time_spans: list[tuple[int, int]] = ()) -> list[Metric]:
    """The statistics of one sentence with unit, role, qualifier and signed value."""
    quantities = find_quantities(sentence)
    nonstat = nonstat_spans(sentence, quantities) + quoted_spans(sentence) + list(time_spans)
    metrics = [Metric(q=first_place(m.start("rank"), m.end("rank"), sentence), unit="rank", role="rank", value=1.0)
               for m in _patterns()["first_place"].finditer(sentence)]
    for q in share_list_units(sentence, quantities):
        q = as_streak(sentence, q)
        if is_rank(sentence, q):
            if sentence[q.start - 1:q.start] == "第":
                q = replace(q, start=q.start - 1, surface=sentence[q.start - 1:q.end].strip())
            metrics.append(Metric(q=q, unit="rank", role="rank", value=q.number))
            continue
        if drop_reason(sentence, q, nonstat):
            continue
        unit, role = unit_and_role(sentence, q)
        value = q.value * (growth_sign(sentence, q) if role in CHANGE_ROLES else 1.0)
        sign = SIGN_BEFORE.search(sentence, 0, q.start) if q.unit == "percent" else None
        if sign:
            q = replace(q, start=sign.start(), surface=sentence[sign.start():q.end].strip())
            role, value = "change_pct", q.value * (-1.0 if sign.group() in "-−" else 1.0)
        metrics.append(Metric(q=q, unit=unit, role=role, value=value, qualifier=qualifier_of(sentence, q)))
    return sorted(metrics, key=lambda m: m.q.start)


# --- growth rates attached to levels ----------------------------------------------

def attach_growth(sentence: str, metrics: list[Metric]) -> list[Metric]:
    """Give levels the growth rates stated for them; return the metrics that keep a row."""
    p = _patterns()
    rates = [m for m in metrics if m.role == "change_pct"
             and not p["average"].search(sentence, max(0, m.q.start - p["growth_window"]), m.q.start)]
    groups: list[list[Metric]] = []
    for rate in rates:
        if groups and _coordinated(sentence, groups[-1][-1], rate, metrics):
            groups[-1].append(rate)
        else:
            groups.append([rate])
    for group in groups:
        tail = sentence[group[-1].q.end:group[-1].q.end + 40]
        head = sentence[max(0, group[0].q.start - 12):group[0].q.start]
        levels = [
            m for m in metrics
            if m.role == "level" and m.unit != "percent" and m.change_pct is None and m.q.end <= group[0].q.start
        ]
        if len(group) > 1 and (p["respectively"].search(tail) or p["respectively"].search(head)):
            targets = levels[-len(group):]
            if len(targets) == len(group):
                for level, rate in zip(targets, group):
                    level.change_pct, rate.attached = rate.value, True
            continue
        for rate in group:
            ahead = [m for m in metrics if m.role == "level" and m.unit != "percent" and m.change_pct is None
                     and m.q.start >= rate.q.end]
            if ahead and RATE_TO_LEVEL.fullmatch(sentence[rate.q.end:ahead[0].q.start]):
                ahead[0].change_pct, rate.attached = rate.value, True
                continue
            if _rate_between(metrics, levels[-1] if levels else None, rate) or not levels:
                continue
            level = levels.pop()
            level.change_pct, rate.attached = rate.value, True
    return [m for m in metrics if not m.attached]


def _coordinated(sentence: str, a: Metric, b: Metric, metrics: list[Metric]) -> bool:
    """True when two rates are listed together ("42.3% and 36.0%")."""
    between = sentence[a.q.end:b.q.start]
    return bool(RATE_LIST_GAP.fullmatch(between))


def _rate_between(metrics: list[Metric], level: Metric | None, rate: Metric) -> bool:
    """True when another growth rate stands between a level and a rate."""
    if level is None:
        return True
    return any(
        m is not rate and m.role == "change_pct" and level.q.end <= m.q.start < rate.q.start for m in metrics
    )


# --- periods ----------------------------------------------------------------------

CONTEXT_FREE_KINDS = ("since", "context_year", "stock_context", "stock_now")


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
    return bool(_patterns()["stock"].search(sentence, c_start, c_end))


def _expr_for(sentence: str, m: Metric, exprs: list[TimeExpr], metrics: list[Metric]) -> TimeExpr | None:
    """The time expression a metric belongs to in its own sentence."""
    clause_start, clause_end = clause_bounds(sentence, m.q.start, m.q.end)
    adjacent = [t for t in exprs if t.end <= m.q.start and ADJACENT_GAP.fullmatch(sentence[t.end:m.q.start])]
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


# --- categories and metric names --------------------------------------------------

def noun_after(sentence: str, m: Metric) -> tuple[str, int]:
    """The words right after a number that name what it counts, and where they end.

    English: up to six words, ending at the first plural (the usual head of a
    counted phrase: "local sub centers in ..."), a function word or
    punctuation. Chinese: up to the next punctuation, conjunction or number.
    """
    rest = sentence[m.q.end:]
    if LATIN_START.match(rest):
        words: list[tuple[str, int]] = []
        for w in ENGLISH_WORD.finditer(rest[:120]):
            gap = rest[(words[-1][1] if words else 0):w.start()]
            if (words and not SPACES.fullmatch(gap)) or (not words and gap.strip()):
                break
            if NOUN_STOP.match(w.group()):
                if w.group().lower() == "the" and not words:
                    continue
                break
            words.append((w.group(), w.end()))
            if len(words) == 6 or PLURAL.search(w.group()):
                break
        while words and words[-1][0].lower() in ("and", "or"):
            words.pop()
        return " ".join(w for w, _ in words), m.q.end + (words[-1][1] if words else 0)
    stop = CN_NOUN_END.search(rest)
    noun = rest[:stop.start() if stop else 24][:24]
    return noun.strip(), m.q.end + len(noun)


def _keyword_patterns(cat: dict) -> tuple[re.Pattern, re.Pattern, PatternSet]:
    """(Latin, Chinese) keyword regexes with one named group per category, in priority order, and the set of both.

    Split by script so each scans fast: Latin keywords start at a word start,
    Chinese ones at a character that occurs in some Chinese keyword. The set
    tells which of the two may match a text at all.
    """
    def alternation(keep) -> str:
        groups = []
        for c in cat["priority"]:
            words = [w for w in cat["keywords"][c] if keep(w)]
            if words:
                groups.append(f"(?P<{c}>{any_of(words).pattern})")
        return "|".join(groups)

    is_cjk = HAN.search
    chars = sorted({ch for words in cat["keywords"].values() for w in words for ch in w if HAN.match(ch)})
    latin = f"(?i)(?<![A-Za-z])(?:{alternation(lambda w: not is_cjk(w))})"
    chinese = f"(?=[{''.join(chars)}])(?:{alternation(is_cjk)})"
    return re.compile(latin, re.M), re.compile(chinese, re.M), PatternSet([latin, chinese])


def keyword_hits(text: str) -> list[tuple[int, int, str]]:
    """(start, end, category) of every category keyword in a text (specific categories win overlaps)."""
    latin, chinese, scripts = _patterns()["keywords"]
    may_match = scripts.candidates(text)
    hits = []
    if 0 in may_match:
        taken_to = 0
        # Latin keywords start at a word start: trying only those is twice as fast as a scan, same matches.
        for word in LATIN_WORD.finditer(text):
            if word.start() >= taken_to and (k := latin.match(text, word.start())) and k.group():
                hits.append((k.start(), k.end(), k.lastgroup))
                taken_to = k.end()
    if 1 in may_match:
        hits += [(k.start(), k.end(), k.lastgroup) for k in chinese.finditer(text) if k.group()]
    return sorted(hits)


@lru_cache(maxsize=4096)
def head_category(item_head: str) -> str | None:
    """The category the first sentence of an item speaks for."""
    return pick_category(keyword_hits(item_head))


def pick_category(hits: list[tuple[int, int, str]], head_final: bool = False) -> str | None:
    """The category a list of keyword hits speaks for, specific subjects first."""
    specific = [h for h in hits if h[2] not in GENERIC_CATEGORIES]
    pool = specific or hits
    if not pool:
        return None
    if head_final:
        return max(pool, key=lambda h: h[1])[2]
    counts: dict[str, int] = {}
    for *_, c in pool:
        counts[c] = counts.get(c, 0) + 1
    return _best(counts)


def _outside(hits: list[tuple[int, int, str]], blanked: list[tuple[int, int]], lo: int = 0, hi: int = 10**9) -> list[str]:
    """Categories of the hits within [lo, hi) that touch no blanked span."""
    return [c for s, e, c in hits if lo <= s and e <= hi and not any(s < be and bs < e for bs, be in blanked)]


def assign_category(sentence: str, m: Metric, metrics: list[Metric], item_head: str,
                    sentence_hits: list[tuple[int, int, str]], doc_topic: str | None = None) -> str:
    """The category of a metric: its noun phrase, its clause, its sentence, then its item's first sentence.

    At the clause and sentence levels the numbers and noun phrases of the
    other metrics are left out, so "13 enterprises ... 17 countries" does not
    make the enterprises international. A bare amount or percentage that
    names nothing ("exporting 2.284 billion dollars") takes the document's topic.
    """
    p = _patterns()
    chinese = not LATIN_START.match(sentence[m.q.end:]) and bool(HAN.search(sentence))
    blanked = [(o.q.start, max(o.q.end, o.noun_end)) for o in metrics if o is not m]
    c_start, c_end = clause_bounds(sentence, m.q.start, m.q.end)
    noun_hits = keyword_hits(m.noun)
    strong = [h for h in noun_hits if not WEAK_HEAD.fullmatch(m.noun[h[0]:h[1]])]
    found = pick_category([h for h in strong if h[2] not in GENERIC_CATEGORIES] and strong or noun_hits, head_final=True)
    if found in GENERIC_CATEGORIES:
        # "granted 110,000 invention patents to foreign applicants": a subject in the clause beats the generic right
        specific = [c for c in _outside(sentence_hits, blanked, c_start, c_end) if c not in GENERIC_CATEGORIES]
        return _best({c: specific.count(c) for c in specific}) or found
    if found:
        return found
    head_word = m.noun if chinese else (m.noun.split() or [""])[-1]
    generic_noun = bool(m.noun) and bool(p["generic_nouns"].match(head_word))
    earlier = [o for o in metrics if o.q.end <= m.q.start]
    if earlier and generic_noun:
        gap = sentence[earlier[-1].noun_end:m.q.start]
        if LOCATIVE_GAP.fullmatch(gap):
            return earlier[-1].category
    levels = [_outside(sentence_hits, blanked, c_start, c_end)]
    if generic_noun or not m.noun or chinese:
        # Chinese sentences chain many clauses: only what comes before the number speaks for it.
        levels.append(_outside(sentence_hits, blanked, 0, c_end if chinese else 10**9))
    found = pick_by_levels(levels) or (head_category(item_head) if generic_noun or not m.noun else None)
    return found or (doc_topic if not m.noun else None) or "other"


def pick_by_levels(levels: list[list[str]]) -> str | None:
    """The category of the narrowest level naming a specific subject; ties go to the wider levels."""
    fallback = None
    tied: set[str] | None = None
    for categories in levels:
        counts: dict[str, int] = {}
        for c in categories:
            if tied is None or c in tied:
                counts[c] = counts.get(c, 0) + 1
        specific = {c: n for c, n in counts.items() if c not in GENERIC_CATEGORIES}
        if not specific:
            fallback = fallback or _best(counts)
            continue
        top = max(specific.values())
        leaders = {c for c, n in specific.items() if n == top}
        if len(leaders) == 1:
            return leaders.pop()
        tied = leaders
        fallback = _best(specific)
    return fallback


def _best(counts: dict[str, int]) -> str | None:
    """The most frequent category, ties broken by priority."""
    if not counts:
        return None
    prio = _patterns()["priority"]
    return min(counts, key=lambda c: (-counts[c], prio[c]))


def metric_name(sentence: str, m: Metric) -> str:
    """A short phrase naming what the metric measures."""
    if m.noun:
        return m.noun
    c_start, _ = clause_bounds(sentence, m.q.start, m.q.end)
    return sentence[c_start:m.q.start].strip()[-80:]


# --- the document ------------------------------------------------------------------

def document_topic(hits: list[tuple[int, int, str]]) -> str | None:
    """The specific category a document's keyword hits speak of most, when one clearly leads (at least 40 % of them)."""
    counts: dict[str, int] = {}
    for *_, c in hits:
        if c not in GENERIC_CATEGORIES:
            counts[c] = counts.get(c, 0) + 1
    if not counts:
        return None
    best = _best(counts)
    return best if counts[best] >= 0.4 * sum(counts.values()) else None


def hits_within(doc_hits: list[tuple[int, int, str]], sentence: Sentence) -> list[tuple[int, int, str]]:
    """The document's keyword hits inside one sentence, relative to the sentence."""
    lo = bisect_left(doc_hits, (sentence.start,))
    end = sentence.start + len(sentence.text)
    return [(s - sentence.start, e - sentence.start, c) for s, e, c in doc_hits[lo:bisect_left(doc_hits, (end,))] if e <= end]


def extract_sentence_metrics(sentence: Sentence, carried: list[TimeExpr], item_exprs: list[TimeExpr],
                             item_head: str, published: PubDate | None, doc_topic: str | None,
                             doc_hits: list[tuple[int, int, str]]) -> tuple[list[Metric], list[TimeExpr]]:
    """Metrics of one sentence and the time expressions it holds (doc_hits: the document's keyword hits)."""
    text = sentence.text
    exprs = find_time_exprs(text, published)
    if not NUMBER_HINT.search(text):
        return [], exprs
    metrics = read_metrics(text, [(t.start, t.end) for t in exprs])
    for m in metrics:
        m.noun, m.noun_end = noun_after(text, m)
    metrics = attach_growth(text, metrics)
    assign_periods(text, metrics, exprs, carried, item_exprs, published)
    hits = hits_within(doc_hits, sentence) if metrics else []
    for m in metrics:
        m.category = assign_category(text, m, metrics, item_head, hits, doc_topic)
    return metrics, exprs


def title_year(text: str, published: PubDate | None) -> TimeExpr | None:
    """The one year a document's headline names ("关于2022年全国专利密集型产业增加值数据的公告"), if any."""
    lines = [line for line in text.split("\n")[:6] if line.strip()]
    for line in lines[:5]:
        if len(line) > 80 or full_dates(line):
            continue
        years = {t.year for t in find_time_exprs(line, published) if t.kind == "year" and t.year}
        if len(years) == 1:
            return TimeExpr(0, 0, "year", years.pop())
    return None


def extract_metrics(text: str, published: str | None, doc_id: str = "", doc_name: str = "") -> list[dict]:
    """Every statistic of a clean document as metrics-table rows (no ids of runs, no clock)."""
    pub = PubDate.parse(published)
    headline = title_year(text, pub)
    doc_hits = keyword_hits(text)
    topic = document_topic(doc_hits)
    rows, seen = [], set()
    carried: list[TimeExpr] = []
    item_exprs: list[TimeExpr] = []
    item_head = ""
    current_item = current_paragraph = None
    paragraph_exprs: list[TimeExpr] = []
    for sentence in segment(text):
        if sentence.item != current_item:
            # A paragraph that goes on from the one before (no list marker) keeps that paragraph's time scope.
            goes_on = sentence.paragraph != current_paragraph and not ITEM_START.match(sentence.text)
            carried = paragraph_exprs[-1:] if goes_on else []
            item_exprs, item_head, current_item = ([headline] if headline else []), sentence.text, sentence.item
        if sentence.paragraph != current_paragraph:
            paragraph_exprs, current_paragraph = [], sentence.paragraph
        if DISCOURSE_RESET.match(sentence.text):
            carried = []
        metrics, exprs = extract_sentence_metrics(sentence, carried or ([headline] if headline else []),
                                                  item_exprs, item_head, pub, topic, doc_hits)
        carryable = [t for t in exprs if t.kind != "since"]
        if carryable:
            carried = carryable
            paragraph_exprs += carryable
        item_exprs += exprs
        for m in metrics:
            row = metric_row(sentence, m, doc_id, doc_name)
            keys = [(row["value"], row["unit"], row["role"], row["change_pct"], row["period"], row["category"], row["qualifier"])]
            if significant_digits(row["value"]) >= 3:
                keys.append((row["value"], row["unit"], row["role"]))
            if any(k in seen for k in keys):
                continue
            seen.update(keys)
            rows.append(row)
    return rows


def significant_digits(value: float) -> int:
    """Significant digits of a value (921000 -> 3, 3072e8 -> 4, 12 -> 2): precise values rarely repeat by chance."""
    digits = f"{abs(value):.6f}".replace(".", "").strip("0")
    return len(digits)


def metric_row(sentence: Sentence, m: Metric, doc_id: str, doc_name: str) -> dict:
    """One metrics-table row."""
    start, end = period_bounds(m.period)
    char_start = sentence.start + m.q.start
    char_end = sentence.start + m.q.start + len(sentence.text[m.q.start:m.q.end].rstrip())
    surface = m.q.surface
    value = round(m.value, 6)
    metric_id = hashlib.sha256(f"{doc_id}|{char_start}|{char_end}|{surface}|{m.unit}|{value}".encode()).hexdigest()[:16]
    return {
        "metric_id": metric_id,
        "doc_id": doc_id,
        "doc_name": doc_name,
        "surface": surface,
        "value": value,
        "unit": m.unit,
        "role": m.role,
        "change_pct": m.change_pct,
        "qualifier": m.qualifier,
        "period": m.period,
        "period_start": start,
        "period_end": end,
        "category": m.category,
        "period_year": end.year if end else None,
        "metric": metric_name(sentence.text, m),
        "sentence": sentence.text,
        "char_start": char_start,
        "char_end": char_end,
        "rules_version": rules_version(),
    }


def extract_document(doc: dict) -> tuple[list[dict], dict | None]:
    """(metric rows, error row or None) of one clean document; never raises."""
    try:
        return extract_metrics(doc["text"], doc["published"], doc["doc_id"], doc["doc_name"]), None
    except Exception as exc:  # noqa: BLE001 - one bad document must not stop the batch
        return [], {"doc_name": doc["doc_name"], "reason": f"extraction failed: {type(exc).__name__}: {exc}"}


def extract_documents(docs: list[dict]) -> tuple[pl.DataFrame, list[dict]]:
    """(metrics frame, error rows) of a few clean documents: workers send back one compact frame, not rows of dicts."""
    from tasks.validate import to_frame

    results = [extract_document(doc) for doc in docs]
    return to_frame([row for rows, _ in results for row in rows], "metrics"), [error for _, error in results if error]


# Documents per unit of work sent to a worker process (fewer in small batches, so every worker gets some).
DOCS_PER_CHUNK = 25


def extract_batch(batch_dir: Path, workers: int | None = None) -> int:
    """Extract the metrics of batch_dir/clean.parquet into batch_dir/metrics.parquet; return the row count.

    A document whose extraction raises is not lost: it is listed in
    batch_dir/errors-extract.parquet and quarantined with the error as reason.
    """
    from tasks.parallel import map_ordered
    from tasks.validate import to_frame

    docs = pl.read_parquet(batch_dir / "clean.parquet").to_dicts()
    size = max(1, min(DOCS_PER_CHUNK, len(docs) // 16))
    chunks = [docs[i:i + size] for i in range(0, len(docs), size)]
    results = map_ordered(extract_documents, chunks, workers)
    frame = pl.concat([to_frame([], "metrics")] + [metrics for metrics, _ in results])
    errors = [error for _, chunk_errors in results for error in chunk_errors]
    frame.write_parquet(batch_dir / "metrics.parquet")
    pl.DataFrame(errors, schema={"doc_name": pl.String, "reason": pl.String}).write_parquet(batch_dir / "errors-extract.parquet")
    return frame.height
