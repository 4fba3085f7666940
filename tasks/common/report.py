"""Run reports: the markdown summary and the top-metrics table shown as Prefect artifacts."""
from __future__ import annotations

from pathlib import Path

import polars as pl

from tasks.common.series import fact_key_label, format_values, name_sources, plural, source_labels
from tasks.common.warehouse import read_table, scan_table


def _md_table(frame: pl.DataFrame) -> str:
    """A DataFrame as a markdown table."""
    if frame.height == 0:
        return "_none_\n"
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in frame.iter_rows()]
    return "\n".join([header, rule, *rows]) + "\n"


# Conflicts listed by name in the run summary; the rest are counted.
SUMMARY_CONFLICTS = 20


def facts_markdown(warehouse: Path, documents: pl.DataFrame, limit: int = SUMMARY_CONFLICTS) -> str:
    """The facts section of the run summary: how many facts, how many with several sources, and the conflicts
    (those with the most sources first, at most `limit` of them, then a count of the others)."""
    facts = scan_table("facts", warehouse)
    counts = facts.select(pl.len().alias("facts"), (pl.col("n_sources") > 1).sum().alias("several"),
                          (pl.col("status") == "conflict").sum().alias("conflicts")).collect().row(0, named=True)
    conflicts = (facts.filter(pl.col("status") == "conflict")
                 .sort(["n_sources", "indicator", "origin", "area", "period", "role"],
                       descending=[True, False, False, False, False, False], nulls_last=False)
                 .head(limit).collect())
    labels = source_labels(documents)
    rows = pl.DataFrame(
        {"indicator": [fact_key_label(r) for r in conflicts.iter_rows(named=True)],
         "period": conflicts["period"].to_list(),
         "values": [format_values(v, u, limit=6) for v, u in zip(conflicts["values"], conflicts["unit"])],
         "sources": ["; ".join(name_sources(s, labels)) for s in conflicts["sources"]]},
        schema={"indicator": pl.String, "period": pl.String, "values": pl.String, "sources": pl.String})
    rows = rows.with_columns(pl.all().str.replace_all("|", "\\|", literal=True))  # a pipe would end a cell
    more = counts["conflicts"] - conflicts.height
    return "\n".join([
        f"**{counts['facts']}** facts (statistics reconciled across documents), **{counts['several']}** stated by "
        f"several documents, **{counts['conflicts']}** in conflict (statements that disagree beyond rounding).",
        "",
        _md_table(rows) if rows.height else "" if counts["conflicts"] else "_no conflicts_\n",
        *([f"... and {plural(more, 'more conflict')}: `ipmetrics facts --conflicts` lists them all.", ""] if more > 0 else []),
    ])


def summary_markdown(warehouse: Path, summary: dict, stage_seconds: dict[str, float]) -> str:
    """Markdown summary of a run: documents by status, metrics by category and unit, rejects, facts, stage times."""
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
        "## Facts", facts_markdown(warehouse, docs),
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
