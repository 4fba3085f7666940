"""Load stage: assemble the run's tables and publish them to the warehouse.

New rows come from the run's staging batches; documents whose bytes and
rules did not change keep their rows from the previous version; documents
that left the source lose theirs unless `keep_missing` is set.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import polars as pl
import pyarrow.parquet as pq

from schemas.staging import CLEAN, ERRORS_GLOB, INGESTED, METRICS, METRICS_VALID, REJECTS
from schemas.tables import PARTITIONS, SORT_KEYS, empty_frame, polars_schema
from tasks.common.rules import rules_version
from tasks.validate import split_valid
from tasks.common.warehouse import TableWriter, current_version, file_pieces, publish, published_table, scan_table
from tasks.load.facts import STATEMENT_COLUMNS, build_facts, indicators_table


@dataclass(frozen=True)
class RunInfo:
    """What the runs table records about a run."""

    run_id: str
    source: str
    started_at: dt.datetime


def _concat(paths: list[Path], table: str) -> pl.DataFrame:
    """The rows of several staging files of one table."""
    frames = [pl.read_parquet(p) for p in paths if p.exists()]
    return pl.concat(frames, how="vertical") if frames else empty_frame(table)


def new_documents(batch_dirs: list[Path], duplicates: dict[str, str]) -> pl.DataFrame:
    """Documents rows of the files read in this run (reused ones still without details)."""
    ingested = pl.concat([pl.scan_parquet(d / INGESTED).drop("raw_text") for d in batch_dirs]).collect()
    details = pl.concat([  # a batch at a time: the texts of all batches together would not fit a bounded memory
        pl.read_parquet(d / CLEAN).select(
            "doc_name", "lang", "script", "published", "title", "publisher",
            pl.col("text").str.len_chars().cast(pl.Int64).alias("text_chars"))
        for d in batch_dirs if (d / CLEAN).exists()
    ] or [pl.DataFrame(schema={"doc_name": pl.String, "lang": pl.String, "script": pl.String, "published": pl.String,
                               "title": pl.String, "publisher": pl.String, "text_chars": pl.Int64})])
    docs = ingested.join(details, on="doc_name", how="left")
    dup_frame = pl.DataFrame({"doc_name": list(duplicates), "dup_of": list(duplicates.values())}, schema={"doc_name": pl.String, "dup_of": pl.String})
    failed = stage_errors(batch_dirs)
    return docs.join(dup_frame, on="doc_name", how="left").join(failed, on="doc_name", how="left").with_columns(
        pl.when(pl.col("dup_of").is_not_null()).then(pl.lit("skipped"))
        .when(pl.col("error").is_not_null()).then(pl.lit("quarantined"))
        .otherwise(pl.col("status")).alias("status"),
        pl.when(pl.col("dup_of").is_not_null())
        .then(pl.format("duplicate of {} (same bytes); its metrics are counted once, under that name", pl.col("dup_of")))
        .when(pl.col("error").is_not_null()).then(pl.col("error"))
        .otherwise(pl.col("reason"))
        .alias("reason"),
    ).drop("dup_of", "error")


def stage_errors(batch_dirs: list[Path]) -> pl.DataFrame:
    """doc_name -> error of documents a stage could not process (errors-<stage>.parquet files)."""
    frames = [pl.read_parquet(p) for d in batch_dirs for p in sorted(d.glob(ERRORS_GLOB))]
    if not frames:
        return pl.DataFrame(schema={"doc_name": pl.String, "error": pl.String})
    return pl.concat(frames).group_by("doc_name", maintain_order=True).agg(pl.col("reason").str.join("; ").alias("error"))


def _row_count(paths: list[Path]) -> int:
    """Rows in several staging files (read from their footers)."""
    return sum(pq.ParquetFile(p).metadata.num_rows for p in paths if p.exists())


def metrics_writer(warehouse: Path, batch_dirs: list[Path], carried: set[str]) -> Callable[[Path], None]:
    """A function writing this run's metrics table under a version root, one partition at a time.

    The new rows of every batch (each file sorted by partition) are merged
    with the carried rows of the published version: its partitions that get
    no new row and hold only carried documents are hard-linked, the others
    rewritten without the rows of documents that changed or left.
    """
    def write(root: Path) -> None:
        writer = TableWriter("metrics", root)
        new_files = [d / METRICS_VALID for d in batch_dirs if (d / METRICS_VALID).exists()]
        streams = [file_pieces(f, "metrics") for f in new_files]  # batches with nothing new skip clean, extract and validate
        previous = current_version(warehouse)
        if previous is not None and carried:
            streams.append(writer.carry_previous(previous, carried, partition_keys(new_files, "metrics")))
        writer.write_sorted(streams)
        writer.close()

    return write


def partition_keys(paths: list[Path], table: str) -> set[tuple]:
    """The partition keys of the rows of some staging files (read from their partition columns only)."""
    columns = PARTITIONS[table]
    if not paths:
        return set()
    keys = pl.concat([pl.scan_parquet(p).select(columns) for p in paths]).unique().collect()
    return set(keys.iter_rows())


def fact_statements(warehouse: Path, valid_files: list[Path], carried: set[str]) -> pl.LazyFrame:
    """The metric rows of this run's version, as far as facts need them: new rows and the rows carried over."""
    columns = {c: t for c, t in polars_schema("metrics").items() if c in (*STATEMENT_COLUMNS, "partial")}
    frames = [pl.scan_parquet(p).select(list(columns)) for p in valid_files]
    if current_version(warehouse) is not None and carried:
        frames.append(scan_table("metrics", warehouse).filter(pl.col("doc_name").is_in(list(carried))).select(list(columns)))
    return pl.concat([f.cast(columns) for f in frames]) if frames else empty_frame("metrics").lazy().select(list(columns))


def assemble(warehouse: Path, batch_dirs: list[Path], duplicates: dict[str, str], keep_missing: bool) -> dict:
    """The documents, rejects, facts and indicators tables of this run, the metrics table as a stream of frames, plus counts.

    Only the documents, rejects and facts tables are held in memory; metric
    counts come from the staging files and from the published documents
    table; facts are rebuilt from the few columns they need of every metric
    row of the new version (tasks/load/facts.py).
    """
    docs = new_documents(batch_dirs, duplicates)
    prev_docs = published_table(warehouse, "documents")
    reused = docs.filter(pl.col("reused"))["doc_name"].to_list()
    carried = set(reused)
    if keep_missing:
        carried |= set(prev_docs["doc_name"]) - set(docs["doc_name"])
    removed = set(prev_docs["doc_name"]) - set(docs["doc_name"]) - carried
    detail_cols = ["doc_name", "encoding", "lang", "script", "published", "title", "publisher", "text_chars"]
    fresh = docs.filter(~pl.col("reused")).drop("reused")
    reused_docs = docs.filter(pl.col("reused")).drop("reused", *detail_cols[1:]).join(
        prev_docs.select(detail_cols), on="doc_name", how="left")
    missing_kept = prev_docs.filter(pl.col("doc_name").is_in(list(carried - set(reused)))).drop("n_metrics", "n_rejected", "rules_version")
    documents = pl.concat([fresh, reused_docs, missing_kept], how="diagonal_relaxed")

    rejects = pl.concat([
        _concat([d / REJECTS for d in batch_dirs], "rejects"),
        published_table(warehouse, "rejects").filter(pl.col("doc_name").is_in(list(carried))),
    ])
    valid_files = [d / METRICS_VALID for d in batch_dirs if (d / METRICS_VALID).exists()]
    new_counts = (pl.concat([pl.scan_parquet(p).select("doc_name") for p in valid_files]).group_by("doc_name").len("n_metrics").collect(engine="streaming")
                  if valid_files else pl.DataFrame(schema={"doc_name": pl.String, "n_metrics": pl.UInt32}))
    carried_counts = prev_docs.filter(pl.col("doc_name").is_in(list(carried))).select("doc_name", "n_metrics")
    n_metrics = pl.concat([new_counts.cast({"n_metrics": pl.Int64}), carried_counts.cast({"n_metrics": pl.Int64})])
    n_rejected = rejects.filter(pl.col("table_name") == "metrics").group_by("doc_name").len("n_rejected")
    documents = (
        documents.join(n_metrics, on="doc_name", how="left")
        .join(n_rejected, on="doc_name", how="left")
        .with_columns(
            pl.col("n_metrics").fill_null(0).cast(pl.Int64),
            pl.col("n_rejected").fill_null(0).cast(pl.Int64),
            pl.lit(rules_version()).alias("rules_version"),
        )
        .select(list(polars_schema("documents")))
        .cast(polars_schema("documents"))
    )
    valid_docs, doc_rejects = split_valid(documents, "documents")
    facts, fact_rejects = split_valid(build_facts(fact_statements(warehouse, valid_files, carried), valid_docs), "facts")
    return {
        "documents": valid_docs,
        "metrics": metrics_writer(warehouse, batch_dirs, carried),
        "rejects": pl.concat([rejects, doc_rejects, fact_rejects]),
        "facts": facts,
        "indicators": indicators_table(),
        "_counts": {"reused": len(reused), "removed": len(removed), "fresh": fresh.filter(pl.col("status") == "ok").height,
                    "extracted": _row_count([d / METRICS for d in batch_dirs]),
                    "valid": int(n_metrics["n_metrics"].sum())},
    }


def load(warehouse: Path, batch_dirs: list[Path], duplicates: dict[str, str], run: RunInfo, keep_missing: bool = False) -> dict:
    """Assemble and publish this run's tables; return the run's summary row."""
    tables = assemble(warehouse, batch_dirs, duplicates, keep_missing)
    counts = tables.pop("_counts")
    docs = tables["documents"]
    finished = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    summary = {
        "run_id": run.run_id,
        "started_at": run.started_at,
        "finished_at": finished,
        "source": run.source,
        "files_found": docs.height + tables["rejects"].filter(pl.col("table_name") == "documents").height,
        "docs_ok": docs.filter(pl.col("status") == "ok").height,
        "docs_reused": counts["reused"],
        "docs_quarantined": docs.filter(pl.col("status") == "quarantined").height,
        "docs_skipped": docs.filter(pl.col("status") == "skipped").height,
        "docs_removed": counts["removed"],
        "metrics_extracted": counts["extracted"],
        "metrics_valid": counts["valid"],
        "rows_rejected": tables["rejects"].height,
        "seconds": round((finished - run.started_at).total_seconds(), 3),
        "rules_version": rules_version(),
    }
    runs = pl.concat([published_table(warehouse, "runs"), pl.DataFrame([summary], schema=polars_schema("runs"))])
    if counts["fresh"] == 0 and counts["removed"] == 0 and unchanged_since_last_run(warehouse, tables):
        tables = {table: None for table in tables}  # nothing changed: link the files instead of rewriting them
    publish(warehouse, tables | {"runs": runs}, version=f"{finished:%Y%m%dT%H%M%S}-{run.run_id[:8]}")
    return summary


def unchanged_since_last_run(warehouse: Path, tables: dict[str, pl.DataFrame]) -> bool:
    """True when no document was processed anew and the documents and rejects tables equal the published ones.

    Metrics then consist of the carried rows alone, so they equal the published table too.
    """
    if current_version(warehouse) is None:
        return False
    return all(published_table(warehouse, table).equals(tables[table].sort(SORT_KEYS[table], nulls_last=True))
               for table in ("documents", "rejects"))
