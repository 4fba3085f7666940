"""Reading the `facts` table: one indicator over time, and facts with their sources for people to read.

`read_series` is the reader for analysts (notebooks, scripts); the rest
formats facts for `ipmetrics facts`, the run summary and the facts notebook:
a source shown as "publisher, date", a value with its unit, and what each
source of a conflicting fact states.
"""
from __future__ import annotations

import difflib
import unicodedata
from pathlib import Path

import polars as pl

from schemas.tables import AREAS, ORIGINS, ROLES
from tasks.common.rules import indicator_codes
from tasks.common.warehouse import find_warehouse, read_table, scan_table

SERIES_COLUMNS = ["period", "period_start", "period_end", "value", "unit", "status", "n_sources", "sources",
                  "change_pct"]


def known_indicators(warehouse: Path | str | None = None) -> list[str]:
    """The indicator codes: the closed list of the lexicon, with those of the warehouse's `indicators` table."""
    codes = set(indicator_codes()) | set(scan_table("indicators", warehouse).select("code").collect()["code"])
    return sorted(codes)


def check_indicator(code: str, warehouse: Path | str | None = None) -> None:
    """Raise ValueError naming `code` and the closest known codes when it is not an indicator code."""
    codes = known_indicators(warehouse)
    if code in codes:
        return
    close = difflib.get_close_matches(code, codes, n=3, cutoff=0.5)
    if not close:  # a bare measure or right ("grants", "patent") finds the codes that contain it
        close = [c for c in codes if code and code.lower() in c][:3]
    hint = f"did you mean {', '.join(close)}?" if close else f"see the indicators table ({len(codes)} codes)"
    raise ValueError(f"unknown indicator {code!r}; {hint}")


def read_series(indicator: str, origin: str | None = None, area: str | None = None,
                warehouse: Path | str | None = None, *, role: str = "level") -> pl.DataFrame:
    """One indicator over time, from the `facts` table: a row per period, sorted by period_end.

    `origin` None means all applicants (domestic or foreign for a part),
    `area` None China as a whole (else an ISO code: CN-GD, US), `role` level
    by default (share, change_pct, change_abs or rank for the other figures
    stated about the indicator). Columns: period, period_start, period_end,
    value, unit, status (agreed / conflict), n_sources, sources (doc_name)
    and change_pct (the growth rate a source states for a level). Empty when
    the warehouse holds no such fact; ValueError for an unknown code. The
    warehouse is found as by `read_table`: the argument, else
    $IPMETRICS_WAREHOUSE, else the project's `warehouse/`; WarehouseNotFound
    (naming the path) when nothing is published there.
    """
    check_indicator(indicator, warehouse)
    for name, given, allowed in (("origin", origin, ORIGINS), ("area", area, AREAS), ("role", role, ROLES)):
        if given is not None and given not in allowed:
            close = difflib.get_close_matches(str(given), allowed, n=3)
            raise ValueError(f"unknown {name} {given!r}" + (f"; did you mean {', '.join(close)}?" if close else ""))
    same = (lambda column, value: pl.col(column).is_null() if value is None else pl.col(column) == value)
    return (
        scan_table("facts", warehouse)
        .filter((pl.col("indicator") == indicator) & same("origin", origin) & same("area", area) & (pl.col("role") == role))
        .select(SERIES_COLUMNS)
        .collect()
        .sort(["period_end", "period_start", "period"], nulls_last=True)
    )


# --- facts for people to read ------------------------------------------------------

def source_labels(documents: pl.DataFrame) -> dict[str, str]:
    """doc_name -> "publisher, date" (the publication date when known); the doc_name when the publisher is unknown
    (or the documents table has no `publisher` column)."""
    if "publisher" not in documents.columns:
        return {name: name for name in documents["doc_name"]}
    published = documents["published"] if "published" in documents.columns else pl.Series([None] * documents.height)
    labels = {}
    for name, publisher, date in zip(documents["doc_name"], documents["publisher"], published):
        labels[name] = name if not publisher else f"{publisher}, {date}" if date else publisher
    return labels


def name_sources(names: list[str], labels: dict[str, str]) -> list[str]:
    """The labels of some documents; two that would read the same get their doc_name too."""
    shown = [labels.get(n, n) for n in names]
    return [f"{s} ({n})" if shown.count(s) > 1 and s != n else s for s, n in zip(shown, names)]


def plural(n: int, noun: str) -> str:
    """`1 fact`, `2 facts`."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def format_number(value: float | None) -> str:
    """A value as people read it: thousands separated, no float noise (921,000; 15.3; 853,990,000,000)."""
    if value is None:
        return "-"
    if float(value).is_integer() and abs(value) < 1e18:
        return f"{int(value):,}"
    return f"{value:,.12g}"


def format_value(value: float | None, unit: str | None) -> str:
    """A value with its unit: `921,000 count`, `15.3 %`, `853,990,000,000 CNY`."""
    if unit == "percent":
        return f"{format_number(value)} %"
    return f"{format_number(value)} {unit}" if unit else format_number(value)


def format_values(values: list[float], unit: str | None, limit: int | None = None) -> str:
    """Several values of one unit: `537; 4,180,000; 4,186,549 count`; more than `limit` of them are cut in the
    middle (`40; 512; ...; 525,618 count (12 values)`)."""
    shown = [format_number(v) for v in values]
    cut = limit is not None and len(shown) > limit
    if cut:
        shown = [*shown[:limit - 1], "...", shown[-1]]
    numbers = "; ".join(shown)
    if cut:
        unit = f"{'%' if unit == 'percent' else unit or ''} ({len(values)} values)".strip()
        return f"{numbers} {unit}"
    return f"{numbers} %" if unit == "percent" else f"{numbers} {unit}" if unit else numbers


def fact_key_label(row: dict) -> str:
    """A fact's indicator with what sets it apart from the indicator's plain level: origin, area, role."""
    extra = [row.get("origin"), row.get("area"), None if row.get("role") == "level" else row.get("role")]
    return " ".join([row["indicator"], *(e for e in extra if e)])


def statements_of(facts: pl.DataFrame, warehouse: Path | str | None = None) -> pl.DataFrame:
    """What each source of some facts states: fact_id, doc_name, surface, value, unit, qualifier (a row per `metrics`
    row the facts were made from), by fact, then value."""
    ids = facts.select("fact_id", "metric_ids").explode("metric_ids").rename({"metric_ids": "metric_id"})
    if ids.is_empty():
        return pl.DataFrame(schema={"fact_id": pl.String, "doc_name": pl.String, "surface": pl.String,
                                    "value": pl.Float64, "unit": pl.String, "qualifier": pl.String})
    rows = (scan_table("metrics", warehouse).filter(pl.col("metric_id").is_in(ids["metric_id"].implode()))
            .select("metric_id", "doc_name", "surface", "value", "unit", "qualifier").collect())
    return (ids.join(rows, on="metric_id").drop("metric_id")
            .sort(["fact_id", "value", "doc_name", "surface"]))


def display_width(text: str) -> int:
    """Columns a string takes on a terminal (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    """text padded with spaces to `width` terminal columns."""
    return text + " " * max(0, width - display_width(text))


def text_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Rows as aligned text lines under a header; the last column is not padded."""
    widths = [max(display_width(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    return ["  ".join([*(pad(cell, w) for cell, w in zip(r, widths)), r[-1]]).rstrip() for r in [header, *rows]]


FACT_HEADER = ["indicator", "origin", "area", "period", "role", "value", "status", "n", "sources"]


def fact_cells(row: dict, labels: dict[str, str]) -> list[str]:
    """One fact as the cells of FACT_HEADER."""
    return [row["indicator"], row["origin"] or "-", row["area"] or "-", row["period"], row["role"],
            format_value(row["value"], row["unit"]), row["status"], str(row["n_sources"]),
            "; ".join(name_sources(row["sources"], labels))]


def facts_listing(warehouse: Path | str | None = None, indicator: str | None = None,
                  conflicts: bool = False) -> list[str]:
    """The lines `ipmetrics facts` prints: a table of facts (of one indicator), and with `conflicts` only the facts
    in conflict, each followed by its values and what each source states (`*` marks the value the fact took)."""
    if indicator is not None:
        check_indicator(indicator, warehouse)
    facts = read_table("facts", warehouse)
    if indicator is not None:
        facts = facts.filter(pl.col("indicator") == indicator)
    total = facts.height
    if conflicts:
        facts = facts.filter(pl.col("status") == "conflict")
    # origin and area null (all, China) first; levels before the other roles; then over time
    facts = facts.sort([pl.col("indicator"), pl.col("origin"), pl.col("area"), pl.col("role").cast(pl.Enum(ROLES)),
                        pl.col("period_end"), pl.col("period")], nulls_last=False)
    labels = source_labels(read_table("documents", warehouse))
    what = f"{indicator} " if indicator else ""
    n_conflicts = facts.filter(pl.col("status") == "conflict").height
    several = facts.filter(pl.col("n_sources") > 1).height
    if facts.is_empty():
        return [f"no {'conflicts among the ' if conflicts else ''}{what}facts in {find_warehouse(warehouse)}"]
    rows = facts.to_dicts()
    table = text_table(FACT_HEADER, [fact_cells(r, labels) for r in rows])
    lines = table[:1]
    if not conflicts:
        lines += table[1:]
    else:
        said = statements_of(facts, warehouse).partition_by("fact_id", as_dict=True, include_key=False)
        for row, line in zip(rows, table[1:]):
            lines += [line, "    values: " + format_values(row["values"], row["unit"])]
            stated = said.get((row["fact_id"],), pl.DataFrame()).to_dicts()
            cells = [["*" if s["value"] == row["value"] else " ", format_value(s["value"], s["unit"]),
                      f'"{s["surface"]}"' + (f" ({s['qualifier']})" if s["qualifier"] else ""),
                      labels.get(s["doc_name"], s["doc_name"])] for s in stated]
            if cells:
                lines += ["      " + line for line in text_table(["", "stated", "as written", "source"], cells)[1:]]
    summary = (f"{plural(n_conflicts, what + 'fact')} in conflict, of {total}" if conflicts else
               f"{plural(facts.height, what + 'fact')}: {facts.height - n_conflicts} agreed, {n_conflicts} in conflict; "
               f"{several} stated by several documents")
    return [*lines, "", summary]
