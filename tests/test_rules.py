"""The language data: every lexicon file loads, every pattern compiles, rules_version tracks the files."""
from __future__ import annotations

import logging
import re
import shutil

import pytest

import tasks.common.rules as rules_module
from tasks.common.prefilter import PatternSet
from tasks.common.chain import InProcess, run_pipeline
from tasks.common.rules import (
    LEXICON_DIR, PROJECT_ROOT, Rules, anchored_at_start, any_of, compute_rules_version, load_toml, rules, rules_version,
)
from tasks.common.warehouse import read_table


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


@pytest.fixture()
def project_copy(tmp_path):
    """A copy of the project's code and lexicon, to edit."""
    for folder in ("tasks", "schemas"):
        shutil.copytree(rules_module.PROJECT_ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def version_of(root) -> str:
    """rules_version of a project copy."""
    return compute_rules_version(root, root / "tasks" / "lexicon")


def edit(path, old: str, new: str) -> None:
    """Replace one string in a file (it must be there)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_rules_version_changes_when_a_rule_module_or_a_lexicon_file_changes(project_copy):
    before = version_of(project_copy)
    assert before == rules_version()
    edit(project_copy / "tasks" / "extract" / "roles.py", "# Units as the metrics table names them.\n",
         "# Units as the metrics table names them (a comment changes nothing).\n")
    assert version_of(project_copy) == before
    edit(project_copy / "tasks" / "extract" / "roles.py", '"streak": "year"', '"streak": "years"')
    after_code = version_of(project_copy)
    assert after_code != before
    edit(project_copy / "tasks" / "lexicon" / "categories.toml", "[keywords]", "[keywords]\nunused_key = 1")
    assert version_of(project_copy) not in (before, after_code)


def test_a_module_the_stages_import_counts_and_one_they_do_not_does_not(project_copy):
    before = version_of(project_copy)
    (project_copy / "tasks" / "common" / "report.py").write_text("REPORT = 2\n")  # read by the flow, not by a stage
    assert version_of(project_copy) == before
    (project_copy / "tasks" / "common" / "dates.py").write_text(
        (project_copy / "tasks" / "common" / "dates.py").read_text() + "\nEXTRA = 1\n")  # imported by clean and extract
    assert version_of(project_copy) != before


def test_after_a_rule_change_a_rerun_extracts_every_document_again(project_copy, seeds_dir, tmp_path, monkeypatch):
    def run() -> dict:
        return run_pipeline(str(seeds_dir), str(tmp_path / "wh"), batch_size=1000, keep_missing=False, workers=1,
                            run_id=f"run-{rules_version()}", runner=InProcess(), log=logging.getLogger("rules")).summary

    rules_version.cache_clear()
    first = run()
    assert first["docs_ok"] == 5 and run()["docs_reused"] == 5  # unchanged rules: reused
    edit(project_copy / "tasks" / "extract" / "roles.py", '"streak": "year"', '"streak": "years"')
    monkeypatch.setattr(rules_module, "PROJECT_ROOT", project_copy)
    rules_version.cache_clear()
    try:
        new_version = rules_version()
        assert new_version != first["rules_version"]
        again = run()
        assert again["docs_reused"] == 0 and again["docs_ok"] == 5
        assert set(read_table("documents", tmp_path / "wh")["rules_version"]) == {new_version}
        assert set(read_table("metrics", tmp_path / "wh")["rules_version"]) == {new_version}
    finally:
        rules_version.cache_clear()


def test_rules_version_is_recorded_with_every_metric_row():
    from tasks.extract import extract_metrics

    (row,) = extract_metrics("In 2023, 921000 invention patents were granted.", None)
    assert row["rules_version"] == rules_version() and re.fullmatch(r"[0-9a-f]{12}", row["rules_version"])


def test_any_of_keeps_each_patterns_flags():
    pattern = any_of(["(?i)patent", "商标"])
    assert pattern.search("PATENT") and pattern.search("商标") and not any_of(["patent"]).search("PATENT")


@pytest.mark.parametrize("name", sorted(Rules.__dataclass_fields__))
def test_lexicon_files_document_themselves(name):
    assert (LEXICON_DIR / f"{name}.toml").read_text(encoding="utf-8").lstrip().startswith("#")


@pytest.mark.parametrize("text, expected", [
    ("截至2023年底", (0, 2)),            # 截至, and a year before 年
    ("SINCE 2020", (1,)),                # (?i) is honoured
    ("ſınce 2020", (1,)),                # and matches what re matches case-insensitively (ſ = s, ı = i)
    ("a\x1cb", (3,)),                    # \s matches the information separators in re
    ("2023年", (2,)),
    ("nothing here", ()),
])
def test_pattern_set_names_the_regexes_that_may_match(text, expected):
    patterns = [r"截至", r"(?i)\bsince (?P<y>\d{4})", r"(?<![\d.])(?:19|20)\d{2}年", r"a\sb"]
    assert PatternSet(patterns).candidates(text) == expected


def test_pattern_set_alternation_finds_what_the_full_alternation_finds():
    patterns = [r"\d{4}年\d{1,2}月", r"\d{1,2}月", r"(?i)\bno\.\s*\d+", r"第\d+号"]
    full, subset = any_of(patterns), PatternSet(patterns)
    for text in ["2023年5月的第12号", "No. 7 and 5月", "无", "12月12月"]:
        found = subset.alternation(text)
        assert [m.span() for m in full.finditer(text)] == ([m.span() for m in found.finditer(text)] if found else [])
    assert subset.alternation("无") is None


def test_a_regex_hyperscan_rejects_is_always_a_candidate():
    patterns = [r"(?a)\w+x", r"(?(1)a|b)", r"y"]      # ASCII flag and a conditional: PCRE syntax has neither
    assert PatternSet(patterns).candidates("") == (0, 1)


def test_compiled_pattern_sets_are_cached_and_a_bad_cache_file_is_replaced(tmp_path, monkeypatch):
    monkeypatch.setenv("IPMETRICS_CACHE_DIR", str(tmp_path))
    patterns = [r"\d+件", r"(?i)patents?"]
    first = PatternSet(patterns)
    (cached,) = (tmp_path / "hyperscan").iterdir()
    assert PatternSet(patterns).candidates("3件 Patents") == first.candidates("3件 Patents") == (0, 1)
    cached.write_bytes(b"not a database")
    assert PatternSet(patterns).candidates("patent") == (1,)
    assert cached.read_bytes() != b"not a database"


def test_pattern_sets_never_miss_a_text_their_regex_matches():
    """Every lexicon pattern, on every line and sentence of the seeds, the dev corpus and odd cases."""
    from tasks.clean.text import clean_text
    from tasks.ingest import decode_bytes
    from tasks.extract.segment import segment

    texts = ["İn 2023 ſince", "THE FIRST HALF OF 2023", "截至2023年底", "上半年", "2023年1-6月", "tel\x1c010 1234 5678", "Kın 2021"]
    for folder in (PROJECT_ROOT / "seeds", PROJECT_ROOT / "tests" / "corpus" / "docs"):
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.suffix in (".txt", ".html", ".md"):
                raw = decode_bytes(path.read_bytes())[0]
                texts += raw.splitlines() + [s.text for s in segment(clean_text(raw, path.suffix == ".html")[0])]
    patterns = [p for name in Rules.__dataclass_fields__ for p in all_patterns(load_toml(name))]
    patterns += [p for words in rules().categories["keywords"].values() for p in words]
    pattern_set, compiled = PatternSet(patterns), [re.compile(p, re.M) for p in patterns]
    checked = 0
    for text in texts:
        may_match = set(pattern_set.candidates(text))
        for i, regex in enumerate(compiled):
            if regex.search(text):
                assert i in may_match, (patterns[i], text)
                checked += 1
    assert checked > 5000


def test_window_prefilter_never_misses_a_qualifier_or_change_at_a_number():
    """roles.may_match names every qualifier and absolute-change pattern that matches at a number of a sentence."""
    from tasks.clean.text import clean_text
    from tasks.extract import roles
    from tasks.extract.segment import segment
    from tasks.ingest import decode_bytes

    p = roles._patterns()
    before_chars = {"change_abs": p["change_before_chars"]}
    sentences = ["超过100件", "not more than 5 cases", "约占九成", "增加了1.2万件", "52,000 more applications than in 2022"]
    for folder in (PROJECT_ROOT / "seeds", PROJECT_ROOT / "tests" / "corpus" / "docs"):
        for path in sorted(f for f in folder.iterdir() if f.is_file() and f.suffix in (".txt", ".html", ".md")):
            sentences += [s.text for s in segment(clean_text(decode_bytes(path.read_bytes())[0], path.suffix == ".html")[0])]
    checked = 0
    for sentence in sentences:
        may = roles.may_match(sentence)
        for number in re.finditer(r"[0-9０-９一二三四五六七八九十两]+", sentence):
            start, end = number.span()
            for name in roles.WINDOW_PATTERNS:
                if name.endswith("_before") or name == "change_abs":
                    window = sentence[max(0, start - before_chars.get(name, p["qualifier_before_chars"])):start]
                    hit = roles.ends_with(p[name], window)
                elif name == "change_abs_after":
                    hit = bool(p[name].match(sentence, end))
                else:
                    hit = bool(p[name].match(sentence[end:end + p["qualifier_after_chars"]]))
                if hit:
                    assert name in may, (name, sentence)
                    checked += 1
    assert checked > 200


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


class RecordingTable(dict):
    """A lexicon table that records the path of every key the code reads from it.

    A key counts as read when it is looked up (`[]`, `get`) or when the table is
    walked whole (iterated, `keys`, `values`, `items`, copied with `dict()` or `**`).
    """

    def __init__(self, data: dict, path: str, read: set[str]) -> None:
        super().__init__({key: recording(value, f"{path}.{key}", read) for key, value in data.items()})
        self.path, self.read = path, read

    def __getitem__(self, key):
        self.read.add(f"{self.path}.{key}")
        return super().__getitem__(key)

    def get(self, key, default=None):
        if key in self:
            self.read.add(f"{self.path}.{key}")
        return super().get(key, default)

    def _read_all(self) -> None:
        self.read.update(f"{self.path}.{key}" for key in super().keys())

    def __iter__(self):
        self._read_all()
        return super().__iter__()

    def keys(self):
        self._read_all()
        return super().keys()

    def values(self):
        self._read_all()
        return super().values()

    def items(self):
        self._read_all()
        return super().items()


def recording(value, path: str, read: set[str]):
    """A lexicon value with its tables (also those in lists: [[expr]]) made RecordingTables."""
    if isinstance(value, dict):
        return RecordingTable(value, path, read)
    if isinstance(value, list) and any(isinstance(item, dict) for item in value):
        return [recording(item, f"{path}[{i}]", read) for i, item in enumerate(value)]
    return value


def leaf_paths(value, path: str) -> set[str]:
    """The paths of the values of a lexicon file that are not tables: words, patterns, lists, numbers."""
    if isinstance(value, dict):
        return {leaf for key, item in value.items() for leaf in leaf_paths(item, f"{path}.{key}")}
    if isinstance(value, list) and any(isinstance(item, dict) for item in value):
        return {leaf for i, item in enumerate(value) for leaf in leaf_paths(item, f"{path}[{i}]")}
    return {path}


def rule_modules_loaded() -> list:
    """Every module of the clean and extract stages, tasks.common.dates and tasks.common.rules, imported."""
    import importlib
    import pkgutil

    import tasks.clean
    import tasks.extract

    names = ["tasks.common.dates", "tasks.common.rules"]
    for package in (tasks.clean, tasks.extract):
        names += [package.__name__] + [m.name for m in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")]
    return [importlib.import_module(name) for name in names]


def lexicon_caches(modules: list) -> list:
    """The lru_cache-wrapped functions of the modules: the compiled lexicon data (_patterns() ...), rules() and the caches of results."""
    return [value for module in modules for value in vars(module).values()
            if callable(value) and hasattr(value, "cache_clear") and getattr(value, "__module__", None) == module.__name__]


def test_every_lexicon_entry_is_read_by_the_code(monkeypatch):
    """Compiling every pattern and running the chain on the seeds and the dev corpus reads every key of every lexicon file."""
    import inspect

    from tasks.common.chain import process_record
    from tasks.ingest import discover, ingest_files

    modules = rule_modules_loaded()
    caches = lexicon_caches(modules)
    assert rules in caches and any(f.__name__ == "_patterns" for f in caches)
    read: set[str] = set()
    with monkeypatch.context() as patched:
        patched.setattr(rules_module, "load_toml", lambda name: RecordingTable(load_toml(name), name, read))
        for cache in caches:
            cache.cache_clear()
        try:
            assert isinstance(rules().context, RecordingTable)
            for cache in caches:  # every pattern function compiles its patterns (and rules() loads every file)
                if all(p.default is not p.empty for p in inspect.signature(cache).parameters.values()):
                    cache()
            rows = 0
            for folder in (PROJECT_ROOT / "seeds", PROJECT_ROOT / "tests" / "corpus" / "docs"):
                for record in ingest_files(discover(folder), workers=1):
                    done = process_record(record, [])
                    assert done.error is None or record["status"] != "ok" or done.clean is None, (record["doc_name"], done.error)
                    rows += len(done.metrics)
            assert rows > 500
        finally:
            for cache in caches:
                cache.cache_clear()
    assert type(rules().context) is dict  # later tests see the plain lexicon again
    every = {leaf for name in Rules.__dataclass_fields__ for leaf in leaf_paths(load_toml(name), name)}
    assert "context.windows.rank_before_chars" in read and "periods.expr[0].pattern" in read
    unread = sorted(every - read)
    assert not unread, "lexicon entries no code reads:\n" + "\n".join(unread)


def test_the_lexicon_categories_are_the_metrics_table_categories_but_other():
    """categories.toml names every category of schemas.tables.CATEGORIES in [keywords] and `priority`, once each,
    except "other": it has no keywords, a metric that names no subject gets it."""
    from schemas.tables import CATEGORIES

    cat = load_toml("categories")
    named = set(CATEGORIES) - {"other"}
    assert "other" in CATEGORIES and len(set(CATEGORIES)) == len(CATEGORIES)
    assert set(cat["keywords"]) == named and all(cat["keywords"][c] for c in named)
    assert sorted(cat["priority"]) == sorted(named)
    generic = cat["generic"]
    assert set(generic) < named and set(cat["priority"][-len(generic):]) == set(generic)  # the generic rights come last
