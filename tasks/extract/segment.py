"""Split clean text into items (list entries or paragraphs), sentences and clauses."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# A sentence ends at Chinese or ASCII terminal punctuation; an English period
# ends one only before white space and not after a common abbreviation.
ABBREVIATIONS = ("No", "no", "Mr", "Dr", "St", "Co", "Ltd", "Inc", "vs", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug",
                 "Sep", "Sept", "Oct", "Nov", "Dec")
# The pattern starts with the punctuation itself (the abbreviation checks look
# back from the period) so `re` can skip ahead to candidate characters.
SENTENCE_END = re.compile(
    r"[。！？!?;；]+|\.(?<!\b[A-Z]\.)" + "".join(rf"(?<!\b{a}\.)" for a in ABBREVIATIONS) + r"(?=\s|$)"
)
# A list marker at the start of a sentence opens a new item.
ITEM_START = re.compile(
    r"^\s*(?:[(\[]?\d{1,2}[)\].、]|[(]?[一二三四五六七八九十]+[)、]|[一二三四五六七八九十]是|第[一二三四五六七八九十]+[,、是]"
    r"|(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|finally|lastly)\b\s*[,:]"
    r"|(?:the )?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth) is\b)",
    re.I,
)
# A comma inside a number (6,418) does not break a clause.
# White space between Chinese characters separates headline parts.
CLAUSE_BREAK = re.compile(r"[，;；:：]|,(?!\d{3}(?!\d))|(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")


@dataclass(frozen=True)
class Sentence:
    """A sentence of a document: its text, where it starts, and its item number."""

    text: str
    start: int
    item: int
    paragraph: int = 0


# Longer "sentences" (a 3 MB line of numbers, a table flattened to one line)
# are cut at a clause break or space, so the work per sentence stays bounded.
MAX_SENTENCE_CHARS = 1000
CUT_AT = re.compile(r"[，,;；、\s]")


def _bounded(pos: int, text: str) -> list[tuple[int, str]]:
    """(offset, text) pieces of a sentence, none longer than MAX_SENTENCE_CHARS."""
    pieces = []
    while len(text) > MAX_SENTENCE_CHARS:
        cuts = [m.end() for m in CUT_AT.finditer(text, MAX_SENTENCE_CHARS // 2, MAX_SENTENCE_CHARS)]
        cut = cuts[-1] if cuts else MAX_SENTENCE_CHARS
        pieces.append((pos, text[:cut]))
        pos, text = pos + cut, text[cut:]
    return pieces + [(pos, text)]


def split_sentences(paragraph: str) -> list[tuple[int, str]]:
    """(offset, text) of each sentence of a paragraph, white space trimmed."""
    out, pos = [], 0
    for m in SENTENCE_END.finditer(paragraph):
        out += _bounded(pos, paragraph[pos:m.end()])
        pos = m.end()
    out += _bounded(pos, paragraph[pos:])
    trimmed = []
    for offset, text in out:
        lead = len(text) - len(text.lstrip())
        if text.strip():
            trimmed.append((offset + lead, text.strip()))
    return trimmed


def segment(text: str) -> list[Sentence]:
    """Every sentence of a clean text, numbered by item (paragraph or list entry)."""
    sentences: list[Sentence] = []
    item = -1
    offset = 0
    for number, paragraph in enumerate(text.split("\n")):
        item += 1
        for i, (pos, sentence) in enumerate(split_sentences(paragraph)):
            if i and ITEM_START.match(sentence):
                item += 1
            sentences.append(Sentence(sentence, offset + pos, item, number))
        offset += len(paragraph) + 1
    return sentences


@lru_cache(maxsize=1024)  # the context rules ask for the clause of the same number several times
def clause_bounds(sentence: str, start: int, end: int) -> tuple[int, int]:
    """Start and end of the clause holding the span [start, end) of a sentence."""
    left = max((m.end() for m in CLAUSE_BREAK.finditer(sentence, 0, start)), default=0)
    right = CLAUSE_BREAK.search(sentence, end)
    return left, right.start() if right else len(sentence)
