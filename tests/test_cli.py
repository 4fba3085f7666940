"""The ipmetrics command: extract without writing, and clear errors for unusable arguments."""
from __future__ import annotations

import json
import subprocess
import sys

from schemas.tables import polars_schema
from tests.conftest import ROOT


def ipmetrics(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    """Run the command in a subprocess."""
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], input=stdin, capture_output=True, cwd=ROOT, timeout=300)


def test_extract_prints_metric_rows_as_json_lines(seeds_dir):
    done = ipmetrics("extract", str(seeds_dir / "004_bf973d473fa57c3a.txt"))
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert list(rows[0]) == list(polars_schema("metrics"))
    first = rows[0]
    assert (first["surface"], first["value"], first["unit"], first["change_pct"], first["period"]) == (
        "3072亿元", 307200000000.0, "CNY", 7.2, "2024-Q1-Q3")


def test_extract_reads_standard_input():
    done = ipmetrics("extract", "-", stdin="In 2022, 798,000 invention patents were granted.".encode())
    rows = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [(r["value"], r["period"], r["category"]) for r in rows] == [(798000.0, "2022", "patent")]


def test_unusable_arguments_give_a_one_line_error(tmp_path):
    missing = ipmetrics("run", "--source", str(tmp_path / "nope"))
    assert missing.returncode == 2
    assert missing.stderr.decode().strip() == f"ipmetrics: error: source folder not found: {tmp_path / 'nope'}"
    (tmp_path / "file").write_text("x")
    not_a_folder = ipmetrics("run", "--source", str(ROOT / "seeds"), "--warehouse", str(tmp_path / "file"))
    assert not_a_folder.returncode == 2 and "warehouse is not a folder" in not_a_folder.stderr.decode()
    bad_file = ipmetrics("extract", str(tmp_path / "nope.txt"))
    assert bad_file.returncode == 2 and bad_file.stderr.decode().count("\n") == 1


def test_the_progress_bar_is_quiet_without_a_terminal(monkeypatch):
    import io

    from flows.cli import terminal_progress
    from flows.pipeline import Progress

    monkeypatch.setattr("sys.stderr", io.StringIO())
    with terminal_progress():
        assert Progress.hook is None


def test_the_progress_bar_follows_the_batches_on_a_terminal(monkeypatch):
    from flows.cli import terminal_progress
    from flows.pipeline import Progress

    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    with terminal_progress():
        assert Progress.hook is not None
        Progress.hook(3, 9, "extract 1/2")
    assert Progress.hook is None
