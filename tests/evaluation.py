"""Helpers of the evaluation gate: run extraction on a labelled corpus and score it."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from tasks.clean import clean_document
from tasks.extract import extract_metrics
from tasks.ingest import discover, ingest_files


def load_scorer(path: Path):
    """The shared scorer module (../shared/eval/score.py)."""
    spec = importlib.util.spec_from_file_location("score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def predict_jsonl(source: Path, out: Path) -> Path:
    """Extract every document under source into a JSONL file the scorer reads."""
    with open(out, "w", encoding="utf-8") as fh:
        for row in ingest_files(discover(source)):
            if row["status"] != "ok":
                continue
            doc = clean_document(row["raw_text"], row["format"] == "html")
            fh.write(json.dumps({"type": "doc", "doc_name": row["doc_name"], "lang": doc.lang,
                                 "script": doc.script, "published": doc.published}) + "\n")
            for metric in extract_metrics(doc.text, doc.published, row["doc_id"], row["doc_name"]):
                fh.write(json.dumps(metric, ensure_ascii=False, default=str) + "\n")
    return out
