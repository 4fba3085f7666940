"""The language data under tasks/lexicon/, loaded once per process, its version, and regex helpers."""
from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

LEXICON_DIR = Path(__file__).resolve().parent.parent / "lexicon"
# Bump when the code that interprets the lexicon changes meaning; the lexicon
# files' own bytes are hashed into rules_version as well.
ENGINE_VERSION = "1"


def load_toml(name: str) -> dict:
    """Return one lexicon file as a dict."""
    with open(LEXICON_DIR / f"{name}.toml", "rb") as fh:
        return tomllib.load(fh)


@lru_cache(maxsize=None)
def rules_version() -> str:
    """Content hash of every lexicon file plus the engine version (12 hex digits)."""
    digest = hashlib.sha256(ENGINE_VERSION.encode())
    for path in sorted(LEXICON_DIR.glob("*.toml")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return f"{ENGINE_VERSION}-{digest.hexdigest()[:12]}"


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


@lru_cache(maxsize=None)
def rules() -> Rules:
    """All lexicon files (cached per process)."""
    return Rules(**{name: load_toml(name) for name in Rules.__dataclass_fields__})


def any_of(patterns: list[str]) -> re.Pattern:
    """One compiled regex matching any of `patterns` (leading inline flags kept per pattern)."""
    parts = []
    for p in patterns:
        flags = re.match(r"\(\?([aiLmsux]+)\)", p)
        parts.append(f"(?{flags.group(1)}:{p[flags.end():]})" if flags else f"(?:{p})")
    return re.compile("|".join(parts), re.M)


def _case_equivalents() -> dict[int, str]:
    """Characters `re` matches case-insensitively beyond str.lower (ı and i, ſ and s), each mapped to one of them."""
    from re import _casefix  # noqa: PLC0415 - the table the running Python's own `re` uses

    return {extra: chr(min(code, *others)) for code, others in _casefix._EXTRA_CASES.items() for extra in (code, *others)}


CASE_EQUIVALENTS = _case_equivalents()


def fold_case(text: str) -> str:
    """Text folded so that a case-insensitive regex match implies a substring match of folded literals."""
    return text.translate(CASE_EQUIVALENTS).casefold()


def anchored_at_start(pattern: str) -> bool:
    """True when every match of a regex starts at the start of the text (or of a line): `^` before anything else."""
    from re import _constants as c, _parser  # noqa: PLC0415 - the parser of the running Python's own `re`

    items = list(_parser.parse(pattern))
    return bool(items) and items[0][0] is c.AT and items[0][1] in (c.AT_BEGINNING, c.AT_BEGINNING_LINE, c.AT_BEGINNING_STRING)
