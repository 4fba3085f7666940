"""Load the language data under tasks/lexicon/ and compile it once per process."""
from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

LEXICON_DIR = Path(__file__).parent / "lexicon"
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
