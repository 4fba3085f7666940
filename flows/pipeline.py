"""The pipeline flow: ingest -> clean -> extract -> validate -> load, one task per batch and stage.

Entrypoint for deployments: `flows/pipeline.py:pipeline`.
"""
from __future__ import annotations

import datetime as dt
import time
import uuid
from pathlib import Path
from typing import Generic, TypeVar

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.runtime import flow_run

from tasks import ingest, load, validate
from tasks.common import parallel, report, warehouse

# tasks.clean and tasks.extract (lxml, OpenCC, cn2an, Hyperscan: 0.6 s) are imported by their tasks,
# so a rerun with nothing new to read does not pay for them.


T = TypeVar("T")


class Opaque(Generic[T]):
    """A task argument passed as it is: Prefect walks lists, dicts and dataclasses in task arguments looking
    for futures (about 2 s per run for 10,000 files), and its `quote` does not survive Dask's argument handling."""

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value


def retry_on_io(task_, task_run, state) -> bool:
    """Retry a task only when it failed on I/O (a flaky disk or network share)."""
    try:
        state.result()
    except OSError:
        return True
    except Exception:  # noqa: BLE001 - any other failure is a bug: do not retry it
        return False
    return False


@task(name="discover", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2, retry_condition_fn=retry_on_io)
def discover_files(source: str) -> list[ingest.FoundFile]:
    """List every file under the source."""
    return ingest.discover(Path(source))


@task(name="ingest", cache_policy=NO_CACHE, task_run_name="ingest batch {batch_no}/{n_batches} ({n_files} files)",
      retries=2, retry_delay_seconds=2, retry_condition_fn=retry_on_io)
def ingest_batch(batch_no: int, n_batches: int, n_files: int, files: Opaque[list[ingest.FoundFile]],
                 warehouse_dir: str, batch_dir: Path, workers: int) -> list[dict]:
    """Read and decode a batch of files (on `workers` processes); files unchanged since the published version are only hashed."""
    return ingest.ingest_batch(files.value, load.unchanged_documents(Path(warehouse_dir)), batch_dir, workers)


@task(name="clean", cache_policy=NO_CACHE, task_run_name="clean batch {batch_no}/{n_batches}")
def clean_batch(batch_no: int, n_batches: int, batch_dir: Path, duplicates: Opaque[dict[str, str]], workers: int) -> int:
    """Clean the new documents of a batch (on `workers` processes)."""
    from tasks import clean

    return clean.clean_batch(batch_dir, duplicates.value, workers)


@task(name="extract", cache_policy=NO_CACHE, task_run_name="extract batch {batch_no}/{n_batches}")
def extract_batch(batch_no: int, n_batches: int, batch_dir: Path, workers: int) -> int:
    """Extract the metrics of a batch (on `workers` processes)."""
    from tasks import extract

    return extract.extract_batch(batch_dir, workers)


@task(name="validate", cache_policy=NO_CACHE, task_run_name="validate batch {batch_no}/{n_batches}")
def validate_batch(batch_no: int, n_batches: int, batch_dir: Path) -> tuple[int, int]:
    """Validate the metrics of a batch, keeping failures as rejects."""
    return validate.validate_batch(batch_dir)


@task(name="load", cache_policy=NO_CACHE, task_run_name="load {n_batches} batches into {warehouse_dir}",
      retries=1, retry_delay_seconds=2, retry_condition_fn=retry_on_io)
def load_tables(warehouse_dir: str, n_batches: int, batch_dirs: list[Path], duplicates: dict[str, str],
                run: load.RunInfo, keep_missing: bool) -> dict:
    """Assemble the tables and publish them atomically."""
    return load.load(Path(warehouse_dir), batch_dirs, duplicates, run, keep_missing)


def check_arguments(source: str, warehouse_dir: str, batch_size: int) -> None:
    """Raise ValueError with a one-line reason when the arguments cannot work."""
    if not Path(source).is_dir():
        raise ValueError(f"source folder not found: {source}")
    if batch_size < 1:
        raise ValueError(f"batch size must be at least 1, not {batch_size}")
    target = Path(warehouse_dir)
    if target.exists() and not target.is_dir():
        raise ValueError(f"warehouse is not a folder: {warehouse_dir}")


class Progress:
    """Counts finished batch steps; updates the run's progress artifact and an optional terminal hook."""

    hook = None  # set by the CLI: a callable(done, total, label)

    # At most one update of the artifact per this many seconds (each is an API call), and the last one.
    min_interval_s = 1.0

    def __init__(self, total: int):
        self.done, self.total = 0, max(total, 1)
        self.artifact_id = create_progress_artifact(progress=0.0, key="ipmetrics-progress",
                                                    description="Batch steps done, in percent")
        self.updated = time.monotonic()

    def step(self, label: str) -> None:
        """One batch step finished."""
        self.done += 1
        if self.done == self.total or time.monotonic() - self.updated >= self.min_interval_s:
            update_progress_artifact(self.artifact_id, progress=100.0 * self.done / self.total)
            self.updated = time.monotonic()
        if Progress.hook:
            Progress.hook(self.done, self.total, label)


def run_stage(name: str, task_, batch_args: list[tuple], progress: Progress, seconds: dict) -> list:
    """Submit one stage's task for every batch to the task runner; collect results in batch order."""
    clock = time.perf_counter()
    n = len(batch_args)
    futures = [task_.submit(i, n, *args) for i, args in enumerate(batch_args, 1)]
    results = []
    for i, future in enumerate(futures, 1):
        results.append(future.result())
        progress.step(f"{name} {i}/{n}")
    seconds[name] = time.perf_counter() - clock
    return results


@flow(name="ipmetrics", flow_run_name="ipmetrics {source} -> {warehouse_dir}")
def pipeline(source: str = "seeds", warehouse_dir: str = "warehouse", batch_size: int = 1000,
             keep_missing: bool = False, workers: int = 0) -> dict:
    """Turn the documents under `source` into the warehouse's documents, metrics and rejects tables.

    workers: processes per ingest, clean and extract task (0: one per core; 1 on a Dask cluster, which parallelises the batches).
    Batch tasks are submitted to the flow's task runner: threads by default,
    a Dask cluster with `pipeline.with_options(task_runner=DaskTaskRunner(...))`
    (see `ipmetrics run --task-runner dask`).
    """
    logger = get_run_logger()
    workers = workers or parallel.default_workers()
    check_arguments(source, warehouse_dir, batch_size)
    started = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    run_id = str(flow_run.get_id() or uuid.uuid4().hex)
    wh = Path(warehouse_dir)
    seconds: dict[str, float] = {}
    with warehouse.locked(wh):
        stale = warehouse.remove_stale(wh)
        if stale:
            logger.warning("removed %d leftovers of an interrupted run: %s", len(stale), ", ".join(stale))
        staging = warehouse.staging_dir(wh, run_id)
        clock = time.perf_counter()
        files = discover_files(source)
        batches = [files[i:i + batch_size] for i in range(0, len(files), batch_size)] or [[]]
        n = len(batches)
        seconds["discover"] = time.perf_counter() - clock
        logger.info("discover: %d files in %d batches of up to %d (%.1f s)", len(files), n, batch_size, seconds["discover"])
        progress = Progress(total=4 * n + 1)

        batch_dirs = [staging / f"batch-{i:05d}" for i in range(1, n + 1)]
        ingested = run_stage("ingest", ingest_batch, [(len(b), Opaque(b), warehouse_dir, d, workers) for b, d in zip(batches, batch_dirs)],
                             progress, seconds)
        manifest = [row for rows in ingested for row in rows]
        for row in manifest:
            if row["status"] == "quarantined":
                logger.warning("quarantined %s: %s", row["doc_name"], row["reason"])
        duplicates = ingest.find_duplicates(manifest)
        count = {s: sum(r["status"] == s for r in manifest) for s in ("ok", "quarantined", "skipped")}
        logger.info("ingest: %d files, %d ok (%d unchanged since the last run), %d quarantined, %d skipped, %d duplicates (%.1f s)",
                    len(manifest), count["ok"], sum(r["reused"] for r in manifest), count["quarantined"],
                    count["skipped"], len(duplicates), seconds["ingest"])

        # Batches whose files are all unchanged, quarantined or duplicates have nothing to clean, extract or validate.
        busy = [d for d, rows in zip(batch_dirs, ingested)
                if any(r["status"] == "ok" and not r["reused"] and r["doc_name"] not in duplicates for r in rows)]
        progress.total = n + 3 * len(busy) + 1
        cleaned = sum(run_stage("clean", clean_batch, [(d, Opaque(duplicates), workers) for d in busy], progress, seconds))
        logger.info("clean: %d documents (%.1f s)", cleaned, seconds["clean"])
        extracted = sum(run_stage("extract", extract_batch, [(d, workers) for d in busy], progress, seconds))
        logger.info("extract: %d metrics (%.1f s)", extracted, seconds["extract"])
        for name, error in load.stage_errors(batch_dirs).iter_rows():
            logger.warning("quarantined %s: %s", name, error)
        checked = run_stage("validate", validate_batch, [(d,) for d in busy], progress, seconds)
        logger.info("validate: %d valid, %d rejected (%.1f s)", sum(c[0] for c in checked), sum(c[1] for c in checked),
                    seconds["validate"])

        clock = time.perf_counter()
        run = load.RunInfo(run_id=run_id, source=source, started_at=started)
        summary = load_tables(warehouse_dir, n, batch_dirs, duplicates, run, keep_missing)
        seconds["load"] = time.perf_counter() - clock
        progress.step("load")
        logger.info("load: published %d documents, %d metrics, %d rejected rows (%.1f s)", summary["docs_ok"],
                    summary["metrics_valid"], summary["rows_rejected"], seconds["load"])
        warehouse.remove_stale(wh)
    publish_artifacts(wh, summary, seconds)
    return summary


def publish_artifacts(wh: Path, summary: dict, seconds: dict[str, float]) -> None:
    """The run's markdown summary and top-metrics table, shown in the Prefect UI."""
    create_markdown_artifact(markdown=report.summary_markdown(wh, summary, seconds), key="ipmetrics-summary",
                             description="Documents, metrics and rejects of this run")
    top = report.top_metrics(wh)
    if top:
        create_table_artifact(table=top, key="ipmetrics-top-metrics",
                              description="Largest levels per category")
