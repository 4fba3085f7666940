"""Which indicator code the words of a scope name.

In order: a whole phrase of [[phrase]] (质押融资, Global Innovation Index, ...);
a list distributed by "respectively" / 分别 (the k-th figure, the k-th right);
the right named by [rights] with what is counted of it ([measures]), joined
into `<right>.<measure>` when indicators.csv has that code. Counts of holders,
places or projects name no right.
"""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from tasks.common.rules import indicator_codes
from tasks.extract.indicators.scope import Scope, first_listed, lexicon_patterns, nearest

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


# The entity nouns end the words before a count: only this many last characters are searched (the longest
# noun of [counted] entity_nouns, "universities", has 12).
ENTITY_NOUN_CHARS = 24


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
    noun_right = first_listed(p["rights"], scope.noun)
    if m.unit == "count" and scope.noun.strip() and noun_right is None and not names_a_measure(scope.noun, p):
        return None  # the noun names what is counted, and it is neither a right nor a filing ("5,729 enterprises")
    right = noun_right or first_listed(p["rights"], scope.own) or first_listed(p["rights"], scope.before) \
        or first_listed(p["rights"], scope.after)
    if right is None:
        return None
    specific = first_listed(p["rights"], scope.text()) if is_generic(right) else None
    if specific and specific.split(".")[0] == right.split(".")[0]:
        right = specific  # "international patent applications received ... under the Patent Cooperation Treaty"
    measure = first_listed(p["measures"], f"{scope.own} {scope.noun}") or first_listed(p["measures"], scope.text())
    return right_code(right, measure, m, p)


def is_generic(right: str) -> bool:
    """True for a right that covers its kinds ("patent.all", "trademark"), not one kind ("patent.pct")."""
    return "." not in right or right.endswith(".all")


@lru_cache(maxsize=None)
def codes_of(right: str) -> tuple[str, ...]:
    """The codes of indicators.csv under a right ("ic_layout" -> ic_layout.applications, ic_layout.registrations)."""
    return tuple(c for c in indicator_codes() if c.startswith(right + "."))


def right_code(right: str, measure: str | None, m: Metric, lex: dict) -> str | None:
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
    rights = [first_listed(lex["rights"], item) for item in items]
    if len(items) != len(run) or None in rights or len(set(rights)) != len(rights):
        return None
    k = run.index(m)
    right = rights[k]
    assert right is not None  # None in rights returned above
    measure = first_listed(lex["measures"], items[k]) or first_listed(lex["measures"], items[-1])
    return right_code(right, measure, m, lex)


def indicator_of(scope: Scope, m: Metric, sentence: str, nearest: bool = False) -> str | None:
    """The indicator the words of one scope name ('' when they name something no code counts)."""
    code = phrase_code(scope, m, sentence, nearest)
    if code is None:
        code = right_measure_code(scope, m)
    if code and m.unit not in UNITS_OF[indicator_codes()[code]["unit"]]:
        return ""
    return code


def counts_entities(m: Metric, scope: Scope) -> bool:
    """True when a count counts holders, places or projects, not rights: by its measure word ("32.5万家"), or by the
    noun that ends the words right before it ("建成国家地理标志产品保护示范区24个")."""
    return m.unit == "count" and _counts_entities(m.q.unit_token, bool(scope.noun.strip()), scope.own)


@lru_cache(maxsize=1024)  # asked several times of each figure's words
def _counts_entities(unit_token: str, has_noun: bool, own: str) -> bool:
    """counts_entities of a count by its measure word, whether it has a noun phrase, and its own words."""
    p = lexicon_patterns()
    if p["entity_measure_words"].fullmatch(unit_token):
        return True
    if has_noun:
        return False
    head = p["head_fillers"].sub("", own.rstrip()[-2 * ENTITY_NOUN_CHARS:])
    return bool(p["entity_nouns"].search(head[-ENTITY_NOUN_CHARS:]))


def names_a_measure(noun: str, lex: dict) -> bool:
    """True when a noun phrase names what is counted of a right (applications, grants, registrations) but not the right."""
    return any(pattern.search(noun) for _, pattern in lex["measures"])


def own_measure_code(indicator: str, m: Metric, clause: Scope) -> str | None:
    """The code of the right of the indicator spoken of with the measure the figure's own words name, when they name
    no right and no holders ("累计登记申请7.4万件,累计发证5.7万件" after a sentence on layout designs)."""
    p = clause.lex
    own = Scope(m.noun, clause.own, clause.after, lex=p)
    if p["entity_noun"].search(m.noun) or first_listed(p["rights"], own.text()):
        return None
    measure = nearest(p["measures"], own)
    rights = [r for r, _ in lexicon_patterns()["rights"]  # all of them: the right need not be named in this sentence
              if indicator.startswith(r + ".") and indicator[len(r) + 1:] in p["measure_names"]]
    if measure is None or not rights:
        return None
    code = right_code(max(rights, key=len), measure, m, p)
    return code if code and m.unit in UNITS_OF[indicator_codes()[code]["unit"]] else None


def fits(indicator: str, m: Metric, lex: dict) -> bool:
    """True when a counted noun is a noun of the indicator, or a filing word ("applications") that names no holders."""
    return _counts_the_right(indicator, m, lex) or (names_a_measure(m.noun, lex) and not lex["entity_noun"].search(m.noun))


def _counts_the_right(indicator: str, m: Metric, lex: dict) -> bool:
    """True when a counted noun fits an indicator found in the sentence: a phrase's nouns, or the right itself."""
    for code, _, _, nouns, _ in lex["phrases"]:
        if code == indicator and nouns is not None:
            return bool(nouns.search(m.noun))
    return any(pattern.search(m.noun) for right, pattern in lex["rights"] if indicator.startswith(right + "."))
