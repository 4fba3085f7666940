"""Facts: the same figure stated by several documents is one fact, with its sources and any conflict (SCHEMA.md)."""
from __future__ import annotations

import datetime as dt
import logging

import polars as pl
import pytest

from schemas.tables import to_frame
from tasks.common.chain import InProcess, run_pipeline
from tasks.common.values import significant_digits
from tasks.common.warehouse import read_table
from tasks.load.facts import agree, build_facts, half_step

KEY = {"indicator": "patent.invention.grants", "origin": None, "area": None, "period": "2023", "role": "level"}


def statement(doc: str, value: float, qualifier: str | None = None, **overrides) -> dict:
    """A metrics row stating a fact."""
    row = {
        "metric_id": f"{abs(hash((doc, value, qualifier))) % 16**16:016x}", "doc_id": "a" * 64, "doc_name": doc,
        "surface": str(value), "value": value, "unit": "count", "role": "level", "change_pct": None,
        "qualifier": qualifier, "period": "2023", "period_start": dt.date(2023, 1, 1), "period_end": dt.date(2023, 12, 31),
        "category": "patent", "period_year": 2023, "indicator": KEY["indicator"], "origin": None, "area": None,
        "partial": False, "metric": "invention patents granted", "sentence": "s", "char_start": 0, "char_end": 1,
        "rules_version": "test",
    }
    return row | overrides


def documents(**published: str | None) -> pl.DataFrame:
    """A documents table with the given publication dates."""
    return pl.DataFrame({"doc_name": list(published), "published": list(published.values())},
                        schema={"doc_name": pl.String, "published": pl.String})


def facts_of(rows: list[dict], **published: str | None) -> list[dict]:
    """The facts of some statements, as dicts."""
    return build_facts(to_frame(rows, "metrics"), documents(**published)).to_dicts()


def test_rounding_is_read_from_the_digits_stated():
    assert (significant_digits(921000), significant_digits(920000), significant_digits(3072e8)) == (3, 2, 4)
    assert (half_step(921000), half_step(920000), half_step(15.3)) == (500, 5000, 0.05)


@pytest.mark.parametrize(("a", "b", "agreed"), [
    ((921000, None), (921000, None), True),
    ((921000, None), (920000, None), True),        # "0.92 million" rounds 921,000
    ((921000, None), (921400, None), True),        # 92.1万 rounds 921,400
    ((921000, None), (923000, None), False),       # two different figures of three digits
    ((920000, "over"), (921000, None), True),      # "over 920,000" allows 921,000
    ((910000, "under"), (921000, None), False),
    ((900000, "approx"), (921000, None), True),    # "about 0.9 million": within 5 %
])
def test_two_statements_agree_within_rounding_or_as_their_qualifier_allows(a, b, agreed):
    first, second = {"value": a[0], "qualifier": a[1]}, {"value": b[0], "qualifier": b[1]}
    assert agree(first, second) is agreed and agree(second, first) is agreed


def test_one_fact_from_many_statements_takes_the_most_precise_value():
    (fact,) = facts_of([statement("en.txt", 920000), statement("zh.txt", 921000), statement("zh.txt", 921000, metric_id="f" * 16)],
                       **{"en.txt": "2024-02-01", "zh.txt": "2024-01-20"})
    assert (fact["value"], fact["status"], fact["n_sources"], fact["sources"]) == (921000, "agreed", 2, ["en.txt", "zh.txt"])
    assert fact["values"] == [920000.0, 921000.0] and len(fact["metric_ids"]) == 3
    assert (fact["first_published"], fact["last_published"]) == ("2024-01-20", "2024-02-01")
    assert (fact["name_en"], fact["category"]) == ("invention patents granted", "patent")


def test_sources_that_disagree_make_a_conflict_and_the_latest_equally_precise_value_wins():
    (fact,) = facts_of([statement("jan.txt", 52000), statement("yearbook.txt", 51893), statement("wipo.txt", 53345)],
                       **{"jan.txt": "2019-01-10", "yearbook.txt": "2023-10-12", "wipo.txt": "2019-03-20"})
    assert (fact["status"], fact["value"], fact["n_sources"]) == ("conflict", 51893, 3)
    (tie,) = facts_of([statement("old.txt", 51893), statement("new.txt", 51894)], **{"old.txt": "2019", "new.txt": "2020"})
    assert tie["value"] == 51894


def test_parts_unknown_periods_and_rows_without_an_indicator_make_no_fact():
    rows = [statement("a.txt", 1, partial=True), statement("b.txt", 2, period=None, period_start=None, period_end=None, period_year=None),
            statement("c.txt", 3, indicator=None, partial=None)]
    assert facts_of(rows, **{"a.txt": None, "b.txt": None, "c.txt": None}) == []


def test_keys_apart_are_facts_apart():
    rows = [statement("a.txt", 921000), statement("a.txt", 4010000, origin="domestic", metric_id="1" * 16),
            statement("a.txt", 15.3, role="change_pct", unit="percent", metric_id="2" * 16)]
    assert len(facts_of(rows, **{"a.txt": "2024"})) == 3


def test_a_run_publishes_facts_reconciled_across_documents_and_reruns_give_the_same(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    (source / "en.txt").write_text("Beijing, Jan 20, 2024. In 2023, China granted 921,000 invention patents.", encoding="utf-8")
    (source / "zh.txt").write_text("2024年1月16日\n2023年，我国授权发明专利92.1万件。", encoding="utf-8")
    (source / "tw.txt").write_text("2024年3月1日\n2023年，大陸核准發明專利約92萬件。", encoding="utf-8")

    def run() -> pl.DataFrame:
        run_pipeline(str(source), str(tmp_path / "wh"), batch_size=2, keep_missing=False, workers=1, run_id="same-id",
                     runner=InProcess(), log=logging.getLogger("facts"))
        return read_table("facts", tmp_path / "wh")

    facts = run()
    fact = facts.filter(pl.col("indicator") == "patent.invention.grants").row(0, named=True)
    assert (fact["period"], fact["value"], fact["status"], fact["n_sources"]) == ("2023", 921000.0, "agreed", 3)
    assert fact["sources"] == ["en.txt", "tw.txt", "zh.txt"]
    assert run().equals(facts)
    (source / "zh.txt").write_text("2024年1月16日\n2023年，我国授权发明专利93.1万件。", encoding="utf-8")
    changed = run().filter(pl.col("indicator") == "patent.invention.grants").row(0, named=True)
    assert (changed["status"], changed["values"]) == ("conflict", [920000.0, 921000.0, 931000.0])
    assert read_table("indicators", tmp_path / "wh").height == 65
