"""The Hyperscan prefilter: which regexes of a list may match a text, found in one pass.

Compiled databases are cached between processes under `cache_dir()`.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from pathlib import Path
from typing import cast

import hyperscan

from tasks.common.rules import CASE_EQUIVALENTS, any_of

# What Python's `re` matches and Hyperscan's Unicode mode does not: `\s` also matches the
# information separators, and IGNORECASE also equates ı with i, ſt with st and a few more (re._casefix).
_RE_ONLY = str.maketrans({**{c: " " for c in range(0x1C, 0x20)}, **{k: v for k, v in CASE_EQUIVALENTS.items() if chr(k) != v}})
_RE_ONLY_CHARS = re.compile("[" + "".join(re.escape(chr(c)) for c in _RE_ONLY) + "]")
_HS_FLAGS = (hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_UCP | hyperscan.HS_FLAG_PREFILTER | hyperscan.HS_FLAG_ALLOWEMPTY
             | hyperscan.HS_FLAG_MULTILINE | hyperscan.HS_FLAG_DOTALL | hyperscan.HS_FLAG_SINGLEMATCH)


class PatternSet:
    """Which regexes of a list can match a text, found in one Hyperscan pass over it.

    Hyperscan compiles each regex in its prefilter mode, which relaxes what it
    cannot run (look-arounds, back-references) and widens `^`, `$` and `.`, so the
    answer is a superset: a regex left out cannot match the text in `re`, one
    named may still fail there. Texts holding characters where the two engines
    differ (`_RE_ONLY`) are also scanned with those characters folded; a regex
    Hyperscan rejects, or one written with such characters, is always named.
    """

    def __init__(self, patterns: list[str]) -> None:
        self.patterns = tuple(patterns)
        self._database, rejected = _hyperscan_database(self.patterns)
        self._always = frozenset(rejected) | {i for i, p in enumerate(patterns) if _RE_ONLY_CHARS.search(p)}
        self._local = threading.local()
        self._alternations: dict[tuple[int, ...], re.Pattern] = {}

    def candidates(self, text: str) -> tuple[int, ...]:
        """Indexes, in list order, of the regexes that may match `text`."""
        found = set(self._always)
        if self._database:
            self._scan(text, found)
            if _RE_ONLY_CHARS.search(text):
                self._scan(text.translate(_RE_ONLY), found)
        return tuple(sorted(found))

    def alternation(self, text: str) -> re.Pattern | None:
        """`any_of` the regexes that may match `text` (same matches as `any_of` all of them), None when none may."""
        ids = self.candidates(text)
        if not ids:
            return None
        if (compiled := self._alternations.get(ids)) is None:
            if len(self._alternations) >= 4096:
                self._alternations.clear()
            compiled = self._alternations[ids] = any_of([self.patterns[i] for i in ids])
        return compiled

    def _scan(self, text: str, found: set[int]) -> None:
        """Add the ids Hyperscan reports in `text` to `found` (one scratch space per thread)."""
        assert self._database is not None  # candidates scans only when there is a database
        if (scratch := getattr(self._local, "scratch", None)) is None:
            scratch = self._local.scratch = hyperscan.Scratch(self._database)
        self._database.scan(text.encode(), match_event_handler=_add_id, context=found, scratch=scratch)


class PrefilteredPattern:
    """One regex searched in long texts: Hyperscan's pass rules out most texts, `re` searches the others."""

    def __init__(self, pattern: str) -> None:
        self.regex = re.compile(pattern)
        self._prefilter = PatternSet([pattern])

    def search(self, text: str) -> re.Match | None:
        """`re.search` of the regex in `text`."""
        return self.regex.search(text) if self._prefilter.candidates(text) else None


def _add_id(pattern_id: int, start: int, end: int, flags: int, found: object) -> None:
    """Hyperscan match callback: note the pattern (`found`: the set passed to scan as its context)."""
    cast("set[int]", found).add(pattern_id)


def _hyperscan_database(patterns: tuple[str, ...]) -> tuple[hyperscan.Database | None, list[int]]:
    """(database, indexes of the regexes Hyperscan rejects) of a list of regexes, from the cache when it has them.

    Compiling takes seconds (Unicode classes), loading milliseconds; a cached
    database is keyed by the regexes, the flags and the Hyperscan version.
    """
    version = hyperscan.__version__  # type: ignore[attr-defined]  # (not in the package's type stubs)
    key = hashlib.sha256(json.dumps([version, _HS_FLAGS, patterns]).encode()).hexdigest()[:24]
    path = cache_dir() / "hyperscan" / f"{key}.db"
    try:
        header, blob = path.read_bytes().split(b"\n", 1)
        return hyperscan.loadb(blob, hyperscan.HS_MODE_BLOCK) if blob else None, json.loads(header)
    except (OSError, ValueError, hyperscan.error):
        pass
    rejected = []
    try:
        database = _compile_hyperscan(dict(enumerate(patterns)))
    except hyperscan.error:
        rejected = [i for i, p in enumerate(patterns) if not _hyperscan_accepts(p)]
        database = _compile_hyperscan({i: p for i, p in enumerate(patterns) if i not in rejected})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(json.dumps(rejected).encode() + b"\n" + (hyperscan.dumpb(database) if database else b""))
        partial.replace(path)
    except OSError:
        pass  # an unwritable cache costs a compile per process, nothing else
    return database, rejected


def _compile_hyperscan(patterns: dict[int, str]) -> hyperscan.Database | None:
    """One block-mode database of the regexes, each reported under its index; None for no regex."""
    if not patterns:
        return None
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    database.compile(expressions=[p.encode() for p in patterns.values()], ids=list(patterns),
                     elements=len(patterns), flags=[_HS_FLAGS] * len(patterns))
    return database


def _hyperscan_accepts(pattern: str) -> bool:
    """True when Hyperscan compiles the regex in prefilter mode."""
    try:
        _compile_hyperscan({0: pattern})
    except hyperscan.error:
        return False
    return True


def cache_dir() -> Path:
    """Where compiled rules are kept between processes: IPMETRICS_CACHE_DIR, else the user's cache folder."""
    if configured := os.environ.get("IPMETRICS_CACHE_DIR"):
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ipmetrics"
