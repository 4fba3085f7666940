"""Find numbers with their scale and unit in clean text, and compute their value.

Arabic numbers (with thousands separators), Chinese numerals (cn2an),
English number words (text2num) and ordinal words; scale words (million,
万, 亿, 万亿 ...), currencies, percent, and the other units of
tasks/lexicon/numbers.toml. This module only reads numbers; whether one is a
statistic is decided in tasks/extract.py.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import cn2an
from text_to_num import text2num

from tasks.rules import alternation, rules

CN_NUMERAL_CHARS = "零〇一二三四五六七八九十百千万亿两壹贰叁肆伍陆柒捌玖拾佰仟"
CN_DIGIT_CHARS = "零〇一二三四五六七八九十两壹贰叁肆伍陆柒捌玖拾"


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
    ordinals = alternation(n["ordinal_words"])
    core = (
        r"(?P<ar>(?<![\d.])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,]\d)|(?<![\d.,])\d+(?:\.\d+)?)"
        rf"|(?P<cn>[{CN_NUMERAL_CHARS}]+(?:点[零〇一二三四五六七八九]+)?)"
        rf"|(?P<en>\b(?:{words})(?:[- ](?:and[- ])?(?:{words}|one|thousand|million|billion))*\b)"
        rf"|(?P<ord>\b(?:{ordinals})\b)"
    )
    latin_units = {**n["currency_suffix"], **n["unit_suffix"]}
    unit_alt = alternation(list(latin_units) + [w for w in n["measure_words"]])
    return {
        "core": re.compile(core, re.I),
        "scale": re.compile(rf"^\s?(?P<scale>{alternation(n['scales'])})(?![a-z])", re.I),
        "more": re.compile(r"^\s?(?P<more>多|余)"),
        "unit": re.compile(rf"^\s?(?P<unit>{unit_alt})(?![a-z])", re.I),
        "prefix_currency": re.compile(rf"(?P<cur>{alternation(n['currency_prefix'])})\s?$", re.I),
        "percent_prefix": re.compile(re.escape(n["percent_prefix"]) + r"$"),
        "unit_map": {k.lower(): v for k, v in latin_units.items()},
        "measure_words": set(n["measure_words"]),
        "scales": {k.lower(): v for k, v in n["scales"].items()},
        "prefix_map": {k.lower(): v for k, v in n["currency_prefix"].items()},
        "ordinals": {k.lower(): v for k, v in n["ordinal_words"].items()},
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


def parse_words(token: str) -> float | None:
    """Value of English number words (text2num), None if they are not a number."""
    try:
        return float(text2num(token.lower().replace("-", " "), "en"))
    except ValueError:
        return None


def _core_value(m: re.Match) -> tuple[str, float | None]:
    """(kind, value) of a core number match."""
    if m["ar"]:
        return "arabic", parse_arabic(m["ar"])
    if m["cn"]:
        return "chinese", parse_chinese(m["cn"])
    if m["en"]:
        return "words", parse_words(m["en"])
    return "ordinal", float(_patterns()["ordinals"][m["ord"].lower()])


def _unit_of(token: str) -> str:
    """Unit code of a unit token."""
    p = _patterns()
    if token in p["measure_words"]:
        return "count"
    return p["unit_map"][token.lower()]


def find_quantities(text: str) -> list[Quantity]:
    """Every number in `text` with its scale, unit and value (no statistic filtering)."""
    p = _patterns()
    found = []
    for m in p["core"].finditer(text):
        kind, number = _core_value(m)
        if number is None:
            continue
        end = m.end()
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
        unit, unit_token = "count", ""
        if unit_match:
            unit_token = unit_match["unit"]
            unit = _unit_of(unit_token)
            end += unit_match.end()
        start = m.start()
        prefix = p["prefix_currency"].search(text[max(0, start - 6):start])
        if prefix and unit == "count" and kind in ("arabic", "words"):
            unit, unit_token = p["prefix_map"][prefix["cur"].lower()], prefix["cur"]
            start -= len(prefix.group())
        elif p["percent_prefix"].search(text[max(0, start - 3):start]) and unit == "count":
            unit, unit_token = "percent", "百分之"
            start -= 3
        value = number if unit in ("percent", "percent_point") else number * scale_value
        found.append(
            Quantity(
                start=start, end=end, core_start=m.start(), core_end=m.end(),
                surface=text[start:end].strip(), kind=kind, number=number, value=value,
                unit=unit, unit_token=unit_token, suffix_more=bool(more),
            )
        )
    return found


def normalise_number_text(text: str) -> str:
    """NFKC text as the extractor sees it (full-width digits and signs folded)."""
    return unicodedata.normalize("NFKC", text)
