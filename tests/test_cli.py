"""The ipmetrics command: extract without writing, and clear errors for unusable arguments."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from flows.cli import COMMAND_HELP, main
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


def test_extract_goes_on_past_unreadable_files_and_exits_1(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for i in range(1, 21):  # 20 files: enough for the process pool of extract_paths
        (source / f"f{i:02}.txt").write_text(f"In {2000 + i}, China granted {i},000 invention patents.\n")
    (source / "f07.txt").unlink()
    (source / "f07.txt").symlink_to(tmp_path / "gone.txt")  # unreadable whoever runs the test, root too
    (source / "f13.txt").write_bytes(bytes(range(9)) * 4)  # binary: no encoding reads it
    done = ipmetrics("extract", str(source))
    assert done.returncode == 1, done.stderr
    assert done.stderr.decode().splitlines() == [
        f"ipmetrics: warning: {source / 'f07.txt'}: dangling symlink",
        f"ipmetrics: warning: {source / 'f13.txt'}: binary data, not text: 4 NUL bytes among 36"]
    names = [json.loads(line)["doc_name"] for line in done.stdout.decode().splitlines()]
    assert names == [str(source / f"f{i:02}.txt") for i in range(1, 21) if i not in (7, 13)]


def test_extract_without_arguments_on_a_terminal_prints_its_usage_instead_of_waiting():
    import pty

    parent, child = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "flows.cli", "extract"], stdin=child, capture_output=True,
                              cwd=ROOT, timeout=60)
    finally:
        os.close(parent)
        os.close(child)
    assert done.returncode == 2 and done.stdout == b""
    assert done.stderr.decode().splitlines() == [
        "usage: ipmetrics extract [-h] [--explain] [files ...]",
        "ipmetrics: error: name files or folders, or pipe text in ('-' reads standard input)"]


def test_version_names_the_package_and_the_rules(capsys):
    from importlib.metadata import version

    from tasks.common.rules import rules_version

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"ipmetrics {version('ipmetrics')} (rules {rules_version()})\n"


@pytest.mark.parametrize("command", ["run", "serve", "evaluate", "extract", "facts"])
def test_each_command_help_has_a_description_an_example_and_exit_codes(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    line, example, _ = COMMAND_HELP[command]
    assert f"\n{line}\n" in out and f"Example:\n  {example}\n" in out
    assert f"ipmetrics {command}" in example
    codes = out.split("Exit codes:\n", 1)[1].splitlines()
    assert codes[0].startswith("  0 ") and any(c.startswith("  2 ") for c in codes), out
