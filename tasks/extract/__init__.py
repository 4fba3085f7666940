"""Extract stage: every statistic of a clean document, as metric rows.

The package is split by concern, in the order a sentence goes through it:
- segment.py: items, sentences and clauses of the clean text;
- numbers.py: numbers with scale and unit, and their value;
- timeexprs.py: time expressions and the period strings they give;
- statistics.py: which numbers are statistics (and why the others are not);
- roles.py: role, qualifier, and the growth rates attached to levels;
- periods.py: which period each statistic takes;
- nouns.py: the phrase naming what is measured;
- categories.py: the subject of each statistic;
- indicators/: what each statistic measures (indicator code, origin, area, partial): scope.py the words
  around a number, codes.py which code they name, dimensions.py origin, area and partial;
- tables.py: a table's rows read cell by cell, each figure with its headers, caption and unit;
- dedupe.py: a statistic stated twice in a document keeps one row;
- document.py: the walk through a document that ties them together.
The language data they read lives in tasks/lexicon/.
"""
from __future__ import annotations

from pathlib import Path

import polars as pl

from schemas.staging import CLEAN, ERRORS_SCHEMA, METRICS, errors_file
from schemas.tables import to_frame
from tasks.common.parallel import map_ordered
from tasks.extract.document import Seen, extract_metrics

__all__ = ["Seen", "extract_batch", "extract_document", "extract_documents", "extract_metrics"]


def extract_document(doc: dict, seen: list[Seen] | None = None) -> tuple[list[dict], dict | None]:
    """(metric rows, error row or None) of one clean document; never raises. `seen`: see extract_metrics."""
    try:
        return extract_metrics(doc["text"], doc["published"], doc["doc_id"], doc["doc_name"], seen), None
    except Exception as exc:  # noqa: BLE001 - one bad document must not stop the batch
        return [], {"doc_name": doc["doc_name"], "reason": f"extraction failed: {type(exc).__name__}: {exc}"}


def extract_documents(docs: list[dict]) -> tuple[pl.DataFrame, list[dict]]:
    """(metrics frame, error rows) of a few clean documents: workers send back one compact frame, not rows of dicts."""
    results = [extract_document(doc) for doc in docs]
    return to_frame([row for rows, _ in results for row in rows], "metrics"), [error for _, error in results if error]


# Documents per unit of work sent to a worker process (fewer in small batches, so every worker gets some).
DOCS_PER_CHUNK = 25


def extract_batch(batch_dir: Path, workers: int | None = None) -> int:
    """Extract the metrics of batch_dir/clean.parquet into batch_dir/metrics.parquet; return the row count.

    A document whose extraction raises is not lost: it is listed in
    batch_dir/errors-extract.parquet and quarantined with the error as reason.
    """
    docs = pl.read_parquet(batch_dir / CLEAN).to_dicts()
    size = max(1, min(DOCS_PER_CHUNK, len(docs) // 16))
    chunks = [docs[i:i + size] for i in range(0, len(docs), size)]
    results = map_ordered(extract_documents, chunks, workers)
    frame = pl.concat([to_frame([], "metrics")] + [metrics for metrics, _ in results])
    errors = [error for _, chunk_errors in results for error in chunk_errors]
    frame.write_parquet(batch_dir / METRICS)
    pl.DataFrame(errors, schema=ERRORS_SCHEMA).write_parquet(batch_dir / errors_file("extract"))
    return frame.height
