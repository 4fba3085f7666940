"""Reading the facts: `read_series`, `ipmetrics facts` and the facts section of the run summary.

One small warehouse, built without Prefect from a few inline documents that state the invention patents
granted for 2021, 2022 (twice, agreeing) and 2023 (twice, in conflict: 921,000 against 93.1万).
"""
from __future__ import annotations

import datetime as dt
import logging

import polars as pl
import pytest

from flows.cli import main
from schemas.tables import TABLES, empty_frame
from tasks.common.chain import InProcess, run_pipeline
from tasks.common.report import facts_markdown, summary_markdown
from tasks.common.series import SERIES_COLUMNS, format_value, name_sources, read_series, source_labels
from tasks.common.warehouse import WarehouseNotFound, publish, read_table

GRANTS = "patent.invention.grants"
DOCUMENTS = {
    "a_2021_en.txt": "Beijing, Jan 20, 2022. In 2021, China granted 696,000 invention patents.\n",
    "b_2022_zh.txt": "2023年1月16日\n2022年，我国授权发明专利79.8万件。\n",
    "c_2022_en.txt": "Beijing, Feb 1, 2023 (Xinhua). In 2022, China granted 798,000 invention patents.\n",
    "d_2023_en.txt": ("Beijing, Jan 20, 2024.\nIn 2023, China granted 921,000 invention patents. The amount of "
                      "patent and trademark pledge financing reached 853.99 billion yuan.\n"),
    "e_2023_zh.txt": "2024年1月16日\n2023年，我国授权发明专利93.1万件。\n",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(warehouse, run result) of the documents above, through the pipeline's chain of stages without Prefect."""
    base = tmp_path_factory.mktemp("reading-facts")
    source = base / "src"
    source.mkdir()
    for name, text in DOCUMENTS.items():
        (source / name).write_text(text, encoding="utf-8")
    result = run_pipeline(str(source), str(base / "wh"), batch_size=1000, keep_missing=False, workers=1,
                          run_id="reading-facts", runner=InProcess(), log=logging.getLogger("reading-facts"))
    return base / "wh", result


@pytest.fixture(scope="module")
def warehouse(built):
    return built[0]


def test_read_series_gives_one_row_per_period_in_time_order(warehouse):
    series = read_series(GRANTS, warehouse=warehouse)
    assert series.columns == SERIES_COLUMNS
    assert series["period"].to_list() == ["2021", "2022", "2023"]
    assert series["period_end"].to_list() == [dt.date(2021, 12, 31), dt.date(2022, 12, 31), dt.date(2023, 12, 31)]
    by_period = {row["period"]: row for row in series.iter_rows(named=True)}
    assert (by_period["2021"]["value"], by_period["2021"]["n_sources"], by_period["2021"]["status"]) == (696000, 1, "agreed")
    assert by_period["2022"]["value"] == 798000 and by_period["2022"]["sources"] == ["b_2022_zh.txt", "c_2022_en.txt"]
    assert (by_period["2022"]["n_sources"], by_period["2022"]["status"]) == (2, "agreed")
    assert (by_period["2023"]["n_sources"], by_period["2023"]["status"]) == (2, "conflict")
    assert set(series["unit"]) == {"count"}


def test_read_series_selects_origin_area_and_role(warehouse):
    money = read_series("finance.pledge.amount", warehouse=warehouse)
    assert money.select("period", "value", "unit").rows() == [("2023", 853_990_000_000.0, "CNY")]
    assert read_series(GRANTS, origin="domestic", warehouse=warehouse).is_empty()
    assert read_series(GRANTS, area="CN-GD", warehouse=warehouse).is_empty()
    shares = read_series(GRANTS, warehouse=warehouse, role="share")
    assert shares.is_empty() and shares.columns == SERIES_COLUMNS


def test_read_series_names_an_unknown_indicator_and_the_codes_close_to_it(warehouse):
    with pytest.raises(ValueError, match=r"unknown indicator 'patent\.invention\.grant'; did you mean .*patent\.invention\.grants"):
        read_series("patent.invention.grant", warehouse=warehouse)
    with pytest.raises(ValueError, match="unknown role 'levels'; did you mean level"):
        read_series(GRANTS, warehouse=warehouse, role="levels")
    with pytest.raises(ValueError, match="unknown origin 'china'"):
        read_series(GRANTS, origin="china", warehouse=warehouse)


def test_read_series_of_a_warehouse_without_facts_is_empty_and_of_no_warehouse_raises(tmp_path, monkeypatch):
    publish(tmp_path / "wh", {t: empty_frame(t) for t in TABLES}, "v1")
    empty = read_series(GRANTS, warehouse=tmp_path / "wh")
    assert empty.is_empty() and empty.columns == SERIES_COLUMNS
    with pytest.raises(WarehouseNotFound, match=f"no warehouse at {tmp_path / 'typo'}: no such folder"):
        read_series(GRANTS, warehouse=tmp_path / "typo")
    monkeypatch.setenv("IPMETRICS_WAREHOUSE", str(tmp_path / "wh"))  # found without the argument
    assert read_series(GRANTS).columns == SERIES_COLUMNS


def test_sources_read_as_publisher_and_date_else_as_the_file_name():
    documents = pl.DataFrame({"doc_name": ["a.txt", "b.txt", "c.txt", "d.txt"],
                              "published": ["2024-01-20", None, "2024-02-01", "2024-01-20"],
                              "publisher": ["Xinhua", "CNIPA", None, "Xinhua"]})
    labels = source_labels(documents)
    assert labels == {"a.txt": "Xinhua, 2024-01-20", "b.txt": "CNIPA", "c.txt": "c.txt", "d.txt": "Xinhua, 2024-01-20"}
    assert name_sources(["a.txt", "c.txt"], labels) == ["Xinhua, 2024-01-20", "c.txt"]
    assert name_sources(["a.txt", "d.txt"], labels) == ["Xinhua, 2024-01-20 (a.txt)", "Xinhua, 2024-01-20 (d.txt)"]
    assert source_labels(documents.drop("publisher")) == {n: n for n in documents["doc_name"]}
    assert (format_value(921000.0, "count"), format_value(15.3, "percent"), format_value(8.5399e11, "CNY")) == (
        "921,000 count", "15.3 %", "853,990,000,000 CNY")


def expected_label(warehouse, doc_name: str) -> str:
    """How a source should read: "publisher, date" when the documents table knows the publisher, else its name."""
    doc = read_table("documents", warehouse).filter(pl.col("doc_name") == doc_name).row(0, named=True)
    if not doc.get("publisher"):
        return doc_name
    return f"{doc['publisher']}, {doc['published']}" if doc["published"] else doc["publisher"]


def test_ipmetrics_facts_prints_a_table_of_facts(warehouse, capsys):
    assert main(["facts", "--warehouse", str(warehouse)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["indicator", "origin", "area", "period", "role", "value", "status", "n", "sources"]
    row_2022 = next(line for line in lines if line.startswith(GRANTS) and " 2022 " in line)
    assert "798,000 count" in row_2022 and "agreed" in row_2022
    assert all(expected_label(warehouse, name) in row_2022 for name in ("b_2022_zh.txt", "c_2022_en.txt"))
    assert "853,990,000,000 CNY" in out
    facts = read_table("facts", warehouse)
    assert lines[-1] == (f"{facts.height} facts: {facts.height - 1} agreed, 1 in conflict; "
                         f"{facts.filter(pl.col('n_sources') > 1).height} stated by several documents")


def test_ipmetrics_facts_conflicts_shows_what_each_source_states(warehouse, capsys):
    assert main(["facts", "--conflicts", "--indicator", GRANTS, "--warehouse", str(warehouse)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len([line for line in lines if line.startswith(GRANTS)]) == 1
    (fact,) = [line for line in lines if line.startswith(GRANTS)]
    assert " 2023 " in fact and "conflict" in fact
    assert "values: 921,000; 931,000 count" in "\n".join(lines)
    stated = [line.strip().lstrip("* ") for line in lines if line.startswith("      ")]
    assert len(stated) == 2
    assert any(s.startswith("921,000 count") and '"921,000"' in s and s.endswith(expected_label(warehouse, "d_2023_en.txt"))
               for s in stated), stated
    assert any(s.startswith("931,000 count") and '"93.1万件"' in s and s.endswith(expected_label(warehouse, "e_2023_zh.txt"))
               for s in stated), stated
    # a * marks the statement the fact took (of two equally precise ones, the latest published)
    (chosen,) = [line for line in lines if line.lstrip().startswith("*")]
    value_2023 = read_series(GRANTS, warehouse=warehouse).filter(pl.col("period") == "2023")["value"][0]
    assert f"{value_2023:,.0f} count" in chosen
    assert lines[-1] == "1 patent.invention.grants fact in conflict, of 3"


def test_ipmetrics_facts_fails_in_one_line_for_a_missing_warehouse_or_an_unknown_indicator(warehouse, tmp_path, capsys):
    assert main(["facts", "--warehouse", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"ipmetrics: error: no published warehouse in {tmp_path / 'nope'}")
    assert main(["facts", "--indicator", "patent.grants", "--warehouse", str(warehouse)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown indicator 'patent.grants'; did you mean" in err and GRANTS in err


def test_the_run_summary_counts_the_facts_and_lists_the_conflicts(built):
    warehouse, result = built
    markdown = summary_markdown(warehouse, result.summary, result.seconds)
    section = markdown.split("## Facts\n", 1)[1].split("\n## ", 1)[0]
    facts = read_table("facts", warehouse)
    several = facts.filter(pl.col("n_sources") > 1).height
    assert f"**{facts.height}** facts" in section and f"**{several}** stated by several documents" in section
    assert "**1** in conflict" in section
    (row,) = [line for line in section.splitlines() if line.startswith(f"| {GRANTS} ")]
    assert row.startswith(f"| {GRANTS} | 2023 | 921,000; 931,000 count | ")
    assert all(expected_label(warehouse, n) in row for n in ("d_2023_en.txt", "e_2023_zh.txt"))
    capped = facts_markdown(warehouse, read_table("documents", warehouse), limit=0)
    assert f"| {GRANTS} " not in capped and "... and 1 more conflict: `ipmetrics facts --conflicts`" in capped


def test_the_run_summary_of_a_warehouse_without_facts(tmp_path):
    empty = tmp_path / "src"
    empty.mkdir()
    result = run_pipeline(str(empty), str(tmp_path / "wh"), batch_size=1000, keep_missing=False, workers=1,
                          run_id="empty", runner=InProcess(), log=logging.getLogger("reading-facts"))
    section = summary_markdown(tmp_path / "wh", result.summary, result.seconds).split("## Facts\n", 1)[1]
    assert section.startswith("**0** facts") and "_no conflicts_" in section
