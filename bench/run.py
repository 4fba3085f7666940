"""The benchmark: `make bench` (N=10,000) or `python -m bench.run --docs 200`.

Builds a synthetic corpus (bench/synth.py), then times, each as a real
`ipmetrics` process against a local `prefect server` started for the
benchmark (as users run it, with the UI; `--prefect ephemeral` instead
starts Prefect's ephemeral API in every process):
1. a full run into an empty warehouse;
2. a rerun on the unchanged corpus (incremental);
3. a rerun after changing 1 % of the documents;
4. `ipmetrics extract` alone over the same corpus.
Prints one line per step and a final line of key=value figures.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from bench.synth import build
from flows.local_server import local_server

ROOT = Path(__file__).resolve().parent.parent


def timed(args: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB of the process and its children, output) of one ipmetrics command."""
    clock = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "flows.cli", *args], cwd=ROOT, env=os.environ | (env or {}),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - clock
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"ipmetrics {' '.join(args)} failed:\n{out.decode()[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, out.decode()


def stage_seconds(out: str) -> str:
    """The seconds per stage a run logged ("discover 0.3 s, ingest 2.1 s, ...")."""
    found = re.findall(r" - (discover|ingest|clean|extract|validate|load): .*\(([\d.]+) s\)", out)
    return ", ".join(f"{stage} {seconds} s" for stage, seconds in found)


def worker_speedup(corpus: Path, work: Path, docs: int = 400) -> dict:
    """Seconds of the extract stage on the first `docs` documents with 1 and with 2 worker processes."""
    from tasks import clean, extract, ingest

    files = ingest.discover(corpus)[:docs]
    ingest.ingest_batch(files, {}, work)
    clean.clean_batch(work, {})
    result = {"docs": len(files)}
    for workers in (1, 2):
        clock = time.perf_counter()
        extract.extract_batch(work, workers)
        result[workers] = time.perf_counter() - clock
    return result


def change_one_percent(corpus: Path, seed: int) -> int:
    """Append a new statistic to 1 % of the documents; return how many changed."""
    files = sorted(corpus.iterdir())
    rng = random.Random(seed)
    chosen = rng.sample(files, max(1, len(files) // 100))
    for path in chosen:
        data = path.read_bytes()
        path.write_bytes(data + f"\nIn 2023, {rng.randrange(10_000, 99_999)} trademarks were registered.\n".encode("ascii"))
    return len(chosen)


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--prefect", choices=("server", "ephemeral"), default="server",
                        help="run against a local Prefect server started for the benchmark, or the ephemeral API")
    args = parser.parse_args()
    work = args.workdir
    shutil.rmtree(work, ignore_errors=True)
    corpus, warehouse = work / "corpus", work / "warehouse"
    clock = time.perf_counter()
    mb = build(corpus, args.docs, args.seed) / 1e6
    print(f"corpus: {args.docs} documents, {mb:.1f} MB ({time.perf_counter() - clock:.1f} s)", flush=True)
    run_args = ["run", "--source", str(corpus), "--warehouse", str(warehouse), "--batch-size", str(args.batch_size)]
    with ExitStack() as stack:
        env = None
        if args.prefect == "server":
            env = stack.enter_context(local_server(work / "prefect-home"))["env"]
        figures = run_steps(args, corpus, run_args, env, mb)
    print(figures)


def run_steps(args: argparse.Namespace, corpus: Path, run_args: list[str], env: dict | None, mb: float) -> str:
    """Steps 1-5 of the benchmark; return the final key=value line."""
    work = args.workdir
    full_s, rss, out = timed(run_args, env)
    batches = int(re.search(r"in (\d+) batches", out).group(1))
    task_runs = 4 * batches + 2
    print(f"1. full run: {full_s:.1f} s, {mb / full_s:.2f} MB/s, {args.docs / full_s:.1f} docs/s, "
          f"peak RSS {rss:.0f} MB, {task_runs} task runs; {stage_seconds(out)}", flush=True)
    rerun_s, _, out = timed(run_args, env)
    print(f"2. rerun, unchanged corpus: {rerun_s:.1f} s ({100 * rerun_s / full_s:.1f} % of the full run); {stage_seconds(out)}",
          flush=True)
    changed = change_one_percent(corpus, args.seed)
    rerun_1pct_s, _, out = timed(run_args, env)
    print(f"3. rerun, {changed} documents changed: {rerun_1pct_s:.1f} s ({100 * rerun_1pct_s / full_s:.1f} % of the full run); "
          f"{stage_seconds(out)}", flush=True)
    extract_s, _, _ = timed(["extract", str(corpus)])
    print(f"4. ipmetrics extract alone: {extract_s:.1f} s, {mb / extract_s:.2f} MB/s", flush=True)
    speedup = worker_speedup(corpus, work / "speedup")
    print(f"5. extract stage on {speedup['docs']} documents: 1 worker {speedup[1]:.1f} s, 2 workers {speedup[2]:.1f} s "
          f"(speed-up {speedup[1] / speedup[2]:.2f}x)", flush=True)
    return (f"docs={args.docs} mb={mb:.1f} full_s={full_s:.1f} mb_per_s={mb / full_s:.2f} docs_per_s={args.docs / full_s:.1f} "
            f"peak_rss_mb={rss:.0f} task_runs={task_runs} rerun_s={rerun_s:.1f} rerun_1pct_s={rerun_1pct_s:.1f} "
            f"extract_mb_per_s={mb / extract_s:.2f} speedup_2_workers={speedup[1] / speedup[2]:.2f} prefect={args.prefect}")


if __name__ == "__main__":
    main()
