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

Modules: scope (the words around a number, Identity), codes (which code the
words name), dimensions (origin, area, partial); this one reads a figure's
identity from them, or from the figure or the text it goes on from.
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from tasks.common.rules import indicator_codes
from tasks.extract.indicators.codes import (
    UNITS_OF, codes_of, counts_entities, fits, indicator_of, is_generic, names_a_measure, own_measure_code, respective_code,
    right_code,
)
from tasks.extract.indicators.dimensions import (
    area_of, counts_the_world, document_office, document_place, frame_origin, framed_as_part, is_partial, local_figure,
    names_abroad, office_named, origin_of_china, origin_of_the_area, source_is_part, source_origin,
)
from tasks.extract.indicators.scope import Identity, Place, Scope, first_listed, lexicon_patterns, nearest, ranks, scopes

if TYPE_CHECKING:
    from tasks.extract.statistics import Metric

__all__ = ["Identity", "Place", "document_office", "document_place", "identify", "named_right"]


# Units that measure no indicator: streaks, multiples, durations.
NO_INDICATOR_UNITS = ("year", "multiple", "day")


def identify(sentence: str, m: Metric, metrics: list[Metric], topic: Identity | None = None,
             office: str | None = None, place: Place | None = None) -> Identity:
    """The indicator, origin, area and partial flag of one metric of a sentence.

    The clause is read first; the sentence only when the clause names nothing,
    and then a counted noun (enterprises, countries) must fit the indicator. A
    bare figure that names nothing (a list line "上海市291803件,占10.80%") takes
    `topic`, the identity the text spoke of last, when its unit fits. A figure that
    takes its indicator from another one (borrowed) is a part when that one is,
    unless it names its own area, and has its origin when it names none. In a document that reports a foreign
    office's statistics (`office`, document_office), a figure is that office's, and a country beside it is where
    its applicants come from. In a local office's release (`place`, document_place), a figure that names no place of
    its own is the province's, or a part of the country's for a city, and counts the place's residents' filings.
    """
    m, metrics = _unranked(sentence, m, metrics)
    clause, whole = scopes(sentence, m, metrics)
    p = clause.lex
    start = _start_of_the_change(m, metrics, clause) or _rank_of_the_figure(m, metrics, clause)
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
            or (borrowed and area is None and source_is_part(m, metrics, topic)) \
            or _ranks_a_holder(m, clause) \
            or (area is None and framed_as_part(indicator, sentence, p)) \
            or (indicator in p["whole_only_with"] and not p["whole_only_with"][indicator].search(sentence))
        partial = (m.role == "share" and row["kind"] != "ratio" and area is None) or part
    named_office = office_named(clause)
    if named_office == "" and indicator:
        return Identity()  # a regional office's figure: no area code, no indicator (like a world total)
    abroad = False
    if named_office:
        area = named_office
    elif office and indicator and not p["china_office"].search(clause.text()):  # (China's office's figures are China's)
        abroad, area = area not in (None, office) or names_abroad(clause.own, office, p), office
        if abroad:
            partial = part = True  # the filings of one country's (or a few countries') applicants at the office
    local = not named_office and not office and local_figure(place, area, clause)
    if local:
        assert place is not None  # local_figure is False without a place
        if not place.city:
            area = place.province
        elif indicator:
            partial = part = True  # a city's figure: a part of the country's
            if p["local_words"]["province"].search(clause.text()):
                area = place.province  # the city's share of its province's total ("占全省总量的70.61%")
    origin = nearest(p["origins"], clause) or (nearest(p["origins"], whole) if used is whole else None) \
        or (frame_origin(sentence, p) if indicator else None)
    origin = origin or ("foreign" if abroad else None) or origin_of_the_area(indicator, area, partial, p) \
        or origin_of_china(indicator, m, clause, partial, area)
    if borrowed and origin is None and area is None:
        origin = source_origin(m, metrics)
    if local and origin == "domestic":
        origin = None  # a place's figures are its residents' filings: 国内 is all of them
    if not inherited and counts_the_world(indicator, sentence, origin, area, partial, p):
        return Identity(part=part, world_of=indicator)
    return Identity(indicator, origin, area, partial, inherited, part)


def _unranked(sentence: str, m: Metric, metrics: list[Metric]) -> tuple[Metric, list[Metric]]:
    """The figure (and its sentence's figures) without its noun phrase when the words after the number rank it
    ("香港22件居次", "台积电以1,485件拿下第一"): they name nothing counted."""
    if not m.noun or not ranks(sentence, m):
        return m, metrics
    bare = replace(m, noun="", noun_end=m.q.end)
    return bare, [bare if o is m else o for o in metrics]


def _start_of_the_change(m: Metric, metrics: list[Metric], clause: Scope) -> Identity | None:
    """The identity of X when the figure is Y of "from X to Y" (由X增加到Y), else None."""
    before = [o for o in metrics if o.q.end <= m.q.start and o.unit == m.unit]
    if before and m.role == before[-1].role and clause.lex["from_to"].match(clause.own):
        return replace(before[-1].identity, inherited=True)
    return None


def _rank_of_the_figure(m: Metric, metrics: list[Metric], clause: Scope) -> Identity | None:
    """The identity of the figure a rank follows right after ("日本以三一五〇件居首": Japan's filings' rank), else None."""
    before = [o for o in metrics if o.q.end <= m.q.start]
    if m.role != "rank" or not before or before[-1].role == "rank" or clause.own.strip() or not before[-1].identity.indicator:
        return None
    return replace(before[-1].identity, inherited=True)


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
        if indicator and m.unit == "count" and m.role != "rank" and m.noun.strip() and not fits(indicator, m, clause.lex):
            indicator = None
        if indicator:  # the sentence names it; the figure's own words may name which measure of it ("其中出口额")
            indicator = own_measure_code(indicator, m, clause) or indicator
        if indicator is not None:
            return indicator or None, whole, False, False
        indicator = _right_with_spoken_measure(m, clause, metrics, topic)
        if indicator is not None:
            return indicator, clause, False, False
        indicator = _inherited(m, clause, metrics, topic)
        return indicator, clause, indicator is not None, indicator is not None
    return indicator or None, clause, False, False


def _own_or_clause_code(clause: Scope, m: Metric, sentence: str) -> str | None:
    """The indicator the figure's own words name (since the figure before it, with its noun phrase), else its clause's
    ("复审结案3.1万件、无效宣告结案0.5万件": the second figure is the invalidations). The words after a figure without a
    noun phrase that start the next item of a list ("地理标志保护产品11个、地理标志商标13件") are not its own."""
    after = "" if not m.noun.strip() and clause.lex["next_item"].match(clause.after) else clause.after
    own = indicator_of(Scope(m.noun, clause.own, after, own=clause.own, lex=clause.lex), m, sentence)
    return own if own is not None else indicator_of(clause, m, sentence)


def _right_with_spoken_measure(m: Metric, clause: Scope, metrics: list[Metric], topic: Identity | None) -> str | None:
    """The kind of a right a count's own words name, without a measure, with the measure of another kind's indicator
    spoken of before ("新型专利1万4,000件" after invention patent applications: utility model applications), else None.
    """
    p = clause.lex
    spoken = _spoken_of(m, metrics) or (topic.indicator if topic else None)
    own = f"{clause.own} {m.noun}"
    right = first_listed(p["rights"], own)
    if m.unit != "count" or spoken is None or right is None or is_generic(right) or names_a_measure(own, p) \
            or counts_entities(m, clause):
        return None
    measure = spoken.rsplit(".", 1)[1]
    code = right_code(right, measure, m, p) if measure in p["measure_names"] else None
    return code if code and code != spoken and m.unit in UNITS_OF[indicator_codes()[code]["unit"]] else None


def _is_bare(m: Metric, clause: Scope) -> bool:
    """True when a figure's own words name nothing of its own: no noun phrase but a filing word ("applications"), no
    measure word of holders or places, and before it in its clause only a place, an origin, punctuation and a few
    fillers ("上海市291803件", "占10.80%", "国内申请人提交4.22万件", "Japan (52,660 applications)")."""
    p = clause.lex
    if (m.noun.strip() and not names_a_measure(m.noun, p)) or p["entity_measure_words"].fullmatch(m.q.unit_token):
        return False
    own = clause.own
    for _, pattern in p["areas"] + p["origins"]:
        own = pattern.sub(" ", own)
    return not p["content_word"].search(p["bare_fillers"].sub(" ", own))


def _is_ranked_entry(m: Metric, clause: Scope) -> bool:
    """True when a figure is an entry of a ranking: "Samsung Electronics (2,334)", "美国以59056件居次", "美国一八五二件次之",
    a name and its figure in a list in ranked order ("依序为日本东京威力二一七件、南韩三星电子一九七件")."""
    p = clause.lex
    if p["entity_measure_words"].fullmatch(m.q.unit_token):
        return False
    return bool((p["entry_before"].search(clause.before) and p["entry_after"].match(clause.after))
                or (p["ranked_before"].search(clause.before) and p["ranked_after"].search(f"{m.noun} {clause.after}"))
                or clause.ranked or (not m.noun.strip() and p["ranked_list"].search(clause.before)))


def _ranks_a_holder(m: Metric, clause: Scope) -> bool:
    """True when an entry of a ranking names more than a place, and no right: a company or a university
    ("三星电子以4387件居次")."""
    if not _is_ranked_entry(m, clause):
        return False
    p = clause.lex
    own = p["ranked_before"].sub(" ", p["entry_before"].sub(" ", p["entry_name_start"].sub("", clause.own)))
    if first_listed(p["rights"], own) or names_a_measure(own, p):
        return False
    for _, pattern in p["areas"] + p["origins"] + [("", p["china_words"]), ("", p["ranked_list"])]:
        own = pattern.sub(" ", own)
    return bool(p["content_word"].search(p["bare_fillers"].sub(" ", own)))


def named_right(sentence: str) -> Identity | None:
    """What a sentence without figures speaks of when it names an IP right ("Integrated circuit layout designs also
    drew more interest."): the right, for later figures that name their own measure; None when it names none."""
    p = lexicon_patterns()
    opening = sentence[:p["topic_right_chars"]]
    right = first_listed([p["rights"][i] for i in p["rights_prefilter"].candidates(opening)], opening)
    return Identity(codes_of(right)[0], partial=False, right_only=True) if right else None


def _follows_an_item_without_one(m: Metric, metrics: list[Metric]) -> bool:
    """True for a rank when the figure before it in its sentence is a rank without an indicator: an entry of the
    same ranking ("台积电(排名12)、瑞昱(28)": a list of another's), which takes none from the text before either."""
    before = [o for o in metrics if o.q.end <= m.q.start]
    return m.unit == "rank" and bool(before) and before[-1].unit == "rank" and not before[-1].identity.indicator


def _spoken_of(m: Metric, metrics: list[Metric]) -> str | None:
    """The indicator of the last figure before this one in its sentence ("the United States, which filed 57,840")."""
    before = [o.identity.indicator for o in metrics if o.q.end <= m.q.start and o.identity.indicator]
    return before[-1] if before else None


def _inherited(m: Metric, clause: Scope, metrics: list[Metric], topic: Identity | None) -> str | None:
    """The indicator spoken of before a figure that names nothing else: the last figure's of its sentence, else `topic`.

    A bare figure or an entry of a ranking takes either; one whose noun phrase is a filing word or a noun of the
    indicator ("1,667 cases were closed") too; one that has no noun phrase but other words before it only the
    sentence's. One whose words name a measure of its own takes the indicator's right with that measure (the
    only way to take a right named by a sentence without figures). A rank right after a rank without an
    indicator takes none from `topic`.
    """
    p = clause.lex
    if counts_entities(m, clause):
        return None
    same = _spoken_of(m, metrics)
    noun = m.noun.strip()
    for indicator in (same, topic.indicator if topic else None):
        if not indicator or m.unit not in UNITS_OF[indicator_codes()[indicator]["unit"]]:
            continue
        measured = own_measure_code(indicator, m, clause)
        if measured:
            return measured
        if indicator != same:
            assert topic is not None  # an indicator other than `same` is the topic's
            if topic.right_only or _follows_an_item_without_one(m, metrics):
                continue
        if _is_bare(m, clause) or _is_ranked_entry(m, clause) or (indicator == same and not noun) \
                or (noun and fits(indicator, m, p)):
            return indicator
    return None
