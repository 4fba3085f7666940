"""Run reports: the markdown summary and the top-metrics table shown as Prefect artifacts."""
from __future__ import annotations

from pathlib import Path

import polars as pl

from tasks.common.warehouse import read_table, scan_table


def _md_table(frame: pl.DataFrame) -> str:
    """A DataFrame as a markdown table."""
    if frame.height == 0:
        return "_none_\n"
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in frame.iter_rows()]
    return "\n".join([header, rule, *rows]) + "\n"


def summary_markdown(warehouse: Path, summary: dict, stage_seconds: dict[str, float]) -> str:
    """Markdown summary of a run: documents by status, metrics by category and unit, rejects, stage times."""
    docs = read_table("documents", warehouse)
    rejects = read_table("rejects", warehouse)
    by_status = docs.group_by("status").len("documents").sort("status")
    # aggregated while scanning: the metrics table itself never sits in memory
    by_category = (scan_table("metrics", warehouse).group_by("category", "unit").len("metrics")
                   .collect(engine="streaming").sort(["metrics", "category", "unit"], descending=[True, False, False]))
    reject_checks = rejects.group_by("table_name", "failed_checks").len("rows").sort("rows", descending=True).head(20)
    not_ok = docs.filter(pl.col("status") != "ok").select("doc_name", "status", "reason").sort("doc_name").head(50)
    stages = pl.DataFrame({"stage": list(stage_seconds), "seconds": [round(s, 2) for s in stage_seconds.values()]})
    slowest = max(stage_seconds, key=stage_seconds.get) if stage_seconds else "-"
    return "\n".join([
        f"# ipmetrics run on `{summary['source']}`",
        "",
        f"**{summary['files_found']}** files: **{summary['docs_ok']}** documents read "
        f"({summary['docs_reused']} unchanged since the last run), **{summary['docs_quarantined']}** quarantined, "
        f"**{summary['docs_skipped']}** skipped, {summary['docs_removed']} removed. "
        f"**{summary['metrics_valid']}** metrics, **{summary['rows_rejected']}** rejected rows, "
        f"{summary['seconds']:.1f} s. Slowest stage: **{slowest}**. Rules `{summary['rules_version']}`.",
        "",
        "## Documents by status", _md_table(by_status),
        "## Files not processed", _md_table(not_ok),
        "## Metrics by category and unit", _md_table(by_category),
        "## Rejected rows by failed check", _md_table(reject_checks),
        "## Seconds per stage", _md_table(stages),
    ])


def top_metrics(warehouse: Path, per_category: int = 5) -> list[dict]:
    """The largest levels of each category, for a table artifact.

    Two scans, so the metrics table never sits in memory: the value of the
    per_category-th largest level of each category, then the levels at or above it.
    """
    levels = scan_table("metrics", warehouse).filter(pl.col("role") == "level")
    floors = levels.group_by("category").agg(pl.col("value").top_k(per_category).min().alias("floor")).collect(engine="streaming")
    top = (
        levels.join(floors.lazy(), on="category").filter(pl.col("value") >= pl.col("floor"))
        .select("category", "surface", "value", "unit", "period", "metric", "doc_name")
        .collect(engine="streaming")
        .sort(["category", "value", "doc_name", "surface"], descending=[False, True, False, False])
        .group_by("category", maintain_order=True).head(per_category)
    )
    return top.to_dicts()
