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


def _case_equivalents() -> dict[int, str]:
    """Characters `re` matches case-insensitively beyond str.lower (ı and i, ſ and s), each mapped to one of them."""
    from re import _casefix  # noqa: PLC0415 - the table the running Python's own `re` uses

    return {extra: chr(min(code, *others)) for code, others in _casefix._EXTRA_CASES.items() for extra in (code, *others)}


CASE_EQUIVALENTS = _case_equivalents()


def fold_case(text: str) -> str:
    """Text folded so that a case-insensitive regex match implies a substring match of folded literals."""
    return text.translate(CASE_EQUIVALENTS).casefold()


@dataclass(frozen=True)
class TextProbe:
    """A text as prefilters look at it: as is and case-folded, each also as a set of characters."""

    text: str
    folded: str
    chars: frozenset[str]
    folded_chars: frozenset[str]

    @classmethod
    def of(cls, text: str) -> "TextProbe":
        """The probe of one text."""
        folded = fold_case(text)
        return cls(text, folded, frozenset(text), frozenset(folded))


@dataclass(frozen=True)
class Prefilter:
    """Strings one of which every match of a regex contains: a text without any of them cannot match."""

    single: frozenset[str]
    longer: tuple[str, ...]
    casefold: bool

    def may_match(self, probe: TextProbe) -> bool:
        """False only when the regex cannot match the probed text."""
        chars, text = (probe.folded_chars, probe.folded) if self.casefold else (probe.chars, probe.text)
        return not self.single.isdisjoint(chars) or any(s in text for s in self.longer)


def prefilter(pattern: str | re.Pattern) -> Prefilter | None:
    """The literal strings a regex requires, read from its parse tree; None when it requires none.

    Runs of literal characters are requirements; a sequence needs any one
    requirement of its parts (the longest is kept), alternatives need the
    union of theirs, optional parts and look-arounds need nothing. With
    IGNORECASE anywhere in the pattern, strings and text are case-folded.
    """
    from re import _constants as c, _parser  # noqa: PLC0415 - the parser of the running Python's own `re`

    source, flags = (pattern.pattern, pattern.flags) if isinstance(pattern, re.Pattern) else (pattern, 0)
    fold = bool(flags & re.IGNORECASE) or "i" in "".join(re.findall(r"\(\?([aiLmsux-]+)[:)]", source))

    def best(options: list[frozenset[str]]) -> frozenset[str] | None:
        return max(options, key=lambda o: (min(map(len, o)), -len(o)), default=None)

    def needs(items) -> frozenset[str] | None:
        options: list[frozenset[str]] = []
        run = ""
        for op, arg in list(items) + [(None, None)]:
            if op is c.LITERAL:
                run += chr(arg)
                continue
            if run:
                options.append(frozenset([fold_case(run) if fold else run]))
                run = ""
            if op is c.IN and (chars := _class_chars(arg, c)) is not None:
                options.append(frozenset(map(fold_case, chars)) if fold else chars)
            elif op is c.SUBPATTERN:
                options.append(needs(arg[-1]))
            elif op is c.BRANCH:
                alternatives = [needs(alt) for alt in arg[1]]
                options.append(None if None in alternatives else frozenset().union(*alternatives))
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and arg[0] >= 1:
                options.append(needs(arg[2]))
        return best([o for o in options if o])

    found = needs(_parser.parse(source, flags))
    if not found:
        return None
    return Prefilter(frozenset(s for s in found if len(s) == 1), tuple(sorted(s for s in found if len(s) > 1)), fold)


def _class_chars(items, c) -> frozenset[str] | None:
    """The characters of a small character class ([上下], [a-z]), None for a large or negated one."""
    chars: set[str] = set()
    for op, arg in items:
        if op is c.LITERAL:
            chars.add(chr(arg))
        elif op is c.RANGE and arg[1] - arg[0] < 64:
            chars.update(map(chr, range(arg[0], arg[1] + 1)))
        else:
            return None
    return frozenset(chars) if len(chars) <= 64 else None



def anchored_at_start(pattern: str) -> bool:
    """True when every match of a regex starts at the start of the text (or of a line): `^` before anything else."""
    from re import _constants as c, _parser  # noqa: PLC0415 - the parser of the running Python's own `re`

    items = list(_parser.parse(pattern))
    return bool(items) and items[0][0] is c.AT and items[0][1] in (c.AT_BEGINNING, c.AT_BEGINNING_LINE, c.AT_BEGINNING_STRING)
