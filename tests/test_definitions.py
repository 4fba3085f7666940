"""The deployment definitions load without a server, the way Prefect loads them (like Dagster's `test_defs`).

A worker or `prefect deploy` loads `flows/pipeline.py:pipeline` by path: the
`flows` package's `__init__` never runs, so whatever the flow needs (its
concurrency limit above all) must be on the flow itself.
"""
from __future__ import annotations

import json
import subprocess
import sys

import yaml
from prefect.flows import load_flow_from_entrypoint

from tests.conftest import ROOT

ENTRYPOINT = "flows/pipeline.py:pipeline"
# Loads the entrypoint as a Prefect worker does, in a fresh interpreter, and reports what the flow carries.
LOAD_AS_A_WORKER = f"""
import json, sys
from prefect.flows import load_flow_from_entrypoint
flow = load_flow_from_entrypoint({ENTRYPOINT!r})
print(json.dumps({{"runner": type(flow.task_runner).__name__, "max_workers": flow.task_runner._max_workers,
                  "flows_package_imported": "flows" in sys.modules}}))
"""


def test_the_entrypoint_loaded_by_path_keeps_its_limit_of_batches_in_flight():
    done = subprocess.run([sys.executable, "-c", LOAD_AS_A_WORKER], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=True)
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == {"runner": "ThreadPoolTaskRunner", "max_workers": 2, "flows_package_imported": False}


def test_prefect_yaml_deployments_name_a_loadable_flow_with_valid_parameters(monkeypatch):
    monkeypatch.chdir(ROOT)
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    assert config["deployments"], "prefect.yaml declares no deployment"
    for deployment in config["deployments"]:
        flow = load_flow_from_entrypoint(deployment["entrypoint"])
        assert flow.name == "ipmetrics"
        parameters = deployment.get("parameters", {})
        assert set(parameters) <= set(flow.parameters.properties), deployment["name"]
        flow.validate_parameters(parameters)  # raises on a wrong type
        assert all(s["cron"] for s in deployment.get("schedules", [])), deployment["name"]
