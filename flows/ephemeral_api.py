"""Prefect's ephemeral API for `ipmetrics run` without PREFECT_API_URL, deaf to Ctrl-C.

Prefect starts this server itself (a uvicorn subprocess) on its first API call
when no server is configured. Started that way it is in the run's process
group, so Ctrl-C (SIGINT to the group) or a SIGTERM to the group stops it at
once, and the interrupted run can no longer report its state: Prefect's client
then retries for minutes and prints a long traceback. Started here first, with
SIGINT and SIGTERM blocked, it outlives the signal until this process exits
(then it is killed, as it cannot hear SIGTERM); a SIGKILL to the group still
takes it down with the run.
"""
from __future__ import annotations

import signal
import subprocess
from typing import Any

from prefect.server.api.server import SubprocessASGIServer

DEAF_TO = {signal.SIGINT, signal.SIGTERM}


class EphemeralAPI(SubprocessASGIServer):
    """The server Prefect would start, with SIGINT and SIGTERM blocked (a blocked mask survives fork and exec)."""

    def _run_uvicorn_command(self) -> subprocess.Popen[Any]:
        """Start uvicorn while this thread blocks the signals, so the child starts with them blocked."""
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, DEAF_TO)
        try:
            return super()._run_uvicorn_command()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)

    def stop(self) -> None:
        """Kill the server (it cannot hear SIGTERM), then let Prefect reap it."""
        if self.server_process:
            self.server_process.kill()
        super().stop()


def start() -> None:
    """Start the ephemeral API; Prefect's clients then use it (SubprocessASGIServer keeps one instance per port)."""
    EphemeralAPI().start()
