"""Run a per-document function over a batch on every core, in order.

One process pool per process (worker start-up is paid once per run, not per
batch); the spawn-free `forkserver` context keeps Prefect's threads out of
the workers. With one worker, or a handful of documents, it maps in-process.
The workers ignore SIGINT and SIGTERM sent to the whole process group (Ctrl-C,
or a service manager stopping the run): the run stops between documents
instead (tasks/common/interrupt.py), then shuts the pool down. Killed workers
would break the pool, and a broken pool whose futures were cancelled can hang
the exit (Python 3.11's ProcessPoolExecutor). A worker still dies on the
SIGTERM of its own pool (Process.terminate, when another worker crashed).
"""
from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import lru_cache
from typing import Callable, Iterable, Iterator, TypeVar

from tasks.common.interrupt import STOP, stop_point

T = TypeVar("T")
R = TypeVar("R")
# Below this many documents per worker the pool costs more than it saves.
MIN_ITEMS_PER_WORKER = 8
# Pieces of work each worker gets per call, at most 32 items each: while the last piece runs the other workers wait,
# so the pieces are small (an extract batch of 1,000 documents goes out in pieces of 25, not 125).
PIECES_PER_WORKER = 16


def default_workers() -> int:
    """Worker processes to use: IPMETRICS_WORKERS, else one per core."""
    return int(os.environ.get("IPMETRICS_WORKERS") or os.cpu_count() or 1)


GROUP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


# Imported by the fork server before it forks a worker: the workers start with the stages' rules compiled.
PRELOAD = "tasks.common.warm"


def start_fork_server() -> None:
    """Start the fork server (when not running) ignoring SIGINT and SIGTERM, so the workers forked from it ignore them
    until `_worker_signals` runs; only the main thread can do that (elsewhere the pool starts it, without).

    The server imports PRELOAD first, in the background: a worker forked from it starts warm.
    """
    multiprocessing.set_forkserver_preload([PRELOAD])
    if threading.current_thread() is threading.main_thread():
        handlers = {signum: signal.signal(signum, signal.SIG_IGN) for signum in GROUP_SIGNALS}
        try:
            multiprocessing.forkserver.ensure_running()
        finally:
            for signum, handler in handlers.items():
                signal.signal(signum, handler)


def _worker_signals(parent: int) -> None:
    """A worker's initializer: ignore SIGINT, and any SIGTERM but its parent's (the pool terminating its workers)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # blocked: SIGTERMs wait for the thread below, not ignored
    threading.Thread(target=_exit_on_sigterm_from, args=(parent,), daemon=True).start()


def _exit_on_sigterm_from(parent: int) -> None:
    """Wait for a SIGTERM sent by `parent` and end the process; drop the others."""
    while signal.sigwaitinfo({signal.SIGTERM}).si_pid != parent:
        pass
    os._exit(128 + signal.SIGTERM)


def start_run() -> None:
    """Get ready for a run, from the flow's thread: STOP cleared, the fork server started (task threads make the pool)."""
    STOP.clear()
    start_fork_server()


_POOL_LOCK = threading.Lock()


@lru_cache(maxsize=None)
def _new_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool for a number of workers."""
    start_fork_server()
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver"),
                               initializer=_worker_signals, initargs=(os.getpid(),))


def _pool(workers: int) -> ProcessPoolExecutor:
    """The one process pool of this process for a number of workers (batch tasks run in threads and share it)."""
    with _POOL_LOCK:
        return _new_pool(workers)


def imap_ordered(fn: Callable[[T], R], items: Iterable[T], workers: int | None = None) -> Iterator[R]:
    """fn(item) for each item, in order, spread over worker processes when worthwhile; results stream as they are ready.

    Raises Stopped before the next result once the run is interrupted.
    """
    items = list(items)
    workers = workers or default_workers()
    done = 0
    if workers > 1 and len(items) >= 2 * MIN_ITEMS_PER_WORKER:
        chunk = max(1, min(32, len(items) // (workers * PIECES_PER_WORKER)))
        try:
            for result in _pool(workers).map(fn, items, chunksize=chunk):
                stop_point()
                yield result
                done += 1
        except BrokenProcessPool:
            # Workers cannot start when __main__ cannot be re-imported (python - < script), or were killed
            # (SIGTERM to the process group): do the rest here, a stop point before each item.
            _new_pool.cache_clear()
    for item in items[done:]:
        stop_point()
        yield fn(item)


def map_ordered(fn: Callable[[T], R], items: Iterable[T], workers: int | None = None) -> list[R]:
    """[fn(item) for item in items], spread over worker processes when worthwhile."""
    return list(imap_ordered(fn, items, workers))
