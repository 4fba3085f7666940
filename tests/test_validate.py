"""Validation keeps evidence: every row ends in the valid table or in rejects."""
from __future__ import annotations

import datetime as dt
import json

import polars as pl

from schemas.tables import to_frame
from tasks.validate import split_valid


def metric(**overrides) -> dict:
    """A valid metrics row, with overrides."""
    row = {
        "metric_id": "0123456789abcdef", "doc_id": "a" * 64, "doc_name": "d.txt", "surface": "15.3%",
        "value": 15.3, "unit": "percent", "role": "share", "change_pct": None, "qualifier": None,
        "period": "2023", "period_start": dt.date(2023, 1, 1), "period_end": dt.date(2023, 12, 31),
        "category": "patent", "period_year": 2023, "metric": "share", "sentence": "It was 15.3%.",
        "char_start": 7, "char_end": 12, "rules_version": "test",
    }
    return row | overrides


def test_valid_rows_pass_untouched():
    frame = to_frame([metric(), metric(metric_id="1123456789abcdef")], "metrics")
    valid, rejects = split_valid(frame, "metrics")
    assert valid.equals(frame) and rejects.height == 0


def test_failing_rows_go_to_rejects_with_check_and_value():
    frame = to_frame([
        metric(),
        metric(metric_id="1" * 16, value=150.0),                    # a share above 100 %
        metric(metric_id="2" * 16, unit="parsec", role="level"),    # unknown unit
        metric(metric_id="3" * 16, period="last spring"),           # not a period
    ], "metrics")
    valid, rejects = split_valid(frame, "metrics")
    assert valid["metric_id"].to_list() == ["0123456789abcdef"]
    assert valid.height + rejects.height == frame.height
    by_key = {r["row_key"]: r for r in rejects.iter_rows(named=True)}
    assert "share must lie between 0 and 100" in by_key["1" * 16]["failed_checks"]
    assert by_key["2" * 16]["failed_checks"].startswith("unit: isin")
    assert "parsec" in by_key["2" * 16]["failure_cases"]
    assert "period: str_matches" in by_key["3" * 16]["failed_checks"]
    assert json.loads(by_key["3" * 16]["row_json"])["period"] == "last spring"


def test_duplicate_ids_are_rejected_not_dropped():
    frame = to_frame([metric(), metric()], "metrics")
    valid, rejects = split_valid(frame, "metrics")
    assert valid.height + rejects.height == 2
    assert rejects.height == 2 and all("metric_id" in c for c in rejects["failed_checks"])


def test_a_schema_level_failure_rejects_the_whole_batch():
    frame = to_frame([metric(), metric(metric_id="1" * 16)], "metrics").with_columns(pl.col("char_start").cast(pl.Int32))
    valid, rejects = split_valid(frame, "metrics")
    assert valid.height == 0 and rejects.height == 2
    assert "char_start" in rejects["failed_checks"][0]


def test_indicator_fields_are_checked_and_failures_kept():
    frame = to_frame([
        metric(indicator="patent.invention.grants", partial=True),
        metric(metric_id="1" * 16, indicator="patent.invention.sold", partial=False),      # not in the code list
        metric(metric_id="2" * 16, partial=False),                                        # partial without indicator
        metric(metric_id="3" * 16, indicator="trademark.applications", partial=False),    # whole, wrong category
        metric(metric_id="4" * 16, indicator="patent.invention.grants", partial=False, area="CN"),  # China has no area
        metric(metric_id="5" * 16, indicator="patent.invention.grants", partial=False, area="CN-GD", origin="domestic"),
    ], "metrics")
    valid, rejects = split_valid(frame, "metrics")
    assert sorted(valid["metric_id"]) == ["0123456789abcdef", "5" * 16]
    reasons = dict(zip(rejects["row_key"], rejects["failed_checks"]))
    assert "indicator: isin" in reasons["1" * 16]
    assert "partial must be set exactly when indicator is" in reasons["2" * 16]
    assert "a whole figure of an indicator must have the indicator's category" in reasons["3" * 16]
    assert "area: isin" in reasons["4" * 16]
