"""What a metric measures: an indicator code of indicators.csv, whose filings it counts, where, and whether it is partial.

The words that count are looked for in two rings around the number: its
clause (the counted noun phrase, the words before the number, a few words
after the noun phrase), then, when the clause names no indicator, the whole
sentence. Other metrics' numbers and noun phrases are blanked out first, so a
list gives each number its own words; a list distributed by "respectively" / 分别
gives each figure the right in its position. tasks/lexicon/indicators.toml holds the
phrases, areas.toml the places and indicators.csv the closed code list. A
figure with an indicator that covers all of it (partial false) takes the
indicator's category (SCHEMA.md).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING

from tasks.common.prefilter import PatternSet
from tasks.common.rules import any_of, indicator_codes, rules
from tasks.extract.segment import clause_bounds

if TYPE_CHECKING:
    from tasks.extract.statistics import Metric

# Metric units a code of each indicators.csv unit can take (a share, growth rate or rank of it too).
UNITS_OF = {
    "count": ("count", "percent", "rank"),
    "CNY": ("CNY", "USD", "EUR", "percent"),
    "CNY or USD": ("CNY", "USD", "percent"),
    "percent": ("percent",),
    "month": ("month", "percent"),
    "point": ("point", "percent"),
    "rank": ("rank",),
}
# The phrase lists cut to the entries that may occur in a sentence (the others are read whole).
FILTERED = ("phrases", "rights", "measures", "origins", "areas", "part_words")
# The entity nouns end the words before a count: only this many last characters are searched (the longest
# noun of [counted] entity_nouns, "universities", has 12).
ENTITY_NOUN_CHARS = 24
# Units that measure no indicator: streaks, multiples, durations.
NO_INDICATOR_UNITS = ("year", "multiple", "day")


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
class Scope:
    """Words around a number: the counted noun phrase, the words before the number, the words after the noun phrase."""

    noun: str
    before: str
    after: str
    own: str = ""  # the words before the number since the previous metric's noun phrase ("、外观设计专利" in a list)
    lex: dict = field(default_factory=dict, repr=False, compare=False)  # the phrases that may occur in the sentence

    def text(self) -> str:
        """Every word of the scope, as one text."""
        return f"{self.before} | {self.noun} | {self.after}"


def _words(words: list[str]) -> re.Pattern:
    """A case-insensitive regex of a phrase list."""
    return any_of([f"(?i){w}" for w in words])


@lru_cache(maxsize=None)
def _patterns() -> dict:
    """Compiled indicator, origin, area and partial phrases."""
    lex, areas = rules().indicators, rules().areas
    patterns = {
        "phrases": [(p["code"] or None, _words(p["words"]), tuple(p["units"]),
                     _words(p["nouns"]) if "nouns" in p else None,
                     _words(p["sentence_words"]) if "sentence_words" in p else None)
                    for p in lex["phrase"]],
        "rights": [(right, _words(words)) for right, words in lex["rights"].items()],
        "measures": [(measure, _words(words)) for measure, words in lex["measures"].items()],
        "measure_pairs": lex["measure_pairs"],
        "measure_names": frozenset(lex["measures"]),
        "origins": [(origin, _words(words)) for origin, words in lex["origins"].items()],
        "areas": [(code, _words(words)) for table in ("provinces", "countries") for code, words in areas[table].items()],
        "partial": _words(lex["partial"]["words"]),
        "sub_kinds": _words(lex["partial"]["sub_kinds"]),
        # each word of a part alone, for the prefilter: a sentence holding none names no part
        "part_words": [(word, _words([word])) for word in lex["partial"]["words"] + lex["partial"]["sub_kinds"]],
        "whole_only_with": {code: _words(words) for code, words in lex["partial"]["whole_only_with"].items()},
        "frame": _words(lex["partial"]["frame"]),
        "origin_of_the_area": lex["origin_of_the_area"],
        "china_words": _words(lex["origin_of_the_area"]["china_words"]),
        "received_words": _words(lex["origin_of_the_area"]["received_words"]),
        "office_words": _words(lex["origin_of_the_area"]["office_words"]),
        "place_nouns": _words(areas["place_nouns"]),
        "entity_measure_words": _words(lex["counted"]["entity_measure_words"]),
        "bare_fillers": _words(lex["counted"]["bare_fillers"]),
        "head_fillers": re.compile(f"(?:{lex['counted']['head_fillers']})$"),
        "entity_nouns": re.compile(f"(?:{_words(lex['counted']['entity_nouns']).pattern})$"),
        "entity_noun": _words(lex["counted"]["entity_nouns"]),
        "content_word": re.compile(lex["counted"]["content_word"]),
        "entry_before": re.compile(lex["counted"]["entry_before"]),
        "entry_after": re.compile(lex["counted"]["entry_after"]),
        "ranked_before": re.compile(lex["counted"]["ranked_before"]),
        "ranked_after": re.compile(lex["counted"]["ranked_after"]),
        "entry_name_start": re.compile(lex["counted"]["entry_name_start"]),
        "from_to": re.compile(lex["counted"]["from_to"]),
        "respectively": _words(lex["respectively"]["words"]),
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
    return patterns


@lru_cache(maxsize=256)
def _lexicon(sentence: str) -> dict:
    """The compiled phrases of _patterns(), the phrase lists cut to the entries that may occur in the sentence.

    One Hyperscan pass over the sentence (tasks/common/prefilter.py) tells which
    entries may match; every scope of a metric is cut from its sentence, so the
    others cannot match there either.
    """
    p = _patterns()
    cut: dict[str, list] = {kind: [] for kind in FILTERED}
    for i in p["prefilter"].candidates(sentence):  # in list order, so each list keeps its order
        kind, entry = p["entries"][i]
        cut[kind].append(entry)
    return p | cut


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
    p = _lexicon(sentence)
    blanked = _blanked(sentence, m, metrics)
    c_start, c_end = clause_bounds(sentence, m.q.start, m.q.end)
    noun_end = max(m.q.end, m.noun_end)
    since_previous = max([max(o.q.end, o.noun_end) for o in metrics if o is not m and o.q.end <= m.q.start], default=0)
    own = blanked[max(c_start, since_previous, m.q.start - p["before_chars"]):m.q.start]
    clause = Scope(noun=m.noun, before=blanked[max(c_start, m.q.start - p["before_chars"]):m.q.start],
                   after=blanked[noun_end:min(c_end, noun_end + p["after_chars"])], own=own, lex=p)
    whole = Scope(noun=m.noun, before=blanked[:m.q.start], after=blanked[noun_end:], own=own, lex=p)
    return clause, whole


def _nearest(named: list[tuple[str, re.Pattern]], scope: Scope) -> str | None:
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


def _first_listed(named: list[tuple[str, re.Pattern]], text: str) -> str | None:
    """The first name of the list whose phrase occurs in the text."""
    return next((name for name, pattern in named if pattern.search(text)), None)


def phrase_code(scope: Scope, m: Metric, sentence: str, nearest: bool) -> str | None:
    """A code named by a whole phrase ('' in the lexicon: a phrase no code counts), when the metric's unit and noun fit it.

    The first entry of the lexicon that fits wins, or with `nearest` the one whose
    phrase stands nearest before the number (a sentence names several things).
    """
    text = scope.text()
    # What is counted: the noun after the number (without one, its measure word, or the thing "the number of" names
    # before it: "the number of pledge projects was 3,086"), or for a share or rank the words before it.
    counted = (scope.noun.strip() or _number_of(scope) or m.q.unit_token) if m.unit == "count" else scope.before
    entities = counts_entities(m, scope)
    fitting = []
    for code, words, units, nouns, sentence_words in scope.lex["phrases"]:
        if (m.unit in units and (nouns.search(counted) if nouns is not None else not entities)
                and (sentence_words is None or sentence_words.search(sentence))):
            found = [f.end() for f in words.finditer(text)]
            if found:
                if not nearest:
                    return code or ""
                fitting.append((max(e for e in found if e <= len(scope.before)) if min(found) <= len(scope.before)
                                else -min(found), code or ""))
    return max(fitting, key=lambda f: f[0])[1] if fitting else None


def _number_of(scope: Scope) -> str | None:
    """X of "the number of X was" in the words before the number, else None."""
    found = scope.lex["number_of"].search(scope.own)
    return found.group(1) if found else None


def right_measure_code(scope: Scope, m: Metric) -> str | None:
    """`<right>.<measure>` from the right the words name and what is counted of it, when the code list has it."""
    p = scope.lex
    if m.unit not in UNITS_OF["count"] or counts_entities(m, scope):
        return None
    noun_right = _first_listed(p["rights"], scope.noun)
    if m.unit == "count" and scope.noun.strip() and noun_right is None and not _names_a_measure(scope.noun, p):
        return None  # the noun names what is counted, and it is neither a right nor a filing ("5,729 enterprises")
    right = noun_right or _first_listed(p["rights"], scope.own) or _first_listed(p["rights"], scope.before) \
        or _first_listed(p["rights"], scope.after)
    if right is None:
        return None
    specific = _first_listed(p["rights"], scope.text()) if _is_generic(right) else None
    if specific and specific.split(".")[0] == right.split(".")[0]:
        right = specific  # "international patent applications received ... under the Patent Cooperation Treaty"
    measure = _first_listed(p["measures"], f"{scope.own} {scope.noun}") or _first_listed(p["measures"], scope.text())
    return _right_code(right, measure, m, p)


def _is_generic(right: str) -> bool:
    """True for a right that covers its kinds ("patent.all", "trademark"), not one kind ("patent.pct")."""
    return "." not in right or right.endswith(".all")


@lru_cache(maxsize=None)
def codes_of(right: str) -> tuple[str, ...]:
    """The codes of indicators.csv under a right ("ic_layout" -> ic_layout.applications, ic_layout.registrations)."""
    return tuple(c for c in indicator_codes() if c.startswith(right + "."))


def _right_code(right: str, measure: str | None, m: Metric, lex: dict) -> str | None:
    """`<right>.<measure>` when the code list has it (or the measure's pair); the right's only code; a stock's in_force."""
    codes = codes_of(right)
    if len(codes) == 1:
        return codes[0]
    if measure is None and m.period and m.period.startswith("@"):
        measure = "in_force"  # a stock of a right: the rights in force
    for candidate in (measure, lex["measure_pairs"].get(measure or "")):
        if candidate and f"{right}.{candidate}" in indicator_codes():
            return f"{right}.{candidate}"
    return None


def _figure_list(sentence: str, m: Metric, metrics: list[Metric], lex: dict) -> list[Metric]:
    """The figures of the unit of `m` listed together with it ("24.8万件、59.9万件和32.9万件"), in order."""
    run: list[Metric] = []
    for o in sorted((o for o in metrics if o.unit == m.unit), key=lambda o: o.q.start):
        if run and not lex["figure_gap"].fullmatch(sentence[max(run[-1].q.end, run[-1].noun_end):o.q.start]):
            if m in run:
                break
            run = []
        run.append(o)
    return run if m in run else [m]


def respective_code(sentence: str, m: Metric, metrics: list[Metric], lex: dict) -> str | None:
    """The code of the right in the position of `m` in a list distributed by "respectively" / 分别, else None.

    "发明专利、实用新型专利、外观设计专利授权量分别为24.8万件、59.9万件和32.9万件": the second
    figure takes the second right. The list is the last items before the first figure; each must name
    a different right.
    """
    run = _figure_list(sentence, m, metrics, lex)
    first, last = run[0], run[-1]
    head = sentence[:first.q.start]
    if len(run) < 2 or not (lex["respectively"].search(head[-lex["respectively_before_chars"]:])
                            or lex["respectively"].search(sentence, last.q.end, last.q.end + lex["respectively_after_chars"])):
        return None
    items = [i for i in lex["item_separator"].split(head) if i.strip()][-len(run):]
    rights = [_first_listed(lex["rights"], item) for item in items]
    if len(items) != len(run) or None in rights or len(set(rights)) != len(rights):
        return None
    k = run.index(m)
    measure = _first_listed(lex["measures"], items[k]) or _first_listed(lex["measures"], items[-1])
    return _right_code(rights[k], measure, m, lex)


def indicator_of(scope: Scope, m: Metric, sentence: str, nearest: bool = False) -> str | None:
    """The indicator the words of one scope name ('' when they name something no code counts)."""
    code = phrase_code(scope, m, sentence, nearest)
    if code is None:
        code = right_measure_code(scope, m)
    if code and m.unit not in UNITS_OF[indicator_codes()[code]["unit"]]:
        return ""
    return code


def is_partial(indicator: str, scope: Scope) -> bool:
    """True when the words name a part (enterprises, a field, a programme) that is not in the indicator's own name."""
    if not scope.lex["part_words"]:
        return False  # every scope is cut from the sentence, which holds no word of a part
    row = indicator_codes()[indicator]
    own_name = f"{row['name_en']} {row['name_zh']}".lower()
    text = scope.text()
    return any(m.group().lower().rstrip("s'") not in own_name for m in scope.lex["partial"].finditer(text)) \
        or bool(scope.lex["sub_kinds"].search(text))


def _names_places(noun: str) -> bool:
    """True when the counted noun is places (countries, provinces): their names are what is counted, not an area."""
    return bool(_patterns()["place_nouns"].search(noun))


def area_of(scope: Scope, m: Metric) -> str | None:
    """The one area the words since the previous figure name, else the one the words before the number or the noun
    phrase name; None for several (a region) or counted places."""
    if _names_places(scope.noun):
        return None
    own = {code for code, pattern in scope.lex["areas"] if pattern.search(scope.own)}
    if len(own) == 1:
        return own.pop()  # a list names each place before its figure: "Germany (19,353) and Korea (19,085)"
    named = {code for code, pattern in scope.lex["areas"] if pattern.search(scope.before) or pattern.search(scope.noun)}
    if len(named) != 1:
        return None
    return named.pop()


def identify(sentence: str, m: Metric, metrics: list[Metric], topic: Identity | None = None) -> Identity:
    """The indicator, origin, area and partial flag of one metric of a sentence.

    The clause is read first; the sentence only when the clause names nothing,
    and then a counted noun (enterprises, countries) must fit the indicator. A
    bare figure that names nothing (a list line "上海市291803件,占10.80%") takes
    `topic`, the identity the text spoke of last, when its unit fits. A figure that
    takes its indicator from another one (borrowed) is a part when that one is,
    unless it names its own area, and has its origin when it names none.
    """
    clause, whole = scopes(sentence, m, metrics)
    p = clause.lex
    start = _start_of_the_change(m, metrics, clause)
    if start is not None:
        return start
    indicator, used, inherited, borrowed = _find_indicator(sentence, m, metrics, topic, clause, whole)
    # A share names its place with the level before it ("上海市291803件,占10.80%"), and the first figure of a
    # sentence with its subject ("Guangdong remained the largest source, with 23,676 applications").
    first = not any(o.q.end <= m.q.start for o in metrics)
    area = area_of(clause, m) or (area_of(Scope(m.noun, whole.before, "", lex=p), m)
                                  if m.role == "share" or first else None)
    partial, part = None, False
    if indicator:
        row = indicator_codes()[indicator]
        part = is_partial(indicator, clause) \
            or (used is whole and is_partial(indicator, Scope(m.noun, whole.before, "", lex=p))) \
            or (borrowed and area is None and _source_is_part(m, metrics, topic)) \
            or (borrowed and _ranks_a_holder(m, clause)) \
            or (area is None and _framed_as_part(indicator, sentence, p)) \
            or (indicator in p["whole_only_with"] and not p["whole_only_with"][indicator].search(sentence))
        partial = (m.role == "share" and row["kind"] != "ratio" and area is None) or part
    origin = _nearest(p["origins"], clause) or (_nearest(p["origins"], whole) if used is whole else None)
    origin = origin or _origin_of_the_area(indicator, area, partial, p) \
        or _origin_of_china(indicator, m, clause, partial, area)
    if borrowed and origin is None and area is None:
        origin = _source_origin(m, metrics)
    if not inherited and _counts_the_world(indicator, sentence, origin, area, partial, p):
        return Identity(part=part, world_of=indicator)
    return Identity(indicator, origin, area, partial, inherited, part)


def _start_of_the_change(m: Metric, metrics: list[Metric], clause: Scope) -> Identity | None:
    """The identity of X when the figure is Y of "from X to Y" (由X增加到Y), else None."""
    before = [o for o in metrics if o.q.end <= m.q.start and o.unit == m.unit]
    if before and m.role == before[-1].role and clause.lex["from_to"].match(clause.own):
        return replace(before[-1].identity, inherited=True)
    return None


def _find_indicator(sentence: str, m: Metric, metrics: list[Metric], topic: Identity | None, clause: Scope,
                    whole: Scope) -> tuple[str | None, Scope, bool, bool]:
    """(indicator, the scope that named it, inherited from the text before, borrowed from another figure)."""
    if m.unit in NO_INDICATOR_UNITS:
        return None, clause, False, False
    indicator = respective_code(sentence, m, metrics, clause.lex) or _own_or_clause_code(clause, m, sentence)
    if indicator is None and m.unit == "percent":
        # A share or rate that names nothing in its clause is about the figure before it
        # ("815,000 abnormal applications ..., with a withdrawal rate of more than 90%").
        before = [o for o in metrics if o.q.end <= m.q.start and o.identity.indicator]
        if before:
            return before[-1].identity.indicator, clause, False, True
    if indicator is None:
        indicator = indicator_of(whole, m, sentence, nearest=True)
        if indicator and m.unit == "count" and m.role != "rank" and m.noun.strip() and not _fits(indicator, m, clause.lex):
            indicator = None
        if indicator:  # the sentence names it; the figure's own words may name which measure of it ("其中出口额")
            indicator = _own_measure_code(indicator, m, clause) or indicator
        if indicator is not None:
            return indicator or None, whole, False, False
        indicator = _inherited(m, clause, metrics, topic)
        return indicator, clause, indicator is not None, indicator is not None
    return indicator or None, clause, False, False


def _own_or_clause_code(clause: Scope, m: Metric, sentence: str) -> str | None:
    """The indicator the figure's own words name (since the figure before it, with its noun phrase), else its clause's
    ("复审结案3.1万件、无效宣告结案0.5万件": the second figure is the invalidations)."""
    own = indicator_of(Scope(m.noun, clause.own, clause.after, own=clause.own, lex=clause.lex), m, sentence)
    return own if own is not None else indicator_of(clause, m, sentence)


def _origin_of_china(indicator: str | None, m: Metric, clause: Scope, partial: bool | None, area: str | None) -> str | None:
    """'domestic' for a whole international filing figure of China's: China's rank, or a figure whose clause names
    China as who files (not as the office that receives)."""
    p, rule = clause.lex, clause.lex["origin_of_the_area"]
    if not indicator or partial is not False or area or not indicator.startswith(tuple(rule["codes"])):
        return None
    text = clause.text()
    if m.role == "rank" or (p["china_words"].search(text) and not p["received_words"].search(text)):
        return "domestic"
    return None


def _counts_the_world(indicator: str | None, sentence: str, origin: str | None, area: str | None,
                      partial: bool | None, lex: dict) -> bool:
    """True for a whole international filing figure of no area or origin whose sentence names neither China nor an
    office of China's: the world's filings ("Madrid System ... rose 5.7% to 64,400"), which no code counts."""
    if not indicator or partial is not False or origin or area \
            or not indicator.startswith(tuple(lex["origin_of_the_area"]["codes"])):
        return False
    return not any(lex[words].search(sentence) for words in ("china_words", "received_words", "office_words"))


def _source_origin(m: Metric, metrics: list[Metric]) -> str | None:
    """The origin of the figure of the same sentence a borrowed indicator comes from, when that figure names no area."""
    before = [o.identity for o in metrics if o.q.end <= m.q.start and o.identity.indicator]
    return before[-1].origin if before and before[-1].area is None else None


def _framed_as_part(indicator: str, sentence: str, lex: dict) -> bool:
    """True when the sentence opens by naming a part ("企业方面,", "Among companies,")."""
    frame = lex["frame"].match(sentence)
    return bool(frame and is_partial(indicator, Scope("", frame.group(), "", lex=lex)))


def _source_is_part(m: Metric, metrics: list[Metric], topic: Identity | None) -> bool:
    """True when the figure a borrowed indicator comes from (the last one before in the sentence, else `topic`) is a part."""
    before = [o.identity for o in metrics if o.q.end <= m.q.start and o.identity.indicator]
    source = before[-1] if before else topic
    return bool(source and source.part)


def _origin_of_the_area(indicator: str | None, area: str | None, partial: bool | None, lex: dict) -> str | None:
    """'domestic' for a whole international filing figure of another country: its residents' filings."""
    rule = lex["origin_of_the_area"]
    if (indicator and partial is False and area and not area.startswith("CN-") and area not in rule["except_areas"]
            and indicator.startswith(tuple(rule["codes"]))):
        return "domestic"
    return None


def counts_entities(m: Metric, scope: Scope) -> bool:
    """True when a count counts holders, places or projects, not rights: by its measure word ("32.5万家"), or by the
    noun that ends the words right before it ("建成国家地理标志产品保护示范区24个")."""
    p = scope.lex
    if m.unit != "count":
        return False
    if p["entity_measure_words"].fullmatch(m.q.unit_token):
        return True
    if scope.noun.strip():
        return False
    head = p["head_fillers"].sub("", scope.own.rstrip()[-2 * ENTITY_NOUN_CHARS:])
    return bool(p["entity_nouns"].search(head[-ENTITY_NOUN_CHARS:]))


def _names_a_measure(noun: str, lex: dict) -> bool:
    """True when a noun phrase names what is counted of a right (applications, grants, registrations) but not the right."""
    return any(pattern.search(noun) for _, pattern in lex["measures"])


def _is_bare(m: Metric, clause: Scope) -> bool:
    """True when a figure's own words name nothing of its own: no noun phrase but a filing word ("applications"), no
    measure word of holders or places, and before it in its clause only a place, an origin, punctuation and a few
    fillers ("上海市291803件", "占10.80%", "国内申请人提交4.22万件", "Japan (52,660 applications)")."""
    p = clause.lex
    if (m.noun.strip() and not _names_a_measure(m.noun, p)) or p["entity_measure_words"].fullmatch(m.q.unit_token):
        return False
    own = clause.own
    for _, pattern in p["areas"] + p["origins"]:
        own = pattern.sub(" ", own)
    return not p["content_word"].search(p["bare_fillers"].sub(" ", own))


def _is_ranked_entry(m: Metric, clause: Scope) -> bool:
    """True when a figure is an entry of a ranking: "Samsung Electronics (2,334)", "美国以59056件居次"."""
    p = clause.lex
    if p["entity_measure_words"].fullmatch(m.q.unit_token):
        return False
    return bool((p["entry_before"].search(clause.before) and p["entry_after"].match(clause.after))
                or (p["ranked_before"].search(clause.before) and p["ranked_after"].search(f"{m.noun} {clause.after}")))


def _ranks_a_holder(m: Metric, clause: Scope) -> bool:
    """True when an entry of a ranking names more than a place: a company or a university ("三星电子以4387件居次")."""
    if not _is_ranked_entry(m, clause):
        return False
    p = clause.lex
    own = p["ranked_before"].sub(" ", p["entry_before"].sub(" ", p["entry_name_start"].sub("", clause.own)))
    for _, pattern in p["areas"] + p["origins"]:
        own = pattern.sub(" ", own)
    return bool(p["content_word"].search(p["bare_fillers"].sub(" ", own)))


def named_right(sentence: str) -> Identity | None:
    """What a sentence without figures speaks of when it names an IP right ("Integrated circuit layout designs also
    drew more interest."): the right, for later figures that name their own measure; None when it names none."""
    p = _patterns()
    opening = sentence[:p["topic_right_chars"]]
    entries = [p["entries"][i] for i in p["prefilter"].candidates(opening)]
    right = _first_listed([entry for kind, entry in entries if kind == "rights"], opening)
    return Identity(codes_of(right)[0], partial=False, right_only=True) if right else None


def _spoken_of(m: Metric, metrics: list[Metric]) -> str | None:
    """The indicator of the last figure before this one in its sentence ("the United States, which filed 57,840")."""
    before = [o.identity.indicator for o in metrics if o.q.end <= m.q.start and o.identity.indicator]
    return before[-1] if before else None


def _inherited(m: Metric, clause: Scope, metrics: list[Metric], topic: Identity | None) -> str | None:
    """The indicator spoken of before a figure that names nothing else: the last figure's of its sentence, else `topic`.

    A bare figure or an entry of a ranking takes either; one whose noun phrase is a filing word or a noun of the
    indicator ("1,667 cases were closed") too; one that has no noun phrase but other words before it only the
    sentence's. One whose words name a measure of its own takes the indicator's right with that measure (the
    only way to take a right named by a sentence without figures).
    """
    p = clause.lex
    if counts_entities(m, clause):
        return None
    same = _spoken_of(m, metrics)
    noun = m.noun.strip()
    for indicator in (same, topic.indicator if topic else None):
        if not indicator or m.unit not in UNITS_OF[indicator_codes()[indicator]["unit"]]:
            continue
        measured = _own_measure_code(indicator, m, clause)
        if measured:
            return measured
        if indicator != same and topic.right_only:
            continue
        if _is_bare(m, clause) or _is_ranked_entry(m, clause) or (indicator == same and not noun) \
                or (noun and _fits(indicator, m, p)):
            return indicator
    return None


def _own_measure_code(indicator: str, m: Metric, clause: Scope) -> str | None:
    """The code of the right of the indicator spoken of with the measure the figure's own words name, when they name
    no right and no holders ("累计登记申请7.4万件,累计发证5.7万件" after a sentence on layout designs)."""
    p = clause.lex
    own = Scope(m.noun, clause.own, clause.after, lex=p)
    if p["entity_noun"].search(m.noun) or _first_listed(p["rights"], own.text()):
        return None
    measure = _nearest(p["measures"], own)
    rights = [r for r, _ in _patterns()["rights"]  # all of them: the right need not be named in this sentence
              if indicator.startswith(r + ".") and indicator[len(r) + 1:] in p["measure_names"]]
    if measure is None or not rights:
        return None
    code = _right_code(max(rights, key=len), measure, m, p)
    return code if code and m.unit in UNITS_OF[indicator_codes()[code]["unit"]] else None


def _fits(indicator: str, m: Metric, lex: dict) -> bool:
    """True when a counted noun is a noun of the indicator, or a filing word ("applications") that names no holders."""
    return _counts_the_right(indicator, m, lex) or (_names_a_measure(m.noun, lex) and not lex["entity_noun"].search(m.noun))


def _counts_the_right(indicator: str, m: Metric, lex: dict) -> bool:
    """True when a counted noun fits an indicator found in the sentence: a phrase's nouns, or the right itself."""
    for code, _, _, nouns, _ in lex["phrases"]:
        if code == indicator and nouns is not None:
            return bool(nouns.search(m.noun))
    return any(pattern.search(m.noun) for right, pattern in lex["rights"] if indicator.startswith(right + "."))
