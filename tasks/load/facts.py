"""Facts: the statistics the published metrics state, one per indicator, origin, area, period and role.

Built as SCHEMA.md ("Indicators and facts") defines them, from the metric
rows whose indicator is set, partial is false and period is known. The
documents stating a fact are its sources. Two statements agree when they
differ by no more than the rounding of the less precise one (92.1万 and
921,000), or as a qualifier allows ("over 920,000" and 921,000). A fact's
value is the most precise statement's (most significant digits); among
equally precise ones, the latest published document's. A fact is `agreed`
when every statement agrees with that value, else `conflict`.
"""
from __future__ import annotations

import hashlib

import polars as pl

from schemas.tables import empty_frame, polars_schema
from tasks.common.rules import indicator_codes
from tasks.common.values import significant_digits

FACT_KEY = ("indicator", "origin", "area", "period", "role")
STATEMENT_COLUMNS = ("metric_id", "doc_name", "value", "unit", "qualifier", "change_pct", "period_start",
                     "period_end", "char_start", *FACT_KEY)
# How far an approximate statement ("about 920,000") may be from the value and still agree: 5 %.
APPROX_SHARE = 0.05


def half_step(value: float) -> float:
    """Half a unit of the last significant digit of a value (921000 -> 500, 920000 -> 5000, 15.3 -> 0.05)."""
    v = abs(value)
    if v == 0:
        return 0.0
    mantissa, _, exponent = f"{v:.10g}".partition("e")
    if "." in mantissa:
        step = 10.0 ** -len(mantissa.split(".")[1])
    else:
        step = 10.0 ** (len(mantissa) - len(mantissa.rstrip("0")))
    return step / 2 * (10.0 ** int(exponent) if exponent else 1.0)


def agree(a: dict, b: dict) -> bool:
    """Two statements of one fact agree within rounding, or as their qualifiers allow."""
    va, vb = a["value"], b["value"]
    if abs(va - vb) <= max(half_step(va), half_step(vb)) + 1e-9:
        return True
    for x, y in ((a, b), (b, a)):
        q, vx, vy = x.get("qualifier"), x["value"], y["value"]
        if (q == "over" and vy >= vx) or (q == "under" and vy <= vx) or (q == "approx" and abs(vy - vx) <= APPROX_SHARE * abs(vx)):
            return True
    return False


def fact_id(key: tuple) -> str:
    """Content hash of a fact's key."""
    return hashlib.sha256("|".join("" if k is None else str(k) for k in key).encode()).hexdigest()[:16]


def statements(metrics: pl.LazyFrame | pl.DataFrame) -> pl.DataFrame:
    """The metric rows that state facts: indicator set, partial false, period known."""
    rows = metrics.lazy().filter(pl.col("indicator").is_not_null() & (pl.col("partial") == False)  # noqa: E712
                                 & pl.col("period").is_not_null())
    return rows.select(STATEMENT_COLUMNS).collect()


def build_facts(metrics: pl.LazyFrame | pl.DataFrame, documents: pl.DataFrame) -> pl.DataFrame:
    """The facts table of a set of metric rows and the documents table that dates them, facts in order of first statement."""
    rows = ranked_statements(statements(metrics), documents)
    if rows.is_empty():
        return empty_frame("facts")
    differs = pl.col("value") != pl.col("value").first()
    facts = rows.group_by(FACT_KEY).agg(
        pl.col("row").min(),
        pl.col("period_start", "period_end", "unit", "value", "qualifier").first(),
        pl.col("change_pct").drop_nulls().first(),
        pl.struct("value", "qualifier").filter(differs).alias("others"),
        pl.col("doc_name").n_unique().alias("n_sources"),
        pl.col("doc_name").unique().sort().alias("sources"),
        # In order of statement, as a set keeps the first of 0.0 and -0.0.
        pl.col("value").sort_by("row").unique(maintain_order=True).sort().alias("values"),
        pl.col("metric_id").sort().alias("metric_ids"),
        pl.col("published").filter(pl.col("published") != "").min().alias("first_published"),
        pl.col("published").filter(pl.col("published") != "").max().alias("last_published"),
    ).sort("row")
    facts = facts.with_columns(
        pl.Series("fact_id", [fact_id(key) for key in facts.select(FACT_KEY).iter_rows()], dtype=pl.String),
        pl.Series("status", statuses(facts), dtype=pl.String),
    ).join(indicator_names(), on="indicator", how="left", maintain_order="left")
    schema = polars_schema("facts")
    return facts.select([pl.col(c).cast(t) for c, t in schema.items()])


def ranked_statements(statements: pl.DataFrame, documents: pl.DataFrame) -> pl.DataFrame:
    """Statements with their row number and publication date ("" undated), each fact's best first.

    Most precise first, then latest published (undated last); name,
    position and row settle the rest.
    """
    digits = {v: significant_digits(v) for v in set(statements["value"])}
    dated = documents.select("doc_name", "published").unique("doc_name", keep="last")  # a name given twice: its last date
    return (
        statements.with_row_index("row")
        .with_columns(pl.Series("digits", [digits[v] for v in statements["value"]], dtype=pl.Int64))
        .join(dated, on="doc_name", how="left", maintain_order="left")
        .with_columns(pl.col("published").fill_null(""))
        .sort(["digits", "published", "doc_name", "char_start", "row"], descending=[True, True, False, False, False])
    )


def statuses(facts: pl.DataFrame) -> list[str]:
    """agreed or conflict for each fact: whether every statement whose value differs from the fact's agrees with it."""
    return ["agreed" if all(agree({"value": value, "qualifier": qualifier}, other) for other in others) else "conflict"
            for value, qualifier, others in facts.select("value", "qualifier", "others").iter_rows()]


def indicator_names() -> pl.DataFrame:
    """indicator -> name_en, name_zh, category of the code list."""
    return indicators_table().select(pl.col("code").alias("indicator"), "name_en", "name_zh", "category")


def indicators_table() -> pl.DataFrame:
    """The code list as the `indicators` table."""
    rows = [{**row, "note": row.get("note") or None} for row in indicator_codes().values()]
    return pl.DataFrame(rows, schema=polars_schema("indicators"))
