"""`ipmetrics extract --explain`: every number read, in order, with the metric it became or the rule that dropped it."""
from __future__ import annotations

import pytest

from tasks.common.chain import process_record
from tasks.extract import Seen, extract_metrics
from tasks.ingest import discover, ingest_files
from tests.conftest import SEEDS
from tests.test_cli import ipmetrics

EN = ("In 2023, China granted 921,000 invention patents, up 15.3 percent year on year. "
      "The 921,000 invention patents granted were a record.")


def explained(text: str, published: str | None = None) -> list[tuple[str, str, str]]:
    """(surface, outcome, detail) of every number read in a text."""
    seen: list[Seen] = []
    extract_metrics(text, published, seen=seen)
    return [(s.surface, s.outcome, s.detail) for s in seen]


def test_each_number_says_what_it_became_in_text_order():
    outcomes = explained(EN)
    assert [(surface, outcome) for surface, outcome, _ in outcomes] == [
        ("2023", "dropped"), ("921,000", "metric"), ("15.3 percent", "growth rate"), ("921,000", "repeat")]
    assert outcomes[0][2] == "part of a time expression"
    assert outcomes[1][2].startswith("level 921,000 count, change_pct 15.3, period 2023, patent")
    assert outcomes[2][2] == "of 921,000"


def test_a_dropped_number_names_the_rule_that_dropped_it():
    outcomes = {s: d for s, o, d in explained("第二，发明专利有效量达到499.1万件。依据《专利法》第20条。", "2024-01-10")
                if o == "dropped"}
    assert set(outcomes) == {"二", "20条"}
    assert outcomes["二"] == "ordinal"
    assert outcomes["20条"].startswith("non-statistic pattern (nonstats.toml span_patterns[")
    assert outcomes["20条"].endswith("] matched '第20条')")


def test_a_number_in_a_quotation_is_dropped_as_quoted():
    outcomes = explained('The slogan "Top 10 brands" was launched; 120 brands took part.')
    assert ("10", "dropped", "inside a quotation or a title") in outcomes
    assert [o for s, o, _ in outcomes if s == "120 brands" or s == "120"] == ["metric"]


@pytest.mark.parametrize("path", sorted(p for p in SEEDS.iterdir() if p.is_file()), ids=lambda p: p.name)
def test_the_metrics_explained_are_the_rows_extracted(path):
    (record,) = ingest_files([f for f in discover(SEEDS) if f.path == path])
    seen: list[Seen] = []
    done = process_record(record, seen)
    assert [s.position for s in seen if s.outcome == "metric"] == [row["char_start"] for row in done.metrics]
    assert [s.position for s in seen] == sorted(s.position for s in seen)
    assert done.metrics == process_record(record).metrics  # explaining changes nothing


def test_the_command_prints_the_explanation(tmp_path):
    done = ipmetrics("extract", "--explain", "-", stdin=EN.encode())
    assert done.returncode == 0, done.stderr
    lines = done.stdout.decode().splitlines()
    assert lines[0] == "== - (en, published unknown): 4 numbers read, 1 metrics"
    assert "      15.3 percent  -> growth rate: of 921,000" in lines
    assert any(line.startswith("      921,000  -> repeat: level 921,000 count") for line in lines)
