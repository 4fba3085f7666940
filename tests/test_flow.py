"""End to end: the Prefect flow on seeds/ under prefect_test_harness."""
from __future__ import annotations

import shutil

import polars as pl
import pytest
from prefect.testing.utilities import prefect_test_harness

from flows.pipeline import pipeline
from tests.conftest import GOLD, SCORER
from tests.evaluation import load_scorer
from tasks.common.warehouse import read_table

DATA_TABLES = ("documents", "metrics", "rejects")

pytestmark = pytest.mark.slow  # every test runs the flow under prefect_test_harness


@pytest.fixture(scope="module", autouse=True)
def prefect_api():
    """A temporary Prefect API for this module's flow runs."""
    with prefect_test_harness(server_startup_timeout=120):
        yield


def tables(warehouse) -> dict[str, pl.DataFrame]:
    """The data tables of a warehouse."""
    return {t: read_table(t, warehouse) for t in DATA_TABLES}


@pytest.fixture(scope="module")
def first_run(seeds_dir, tmp_path_factory):
    """One run of the flow on seeds/ into a fresh warehouse."""
    warehouse = tmp_path_factory.mktemp("wh")
    summary = pipeline(source=str(seeds_dir), warehouse_dir=str(warehouse))
    return warehouse, summary


def test_every_file_is_accounted_for_and_extracted_equals_valid_plus_rejected(first_run, seeds_dir):
    warehouse, summary = first_run
    docs = read_table("documents", warehouse)
    assert sorted(docs["doc_name"]) == sorted(p.name for p in seeds_dir.iterdir())
    assert set(docs["status"]) == {"ok"}
    metric_rejects = read_table("rejects", warehouse).filter(pl.col("table_name") == "metrics").height
    assert summary["metrics_extracted"] == summary["metrics_valid"] + metric_rejects
    assert read_table("metrics", warehouse).height == summary["metrics_valid"] == docs["n_metrics"].sum()


def test_the_scorer_reads_the_warehouse_directly(first_run):
    warehouse, _ = first_run
    result = load_scorer(SCORER).score(str(GOLD), str(warehouse))
    assert result["f1"] >= 0.98
    assert result["doc_accuracy"] == {"lang": 1.0, "script": 1.0, "published": 1.0}


def test_a_rerun_gives_identical_tables_and_reuses_unchanged_documents(first_run, seeds_dir):
    warehouse, _ = first_run
    before = tables(warehouse)
    summary = pipeline(source=str(seeds_dir), warehouse_dir=str(warehouse))
    assert summary["docs_reused"] == 5
    after = tables(warehouse)
    for table in DATA_TABLES:
        assert after[table].equals(before[table]), table
    assert read_table("runs", warehouse).height == 2


def test_a_clean_run_elsewhere_gives_the_same_tables(first_run, seeds_dir, tmp_path):
    warehouse, _ = first_run
    pipeline(source=str(seeds_dir), warehouse_dir=str(tmp_path / "other"))
    other = tables(tmp_path / "other")
    for table, frame in tables(warehouse).items():
        assert other[table].equals(frame), table


def test_changed_and_removed_documents_are_updated(seeds_dir, tmp_path):
    source = tmp_path / "src"
    shutil.copytree(seeds_dir, source)
    warehouse = tmp_path / "wh"
    pipeline(source=str(source), warehouse_dir=str(warehouse))
    (source / "002_3972c8512e74cd44.txt").unlink()
    changed = source / "000_035977481f1947b4.txt"
    changed.write_text(changed.read_text() + "\nIn 2023, 123456 geographical indication products were protected.\n")
    summary = pipeline(source=str(source), warehouse_dir=str(warehouse))
    assert (summary["docs_reused"], summary["docs_removed"]) == (3, 1)
    metrics = read_table("metrics", warehouse)
    assert "002_3972c8512e74cd44.txt" not in read_table("documents", warehouse)["doc_name"].to_list()
    new = metrics.filter(pl.col("value") == 123456)
    assert new.select("doc_name", "category", "period").rows() == [("000_035977481f1947b4.txt", "geographical_indication", "2023")]


def test_keep_missing_keeps_the_rows_of_documents_gone_from_the_source(seeds_dir, tmp_path):
    source = tmp_path / "src"
    shutil.copytree(seeds_dir, source)
    warehouse = tmp_path / "wh"
    pipeline(source=str(source), warehouse_dir=str(warehouse))
    before = read_table("metrics", warehouse).filter(pl.col("doc_name") == "004_bf973d473fa57c3a.txt")
    (source / "004_bf973d473fa57c3a.txt").unlink()
    summary = pipeline(source=str(source), warehouse_dir=str(warehouse), keep_missing=True)
    assert summary["docs_removed"] == 0
    after = read_table("metrics", warehouse).filter(pl.col("doc_name") == "004_bf973d473fa57c3a.txt")
    assert before.height == 25 and after.equals(before)


def test_a_dask_cluster_gives_the_same_tables(first_run, seeds_dir, tmp_path):
    from flows.cli import with_dask

    warehouse, _ = first_run
    with_dask(pipeline, None, 2)(source=str(seeds_dir), warehouse_dir=str(tmp_path / "dask"), batch_size=2, workers=1)
    dask_tables = tables(tmp_path / "dask")
    for table, frame in tables(warehouse).items():
        assert dask_tables[table].equals(frame), table
