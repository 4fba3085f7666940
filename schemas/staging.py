"""The files a run's batches pass from stage to stage, named once, with their columns.

Each batch of a run has a folder `warehouse/.staging/<run>/batch-NNNNN/`;
these files are written by one stage and read by the next, then removed when
the run publishes. The metrics files have the columns of the `metrics` table,
the rejects file those of `rejects` (schemas/tables.py).
"""
from __future__ import annotations

import polars as pl

# ingest -> clean, load: every file of the batch, with its decoded text when it is ok.
INGESTED = "ingested.parquet"
# clean -> extract, load: the clean text of the batch's new documents.
CLEAN = "clean.parquet"
# extract -> validate, load: every metric row extracted.
METRICS = "metrics.parquet"
# validate -> load: the rows that passed, sorted by partition; and the rows that did not.
METRICS_VALID = "metrics_valid.parquet"
REJECTS = "rejects.parquet"
# clean and extract -> load: documents a stage could not process, with the reason (quarantined).
ERRORS_GLOB = "errors-*.parquet"

INGESTED_SCHEMA = {
    "doc_name": pl.String, "doc_id": pl.String, "bytes": pl.Int64, "encoding": pl.String, "format": pl.String,
    "status": pl.String, "reason": pl.String, "raw_text": pl.String, "reused": pl.Boolean,
}
CLEAN_SCHEMA = {name: pl.String for name in ("doc_name", "doc_id", "text", "lang", "script", "published", "title", "publisher")}
ERRORS_SCHEMA = {"doc_name": pl.String, "reason": pl.String}


def errors_file(stage: str) -> str:
    """The file of the documents `stage` could not process."""
    return f"errors-{stage}.parquet"
