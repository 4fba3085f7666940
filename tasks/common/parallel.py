"""Run a per-document function over a batch on every core, in order.

One process pool per process (worker start-up is paid once per run, not per
batch); the spawn-free `forkserver` context keeps Prefect's threads out of
the workers. With one worker, or a handful of documents, it maps in-process.
"""
from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import lru_cache
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")
# Below this many documents per worker the pool costs more than it saves.
MIN_ITEMS_PER_WORKER = 8


def default_workers() -> int:
    """Worker processes to use: IPMETRICS_WORKERS, else one per core."""
    return int(os.environ.get("IPMETRICS_WORKERS") or os.cpu_count() or 1)


_POOL_LOCK = threading.Lock()


@lru_cache(maxsize=None)
def _new_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool for a number of workers."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver"))


def _pool(workers: int) -> ProcessPoolExecutor:
    """The one process pool of this process for a number of workers (batch tasks run in threads and share it)."""
    with _POOL_LOCK:
        return _new_pool(workers)


def imap_ordered(fn: Callable[[T], R], items: Iterable[T], workers: int | None = None) -> Iterator[R]:
    """fn(item) for each item, in order, spread over worker processes when worthwhile; results stream as they are ready."""
    items = list(items)
    workers = workers or default_workers()
    if workers <= 1 or len(items) < 2 * MIN_ITEMS_PER_WORKER:
        yield from map(fn, items)
        return
    chunk = max(1, min(32, len(items) // (workers * 4)))
    done = 0
    try:
        for result in _pool(workers).map(fn, items, chunksize=chunk):
            yield result
            done += 1
    except BrokenProcessPool:
        # Workers cannot start when __main__ cannot be re-imported (python - < script):
        # do the rest of the work here instead of failing.
        _new_pool.cache_clear()
        yield from map(fn, items[done:])


def map_ordered(fn: Callable[[T], R], items: Iterable[T], workers: int | None = None) -> list[R]:
    """[fn(item) for item in items], spread over worker processes when worthwhile."""
    return list(imap_ordered(fn, items, workers))
