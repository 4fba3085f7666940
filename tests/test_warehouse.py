"""The warehouse on disk: atomic versions, locking, and readers (polars, pandas, DuckDB)."""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest

from schemas.tables import TABLES, empty_frame
from schemas.tables import to_frame
from tasks.common.warehouse import (
    WAREHOUSE_ENV, TableWriter, WarehouseBusy, WarehouseNotFound, current_version, default_warehouse, file_pieces,
    find_warehouse, locked, publish, published_table, read_table, read_table_pandas, remove_stale, scan_table,
    sort_for_writing, sorted_pieces, staging_dir,
)
from tests.conftest import ROOT


def metrics_rows(n: int, category: str = "patent") -> pl.DataFrame:
    """n valid metrics rows."""
    return to_frame([
        {"metric_id": f"{i:016x}", "doc_id": "a" * 64, "doc_name": "d.txt", "surface": str(i), "value": float(i),
         "unit": "count", "role": "level", "change_pct": None, "qualifier": None,
         "period": "2023" if i % 2 else None, "period_start": dt.date(2023, 1, 1) if i % 2 else None,
         "period_end": dt.date(2023, 12, 31) if i % 2 else None, "category": category,
         "period_year": 2023 if i % 2 else None, "metric": "m", "sentence": "s", "char_start": i, "char_end": i + 1,
         "rules_version": "t"}
        for i in range(n)
    ], "metrics")


def tables(n: int) -> dict[str, pl.DataFrame]:
    """A full set of tables with n metrics."""
    return {t: empty_frame(t) for t in TABLES} | {"metrics": metrics_rows(n)}


def test_every_reader_sees_the_published_rows_with_partitions(tmp_path):
    publish(tmp_path, tables(10), "v1")
    got = read_table("metrics", tmp_path)
    assert got.height == 10 and got.schema["period_year"] == pl.Int64
    assert got.filter(pl.col("period_year").is_null()).height == 5
    # pandas: pyarrow cannot turn a null hive partition into a pandas dictionary,
    # so pandas users read through read_table_pandas or name the partition types.
    assert read_table_pandas("metrics", tmp_path).shape[0] == 10
    assert pd.read_parquet(tmp_path / "metrics", partitioning=pads.HivePartitioning.discover()).shape[0] == 10
    assert duckdb.sql(f"select count(*) from read_parquet('{tmp_path}/metrics/**/*.parquet', hive_partitioning=true) "
                      "where period_year = 2023").fetchall() == [(5,)]
    assert pads.dataset(tmp_path / "metrics", partitioning="hive").to_table().num_rows == 10
    partitions = sorted(p.relative_to(tmp_path / "metrics").parent.as_posix() for p in (tmp_path / "metrics").rglob("*.parquet"))
    assert partitions == ["category=patent/period_year=2023", "category=patent/period_year=__HIVE_DEFAULT_PARTITION__"]


def test_a_table_partitioned_by_one_of_its_keys_is_written_and_read_back_in_key_order(tmp_path):
    rejects = pl.DataFrame({"table_name": ["metrics", "documents", "metrics"], "row_key": ["b", "x", "a"],
                            "doc_name": ["d.txt", "x.txt", "d.txt"], "failed_checks": ["c"] * 3, "failure_cases": ["f"] * 3,
                            "row_json": ["{}"] * 3, "rules_version": ["t"] * 3}, schema=empty_frame("rejects").schema)
    publish(tmp_path, {t: empty_frame(t) for t in TABLES} | {"rejects": rejects}, "v1")
    assert read_table("rejects", tmp_path)["row_key"].to_list() == ["x", "a", "b"]
    assert pl.read_parquet(tmp_path / "rejects" / "table_name=metrics" / "part-0.parquet")["row_key"].to_list() == ["a", "b"]


def test_empty_tables_are_readable(tmp_path):
    publish(tmp_path, {t: empty_frame(t) for t in TABLES}, "v1")
    for table in TABLES:
        assert read_table(table, tmp_path).columns == empty_frame(table).columns
    assert pads.dataset(tmp_path / "metrics", partitioning="hive").to_table().num_rows == 0


def test_a_new_version_replaces_the_old_one_whole(tmp_path):
    publish(tmp_path, tables(10), "v1")
    first = current_version(tmp_path)
    publish(tmp_path, tables(3), "v2")
    assert read_table("metrics", tmp_path).height == 3
    assert not first.exists() and current_version(tmp_path).name == "v2"


def test_leftovers_of_a_killed_run_are_removed_and_never_read(tmp_path):
    publish(tmp_path, tables(4), "v1")
    (tmp_path / ".versions" / "half-written" / "metrics").mkdir(parents=True)
    (tmp_path / ".versions" / "half-written" / "metrics" / "part-0.parquet").write_bytes(b"PAR1 truncated")
    staging_dir(tmp_path, "run-x")
    assert read_table("metrics", tmp_path).height == 4
    assert sorted(remove_stale(tmp_path)) == [".staging/run-x", ".versions/half-written"]
    assert read_table("metrics", tmp_path).height == 4


def test_a_second_writer_is_refused_with_a_clear_message(tmp_path):
    with locked(tmp_path):
        with pytest.raises(WarehouseBusy, match="is being written by pid"):
            with locked(tmp_path):
                pass
    with locked(tmp_path):
        pass


def test_reading_where_no_warehouse_is_published_raises_naming_the_path(tmp_path):
    (tmp_path / "file").write_text("x")
    for path, problem in ((tmp_path / "nope", "no such folder"), (tmp_path / "file", "it is a file, not a folder"),
                          (tmp_path, "nothing published there yet")):
        with pytest.raises(WarehouseNotFound, match=f"no warehouse at {re.escape(str(path))}: {problem}"):
            read_table("metrics", path)
        with pytest.raises(WarehouseNotFound, match=re.escape(str(path))):
            scan_table("facts", path)
    assert published_table(tmp_path, "metrics").is_empty()  # the load's view before the first run: nothing yet


def test_a_table_missing_from_the_warehouse_or_unknown_raises(tmp_path):
    publish(tmp_path, tables(2), "v1")
    shutil.rmtree(current_version(tmp_path) / "facts")  # a version written before the table existed
    with pytest.raises(WarehouseNotFound, match=f"no table 'facts' in the warehouse: {re.escape(str(tmp_path / 'facts'))}"):
        read_table("facts", tmp_path)
    assert published_table(tmp_path, "facts").is_empty()
    with pytest.raises(ValueError, match="unknown table 'metric'; the tables are documents, metrics"):
        read_table("metric", tmp_path)


def test_the_warehouse_is_the_argument_else_the_environment_else_the_projects(tmp_path, monkeypatch):
    monkeypatch.delenv(WAREHOUSE_ENV, raising=False)
    assert find_warehouse() == default_warehouse() == ROOT / "warehouse"
    monkeypatch.setenv(WAREHOUSE_ENV, str(tmp_path))
    assert find_warehouse() == tmp_path and find_warehouse("elsewhere") == Path("elsewhere")


def test_a_reader_in_another_folder_finds_the_warehouse_from_the_package_and_the_environment(tmp_path):
    publish(tmp_path / "wh", tables(3), "v1")
    (tmp_path / "cwd").mkdir()
    script = ("from tasks.common.warehouse import find_warehouse, read_table; import sys; print(find_warehouse()); "
              "print(read_table('metrics').height) if len(sys.argv) > 1 else None")
    env = {k: v for k, v in os.environ.items() if k != WAREHOUSE_ENV}

    def where(*args: str, **extra: str) -> list[str]:
        done = subprocess.run([sys.executable, "-c", script, *args], cwd=tmp_path / "cwd", env=env | extra,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert where() == [str(ROOT / "warehouse")]  # not cwd/warehouse
    assert where("read", IPMETRICS_WAREHOUSE=str(tmp_path / "wh")) == [str(tmp_path / "wh"), "3"]


def test_the_pandas_reader_keeps_integer_partitions_as_nullable_integers(tmp_path):
    publish(tmp_path, tables(4), "v1")
    frame = read_table_pandas("metrics", tmp_path)
    assert str(frame["period_year"].dtype) == "Int64" and str(frame["char_start"].dtype) == "Int64"
    assert frame["period_year"].isna().sum() == 2 and frame["period_year"].dropna().tolist() == [2023, 2023]


def test_an_unchanged_table_is_linked_not_rewritten(tmp_path):
    publish(tmp_path, tables(6), "v1")
    first = sorted((tmp_path / "metrics").rglob("*.parquet"))
    inodes = {p.relative_to(tmp_path / "metrics"): p.stat().st_ino for p in first}
    publish(tmp_path, {t: None for t in TABLES if t != "runs"} | {"runs": empty_frame("runs")}, "v2")
    assert current_version(tmp_path).name == "v2" and read_table("metrics", tmp_path).height == 6
    again = {p.relative_to(tmp_path / "metrics"): p.stat().st_ino for p in (tmp_path / "metrics").rglob("*.parquet")}
    assert again == inodes


def test_sorted_streams_are_merged_into_one_file_per_partition_with_bounded_row_groups(tmp_path, monkeypatch):
    monkeypatch.setattr(TableWriter, "flush_rows", 10)  # a row group per 10 rows at most
    batches = [metrics_rows(n, category).with_columns(pl.lit(f"d{n}.txt").alias("doc_name"))
               for n, category in ((12, "patent"), (4, "trademark"), (9, "patent"))]
    staged = []
    for i, batch in enumerate(batches):  # as the validate stage leaves them: sorted by partition, small row groups
        staged.append(tmp_path / f"batch-{i}.parquet")
        sort_for_writing(batch, "metrics").write_parquet(staged[-1], row_group_size=3)
    root = tmp_path / "v1"
    writer = TableWriter("metrics", root)
    writer.write_sorted([file_pieces(f, "metrics") for f in staged])
    writer.close()
    files = sorted((root / "metrics").rglob("*.parquet"))
    assert [f.relative_to(root / "metrics").as_posix() for f in files] == [
        "category=patent/period_year=2023/part-0.parquet", "category=patent/period_year=__HIVE_DEFAULT_PARTITION__/part-0.parquet",
        "category=trademark/period_year=2023/part-0.parquet", "category=trademark/period_year=__HIVE_DEFAULT_PARTITION__/part-0.parquet"]
    # patent/2023 holds 6 + 4 rows of d12 and d9 (odd i): one full row group; patent/null 6 + 5: a full one and one row
    assert [pq.ParquetFile(f).num_row_groups for f in files] == [1, 2, 1, 1]
    # each row group is sorted by the table's keys
    second = pl.from_arrow(pq.ParquetFile(files[1]).read_row_group(0))
    assert second.equals(second.sort("doc_name", "char_start", "char_end", "metric_id"))
    got = pl.read_parquet(root / "metrics" / "**" / "*.parquet", hive_partitioning=True)
    expected = pl.concat(batches)
    key = ["doc_name", "char_start", "char_end", "metric_id"]
    assert got.select(expected.columns).cast(expected.schema).sort(key).equals(expected.sort(key))
    assert duckdb.sql(f"select count(*) from read_parquet('{root}/metrics/**/*.parquet', hive_partitioning=true) "
                      "where category = 'patent'").fetchall() == [(21,)]


def test_a_partition_is_written_once(tmp_path):
    rows = sort_for_writing(metrics_rows(4), "metrics")
    writer = TableWriter("metrics", tmp_path)
    with pytest.raises(FileExistsError, match="written once"):
        writer.write_sorted([sorted_pieces(rows, "metrics"), sorted_pieces(rows.reverse(), "metrics")])


def test_partitions_without_new_rows_or_changed_documents_are_hard_linked_the_others_rewritten(tmp_path):
    def rows(doc: str, category: str) -> pl.DataFrame:
        return metrics_rows(2, category).with_columns(pl.lit(doc).alias("doc_name"))

    publish(tmp_path, {t: empty_frame(t) for t in TABLES} | {"metrics": pl.concat([rows("a.txt", "patent"), rows("b.txt", "trademark"),
                                                                                   rows("d.txt", "copyright")])}, "v1")
    previous = current_version(tmp_path)
    root = tmp_path / "v2"
    writer = TableWriter("metrics", root)
    new = sort_for_writing(rows("c.txt", "copyright"), "metrics")  # a new document
    # a.txt and d.txt are unchanged; b.txt changed (not kept): its partitions must be rewritten without it;
    # d.txt shares its partitions with the new c.txt: they are rewritten with both
    carried = writer.carry_previous(previous, {"a.txt", "d.txt"}, {("copyright", 2023), ("copyright", None)})
    writer.write_sorted([sorted_pieces(new, "metrics"), carried])
    writer.close()
    linked = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.parquet")
                    if (previous / p.relative_to(root)).exists()
                    and p.stat().st_ino == (previous / p.relative_to(root)).stat().st_ino)
    assert linked == ["metrics/category=patent/period_year=2023/part-0.parquet",
                      "metrics/category=patent/period_year=__HIVE_DEFAULT_PARTITION__/part-0.parquet"]
    assert all("trademark" not in p.as_posix() for p in root.rglob("*.parquet"))
    got = pl.read_parquet(root / "metrics" / "**" / "*.parquet", hive_partitioning=True)
    assert sorted(got["doc_name"].unique()) == ["a.txt", "c.txt", "d.txt"] and got.height == 6
    copyright_2023 = pl.read_parquet(root / "metrics" / "category=copyright" / "period_year=2023" / "part-0.parquet")
    assert copyright_2023["doc_name"].to_list() == ["c.txt", "d.txt"]
