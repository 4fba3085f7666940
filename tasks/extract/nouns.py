"""The words that name what a metric measures: the noun phrase after the number, else the clause before it."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tasks.extract.segment import clause_bounds

if TYPE_CHECKING:
    from tasks.extract.statistics import Metric

# English words that end the noun phrase after a number.
NOUN_STOP = re.compile(
    r"(?i)^(?:in|of|for|with|to|from|by|at|on|as|which|that|who|whose|were|was|are|is|be|been|have|has|had|will|would|"
    r"could|can|an|a|the|this|these|those|during|over|under|up|down|year|years|respectively|including|than|or|per|"
    r"accounting|accounted|benefiting|reaching|reached|increase|increased|decrease|among|across|around|nationwide|"
    r"through|into|via|after|before|since|while|where|when|its|their|our|last|next|this|that)$"
)


ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


# A plural noun: the head of most counted phrases ("centers", "cities", "people").
PLURAL = re.compile(r"(?i)(?<!\bi)(?<!\bha)(?<!\bwa)(?<!\bthi)(?<!\bit)(?<!\bu)(?<!ss)(?<!ou)s$|^(?:people|children|staff|personnel)$")


# A Chinese noun phrase ends at punctuation, a number, or a conjunction before the next number.
CN_NOUN_END = re.compile(r"[.,，。;；:：、()（）\[\]“”\"《》!?！？\s]|(?:和|及|与|以及)(?=\s*[\d一二三四五六七八九十两近约])|\d")


LATIN_START = re.compile(r"\s*[A-Za-z]")


SPACES = re.compile(r"\s+")


def noun_after(sentence: str, m: Metric) -> tuple[str, int]:
    """The words right after a number that name what it counts, and where they end.

    English: up to six words, ending at the first plural (the usual head of a
    counted phrase: "local sub centers in ..."), a function word or
    punctuation. Chinese: up to the next punctuation, conjunction or number.
    """
    rest = sentence[m.q.end:]
    if LATIN_START.match(rest):
        words: list[tuple[str, int]] = []
        for w in ENGLISH_WORD.finditer(rest[:120]):
            gap = rest[(words[-1][1] if words else 0):w.start()]
            if (words and not SPACES.fullmatch(gap)) or (not words and gap.strip()):
                break
            if NOUN_STOP.match(w.group()):
                if w.group().lower() == "the" and not words:
                    continue
                break
            words.append((w.group(), w.end()))
            if len(words) == 6 or PLURAL.search(w.group()):
                break
        while words and words[-1][0].lower() in ("and", "or"):
            words.pop()
        return " ".join(w for w, _ in words), m.q.end + (words[-1][1] if words else 0)
    stop = CN_NOUN_END.search(rest)
    noun = rest[:stop.start() if stop else 24][:24]
    return noun.strip(), m.q.end + len(noun)


def metric_name(sentence: str, m: Metric) -> str:
    """A short phrase naming what the metric measures."""
    if m.noun:
        return m.noun
    c_start, _ = clause_bounds(sentence, m.q.start, m.q.end)
    return sentence[c_start:m.q.start].strip()[-80:]
