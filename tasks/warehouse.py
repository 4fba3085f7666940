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
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator
from urllib.parse import quote, unquote

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
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
# Threads reading or writing Parquet files at once (pyarrow works without the GIL).
IO_THREADS = 4


def arrow_schema(table: str) -> pa.Schema:
    """The Arrow schema of a table's rows, partition columns included (as polars writes them)."""
    return empty_frame(table).to_arrow().schema


class TableWriter:
    """Streams a table into Hive-partitioned Parquet under root/<table>: one file per partition.

    Rows are buffered; whenever `flush_rows` of them wait they are split by
    partition and appended to each partition's open file as a row group. So
    memory stays bounded however large the table grows, and row groups stay
    large however many partitions the rows spread over. Rows keep the order
    of the writes; a polars frame is sorted by the table's keys first.
    """

    flush_rows = 100_000

    def __init__(self, table: str, root: Path):
        self.table, self.out = table, Path(root) / table
        self.schema, self.partitions = arrow_schema(table), PARTITIONS[table]
        self.file_schema = pa.schema([f for f in self.schema if f.name not in self.partitions])
        self.writers: dict[tuple, pq.ParquetWriter] = {}
        self.linked: list[Path] = []  # partition folders hard-linked from the previous version
        self.pending: list[pl.DataFrame] = []
        self.pending_rows = 0

    def write(self, rows: pl.DataFrame | pa.Table) -> None:
        """Append rows: a polars frame (cast and sorted here) or an Arrow table in the table's schema (kept in its order)."""
        types = polars_schema(self.table)
        if isinstance(rows, pl.DataFrame):
            rows = rows.select(list(types)).cast(types).sort(SORT_KEYS[self.table], nulls_last=True)
        else:
            rows = pl.from_arrow(rows).cast(types)
        if rows.height:
            self.pending.append(rows)
            self.pending_rows += rows.height
        if self.pending_rows >= self.flush_rows:
            self.flush()

    def flush(self) -> None:
        """Append the buffered rows to their partitions' files, a row group each."""
        if not self.pending:
            return
        rows = pl.concat(self.pending)
        parts = rows.partition_by(self.partitions, as_dict=True, maintain_order=True, include_key=False) if self.partitions else {(): rows}
        writers = [self._writer(key) for key in parts]
        with ThreadPoolExecutor(IO_THREADS) as pool:  # pyarrow encodes and writes without the GIL
            list(pool.map(lambda w, part: w.write_table(part.to_arrow().cast(self.file_schema)), writers, parts.values()))
        self.pending, self.pending_rows = [], 0

    def folder(self, key: tuple) -> Path:
        """The folder of one partition."""
        return self.out.joinpath(*(f"{c}={HIVE_NULL if v is None else quote(str(v), safe='')}"
                                   for c, v in zip(self.partitions, key)))

    def _writer(self, key: tuple) -> pq.ParquetWriter:
        """The open file of one partition (created on first use; never over an existing file, which may be a hard link)."""
        if key not in self.writers:
            path = _mkdir(self.folder(key)) / "part-0.parquet"
            if path.exists():
                raise FileExistsError(f"{path} exists: a file linked from the previous version is never written to")
            self.writers[key] = pq.ParquetWriter(path, self.file_schema)
        return self.writers[key]

    def partitions_written(self) -> set[Path]:
        """The folders of the partitions rows were written to so far (after a flush)."""
        return {self.folder(key) for key in self.writers}

    def link_unchanged(self, previous_root: Path, keep: set[str]) -> list[Path]:
        """Hard-link the previous version's partitions no row was written to and whose documents are all in `keep`.

        Return the files of the other partitions, whose rows of `keep` still have to be written.
        """
        written, rewrite = self.partitions_written(), []
        wanted = pa.array(sorted(keep), pa.large_string())
        source = Path(previous_root) / self.table
        folders: dict[Path, list[Path]] = {}
        for path in sorted(source.rglob("*.parquet")):
            folders.setdefault(path.parent, []).append(path)
        def only_kept(files: list[Path]) -> bool:
            names = pa.concat_arrays([pq.read_table(f, columns=["doc_name"])["doc_name"].combine_chunks() for f in files])
            return len(names) > 0 and pc.all(pc.is_in(names, value_set=wanted)).as_py()

        with ThreadPoolExecutor(IO_THREADS) as pool:
            linkable = dict(zip(folders, pool.map(only_kept, folders.values())))
        for folder, files in folders.items():
            target = self.out / folder.relative_to(source)
            if target in written or not linkable[folder]:
                rewrite += files
                continue
            for path in files:
                os.link(path, _mkdir(target) / path.name)
            self.linked.append(folder.relative_to(source))
        return rewrite

    def close(self) -> None:
        """Finish every file; an empty table, or one whose partition column has no value, gets a typed placeholder."""
        self.flush()
        valued = {i for key in self.writers for i, v in enumerate(key) if v is not None}
        valued |= {i for folder in self.linked for i, part in enumerate(folder.parts) if not part.endswith("=" + HIVE_NULL)}
        if not (self.writers or self.linked) or len(valued) < len(self.partitions):
            # pyarrow infers partition types from folder names and fails when a
            # partition column has no value at all: an empty file in a typed
            # placeholder partition keeps such a table readable by every reader.
            self._writer(tuple(0 if pa.types.is_integer(self.schema.field(c).type) else "none" for c in self.partitions))
        for writer in self.writers.values():
            writer.close()


def _mkdir(folder: Path) -> Path:
    """folder, created with its parents."""
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_table(df: pl.DataFrame | Iterable[pl.DataFrame | pa.Table], table: str, root: Path) -> None:
    """Write one table, given whole or as a stream of frames, as Hive-partitioned Parquet under root/<table>."""
    writer = TableWriter(table, root)
    for rows in [df] if isinstance(df, pl.DataFrame) else df:
        writer.write(rows)
    writer.close()


def _read_file(path: Path, table_root: Path, schema: pa.Schema, partitions: list[str]) -> pa.Table:
    """The rows of one file of a partitioned table, its partition columns restored from the folder names."""
    values = dict(part.split("=", 1) for part in path.parent.relative_to(table_root).parts)
    rows = pq.read_table(path)
    for c in partitions:
        kind = schema.field(c).type
        rows = rows.append_column(c, pa.nulls(rows.num_rows, kind) if values[c] == HIVE_NULL
                                  else pa.repeat(pa.scalar(unquote(values[c])).cast(kind), rows.num_rows))
    return rows.select(schema.names).cast(schema)


def read_batches(table: str, root: Path, doc_names: list[str] | None = None, rows: int = 100_000,
                 files: list[Path] | None = None) -> Iterator[pa.Table]:
    """The rows of a table written under root/<table> (or of some of its `files`) as Arrow tables of about `rows` rows,
    only those of `doc_names` if given.

    Files are read a few at a time on threads, not through a pyarrow dataset
    scan, whose read-ahead held three times the memory for the same speed.
    Memory stays bounded by `rows` plus the largest file.
    """
    schema, partitions = arrow_schema(table), PARTITIONS[table]
    wanted = pa.array(doc_names, pa.large_string()) if doc_names is not None else None
    table_root = Path(root) / table
    files = sorted(table_root.rglob("*.parquet")) if files is None else files
    waiting: list[pa.Table] = []

    def flush() -> pa.Table:
        chunk = pa.concat_tables(waiting)
        waiting.clear()
        return chunk.filter(pc.is_in(chunk["doc_name"], value_set=wanted)) if wanted is not None else chunk

    with ThreadPoolExecutor(IO_THREADS) as pool:
        for start in range(0, len(files), IO_THREADS):
            for part in pool.map(lambda f: _read_file(f, table_root, schema, partitions), files[start:start + IO_THREADS]):
                waiting.append(part)
                if sum(t.num_rows for t in waiting) >= rows:
                    yield flush()
    if waiting:
        yield flush()


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


def publish(warehouse: Path, tables: dict[str, pl.DataFrame | Iterable[pl.DataFrame] | Callable[[Path], None] | None],
            version: str) -> Path:
    """Write a complete set of tables as a new version and make it current atomically.

    A table given as None is unchanged: its files are hard-linked from the
    current version. A table may be given as a stream of frames, or as a
    function that writes it under the root it is given.
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
        elif callable(df):
            df(root)
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
