"""The `ipmetrics` command: run the pipeline, or extract metrics without writing anything."""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

EXIT_USAGE = 2


def _fail(message: str) -> int:
    """Print a one-line error and return the usage exit code."""
    print(f"ipmetrics: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _writable(folder: Path) -> str | None:
    """Why `folder` cannot hold a warehouse, or None when it can."""
    if folder.exists() and not folder.is_dir():
        return f"warehouse is not a folder: {folder}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-"):
            pass
    except OSError as exc:
        return f"warehouse folder is not writable: {folder} ({exc.strerror or exc})"
    return None


def cmd_run(args: argparse.Namespace) -> int:
    """Run the pipeline flow and print a summary."""
    source, target = Path(args.source), Path(args.warehouse)
    if not source.is_dir():
        return _fail(f"source folder not found: {source}")
    problem = _writable(target)
    if problem:
        return _fail(problem)
    from tasks.common.warehouse import WarehouseBusy, locked

    try:  # fail fast, before Prefect starts; the flow takes the lock for real
        with locked(target):
            pass
    except WarehouseBusy as exc:
        return _fail(str(exc))
    from flows.pipeline import pipeline

    flow_, workers = pipeline, args.workers
    if args.task_runner == "dask":
        flow_, workers = with_dask(pipeline, args.dask_address, args.workers), 1
    clock = time.perf_counter()
    try:
        with terminal_progress():
            summary = flow_(source=str(source), warehouse_dir=str(target), batch_size=args.batch_size,
                            keep_missing=args.keep_missing, workers=workers)
    except WarehouseBusy as exc:
        return _fail(str(exc))
    seconds = time.perf_counter() - clock
    print(
        f"ipmetrics: {summary['files_found']} files: {summary['docs_ok']} documents read "
        f"({summary['docs_reused']} unchanged), {summary['docs_quarantined']} quarantined, "
        f"{summary['docs_skipped']} skipped; {summary['metrics_valid']} metrics, "
        f"{summary['rows_rejected']} rejected rows; {seconds:.1f} s -> {target}"
    )
    return 0


def with_dask(flow_, address: str | None, workers: int):
    """The flow on a Dask cluster: the one at `address`, else a local cluster of `workers` processes."""
    from prefect_dask import DaskTaskRunner

    if address:
        runner = DaskTaskRunner(address=address)
    else:
        runner = DaskTaskRunner(cluster_kwargs={"n_workers": workers or os.cpu_count() or 1, "threads_per_worker": 1,
                                                "processes": True, "dashboard_address": None})
    return flow_.with_options(task_runner=runner)


@contextmanager
def terminal_progress():
    """A progress bar on a terminal (nothing when stderr is not a TTY)."""
    from flows.pipeline import Progress

    if not sys.stderr.isatty():
        yield
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn, TimeElapsedColumn

    with Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
             transient=True) as bar:
        task_id = bar.add_task("batches", total=None)

        def hook(done: int, total: int, label: str) -> None:
            bar.update(task_id, completed=done, total=total, description=label)

        Progress.hook = hook
        try:
            yield
        finally:
            Progress.hook = None


def cmd_serve(args: argparse.Namespace) -> int:
    """Create a scheduled deployment of the pipeline on the Prefect server and serve it."""
    if not os.environ.get("PREFECT_API_URL"):
        return _fail("set PREFECT_API_URL to a running Prefect server first "
                     "(prefect server start; export PREFECT_API_URL=http://127.0.0.1:4200/api)")
    source, target = Path(args.source).resolve(), Path(args.warehouse).resolve()
    if not source.is_dir():
        return _fail(f"source folder not found: {source}")
    problem = _writable(target)
    if problem:
        return _fail(problem)
    from flows.pipeline import pipeline

    pipeline.serve(
        name=args.name,
        cron=args.cron,
        parameters={"source": str(source), "warehouse_dir": str(target), "batch_size": args.batch_size},
        tags=["ipmetrics"],
        description=f"ipmetrics pipeline on {source} into {target}, on cron {args.cron!r}",
        pause_on_shutdown=False,
    )
    return 0


def read_record(name: str) -> dict:
    """The ingest row of one file ("-": standard input)."""
    from tasks.ingest import FoundFile, decode_bytes, doc_id_of, read_document

    if name != "-":
        return read_document(FoundFile(Path(name), name))
    data = sys.stdin.buffer.read()
    text, _ = decode_bytes(data)
    return {"doc_name": "-", "doc_id": doc_id_of(data), "raw_text": text, "format": "text", "status": "ok", "reason": None}


def extract_file(name: str, many: bool = True) -> list[dict]:
    """Metric rows of one file ("-": standard input); a file of an unsupported type gives none when it is one of many."""
    from tasks.common.chain import process_record

    record = read_record(name)
    if record["status"] == "skipped" and many:
        return []
    from tasks.clean import NO_TEXT_REASON

    done = process_record(record)
    if done.error and done.error not in NO_TEXT_REASON.values():  # a page with no text simply has no rows
        raise ValueError(f"{name}: {done.error}")
    return done.metrics


def explain_file(name: str) -> list[str]:
    """Every number the extractor read in one file, in order, with what it became or the rule that dropped it."""
    from tasks.common.chain import process_record

    seen: list = []
    done = process_record(read_record(name), seen)
    if done.clean is None:
        return [f"== {name}: not processed: {done.error}"]
    lines = [f"== {name} ({done.clean['lang']}, published {done.clean['published'] or 'unknown'}): "
             f"{len(seen)} numbers read, {len(done.metrics)} metrics"]
    if done.error:
        lines.append(f"   {done.error}")
    sentence = None
    for number in seen:
        if number.sentence != sentence:
            sentence = number.sentence
            lines.append(f"  | {sentence if len(sentence) <= 160 else sentence[:157] + '...'}")
        lines.append(f"      {number.surface}  -> {number.outcome}: {number.detail}")
    return lines


def file_names(paths: list[str]) -> list[str]:
    """The files named, with the files under each folder named."""
    from tasks.ingest import discover

    names = []
    for name in paths:
        folder = Path(name)
        names += [str(f.path) for f in discover(folder)] if name != "-" and folder.is_dir() else [name]
    return names


def extract_paths(paths: list[str], workers: int | None = None) -> Iterator[list[dict]]:
    """Metric rows of the given files and folders, a document at a time, in order (on `workers` processes)."""
    from tasks.common.parallel import imap_ordered

    names = file_names(paths)
    if len(names) == 1 or "-" in names:  # standard input can only be read here
        yield from (extract_file(name, many=len(names) > 1) for name in names)
        return
    yield from imap_ordered(extract_file, names, workers)


def cmd_extract(args: argparse.Namespace) -> int:
    """Print the metric rows of documents as JSON lines, a document at a time (or, with --explain, every number read)."""
    try:
        if args.explain:
            for name in file_names(args.files or ["-"]):
                print("\n".join(explain_file(name)))
            return 0
        for rows in extract_paths(args.files or ["-"]):
            for row in rows:
                print(json.dumps(row, ensure_ascii=False, default=str))
    except (OSError, ValueError) as exc:
        return _fail(str(exc))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Score extraction on a labelled corpus and print every error."""
    from tasks.common.evaluate import evaluate, report

    gold, source = Path(args.gold), Path(args.source) if args.source else Path(args.gold).parent / "docs"
    if not gold.is_file():
        return _fail(f"gold file not found: {gold}")
    if not source.is_dir():
        return _fail(f"source folder not found: {source} (give --source)")
    result = evaluate(gold, source)
    print(report(result))
    return 0


def cmd_facts(args: argparse.Namespace) -> int:
    """Print the facts of a warehouse as a table (with --conflicts: the conflicts, with what each source states)."""
    from tasks.common.series import facts_listing
    from tasks.common.warehouse import current_version

    warehouse = Path(args.warehouse)
    if current_version(warehouse) is None:
        return _fail(f"no published warehouse in {warehouse} (run `ipmetrics run --warehouse {warehouse}` first)")
    try:
        lines = facts_listing(warehouse, indicator=args.indicator, conflicts=args.conflicts)
    except ValueError as exc:
        return _fail(str(exc))
    print("\n".join(lines))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="ipmetrics", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the pipeline flow on a folder of documents")
    run.add_argument("--source", default="seeds", help="folder of documents (default: seeds)")
    run.add_argument("--warehouse", default="warehouse", help="warehouse folder (default: warehouse)")
    run.add_argument("--batch-size", type=int, default=1000, help="documents per task batch (default: 1000)")
    run.add_argument("--keep-missing", action="store_true", help="keep the rows of documents no longer in the source")
    run.add_argument("--workers", type=int, default=0,
                     help="processes for reading, cleaning and extraction, or Dask workers of a local cluster "
                          "(default 0: one per core)")
    run.add_argument("--task-runner", choices=["threads", "dask"], default="threads",
                     help="where batch tasks run: threads of this process (default) or a Dask cluster")
    run.add_argument("--dask-address", help="scheduler of an existing Dask cluster, e.g. tcp://10.0.0.5:8786")
    run.set_defaults(func=cmd_run)
    serve = sub.add_parser("serve", help="serve a scheduled deployment of the pipeline (needs PREFECT_API_URL)")
    serve.add_argument("--cron", default="0 6 * * *", help="schedule, cron syntax in UTC (default: 0 6 * * *)")
    serve.add_argument("--name", default="ipmetrics-scheduled", help="deployment name (default: ipmetrics-scheduled)")
    serve.add_argument("--source", default="seeds", help="folder of documents (default: seeds)")
    serve.add_argument("--warehouse", default="warehouse", help="warehouse folder (default: warehouse)")
    serve.add_argument("--batch-size", type=int, default=1000, help="documents per task batch (default: 1000)")
    serve.set_defaults(func=cmd_serve)
    ev = sub.add_parser("evaluate", help="score extraction against gold labels and list every error")
    ev.add_argument("gold", help="gold JSONL (format of ../shared/gold/SCHEMA.md)")
    ev.add_argument("--source", help="folder of the labelled documents (default: GOLD's folder/docs)")
    ev.set_defaults(func=cmd_evaluate)
    ext = sub.add_parser("extract", help="print the metrics of documents as JSON lines (writes nothing)")
    ext.add_argument("files", nargs="*", help="files or folders to read; '-' or nothing reads standard input")
    ext.add_argument("--explain", action="store_true",
                     help="instead of JSON, print every number read, in order, with the metric it became or the rule "
                          "that dropped it (for rule authors)")
    ext.set_defaults(func=cmd_extract)
    facts = sub.add_parser("facts", help="print the facts of a warehouse: each statistic reconciled across documents, "
                                         "with its sources and conflicts")
    facts.add_argument("--indicator", metavar="CODE", help="only this indicator (a code of the indicators table)")
    facts.add_argument("--conflicts", action="store_true",
                       help="only facts whose sources disagree, with their values and what each source states")
    facts.add_argument("--warehouse", default="warehouse", help="warehouse folder (default: warehouse)")
    facts.set_defaults(func=cmd_facts)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `ipmetrics` command."""
    args = build_parser().parse_args(argv)
    if args.command in ("run", "serve") and args.batch_size < 1:
        return _fail("--batch-size must be at least 1")
    from tasks.common.rules import LexiconError, check_lexicon

    try:
        check_lexicon()  # a broken lexicon stops every command here, in one line, before any work
    except LexiconError as exc:
        return _fail(str(exc))
    return args.func(args)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
