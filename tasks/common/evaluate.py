"""Evaluate extraction on a labelled corpus: precision, recall, F1, attribute accuracy, every miss.

Gold files follow ../shared/gold/SCHEMA.md. Matching mirrors the shared
scorer: per document, one-to-one on unit equal and value within 0.5 %.
"""
from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

from tasks.common.chain import process_record
from tasks.common.values import significant_digits
from tasks.ingest import discover, ingest_files
from tasks.load.facts import FACT_KEY, agree

ATTRIBUTES = ("role", "change_pct", "period", "qualifier", "category")
# Scored over the matched pairs: indicator over all of them, the others over those whose gold names an indicator.
IDENTITY = ("indicator", "origin", "area", "partial")
DOC_FIELDS = ("lang", "script", "published")
REL_TOL = 0.005
PCT_TOL = 0.05


def predict(source: Path) -> tuple[list[dict], list[dict]]:
    """(metric rows, document rows) extracted from every document under source."""
    metrics, docs = [], []
    for done in map(process_record, ingest_files(discover(source))):
        if done.clean is None:
            continue
        name = done.record["doc_name"]
        docs.append({"doc": name, **{k: done.clean[k] for k in ("lang", "script", "published")}})
        metrics += [metric | {"doc": name} for metric in done.metrics]
    return metrics, docs


def load_gold(path: Path) -> tuple[list[dict], list[dict]]:
    """(metric rows, document rows) of a gold JSONL file."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r["type"] == "metric"], [r for r in rows if r["type"] == "doc"]


def _same_value(gold: dict, pred: dict) -> bool:
    """Unit equal and value within the relative tolerance."""
    if pred["unit"] != gold["unit"]:
        return False
    if gold["value"] == 0:
        return abs(pred["value"]) < 1e-9
    return abs(pred["value"] - gold["value"]) <= REL_TOL * abs(gold["value"])


def attribute_equal(name: str, gold: dict, pred: dict) -> bool:
    """Does one attribute agree (change_pct within 0.05)?"""
    g, p = gold.get(name), pred.get(name)
    if name == "change_pct":
        if g is None or p is None:
            return g is None and p is None
        return math.isclose(g, p, abs_tol=PCT_TOL)
    return (g or None) == (p or None)


def identity_equal(name: str, gold: dict, pred: dict) -> bool:
    """Does one indicator field agree (partial: an unset prediction counts as false, as the shared scorer reads it)?"""
    if name == "partial":
        return bool(gold.get("partial")) == bool(pred.get("partial"))
    return (gold.get(name) or None) == (pred.get(name) or None)


def match(golds: list[dict], preds: list[dict]) -> list[tuple[dict, dict]]:
    """Greedy one-to-one pairs, preferring predictions whose attributes agree."""
    pairs, used = [], set()
    for g in golds:
        options = [(sum(attribute_equal(a, g, p) for a in ATTRIBUTES), -i) for i, p in enumerate(preds)
                   if i not in used and _same_value(g, p)]
        if options:
            _, neg = max(options)
            used.add(-neg)
            pairs.append((g, preds[-neg]))
    return pairs


def predicted_facts(metrics: list[dict], docs: list[dict]) -> list[dict]:
    """The facts table the pipeline would publish for these metric and document rows."""
    import polars as pl

    from schemas.tables import to_frame
    from tasks.load.facts import build_facts

    documents = pl.DataFrame({"doc_name": [d["doc"] for d in docs], "published": [d["published"] for d in docs]},
                             schema={"doc_name": pl.String, "published": pl.String})
    return build_facts(to_frame(metrics, "metrics"), documents).to_dicts()


def gold_facts(gold_metrics: list[dict], gold_docs: list[dict]) -> dict[tuple, dict]:
    """Facts of the gold rows, as SCHEMA.md defines them (the rules of tasks/load/facts.py)."""
    published = {d["doc"]: d.get("published") or "" for d in gold_docs}
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for g in gold_metrics:
        if g.get("indicator") and g.get("partial") is False and g.get("period"):
            groups[tuple(g.get(k) or None for k in FACT_KEY)].append(g)
    facts = {}
    for key, rows in groups.items():
        best = max(rows, key=lambda r: (significant_digits(r["value"]), published.get(r["doc"], "")))
        facts[key] = {"value": best["value"], "n_sources": len({r["doc"] for r in rows}),
                      "status": "agreed" if all(agree(best, r) for r in rows) else "conflict"}
    return facts


def score_facts(gold: dict[tuple, dict], preds: list[dict]) -> dict:
    """Facts precision, recall and F1 on key and value (within 0.5 %); n_sources and status over the matched."""
    by_key: dict[tuple, list[dict]] = defaultdict(list)
    for p in preds:
        by_key[tuple(p.get(k) or None for k in FACT_KEY)].append(p)
    matched, hits_n, hits_status, missed, used = 0, 0, 0, [], set()
    for key, g in gold.items():
        found = next((p for p in by_key.get(key, []) if id(p) not in used
                      and abs(p["value"] - g["value"]) <= REL_TOL * abs(g["value"]) + 1e-9), None)
        if found is None:
            missed.append((key, g))
            continue
        used.add(id(found))
        matched += 1
        hits_n += found["n_sources"] == g["n_sources"]
        hits_status += found["status"] == g["status"]
    precision = matched / len(preds) if preds else 0.0
    recall = matched / len(gold) if gold else 0.0
    return {"gold": len(gold), "predicted": len(preds), "matched": matched, "precision": precision, "recall": recall,
            "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
            "n_sources": hits_n / matched if matched else 0.0, "status": hits_status / matched if matched else 0.0,
            "missed": missed, "extra": [p for p in preds if id(p) not in used]}


def evaluate(gold_path: Path, source: Path) -> dict:
    """Scores of the extraction on the documents under source against the gold file."""
    gold_metrics, gold_docs = load_gold(gold_path)
    pred_metrics, pred_docs = predict(source)
    by_doc_gold, by_doc_pred = defaultdict(list), defaultdict(list)
    for g in gold_metrics:
        by_doc_gold[g["doc"]].append(g)
    for p in pred_metrics:
        by_doc_pred[p["doc"]].append(p)
    pairs, misses, extras = [], [], []
    for doc in sorted(set(by_doc_gold) | {d["doc"] for d in gold_docs}):
        doc_pairs = match(by_doc_gold[doc], by_doc_pred[doc])
        pairs += doc_pairs
        matched_g = {id(g) for g, _ in doc_pairs}
        matched_p = {id(p) for _, p in doc_pairs}
        misses += [g for g in by_doc_gold[doc] if id(g) not in matched_g]
        extras += [p for p in by_doc_pred[doc] if id(p) not in matched_p]
    precision = len(pairs) / len(pred_metrics) if pred_metrics else 0.0
    recall = len(pairs) / len(gold_metrics) if gold_metrics else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    wrong = [(a, g, p) for g, p in pairs for a in ATTRIBUTES if not attribute_equal(a, g, p)]
    labelled = any("indicator" in g for g in gold_metrics)
    identity_pairs = {"indicator": pairs, **{a: [(g, p) for g, p in pairs if g.get("indicator")] for a in IDENTITY[1:]}}
    if labelled:
        wrong += [(a, g, p) for a in IDENTITY for g, p in identity_pairs[a] if not identity_equal(a, g, p)]
    predicted_docs = {d["doc"]: d for d in pred_docs}
    doc_hits = {f: sum(str(predicted_docs.get(g["doc"], {}).get(f) or "") == str(g.get(f) or "") for g in gold_docs)
                for f in DOC_FIELDS}
    return {
        "gold": len(gold_metrics), "predicted": len(pred_metrics), "matched": len(pairs),
        "precision": precision, "recall": recall, "f1": f1,
        "attributes": {a: (sum(attribute_equal(a, g, p) for g, p in pairs) / len(pairs) if pairs else 0.0)
                       for a in ATTRIBUTES},
        "documents": {f: (n / len(gold_docs) if gold_docs else 0.0) for f, n in doc_hits.items()},
        "identity": {a: (sum(identity_equal(a, g, p) for g, p in identity_pairs[a]) / len(identity_pairs[a])
                         if identity_pairs[a] else 0.0) for a in IDENTITY} if labelled else {},
        "facts": score_facts(gold_facts(gold_metrics, gold_docs), predicted_facts(pred_metrics, pred_docs)) if labelled else {},
        "misses": misses, "extras": extras, "wrong": wrong,
    }


def _fmt(row: dict) -> str:
    """One metric row in a line."""
    return (f"{row['doc']}: {row.get('surface')!r} value={row.get('value')} unit={row.get('unit')} role={row.get('role')} "
            f"change_pct={row.get('change_pct')} period={row.get('period')} category={row.get('category')}")


def report(result: dict) -> str:
    """The evaluation as text: every miss, false hit and wrong attribute, then the scores."""
    lines = [f"MISSED  {_fmt(g)}" for g in result["misses"]]
    lines += [f"EXTRA   {_fmt(p)}  | {p.get('sentence', '')[:120]}" for p in result["extras"]]
    lines += [f"WRONG {a:<10} {g['doc']}: gold={g.get(a)!r} pred={p.get(a)!r} [{g.get('surface')}]" for a, g, p in result["wrong"]]
    if result["facts"]:
        lines += [f"MISSED FACT {key} value={g['value']}" for key, g in result["facts"]["missed"]]
        lines += [f"EXTRA FACT  {tuple(p[k] for k in FACT_KEY)} value={p['value']} sources={p['sources']}"
                  for p in result["facts"]["extra"]]
    attrs = "  ".join(f"{a} {v:.3f}" for a, v in result["attributes"].items())
    identity = "  ".join(f"{a} {v:.3f}" for a, v in result["identity"].items())
    docs = "  ".join(f"{f} {v:.3f}" for f, v in result["documents"].items())
    lines += [
        f"gold {result['gold']}  predicted {result['predicted']}  matched {result['matched']}",
        f"attributes: {attrs}",
        *([f"indicators: {identity}"] if identity else []),
        *([f"facts: precision {f['precision']:.3f}  recall {f['recall']:.3f}  f1 {f['f1']:.3f}  "
           f"(gold {f['gold']}, predicted {f['predicted']}; n_sources right {f['n_sources']:.3f}, status right {f['status']:.3f})"]
          if (f := result["facts"]) else []),
        f"documents:  {docs}",
        f"precision {result['precision']:.3f}  recall {result['recall']:.3f}  f1 {result['f1']:.3f}",
    ]
    return "\n".join(lines)
