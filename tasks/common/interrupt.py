"""Interrupting a run: SIGINT or SIGTERM stop it at a stop point, the published version untouched.

Python runs signal handlers in the main thread, where the flow waits for its
stage calls: it sets STOP, waits for the calls in flight, which raise Stopped
at their next stop point (between documents, before each table a publish
writes and before its swap), then raises Interrupted. The workers of the
process pool ignore the SIGINT and SIGTERM sent to the whole process group
(tasks/common/parallel.py).
"""
from __future__ import annotations

import signal
import threading
from pathlib import Path


class Stopped(Exception):
    """The run was interrupted: raised at the next stop point of the threads still working for it."""


# Set when the run is interrupted: its threads stop at their next stop point.
STOP = threading.Event()


def stop_point() -> None:
    """Raise Stopped when the run has been interrupted."""
    if STOP.is_set():
        raise Stopped("the run was interrupted")


class Interrupted(KeyboardInterrupt):
    """A run stopped by SIGINT or SIGTERM once its calls stopped: the stage it was in and what the warehouse holds."""

    def __init__(self, stage: str, signum: int, before: Path | None, after: Path | None) -> None:
        super().__init__(stage)
        self.stage, self.signum, self.before, self.after = stage, signum, before, after

    def __str__(self) -> str:
        if self.after != self.before:
            return f"interrupted during {self.stage}, after publishing version {getattr(self.after, 'name', None)}"
        version = f"version {self.before.name}" if self.before else "nothing published yet"
        return f"interrupted during {self.stage}; warehouse unchanged ({version})"


def signal_of(exc: BaseException) -> int | None:
    """The signal an exception stands for: SIGINT for KeyboardInterrupt, else its `signal` (Prefect's TerminationSignal)."""
    return getattr(exc, "signal", signal.SIGINT if isinstance(exc, KeyboardInterrupt) else None)


def ignore_signals() -> None:
    """Ignore further SIGINT and SIGTERM while an interrupted run winds down (a no-op outside the main thread)."""
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_IGN)
