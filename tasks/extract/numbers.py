"""Find numbers with their scale and unit in clean text, and compute their value.

Arabic numbers (with thousands separators), Chinese numerals (cn2an), Arabic
digits mixed with Chinese scale characters (3万4000, 200亿零四千230, read by
cn2an's smart mode), English number words (text2num) and ordinal words; scale
words (million, 万, 亿, 万亿 ...), currencies, percent (%, 百分之, 千分之,
万分之, 成 tenths), and the other units of tasks/lexicon/numbers.toml, where
the numeral characters and patterns live too. This module only reads numbers;
whether one is a statistic is decided in tasks/extract/statistics.py.
tests/test_peer_suites.py runs other parsers' test cases against it.
"""
from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import lru_cache

import cn2an
from text_to_num import text2num

from tasks.common.rules import alternation, fold_case, rules
from tasks.common.values import scaled


# The letters of Latin words (with re.I, ı, İ, ſ and the Kelvin sign match Latin letters too).
LATIN_LETTERS = string.ascii_letters + "\u0130\u0131\u017f\u212a"


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
    """Compiled number, scale and unit patterns, the Chinese numeral characters and the prefix windows."""
    n = rules().numbers
    windows = rules().context["windows"]
    numeral_chars, decimal_chars = n["numeral_chars"], n["decimal_chars"]
    # Financial digits run straight into common digits, or the last character of a word (大陆), start no numeral.
    word_tails = "|".join(f"(?<={re.escape(w[:-1])}){re.escape(w[-1])}" for w in n["words_ending_in_numerals"])
    not_word_tail = f"(?![{n['financial_digits']}]+[{n['common_digits']}]|{word_tails})"
    words = alternation(n["number_words"])
    scale_words = alternation(n["number_scale_words"])
    after_one = alternation(n["number_scale_words"] + [w for w in n["scales"] if w.isascii()])
    ordinals = alternation(n["ordinal_words"])
    tens = alternation(n["ordinal_tens"])
    unit_ordinals = alternation([w for w, v in n["ordinal_words"].items() if v < 10])
    plain = (
        r"(?P<ar>(?<![\d.])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,]\d)|(?<![\d.])\d+(?:\.\d+)?)"
        rf"|(?P<cn>{not_word_tail}[{numeral_chars}]+(?:{n['decimal_point']}[{decimal_chars}]+)?)"
        rf"|(?P<ordc>\b(?P<tens>{tens})-(?P<unit_ord>{unit_ordinals})\b)"
        rf"|(?P<en>\b(?:(?:one|a)(?=[- ](?:{after_one})\b)|{words})"
        rf"(?:[- ](?:and[- ])?(?:{words}|one|{scale_words}))*\b)"
        rf"|(?P<ord>\b(?:{ordinals})\b)"
    )
    core = rf"(?P<mix>{n['mixed']})|{plain}"
    first_words = {fold_case(w) for w in [*n["number_words"], *n["ordinal_words"], *n["ordinal_tens"], "one", "a"]}
    # A word can fold into a number word only when its first letter folds into the start of one.
    starts = "".join(sorted({c for c in LATIN_LETTERS if any(w.startswith(fold_case(c)) for w in first_words)}))
    latin_units = {**n["currency_suffix"], **n["unit_suffix"]}
    unit_alt = alternation(list(latin_units) + [w for w in n["measure_words"]])
    return {
        # Where a number can start: a digit, a Chinese numeral character or a Latin word whose first letter
        # may start a number word (a number is never read from inside a word: its readings start at \b).
        "number_start": re.compile(rf"[\d{numeral_chars}]|(?P<word>(?<![{LATIN_LETTERS}])[{starts}][{LATIN_LETTERS}]*)"),
        "digit_chars": frozenset(n["digit_chars"]),
        "run_into_per": re.compile(n["run_into_per"]),
        "core": re.compile(core, re.I),
        "first_words": first_words,
        "core_plain": re.compile(plain, re.I),
        # The scale, more, unit, tenths and letter-scale patterns are matched where the number ends (match(text, pos)).
        "scale": re.compile(rf"\s?(?P<scale>{alternation(n['scales'])})(?![a-z])", re.I),
        "more": re.compile(rf"\s?(?P<more>{alternation(n['more_suffixes'])})"),
        "tenths_max": n["tenths_max"],
        "hundred_percent": (n["hundred_percent"]["prefix"], n["hundred_percent"]["numeral"]),
        "lowercase_only": set(n["lowercase_only_units"]),
        "unit": re.compile(rf"\s?(?P<unit>{unit_alt})(?![a-z])", re.I),
        "tenths": re.compile(rf"\s?{re.escape(n['tenths'])}(?!{alternation(n['tenths_not_before'])})"),
        "prefix_currency": re.compile(rf"(?P<cur>{alternation(n['currency_prefix'])})\s?$", re.I),
        "letter_scale": re.compile(rf"(?P<scale>{alternation(n['currency_letter_scales'])})(?![a-z])", re.I),
        "percent_prefix": re.compile(
            rf"(?<![{numeral_chars}\d])(?P<prefix>{alternation(n['percent_prefixes'])})\s?$"),
        "percent_factor": dict(n["percent_prefixes"]),
        "unit_map": {k.lower(): v for k, v in latin_units.items()},
        "measure_words": set(n["measure_words"]),
        "scales": {k.lower(): v for k, v in n["scales"].items()},
        "letter_scales": {k.lower(): v for k, v in n["currency_letter_scales"].items()},
        "prefix_map": {k.lower(): v for k, v in n["currency_prefix"].items()},
        "ordinals": {k.lower(): v for k, v in n["ordinal_words"].items()},
        "tens": {k.lower(): v for k, v in n["ordinal_tens"].items()},
        "currency_prefix_chars": windows["currency_prefix_chars"],
        "percent_prefix_chars": windows["percent_prefix_chars"],
    }


def parse_arabic(token: str) -> float:
    """Value of an Arabic number with optional thousands separators."""
    return float(token.replace(",", ""))


@lru_cache(maxsize=4096)  # the same numerals come back: cn2an and text2num are slow
def parse_chinese(token: str) -> float | None:
    """Value of a Chinese numeral (cn2an, smart mode), None if it is not one."""
    if not any(ch in _patterns()["digit_chars"] for ch in token):
        return None
    try:
        return float(cn2an.cn2an(token, "smart"))
    except (ValueError, KeyError, IndexError):
        return None


@lru_cache(maxsize=4096)  # the same numerals come back: cn2an and text2num are slow
def parse_mixed(token: str) -> float | None:
    """Value of Arabic digits mixed with Chinese numerals (3万4000, 9万7,411), None if cn2an refuses it."""
    try:
        return float(cn2an.cn2an(token.replace(",", ""), "smart"))
    except (ValueError, KeyError, IndexError):
        return None


@lru_cache(maxsize=4096)  # the same numerals come back: cn2an and text2num are slow
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
    if _mixed(m):
        return "arabic", m["mix"], parse_mixed(m["mix"])
    if m["ar"]:
        return "arabic", m["ar"], parse_arabic(m["ar"])
    if m["cn"]:
        token = m["cn"]
        value = parse_chinese(token)
        if value is None and len(token) > 1 and p["run_into_per"].match(m.string, m.end() - 1):
            token = token[:-1]
            value = parse_chinese(token)
        return "chinese", token, value
    if m["ordc"]:
        return "ordinal", m["ordc"], float(p["tens"][m["tens"].lower()] + p["ordinals"][m["unit_ord"].lower()])
    if m["en"]:
        token = m["en"]
        value = parse_words(token)
        if value is None and " and " in token:  # two numbers joined ("growing by eight and seven"): the first
            token = token.split(" and ")[0]
            value = parse_words(token)
        return "words", token, value
    return "ordinal", m["ord"], float(p["ordinals"][m["ord"].lower()])


def _mixed(m: re.Match) -> str | None:
    """The mixed reading of a core number match (3万4000), None when it has none (core_plain has no such group)."""
    return m["mix"] if "mix" in m.re.groupindex else None


def _match_without_mixed(text: str, pos: int) -> re.Match:
    """The core match at `pos` when the mixed reading was refused."""
    m = _patterns()["core_plain"].match(text, pos)
    assert m is not None  # a mixed number starts with (?<![\d.])\d+, which core_plain's Arabic reading matches
    return m


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
    first_words, core = p["first_words"], p["core"]
    for start in p["number_start"].finditer(text, pos):
        # An ASCII word folds to its lower case (fold_case changes no ASCII letter but by case).
        if (word := start["word"]) and (word.lower() if word.isascii() else fold_case(word)) not in first_words:
            continue
        if m := core.match(text, start.start()):
            return m
    return None


def find_quantities(text: str) -> list[Quantity]:
    """Every number in `text` with its scale, unit and value (no statistic filtering)."""
    p = _patterns()
    found = []
    pos = 0
    while (m := _next_core(text, pos)) is not None:
        kind, token, number = _core_value(m)
        if number is None and _mixed(m):
            m = _match_without_mixed(text, m.start())
            kind, token, number = _core_value(m)
        core_start, core_end = m.start(), m.start() + len(token)
        pos = core_end if kind == "words" else m.end()  # the second of two joined number words is read next
        per_prefix, hundred = p["hundred_percent"]
        if number is None and token == hundred and text[max(0, core_start - len(per_prefix)):core_start] == per_prefix:
            number = 100.0  # 百分之百: one hundred percent
        if number is None:
            continue
        end = core_end
        more = p["more"].match(text, end)
        end = more.end() if more else end
        scale_value = 1.0
        scale = p["scale"].match(text, end) if kind != "ordinal" else None
        if scale:
            scale_value = p["scales"][scale["scale"].lower()]
            end = scale.end()
            if not more:
                more = p["more"].match(text, end)
                end = more.end() if more else end
        unit_match = p["unit"].match(text, end)
        if kind == "ordinal" and unit_match and _unit_of(unit_match["unit"]) != "streak":
            unit_match = None  # an ordinal takes no unit but a streak's ("the third consecutive year")
        if unit_match and unit_match["unit"].lower() in p["lowercase_only"] and unit_match["unit"] != unit_match["unit"].lower():
            unit_match = None  # "35 pct" is a percentage, "58,990 PCT applications" is not
        unit, unit_token, factor = "count", "", 1.0
        if unit_match:
            unit_token = unit_match["unit"]
            unit = _unit_of(unit_token)
            end = unit_match.end()
        elif kind in ("arabic", "chinese") and not scale and number <= p["tenths_max"] and \
                (tenths := p["tenths"].match(text, end)):
            unit, unit_token, factor = "percent", tenths.group().strip(), 10.0
            end = tenths.end()
        start = core_start
        prefix = p["prefix_currency"].search(text, max(0, start - p["currency_prefix_chars"]), start)
        percent_prefix = p["percent_prefix"].search(text, max(0, start - p["percent_prefix_chars"]), start)
        if prefix and unit == "count" and kind != "ordinal":
            unit, unit_token = p["prefix_map"][prefix["cur"].lower()], prefix["cur"]
            start = prefix.start()
            letter = p["letter_scale"].match(text, end) if not scale else None
            if letter:
                scale_value = p["letter_scales"][letter["scale"].lower()]
                end = letter.end()
        elif percent_prefix and unit == "count" and kind != "ordinal":
            unit, unit_token = "percent", percent_prefix["prefix"]
            factor = p["percent_factor"][unit_token]
            start = percent_prefix.start()
        pos = max(pos, end)  # a scale or unit read with this number is not read again ("3 hundred")
        found.append(
            Quantity(
                start=start, end=end, core_start=core_start, core_end=core_end,
                surface=text[start:end].strip(), kind=kind, number=number,
                value=scaled(number, scale_value * factor),
                unit=unit, unit_token=unit_token, suffix_more=bool(more),
            )
        )
    return found
