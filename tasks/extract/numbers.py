"""Find numbers with their scale and unit in clean text, and compute their value.

Arabic numbers (with thousands separators), Chinese numerals (cn2an), Arabic
digits mixed with Chinese scale characters (3万4000, 200亿零四千230, read by
cn2an's smart mode), English number words (text2num) and ordinal words; scale
words (million, 万, 亿, 万亿 ...), currencies, percent (%, 百分之, 千分之,
万分之, 成 tenths), and the other units of tasks/lexicon/numbers.toml. This
module only reads numbers; whether one is a statistic is decided in
tasks/extract.py. tests/test_peer_suites.py runs other parsers' test cases
against it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import cn2an
from text_to_num import text2num

from tasks.common.rules import alternation, fold_case, rules

CN_NUMERAL_CHARS = "零〇一二三四五六七八九十百千万亿两廿壹贰叁肆伍陆柒捌玖拾佰仟"
CN_DIGIT_CHARS = "零〇一二三四五六七八九十两廿壹贰叁肆伍陆柒捌玖拾"
# Digits allowed after 点 (the decimal point of a Chinese numeral).
CN_DECIMAL_CHARS = "零〇一二三四五六七八九壹贰叁肆伍陆柒捌玖"
# A Chinese numeral run into 百分点 / 百分之 / 千分之 (三十百分点, 七十百分位) is
# read without its last character when cn2an refuses it whole.
CN_RUN_INTO_PER = re.compile("[百千万]分")
# Arabic digits mixed with Chinese scale characters, read whole by cn2an: an
# integer, a scale, then parts that are integers or Chinese numerals with a
# scale character (3万4000, 5万4千6百, 1千零20, 100万三千, 200亿零四千230).
MIXED = (
    r"(?<![\d.])\d+[百千万亿]+"
    r"(?:零?(?:\d+(?![\d年月日]|[.,]\d)|[〇一二三四五六七八九两]+[十百千][〇一二三四五六七八九两十百千]*)[百千万亿]*)+"
)

# Where a number can start: a digit, a Chinese numeral character or a Latin word
# (with re.I, ı, İ, ſ and the Kelvin sign match Latin letters too).
NUMBER_START = re.compile(rf"[\d{CN_NUMERAL_CHARS}]|(?P<word>[A-Za-z\u0130\u0131\u017f\u212a]+)")


@dataclass(frozen=True)
class Quantity:
    """A number as written, with scale and unit, and its value in base units."""

    start: int
    end: int
    core_start: int
    core_end: int
    surface: str
    kind: str  # arabic | chinese | words | ordinal
    number: float
    value: float
    unit: str  # count, CNY, USD, EUR, percent, percent_point, month, day, point, multiple, streak
    unit_token: str
    suffix_more: bool  # 多 / 余 after the number: "80多个", "10余万"


@lru_cache(maxsize=None)
def _patterns() -> dict:
    """Compiled number, scale and unit patterns."""
    n = rules().numbers
    words = alternation(n["number_words"])
    scale_words = alternation(n["number_scale_words"])
    after_one = alternation(n["number_scale_words"] + [w for w in n["scales"] if w.isascii()])
    ordinals = alternation(n["ordinal_words"])
    tens = alternation(n["ordinal_tens"])
    unit_ordinals = alternation([w for w, v in n["ordinal_words"].items() if v < 10])
    plain = (
        r"(?P<ar>(?<![\d.])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,]\d)|(?<![\d.])\d+(?:\.\d+)?)"
        rf"|(?P<cn>[{CN_NUMERAL_CHARS}]+(?:点[{CN_DECIMAL_CHARS}]+)?)"
        rf"|(?P<ordc>\b(?P<tens>{tens})-(?P<unit_ord>{unit_ordinals})\b)"
        rf"|(?P<en>\b(?:(?:one|a)(?=[- ](?:{after_one})\b)|{words})"
        rf"(?:[- ](?:and[- ])?(?:{words}|one|{scale_words}))*\b)"
        rf"|(?P<ord>\b(?:{ordinals})\b)"
    )
    core = rf"(?P<mix>{MIXED})|{plain}"
    latin_units = {**n["currency_suffix"], **n["unit_suffix"]}
    unit_alt = alternation(list(latin_units) + [w for w in n["measure_words"]])
    return {
        "core": re.compile(core, re.I),
        "first_words": {fold_case(w) for w in [*n["number_words"], *n["ordinal_words"], *n["ordinal_tens"], "one", "a"]},
        "core_plain": re.compile(plain, re.I),
        "scale": re.compile(rf"^\s?(?P<scale>{alternation(n['scales'])})(?![a-z])", re.I),
        "more": re.compile(r"^\s?(?P<more>多|余)"),
        "lowercase_only": set(n.get("lowercase_only_units", [])),
        "unit": re.compile(rf"^\s?(?P<unit>{unit_alt})(?![a-z])", re.I),
        "tenths": re.compile(rf"^\s?{re.escape(n['tenths'])}(?!{alternation(n['tenths_not_before'])})"),
        "prefix_currency": re.compile(rf"(?P<cur>{alternation(n['currency_prefix'])})\s?$", re.I),
        "letter_scale": re.compile(rf"^(?P<scale>{alternation(n['currency_letter_scales'])})(?![a-z])", re.I),
        "percent_prefix": re.compile(
            rf"(?<![{CN_NUMERAL_CHARS}\d])(?P<prefix>{alternation(n['percent_prefixes'])})\s?$"),
        "percent_factor": dict(n["percent_prefixes"]),
        "unit_map": {k.lower(): v for k, v in latin_units.items()},
        "measure_words": set(n["measure_words"]),
        "scales": {k.lower(): v for k, v in n["scales"].items()},
        "letter_scales": {k.lower(): v for k, v in n["currency_letter_scales"].items()},
        "prefix_map": {k.lower(): v for k, v in n["currency_prefix"].items()},
        "ordinals": {k.lower(): v for k, v in n["ordinal_words"].items()},
        "tens": {k.lower(): v for k, v in n["ordinal_tens"].items()},
    }


def parse_arabic(token: str) -> float:
    """Value of an Arabic number with optional thousands separators."""
    return float(token.replace(",", ""))


def parse_chinese(token: str) -> float | None:
    """Value of a Chinese numeral (cn2an, smart mode), None if it is not one."""
    if not any(ch in CN_DIGIT_CHARS for ch in token):
        return None
    try:
        return float(cn2an.cn2an(token, "smart"))
    except (ValueError, KeyError, IndexError):
        return None


def parse_mixed(token: str) -> float | None:
    """Value of Arabic digits mixed with Chinese numerals (3万4000), None if cn2an refuses it."""
    try:
        return float(cn2an.cn2an(token, "smart"))
    except (ValueError, KeyError, IndexError):
        return None


def parse_words(token: str) -> float | None:
    """Value of English number words (text2num), None if they are not a number."""
    words = re.sub(r"^a\b", "one", token.lower().replace("-", " "))
    try:
        return float(text2num(words, "en"))
    except ValueError:
        return None


def _core_value(m: re.Match) -> tuple[str, str, float | None]:
    """(kind, token, value) of a core number match; the token is the part that was read."""
    p = _patterns()
    if m.groupdict().get("mix"):
        return "arabic", m["mix"], parse_mixed(m["mix"])
    if m["ar"]:
        return "arabic", m["ar"], parse_arabic(m["ar"])
    if m["cn"]:
        token = m["cn"]
        value = parse_chinese(token)
        if value is None and len(token) > 1 and CN_RUN_INTO_PER.match(m.string, m.end() - 1):
            token = token[:-1]
            value = parse_chinese(token)
        return "chinese", token, value
    if m["ordc"]:
        return "ordinal", m["ordc"], float(p["tens"][m["tens"].lower()] + p["ordinals"][m["unit_ord"].lower()])
    if m["en"]:
        return "words", m["en"], parse_words(m["en"])
    return "ordinal", m["ord"], float(p["ordinals"][m["ord"].lower()])


def _match_without_mixed(text: str, pos: int) -> re.Match | None:
    """The core match at `pos` when the mixed reading was refused."""
    return _patterns()["core_plain"].match(text, pos)


def _unit_of(token: str) -> str:
    """Unit code of a unit token."""
    p = _patterns()
    if token in p["measure_words"]:
        return "count"
    return p["unit_map"][token.lower()]


def _next_core(text: str, pos: int) -> re.Match | None:
    """The first core-number match at or after `pos`, as `core.search` finds it.

    The core regex is tried only where a number can start: at digits, Chinese
    numerals and Latin words that are number words (every English reading
    starts with one), which is several times faster than a regex scan.
    """
    p = _patterns()
    for start in NUMBER_START.finditer(text, pos):
        if start.lastgroup == "word" and fold_case(start.group()) not in p["first_words"]:
            continue
        if m := p["core"].match(text, start.start()):
            return m
    return None


def find_quantities(text: str) -> list[Quantity]:
    """Every number in `text` with its scale, unit and value (no statistic filtering)."""
    p = _patterns()
    found = []
    pos = 0
    while (m := _next_core(text, pos)) is not None:
        kind, token, number = _core_value(m)
        if number is None and m.groupdict().get("mix"):
            m = _match_without_mixed(text, m.start())
            kind, token, number = _core_value(m)
        core_start, core_end = m.start(), m.start() + len(token)
        pos = m.end()
        if number is None and token == "百" and text[max(0, core_start - 3):core_start] == "百分之":
            number = 100.0  # 百分之百: one hundred percent
        if number is None:
            continue
        end = core_end
        more = p["more"].match(text[end:])
        end += more.end() if more else 0
        scale_value = 1.0
        scale = p["scale"].match(text[end:]) if kind != "ordinal" else None
        if scale:
            scale_value = p["scales"][scale["scale"].lower()]
            end += scale.end()
            if not more:
                more = p["more"].match(text[end:])
                end += more.end() if more else 0
        unit_match = p["unit"].match(text[end:]) if kind != "ordinal" else None
        if unit_match and unit_match["unit"].lower() in p["lowercase_only"] and unit_match["unit"] != unit_match["unit"].lower():
            unit_match = None  # "35 pct" is a percentage, "58,990 PCT applications" is not
        unit, unit_token, factor = "count", "", 1.0
        if unit_match:
            unit_token = unit_match["unit"]
            unit = _unit_of(unit_token)
            end += unit_match.end()
        elif kind in ("arabic", "chinese") and not scale and number <= 10 and \
                (tenths := p["tenths"].match(text[end:])):
            unit, unit_token, factor = "percent", tenths.group().strip(), 10.0
            end += tenths.end()
        start = core_start
        prefix = p["prefix_currency"].search(text, max(0, start - 6), start)
        percent_prefix = p["percent_prefix"].search(text, max(0, start - 4), start)
        if prefix and unit == "count" and kind != "ordinal":
            unit, unit_token = p["prefix_map"][prefix["cur"].lower()], prefix["cur"]
            start = prefix.start()
            letter = p["letter_scale"].match(text[end:]) if not scale else None
            if letter:
                scale_value = p["letter_scales"][letter["scale"].lower()]
                end += letter.end()
        elif percent_prefix and unit == "count" and kind != "ordinal":
            unit, unit_token = "percent", percent_prefix["prefix"]
            factor = p["percent_factor"][unit_token]
            start = percent_prefix.start()
        pos = max(pos, end)  # a scale or unit read with this number is not read again ("3 hundred")
        found.append(
            Quantity(
                start=start, end=end, core_start=core_start, core_end=core_end,
                surface=text[start:end].strip(), kind=kind, number=number,
                value=number * scale_value * factor,
                unit=unit, unit_token=unit_token, suffix_more=bool(more),
            )
        )
    return found
