"""Run reports: the markdown summary and the top-metrics table shown as Prefect artifacts."""
from __future__ import annotations

from pathlib import Path

import polars as pl

from tasks.warehouse import read_table, scan_table


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
    metrics = scan_table("metrics", warehouse).select("category", "unit").collect()
    rejects = read_table("rejects", warehouse)
    by_status = docs.group_by("status").len("documents").sort("status")
    by_category = metrics.group_by("category", "unit").len("metrics").sort(["metrics", "category", "unit"], descending=[True, False, False])
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
    """The largest levels of each category (per unit), for a table artifact."""
    metrics = scan_table("metrics", warehouse).filter(pl.col("role") == "level").select(
        "category", "surface", "value", "unit", "period", "metric", "doc_name").collect()
    top = (
        metrics.sort("value", descending=True)
        .group_by("category", maintain_order=True)
        .head(per_category)
        .sort(["category", "value"], descending=[False, True])
        .select("category", "surface", "value", "unit", "period", "metric", "doc_name")
    )
    return top.to_dicts()
