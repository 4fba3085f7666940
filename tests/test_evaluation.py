"""Evaluation gate: extraction quality on labelled documents may not fall below pinned floors.

Two corpora: the five seeds (gold by the project, ../shared/gold) and the dev
corpus of 24 unseen-style documents (tests/corpus). The floors sit just under
the figures measured when they were last raised; a change that lowers quality
fails here. Raise them when quality improves.
"""
from __future__ import annotations

import pytest

from tasks.common.evaluate import evaluate
from tests.conftest import GOLD, ROOT, SCORER
from tests.evaluation import load_scorer, predict_jsonl

CORPUS = ROOT / "tests" / "corpus"
# Measured on the seeds: precision 0.974, recall 1.000, F1 0.987; role, change_pct,
# period, qualifier 1.000; category 0.947; lang, script, published 1.000.
SEEDS = {
    "detection": {"f1": 0.98, "precision": 0.96, "recall": 0.99},
    "attributes": {"role": 0.99, "change_pct": 0.99, "period": 0.99, "qualifier": 0.99, "category": 0.94},
    "documents": {"lang": 1.0, "script": 1.0, "published": 1.0},
    # Measured: indicator 0.947, origin 0.954, area 1.000, partial 0.923 (issue 13 asks 0.95 each).
    "indicators": {"indicator": 0.94, "origin": 0.95, "area": 0.99, "partial": 0.92},
}
# Measured on the dev corpus: precision 0.950, recall 0.974, F1 0.962; role 0.989,
# change_pct 0.972, period 0.916, qualifier 0.993, category 0.839; lang, script, published 1.000.
# (Category was 0.855 until the gold followed SCHEMA: 44 PCT/Madrid/Hague and whole foreign-applicant
# rows moved from `international` to the right's category; a whole figure of an indicator now takes the
# indicator's category, which brings it back to 0.839.)
DEV = {
    "detection": {"f1": 0.95, "precision": 0.94, "recall": 0.96},
    "attributes": {"role": 0.98, "change_pct": 0.96, "period": 0.90, "qualifier": 0.98, "category": 0.83},
    "documents": {"lang": 1.0, "script": 1.0, "published": 1.0},
    # Measured: indicator 0.709, origin 0.896, area 0.976, partial 0.702 (issue 13 asks 0.90 each).
    "indicators": {"indicator": 0.70, "origin": 0.89, "area": 0.97, "partial": 0.70},
}
CASES = [(corpus, kind, name) for corpus, floors in (("seeds", SEEDS), ("dev", DEV))
         for kind in floors for name in floors[kind]]


@pytest.fixture(scope="module")
def scores(seeds_dir, shared_dir, tmp_path_factory):
    """Shared-scorer results on both corpora."""
    scorer = load_scorer(SCORER)
    out = tmp_path_factory.mktemp("eval")
    results = {
        "seeds": scorer.score(str(GOLD), str(predict_jsonl(seeds_dir, out / "seeds.jsonl"))),
        "dev": scorer.score(str(CORPUS / "gold.jsonl"), str(predict_jsonl(CORPUS / "docs", out / "dev.jsonl"))),
    }
    for name, r in results.items():
        print(f"\n{name}: precision {r['precision']} recall {r['recall']} f1 {r['f1']} "
              f"attributes {r['attr_accuracy']} documents {r['doc_accuracy']}")
    return results


@pytest.mark.parametrize(("corpus", "kind", "name"), CASES)
def test_floor(scores, corpus, kind, name):
    result = scores[corpus]
    measured = {"detection": result, "attributes": result["attr_accuracy"], "documents": result["doc_accuracy"],
                "indicators": result.get("id_accuracy", {})}[kind][name]
    floor = (SEEDS if corpus == "seeds" else DEV)[kind][name]
    assert measured >= floor, f"{corpus} {name} {measured} fell below its floor {floor}"


def test_the_project_evaluator_agrees_with_the_shared_scorer(scores, seeds_dir):
    ours = evaluate(GOLD, seeds_dir)
    shared = scores["seeds"]
    assert round(ours["f1"], 4) == shared["f1"]
    assert {a: round(v, 4) for a, v in ours["attributes"].items()} == shared["attr_accuracy"]
    assert {a: round(v, 4) for a, v in ours["identity"].items()} == shared["id_accuracy"]
    assert len(ours["misses"]) == len(shared["_misses"]) and len(ours["extras"]) == len(shared["_extras"])
