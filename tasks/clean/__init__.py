"""Clean stage: raw document text -> plain, normalised, simplified-Chinese text, with language, script, date, title and publisher.

- text.py: HTML to visible text (lxml; a table as rows of tab-separated cells, as is a
  plain-text table), pinyin annotations out, NFKC,
  traditional to simplified (OpenCC), boilerplate lines and repeated
  paragraphs out, the script as written;
- published.py: the publication date, as far as the text tells it;
- source.py: the title (headline) and the publisher (outlet or issuing
  body, one display name each), as far as the text gives them.
A document with no text left after cleaning is quarantined by `clean_batch`
("no text after cleaning: ...").
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from tasks.clean.published import detect_published
from tasks.clean.source import detect_publisher, detect_title
from tasks.clean.text import clean_text
from schemas.staging import CLEAN, CLEAN_SCHEMA, ERRORS_SCHEMA, INGESTED, errors_file
from tasks.common.parallel import map_ordered

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class CleanDocument:
    """The clean text of one document and what was detected about it."""

    text: str
    lang: str
    script: str
    published: str | None
    title: str | None
    publisher: str | None


def clean_document(raw_text: str, is_html: bool) -> CleanDocument:
    """Clean one document and detect its language, script, publication date, title and publisher."""
    text, script = clean_text(raw_text, is_html)
    lang = "en" if script == "latin" else "zh"
    return CleanDocument(text=text, lang=lang, script=script, published=detect_published(text),
                         title=detect_title(text), publisher=detect_publisher(text))


NO_TEXT_REASON = {
    "html": "no text after cleaning: the page has no visible text (only scripts, styles, comments or markup)",
    "text": "no text after cleaning: only control characters, invisible characters or boilerplate lines",
}


def clean_row(row: dict) -> tuple[dict | None, dict | None]:
    """(clean.parquet row, error row) of one ingested document: exactly one is None; never raises.

    A document with no text left after cleaning (a page of scripts, a file of
    invisible characters) has nothing to extract: it gets an error row with
    the reason "no text after cleaning: ...". So does a document whose
    cleaning raises, with the exception as reason.
    """
    try:
        doc = clean_document(row["raw_text"], row["format"] == "html")
    except Exception as exc:  # noqa: BLE001 - one bad document must not stop the batch
        return None, {"doc_name": row["doc_name"], "reason": f"cleaning failed: {type(exc).__name__}: {exc}"}
    if not doc.text.strip():
        return None, {"doc_name": row["doc_name"], "reason": NO_TEXT_REASON[row["format"]]}
    return {"doc_name": row["doc_name"], "doc_id": row["doc_id"], "text": doc.text,
            "lang": doc.lang, "script": doc.script, "published": doc.published,
            "title": doc.title, "publisher": doc.publisher}, None


def clean_batch(batch_dir: Path, duplicates: dict[str, str], workers: int | None = None) -> int:
    """Clean the new documents of batch_dir/ingested.parquet into batch_dir/clean.parquet; return their number.

    Documents that yield no clean text are listed with the reason in
    batch_dir/errors-clean.parquet, which the load stage turns into
    `quarantined` rows of the documents table. Documents are cleaned on
    `workers` processes (default: one per core).
    """
    ingested = pl.read_parquet(batch_dir / INGESTED)
    todo = ingested.filter((pl.col("status") == "ok") & ~pl.col("reused") & ~pl.col("doc_name").is_in(list(duplicates)))
    rows, errors = [], []
    for cleaned, error in map_ordered(clean_row, todo.iter_rows(named=True), workers):
        if error:
            log.warning("quarantined %s: %s", error["doc_name"], error["reason"])
            errors.append(error)
        else:
            rows.append(cleaned)
    pl.DataFrame(rows, schema=CLEAN_SCHEMA).write_parquet(batch_dir / CLEAN)
    pl.DataFrame(errors, schema=ERRORS_SCHEMA).write_parquet(batch_dir / errors_file("clean"))
    return len(rows)
