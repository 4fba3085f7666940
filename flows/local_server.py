"""A local Prefect server (API and UI) in the background, on a free loopback port.

Used by the benchmark and the tests; users start theirs with `prefect server start`.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
    """Stop a process group started with start_new_session=True."""
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def local_server(home: Path, timeout_s: float = 120) -> Iterator[dict]:
    """Run `prefect server start` with PREFECT_HOME=home; yield its api and ui URLs and the env a client needs."""
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = os.environ | {"PREFECT_HOME": str(home), "PREFECT_UI_API_URL": api,
                        "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    env.pop("PREFECT_API_URL", None)
    log_path = home / "server.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen([str(Path(sys.executable).parent / "prefect"), "server", "start", "--host", "127.0.0.1",
                                    "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        deadline = time.time() + timeout_s
        while not _healthy(api):
            if process.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"prefect server did not become healthy in {timeout_s:.0f} s:\n{log_path.read_text()}")
            time.sleep(1)
        yield {"api": api, "ui": f"http://127.0.0.1:{port}", "env": env | {"PREFECT_API_URL": api}, "home": home}
    finally:
        stop(process)


def _healthy(api: str) -> bool:
    """True when the API answers its health check."""
    try:
        return httpx.get(f"{api}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
