"""The language data under tasks/lexicon/, loaded once per process, its version, and regex helpers."""
from __future__ import annotations

import ast
import csv
import hashlib
import importlib.metadata
import re
import threading
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LEXICON_DIR = PROJECT_ROOT / "tasks" / "lexicon"
# The stages whose code decides a document's rows. Their modules, and every project
# module they import, directly or not, are hashed into rules_version.
RULE_STAGES = ("tasks.ingest", "tasks.clean", "tasks.extract")
# Libraries whose behaviour decides rows too (decoding, HTML, script conversion, numerals).
RULE_LIBRARIES = ("charset-normalizer", "cn2an", "lxml", "opencc", "text2num")
PROJECT_PACKAGES = ("tasks", "schemas", "flows")


def load_toml(name: str) -> dict:
    """Return one lexicon file as a dict."""
    with open(LEXICON_DIR / f"{name}.toml", "rb") as fh:
        return tomllib.load(fh)


@lru_cache(maxsize=None)
def rules_version() -> str:
    """What decides the rows of a document, hashed (12 hex digits): a new version re-extracts every document.

    The lexicon files, the code of the ingest, clean and extract stages with
    every project module it imports (as syntax trees: comments and layout do
    not count, docstrings do), and the versions of the libraries in RULE_LIBRARIES.
    """
    return compute_rules_version(PROJECT_ROOT, LEXICON_DIR)


def compute_rules_version(project_root: Path, lexicon_dir: Path) -> str:
    """rules_version of the project under project_root with the lexicon in lexicon_dir."""
    digest = hashlib.sha256()
    for path in sorted(p for p in lexicon_dir.iterdir() if p.suffix in (".toml", ".csv")):
        digest.update(f"lexicon {path.name}\n".encode())
        digest.update(path.read_bytes())
    for path in rule_modules(project_root):
        digest.update(f"module {path.relative_to(project_root).as_posix()}\n".encode())
        digest.update(ast.dump(_parse(path)).encode())
    for name in RULE_LIBRARIES:
        digest.update(f"library {name} {importlib.metadata.version(name)}\n".encode())
    return digest.hexdigest()[:12]


def rule_modules(project_root: Path) -> list[Path]:
    """Files of the RULE_STAGES modules (every module of a stage package) and of the project modules they import."""
    todo = [(name, True) for name in RULE_STAGES]
    found: dict[str, Path] = {}
    while todo:
        name, whole_package = todo.pop()
        path = _module_file(project_root, name)
        if path is None or name in found:
            continue
        found[name] = path
        if whole_package and path.name == "__init__.py":
            todo += [(f"{name}.{p.stem}", True) for p in path.parent.glob("*.py") if p.name != "__init__.py"]
        todo += [(imported, False) for imported in _imports(path) if imported.split(".")[0] in PROJECT_PACKAGES]
    return sorted(set(found.values()))


# CPython 3.11's ast.parse is not safe in several threads at once (python/cpython#106905),
# and batch tasks run on threads: the first ingest tasks of a run compute rules_version together.
_PARSE_LOCK = threading.Lock()


def _parse(path: Path) -> ast.Module:
    """The syntax tree of a module file (callers do not change it)."""
    return _parse_source(path.read_bytes())


@lru_cache(maxsize=256)  # rule_modules reads each module's imports, then compute_rules_version its tree
def _parse_source(source: bytes) -> ast.Module:
    """The syntax tree of a module's source."""
    with _PARSE_LOCK:
        return ast.parse(source)


def _module_file(project_root: Path, name: str) -> Path | None:
    """The file of a project module or package, None when the name is not one (an imported function)."""
    base = project_root.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _imports(path: Path) -> set[str]:
    """Names a module imports, anywhere in it (`from a import b` gives a and a.b, since b may be a module)."""
    names: set[str] = set()
    for node in ast.walk(_parse(path)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


class LexiconError(ValueError):
    """A lexicon file that does not load, or an entry that names what does not exist."""


@lru_cache(maxsize=None)
def indicator_codes() -> dict[str, dict[str, str]]:
    """The closed list of indicator codes (tasks/lexicon/indicators.csv, the contract of SCHEMA.md), by code."""
    path = LEXICON_DIR / "indicators.csv"
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise LexiconError(f"{path}: cannot be read ({exc})") from exc
    columns = ("code", "category", "unit", "kind", "name_en", "name_zh")
    for number, row in enumerate(rows, 2):
        if any(not row.get(c) for c in columns):
            raise LexiconError(f"{path}: line {number} lacks one of {', '.join(columns)}")
    return {row["code"]: row for row in rows}


def alternation(words: list[str] | dict) -> str:
    """Regex alternation of literal words, longest first, so the longest match wins."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@dataclass(frozen=True)
class Rules:
    """Every lexicon file, parsed once."""

    boilerplate: dict
    script: dict
    numbers: dict
    context: dict
    nonstats: dict
    periods: dict
    categories: dict
    events: dict
    dates: dict
    segment: dict
    nouns: dict
    indicators: dict
    areas: dict
    sources: dict
    tables: dict


@lru_cache(maxsize=None)
def rules() -> Rules:
    """All lexicon files (cached per process)."""
    loaded = {}
    for name in Rules.__dataclass_fields__:
        try:
            loaded[name] = load_toml(name)
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise LexiconError(f"{LEXICON_DIR / (name + '.toml')}: cannot be loaded ({exc})") from exc
    return Rules(**loaded)


@lru_cache(maxsize=None)
def area_codes() -> frozenset[str]:
    """Valid areas: ISO 3166-2:CN codes of the 31 mainland provinces, ISO 3166-1 alpha-2 codes of every other country or economy."""
    import pycountry

    outside_mainland = {"CN-HK", "CN-MO", "CN-TW"}  # SCHEMA gives them their alpha-2 codes HK, MO, TW
    provinces = {s.code for s in pycountry.subdivisions.get(country_code="CN")} - outside_mainland
    return frozenset(provinces | ({c.alpha_2 for c in pycountry.countries} - {"CN"}))


def check_lexicon() -> None:
    """Raise LexiconError, naming the file and the entry, when a lexicon file does not load or names an unknown code."""
    codes = indicator_codes()
    lexicon = rules().indicators
    path = LEXICON_DIR / "indicators.toml"
    for i, phrase in enumerate(lexicon.get("phrase", [])):
        if phrase.get("code") not in codes and phrase.get("code") != "":
            raise LexiconError(f"{path}: [[phrase]] {i + 1} names unknown indicator code {phrase.get('code')!r}")
    for right in lexicon.get("rights", {}):
        if not any(code.startswith(right + ".") for code in codes):
            raise LexiconError(f"{path}: [rights] {right!r} is the start of no indicator code")
    for measure in lexicon.get("measures", {}):
        if not any(code.endswith("." + measure) for code in codes):
            raise LexiconError(f"{path}: [measures] {measure!r} ends no indicator code")
    for code in lexicon.get("partial", {}).get("whole_only_with", {}):
        if code not in codes:
            raise LexiconError(f"{path}: [partial.whole_only_with] names unknown indicator code {code!r}")
    for table in ("provinces", "countries", "offices"):
        for code in rules().areas[table]:
            if code not in area_codes() and not (table == "offices" and code == ""):
                raise LexiconError(f"{LEXICON_DIR / 'areas.toml'}: [{table}] {code!r} is not an ISO 3166 area code")


def any_of(patterns: list[str]) -> re.Pattern:
    """One compiled regex matching any of `patterns` (leading inline flags kept per pattern)."""
    parts = []
    for p in patterns:
        flags = re.match(r"\(\?([aiLmsux]+)\)", p)
        parts.append(f"(?{flags.group(1)}:{p[flags.end():]})" if flags else f"(?:{p})")
    return re.compile("|".join(parts), re.M)


def _case_equivalents() -> dict[int, str]:
    """Characters `re` matches case-insensitively beyond str.lower (ı and i, ſ and s), each mapped to one of them."""
    from re import _casefix  # type: ignore[attr-defined]  # noqa: PLC0415 - no stub; the running `re`'s own table

    return {extra: chr(min(code, *others)) for code, others in _casefix._EXTRA_CASES.items() for extra in (code, *others)}


CASE_EQUIVALENTS = _case_equivalents()


def fold_case(text: str) -> str:
    """Text folded so that a case-insensitive regex match implies a substring match of folded literals."""
    return text.translate(CASE_EQUIVALENTS).casefold()


def anchored_at_start(pattern: str) -> bool:
    """True when every match of a regex starts at the start of the text (or of a line): `^` before anything else."""
    from re import _constants as c, _parser  # type: ignore[attr-defined]  # noqa: PLC0415 - no stub; the running `re`'s parser

    items = list(_parser.parse(pattern))
    return bool(items) and items[0][0] is c.AT and items[0][1] in (c.AT_BEGINNING, c.AT_BEGINNING_LINE, c.AT_BEGINNING_STRING)


def blank_end_width(pattern: str) -> int | None:
    """How far before the trailing blanks a match of a regex ending in `\\s*$` can start; None when unbounded or not such a regex.

    A "before" pattern of context.toml then needs searching only that many characters before the end.
    """
    from re import _constants as c, _parser  # type: ignore[attr-defined]  # noqa: PLC0415 - no stub; the running `re`'s parser

    items = list(_parser.parse(pattern))
    if not pattern.endswith(r"\s*$") or not items or items[-1] != (c.AT, c.AT_END):
        return None
    width = _parser.parse(pattern[:-len(r"\s*$")]).getwidth()[1]
    return width if width < c.MAXREPEAT else None
