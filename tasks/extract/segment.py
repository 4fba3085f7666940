"""Split clean text into items (list entries or paragraphs), sentences and clauses.

The sentence, item and clause rules live in tasks/lexicon/segment.toml.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from tasks.common.rules import rules


@lru_cache(maxsize=None)
def _patterns() -> dict:
    """Compiled sentence-end, item-start, clause-break and cut patterns, and the sentence length limit."""
    seg = rules().segment
    # A sentence ends at a run of terminal punctuation, or at an English period before white
    # space that follows no initial and no abbreviation. The pattern starts with the punctuation
    # itself (the abbreviation checks look back from the period) so `re` can skip ahead to
    # candidate characters.
    period = r"\.(?<!\b[A-Z]\.)" + "".join(rf"(?<!\b{a}\.)" for a in seg["abbreviations"]) + r"(?=\s|$)"
    return {
        "sentence_end": re.compile(f"{seg['sentence_end']}|{period}"),
        "item_start": re.compile(seg["item_start"]),
        "clause_break": re.compile(seg["clause_break"]),
        "label_mark": re.compile(seg["label_mark"]),
        "cut_at": re.compile(seg["cut_at"]),
        "max_chars": rules().context["windows"]["max_sentence_chars"],
        "cell_separator": rules().tables["cells"]["separator"],
    }


def is_table_row(line: str) -> bool:
    """True when a line of clean text is a table row (its cells joined by tables.toml's separator)."""
    return _patterns()["cell_separator"] in line


def starts_item(sentence: str) -> bool:
    """True when a sentence starts with a list marker, which opens a new item."""
    return _patterns()["item_start"].match(sentence) is not None


@dataclass(frozen=True)
class Sentence:
    """A sentence of a document: its text, where it starts, and its item number."""

    text: str
    start: int
    item: int
    paragraph: int = 0


def _bounded(pos: int, text: str) -> list[tuple[int, str]]:
    """(offset, text) pieces of a sentence, none longer than windows.max_sentence_chars.

    Longer "sentences" (a 3 MB line of numbers, a table flattened to one line)
    are cut at a clause break or space, so the work per sentence stays bounded.
    """
    p = _patterns()
    limit = p["max_chars"]
    pieces = []
    while len(text) > limit:
        cuts = [m.end() for m in p["cut_at"].finditer(text, limit // 2, limit)]
        cut = cuts[-1] if cuts else limit
        pieces.append((pos, text[:cut]))
        pos, text = pos + cut, text[cut:]
    return pieces + [(pos, text)]


def split_sentences(paragraph: str) -> list[tuple[int, str]]:
    """(offset, text) of each sentence of a paragraph, white space trimmed."""
    out, pos = [], 0
    for m in _patterns()["sentence_end"].finditer(paragraph):
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
    """Every sentence of a clean text, numbered by item (paragraph or list entry); a table row is one sentence."""
    sentences: list[Sentence] = []
    item = -1
    offset = 0
    for number, paragraph in enumerate(text.split("\n")):
        item += 1
        pieces = _bounded(0, paragraph) if is_table_row(paragraph) else split_sentences(paragraph)
        for i, (pos, sentence) in enumerate(pieces):
            if i and starts_item(sentence):
                item += 1
            sentences.append(Sentence(sentence, offset + pos, item, number))
        offset += len(paragraph) + 1
    return sentences


def label_end(sentence: str, end: int) -> int:
    """Where the description of a number starts: after a colon right after it ("4.4 million: trademarks ..."), else `end`."""
    label = _patterns()["label_mark"].match(sentence, end)
    return label.end() if label else end


@lru_cache(maxsize=1024)  # the context rules ask for the clause of the same number several times
def clause_bounds(sentence: str, start: int, end: int) -> tuple[int, int]:
    """Start and end of the clause holding the span [start, end) of a sentence."""
    clause_break = _patterns()["clause_break"]
    left = max((m.end() for m in clause_break.finditer(sentence, 0, start)), default=0)
    right = clause_break.search(sentence, label_end(sentence, end))  # "4.4 million: trademarks registered in 2023"
    return left, right.start() if right else len(sentence)
