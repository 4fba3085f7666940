"""Pandera models (polars backend): the single source of truth for every table.

Each column has a description; warehouse/README.md documents the same columns
and tests/test_schemas.py checks that the two agree.
"""
from __future__ import annotations

import datetime as dt

import pandera.polars as pa
import polars as pl

from tasks.common.rules import area_codes, indicator_codes

UNITS = ["CNY", "USD", "EUR", "percent", "count", "month", "day", "year", "point", "rank", "multiple"]
ROLES = ["level", "share", "change_pct", "change_abs", "rank"]
QUALIFIERS = ["over", "under", "approx"]
CATEGORIES = [
    "patent", "trademark", "copyright", "geographical_indication", "ic_layout", "plant_variety",
    "data_ip", "finance", "licensing_trade", "enforcement", "examination", "services",
    "international", "innovation", "other",
]
STATUSES = ["ok", "quarantined", "skipped"]
INDICATOR_CATEGORY = {code: row["category"] for code, row in indicator_codes().items()}
INDICATORS = sorted(INDICATOR_CATEGORY)
ORIGINS = ["domestic", "foreign"]
AREAS = sorted(area_codes())
PERIOD_PATTERN = (
    r"^(?:@\d{4}(?:-\d{2}(?:-\d{2})?)?"
    r"|\d{4}(?:-H[12]|-Q[1-4](?:-Q[1-4])?|-\d{2})?"
    r"|\d{4}/\d{4}"
    r"|\d{4}-\d{2}/\d{4}-\d{2})$"
)
DATE_PATTERN = r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$"
SHA256_HEX = r"^[0-9a-f]{64}$"


class Metrics(pa.DataFrameModel):
    """One row per statistic found in a document (table `metrics`)."""

    metric_id: str = pa.Field(unique=True, str_matches=r"^[0-9a-f]{16}$", description="Content hash of the row (doc_id, position, surface, unit, value): stable across runs.")
    doc_id: str = pa.Field(str_matches=SHA256_HEX, description="sha256 of the source file's bytes.")
    doc_name: str = pa.Field(str_length={"min_value": 1}, description="Path of the source file relative to the source folder.")
    surface: str = pa.Field(str_length={"min_value": 1}, description="The number as written, with its scale word and unit (e.g. `853.99 billion yuan`, `134.9万件`).")
    value: float = pa.Field(description="The value in base units: yuan not billions of yuan; 15.3 for 15.3 %; negative for a fall.")
    unit: str = pa.Field(isin=UNITS, description="CNY, USD, EUR, percent, count, month, day, year, point, rank or multiple.")
    role: str = pa.Field(isin=ROLES, description="level, share, change_pct (a growth rate with no level of its own), change_abs or rank.")
    change_pct: float = pa.Field(nullable=True, ge=-100.0, le=100_000.0, description="For a level: the growth rate in percent stated for it in the same clause (negative for a fall); else null.")
    qualifier: str = pa.Field(nullable=True, isin=QUALIFIERS, description="over (more than, 超过), under (less than, 不到), approx (nearly, 约) or null.")
    period: str = pa.Field(nullable=True, str_matches=PERIOD_PATTERN, description="When the number holds: `2023`, `2023-H1`, `2023-Q1-Q3`, `2023-01/2023-10`, `2012/2021`, `@2022-12-31` (a stock at a date); relative periods resolved from the publication date.")
    period_start: dt.date = pa.Field(nullable=True, description="First day the period covers (for a stock: its date).")
    period_end: dt.date = pa.Field(nullable=True, description="Last day the period covers (for a stock: its date).")
    category: str = pa.Field(isin=CATEGORIES, description="Subject of the statistic: patent, trademark, copyright, finance, enforcement, ... (see SCHEMA.md). Partition column.")
    period_year: int = pa.Field(nullable=True, ge=1900, le=2100, description="Year of period_end (null when the period is unknown). Partition column.")
    indicator: str = pa.Field(nullable=True, isin=INDICATORS, description="What is measured, as a code of the closed list (table `indicators`): when the number is that indicator, a part of it, or its share, growth or rank; null when no code fits.")
    origin: str = pa.Field(nullable=True, isin=ORIGINS, description="Whose filings or holdings are counted: domestic (国内, Chinese applicants), foreign (国外, foreign applicants) or null (all, or not applicable).")
    area: str = pa.Field(nullable=True, isin=AREAS, description="The one place the figure is about: ISO 3166-2:CN code of a mainland province (CN-GD), ISO 3166-1 alpha-2 code of any other country or economy (US, HK, TW); null for China as a whole.")
    partial: bool = pa.Field(nullable=True, description="For a row with an indicator: true when the figure covers only part of what the indicator counts (enterprises only, one city, a technology field); null when indicator is null.")
    metric: str = pa.Field(description="Short phrase from the text naming what is measured.")
    sentence: str = pa.Field(str_length={"min_value": 1}, description="The sentence the number came from (clean, simplified text); for a cell of a table, its caption, headers and cell read as one sentence.")
    char_start: int = pa.Field(ge=0, description="Offset of the surface in the document's clean text.")
    char_end: int = pa.Field(ge=1, description="End offset (exclusive) of the surface in the document's clean text.")
    rules_version: str = pa.Field(description="Version of the rules that made the row: 12 hex digits hashing the lexicon files, the code of the ingest, clean and extract stages (and every project module it imports) and the versions of the libraries that decide rows. A new version re-extracts every document.")

    class Config:
        strict = True
        coerce = False

    @pa.dataframe_check(error="char_end must be greater than char_start")
    def span_ordered(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """The surface span is not empty."""
        return data.lazyframe.select(pl.col("char_end") > pl.col("char_start"))

    @pa.dataframe_check(error="a share must lie between 0 and 100 percent")
    def share_bounded(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Shares are percentages of a whole."""
        return data.lazyframe.select((pl.col("role") != "share") | pl.col("value").is_between(0, 100))

    @pa.dataframe_check(error="role and unit disagree (share/change_pct need percent, rank needs rank)")
    def role_matches_unit(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Shares and growth rates are percent; ranks are ranks."""
        role, unit = pl.col("role"), pl.col("unit")
        return data.lazyframe.select(
            (role.is_in(["share", "change_pct"]).not_() | (unit == "percent"))
            & ((role != "rank") | (unit == "rank"))
        )

    @pa.dataframe_check(error="only a level carries change_pct")
    def change_on_levels(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """A growth rate is attached to levels only."""
        return data.lazyframe.select(pl.col("change_pct").is_null() | (pl.col("role") == "level"))

    @pa.dataframe_check(error="value must be a finite number")
    def value_finite(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """No NaN or infinite values."""
        return data.lazyframe.select(pl.col("value").is_finite())

    @pa.dataframe_check(error="partial must be set exactly when indicator is")
    def partial_iff_indicator(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """An indicator says whether the figure is whole or a part; without one there is nothing to be part of."""
        return data.lazyframe.select(pl.col("partial").is_null() == pl.col("indicator").is_null())

    @pa.dataframe_check(error="a whole figure of an indicator must have the indicator's category")
    def category_of_indicator(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """SCHEMA.md: a row with an indicator and partial false has that code's category."""
        expected = pl.col("indicator").replace_strict(INDICATOR_CATEGORY, default=None)
        return data.lazyframe.select(
            pl.col("indicator").is_null() | (pl.col("partial") != False) | (pl.col("category") == expected)  # noqa: E712
        )

    @pa.dataframe_check(error="period_start must not be after period_end")
    def period_ordered(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Periods run forward."""
        return data.lazyframe.select(pl.col("period_start").is_null() | (pl.col("period_start") <= pl.col("period_end")))


class Documents(pa.DataFrameModel):
    """One row per file found under the source folder (table `documents`)."""

    doc_name: str = pa.Field(unique=True, str_length={"min_value": 1}, description="Path of the file relative to the source folder.")
    doc_id: str = pa.Field(nullable=True, str_matches=SHA256_HEX, description="sha256 of the file's bytes (null when it could not be read).")
    bytes: int = pa.Field(nullable=True, ge=0, description="Size of the file in bytes.")
    encoding: str = pa.Field(nullable=True, description="Encoding the text was decoded from (utf-8, utf-8-sig, utf-16, gb18030, big5, ...).")
    format: str = pa.Field(nullable=True, isin=["text", "html"], description="text (.txt, .md) or html (.html, .htm).")
    lang: str = pa.Field(nullable=True, isin=["en", "zh"], description="Main language of the body.")
    script: str = pa.Field(nullable=True, isin=["hans", "hant", "latin"], description="Script of the body as written, before conversion to simplified Chinese.")
    published: str = pa.Field(nullable=True, str_matches=DATE_PATTERN, description="Publication date `YYYY-MM-DD`, `YYYY-MM` or `YYYY` as far as the text tells it.")
    title: str = pa.Field(nullable=True, description="The headline, as far as the text gives one (the first header line that reads like one); null when the text opens with its body.")
    publisher: str = pa.Field(nullable=True, description="The outlet or issuing body that publishes the text (a source line, a dateline or byline, the site name or signature; else the issuing body the text names most), one display name each (CNIPA, SCIO, Xinhua, Economic Daily, ...: tasks/lexicon/sources.toml), a name the lexicon does not know as written; null when the text names none.")
    status: str = pa.Field(isin=STATUSES, description="ok (processed), quarantined (unusable, see reason) or skipped (not a document, or a duplicate). Partition column.")
    reason: str = pa.Field(nullable=True, description="Why a file was quarantined or skipped, in words; null when ok.")
    text_chars: int = pa.Field(nullable=True, ge=0, description="Characters of clean text.")
    n_metrics: int = pa.Field(ge=0, description="Rows this document has in `metrics`.")
    n_rejected: int = pa.Field(ge=0, description="Rows of this document that failed validation and are in `rejects`.")
    rules_version: str = pa.Field(description="Version of the rules the document was processed with.")

    class Config:
        strict = True
        coerce = False

    @pa.dataframe_check(error="a quarantined or skipped file needs a reason; an ok one has none")
    def reason_iff_not_ok(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Every file not processed says why."""
        return data.lazyframe.select((pl.col("status") == "ok") == pl.col("reason").is_null())

    @pa.dataframe_check(error="an ok document has a doc_id, a language and a script")
    def ok_is_complete(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """Processed documents are fully described."""
        return data.lazyframe.select(
            (pl.col("status") != "ok")
            | (pl.col("doc_id").is_not_null() & pl.col("lang").is_not_null() & pl.col("script").is_not_null())
        )


class Rejects(pa.DataFrameModel):
    """One row per row that failed validation (table `rejects`)."""

    table_name: str = pa.Field(isin=["metrics", "documents", "facts"], description="Table the row was meant for. Partition column.")
    row_key: str = pa.Field(description="The row's key in that table (metric_id or doc_name).")
    doc_name: str = pa.Field(nullable=True, description="Source file of the row.")
    failed_checks: str = pa.Field(str_length={"min_value": 1}, description="Every check the row failed, as `column: check` joined by `; `.")
    failure_cases: str = pa.Field(description="The failing values, in the order of failed_checks.")
    row_json: str = pa.Field(description="The whole rejected row as JSON, so nothing is lost.")
    rules_version: str = pa.Field(description="Version of the rules of the run that rejected the row.")

    class Config:
        strict = True
        coerce = False


class Runs(pa.DataFrameModel):
    """One row per completed pipeline run (table `runs`); the only table with clock times."""

    run_id: str = pa.Field(unique=True, description="Identifier of the run (the Prefect flow run id when there is one).")
    started_at: dt.datetime = pa.Field(description="When the run started (UTC).")
    finished_at: dt.datetime = pa.Field(description="When the run published its tables (UTC).")
    source: str = pa.Field(description="The source folder, as given.")
    files_found: int = pa.Field(ge=0, description="Files found under the source.")
    docs_ok: int = pa.Field(ge=0, description="Documents processed.")
    docs_reused: int = pa.Field(ge=0, description="Documents whose bytes and rules were unchanged, so their rows were carried over.")
    docs_quarantined: int = pa.Field(ge=0, description="Files quarantined.")
    docs_skipped: int = pa.Field(ge=0, description="Files skipped.")
    docs_removed: int = pa.Field(ge=0, description="Documents of the previous run no longer in the source, whose rows were removed.")
    metrics_extracted: int = pa.Field(ge=0, description="Metric rows extracted (valid plus rejected).")
    metrics_valid: int = pa.Field(ge=0, description="Rows in `metrics`.")
    rows_rejected: int = pa.Field(ge=0, description="Rows in `rejects`.")
    seconds: float = pa.Field(ge=0, description="Wall-clock seconds of the run.")
    rules_version: str = pa.Field(description="Version of the rules.")

    class Config:
        strict = True
        coerce = False


class Facts(pa.DataFrameModel):
    """One row per statistic as a statistics table holds it: an indicator for one origin, area, period and role,
    reconciled across the documents that state it (table `facts`, SCHEMA.md "Indicators and facts")."""

    fact_id: str = pa.Field(unique=True, str_matches=r"^[0-9a-f]{16}$", description="Content hash of the fact's key (indicator, origin, area, period, role).")
    indicator: str = pa.Field(isin=INDICATORS, description="What is measured: a code of the `indicators` table.")
    origin: str = pa.Field(nullable=True, isin=ORIGINS, description="domestic, foreign or null (all), as in `metrics`.")
    area: str = pa.Field(nullable=True, isin=AREAS, description="ISO code of the place, null for China as a whole, as in `metrics`.")
    period: str = pa.Field(str_matches=PERIOD_PATTERN, description="When the fact holds, as in `metrics` (`2023`, `2023-H1`, `@2023-12-31`, ...).")
    period_start: dt.date = pa.Field(nullable=True, description="First day the period covers (for a stock: its date).")
    period_end: dt.date = pa.Field(nullable=True, description="Last day the period covers (for a stock: its date).")
    role: str = pa.Field(isin=ROLES, description="level, share, change_pct, change_abs or rank, as in `metrics`.")
    unit: str = pa.Field(isin=UNITS, description="Unit of `value` (the unit of the statement it was taken from).")
    value: float = pa.Field(description="The value of the most precise statement (most significant digits); among equally precise ones, the latest published document's.")
    change_pct: float = pa.Field(nullable=True, description="The growth rate in percent a source states for this level (the most precise, then latest, source that states one); null when none does.")
    status: str = pa.Field(isin=["agreed", "conflict"], description="agreed when every statement agrees with the chosen value within its rounding (92.1万 and 921,000), or as its qualifier allows (over 920,000); else conflict.")
    n_sources: int = pa.Field(ge=1, description="Number of documents that state the fact.")
    sources: list[str] = pa.Field(description="Names of those documents (doc_name), sorted.")
    values: list[float] = pa.Field(description="Every distinct value stated, ascending.")
    metric_ids: list[str] = pa.Field(description="The `metrics` rows the fact was made from, sorted.")
    first_published: str = pa.Field(nullable=True, str_matches=DATE_PATTERN, description="Earliest publication date among the sources (null when none is dated).")
    last_published: str = pa.Field(nullable=True, str_matches=DATE_PATTERN, description="Latest publication date among the sources.")
    name_en: str = pa.Field(description="The indicator's English name.")
    name_zh: str = pa.Field(description="The indicator's Chinese name.")
    category: str = pa.Field(isin=CATEGORIES, description="The indicator's category. Partition column.")

    class Config:
        strict = True
        coerce = False


class Indicators(pa.DataFrameModel):
    """The closed list of indicator codes (table `indicators`; tasks/lexicon/indicators.csv)."""

    code: str = pa.Field(unique=True, description="The indicator code, `<right or subject>.<measure>` (e.g. `patent.invention.grants`).")
    category: str = pa.Field(isin=CATEGORIES, description="Category of its statistics.")
    unit: str = pa.Field(description="Unit of its levels: count, CNY, `CNY or USD`, percent, month, point or rank.")
    kind: str = pa.Field(description="flow (over a period), stock (at a date), `flow or stock`, ratio or rank.")
    name_en: str = pa.Field(description="English name.")
    name_zh: str = pa.Field(description="Chinese name.")
    note: str = pa.Field(nullable=True, description="What counts, in a few words (null when the name says it).")

    class Config:
        strict = True
        coerce = False


TABLES: dict[str, type[pa.DataFrameModel]] = {
    "documents": Documents,
    "metrics": Metrics,
    "rejects": Rejects,
    "runs": Runs,
    "facts": Facts,
    "indicators": Indicators,
}
# Hive partition columns of each table (written as folders, ASCII values only).
PARTITIONS: dict[str, list[str]] = {
    "documents": ["status"],
    "metrics": ["category", "period_year"],
    "rejects": ["table_name"],
    "runs": [],
    "facts": ["category"],
    "indicators": [],
}
# Sort order that makes every table's contents deterministic.
SORT_KEYS: dict[str, list[str]] = {
    "documents": ["doc_name"],
    "metrics": ["doc_name", "char_start", "char_end", "metric_id"],
    "rejects": ["table_name", "row_key"],
    "runs": ["started_at", "run_id"],
    "facts": ["indicator", "origin", "area", "period", "role"],
    "indicators": ["code"],
}


def polars_schema(table: str) -> dict[str, pl.DataType]:
    """The polars dtype of every column of a table, in model order."""
    model = TABLES[table]
    return {name: col.dtype.type for name, col in model.to_schema().columns.items()}


def empty_frame(table: str) -> pl.DataFrame:
    """An empty DataFrame with the table's columns and types."""
    return pl.DataFrame(schema=polars_schema(table))


def to_frame(rows: list[dict], table: str) -> pl.DataFrame:
    """Rows as a DataFrame with exactly the table's columns and types."""
    schema = polars_schema(table)
    if not rows:
        return empty_frame(table)
    return pl.DataFrame([{k: row.get(k) for k in schema} for row in rows], schema=schema, strict=False)


def column_descriptions(table: str) -> dict[str, str]:
    """Each column's description, from the model."""
    return {name: col.description or "" for name, col in TABLES[table].to_schema().columns.items()}
