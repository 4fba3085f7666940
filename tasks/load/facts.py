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
from collections import defaultdict

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
    """The facts table of a set of metric rows and the documents table that dates them."""
    published = dict(zip(documents["doc_name"], documents["published"]))
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in statements(metrics).iter_rows(named=True):
        row["published"] = published.get(row["doc_name"]) or ""
        groups[tuple(row[k] for k in FACT_KEY)].append(row)
    codes = indicator_codes()
    facts = []
    for key, rows in groups.items():
        # Most precise first, then latest published (undated last); name and position settle the rest.
        ranked = sorted(rows, key=lambda r: (r["doc_name"], r["char_start"]))
        ranked.sort(key=lambda r: r["published"], reverse=True)
        ranked.sort(key=lambda r: significant_digits(r["value"]), reverse=True)
        best = ranked[0]
        dates = sorted({r["published"] for r in rows if r["published"]})
        code = codes[best["indicator"]]
        facts.append({
            "fact_id": fact_id(key), **dict(zip(FACT_KEY, key)),
            "period_start": best["period_start"], "period_end": best["period_end"],
            "unit": best["unit"], "value": best["value"],
            "change_pct": next((r["change_pct"] for r in ranked if r["change_pct"] is not None), None),
            "status": "agreed" if all(agree(best, r) for r in rows) else "conflict",
            "n_sources": len({r["doc_name"] for r in rows}),
            "sources": sorted({r["doc_name"] for r in rows}),
            "values": sorted({r["value"] for r in rows}),
            "metric_ids": sorted(r["metric_id"] for r in rows),
            "first_published": dates[0] if dates else None, "last_published": dates[-1] if dates else None,
            "name_en": code["name_en"], "name_zh": code["name_zh"], "category": code["category"],
        })
    if not facts:
        return empty_frame("facts")
    return pl.DataFrame(facts, schema=polars_schema("facts"))


def indicators_table() -> pl.DataFrame:
    """The code list as the `indicators` table."""
    rows = [{**row, "note": row.get("note") or None} for row in indicator_codes().values()]
    return pl.DataFrame(rows, schema=polars_schema("indicators"))
