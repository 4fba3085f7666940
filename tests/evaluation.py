"""Helpers of the evaluation gate: run extraction on a labelled corpus and score it with the shared scorer."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Callable

from tasks.common.evaluate import predict, predicted_facts


def load_scorer(path: Path):
    """The shared scorer module (../shared/eval/score.py)."""
    spec = importlib.util.spec_from_file_location("score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def predict_jsonl(source: Path, out: Path, only: Callable[[str], bool] | None = None) -> Path:
    """Extract every document under source (those whose name `only` accepts) into a JSONL file the shared scorer reads."""
    metrics, docs = predict(source)
    if only is not None:
        metrics, docs = [m for m in metrics if only(m["doc"])], [d for d in docs if only(d["doc"])]
    with open(out, "w", encoding="utf-8") as fh:
        for doc in docs:
            fh.write(json.dumps({"type": "doc", "doc_name": doc["doc"], **{k: doc[k] for k in ("lang", "script", "published")}}) + "\n")
        for metric in metrics:
            fh.write(json.dumps(metric, ensure_ascii=False, default=str) + "\n")
        for fact in predicted_facts(metrics, docs):
            fh.write(json.dumps({"type": "fact", **fact}, ensure_ascii=False, default=str) + "\n")
    return out


def gold_subset(gold: Path, out: Path, only: Callable[[str], bool]) -> Path:
    """The rows of a gold JSONL file whose document `only` accepts (metrics, docs and their facts alike)."""
    rows = [line for line in gold.read_text(encoding="utf-8").splitlines()
            if line.strip() and only(json.loads(line)["doc"])]
    out.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return out
