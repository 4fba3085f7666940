"""The pipeline flow: ingest -> clean -> extract -> validate -> load, one Prefect task per batch and stage.

Entrypoint for deployments: `flows/pipeline.py:pipeline`. The order of the
stages is tasks/common/chain.py's `run_pipeline`; this module only wraps each
stage in a Prefect task, declares the flow's parameters and limits, and
publishes the run's artifacts.
"""
from __future__ import annotations

import concurrent.futures
import contextvars
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Generic, TypeVar

from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Cancelled, Completed, State
from prefect.task_runners import ThreadPoolTaskRunner

from tasks.common import chain, parallel, report
from tasks.common.interrupt import Interrupted, Stopped
from tasks.common.warehouse import WarehouseBusy

T = TypeVar("T")
# Batch tasks of a stage in flight at once. Each holds a batch of documents (and a
# process pool's results) in memory: this bounds the run's memory, whoever starts it.
BATCHES_IN_FLIGHT = 2
# The flow's thread waits for its tasks in slices of this many seconds. Python runs signal handlers in the main
# thread alone, and a SIGINT the kernel hands to another thread does not wake a main thread blocked on a lock.
WAKE_S = 0.2


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


def _unwrapped(args: tuple) -> tuple:
    """Task arguments with their Opaque wrappers taken off."""
    return tuple(a.value if isinstance(a, Opaque) else a for a in args)


def _wait(done: Callable[[], bool], wait: Callable[[float], object]) -> None:
    """Block until done(), waking every WAKE_S seconds (wait(seconds) waits at most that long) to take signals."""
    while not done():
        wait(WAKE_S)


def _run_stage(stage: str, args: tuple) -> Any:
    """A stage's function on a task's arguments; a Cancelled task state when the run was interrupted meanwhile."""
    try:
        return chain.STAGES[stage](*_unwrapped(args))
    except Stopped as exc:
        return Cancelled(message=str(exc))


IO_RETRIES = {"retries": 2, "retry_delay_seconds": 2, "retry_condition_fn": retry_on_io}


@task(name="discover", cache_policy=NO_CACHE, task_run_name="{label}", **IO_RETRIES)
def discover_task(label: str, *args: Any) -> list:
    """List every file under the source."""
    return _run_stage("discover", args)


@task(name="ingest", cache_policy=NO_CACHE, task_run_name="{label}", **IO_RETRIES)
def ingest_task(label: str, *args: Any) -> list[dict]:
    """Read and decode a batch of files (on `workers` processes); files unchanged since the published version are only hashed."""
    return _run_stage("ingest", args)


@task(name="clean", cache_policy=NO_CACHE, task_run_name="{label}")
def clean_task(label: str, *args: Any) -> int:
    """Clean the new documents of a batch (on `workers` processes)."""
    return _run_stage("clean", args)


@task(name="extract", cache_policy=NO_CACHE, task_run_name="{label}")
def extract_task(label: str, *args: Any) -> int:
    """Extract the metrics of a batch (on `workers` processes)."""
    return _run_stage("extract", args)


@task(name="validate", cache_policy=NO_CACHE, task_run_name="{label}")
def validate_task(label: str, *args: Any) -> tuple[int, int]:
    """Validate the metrics of a batch, keeping failures as rejects."""
    return _run_stage("validate", args)


@task(name="load", cache_policy=NO_CACHE, task_run_name="{label}", retries=1, retry_delay_seconds=2,
      retry_condition_fn=retry_on_io)
def load_task(label: str, *args: Any) -> dict:
    """Assemble the tables and publish them atomically."""
    return _run_stage("load", args)


TASKS = {"discover": discover_task, "ingest": ingest_task, "clean": clean_task, "extract": extract_task,
         "validate": validate_task, "load": load_task}


def _wrapped(args: tuple) -> tuple:
    """Task arguments with lists and dicts wrapped, so Prefect does not walk them."""
    return tuple(Opaque(a) if isinstance(a, (list, dict)) else a for a in args)


class Progress:
    """A StageRunner of Prefect tasks: counts finished calls, updates the run's progress artifact and an optional terminal hook."""

    hook = None  # set by the CLI: a callable(done, total, label)

    # At most one update of the artifact per this many seconds (each is an API call), and the last one.
    min_interval_s = 1.0

    def __init__(self) -> None:
        self.done, self.total = 0, 1
        self.waits: list[Callable[[], object]] = []  # one per call in flight: returns when the call has ended
        self.here = ThreadPoolExecutor(1, thread_name_prefix="ipmetrics-once")
        self.artifact_id = create_progress_artifact(progress=0.0, key="ipmetrics-progress",
                                                    description="Batch steps done, in percent")
        self.updated = time.monotonic()

    def expect(self, steps: int) -> None:
        """The run will take this many steps."""
        self.total = max(steps, 1)

    def step(self, label: str) -> None:
        """One step finished."""
        self.done += 1
        if self.done == self.total or time.monotonic() - self.updated >= self.min_interval_s:
            update_progress_artifact(self.artifact_id, progress=100.0 * min(self.done, self.total) / self.total)
            self.updated = time.monotonic()
        if Progress.hook:
            Progress.hook(self.done, self.total, label)

    def once(self, stage: str, *args: Any) -> Any:
        """Run one stage as one task run in this process, on a thread of its own (a signal then reaches the flow
        waiting for it, never the stage's own code)."""
        label = f"load {len(args[1])} batches into {args[0]}" if stage == "load" else stage
        future = self.here.submit(contextvars.copy_context().run, TASKS[stage], label, *_wrapped(args))
        self.waits = [future.exception]
        _wait(future.done, lambda seconds: concurrent.futures.wait([future], seconds))
        result = future.result()
        self.step(stage)
        return result

    def each(self, stage: str, calls: list[tuple]) -> list:
        """Submit a stage's task for every batch to the flow's task runner; collect results in batch order."""
        n = len(calls)
        labels = [f"{stage} batch {i}/{n}" + (f" ({len(args[0])} files)" if stage == "ingest" else "")
                  for i, args in enumerate(calls, 1)]
        futures = [TASKS[stage].submit(label, *_wrapped(args)) for label, args in zip(labels, calls)]
        self.waits = [future.wait for future in futures]
        results = []
        for i, future in enumerate(futures, 1):
            _wait(future.wrapped_future.done, future.wait)
            results.append(future.result())
            self.step(f"{stage} {i}/{n}")
        return results

    def drain(self) -> None:
        """Wait until the task runs in flight have ended."""
        for wait in self.waits:
            wait()


def check_arguments(source: str, warehouse_dir: str, batch_size: int) -> None:
    """Raise ValueError with a one-line reason when the arguments cannot work."""
    if not Path(source).is_dir():
        raise ValueError(f"source is a file, not a folder: {source}" if Path(source).exists()
                         else f"source folder not found: {source}")
    if batch_size < 1:
        raise ValueError(f"batch size must be at least 1, not {batch_size}")
    target = Path(warehouse_dir)
    if target.exists() and not target.is_dir():
        raise ValueError(f"warehouse is not a folder: {warehouse_dir}")


def run_name() -> str:
    """A flow run's name, the same however the folders were given: `ipmetrics seeds -> warehouse`."""
    parameters = flow_run.get_parameters()
    return f"ipmetrics {Path(parameters['source']).resolve().name} -> {Path(parameters['warehouse_dir']).resolve().name}"


@flow(name="ipmetrics", flow_run_name=run_name, task_runner=ThreadPoolTaskRunner(max_workers=BATCHES_IN_FLIGHT))
def pipeline(source: str = "seeds", warehouse_dir: str = "warehouse", batch_size: int = 1000,
             keep_missing: bool = False, workers: int = 0) -> dict | State:
    """Turn the documents under `source` into the warehouse's documents, metrics and rejects tables.

    workers: processes per ingest, clean and extract task (0: one per core; 1 on a Dask cluster, which parallelises the batches).
    Batch tasks are submitted to the flow's task runner: at most BATCHES_IN_FLIGHT threads,
    or a Dask cluster with `pipeline.with_options(task_runner=DaskTaskRunner(...))`
    (see `ipmetrics run --task-runner dask`).
    Ends Completed with the run's summary, named `Completed (N files not processed)` when files were quarantined or
    skipped; Cancelled when another run holds the warehouse or when SIGINT or SIGTERM interrupted it (its state's
    data is then the tasks.common.interrupt.Interrupted).
    """
    check_arguments(source, warehouse_dir, batch_size)
    log = get_run_logger()
    try:
        result = chain.run_pipeline(source, warehouse_dir, batch_size=batch_size, keep_missing=keep_missing,
                                    workers=workers or parallel.default_workers(),
                                    run_id=str(flow_run.get_id() or uuid.uuid4().hex), runner=Progress(), log=log)
    except WarehouseBusy as exc:
        log.warning("not run: %s", exc)
        return Cancelled(message=f"not run: {exc}")
    except Interrupted as exc:
        return Cancelled(message=str(exc), data=exc)
    publish_artifacts(Path(warehouse_dir), result.summary, result.seconds)
    not_processed = result.summary["docs_quarantined"] + result.summary["docs_skipped"]
    if not_processed:
        return Completed(name=f"Completed ({chain.files_phrase(not_processed)} not processed)", data=result.summary)
    return result.summary


def publish_artifacts(wh: Path, summary: dict, seconds: dict[str, float]) -> None:
    """The run's markdown summary and top-metrics table, shown in the Prefect UI."""
    create_markdown_artifact(markdown=report.summary_markdown(wh, summary, seconds), key="ipmetrics-summary",
                             description="Documents, metrics, rejects and facts of this run")
    top = report.top_metrics(wh)
    if top:
        create_table_artifact(table=top, key="ipmetrics-top-metrics",
                              description="Largest levels per category")
