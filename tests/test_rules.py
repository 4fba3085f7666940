"""The language data: every lexicon file loads, every pattern compiles, rules_version tracks the files."""
from __future__ import annotations

import re
import shutil

import pytest

import tasks.rules as rules_module
from tasks.rules import (
    LEXICON_DIR, Rules, TextProbe, anchored_at_start, any_of, load_toml, prefilter, rules, rules_version,
)


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


@pytest.mark.parametrize("pattern, single, longer", [
    (r"(?:19|20)\d{2}年(?:底|末)", set(), ("19", "20")),            # the longest requirement is kept
    (r"截至(?P<month>\d{1,2})月", set(), ("截至",)),
    (r"(?P<half>上|下)半年", set(), ("半年",)),
    (r"[上下]\d", {"上", "下"}, ()),
    (r"(?i)\bsince (?P<y>\d{4})", set(), ("since ",)),               # case-folded
    (r"今年|(?i:this year)", set(), ("this year", "今年")),           # alternatives: the union
])
def test_prefilter_reads_the_required_strings(pattern, single, longer):
    found = prefilter(pattern)
    assert found.single == single and found.longer == tuple(sorted(longer))


@pytest.mark.parametrize("pattern", [r"\d+", r"(?:in )?\d{4}", r"(?<=年)\d", r"a*b?", r"[^年]"])
def test_prefilter_is_none_when_nothing_is_required(pattern):
    assert prefilter(pattern) is None


def test_prefilter_folds_case_like_re():
    required = prefilter(r"(?i)since")
    assert required.may_match(TextProbe.of("SINCE 2020")) and required.may_match(TextProbe.of("ſınce"))
    assert not required.may_match(TextProbe.of("sincerely"[:4]))


def test_prefilters_never_reject_a_text_their_pattern_matches():
    """Every lexicon pattern with a prefilter, on every sentence of the seeds, the dev corpus and odd cases."""
    from tasks.clean import clean_text
    from tasks.ingest import decode_bytes
    from tasks.segment import segment

    texts = ["İn 2023 ſince", "THE FIRST HALF OF 2023", "截至2023年底", "上半年", "2023年1-6月"]
    for folder in (LEXICON_DIR.parent.parent / "seeds", LEXICON_DIR.parent.parent / "tests" / "corpus" / "docs"):
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.suffix in (".txt", ".html", ".md"):
                raw = decode_bytes(path.read_bytes())[0]
                texts += raw.splitlines() + [s.text for s in segment(clean_text(raw, path.suffix == ".html")[0])]
    checked = 0
    for name in Rules.__dataclass_fields__:
        for pattern in all_patterns(load_toml(name)):
            required, compiled = prefilter(pattern), re.compile(pattern)
            if required is None:
                continue
            for text in texts:
                if compiled.search(text):
                    assert required.may_match(TextProbe.of(text)), (pattern, text)
                    checked += 1
    assert checked > 1000


def test_latin_category_keywords_start_with_a_letter():
    """keyword_hits tries Latin keywords only at word starts."""
    for words in rules().categories["keywords"].values():
        for word in words:
            if not re.search(r"[\u4e00-\u9fff]", word):
                core = re.sub(r"^(?:\(\?<!\[A-Za-z\]\)|\\b)+", "", word)
                assert re.match(r"[A-Za-z]", core), word


@pytest.mark.parametrize("pattern, anchored", [
    (r"(?i)^\s*copyright", True), (r"^\s*[•·]\s", True), (r"^a|b", False), (r"a^", False), (r"©", False), (r"\bhotline\b", False),
])
def test_anchored_at_start_means_every_match_starts_at_a_line_start(pattern, anchored):
    assert anchored_at_start(pattern) is anchored
