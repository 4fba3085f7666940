"""The process pool's workers (tasks/common/parallel.py) start warm: forked from a server that compiled the rules."""
from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

# Run in a fresh process: a fork server that is already running keeps the preload it started with.
SCRIPT = """
from tasks.common.parallel import map_ordered, start_fork_server
if __name__ == "__main__":
    start_fork_server()
    # eval runs the probe in the worker: how many times the qualifier patterns were compiled before it did anything.
    probe = "__import__('tasks.extract.roles', fromlist=['roles'])._patterns.cache_info().currsize"
    print(sorted(set(map_ordered(eval, [probe] * 20, 2))))
"""


def test_workers_start_with_the_rules_compiled(tmp_path):
    script = tmp_path / "probe.py"
    script.write_text(SCRIPT)
    out = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[1]"  # compiled once, by the fork server's preload (tasks/common/warm.py), not by the worker


def test_the_warm_up_compiles_the_clean_and_extract_rules():
    probe = ("import tasks.common.warm; from tasks.common.rules import rules_version; from tasks.extract import roles; "
             "from tasks.clean import text; print(rules_version.cache_info().currsize, roles._patterns.cache_info().currsize, "
             "text._patterns.cache_info().currsize)")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["1", "1", "1"]
