"""The pipeline flow: ingest -> clean -> extract -> validate -> load, one task per batch and stage.

Entrypoint for deployments: `flows/pipeline.py:pipeline`.
"""
from __future__ import annotations

import datetime as dt
import time
import uuid
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.runtime import flow_run

from tasks import clean, extract, ingest, load, validate, warehouse


def retry_on_io(task_, task_run, state) -> bool:
    """Retry a task only when it failed on I/O (a flaky disk or network share)."""
    try:
        state.result()
    except OSError:
        return True
    except Exception:  # noqa: BLE001 - any other failure is a bug: do not retry it
        return False
    return False


@task(name="discover", retries=2, retry_delay_seconds=2, retry_condition_fn=retry_on_io)
def discover_files(source: str) -> list[ingest.FoundFile]:
    """List every file under the source."""
    return ingest.discover(Path(source))


@task(name="ingest", task_run_name="ingest batch {batch_no}/{n_batches} ({n_files} files)",
      retries=2, retry_delay_seconds=2, retry_condition_fn=retry_on_io)
def ingest_batch(batch_no: int, n_batches: int, n_files: int, files: list[ingest.FoundFile],
                 unchanged: dict[str, str], batch_dir: Path) -> list[dict]:
    """Read and decode a batch of files."""
    return ingest.ingest_batch(files, unchanged, batch_dir)


@task(name="clean", task_run_name="clean batch {batch_no}/{n_batches}")
def clean_batch(batch_no: int, n_batches: int, batch_dir: Path, duplicates: dict[str, str]) -> int:
    """Clean the new documents of a batch."""
    return clean.clean_batch(batch_dir, duplicates)


@task(name="extract", task_run_name="extract batch {batch_no}/{n_batches}")
def extract_batch(batch_no: int, n_batches: int, batch_dir: Path) -> int:
    """Extract the metrics of a batch."""
    return extract.extract_batch(batch_dir)


@task(name="validate", task_run_name="validate batch {batch_no}/{n_batches}")
def validate_batch(batch_no: int, n_batches: int, batch_dir: Path) -> tuple[int, int]:
    """Validate the metrics of a batch, keeping failures as rejects."""
    return validate.validate_batch(batch_dir)


@task(name="load", task_run_name="load {n_batches} batches into {warehouse_dir}",
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


@flow(name="ipmetrics", flow_run_name="ipmetrics {source} -> {warehouse_dir}")
def pipeline(source: str = "seeds", warehouse_dir: str = "warehouse", batch_size: int = 1000,
             keep_missing: bool = False) -> dict:
    """Turn the documents under `source` into the warehouse's documents, metrics and rejects tables."""
    logger = get_run_logger()
    check_arguments(source, warehouse_dir, batch_size)
    started = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    run_id = flow_run.get_id() or uuid.uuid4().hex
    wh = Path(warehouse_dir)
    with warehouse.locked(wh):
        stale = warehouse.remove_stale(wh)
        if stale:
            logger.warning("removed %d leftovers of an interrupted run: %s", len(stale), ", ".join(stale))
        staging = warehouse.staging_dir(wh, run_id)
        clock = time.perf_counter()
        files = discover_files(source)
        batches = [files[i:i + batch_size] for i in range(0, len(files), batch_size)] or [[]]
        n = len(batches)
        logger.info("discover: %d files in %d batches (%.1f s)", len(files), n, time.perf_counter() - clock)

        unchanged = load.unchanged_documents(wh)
        batch_dirs = [staging / f"batch-{i:05d}" for i in range(1, n + 1)]
        clock = time.perf_counter()
        manifest = []
        for i, (batch, batch_dir) in enumerate(zip(batches, batch_dirs), 1):
            manifest += ingest_batch(i, n, len(batch), batch, unchanged, batch_dir)
        for row in manifest:
            if row["status"] == "quarantined":
                logger.warning("quarantined %s: %s", row["doc_name"], row["reason"])
        duplicates = ingest.find_duplicates(manifest)
        reused = sum(r["reused"] for r in manifest)
        logger.info("ingest: %d files, %d ok (%d unchanged since the last run), %d quarantined, %d skipped, %d duplicates (%.1f s)",
                    len(manifest), sum(r["status"] == "ok" for r in manifest), reused,
                    sum(r["status"] == "quarantined" for r in manifest), sum(r["status"] == "skipped" for r in manifest),
                    len(duplicates), time.perf_counter() - clock)

        clock = time.perf_counter()
        cleaned = sum(clean_batch(i, n, d, duplicates) for i, d in enumerate(batch_dirs, 1))
        logger.info("clean: %d documents (%.1f s)", cleaned, time.perf_counter() - clock)
        clock = time.perf_counter()
        extracted = sum(extract_batch(i, n, d) for i, d in enumerate(batch_dirs, 1))
        logger.info("extract: %d metrics (%.1f s)", extracted, time.perf_counter() - clock)
        clock = time.perf_counter()
        checked = [validate_batch(i, n, d) for i, d in enumerate(batch_dirs, 1)]
        logger.info("validate: %d valid, %d rejected (%.1f s)", sum(c[0] for c in checked), sum(c[1] for c in checked),
                    time.perf_counter() - clock)
        clock = time.perf_counter()
        run = load.RunInfo(run_id=str(run_id), source=source, started_at=started)
        summary = load_tables(warehouse_dir, n, batch_dirs, duplicates, run, keep_missing)
        logger.info("load: published %d documents, %d metrics, %d rejects (%.1f s)", summary["docs_ok"],
                    summary["metrics_valid"], summary["rows_rejected"], time.perf_counter() - clock)
        warehouse.remove_stale(wh)
    return summary
