"""The language data: every lexicon file loads, every pattern compiles, rules_version tracks the files."""
from __future__ import annotations

import re
import shutil

import pytest

import tasks.rules as rules_module
from tasks.rules import LEXICON_DIR, Rules, any_of, load_toml, rules, rules_version


def all_patterns(value):
    """Every string in a nested lexicon value that is meant as a regex."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("pattern", "line_patterns", "span_patterns", "full_date", "dateline") or key.endswith(
                    ("_before", "_after", "before", "after", "increase", "decrease", "respectively", "share",
                     "average", "words", "trigger", "ongoing", "list_nouns", "generic_nouns", "pinyin_annotation",
                     "release_label")):
                yield from ([item] if isinstance(item, str) else item if isinstance(item, list) else [])
            else:
                yield from all_patterns(item)
    elif isinstance(value, list):
        for item in value:
            yield from all_patterns(item)


def test_every_lexicon_file_is_loaded():
    assert {p.stem for p in LEXICON_DIR.glob("*.toml")} == set(Rules.__dataclass_fields__)


def test_every_pattern_compiles():
    found = 0
    for name in Rules.__dataclass_fields__:
        for pattern in all_patterns(load_toml(name)):
            re.compile(pattern)
            found += 1
    for words in rules().categories["keywords"].values():
        any_of(words)
        found += len(words)
    assert found > 300


def test_rules_version_changes_when_a_lexicon_file_changes(tmp_path, monkeypatch):
    copy = tmp_path / "lexicon"
    shutil.copytree(LEXICON_DIR, copy)
    monkeypatch.setattr(rules_module, "LEXICON_DIR", copy)
    rules_version.cache_clear()
    try:
        before = rules_version()
        assert before == rules_version()
        (copy / "categories.toml").write_text((copy / "categories.toml").read_text() + "\n# a comment\n")
        rules_version.cache_clear()
        assert rules_version() != before
    finally:
        rules_version.cache_clear()


def test_rules_version_is_recorded_with_every_metric_row():
    from tasks.extract import extract_metrics

    (row,) = extract_metrics("In 2023, 921000 invention patents were granted.", None)
    assert row["rules_version"] == rules_version() and re.fullmatch(r"\d+-[0-9a-f]{12}", row["rules_version"])


def test_any_of_keeps_each_patterns_flags():
    pattern = any_of(["(?i)patent", "商标"])
    assert pattern.search("PATENT") and pattern.search("商标") and not any_of(["patent"]).search("PATENT")


@pytest.mark.parametrize("name", sorted(Rules.__dataclass_fields__))
def test_lexicon_files_document_themselves(name):
    assert (LEXICON_DIR / f"{name}.toml").read_text(encoding="utf-8").lstrip().startswith("#")
