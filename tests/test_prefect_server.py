"""Run it like its users do: a real `prefect server start`, a scheduled deployment, the UI in Chromium.

Starts what it needs on free loopback ports with a temporary PREFECT_HOME and
stops it afterwards. Chromium comes from Debian's `chromium` package (`make
test` installs it); without it the UI test fails and says so.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from flows.local_server import local_server, stop
from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # a real Prefect server, runs against it, Chromium

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--virtual-time-budget=15000"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real Prefect server (API and UI) on a free loopback port."""
    with local_server(tmp_path_factory.mktemp("prefect-home")) as running:
        yield running


def chromium() -> str:
    """Path of the Chromium binary, or fail saying how to get it."""
    path = shutil.which("chromium")
    if not path:
        pytest.fail("Chromium is not installed: `apt-get install chromium` (make test does this) and run again")
    return path


def browse(url: str, profile: Path, *extra: str) -> str:
    """The DOM of a page after its scripts ran, from headless Chromium."""
    done = subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *(extra or ["--dump-dom"]), url],
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-2000:]
    return done.stdout.decode("utf-8", "replace")


def test_a_run_against_the_server_shows_in_the_ui_with_its_artifacts(server, tmp_path):
    done = subprocess.run([sys.executable, "-m", "flows.cli", "run", "--warehouse", str(tmp_path / "wh")],
                          env=server["env"], cwd=ROOT, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()
    runs = httpx.post(f"{server['api']}/flow_runs/filter", json={"sort": "START_TIME_DESC", "limit": 1}).json()
    run = runs[0]
    assert run["name"] == "ipmetrics seeds -> wh" and run["state_type"] == "COMPLETED"
    artifacts = httpx.post(f"{server['api']}/artifacts/filter",
                           json={"artifacts": {"flow_run_id": {"any_": [run["id"]]}}}).json()
    by_key = {a["key"]: a for a in artifacts}
    assert {"ipmetrics-summary", "ipmetrics-top-metrics", "ipmetrics-progress"} <= set(by_key)
    assert by_key["ipmetrics-progress"]["data"] == 100.0

    run_page = browse(f"{server['ui']}/runs/flow-run/{run['id']}", tmp_path / "profile-1")
    assert "ipmetrics seeds -&gt; " in run_page and "Completed" in run_page
    summary_page = browse(f"{server['ui']}/artifacts/artifact/{by_key['ipmetrics-summary']['id']}", tmp_path / "profile-2")
    assert "Documents by status" in summary_page and "Metrics by category and unit" in summary_page

    shot = tmp_path / "flow-run.png"
    browse(f"{server['ui']}/runs/flow-run/{run['id']}", tmp_path / "profile-3", "--window-size=1400,1000",
           f"--screenshot={shot}")
    assert shot.stat().st_size > 10_000
    if os.environ.get("IPMETRICS_UPDATE_SCREENSHOTS"):
        shutil.copy(shot, ROOT / "docs" / "prefect-ui-flow-run.png")


def test_serve_creates_a_schedule_whose_runs_complete(server, tmp_path):
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    # A daily schedule twelve hours away: the server's scheduler plans runs from it, but none comes due during
    # the test, so the run triggered below is the only one writing to the warehouse (and nothing waits for a
    # minute boundary).
    hour = (dt.datetime.now(dt.timezone.utc).hour + 12) % 24
    cron = f"0 {hour} * * *"
    log = tmp_path / "serve.log"
    serve = subprocess.Popen([sys.executable, "-m", "flows.cli", "serve", "--cron", cron, "--name", "served",
                              "--warehouse", str(tmp_path / "wh")], env=server["env"], cwd=ROOT,
                             stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.time() + 120
        while (found := httpx.get(f"{server['api']}/deployments/name/ipmetrics/served")).status_code != 200:
            assert serve.poll() is None, log.read_text()
            assert time.time() < deadline, "serve created no deployment within 120 s:\n" + log.read_text()
            time.sleep(1)
        deployment = found.json()
        assert [(s["schedule"]["cron"], s["active"]) for s in deployment["schedules"]] == [(cron, True)]

        with temporary_settings({PREFECT_API_URL: server["api"]}):
            run = run_deployment("ipmetrics/served", timeout=300, poll_interval=2, as_subflow=False)
        assert str(run.deployment_id) == deployment["id"]
        assert run.state is not None and run.state.is_completed(), f"{run.state!r}\n" + log.read_text()
        assert (tmp_path / "wh" / "metrics").is_dir() and (tmp_path / "wh" / "documents").is_dir()

        # The scheduler planned the next runs from the cron (it visits new deployments every few seconds).
        deadline = time.time() + 60
        while not (planned := httpx.post(f"{server['api']}/flow_runs/filter", json={
                "deployments": {"id": {"any_": [deployment["id"]]}},
                "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}, "tags": {"all_": ["auto-scheduled"]}},
        }).json()):
            assert time.time() < deadline, "the scheduler planned no run of the deployment within 60 s"
            time.sleep(2)
        starts = [dt.datetime.fromisoformat(r["expected_start_time"].replace("Z", "+00:00")) for r in planned]
        assert all((t.hour, t.minute) == (hour, 0) for t in starts), starts
    finally:
        stop(serve, signal.SIGINT)
    deployment = httpx.get(f"{server['api']}/deployments/name/ipmetrics/served").json()
    assert deployment["paused"] is False


def test_prefect_yaml_deploys_the_daily_deployment_for_workers(server):
    prefect = str(Path(sys.executable).parent / "prefect")
    pool = subprocess.run([prefect, "work-pool", "create", "local-process", "--type", "process"], env=server["env"],
                          cwd=ROOT, capture_output=True, timeout=120)
    assert pool.returncode == 0, pool.stdout.decode() + pool.stderr.decode()
    deploy = subprocess.run([prefect, "--no-prompt", "deploy", "--all"], env=server["env"] | {"PWD": str(ROOT)},
                            cwd=ROOT, capture_output=True, timeout=300)
    assert deploy.returncode == 0, deploy.stdout.decode() + deploy.stderr.decode()
    deployment = httpx.get(f"{server['api']}/deployments/name/ipmetrics/daily").json()
    assert deployment["entrypoint"] == "flows/pipeline.py:pipeline"
    assert deployment["work_pool_name"] == "local-process" and deployment["paused"] is False
    assert [s["schedule"]["cron"] for s in deployment["schedules"]] == ["0 6 * * *"]
    assert deployment["global_concurrency_limit"]["limit"] == 1
    assert deployment["concurrency_options"]["collision_strategy"] == "CANCEL_NEW"
    assert deployment["pull_steps"] == [
        {"prefect.deployments.steps.set_working_directory": {"directory": str(ROOT)}}]
