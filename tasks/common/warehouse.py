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
import heapq
import itertools
import os
import shutil
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator
from urllib.parse import quote, unquote

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from schemas.tables import PARTITIONS, SORT_KEYS, TABLES, empty_frame, polars_schema
from tasks.common.interrupt import stop_point

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


# Warehouses whose lock this process holds (resolved paths).
_HELD: set[Path] = set()


@contextmanager
def locked(warehouse: Path, reentrant: bool = False) -> Iterator[None]:
    """Hold the warehouse's write lock; raise WarehouseBusy when another run holds it.

    reentrant: when this process holds the lock already (`ipmetrics run` takes it before Prefect starts), go on under it.
    """
    warehouse = Path(warehouse)
    if reentrant and warehouse.resolve() in _HELD:
        yield
        return
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
    _HELD.add(warehouse.resolve())
    try:
        yield
    finally:
        _HELD.discard(warehouse.resolve())
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
    """Flush every file and folder under root to disk: the files on threads (the file system commits concurrent
    flushes together: 1,800 partition files in 0.35 s instead of 0.85 s), then the folders."""
    folders, files = [], []
    for folder, _, names in os.walk(root):
        folders.append(folder)
        files += [os.path.join(folder, name) for name in names]
    with ThreadPoolExecutor(FSYNC_THREADS) as pool:
        list(pool.map(_fsync, files))
    for folder in folders:
        _fsync(folder)


def _fsync(path: str) -> None:
    """Flush one file or folder to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def parquet_files(root: Path) -> list[Path]:
    """Every Parquet file under root, sorted (os.walk: pathlib's rglob is several times slower on thousands of partitions)."""
    return sorted(Path(folder) / name for folder, _, names in os.walk(root) for name in names if name.endswith(".parquet"))


def _remove_tree(root: Path) -> None:
    """shutil.rmtree on threads, a partition folder each (unlinking thousands of files one after another takes seconds)."""
    if not root.is_dir():
        return
    inner = [sub for child in root.iterdir() if child.is_dir() and not child.is_symlink()
             for sub in child.iterdir() if sub.is_dir() and not sub.is_symlink()]
    with ThreadPoolExecutor(IO_THREADS) as pool:
        list(pool.map(lambda folder: shutil.rmtree(folder, ignore_errors=True), inner))
    shutil.rmtree(root, ignore_errors=True)


HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
# Threads reading or writing Parquet files at once (pyarrow works without the GIL), and flushing files to disk.
IO_THREADS = 4
FSYNC_THREADS = 16


def arrow_schema(table: str) -> pa.Schema:
    """The Arrow schema of a table's rows, partition columns included (as polars writes them)."""
    return empty_frame(table).to_arrow().schema


# Key of one partition: the values of the table's partition columns (None for a null).
PartitionKey = tuple
# A stream of (partition key, rows) pieces, in partition order.
Pieces = Iterator[tuple[PartitionKey, pl.DataFrame]]


def partition_order(key: PartitionKey) -> tuple:
    """Sort key of a partition, the order of `sort_for_writing` (values ascending, nulls last)."""
    return tuple((v is None, "" if v is None else v) for v in key)


def sort_for_writing(rows: pl.DataFrame, table: str) -> pl.DataFrame:
    """Rows in the order a TableWriter takes them: by partition, then by the table's keys (nulls last)."""
    return rows.sort(PARTITIONS[table] + SORT_KEYS[table], nulls_last=True)


def sorted_pieces(rows: pl.DataFrame, table: str) -> Pieces:
    """The pieces of rows sorted by `sort_for_writing`, one per partition, partition columns dropped (slices: no copy)."""
    partitions = PARTITIONS[table]
    if not partitions:
        yield (), rows
        return
    runs = rows.select(pl.struct(partitions).rle().alias("run")).unnest("run")
    body, start = rows.drop(partitions), 0
    for length, key in runs.iter_rows():
        yield tuple(key.values()), body.slice(start, length)
        start += length


def file_pieces(path: Path, table: str) -> Pieces:
    """The pieces of a Parquet file sorted by `sort_for_writing`, a row group at a time.

    The file is opened anew for each row group: an open reader holds
    megabytes of buffers, and a merge reads many files at once.
    """
    with pq.ParquetFile(path) as file:
        groups = file.num_row_groups
    for i in range(groups):
        with pq.ParquetFile(path) as file:
            rows = pl.from_arrow(file.read_row_group(i))
        yield from sorted_pieces(rows, table)


class TableWriter:
    """Writes a table as Hive-partitioned Parquet under root/<table>: one file per partition, written once.

    It takes sorted streams of pieces (`write_sorted`) and merges them by
    partition, so each partition's file is written in one go and closed (a
    few at a time, on threads): memory is bounded by the streams' current
    pieces plus `flush_rows` rows, however many partitions and rows there
    are, and no open writer piles up row-group metadata. Each row group (up
    to `flush_rows` rows) is sorted by the table's keys.
    """

    flush_rows = 100_000

    def __init__(self, table: str, root: Path):
        self.table, self.out = table, Path(root) / table
        self.schema, self.partitions = arrow_schema(table), PARTITIONS[table]
        self.file_schema = pa.schema([f for f in self.schema if f.name not in self.partitions])
        self.file_keys = [k for k in SORT_KEYS[table] if k not in self.partitions]
        self.written: set[PartitionKey] = set()
        self.linked: list[Path] = []  # partition folders hard-linked from the previous version

    def write_sorted(self, streams: list[Pieces]) -> None:
        """Write the pieces of several streams, each in partition order; a partition's pieces follow the order of the streams.

        Partitions are written on a few threads, with at most `flush_rows`
        rows waiting for them; a larger partition is written here, streamed.
        """
        merged = heapq.merge(*streams, key=lambda piece: partition_order(piece[0]))
        in_flight: deque[tuple[Future, int]] = deque()
        waiting = 0  # rows of the partitions in flight

        def wait_for(rows: int) -> None:
            nonlocal waiting
            while in_flight and waiting + rows > self.flush_rows:
                future, done = in_flight.popleft()
                future.result()
                waiting -= done

        with ThreadPoolExecutor(IO_THREADS) as pool:
            for key, group in itertools.groupby(merged, key=lambda piece: piece[0]):
                path, pieces, rows = self._claim(key), [], 0
                for _, piece in group:
                    pieces.append(piece)
                    rows += piece.height
                    if rows >= self.flush_rows:
                        wait_for(self.flush_rows)
                        self._write_file(path, itertools.chain(pieces, (rest for _, rest in group)))
                        break
                else:
                    wait_for(rows)
                    in_flight.append((pool.submit(self._write_file, path, pieces), rows))
                    waiting += rows
            for future, _ in in_flight:
                future.result()

    def _claim(self, key: PartitionKey) -> Path:
        """The file of a partition about to be written (never one claimed before; `_write_file` checks it is new)."""
        path = self.folder(key) / "part-0.parquet"
        if key in self.written:
            raise _written_again(path)
        self.written.add(key)
        return path

    def _write_file(self, path: Path, pieces: Iterable[pl.DataFrame]) -> None:
        """Write one partition's new file from its pieces (partition columns left out), a row group per `flush_rows` rows."""
        _new_folder(path)
        waiting: list[pl.DataFrame] = []
        with pq.ParquetWriter(path, self.file_schema) as writer:
            def flush(last: bool) -> None:
                rows = pl.concat(waiting)
                waiting.clear()
                while rows.height >= self.flush_rows or (last and rows.height):
                    group, rows = rows.head(self.flush_rows), rows.slice(self.flush_rows)
                    group = group.sort(self.file_keys, nulls_last=True).to_arrow()
                    writer.write_table(group.select(self.file_schema.names).cast(self.file_schema))
                if rows.height:
                    waiting.append(rows)

            for rows in pieces:
                if rows.height:
                    waiting.append(rows)
                if sum(w.height for w in waiting) >= self.flush_rows:
                    flush(last=False)
            if waiting:
                flush(last=True)

    def folder(self, key: PartitionKey) -> Path:
        """The folder of one partition."""
        return self.out.joinpath(*(f"{c}={HIVE_NULL if v is None else quote(str(v), safe='')}"
                                   for c, v in zip(self.partitions, key)))

    def key_of(self, folder: Path) -> PartitionKey:
        """The partition key of a partition folder (relative to the table's folder)."""
        values = dict(part.split("=", 1) for part in folder.parts)
        return tuple(None if values[c] == HIVE_NULL else pa.scalar(unquote(values[c])).cast(self.schema.field(c).type).as_py()
                     for c in self.partitions)

    def carry_previous(self, previous_root: Path, keep: set[str], new_keys: set[PartitionKey]) -> Pieces:
        """Hard-link the previous version's partitions that get no new rows and hold only documents in `keep`;
        return the rows of `keep` of its other partitions, as a stream of pieces in partition order.
        """
        source = Path(previous_root) / self.table
        folders: dict[Path, list[Path]] = {}
        for path in parquet_files(source):
            folders.setdefault(path.parent.relative_to(source), []).append(path)

        def only_kept(files: list[Path]) -> bool:
            names = {n for f in files for n in pc.unique(pq.read_table(f, columns=["doc_name"])["doc_name"]).to_pylist()}
            return bool(names) and names <= keep

        keys = {folder: self.key_of(folder) for folder in folders}
        candidates = [f for f in folders if keys[f] not in new_keys]
        with ThreadPoolExecutor(IO_THREADS) as pool:
            linkable = {f for f, ok in zip(candidates, pool.map(lambda f: only_kept(folders[f]), candidates)) if ok}
        for folder in sorted(linkable):
            for path in folders[folder]:
                os.link(path, _mkdir(self.out / folder) / path.name)
            self.linked.append(folder)
        rewrite = sorted((f for f in folders if f not in linkable), key=lambda f: partition_order(keys[f]))
        return self._kept_rows([(keys[f], folders[f]) for f in rewrite], keep)

    @staticmethod
    def _kept_rows(partitions: list[tuple[PartitionKey, list[Path]]], keep: set[str]) -> Pieces:
        """The rows of documents in `keep` of some partitions (key, files) of the previous version, a file batch at a time."""
        for key, files in partitions:
            for path in files:
                for frame in _kept_in_file(path, keep):
                    yield key, frame

    def close(self) -> None:
        """Finish the table; an empty table, or one whose partition column has no value, gets a typed placeholder."""
        valued = {i for key in self.written for i, v in enumerate(key) if v is not None}
        valued |= {i for folder in self.linked for i, part in enumerate(folder.parts) if not part.endswith("=" + HIVE_NULL)}
        if not (self.written or self.linked) or len(valued) < len(self.partitions):
            # pyarrow infers partition types from folder names and fails when a
            # partition column has no value at all: an empty file in a typed
            # placeholder partition keeps such a table readable by every reader.
            placeholder = tuple(0 if pa.types.is_integer(self.schema.field(c).type) else "none" for c in self.partitions)
            self._write_file(self._claim(placeholder), [])


def _kept_in_file(path: Path, keep: set[str]) -> Iterator[pl.DataFrame]:
    """The rows of a Parquet file whose document is in `keep`, a batch at a time."""
    with pq.ParquetFile(path) as file:
        for batch in file.iter_batches(batch_size=10_000):
            if (kept := _kept_batch(batch, keep)) is not None:
                yield kept


def _kept_batch(batch: pa.RecordBatch, keep: set[str]) -> pl.DataFrame | None:
    """The rows of a batch whose document is in `keep`, None when there are none.

    The batch's few distinct names are looked up in `keep`: an Arrow `is_in`
    against all of `keep` would hash every kept name for each batch.
    """
    names = batch["doc_name"]
    kept_names = [n for n in pc.unique(names).to_pylist() if n in keep]
    if not kept_names:
        return None
    return pl.from_arrow(batch.filter(pc.is_in(names, value_set=pa.array(kept_names, names.type))))


def _mkdir(folder: Path) -> Path:
    """folder, created with its parents."""
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _new_folder(path: Path) -> None:
    """Create the folder of a partition's file (on a writer's thread: each mkdir cost the merging thread about a
    millisecond); FileExistsError when the folder holds that file already (a linked file is never written to)."""
    try:
        path.parent.mkdir(parents=True)
    except FileExistsError:
        if path.exists():
            raise _written_again(path) from None


def _written_again(path: Path) -> FileExistsError:
    """The error of a partition's file about to be written a second time."""
    return FileExistsError(f"{path} exists: a partition is written once, and a linked file is never written to")


def write_table(df: pl.DataFrame, table: str, root: Path) -> None:
    """Write one table held in memory as Hive-partitioned Parquet under root/<table>."""
    writer = TableWriter(table, root)
    types = polars_schema(table)
    writer.write_sorted([sorted_pieces(sort_for_writing(df.select(list(types)).cast(types), table), table)])
    writer.close()


def _fault_delay() -> None:
    """Sleep IPMETRICS_FAULT_DELAY_PUBLISH seconds (fault injection for the crash tests; unset: no delay)."""
    delay = float(os.environ.get("IPMETRICS_FAULT_DELAY_PUBLISH", "0") or 0)
    if delay:
        import time

        time.sleep(delay)


def link_table(table: str, source_root: Path, root: Path) -> None:
    """Hard-link an unchanged table's files from the previous version (no rewrite, no copy)."""
    for path in parquet_files(source_root / table):
        target = root / path.relative_to(source_root)
        os.link(path, _mkdir(target.parent) / target.name)


def publish(warehouse: Path, tables: dict[str, pl.DataFrame | Callable[[Path], None] | None], version: str) -> Path:
    """Write a complete set of tables as a new version and make it current atomically.

    A table given as None is unchanged: its files are hard-linked from the
    current version. A table may also be given as a function that writes it
    under the root it is given (a table too large to hold in memory).
    An interrupted run stops before each table and before the swap (tasks.common.interrupt.Stopped).
    """
    warehouse = Path(warehouse)
    previous_root = current_version(warehouse)
    root = warehouse / VERSIONS / version
    if previous_root is not None and root.resolve() == previous_root.resolve():
        version = f"{version}-next"  # a second run with the same id in the same second
        root = warehouse / VERSIONS / version
    if root.exists():
        shutil.rmtree(root)  # the leftover of a run killed while publishing
    root.mkdir(parents=True)
    for table, df in tables.items():
        stop_point()
        if df is None:
            link_table(table, previous_root, root)
        elif callable(df):
            df(root)
        else:
            write_table(df, table, root)
        _fault_delay()
    _fsync_tree(root)
    stop_point()
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
        _remove_tree(previous)
    return root


WAREHOUSE_ENV = "IPMETRICS_WAREHOUSE"


class WarehouseNotFound(FileNotFoundError):
    """A reader was given a folder that holds no published warehouse, or a table the warehouse lacks."""


def default_warehouse() -> Path:
    """The project's own `warehouse/` folder, found from this package's location (not the current folder)."""
    return Path(__file__).resolve().parents[2] / "warehouse"


def find_warehouse(warehouse: Path | str | None = None) -> Path:
    """The warehouse readers use: the argument, else $IPMETRICS_WAREHOUSE, else the project's `warehouse/`."""
    given = warehouse if warehouse is not None else os.environ.get(WAREHOUSE_ENV) or default_warehouse()
    return Path(given).expanduser()


def published_warehouse(warehouse: Path | str | None = None) -> Path:
    """The warehouse `find_warehouse` finds, absolute; WarehouseNotFound naming it when nothing is published there."""
    root = find_warehouse(warehouse).absolute()
    if not root.exists():
        problem = f"no such folder (give the folder `ipmetrics run --warehouse` wrote, or set {WAREHOUSE_ENV})"
    elif not root.is_dir():
        problem = "it is a file, not a folder"
    elif current_version(root) is None:
        problem = f"nothing published there yet (run `ipmetrics run --warehouse {root}` first)"
    else:
        return root
    raise WarehouseNotFound(f"no warehouse at {root}: {problem}")


def scan_table(table: str, warehouse: Path | str | None = None) -> pl.LazyFrame:
    """A lazy scan of a published table with its declared column types, from the warehouse `find_warehouse` finds;
    WarehouseNotFound naming the path when it or the table is not there."""
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}; the tables are {', '.join(TABLES)}")
    schema = polars_schema(table)
    path = table_path(published_warehouse(warehouse), table)
    if not path.is_dir():
        raise WarehouseNotFound(f"no table {table!r} in the warehouse: {path} does not exist "
                                "(a warehouse written before the table was added: run `ipmetrics run` again)")
    partitions = PARTITIONS[table]
    frame = pl.scan_parquet(
        str(path / "**" / "*.parquet"),
        hive_partitioning=bool(partitions),
        hive_schema={c: schema[c] for c in partitions} or None,
        try_parse_hive_dates=False,
        missing_columns="insert",
    )
    return frame.select([pl.col(c).cast(t) for c, t in schema.items()])


def read_table(table: str, warehouse: Path | str | None = None) -> pl.DataFrame:
    """Read a published table into polars with its declared column types, in the order of its sort keys (as `scan_table`)."""
    return scan_table(table, warehouse).sort(SORT_KEYS[table], nulls_last=True).collect()


# pandas dtypes of the Arrow types pandas would otherwise turn into float64 or object when a value is null.
PANDAS_NULLABLE = {pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}


def read_table_pandas(table: str, warehouse: Path | str | None = None) -> pd.DataFrame:
    """`read_table` as a pandas DataFrame whose integer and boolean columns stay nullable (period_year Int64, not float64)."""
    return read_table(table, warehouse).to_pandas(types_mapper=PANDAS_NULLABLE.get)


def published_table(warehouse: Path, table: str) -> pl.DataFrame:
    """A table of the published version (empty before the first run, or when that version predates the table)."""
    if current_version(warehouse) is None or not table_path(warehouse, table).is_dir():
        return empty_frame(table)
    return read_table(table, warehouse)


def unchanged_documents(warehouse: Path, rules_version: str) -> dict[str, str]:
    """doc_name -> doc_id of the published ok documents processed with the rules of `rules_version`."""
    docs = published_table(warehouse, "documents").filter(
        (pl.col("status") == "ok") & (pl.col("rules_version") == rules_version))
    return dict(zip(docs["doc_name"], docs["doc_id"]))
