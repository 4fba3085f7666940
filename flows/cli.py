"""The `ipmetrics` command: run the pipeline, or extract metrics without writing anything."""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, NamedTuple

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


def _source_problem(source: Path) -> str | None:
    """Why `source` cannot be read as a folder of documents, or None when it can."""
    if source.is_dir():
        return None
    return f"source is a file, not a folder: {source}" if source.exists() else f"source folder not found: {source}"


def _server_problem() -> str | None:
    """Why the Prefect server configured (PREFECT_API_URL) cannot be used, or None when it answers or none is set."""
    import httpx
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    if not url:
        return None
    try:
        status = httpx.get(f"{url.rstrip('/')}/health", timeout=10).status_code
    except httpx.HTTPError as exc:
        return f"cannot reach the Prefect server at {url} (PREFECT_API_URL): {str(exc) or type(exc).__name__}"
    return None if status == 200 else f"the Prefect server at {url} (PREFECT_API_URL) answered HTTP {status}"


class Terminated(KeyboardInterrupt):
    """SIGTERM while Prefect is not running the flow (inside, Prefect raises its TerminationSignal): ends `run` like Ctrl-C."""

    signal = signal.SIGTERM


def _terminated(signum: int, frame: object) -> None:
    """The SIGTERM handler of `ipmetrics run`."""
    raise Terminated()


def cmd_run(args: argparse.Namespace) -> int:
    """Run the pipeline flow and print a summary, holding the warehouse lock from before Prefect starts to the end.

    SIGINT and SIGTERM stop the run in one line (exit 130 / 143), the published version untouched.
    """
    signal.signal(signal.SIGTERM, _terminated)
    source, target = Path(args.source), _warehouse(args)
    problem = _source_problem(source) or _writable(target)
    if problem:
        return _fail(problem)
    from tasks.common.interrupt import Interrupted, ignore_signals, signal_of
    from tasks.common.parallel import start_fork_server
    from tasks.common.rules import rules_version
    from tasks.common.warehouse import WarehouseBusy, current_version, locked

    if args.task_runner == "threads" and args.workers != 1:
        start_fork_server()  # the workers' rules compile while Prefect starts (tasks/common/warm.py)
    threading.Thread(target=rules_version, daemon=True).start()  # so does the version the ingest compares with

    before, stage = current_version(target), "start-up"
    try:
        with locked(target):
            problem = _server_problem()
            if problem:
                return _fail(problem)
            state, seconds = run_flow(args, source, target)
            stage = "wrap-up"
    except WarehouseBusy as exc:
        return _fail(str(exc))
    except KeyboardInterrupt as exc:  # the flow's Interrupted, or a signal while Prefect started or finished
        interrupted = exc if isinstance(exc, Interrupted) else Interrupted(stage, signal_of(exc), before,
                                                                             current_version(target))
        print(f"ipmetrics: {interrupted}", file=sys.stderr)
        return 128 + interrupted.signum
    finally:
        ignore_signals()  # the run is over: a signal now would only break the exit
    if state.is_cancelled():  # cancelled from the UI
        return _fail(f"the flow run was cancelled: {state.message}")
    summary = state.result()
    print(
        f"ipmetrics: {summary['files_found']} files: {summary['docs_ok']} documents read "
        f"({summary['docs_reused']} unchanged), {summary['docs_quarantined']} quarantined, "
        f"{summary['docs_skipped']} skipped; {summary['metrics_valid']} metrics, "
        f"{summary['rows_rejected']} rejected rows; {seconds:.1f} s -> {target}"
    )
    return 0


def run_flow(args: argparse.Namespace, source: Path, target: Path) -> tuple[Any, float]:
    """Run the flow (on the ephemeral API when no server is configured): its final state and seconds; raise the
    flow's Interrupted when a signal cancelled it."""
    from prefect.settings import get_current_settings

    if not get_current_settings().api.url:
        from flows import ephemeral_api

        ephemeral_api.start()
    flow_, workers = flow_for(args)
    clock = time.perf_counter()
    with terminal_progress():
        state = flow_(source=str(source), warehouse_dir=str(target), batch_size=args.batch_size,
                      keep_missing=args.keep_missing, workers=workers, return_state=True)
    cause = state.result(raise_on_failure=False) if state.is_cancelled() else None
    if isinstance(cause, KeyboardInterrupt):
        raise cause
    return state, time.perf_counter() - clock


def flow_for(args: argparse.Namespace) -> tuple[Any, int]:
    """The pipeline flow on the task runner the options chose, and its `workers` parameter."""
    from flows.pipeline import pipeline

    if args.task_runner == "dask":
        return with_dask(pipeline, args.dask_address, args.workers), 1
    return pipeline, args.workers


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


CRON_FIELDS = (("minute", "0-59"), ("hour", "0-23"), ("day-of-month", "1-31"), ("month", "1-12 or jan-dec"),
               ("day-of-week", "0-7 or sun-sat"))


def cron_problem(cron: str) -> str | None:
    """Why Prefect would refuse a cron expression, naming the field at fault; None when it is valid."""
    from prefect._vendor.croniter import croniter  # what Prefect validates schedules with

    fields = cron.split()
    if croniter.is_valid(cron) and not any(f.casefold() in ("r", "h") for f in fields):
        return None
    shape = " ".join(name for name, _ in CRON_FIELDS)
    if len(fields) != len(CRON_FIELDS):
        return f"bad --cron {cron!r}: it needs {len(CRON_FIELDS)} fields ({shape}), not {len(fields)}"
    for i, (name, values) in enumerate(CRON_FIELDS):
        alone = " ".join(f if j == i else "*" for j, f in enumerate(fields))
        if not croniter.is_valid(alone) or fields[i].casefold() in ("r", "h"):
            return f"bad --cron {cron!r}: the {name} field {fields[i]!r} is not valid (values {values}, with * , - /)"
    return f"bad --cron {cron!r}: its fields ({shape}) are valid one by one but not together"


def cmd_serve(args: argparse.Namespace) -> int:
    """Create a scheduled deployment of the pipeline on the Prefect server and serve it: at most one run at a time
    (a run due while another runs is cancelled, so runs missed while serve was down do not pile up)."""
    problem = cron_problem(args.cron)
    if problem:
        return _fail(problem)
    if not os.environ.get("PREFECT_API_URL"):
        return _fail("set PREFECT_API_URL to a running Prefect server first "
                     "(prefect server start; export PREFECT_API_URL=http://127.0.0.1:4200/api)")
    source, target = Path(args.source).resolve(), _warehouse(args).resolve()
    problem = _source_problem(source) or _writable(target) or _server_problem()
    if problem:
        return _fail(problem)
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

    flow_, workers = flow_for(args)
    flow_.serve(
        name=args.name,
        cron=args.cron,
        parameters={"source": str(source), "warehouse_dir": str(target), "batch_size": args.batch_size,
                    "keep_missing": args.keep_missing, "workers": workers},
        global_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW),
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


class Extracted(NamedTuple):
    """What one file gave `ipmetrics extract`: its metric rows, or why it gave none."""

    name: str
    rows: list[dict]
    problem: str | None  # why the file could not be read or processed; None when it was


def extract_file(name: str, many: bool = True) -> Extracted:
    """Metric rows of one file ("-": standard input), or why it gave none; never raises for a bad file (a skipped
    file among many, or a page with no text, gives neither rows nor a problem)."""
    from tasks.clean import NO_TEXT_REASON
    from tasks.common.chain import process_record

    record = read_record(name)
    if record["status"] == "skipped" and many:
        return Extracted(name, [], None)
    done = process_record(record)
    return Extracted(name, done.metrics, None if done.error in NO_TEXT_REASON.values() else done.error)


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
    """The files named, with the files under each folder named; FileNotFoundError for a name that does not exist."""
    from tasks.ingest import discover

    names = []
    for name in paths:
        folder = Path(name)
        if name != "-" and not os.path.lexists(folder):
            raise FileNotFoundError(f"no such file or folder: {name}")
        names += [str(f.path) for f in discover(folder)] if name != "-" and folder.is_dir() else [name]
    return names


def extract_paths(paths: list[str], workers: int | None = None) -> Iterator[Extracted]:
    """What each file named or under a folder named gives, a document at a time, in order (on `workers` processes)."""
    from tasks.common.parallel import imap_ordered

    names = file_names(paths)
    if len(names) == 1 or "-" in names:  # standard input can only be read here
        yield from (extract_file(name, many=len(names) > 1) for name in names)
        return
    yield from imap_ordered(extract_file, names, workers)


def cmd_extract(args: argparse.Namespace) -> int:
    """Print the metric rows of documents as JSON lines (or, with --explain, every number read); a file that cannot
    be read or processed gets a warning line, the others go on, and the exit code is 1."""
    if not args.files and sys.stdin.isatty():  # nothing named and nothing piped in: say how, rather than wait
        args.parser.print_usage(sys.stderr)
        return _fail("name files or folders, or pipe text in ('-' reads standard input)")
    failed = 0
    try:
        if args.explain:
            for name in file_names(args.files or ["-"]):
                print("\n".join(explain_file(name)))
            return 0
        for done in extract_paths(args.files or ["-"]):
            if done.problem:
                failed += 1
                print(f"ipmetrics: warning: {done.name}: {done.problem}", file=sys.stderr, flush=True)
            for row in done.rows:
                print(json.dumps(row, ensure_ascii=False, default=str))
    except (OSError, ValueError) as exc:
        return _fail(str(exc))
    return 1 if failed else 0


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


def _warehouse(args: argparse.Namespace) -> Path:
    """The warehouse a command writes or reads: --warehouse, else $IPMETRICS_WAREHOUSE, else the project's warehouse/."""
    from tasks.common.warehouse import find_warehouse

    return find_warehouse(args.warehouse)


def cmd_facts(args: argparse.Namespace) -> int:
    """Print the facts of a warehouse as a table (with --conflicts: the conflicts, with what each source states)."""
    from tasks.common.series import facts_listing
    from tasks.common.warehouse import current_version

    warehouse = _warehouse(args)
    if current_version(warehouse) is None:
        return _fail(f"no published warehouse in {warehouse} (run `ipmetrics run --warehouse {warehouse}` first)")
    try:
        lines = facts_listing(warehouse, indicator=args.indicator, conflicts=args.conflicts)
    except (ValueError, FileNotFoundError) as exc:  # an unknown indicator; a warehouse written before the facts table
        return _fail(str(exc))
    print("\n".join(lines))
    return 0


# What `ipmetrics COMMAND --help` says: a one-line description, an example, the exit codes.
COMMAND_HELP: dict[str, tuple[str, str, str]] = {
    "run": ("run the pipeline flow on a folder of documents into a warehouse",
            "ipmetrics run --source seeds --warehouse warehouse",
            "0    the run completed (also when files were quarantined or skipped)\n"
            "1    the run failed\n"
            "2    a one-line error: a missing source, an unusable warehouse or one another run is writing,\n"
            "     an unreachable server\n"
            "130  interrupted by Ctrl-C (SIGINT): the warehouse keeps its published version\n"
            "143  terminated (SIGTERM): the warehouse keeps its published version"),
    "serve": ("serve a scheduled deployment of the pipeline (needs PREFECT_API_URL)",
              'ipmetrics serve --cron "0 6 * * *" --source seeds --warehouse warehouse',
              "0    stopped (Ctrl-C or SIGTERM); the schedule stays active\n"
              "2    a one-line error: PREFECT_API_URL unset or its server unreachable, a bad --cron,\n"
              "     a missing source, an unusable warehouse"),
    "evaluate": ("score extraction against gold labels and list every error",
                 "ipmetrics evaluate ../shared/gold/seeds.jsonl --source seeds",
                 "0    scored\n"
                 "2    a one-line error: a missing gold file or source folder"),
    "extract": ("print the metrics of documents as JSON lines (writes nothing, starts no Prefect)",
                "ipmetrics extract seeds > metrics.jsonl",
                "0    every file was read\n"
                "1    some files could not be read or processed: a warning line each on stderr, the others printed\n"
                "2    a one-line error: a name that does not exist, or nothing named and a terminal on standard input"),
    "facts": ("print the facts of a warehouse: each statistic reconciled across documents, with its sources and conflicts",
              "ipmetrics facts --indicator patent.invention.grants --conflicts",
              "0    printed\n"
              "2    a one-line error: no published warehouse there, or an unknown indicator"),
}


def command_help(name: str) -> dict:
    """The add_parser keywords of a command: its COMMAND_HELP line as help and description, example and exit codes after."""
    line, example, exits = COMMAND_HELP[name]
    return {"help": line, "description": line, "formatter_class": argparse.RawDescriptionHelpFormatter,
            "epilog": f"Example:\n  {example}\n\nExit codes:\n  " + exits.replace("\n", "\n  ")}


def version_line() -> str:
    """`ipmetrics 0.1.0 (rules 107cf95bb7ea)`: the installed package's version and the rules_version of its rows."""
    from importlib.metadata import version

    from tasks.common.rules import rules_version

    return f"ipmetrics {version('ipmetrics')} (rules {rules_version()})"


class VersionAction(argparse.Action):
    """--version: print `version_line()` and exit (computed only when asked: hashing the rules takes 0.2 s)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_) -> None:
        print(version_line())
        parser.exit()


WAREHOUSE_HELP = "warehouse folder (default: $IPMETRICS_WAREHOUSE, else this project's warehouse/, where the readers look)"


def add_run_options(command: argparse.ArgumentParser) -> None:
    """The options of a run, which `run` and `serve` share."""
    command.add_argument("--source", default="seeds", help="folder of documents (default: seeds)")
    command.add_argument("--warehouse", help=WAREHOUSE_HELP)
    command.add_argument("--batch-size", type=int, default=1000, help="documents per task batch (default: 1000)")
    command.add_argument("--keep-missing", action="store_true", help="keep the rows of documents no longer in the source")
    command.add_argument("--workers", type=int, default=0,
                         help="processes for reading, cleaning and extraction, or Dask workers of a local cluster "
                              "(default 0: one per core)")
    command.add_argument("--task-runner", choices=["threads", "dask"], default="threads",
                         help="where batch tasks run: threads of this process (default) or a Dask cluster")
    command.add_argument("--dask-address", help="scheduler of an existing Dask cluster, e.g. tcp://10.0.0.5:8786")


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="ipmetrics", description=__doc__)
    parser.add_argument("--version", action=VersionAction, help="print the version and the rules version, and exit")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", **command_help("run"))
    add_run_options(run)
    run.set_defaults(func=cmd_run)
    serve = sub.add_parser("serve", **command_help("serve"))
    serve.add_argument("--cron", default="0 6 * * *", help="schedule, cron syntax in UTC (default: 0 6 * * *)")
    serve.add_argument("--name", default="ipmetrics-scheduled", help="deployment name (default: ipmetrics-scheduled)")
    add_run_options(serve)
    serve.set_defaults(func=cmd_serve)
    ev = sub.add_parser("evaluate", **command_help("evaluate"))
    ev.add_argument("gold", help="gold JSONL (format of ../shared/gold/SCHEMA.md)")
    ev.add_argument("--source", help="folder of the labelled documents (default: GOLD's folder/docs)")
    ev.set_defaults(func=cmd_evaluate)
    ext = sub.add_parser("extract", **command_help("extract"))
    ext.add_argument("files", nargs="*",
                     help="files or folders to read; '-', or nothing with text piped in, reads standard input")
    ext.add_argument("--explain", action="store_true",
                     help="instead of JSON, print every number read, in order, with the metric it became or the rule "
                          "that dropped it (for rule authors)")
    ext.set_defaults(func=cmd_extract, parser=ext)
    facts = sub.add_parser("facts", **command_help("facts"))
    facts.add_argument("--indicator", metavar="CODE", help="only this indicator (a code of the indicators table)")
    facts.add_argument("--conflicts", action="store_true",
                       help="only facts whose sources disagree, with their values and what each source states")
    facts.add_argument("--warehouse", help=WAREHOUSE_HELP)
    facts.set_defaults(func=cmd_facts)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `ipmetrics` command."""
    args = build_parser().parse_args(argv)
    if args.command in ("run", "serve") and args.batch_size < 1:
        return _fail("--batch-size must be at least 1")
    from tasks.common.interrupt import signal_of
    from tasks.common.rules import LexiconError, check_lexicon

    try:
        check_lexicon()  # a broken lexicon stops every command here, in one line, before any work
        return args.func(args)
    except LexiconError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt as exc:  # Ctrl-C (for `run` also SIGTERM) before the command could say more
        print("ipmetrics: interrupted", file=sys.stderr)
        return 128 + (signal_of(exc) or signal.SIGINT)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
