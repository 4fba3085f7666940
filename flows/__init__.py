"""Prefect flows of the pipeline (wiring and parameters only; the work is in tasks/)."""
import os

# Quiet, offline-safe Prefect defaults (each can still be overridden by the environment).
for _name, _value in {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
    # one log line per stage from the flow; task runs stay visible in the UI
    "PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL": "WARNING",
}.items():
    os.environ.setdefault(_name, _value)
