"""The one chain of the stages: ingest -> clean -> extract -> validate -> load.

It has two forms, built from the same stage functions:
- `process_record`: one document in memory (an ingest row, cleaned, then
  extracted), for `ipmetrics extract`, `ipmetrics evaluate` and the tests;
- `run_pipeline`: every file under a source, in batches that pass staging
  files (schemas/staging.py) from stage to stage, published to a warehouse.
  Each stage is run by a `StageRunner`: Prefect tasks in flows/pipeline.py,
  plain calls in `InProcess` (the tests, or a run without Prefect).

tasks.clean and tasks.extract (lxml, OpenCC, cn2an, Hyperscan: 0.6 s to
import) are imported when a document is first cleaned, so a rerun with
nothing new to read does not pay for them.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

from tasks import ingest, load, validate
from tasks.common import parallel, warehouse
from tasks.common.interrupt import STOP, Interrupted, ignore_signals, signal_of
from tasks.common.rules import rules_version


@dataclass(frozen=True)
class Processed:
    """One document through clean and extract: its rows, or why it has none."""

    record: dict  # the ingest row (tasks/ingest.py: read_document)
    clean: dict | None  # the clean row (schemas/staging.py: CLEAN_SCHEMA), None when cleaning gave no text
    metrics: list[dict]  # metrics-table rows
    error: str | None  # why the document was not processed, or None


def process_record(record: dict, seen: list | None = None) -> Processed:
    """Clean and extract one ingested document; never raises.

    `seen`, when given, receives every number the extractor read and what became of it (tasks.extract.Seen).
    """
    from tasks.clean import clean_row
    from tasks.extract import extract_document

    if record["status"] != "ok":
        return Processed(record, None, [], record["reason"])
    cleaned, error = clean_row(record)
    if error:
        return Processed(record, None, [], error["reason"])
    metrics, error = extract_document(cleaned, seen)
    return Processed(record, cleaned, metrics, error["reason"] if error else None)


# --- the stages of a run, as plain functions of a batch ----------------------------

def discover_stage(source: str) -> list[ingest.FoundFile]:
    """Every file under the source."""
    return ingest.discover(Path(source))


def ingest_stage(files: list[ingest.FoundFile], warehouse_dir: str, batch_dir: Path, workers: int) -> list[dict]:
    """Read a batch of files into its staging folder; files unchanged since the published version are only hashed."""
    unchanged = warehouse.unchanged_documents(Path(warehouse_dir), rules_version())
    return ingest.ingest_batch(files, unchanged, batch_dir, workers)


def clean_stage(batch_dir: Path, duplicates: dict[str, str], workers: int) -> int:
    """Clean the new documents of a batch."""
    from tasks import clean

    return clean.clean_batch(batch_dir, duplicates, workers)


def extract_stage(batch_dir: Path, workers: int) -> int:
    """Extract the metrics of a batch."""
    from tasks import extract

    return extract.extract_batch(batch_dir, workers)


def validate_stage(batch_dir: Path) -> tuple[int, int]:
    """Validate the metrics of a batch, keeping failures as rejects."""
    return validate.validate_batch(batch_dir)


def load_stage(warehouse_dir: str, batch_dirs: list[Path], duplicates: dict[str, str], run: load.RunInfo,
               keep_missing: bool) -> dict:
    """Assemble the tables and publish them atomically; the run's summary row."""
    return load.load(Path(warehouse_dir), batch_dirs, duplicates, run, keep_missing)


STAGES: dict[str, Callable[..., Any]] = {
    "discover": discover_stage, "ingest": ingest_stage, "clean": clean_stage, "extract": extract_stage,
    "validate": validate_stage, "load": load_stage,
}


class StageRunner(Protocol):
    """Runs the stages of `run_pipeline`: `once` for discover and load, `each` for a stage over its batches."""

    def expect(self, steps: int) -> None:
        """The run will take this many calls (discover, one per batch and stage, load)."""

    def once(self, stage: str, *args: Any) -> Any:
        """STAGES[stage](*args)."""

    def each(self, stage: str, calls: list[tuple]) -> list:
        """[STAGES[stage](*args) for args in calls], in order."""

    def drain(self) -> None:
        """Wait until no call is running any more (after an interruption: they stop at their next stop point)."""


@dataclass
class InProcess:
    """A StageRunner of plain calls in this process; `on_call(stage, args, seconds)` sees each call."""

    on_call: Callable[[str, tuple, float], None] | None = None

    def expect(self, steps: int) -> None:
        """Nothing to show."""

    def once(self, stage: str, *args: Any) -> Any:
        """Run one stage call."""
        clock = time.perf_counter()
        result = STAGES[stage](*args)
        if self.on_call:
            self.on_call(stage, args, time.perf_counter() - clock)
        return result

    def each(self, stage: str, calls: list[tuple]) -> list:
        """Run a stage over its batches, one after the other."""
        return [self.once(stage, *args) for args in calls]

    def drain(self) -> None:
        """Nothing runs beside the caller."""


@dataclass
class RunResult:
    """What a run published and how long each stage took."""

    summary: dict  # the run's row of the runs table
    duplicates: dict[str, str]  # doc_name -> the doc_name whose copy it is
    seconds: dict[str, float] = field(default_factory=dict)


def files_phrase(n: int) -> str:
    """`1 file`, `3 files`."""
    return f"{n} file" if n == 1 else f"{n} files"


# Files of the documents table named in a run's log, at most.
NAMED_IN_LOG = 20


def log_not_processed(wh: Path, log: logging.Logger | logging.LoggerAdapter) -> None:
    """One log line naming the published documents that were quarantined or skipped (the first NAMED_IN_LOG) and their count."""
    import polars as pl

    docs = warehouse.published_table(wh, "documents").filter(pl.col("status") != "ok")
    if docs.height:
        named = [f"{r['doc_name']} ({r['status']}: {r['reason']})" for r in docs.head(NAMED_IN_LOG).iter_rows(named=True)]
        more = f"; and {docs.height - NAMED_IN_LOG} more" if docs.height > NAMED_IN_LOG else ""
        log.warning("%s not processed: %s%s", files_phrase(docs.height), "; ".join(named), more)


def run_pipeline(source: str, warehouse_dir: str, *, batch_size: int, keep_missing: bool, workers: int, run_id: str,
                 runner: StageRunner, log: logging.Logger | logging.LoggerAdapter) -> RunResult:
    """Every file under `source` through the stages into the warehouse, in batches; one log line per stage.

    SIGINT (KeyboardInterrupt) or SIGTERM (Prefect's TerminationSignal) stops the calls still running at their next
    stop point and raises Interrupted, under the lock: the published version is left as it was.
    """
    started = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    wh = Path(warehouse_dir)
    seconds: dict[str, float] = {}
    at = "start-up"  # the stage running

    def stage(name: str, calls: list[tuple]) -> list:
        nonlocal at
        at, clock = name, time.perf_counter()
        results = runner.each(name, calls)
        seconds[name] = time.perf_counter() - clock
        return results

    with warehouse.locked(wh, reentrant=True):
        before = warehouse.current_version(wh)
        parallel.start_run()
        try:
            stale = warehouse.remove_stale(wh)
            if stale:
                log.warning("removed %d leftovers of an interrupted run: %s", len(stale), ", ".join(stale))
            staging = warehouse.staging_dir(wh, run_id)
            at, clock = "discover", time.perf_counter()
            files = runner.once("discover", source)
            batches = [files[i:i + batch_size] for i in range(0, len(files), batch_size)] or [[]]
            n = len(batches)
            seconds["discover"] = time.perf_counter() - clock
            log.info("discover: %d files in %d batches of up to %d (%.1f s)", len(files), n, batch_size, seconds["discover"])
            runner.expect(4 * n + 2)

            batch_dirs = [staging / f"batch-{i:05d}" for i in range(1, n + 1)]
            ingested = stage("ingest", [(b, warehouse_dir, d, workers) for b, d in zip(batches, batch_dirs)])
            manifest = [row for rows in ingested for row in rows]
            duplicates = ingest.find_duplicates(manifest)
            count = {s: sum(r["status"] == s for r in manifest) for s in ("ok", "quarantined", "skipped")}
            log.info("ingest: %d files, %d ok (%d unchanged since the last run), %d quarantined, %d skipped, %d duplicates (%.1f s)",
                     len(manifest), count["ok"], sum(r["reused"] for r in manifest), count["quarantined"],
                     count["skipped"], len(duplicates), seconds["ingest"])

            # Batches whose files are all unchanged, quarantined or duplicates have nothing to clean, extract or validate.
            busy = [d for d, rows in zip(batch_dirs, ingested)
                    if any(r["status"] == "ok" and not r["reused"] and r["doc_name"] not in duplicates for r in rows)]
            runner.expect(1 + n + 3 * len(busy) + 1)
            cleaned = sum(stage("clean", [(d, duplicates, workers) for d in busy]))
            log.info("clean: %d documents (%.1f s)", cleaned, seconds["clean"])
            extracted = sum(stage("extract", [(d, workers) for d in busy]))
            log.info("extract: %d metrics (%.1f s)", extracted, seconds["extract"])
            checked = stage("validate", [(d,) for d in busy])
            log.info("validate: %d valid, %d rejected (%.1f s)", sum(c[0] for c in checked), sum(c[1] for c in checked),
                     seconds["validate"])

            at, clock = "load", time.perf_counter()
            run = load.RunInfo(run_id=run_id, source=source, started_at=started)
            summary = runner.once("load", warehouse_dir, batch_dirs, duplicates, run, keep_missing)
            seconds["load"] = time.perf_counter() - clock
            log.info("load: published %d documents, %d metrics, %d rejected rows (%.1f s)", summary["docs_ok"],
                     summary["metrics_valid"], summary["rows_rejected"], seconds["load"])
            at = "wrap-up"
            log_not_processed(wh, log)
            warehouse.remove_stale(wh)
        except BaseException as exc:
            if isinstance(exc, Exception) or (signum := signal_of(exc)) is None:
                raise
            ignore_signals()
            STOP.set()
            runner.drain()
            raise Interrupted(at, signum, before, warehouse.current_version(wh)) from None
    return RunResult(summary=summary, duplicates=duplicates, seconds=seconds)
