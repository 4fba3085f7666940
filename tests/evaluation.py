"""Helpers of the evaluation gate: run extraction on a labelled corpus and score it with the shared scorer."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from tasks.common.evaluate import predict, predicted_facts


def load_scorer(path: Path):
    """The shared scorer module (../shared/eval/score.py)."""
    spec = importlib.util.spec_from_file_location("score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def predict_jsonl(source: Path, out: Path) -> Path:
    """Extract every document under source into a JSONL file the shared scorer reads."""
    metrics, docs = predict(source)
    with open(out, "w", encoding="utf-8") as fh:
        for doc in docs:
            fh.write(json.dumps({"type": "doc", "doc_name": doc["doc"], **{k: doc[k] for k in ("lang", "script", "published")}}) + "\n")
        for metric in metrics:
            fh.write(json.dumps(metric, ensure_ascii=False, default=str) + "\n")
        for fact in predicted_facts(metrics, docs):
            fh.write(json.dumps({"type": "fact", **fact}, ensure_ascii=False, default=str) + "\n")
    return out
