"""Crash safety: a run killed with SIGKILL at any moment leaves a readable warehouse; the next run heals it.

Each kill hits a real `ipmetrics run` (ephemeral Prefect API included: the
whole process group is killed) at a chosen moment, found by watching the
warehouse folder. The publish moment is widened with the fault-injection
variable IPMETRICS_FAULT_DELAY_PUBLISH.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.dataset as pads
import pytest

from bench.synth import build
from tasks.common.warehouse import WarehouseNotFound, current_version, read_table
from tests.conftest import ROOT

DATA_TABLES = ("documents", "metrics", "rejects")

pytestmark = pytest.mark.slow  # every test runs `ipmetrics run` in a subprocess


def start_run(source: Path, warehouse: Path, **env: str) -> subprocess.Popen:
    """Start `ipmetrics run` in its own process group."""
    return subprocess.Popen([sys.executable, "-m", "flows.cli", "run", "--source", str(source), "--warehouse",
                             str(warehouse), "--batch-size", "20"], cwd=ROOT, env=os.environ | env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)


def run(source: Path, warehouse: Path) -> str:
    """Run to completion; return its output."""
    process = start_run(source, warehouse)
    out, _ = process.communicate(timeout=600)
    assert process.returncode == 0, out.decode()
    return out.decode()


def kill_when(process: subprocess.Popen, ready, timeout: float = 300) -> None:
    """SIGKILL the process group as soon as ready() is true; fail if the run ended first."""
    deadline = time.time() + timeout
    while not ready():
        assert process.poll() is None, "the run finished before the kill moment:\n" + process.stdout.read().decode()
        assert time.time() < deadline, "kill moment not reached"
        time.sleep(0.005)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL


def tables(warehouse: Path) -> dict[str, pl.DataFrame]:
    """The data tables as polars frames."""
    return {t: read_table(t, warehouse) for t in DATA_TABLES}


def assert_readable(warehouse: Path, expected: dict[str, pl.DataFrame] | None) -> None:
    """pyarrow, polars and DuckDB read the tables of the last completed run (nothing when there was none)."""
    if expected is None:
        assert not (warehouse / "metrics").exists() and current_version(warehouse) is None
        with pytest.raises(WarehouseNotFound, match="nothing published there yet"):
            read_table("metrics", warehouse)
        return
    for table, frame in expected.items():
        assert tables(warehouse)[table].equals(frame), table
        assert pads.dataset(warehouse / table, partitioning="hive").count_rows() == frame.height
        count = duckdb.sql(f"select count(*) from read_parquet('{warehouse / table}/**/*.parquet', hive_partitioning=true)").fetchall()[0][0]
        assert count == frame.height


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A synthetic corpus of 60 documents and the tables a clean run makes of it."""
    root = tmp_path_factory.mktemp("crash")
    build(root / "src", 60)
    run(root / "src", root / "reference")
    run(ROOT / "seeds", root / "previous")
    return root, tables(root / "reference"), tables(root / "previous")


def heal_and_compare(source: Path, warehouse: Path, reference: dict[str, pl.DataFrame]) -> None:
    """The next run completes, cleans the leftovers and gives the clean run's tables."""
    run(source, warehouse)
    assert not list((warehouse / ".staging").glob("*")) and len(list((warehouse / ".versions").iterdir())) == 1
    for table, frame in tables(warehouse).items():
        assert frame.equals(reference[table]), table


def kill_and_heal(corpus, name: str, ready_in, on_previous_run: bool, **env: str) -> None:
    """Kill a run at the moment ready_in(warehouse)() turns true, check what readers see, then heal."""
    root, reference, previous = corpus
    warehouse = root / name
    if on_previous_run:
        shutil.copytree(root / "previous", warehouse, symlinks=True)
    ready = ready_in(warehouse)
    kill_when(start_run(root / "src", warehouse, **env), ready)
    assert_readable(warehouse, previous if on_previous_run else None)
    heal_and_compare(root / "src", warehouse, reference)


def test_killed_while_prefect_starts_on_an_empty_warehouse(corpus):
    def three_seconds_in(_warehouse):
        started = time.time()
        return lambda: time.time() - started > 3

    kill_and_heal(corpus, "wh-startup", three_seconds_in, on_previous_run=False)


def test_killed_between_stages_keeps_the_previous_tables(corpus):
    def second_batch_cleaned(warehouse):
        return lambda: any((warehouse / ".staging").glob("*/batch-00002/clean.parquet"))

    kill_and_heal(corpus, "wh-stage", second_batch_cleaned, on_previous_run=True)


def test_killed_while_publishing_keeps_the_previous_tables(corpus):
    def half_written(warehouse):
        current = (warehouse / "current").resolve()
        return lambda: any(v != current and (v / "documents").is_dir() for v in (warehouse / ".versions").iterdir())

    kill_and_heal(corpus, "wh-publish", half_written, on_previous_run=True, IPMETRICS_FAULT_DELAY_PUBLISH="3")


def test_two_runs_at_once_never_corrupt_the_warehouse(corpus):
    root, reference, _ = corpus
    warehouse = root / "wh-twice"
    # The first run holds the warehouse lock (an flock on <warehouse>/.lock) from before it creates its staging
    # folder .staging/<run> until after it removes it. Waiting for that folder, rather than probing the lock
    # (a probe could make the first run's own attempt fail), means the second run starts while the lock is held;
    # the publish delay (1 s per table) keeps it held well past the second run's start.
    first = start_run(root / "src", warehouse, IPMETRICS_FAULT_DELAY_PUBLISH="1")
    try:
        deadline = time.time() + 300
        while not any((warehouse / ".staging").glob("*")):
            assert first.poll() is None, "the first run ended before taking the lock:\n" + first.stdout.read().decode()
            assert time.time() < deadline, "the first run did not take the warehouse lock within 300 s"
            time.sleep(0.005)
        second = subprocess.run([sys.executable, "-m", "flows.cli", "run", "--source", str(root / "src"), "--warehouse",
                                 str(warehouse), "--batch-size", "20"], cwd=ROOT, capture_output=True, timeout=300)
    except BaseException:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        raise
    out = first.communicate(timeout=600)[0].decode()
    assert second.returncode == 2, second.stdout.decode() + second.stderr.decode()
    # flows/cli.py reports tasks.common.warehouse.WarehouseBusy in one line, before Prefect starts
    assert second.stderr.decode() == (f"ipmetrics: error: warehouse {warehouse} is being written by pid {first.pid}; "
                                      "wait for it to finish\n")
    assert second.stdout == b""
    assert first.returncode == 0, out
    assert not list((warehouse / ".staging").glob("*")) and len(list((warehouse / ".versions").iterdir())) == 1
    for table, frame in tables(warehouse).items():
        assert frame.equals(reference[table]), table
