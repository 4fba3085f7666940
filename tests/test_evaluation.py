"""Evaluation gate: extraction quality on labelled documents may not fall below pinned floors.

Two corpora: the five seeds (gold by the project, ../shared/gold) and the dev
corpus of 49 unseen-style documents (tests/corpus), also scored on its first 35
documents alone, where issue 13's gates were set. The floors sit just under
the figures measured when they were last raised; a change that lowers quality
fails here. Raise them when quality improves.
"""
from __future__ import annotations

import pytest

from tasks.common.evaluate import evaluate
from tests.conftest import GOLD, ROOT, SCORER
from tests.evaluation import gold_subset, load_scorer, predict_jsonl

CORPUS = ROOT / "tests" / "corpus"
# Measured on the seeds: precision 0.974, recall 1.000, F1 0.987; role, change_pct,
# period, qualifier 1.000; category 0.956 (issue 14 asks 0.95); lang, script, published 1.000.
SEEDS = {
    "detection": {"f1": 0.98, "precision": 0.96, "recall": 0.99},
    "attributes": {"role": 0.99, "change_pct": 0.99, "period": 0.99, "qualifier": 0.99, "category": 0.95},
    "documents": {"lang": 1.0, "script": 1.0, "published": 1.0},
    # Measured: indicator 0.956, origin 0.954, area 1.000, partial 0.954 (issue 13 asks 0.95 each).
    "indicators": {"indicator": 0.95, "origin": 0.95, "area": 0.99, "partial": 0.95},
    # Measured: precision 0.938, recall 1.000, F1 0.968; n_sources and status right on every matched fact.
    "facts": {"f1": 0.96, "n_sources_accuracy": 0.99, "status_accuracy": 0.99},
}
# Measured on the whole dev corpus (49 documents, 1,492 statistics): precision 0.954, recall 0.976, F1 0.965;
# role 0.992, change_pct 0.986, period 0.968, qualifier 0.998, category 0.951 (issue 14 asks F1 0.95, period 0.95,
# category 0.93); lang, script, published 1.000.
# c36-c49 (issue 14: Taiwan's TIPO statistics with ROC years and rankings, wire copy, local releases, transcripts,
# HTML and plain-text tables) came in at F1 0.761, period 0.638, category 0.715; the whole corpus then measured
# F1 0.891, period 0.845, category 0.840.
DEV = {
    "detection": {"f1": 0.96, "precision": 0.95, "recall": 0.97},
    "attributes": {"role": 0.99, "change_pct": 0.98, "period": 0.96, "qualifier": 0.99, "category": 0.94},
    "documents": {"lang": 1.0, "script": 1.0, "published": 1.0},
    # Measured: indicator 0.903, origin 0.925, area 0.957, partial 0.919 (issue 13 asks 0.90 each; before a local office's place was read:
    # 0.892, 0.920, 0.953, 0.899; before ranking entries and a foreign office's applicants: 0.860, 0.898, 0.927, 0.854).
    "indicators": {"indicator": 0.90, "origin": 0.92, "area": 0.95, "partial": 0.91},
    # Measured: precision 0.883, recall 0.883, F1 0.883; n_sources right 0.973, status right 0.934.
    "facts": {"f1": 0.88, "n_sources_accuracy": 0.96, "status_accuracy": 0.92},
}
# The dev corpus as issue 13 first measured it (c01-c35, 965 statistics, 402 gold facts).
# Measured: precision 0.951, recall 0.979, F1 0.965; role 0.998, change_pct 0.986, period 0.962, qualifier 0.999,
# category 0.953.
DEV_C01_C35 = {
    "detection": {"f1": 0.95, "precision": 0.94, "recall": 0.97},
    "attributes": {"role": 0.99, "change_pct": 0.98, "period": 0.955, "qualifier": 0.99, "category": 0.95},
    "documents": {"lang": 1.0, "script": 1.0, "published": 1.0},
    # Measured: indicator 0.914, origin 0.940, area 0.964, partial 0.922.
    "indicators": {"indicator": 0.91, "origin": 0.94, "area": 0.96, "partial": 0.92},
    # Measured: precision 0.891, recall 0.876, F1 0.883; n_sources right 0.969, status right 0.923.
    "facts": {"f1": 0.88, "n_sources_accuracy": 0.96, "status_accuracy": 0.91},
}
FLOORS = {"seeds": SEEDS, "dev": DEV, "dev_c01_c35": DEV_C01_C35}


def issue_13_documents(name: str) -> bool:
    """True for the dev documents c01-c35 (the corpus issue 13's gates were set on)."""
    return name.split("/")[-1][:3] <= "c35"


CASES = [(corpus, kind, name) for corpus, floors in FLOORS.items() for kind in floors for name in floors[kind]]


@pytest.fixture(scope="module")
def scores(seeds_dir, shared_dir, tmp_path_factory):
    """Shared-scorer results on both corpora."""
    scorer = load_scorer(SCORER)
    out = tmp_path_factory.mktemp("eval")
    results = {
        "seeds": scorer.score(str(GOLD), str(predict_jsonl(seeds_dir, out / "seeds.jsonl"))),
        "dev": scorer.score(str(CORPUS / "gold.jsonl"), str(predict_jsonl(CORPUS / "docs", out / "dev.jsonl"))),
        "dev_c01_c35": scorer.score(str(gold_subset(CORPUS / "gold.jsonl", out / "gold13.jsonl", issue_13_documents)),
                                    str(predict_jsonl(CORPUS / "docs", out / "dev13.jsonl", issue_13_documents))),
    }
    for name, r in results.items():
        print(f"\n{name}: precision {r['precision']} recall {r['recall']} f1 {r['f1']} "
              f"attributes {r['attr_accuracy']} documents {r['doc_accuracy']}")
    return results


@pytest.mark.parametrize(("corpus", "kind", "name"), CASES)
def test_floor(scores, corpus, kind, name):
    result = scores[corpus]
    measured = {"detection": result, "attributes": result["attr_accuracy"], "documents": result["doc_accuracy"],
                "indicators": result.get("id_accuracy", {}), "facts": result.get("facts", {})}[kind][name]
    floor = FLOORS[corpus][kind][name]
    assert measured >= floor, f"{corpus} {name} {measured} fell below its floor {floor}"


def test_the_project_evaluator_agrees_with_the_shared_scorer(scores, seeds_dir):
    ours = evaluate(GOLD, seeds_dir)
    shared = scores["seeds"]
    assert round(ours["f1"], 4) == shared["f1"]
    assert {a: round(v, 4) for a, v in ours["attributes"].items()} == shared["attr_accuracy"]
    assert {a: round(v, 4) for a, v in ours["identity"].items()} == shared["id_accuracy"]
    assert (round(ours["facts"]["f1"], 4), round(ours["facts"]["status"], 4)) == (shared["facts"]["f1"], shared["facts"]["status_accuracy"])
    assert len(ours["misses"]) == len(shared["_misses"]) and len(ours["extras"]) == len(shared["_extras"])
