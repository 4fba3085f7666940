"""The dimensions of an indicator's figure: whose filings (origin), where (area), and whether it is all of it (partial)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from tasks.common.rules import indicator_codes
from tasks.extract.indicators.scope import Identity, Place, Scope, lexicon_patterns, nearest

if TYPE_CHECKING:
    from tasks.extract.statistics import Metric


def is_partial(indicator: str, scope: Scope) -> bool:
    """True when the words name a part (enterprises, a field, a programme) that is not in the indicator's own name."""
    if not scope.lex["part_words"]:
        return False  # every scope is cut from the sentence, which holds no word of a part
    row = indicator_codes()[indicator]
    own_name = f"{row['name_en']} {row['name_zh']}".lower()
    text = scope.text()
    partial, sub_kinds = scope.lex["partial"], scope.lex["sub_kinds"]  # None when the sentence holds none of them
    return (partial is not None and any(m.group().lower().rstrip("s'") not in own_name for m in partial.finditer(text))) \
        or (sub_kinds is not None and bool(sub_kinds.search(text)))


def _names_places(noun: str) -> bool:
    """True when the counted noun is places (countries, provinces): their names are what is counted, not an area."""
    return bool(lexicon_patterns()["place_nouns"].search(noun))


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


def origin_of_china(indicator: str | None, m: Metric, clause: Scope, partial: bool | None, area: str | None) -> str | None:
    """'domestic' for a whole international filing figure of China's: China's rank, or a figure whose clause names
    China as who files (not as the office that receives)."""
    p, rule = clause.lex, clause.lex["origin_of_the_area"]
    if not indicator or partial is not False or area or not indicator.startswith(tuple(rule["codes"])):
        return None
    text = clause.text()
    if m.role == "rank" or (p["china_words"].search(text) and not p["received_words"].search(text)):
        return "domestic"
    return None


def counts_the_world(indicator: str | None, sentence: str, origin: str | None, area: str | None,
                      partial: bool | None, lex: dict) -> bool:
    """True for a whole international filing figure of no area or origin whose sentence names neither China nor an
    office of China's: the world's filings ("Madrid System ... rose 5.7% to 64,400"), which no code counts."""
    if not indicator or partial is not False or origin or area \
            or not indicator.startswith(tuple(lex["origin_of_the_area"]["codes"])):
        return False
    return not any(lex[words].search(sentence) for words in ("china_words", "received_words", "office_words"))


def source_origin(m: Metric, metrics: list[Metric]) -> str | None:
    """The origin of the figure of the same sentence a borrowed indicator comes from, when that figure names no area."""
    before = [o.identity for o in metrics if o.q.end <= m.q.start and o.identity.indicator]
    return before[-1].origin if before and before[-1].area is None else None


def framed_as_part(indicator: str, sentence: str, lex: dict) -> bool:
    """True when the sentence opens by naming a part ("企业方面,", "Among companies,")."""
    frame = lex["frame"].match(sentence)
    return bool(frame and is_partial(indicator, Scope("", frame.group(), "", lex=lex)))


def frame_origin(sentence: str, lex: dict) -> str | None:
    """The origin the group a sentence opens by naming is of ("在前20大本国申请人中,": domestic), else None."""
    frame = lex["frame"].match(sentence)
    return nearest(lex["origins"], Scope("", frame.group(), "", lex=lex)) if frame else None


def source_is_part(m: Metric, metrics: list[Metric], topic: Identity | None) -> bool:
    """True when the figure a borrowed indicator comes from (the last one before in the sentence, else `topic`) is a part."""
    before = [o.identity for o in metrics if o.q.end <= m.q.start and o.identity.indicator]
    source = before[-1] if before else topic
    return bool(source and source.part)


def origin_of_the_area(indicator: str | None, area: str | None, partial: bool | None, lex: dict) -> str | None:
    """'domestic' for a whole international filing figure of another country: its residents' filings."""
    rule = lex["origin_of_the_area"]
    if (indicator and partial is False and area and not area.startswith("CN-") and area not in rule["except_areas"]
            and indicator.startswith(tuple(rule["codes"]))):
        return "domestic"
    return None


def office_named(scope: Scope) -> str | None:
    """The area of the IP office a figure's clause names (areas.toml [offices]; "" for a regional one), else None."""
    return next((code for code, pattern in scope.lex["offices"] if pattern.search(scope.text())), None)


def names_abroad(text: str, office: str, lex: dict) -> bool:
    """True when words name a place other than the office's own (a country, mainland China): applicants from abroad."""
    return bool(lex["china_words"].search(text)) or any(code != office and pattern.search(text) for code, pattern in lex["areas"])


def document_office(text: str) -> str | None:
    """The area of the one foreign IP office a document's opening names (a TIPO release: "TW"), else None."""
    p = lexicon_patterns()
    opening = text[:p["office_opening_chars"]]
    named = {code for code, pattern in p["offices"] if pattern.search(opening)}
    return named.pop() if len(named) == 1 and "" not in named and not p["china_office"].search(opening) else None


def document_place(text: str) -> Place | None:
    """The province or city a local office's release is about, else None (areas.toml [local]).

    The text's start must speak of its place as a whole (全省, 全市) at least min_mentions times, and its opening name one
    place of that level: one province for 全省; one city of [cities], or one province-level city, for 全市.
    """
    p = lexicon_patterns()
    opening = text[:p["office_opening_chars"]]
    named = [p["places"][i] for i in p["places_prefilter"].candidates(opening)]  # (one pass over the opening)
    provinces = {code for kind, code, pattern in named if kind == "province" and pattern.search(opening)}
    cities = {(code, found.group()) for kind, code, pattern in named if kind == "city" for found in pattern.finditer(opening)}
    if not provinces and not cities:
        return None
    start = text[:p["local_chars"]]
    mentions = {level: len(pattern.findall(start)) for level, pattern in p["local_words"].items()}
    level = max(mentions, key=mentions.__getitem__)
    if mentions[level] < p["local_min_mentions"]:
        return None
    if level == "city":
        provinces &= p["municipalities"]
        if cities and not provinces:
            return Place(cities.pop()[0], city=True) if len(cities) == 1 else None
    return Place(provinces.pop()) if len(provinces) == 1 else None


def local_figure(place: Place | None, area: str | None, scope: Scope) -> bool:
    """True when a figure of a local release is its place's: it names no area of its own, nor the whole country
    ("全国平均水平(11.8件)")."""
    return place is not None and area is None and not scope.lex["national_words"].search(scope.text())
