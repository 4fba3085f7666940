"""The walk through a document: sentences in order, the time scope carried between them, one row per statistic.

Each sentence's numbers become metrics (statistics.py), get their growth
rates (roles.py), periods (periods.py), noun phrases (nouns.py) and
categories (categories.py); a statistic the document already stated is not
repeated (dedupe.py).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

from tasks.common.dates import PubDate, uses_roc_years
from tasks.common.rules import indicator_codes, rules, rules_version
from tasks.extract.categories import assign_category, document_topic, hits_within, keyword_hits
from tasks.extract.dedupe import SeenStatistics
from tasks.extract.indicators import Identity, Place, document_office, document_place, identify, named_right
from tasks.extract.nouns import metric_name, noun_after
from tasks.extract.numbers import Quantity
from tasks.extract.periods import assign_periods, scope_exprs, title_year
from tasks.extract.roles import attach_growth
from tasks.extract.segment import Sentence, segment, starts_item
from tasks.extract.statistics import Metric, read_metrics
from tasks.extract.tables import Table, find_tables, read_table
from tasks.extract.timeexprs import TimeExpr, find_time_exprs, period_bounds


# A Han character (a script class, not language data): a Chinese sentence gets the Chinese indicator name.
HAN = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=None)
def _patterns() -> dict:
    """Compiled number hint (numbers.toml), discourse reset and breakdown openings (periods.toml)."""
    r = rules()
    return {
        "number_hint": re.compile(r.numbers["hint"]),
        "discourse_reset": re.compile(r.periods["discourse_reset"]),
        "breakdown": re.compile(r.periods["breakdown"]),
        "han": HAN,
    }


@dataclass(frozen=True)
class Seen:
    """A number the extractor saw and what became of it (`ipmetrics extract --explain`)."""

    sentence: str
    position: int  # offset of the number in the clean text
    surface: str
    outcome: str  # metric, growth rate (of a level), repeat (of an earlier metric), dropped
    detail: str  # the row's attributes, the level, or the rule that dropped it


def extract_sentence_metrics(sentence: Sentence, carried: list[TimeExpr], item_exprs: list[TimeExpr],
                             item_head: str, published: PubDate | None, doc_topic: str | None,
                             doc_hits: list[tuple[int, int, str]],
                             seen: list[Seen] | None = None) -> tuple[list[Metric], list[TimeExpr]]:
    """Metrics of one sentence and the time expressions it holds (doc_hits: the document's keyword hits).

    When `seen` is given, the numbers dropped and the growth rates given to a level are added to it.
    """
    text = sentence.text
    exprs = find_time_exprs(text, published)
    if not _patterns()["number_hint"].search(text):
        return [], exprs
    dropped: list[tuple[Quantity, str]] | None = [] if seen is not None else None
    read = read_metrics(text, [(t.start, t.end) for t in exprs], dropped)
    for m in read:
        m.noun, m.noun_end = noun_after(text, m)
    metrics = attach_growth(text, read)
    if seen is not None:
        assert dropped is not None  # a list whenever seen is given
        seen += [Seen(text, sentence.start + q.start, q.surface, "dropped", reason) for q, reason in dropped]
        seen += [Seen(text, sentence.start + m.q.start, m.q.surface, "growth rate", f"of {m.attached_to.q.surface}")
                 for m in read if m.attached_to is not None]
    assign_periods(text, metrics, exprs, carried, item_exprs, published)
    hits = hits_within(doc_hits, sentence) if metrics else []
    for m in metrics:
        m.category = assign_category(text, m, metrics, item_head, hits, doc_topic)
    return metrics, exprs


def identify_metrics(text: str, metrics: list[Metric], topic: Identity | None, office: str | None = None,
                     place: Place | None = None) -> Identity | None:
    """Give each metric of a sentence its indicator, origin, area and partial flag; return the identity the text now speaks of.

    A whole figure of an indicator takes the indicator's category (SCHEMA.md), and so does a part that no
    keyword gave a category; a part held or filed by foreign applicants ("美国应材获证684件") is `international`.
    """
    if not metrics:
        return named_right(text) or topic
    for m in metrics:
        m.identity = identify(text, m, metrics, topic, office, place)
        if m.identity.indicator and (m.identity.partial is False or m.category == "other"):
            m.category = indicator_codes()[m.identity.indicator]["category"]
        elif m.identity.partial and m.identity.origin == "foreign":
            m.category = "international"
    named = [m for m in metrics if (m.identity.indicator or m.identity.world_of) and not m.identity.inherited]
    levels = [m for m in named if m.role != "share"]  # a share's part is not what the text goes on about
    return (levels or named)[-1].identity.spoken_of() if named else topic


def table_metrics(sentences: list[Sentence], table: Table, published: PubDate | None, before: TimeExpr | None,
                  topic: str | None, seen: list[Seen] | None, office: str | None,
                  place: Place | None = None) -> list[tuple[Sentence, Metric]]:
    """The metrics of a table (tables.py), each with the phrase it was read in, identified; a growth rate given to a
    level goes to `seen` only."""
    kept = []
    for where, m in read_table(sentences, table, published, before, topic):
        if m.attached_to is None:
            identify_metrics(where.text, [m], None, office, place)
            kept.append((where, m))
        elif seen is not None:
            seen.append(Seen(where.text, where.start + m.q.start, m.q.surface, "growth rate",
                             f"of {m.attached_to.q.surface}"))
    return kept


def extract_metrics(text: str, published: str | None, doc_id: str = "", doc_name: str = "",
                    seen: list[Seen] | None = None) -> list[dict]:
    """Every statistic of a clean document as metrics-table rows (no ids of runs, no clock).

    When `seen` is given, every number read is added to it, in text order, with what became of it.
    """
    pub = PubDate.parse(published, roc_years=uses_roc_years(text))  # 114年 is 2025 in a text that writes ROC dates
    headline = title_year(text, pub)
    doc_hits = keyword_hits(text)
    topic = document_topic(doc_hits)
    office = document_office(text)  # a foreign office's release (TIPO): its figures are that office's
    place = document_place(text)  # a province's or a city's release: its figures are that place's
    rows, statistics = [], SeenStatistics()
    indicator_topic: Identity | None = None
    carried: list[TimeExpr] = []
    item_exprs: list[TimeExpr] = []
    item_head = ""
    current_item = current_paragraph = None
    paragraph_exprs: list[TimeExpr] = []

    def keep(sentence: Sentence, m: Metric, metrics: list[Metric]) -> None:
        """Add a metric's row, unless it repeats a statistic the document already stated."""
        row = metric_row(sentence, m, metrics, doc_id, doc_name)
        repeat = statistics.is_repeat(row)
        if not repeat:
            rows.append(row)
        if seen is not None:
            seen.append(Seen(sentence.text, row["char_start"], row["surface"], "repeat" if repeat else "metric",
                             describe(row)))

    sentences = segment(text)
    tables = find_tables(sentences)
    table_lines = {k for table in tables.values() for k in table.lines}
    for index, sentence in enumerate(sentences):
        if index in tables:  # a table is read cell by cell (tables.py), its caption and rows are no prose
            before = carried[-1] if carried else headline
            for where, m in table_metrics(sentences, tables[index], pub, before, topic, seen, office, place):
                keep(where, m, [m])
        if index in table_lines:
            continue
        if sentence.item != current_item:
            # A paragraph that goes on from the one before (no list marker) keeps that paragraph's time scope; one that
            # breaks the figures down ("By region, ...") the scope in force at its end.
            goes_on = sentence.paragraph != current_paragraph and not starts_item(sentence.text)
            breakdown = goes_on and _patterns()["breakdown"].match(sentence.text)
            carried = (carried[-1:] if breakdown else paragraph_exprs[-1:]) if goes_on else []
            item_exprs, item_head, current_item = ([headline] if headline else []), sentence.text, sentence.item
        if sentence.paragraph != current_paragraph:
            paragraph_exprs, current_paragraph = [], sentence.paragraph
        if _patterns()["discourse_reset"].match(sentence.text):
            carried = []
        metrics, exprs = extract_sentence_metrics(sentence, carried or ([headline] if headline else []),
                                                  item_exprs, item_head, pub, topic, doc_hits, seen)
        indicator_topic = identify_metrics(sentence.text, metrics, indicator_topic, office, place)
        carryable = scope_exprs(sentence.text, exprs)
        if carryable:
            carried = carryable
            paragraph_exprs += carryable
        item_exprs += exprs
        for m in metrics:
            keep(sentence, m, metrics)
    if seen is not None:
        seen.sort(key=lambda s: s.position)
    return rows


def describe(row: dict) -> str:
    """A metric row in a few words: role, value and unit, then the attributes that are set."""
    value = f"{int(row['value']):,}" if row["value"] == int(row["value"]) else f"{row['value']:,}"
    parts = [f"{row['role']} {value} {row['unit']}"]
    parts += [f"{name} {row[name]}" for name in ("change_pct", "qualifier", "period") if row[name] is not None]
    parts.append(row["category"])
    if row["metric"]:
        parts.append(f"metric '{row['metric']}'")
    return ", ".join(parts)


def indicator_name(m: Metric, sentence: str) -> str:
    """The name of the metric's indicator in the sentence's language ("" without an indicator)."""
    if not m.identity.indicator:
        return ""
    row = indicator_codes()[m.identity.indicator]
    return row["name_zh"] if _patterns()["han"].search(sentence) else row["name_en"]


def metric_row(sentence: Sentence, m: Metric, metrics: list[Metric], doc_id: str, doc_name: str) -> dict:
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
        "indicator": m.identity.indicator,
        "origin": m.identity.origin,
        "area": m.identity.area,
        "partial": m.identity.partial,
        "metric": metric_name(sentence.text, m, metrics, indicator_name(m, sentence.text)),
        "sentence": sentence.text,
        "char_start": char_start,
        "char_end": char_end,
        "rules_version": rules_version(),
    }
