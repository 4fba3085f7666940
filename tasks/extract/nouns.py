"""The words that name what a metric measures: the noun phrase after the number, else the clause before it.

The noun-phrase rules live in tasks/lexicon/nouns.toml, their windows in [windows] of context.toml.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from tasks.common.rules import alternation, rules
from tasks.extract.segment import clause_bounds, label_end

if TYPE_CHECKING:
    from tasks.extract.statistics import Metric

# Script classes, not language data: a Latin word (with apostrophes and hyphens), a Latin start, white space.
ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


LATIN_START = re.compile(r"\s*[A-Za-z]")


SPACES = re.compile(r"\s+")


@lru_cache(maxsize=None)
def _patterns() -> dict:
    """Compiled noun-phrase rules (nouns.toml) and their windows."""
    nouns, windows = rules().nouns, rules().context["windows"]
    return {
        "stop": re.compile(f"(?i)^(?:{alternation(nouns['stop_words'])})$"),
        "skip_first": {w.lower() for w in nouns["skip_first"]},
        "drop_last": {w.lower() for w in nouns["drop_last"]},
        "plural": re.compile(nouns["plural"]),
        "zh_end": re.compile(nouns["zh_end"]),
        "after_chars": windows["noun_after_chars"],
        "max_words": windows["noun_max_words"],
        "zh_max_chars": windows["noun_zh_max_chars"],
        "clause_chars": windows["metric_clause_chars"],
        "not_a_thing": re.compile(nouns["not_a_thing"]),
        "of_phrase": re.compile(nouns["of_phrase"]),
        "leading": re.compile(nouns["phrase_leading"]),
        "of_start": re.compile(nouns["of_start"]),
        "trailing": re.compile(nouns["phrase_trailing"]),
        "content": re.compile(nouns["content"]),
    }


def noun_after(sentence: str, m: Metric) -> tuple[str, int]:
    """The words right after a number that name what it counts, and where they end.

    English: up to windows.noun_max_words words, ending at the first plural
    (the usual head of a counted phrase: "local sub centers in ..."), a stop
    word or punctuation. Chinese: up to the next punctuation, conjunction or
    number (nouns.toml).
    """
    p = _patterns()
    start = label_end(sentence, m.q.end)  # "4.4 million: trademarks registered in 2023"
    rest = sentence[start:]
    if LATIN_START.match(rest):
        words: list[tuple[str, int]] = []
        for w in ENGLISH_WORD.finditer(rest[:p["after_chars"]]):
            gap = rest[(words[-1][1] if words else 0):w.start()]
            if (words and not SPACES.fullmatch(gap)) or (not words and gap.strip()):
                break
            if not words and w.group().lower() in p["drop_last"]:
                break  # a connective right after the number starts another item ("6,547 and Shanghai with 6,185")
            if p["stop"].match(w.group()):
                if w.group().lower() in p["skip_first"] and not words:
                    continue
                break
            words.append((w.group(), w.end()))
            if len(words) == p["max_words"] or p["plural"].search(w.group()):
                break
        while words and words[-1][0].lower() in p["drop_last"]:
            words.pop()
        return " ".join(w for w, _ in words), start + (words[-1][1] if words else 0)
    stop = p["zh_end"].search(rest)
    noun = rest[:stop.start() if stop else p["zh_max_chars"]][:p["zh_max_chars"]]
    return noun.strip(), start + len(noun)


def metric_name(sentence: str, m: Metric, metrics: list[Metric], indicator_name: str = "") -> str:
    """The noun phrase naming what a metric measures, never a verb or connective fragment.

    The counted noun after the number ("administrative cases of patent
    infringement disputes") when it names something; else the subject before
    the number in its clause, its verbs, prepositions, qualifiers and time
    words trimmed ("valid invention patents held by enterprises",
    "国内发明专利有效量"); else the indicator's name; else "".
    """
    p = _patterns()
    noun = m.noun.strip()
    if noun and not p["not_a_thing"].fullmatch(noun):
        return _trimmed(noun + _of_phrase(sentence[m.noun_end:]))
    of_phrase = _of_phrase(sentence[m.q.end:]).strip()
    if p["of_start"].match(of_phrase):  # "24 of the world's top 100 clusters"
        return _trimmed(p["of_start"].sub("", of_phrase))
    subject = _trimmed(_words_before(sentence, m, metrics))
    return subject if p["content"].search(subject) else indicator_name


def _of_phrase(rest: str) -> str:
    """The "of ..." / "for ..." phrase that goes on a counted noun ("cases" + " of patent infringement disputes")."""
    p = _patterns()
    found = p["of_phrase"].match(rest)
    return found.group() if found else ""


def _words_before(sentence: str, m: Metric, metrics: list[Metric]) -> str:
    """The words before the number in its clause, since the previous metric's noun phrase."""
    c_start, _ = clause_bounds(sentence, m.q.start, m.q.end)
    start = max([c_start, *(max(o.q.end, o.noun_end) for o in metrics if o is not m and o.q.end <= m.q.start)])
    start = max(start, m.q.start - _patterns()["clause_chars"])
    while 0 < start < m.q.start and sentence[start - 1].isascii() and sentence[start - 1].isalpha():
        start += 1  # never begin inside an English word
    return sentence[start:m.q.start]


def _trimmed(text: str) -> str:
    """A phrase without the articles, time words, verbs and connectives at its ends."""
    p = _patterns()
    previous = None
    while previous != text:
        previous = text
        text = p["trailing"].sub("", p["leading"].sub("", text.strip())).strip()
    return text
