"""Validate stage: check rows against the Pandera models, keep failures as rejects.

Every row ends either in the valid frame or in the rejects frame with the
checks it failed and the failing values; nothing is dropped.
"""
from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from pandera.errors import SchemaErrors

from schemas.staging import METRICS, METRICS_VALID, REJECTS
from schemas.tables import TABLES, empty_frame, polars_schema
from tasks.common.rules import rules_version
from tasks.common.warehouse import sort_for_writing

# Rows per row group of a batch's metrics_valid.parquet: what the load stage holds of each batch at a time.
STAGING_ROW_GROUP = 2_000
KEY_COLUMN = {"metrics": "metric_id", "documents": "doc_name", "facts": "fact_id"}


def split_valid(df: pl.DataFrame, table: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(valid rows, rejects rows) of a collected DataFrame for `table`."""
    model = TABLES[table]
    try:
        model.validate(df, lazy=True)
        return df, empty_frame("rejects")
    except SchemaErrors as exc:
        failures = exc.failure_cases
    row_failures = failures.filter(pl.col("index").is_not_null())
    whole_frame = failures.filter(pl.col("index").is_null())
    if whole_frame.height:
        # A schema-level failure (a wrong type, a missing column, duplicate
        # keys reported without rows) condemns every row of the batch.
        reason = "; ".join(f"{c}: {k}" for c, k in whole_frame.select("column", "check").unique().sort("column", "check").iter_rows())
        cases = "; ".join(sorted(set(whole_frame["failure_case"].cast(pl.String).fill_null("null"))))
        return empty_frame(table), rejects_frame(df, table, pl.Series([reason] * df.height), pl.Series([cases] * df.height))
    per_row = (
        row_failures.with_columns(
            pl.col("index").cast(pl.UInt32),
            pl.format("{}: {}", pl.col("column"), pl.col("check")).alias("failed"),
            pl.col("failure_case").cast(pl.String).fill_null("null").str.slice(0, 500),
        )
        .group_by("index")
        .agg(pl.col("failed").str.join("; "), pl.col("failure_case").str.join("; "))
    )
    indexed = df.with_row_index("__idx")
    bad = indexed.join(per_row, left_on="__idx", right_on="index", how="inner").sort("__idx")
    good = indexed.join(per_row, left_on="__idx", right_on="index", how="anti").drop("__idx")
    rejected = rejects_frame(bad.drop("__idx", "failed", "failure_case"), table, bad["failed"], bad["failure_case"])
    good_after, more_rejects = split_valid(good, table) if good.height else (good, empty_frame("rejects"))
    return good_after, pl.concat([rejected, more_rejects])


def rejects_frame(rows: pl.DataFrame, table: str, failed: pl.Series, cases: pl.Series) -> pl.DataFrame:
    """Rejects rows for rejected table rows, keeping each whole row as JSON."""
    key = KEY_COLUMN[table]
    return pl.DataFrame(
        {
            "table_name": [table] * rows.height,
            "row_key": [str(k) for k in rows[key]],
            "doc_name": rows["doc_name"].cast(pl.String) if "doc_name" in rows.columns else [None] * rows.height,
            "failed_checks": failed.to_list(),
            "failure_cases": cases.to_list(),
            "row_json": [json.dumps(r, ensure_ascii=False, default=str, sort_keys=True) for r in rows.iter_rows(named=True)],
            "rules_version": [rules_version()] * rows.height,
        },
        schema=polars_schema("rejects"),
    )


def validate_batch(batch_dir: Path) -> tuple[int, int]:
    """Split batch_dir/metrics.parquet into metrics_valid.parquet and rejects.parquet; return (valid, rejected).

    The valid rows are sorted by partition, as the load stage merges them
    into the warehouse; small row groups let it read them a few at a time.
    """
    metrics = pl.read_parquet(batch_dir / METRICS)
    valid, rejected = split_valid(metrics, "metrics")
    sort_for_writing(valid, "metrics").write_parquet(batch_dir / METRICS_VALID, row_group_size=STAGING_ROW_GROUP)
    rejected.write_parquet(batch_dir / REJECTS)
    return valid.height, rejected.height
