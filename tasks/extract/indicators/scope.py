"""The words around a number, and what a metric measures once read from them.

`Identity` is a metric's indicator, origin, area and partial flag; `Scope` the
words of its clause or sentence that count (the counted noun phrase, the words
before the number, a few words after it). The phrase lists of
tasks/lexicon/indicators.toml and areas.toml are compiled once, and for each
sentence cut by one Hyperscan pass to the entries that may occur in it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from tasks.common.prefilter import PatternSet
from tasks.common.rules import any_of, rules
from tasks.extract.segment import clause_bounds

if TYPE_CHECKING:
    from tasks.extract.statistics import Metric


# The phrase lists cut to the entries that may occur in a sentence (the others are read whole).
FILTERED = ("phrases", "rights", "measures", "origins", "areas", "part_words", "offices")


@dataclass(frozen=True)
class Identity:
    """What a metric measures (SCHEMA.md: indicator, origin, area, partial)."""

    indicator: str | None = None
    origin: str | None = None
    area: str | None = None
    partial: bool | None = None
    inherited: bool = False  # the indicator is the one the text spoke of last, not named by the metric's own words
    part: bool = False  # the figure's words name a part (enterprises, a field), whether or not it is a share
    world_of: str | None = None  # the international filing indicator of which the figure is the world's total
    right_only: bool = False  # named by a sentence without figures: a later figure takes only its right, with its own measure

    def spoken_of(self) -> Identity:
        """The identity a later figure that names nothing takes from this one (a world total's: its indicator's)."""
        return Identity(self.world_of, partial=False) if self.world_of else self


@dataclass(frozen=True)
class Place:
    """The place a local office's release is about (dimensions.document_place): a province (or a province-level
    city), whose code its figures take, or a city without a code, whose figures are parts; `province` is the
    province's code, or the code of the province the city is in."""

    province: str
    city: bool = False


@dataclass(frozen=True)
class Scope:
    """Words around a number: the counted noun phrase, the words before the number, the words after the noun phrase."""

    noun: str
    before: str
    after: str
    own: str = ""  # the words before the number since the previous metric's noun phrase ("、外观设计专利" in a list)
    ranked: bool = False  # the words right after the number rank the figure ("居次", "拿下第一")
    lex: dict = field(default_factory=dict, repr=False, compare=False)  # the phrases that may occur in the sentence

    def text(self) -> str:
        """Every word of the scope, as one text."""
        return f"{self.before} | {self.noun} | {self.after}"


def phrase_pattern(words: list[str]) -> re.Pattern:
    """A case-insensitive regex of a phrase list."""
    return any_of([f"(?i){w}" for w in words])


@lru_cache(maxsize=None)
def lexicon_patterns() -> dict:
    """Compiled indicator, origin, area and partial phrases."""
    lex, areas = rules().indicators, rules().areas
    patterns = {
        "phrases": [(p["code"] or None, phrase_pattern(p["words"]), tuple(p["units"]),
                     phrase_pattern(p["nouns"]) if "nouns" in p else None,
                     phrase_pattern(p["sentence_words"]) if "sentence_words" in p else None)
                    for p in lex["phrase"]],
        "rights": [(right, phrase_pattern(words)) for table in ("all_kinds", "rights") for right, words in lex[table].items()],
        "measures": [(measure, phrase_pattern(words)) for measure, words in lex["measures"].items()],
        "measure_pairs": lex["measure_pairs"],
        "measure_names": frozenset(lex["measures"]),
        "origins": [(origin, phrase_pattern(words)) for origin, words in lex["origins"].items()],
        "areas": [(code, phrase_pattern(words)) for table in ("provinces", "countries") for code, words in areas[table].items()],
        "offices": [(code, phrase_pattern(words)) for code, words in areas["offices"].items()],
        "office_opening_chars": lex["scope"]["office_opening_chars"],
        "china_office": phrase_pattern(areas["china_office"]["words"]),
        "places": [(kind, code, phrase_pattern(words)) for kind, table in (("province", "provinces"), ("city", "cities"))
                   for code, words in areas[table].items()],
        "local_chars": areas["local"]["local_chars"],
        "local_words": {level: phrase_pattern(areas["local"][f"{level}_words"]) for level in ("province", "city")},
        "local_min_mentions": areas["local"]["min_mentions"],
        "municipalities": frozenset(areas["local"]["municipalities"]),
        "national_words": phrase_pattern(areas["local"]["national_words"]),
        "partial": phrase_pattern(lex["partial"]["words"]),
        "sub_kinds": phrase_pattern(lex["partial"]["sub_kinds"]),
        # each word of a part alone, for the prefilter: a sentence holding none names no part
        "part_words": [(word, phrase_pattern([word])) for word in lex["partial"]["words"] + lex["partial"]["sub_kinds"]],
        "whole_only_with": {code: phrase_pattern(words) for code, words in lex["partial"]["whole_only_with"].items()},
        "frame": phrase_pattern(lex["partial"]["frame"]),
        "origin_of_the_area": lex["origin_of_the_area"],
        "china_words": phrase_pattern(lex["origin_of_the_area"]["china_words"]),
        "received_words": phrase_pattern(lex["origin_of_the_area"]["received_words"]),
        "office_words": phrase_pattern(lex["origin_of_the_area"]["office_words"]),
        "place_nouns": phrase_pattern(areas["place_nouns"]),
        "entity_measure_words": phrase_pattern(lex["counted"]["entity_measure_words"]),
        "bare_fillers": phrase_pattern(lex["counted"]["bare_fillers"]),
        "head_fillers": re.compile(f"(?:{lex['counted']['head_fillers']})$"),
        "entity_nouns": re.compile(f"(?:{phrase_pattern(lex['counted']['entity_nouns']).pattern})$"),
        "entity_noun": phrase_pattern(lex["counted"]["entity_nouns"]),
        "content_word": re.compile(lex["counted"]["content_word"]),
        "entry_before": re.compile(lex["counted"]["entry_before"]),
        "entry_after": re.compile(lex["counted"]["entry_after"]),
        "ranked_before": re.compile(lex["counted"]["ranked_before"]),
        "ranked_after": re.compile(lex["counted"]["ranked_after"]),
        "ranked_start": re.compile(lex["counted"]["ranked_start"]),
        "ranked_list": re.compile(lex["counted"]["ranked_list"]),
        "entry_name_start": re.compile(lex["counted"]["entry_name_start"]),
        "from_to": re.compile(lex["counted"]["from_to"]),
        "next_item": re.compile(lex["counted"]["next_item"]),
        "respectively": phrase_pattern(lex["respectively"]["words"]),
        "respectively_before_chars": lex["respectively"]["before_chars"],
        "respectively_after_chars": lex["respectively"]["after_chars"],
        "figure_gap": re.compile(lex["respectively"]["figure_gap"]),
        "item_separator": re.compile(lex["respectively"]["item_separator"]),
        "before_chars": lex["scope"]["before_chars"],
        "after_chars": lex["scope"]["after_chars"],
        "topic_right_chars": lex["scope"]["topic_right_chars"],
        "number_of": re.compile(lex["counted"]["number_of"]),
    }
    # One prefilter over every entry of the lists that _lexicon cuts (a phrase entry by its words).
    entries = [(kind, entry) for kind in FILTERED for entry in patterns[kind]]
    patterns["entries"] = entries
    patterns["prefilter"] = PatternSet([(entry[1]).pattern for _, entry in entries])
    patterns["places_prefilter"] = PatternSet([pattern.pattern for _, _, pattern in patterns["places"]])
    patterns["rights_prefilter"] = PatternSet([pattern.pattern for _, pattern in patterns["rights"]])  # named_right's
    return patterns


@lru_cache(maxsize=256)
def sentence_lexicon(sentence: str) -> dict:
    """The compiled phrases of lexicon_patterns(), the phrase lists cut to the entries that may occur in the sentence.

    One Hyperscan pass over the sentence (tasks/common/prefilter.py) tells which
    entries may match; every scope of a metric is cut from its sentence, so the
    others cannot match there either.
    """
    p = lexicon_patterns()
    cut: dict[str, list] = {kind: [] for kind in FILTERED}
    for i in p["prefilter"].candidates(sentence):  # in list order, so each list keeps its order
        kind, entry = p["entries"][i]
        cut[kind].append(entry)
    present = {word for word, _ in cut["part_words"]}
    words = rules().indicators["partial"]
    parts = {kind: _phrases_of(tuple(w for w in words[key] if w in present))  # the words of a part it may hold
             for kind, key in (("partial", "words"), ("sub_kinds", "sub_kinds"))}
    return p | cut | parts


@lru_cache(maxsize=1024)  # sentences name the same few
def _phrases_of(words: tuple[str, ...]) -> re.Pattern | None:
    """phrase_pattern of some words, None for none."""
    return phrase_pattern(list(words)) if words else None


def _blanked(sentence: str, m: Metric, metrics: list[Metric]) -> str:
    """The sentence with the other metrics' numbers and noun phrases replaced by spaces."""
    pieces, pos = [], 0
    for start, end in sorted((o.q.start, max(o.q.end, o.noun_end)) for o in metrics if o is not m):
        start = max(start, pos)
        if end > start:
            pieces += [sentence[pos:start], " " * (end - start)]
            pos = end
    return "".join(pieces) + sentence[pos:]


def scopes(sentence: str, m: Metric, metrics: list[Metric]) -> tuple[Scope, Scope]:
    """(clause, sentence) scopes of a metric."""
    p = sentence_lexicon(sentence)
    blanked = _blanked(sentence, m, metrics)
    c_start, c_end = clause_bounds(sentence, m.q.start, m.q.end)
    noun_end = max(m.q.end, m.noun_end)
    since_previous = max([max(o.q.end, o.noun_end) for o in metrics if o is not m and o.q.end <= m.q.start], default=0)
    own = blanked[max(c_start, since_previous, m.q.start - p["before_chars"]):m.q.start]
    ranked = ranks(sentence, m)
    clause = Scope(noun=m.noun, before=blanked[max(c_start, m.q.start - p["before_chars"]):m.q.start],
                   after=blanked[noun_end:min(c_end, noun_end + p["after_chars"])], own=own, ranked=ranked, lex=p)
    whole = Scope(noun=m.noun, before=blanked[:m.q.start], after=blanked[noun_end:], own=own, ranked=ranked, lex=p)
    return clause, whole


def ranks(sentence: str, m: Metric) -> bool:
    """True when the words right after a figure rank it ("香港22件居次", "台积电以1,485件拿下第一")."""
    return bool(lexicon_patterns()["ranked_start"].match(sentence, m.q.end))


def nearest(named: list[tuple[str, re.Pattern]], scope: Scope) -> str | None:
    """The name whose phrase is nearest the number: in the noun phrase, else before the number, else after."""
    for text, from_end in ((scope.noun, False), (scope.before, True), (scope.after, False)):
        best: tuple[str, int] | None = None
        for name, pattern in named:
            found = [m.start() for m in pattern.finditer(text)]
            if found:
                where = found[-1] if from_end else found[0]
                if best is None or (where > best[1] if from_end else where < best[1]):
                    best = (name, where)
        if best:
            return best[0]
    return None


def first_listed(named: list[tuple[str, re.Pattern]], text: str) -> str | None:
    """The first name of the list whose phrase occurs in the text."""
    return next((name for name, pattern in named if pattern.search(text)), None)
