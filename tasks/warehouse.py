"""The warehouse on disk: versioned Hive-partitioned Parquet, atomic publish, readers.

Layout under the warehouse folder:

    .versions/<version>/<table>/<partition>=<value>/part-0.parquet   complete table sets (a row group per batch)
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
from typing import Iterable, Iterator
from urllib.parse import quote, unquote

import polars as pl
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


HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"


class TableWriter:
    """Streams a table into Hive-partitioned Parquet under root/<table>: one file per partition, one row group per write.

    Memory stays bounded by the largest frame written, however large the
    table grows. Within a file, rows keep the order of the writes, each write
    sorted by the table's sort keys.
    """

    def __init__(self, table: str, root: Path):
        self.table, self.out = table, Path(root) / table
        self.schema, self.partitions = polars_schema(table), PARTITIONS[table]
        self.writers: dict[tuple, pq.ParquetWriter] = {}
        self.seen_values = {c: False for c in self.partitions}

    def write(self, df: pl.DataFrame) -> None:
        """Append the rows of one frame."""
        if df.height == 0:
            return
        df = df.select(list(self.schema)).cast(self.schema).sort(SORT_KEYS[self.table], nulls_last=True)
        if not self.partitions:
            self._writer(()).write_table(df.to_arrow())
            return
        for c in self.partitions:
            self.seen_values[c] |= df[c].null_count() < df.height
        for key, part in df.partition_by(self.partitions, as_dict=True, maintain_order=True, include_key=False).items():
            self._writer(key).write_table(part.to_arrow())

    def _writer(self, key: tuple) -> pq.ParquetWriter:
        """The open file of one partition (created on first use)."""
        if key not in self.writers:
            folder = self.out.joinpath(*(f"{c}={HIVE_NULL if v is None else quote(str(v), safe='')}"
                                         for c, v in zip(self.partitions, key)))
            folder.mkdir(parents=True, exist_ok=True)
            arrow_schema = empty_frame(self.table).drop(self.partitions).to_arrow().schema
            self.writers[key] = pq.ParquetWriter(folder / "part-0.parquet", arrow_schema)
        return self.writers[key]

    def close(self) -> None:
        """Finish every file; an empty table, or one whose partition column has no value, gets a typed placeholder."""
        if not all(self.seen_values.values()) or not self.writers:
            # pyarrow infers partition types from folder names and fails when a
            # partition column has no value at all: an empty file in a typed
            # placeholder partition keeps such a table readable by every reader.
            self._writer(tuple(0 if self.schema[c].is_integer() else "none" for c in self.partitions))
        for writer in self.writers.values():
            writer.close()


def write_table(df: pl.DataFrame | Iterable[pl.DataFrame], table: str, root: Path) -> None:
    """Write one table, given whole or as a stream of frames, as Hive-partitioned Parquet under root/<table>."""
    writer = TableWriter(table, root)
    for frame in [df] if isinstance(df, pl.DataFrame) else df:
        writer.write(frame)
    writer.close()


def read_chunks(table: str, root: Path) -> Iterator[pl.DataFrame]:
    """The rows of a table written under root/<table>, one row group at a time (memory bounded by a row group)."""
    schema, partitions = polars_schema(table), PARTITIONS[table]
    for path in sorted((Path(root) / table).rglob("*.parquet")):
        values = dict(part.split("=", 1) for part in path.parent.relative_to(Path(root) / table).parts)
        file = pq.ParquetFile(path)
        for group in range(file.num_row_groups):
            frame = pl.from_arrow(file.read_row_group(group))
            yield frame.with_columns(
                pl.lit(None if values[c] == HIVE_NULL else unquote(values[c])).cast(schema[c]).alias(c) for c in partitions
            ).select(list(schema))


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


def publish(warehouse: Path, tables: dict[str, pl.DataFrame | Iterable[pl.DataFrame] | None], version: str) -> Path:
    """Write a complete set of tables as a new version and make it current atomically.

    A table given as None is unchanged: its files are hard-linked from the
    current version. A table may be given as a stream of frames.
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
    """Read a published table into polars with its declared column types, in the order of its sort keys."""
    return scan_table(table, warehouse).sort(SORT_KEYS[table], nulls_last=True).collect()
