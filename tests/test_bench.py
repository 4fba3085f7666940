"""The benchmark runs end to end at a small size (figures are printed, never asserted)."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # the benchmark: a corpus, runs against a Prefect server it starts


def test_the_benchmark_runs_and_prints_its_summary_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "bench.run", "--docs", "40", "--batch-size", "20", "--workdir",
                           str(tmp_path / "bench")], cwd=ROOT, capture_output=True, timeout=900)
    out = done.stdout.decode()
    assert done.returncode == 0, out + done.stderr.decode()
    print(out)
    last = out.strip().splitlines()[-1]
    keys = ["docs", "mb", "full_s", "mb_per_s", "docs_per_s", "peak_rss_mb", "task_runs", "rerun_s", "rerun_1pct_s",
            "extract_mb_per_s", "speedup_2_workers"]
    assert re.fullmatch(" ".join(rf"{k}=[\d.]+" for k in keys) + " prefect=server", last), last
    assert "docs=40 " in last and "task_runs=10 " in last
