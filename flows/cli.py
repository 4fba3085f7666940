"""The `ipmetrics` command: run the pipeline, or extract metrics without writing anything."""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

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
    from flows.pipeline import pipeline
    from tasks.warehouse import WarehouseBusy

    clock = time.perf_counter()
    try:
        summary = pipeline(source=str(source), warehouse_dir=str(target), batch_size=args.batch_size,
                           keep_missing=args.keep_missing)
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


def extract_paths(paths: list[str]) -> list[dict]:
    """Metric rows of the given files ("-" reads standard input), as in the metrics table."""
    from tasks.clean import clean_document
    from tasks.extract import extract_metrics
    from tasks.ingest import FoundFile, decode_bytes, doc_id_of, read_document

    rows = []
    for name in paths:
        if name == "-":
            data = sys.stdin.buffer.read()
            text, _ = decode_bytes(data)
            record = {"doc_name": "-", "doc_id": doc_id_of(data), "raw_text": text, "format": "text", "status": "ok"}
        else:
            record = read_document(FoundFile(Path(name), name))
            if record["status"] != "ok":
                raise ValueError(f"{name}: {record['reason']}")
        doc = clean_document(record["raw_text"], record["format"] == "html")
        rows += extract_metrics(doc.text, doc.published, record["doc_id"], record["doc_name"])
    return rows


def cmd_extract(args: argparse.Namespace) -> int:
    """Print the metric rows of documents as JSON lines."""
    try:
        rows = extract_paths(args.files or ["-"])
    except (OSError, ValueError) as exc:
        return _fail(str(exc))
    for row in rows:
        print(json.dumps(row, ensure_ascii=False, default=str))
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
    run.set_defaults(func=cmd_run)
    ext = sub.add_parser("extract", help="print the metrics of documents as JSON lines (writes nothing)")
    ext.add_argument("files", nargs="*", help="files to read; '-' or nothing reads standard input")
    ext.set_defaults(func=cmd_extract)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `ipmetrics` command."""
    args = build_parser().parse_args(argv)
    if args.command == "run" and args.batch_size < 1:
        return _fail("--batch-size must be at least 1")
    return args.func(args)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
