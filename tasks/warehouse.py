"""The warehouse on disk: versioned Hive-partitioned Parquet, atomic publish, readers.

Layout under the warehouse folder:

    .versions/<version>/<table>/<partition>=<value>/part-0.parquet   complete table sets
    current -> .versions/<version>        the published set (one symlink, swapped atomically)
    <table> -> current/<table>            stable paths for readers (documents, metrics, rejects, runs)
    .staging/<run>/                       a run's intermediate batch files (never under a table)
    .lock                                 held by the run writing to this warehouse

A run writes a whole new version, then swaps `current` with one rename, so a
reader (or a run killed at any moment) sees either the old tables or the new
ones, never a mix or a half-written file.
"""
from __future__ import annotations

import fcntl
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from schemas.tables import PARTITIONS, SORT_KEYS, TABLES, empty_frame, polars_schema

VERSIONS = ".versions"
STAGING = ".staging"
CURRENT = "current"
LOCK = ".lock"


class WarehouseBusy(RuntimeError):
    """Another run holds the warehouse lock."""


def table_path(warehouse: Path, table: str) -> Path:
    """The stable path readers use for a table."""
    return Path(warehouse) / table


def current_version(warehouse: Path) -> Path | None:
    """The folder of the published version, or None before the first run."""
    link = Path(warehouse) / CURRENT
    return link.resolve() if link.is_symlink() and link.resolve().is_dir() else None


@contextmanager
def locked(warehouse: Path):
    """Hold the warehouse's write lock; raise WarehouseBusy when another run holds it."""
    warehouse = Path(warehouse)
    warehouse.mkdir(parents=True, exist_ok=True)
    handle = open(warehouse / LOCK, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise WarehouseBusy(f"warehouse {warehouse} is being written by {holder}; wait for it to finish") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}\n")
    handle.flush()
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def remove_stale(warehouse: Path) -> list[str]:
    """Delete staging folders and unpublished versions left by killed runs (call under the lock)."""
    warehouse = Path(warehouse)
    keep = current_version(warehouse)
    removed = []
    for parent in (warehouse / STAGING, warehouse / VERSIONS):
        if not parent.is_dir():
            continue
        for child in sorted(parent.iterdir()):
            if keep is None or child.resolve() != keep:
                shutil.rmtree(child, ignore_errors=True)
                removed.append(str(child.relative_to(warehouse)))
    for leftover in warehouse.glob(f"{CURRENT}.new-*"):
        leftover.unlink(missing_ok=True)
        removed.append(leftover.name)
    return removed


def staging_dir(warehouse: Path, run_id: str) -> Path:
    """A fresh folder for one run's intermediate files."""
    path = Path(warehouse) / STAGING / run_id
    path.mkdir(parents=True, exist_ok=True)
    return path


def _fsync_tree(root: Path) -> None:
    """Flush every file and folder under root to disk."""
    for folder, _, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(folder, name), os.O_RDONLY)
            os.fsync(fd)
            os.close(fd)
        fd = os.open(folder, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)


def write_table(df: pl.DataFrame, table: str, root: Path) -> None:
    """Write one table as Hive-partitioned Parquet under root/<table> (sorted, deterministic)."""
    df = df.select(list(polars_schema(table))).sort(SORT_KEYS[table], nulls_last=True)
    out = Path(root) / table
    partitions = PARTITIONS[table]
    arrow = df.to_arrow()
    if not partitions:
        out.mkdir(parents=True, exist_ok=True)
        pq.write_table(arrow, out / "part-0.parquet")
        return
    if df.height == 0 or any(df[c].null_count() == df.height for c in partitions):
        # pyarrow infers partition types from folder names and fails when a
        # partition column has no value at all: an empty file in a typed
        # placeholder partition keeps such a table readable by every reader.
        placeholder = {c: ("0" if df.schema[c].is_integer() else "none") for c in partitions}
        folder = out.joinpath(*(f"{c}={v}" for c, v in placeholder.items()))
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(arrow.slice(0, 0).drop_columns(partitions), folder / "part-0.parquet")
        if df.height == 0:
            return
    part_schema = pa.schema([arrow.schema.field(c) for c in partitions])
    pads.write_dataset(
        arrow,
        out,
        format="parquet",
        partitioning=pads.partitioning(part_schema, flavor="hive"),
        basename_template="part-{i}.parquet",
        existing_data_behavior="overwrite_or_ignore",
        max_rows_per_file=1_000_000,
        max_rows_per_group=100_000,
    )


def _fault_delay() -> None:
    """Sleep IPMETRICS_FAULT_DELAY_PUBLISH seconds (fault injection for the crash tests; unset: no delay)."""
    delay = float(os.environ.get("IPMETRICS_FAULT_DELAY_PUBLISH", "0") or 0)
    if delay:
        import time

        time.sleep(delay)


def link_table(table: str, source_root: Path, root: Path) -> None:
    """Hard-link an unchanged table's files from the previous version (no rewrite, no copy)."""
    for path in sorted((source_root / table).rglob("*.parquet")):
        target = root / path.relative_to(source_root)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(path, target)


def publish(warehouse: Path, tables: dict[str, pl.DataFrame | None], version: str) -> Path:
    """Write a complete set of tables as a new version and make it current atomically.

    A table given as None is unchanged: its files are hard-linked from the current version.
    """
    warehouse = Path(warehouse)
    previous_root = current_version(warehouse)
    root = warehouse / VERSIONS / version
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    for table, df in tables.items():
        if df is None:
            link_table(table, previous_root, root)
        else:
            write_table(df, table, root)
        _fault_delay()
    _fsync_tree(root)
    previous = current_version(warehouse)
    tmp_link = warehouse / f"{CURRENT}.new-{version}"
    tmp_link.unlink(missing_ok=True)
    os.symlink(Path(VERSIONS) / version, tmp_link)
    os.replace(tmp_link, warehouse / CURRENT)
    dir_fd = os.open(warehouse, os.O_RDONLY)
    os.fsync(dir_fd)
    os.close(dir_fd)
    for table in TABLES:
        link = table_path(warehouse, table)
        if not link.is_symlink():
            if link.exists():
                shutil.rmtree(link)
            os.symlink(Path(CURRENT) / table, link)
    if previous is not None and previous != root.resolve():
        shutil.rmtree(previous, ignore_errors=True)
    return root


def scan_table(table: str, warehouse: Path | str = "warehouse") -> pl.LazyFrame:
    """A lazy scan of a published table with its declared column types (empty before the first run)."""
    schema = polars_schema(table)
    path = table_path(Path(warehouse), table)
    if not path.exists():
        return empty_frame(table).lazy()
    partitions = PARTITIONS[table]
    frame = pl.scan_parquet(
        str(path / "**" / "*.parquet"),
        hive_partitioning=bool(partitions),
        hive_schema={c: schema[c] for c in partitions} or None,
        try_parse_hive_dates=False,
        missing_columns="insert",
    )
    return frame.select([pl.col(c).cast(t) for c, t in schema.items()])


def read_table(table: str, warehouse: Path | str = "warehouse") -> pl.DataFrame:
    """Read a published table into polars with its declared column types."""
    return scan_table(table, warehouse).collect()
