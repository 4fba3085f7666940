"""Operations a scheduler can trust (issue 15): one run of the deployment at a time, clean interruptions,
one-line errors, visible partial runs.

Real processes against one real Prefect server (a module fixture), as users run them; a few runs use the
ephemeral API instead, where that is what the scenario is about.
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
from typing import Callable

import httpx
import polars as pl
import pytest

from bench.synth import build
from flows.local_server import free_port, local_server, stop
from tasks.common.warehouse import current_version, locked, read_table
from tests.conftest import ROOT, SEEDS

pytestmark = pytest.mark.slow  # a real Prefect server, `ipmetrics` in subprocesses

DATA_TABLES = ("documents", "metrics", "rejects", "facts")
BATCH = "25"  # 4 batches of the 92 files below: more batches than in flight, so a signal finds a stage half done


def tables(warehouse: Path) -> dict[str, pl.DataFrame]:
    """The data tables of a warehouse."""
    return {t: read_table(t, warehouse) for t in DATA_TABLES}


def assert_same_tables(warehouse: Path, expected: dict[str, pl.DataFrame]) -> None:
    """The warehouse holds exactly these tables."""
    for table, frame in tables(warehouse).items():
        assert frame.equals(expected[table]), table


def ephemeral_env() -> dict[str, str]:
    """The environment of a run on Prefect's ephemeral API (no PREFECT_API_URL)."""
    return {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}


def ipmetrics(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the command to its end."""
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          timeout=timeout)


def start(log: Path, *args: str, env: dict[str, str]) -> subprocess.Popen:
    """Start the command in its own process group, stdout in log.out and stderr in log.err."""
    return subprocess.Popen([sys.executable, "-m", "flows.cli", *args], cwd=ROOT, env=env,
                            stdout=open(log.with_suffix(".out"), "wb"), stderr=open(log.with_suffix(".err"), "wb"),
                            start_new_session=True)


def api_post(server: dict, path: str, body: dict) -> list[dict]:
    """POST to the server's API; the JSON answer. A 503 (the server's SQLite busy, as under the load of the whole
    suite) is retried, as Prefect's own client does."""
    for attempt in range(5):
        response = httpx.post(f"{server['api']}{path}", json=body, timeout=30)
        if response.status_code != 503:
            break
        time.sleep(1 + attempt)
    response.raise_for_status()
    return response.json()


def latest_run(server: dict, name: str) -> dict:
    """The flow run of that name created last."""
    return api_post(server, "/flow_runs/filter", {"flow_runs": {"name": {"any_": [name]}},
                                                  "sort": "EXPECTED_START_TIME_DESC", "limit": 1})[0]


def wait_for(what: str, ready: Callable[[], object], timeout: float = 120, every: float = 1.0):
    """ready()'s first true value, polled; fail naming `what` after timeout seconds."""
    deadline = time.time() + timeout
    while not (value := ready()):
        assert time.time() < deadline, f"{what}: not within {timeout:.0f} s"
        time.sleep(every)
    return value


def warnings_of(server: dict, run_id: str) -> list[str]:
    """The messages of a flow run's log at WARNING and above."""
    return [entry["message"] for entry in api_post(server, "/logs/filter", {
        "logs": {"flow_run_id": {"any_": [run_id]}, "level": {"ge_": 30}}})]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real Prefect server (API and UI) on a free loopback port."""
    with local_server(tmp_path_factory.mktemp("prefect-home")) as running:
        yield running


def clean_run(server: dict, source: Path, warehouse: Path, *args: str) -> dict[str, pl.DataFrame]:
    """The tables of a run into a new warehouse. Made right before they are compared with: the rules of the
    extraction may change while the tests run (edits in the tree change rules_version)."""
    done = ipmetrics("run", "--source", str(source), "--warehouse", str(warehouse), *args, env=server["env"])
    assert done.returncode == 0, done.stderr.decode()
    return tables(warehouse)


@pytest.fixture(scope="module")
def runs(server, tmp_path_factory) -> dict:
    """A synthetic corpus of 90 documents plus a skipped and a quarantined file, and a run of seeds/ (the version
    the interrupted runs must leave in place)."""
    root = tmp_path_factory.mktemp("operations")
    src = root / "src"
    build(src, 90)
    (src / "notes.pdf").write_bytes(b"%PDF-1.4 not read")
    (src / "broken.txt").write_bytes(bytes(range(256)) * 8)
    return {"root": root, "src": src, "seeds": clean_run(server, SEEDS, root / "seeds-run")}


def test_a_run_that_did_not_process_every_file_says_so_in_its_state_and_log(server, runs, tmp_path):
    source = tmp_path / "mixed"
    shutil.copytree(SEEDS, source)
    for name in ("notes.pdf", "broken.txt"):
        shutil.copy(runs["src"] / name, source / name)
    clean_run(server, source, tmp_path / "wh")
    run = latest_run(server, "ipmetrics mixed -> wh")
    assert (run["state_type"], run["state_name"]) == ("COMPLETED", "Completed (2 files not processed)")
    messages = wait_for("the log line naming the files", lambda: [m for m in warnings_of(server, run["id"])
                                                                  if "not processed" in m], timeout=30)
    assert len(messages) == 1
    assert messages[0].startswith("2 files not processed: broken.txt (quarantined: ")
    assert "; notes.pdf (skipped: not a supported document (type .pdf)" in messages[0]
    assert latest_run(server, "ipmetrics seeds -> seeds-run")["state_name"] == "Completed"


# (moment, has the run reached it (warehouse, the staging and version folders before the run: the leftovers of the
# run interrupted before), the stages the run may be in then)
MOMENTS: list[tuple[str, Callable[[Path, set[str]], bool], set[str]]] = [
    ("ingest", lambda wh, old: any(b.parent.name not in old for b in wh.glob(".staging/*/batch-00001")),
     {"ingest", "clean"}),
    ("extract", lambda wh, old: any(m.parent.parent.name not in old
                                    for m in wh.glob(".staging/*/batch-00001/metrics.parquet")), {"extract"}),
    ("load", lambda wh, old: any(v.name not in old for v in (wh / ".versions").iterdir()), {"load"}),  # writing one
]


def interrupt(server: dict, runs: dict, warehouse: Path, signum: int, moment: str, ephemeral: bool) -> None:
    """Run on the corpus, send signum to the run's process group at the moment, check what it printed and left."""
    _, ready, stages = next(m for m in MOMENTS if m[0] == moment)
    before, old = current_version(warehouse), {p.name for p in warehouse.glob(".*/*")}
    log = runs["root"] / f"{signal.Signals(signum).name}-{moment}{'-ephemeral' if ephemeral else ''}"
    env = (ephemeral_env() if ephemeral else server["env"]) | {"IPMETRICS_FAULT_DELAY_PUBLISH": "1"}
    process = start(log, "run", "--source", str(runs["src"]), "--warehouse", str(warehouse), "--batch-size", BATCH,
                    env=env)
    try:
        wait_for(f"{moment} of the run", lambda: process.poll() is not None or ready(warehouse, old), every=0.005)
        assert process.poll() is None, "the run ended before the moment:\n" + log.with_suffix(".err").read_text()
        os.killpg(process.pid, signum)
        clock = time.time()
        process.wait(60)
    finally:
        stop(process, signal.SIGKILL)
    err, out = log.with_suffix(".err").read_text(), log.with_suffix(".out").read_text()
    assert process.returncode == 128 + signum, err
    assert "Traceback" not in err + out and "Crash" not in err and out == "", err
    ours = [line for line in err.splitlines() if line.startswith("ipmetrics:")]
    assert len(ours) == 1, err
    stage = ours[0].removeprefix("ipmetrics: interrupted during ").split(";")[0]
    assert stage in stages, err
    assert ours[0] == f"ipmetrics: interrupted during {stage}; warehouse unchanged (version {before.name})"
    assert time.time() - clock < 30, "the run took more than 30 s to stop"
    assert current_version(warehouse) == before
    assert_same_tables(warehouse, runs["seeds"])
    with locked(warehouse):  # released
        pass
    if not ephemeral:
        run = latest_run(server, f"ipmetrics src -> {warehouse.name}")
        assert (run["state_type"], run["state"]["message"]) == ("CANCELLED", ours[0].removeprefix("ipmetrics: "))


def test_sigint_and_sigterm_at_three_moments_leave_the_published_version(server, runs):
    warehouse = runs["root"] / "interrupted"
    shutil.copytree(runs["root"] / "seeds-run", warehouse, symlinks=True)
    for signum in (signal.SIGINT, signal.SIGTERM):
        for moment, _, _ in MOMENTS:
            interrupt(server, runs, warehouse, signum, moment, ephemeral=False)
    # Ctrl-C on the ephemeral API: the API outlives the signal to the process group
    interrupt(server, runs, warehouse, signal.SIGINT, "ingest", ephemeral=True)
    healed = ipmetrics("run", "--source", str(runs["src"]), "--warehouse", str(warehouse), "--batch-size", BATCH,
                       env=server["env"])
    assert healed.returncode == 0, healed.stderr.decode()
    assert_same_tables(warehouse, clean_run(server, runs["src"], runs["root"] / "reference", "--batch-size", BATCH))


def test_two_runs_started_together_the_second_exits_at_once_in_one_line(tmp_path):
    warehouse = tmp_path / "wh"
    clock = time.time()
    both = [start(tmp_path / name, "run", "--warehouse", str(warehouse), env=ephemeral_env()) for name in "ab"]
    try:
        wait_for("one of the runs to end", lambda: any(p.poll() is not None for p in both), timeout=30, every=0.05)
        seconds = time.time() - clock
        second = next(p for p in both if p.poll() is not None)
        first = next(p for p in both if p is not second)
        assert first.poll() is None, "the first run ended as soon as the second"
        os.killpg(first.pid, signal.SIGINT)  # while Prefect's ephemeral API starts: Ctrl-C then is one line too
        assert first.wait(60) == 130
    finally:
        for process in both:
            stop(process, signal.SIGKILL)
    logs = {p: (tmp_path / name).with_suffix(".err").read_text() for p, name in zip(both, "ab")}
    assert second.returncode == 2, logs[second]
    assert logs[second] == (f"ipmetrics: error: warehouse {warehouse} is being written by pid {first.pid}; "
                            "wait for it to finish\n")
    assert seconds < 5, f"the second run took {seconds:.1f} s to give up"
    assert [line for line in logs[first].splitlines() if line.startswith("ipmetrics")] == [
        "ipmetrics: interrupted during start-up; warehouse unchanged (nothing published yet)"], logs[first]
    assert "Traceback" not in logs[first] and not (warehouse / "current").exists()
    with locked(warehouse):
        pass


def test_unusable_servers_schedules_and_sources_give_one_line_errors(tmp_path):
    dead = f"http://127.0.0.1:{free_port()}/api"
    env = os.environ | {"PREFECT_API_URL": dead}
    file = SEEDS / "000_035977481f1947b4.txt"
    expected = {
        ("run", "--warehouse", str(tmp_path / "wh")):
            f"cannot reach the Prefect server at {dead} (PREFECT_API_URL): [Errno 111] Connection refused",
        ("serve", "--warehouse", str(tmp_path / "wh")):
            f"cannot reach the Prefect server at {dead} (PREFECT_API_URL): [Errno 111] Connection refused",
        ("serve", "--cron", "0 25 * * *"):  # checked before the server is contacted
            "bad --cron '0 25 * * *': the hour field '25' is not valid (values 0-23, with * , - /)",
        ("serve", "--cron", "0 6 * * fri-xyz"):
            "bad --cron '0 6 * * fri-xyz': the day-of-week field 'fri-xyz' is not valid (values 0-7 or sun-sat, with * , - /)",
        ("serve", "--cron", "0 6 * *"):
            "bad --cron '0 6 * *': it needs 5 fields (minute hour day-of-month month day-of-week), not 4",
        ("run", "--source", str(file)): f"source is a file, not a folder: {file}",
    }
    for args, message in expected.items():
        done = ipmetrics(*args, env=env, timeout=120)
        assert (done.returncode, done.stderr.decode(), done.stdout) == (2, f"ipmetrics: error: {message}\n", b""), args


def test_the_ui_of_a_server_on_another_port_calls_that_port(server):
    # README: the server's own shell sets PREFECT_UI_API_URL (local_server does), else the UI calls :4200
    assert httpx.get(f"{server['ui']}/ui-settings").json()["api_url"] == server["api"]


def test_missed_runs_of_the_deployment_do_not_pile_up_after_a_restart(server, runs, tmp_path):
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    warehouse = tmp_path / "served"
    hour = (dt.datetime.now(dt.timezone.utc).hour + 12) % 24  # a schedule that comes due during no test
    args = ("serve", "--cron", f"0 {hour} * * *", "--name", "ops", "--warehouse", str(warehouse), "--workers", "1",
            "--batch-size", "2", "--keep-missing")
    serve = start(tmp_path / "serve-1", *args, env=server["env"])
    try:
        deployment = wait_for("the deployment", lambda: (r := httpx.get(
            f"{server['api']}/deployments/name/ipmetrics/ops")).status_code == 200 and r.json())
    finally:
        stop(serve, signal.SIGINT)
    assert deployment["global_concurrency_limit"]["limit"] == 1
    assert deployment["concurrency_options"]["collision_strategy"] == "CANCEL_NEW"
    assert deployment["parameters"] == {"source": str(SEEDS), "warehouse_dir": str(warehouse), "batch_size": 2,
                                        "keep_missing": True, "workers": 1}

    # Four runs that came due while serve was down, one a minute
    now = dt.datetime.now(dt.timezone.utc)
    late = [api_post(server, f"/deployments/{deployment['id']}/create_flow_run", {"state": {
        "type": "SCHEDULED", "state_details": {"scheduled_time": (now - dt.timedelta(minutes=m)).isoformat()}}})["id"]
        for m in (4, 3, 2, 1)]
    serve = start(tmp_path / "serve-2", *args, env=server["env"])
    try:
        def final() -> list[dict]:
            found = api_post(server, "/flow_runs/filter", {"flow_runs": {"id": {"any_": late}}})
            return found if all(r["state"]["type"] in ("COMPLETED", "CANCELLED", "FAILED", "CRASHED") for r in found) else []

        done = wait_for("the late runs to end", final)
        by_state = {s: [r for r in done if r["state_type"] == s] for s in {r["state_type"] for r in done}}
        assert set(by_state) == {"COMPLETED", "CANCELLED"}, [(r["state_type"], r["state"]["message"]) for r in done]
        assert all(r["state"]["message"] == "Deployment concurrency limit reached." and r["run_count"] == 0
                   for r in by_state["CANCELLED"])
        ran = sorted((r["start_time"], r["end_time"]) for r in by_state["COMPLETED"])
        assert all(end <= next_start for (_, end), (next_start, _) in zip(ran, ran[1:])), ran  # one at a time
        assert {r["name"] for r in by_state["COMPLETED"]} == {"ipmetrics seeds -> served"}

        with locked(warehouse), temporary_settings({PREFECT_API_URL: server["api"]}):  # an `ipmetrics run` writing
            busy = run_deployment("ipmetrics/ops", timeout=120, poll_interval=1, as_subflow=False)
        assert busy.state is not None and busy.state.is_cancelled(), busy.state
        assert busy.state.message.startswith(f"not run: warehouse {warehouse} is being written by pid {os.getpid()}")
        logged = wait_for("the log line of the busy run", lambda: warnings_of(server, str(busy.id)), timeout=30)
        assert logged == [busy.state.message]
    finally:
        stop(serve, signal.SIGINT)
    serve_log = (tmp_path / "serve-2").with_suffix(".err").read_text()
    assert "Traceback" not in serve_log, serve_log
    assert_same_tables(warehouse, clean_run(server, SEEDS, tmp_path / "clean"))
