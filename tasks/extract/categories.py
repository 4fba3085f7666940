"""The category of a metric: keyword hits in its noun phrase, clause, sentence, paragraph and document (tasks/lexicon/categories.toml)."""
from __future__ import annotations

import re
import string
from bisect import bisect_left
from functools import lru_cache
from re import _constants, _parser  # type: ignore[attr-defined]  # no stub; the parser of the running Python's own `re`
from typing import TYPE_CHECKING

from tasks.common.prefilter import PatternSet
from tasks.common.rules import any_of, rules
from tasks.extract.nouns import LATIN_START
from tasks.extract.segment import Sentence, clause_bounds

if TYPE_CHECKING:
    from collections.abc import Callable

    from tasks.extract.statistics import Metric

# Script classes, not language data: a Han character, a run of Latin letters.
HAN = re.compile(r"[\u4e00-\u9fff]")


LATIN_WORD = re.compile(r"[A-Za-z]+")

# The group of categories.toml no_subject in the keyword regexes (not a category: its hits are dropped).
NO_SUBJECT = "no_subject"

# The groups of categories.toml [filing_systems]: "filing_patent" names the PCT and Hague systems, resolved per
# document to international or to the right filed (resolve_filings).
FILING = "filing_"


@lru_cache(maxsize=None)
def _patterns() -> dict:
    """Compiled keyword patterns, the category priority, the generic categories and nouns, and the topic share."""
    cat = rules().categories
    return {
        "keywords": _keyword_patterns(cat),
        "priority": {c: i for i, c in enumerate(cat["priority"])},
        "generic": frozenset(cat["generic"]),
        "generic_nouns": re.compile(cat["generic_nouns"]),
        "weak_heads": re.compile(cat["weak_heads"]),
        "locative_gap": re.compile(cat["locative_gap"]),
        "institutions": re.compile(cat["institutions"]),
        "document_measure": re.compile(cat["document_measure"]),
        "involving": re.compile(cat["involving"]),
        "topic_min_share": cat["topic_min_share"],
    }


def _keyword_patterns(cat: dict) -> tuple[dict[str, re.Pattern], re.Pattern, PatternSet]:
    """(Latin keyword regexes by first letter, Chinese keyword regex, the set of both scripts).

    Each regex has one named group per category, in priority order, after the
    groups of the names that hide their keywords (no_subject) and of the
    international filing systems (FILING + the right filed). Split by
    script so each scans fast: Latin keywords start at a word start, Chinese
    ones at a character that occurs in some Chinese keyword. A Latin word is
    tried only against the keywords that can start with its first letter (a
    keyword left out cannot match there, so the first that matches is the
    same). The set tells which of the two scripts may match a text at all.
    """
    # Names that hold a keyword without naming its subject ("软件和信息技术服务业") come first: a hit of
    # theirs takes the place of the keywords inside and is then dropped (keyword_hits).
    ordered = [(NO_SUBJECT, cat["no_subject"]), *((FILING + right, words) for right, words in cat["filing_systems"].items()),
               *((c, cat["keywords"][c]) for c in cat["priority"])]

    def alternation(keep: Callable[[str], object]) -> str:
        groups = []
        for c, all_words in ordered:
            words = [w for w in all_words if keep(w)]
            if words:
                groups.append(f"(?P<{c}>{any_of(words).pattern})")
        return "|".join(groups)

    is_cjk = HAN.search
    chars = sorted({ch for _, words in ordered for w in words for ch in w if HAN.match(ch)})
    latin = f"(?i)(?<![A-Za-z])(?:{alternation(lambda w: not is_cjk(w))})"
    chinese = f"(?=[{''.join(chars)}])(?:{alternation(is_cjk)})"
    by_letter = {}
    for letter in string.ascii_lowercase:
        words = alternation(lambda w: not is_cjk(w) and _first_letter(w) in (letter, None))
        if words:
            by_letter[letter] = re.compile(f"(?i)(?<![A-Za-z])(?:{words})", re.M)
    return by_letter, re.compile(chinese, re.M), PatternSet([latin, chinese])


def _first_letter(keyword: str) -> str | None:
    """The lowercase ASCII letter every match of a Latin keyword starts with (after assertions), None when not one."""
    for op, arg in _parser.parse(keyword):
        if op in (_constants.AT, _constants.ASSERT, _constants.ASSERT_NOT):
            continue
        return chr(arg).lower() if op is _constants.LITERAL and chr(arg).isascii() and chr(arg).isalpha() else None
    return None


def keyword_hits(text: str) -> list[tuple[int, int, str]]:
    """(start, end, category) of every category keyword in a text (specific categories win overlaps).

    A name that holds a keyword without naming its subject (categories.toml no_subject) hides the keywords inside it.
    An international filing system is "filing_" and the right it files ("filing_patent"): resolve_filings.
    """
    by_letter, chinese, scripts = _patterns()["keywords"]
    may_match = scripts.candidates(text)
    hits = []
    if 0 in may_match:
        taken_to = 0
        # Latin keywords start at a word start: trying only those is twice as fast as a scan, same matches.
        for word in LATIN_WORD.finditer(text):
            start = word.start()
            if start >= taken_to and (latin := by_letter.get(text[start].lower())) \
                    and (k := latin.match(text, start)) and k.group():
                hits.append((k.start(), k.end(), k.lastgroup))
                taken_to = k.end()
    if 1 in may_match:
        hits += [(k.start(), k.end(), k.lastgroup) for k in chinese.finditer(text) if k.group()]
    return sorted(h for h in hits if h[2] != NO_SUBJECT)


@lru_cache(maxsize=8192)
def phrase_hits(phrase: str) -> list[tuple[int, int, str]]:
    """keyword_hits of a noun phrase (cached: the same phrases come back; callers do not change the list)."""
    return keyword_hits(phrase)


@lru_cache(maxsize=4096)
def head_category(item_head: str, doc_topic: str | None = None) -> str | None:
    """The subject of a paragraph: the first specific keyword of its item's first sentence, else its first right.

    A lead sentence opens with what the paragraph is about ("数据知识产权累计融资增信金额…" is about data IP).
    """
    hits = resolve_filings(keyword_hits(item_head), doc_topic)
    specific = [h for h in hits if h[2] not in _patterns()["generic"]]
    return (specific or hits)[0][2] if hits else None


def resolve_filings(hits: list[tuple[int, int, str]], doc_topic: str | None) -> list[tuple[int, int, str]]:
    """The hits with each international filing system named as a category (categories.toml [filing_systems]).

    In a document about international filings (its topic is international) the system names that
    international context; elsewhere the right filed.
    """
    if not any(c.startswith(FILING) for *_, c in hits):
        return hits
    international = doc_topic == "international"
    return [(s, e, ("international" if international else c[len(FILING):]) if c.startswith(FILING) else c)
            for s, e, c in hits]


def pick_category(hits: list[tuple[int, int, str]], head_final: bool = False) -> str | None:
    """The category a list of keyword hits speaks for, specific subjects first."""
    specific = [h for h in hits if h[2] not in _patterns()["generic"]]
    pool = specific or hits
    if not pool:
        return None
    if head_final:
        return max(pool, key=lambda h: h[1])[2]
    counts: dict[str, int] = {}
    for *_, c in pool:
        counts[c] = counts.get(c, 0) + 1
    return _best(counts)


def _outside(hits: list[tuple[int, int, str]], blanked: list[tuple[int, int]], lo: int = 0, hi: int = 10**9) -> list[str]:
    """Categories of the hits within [lo, hi) that touch no blanked span."""
    return [c for s, e, c in hits if lo <= s and e <= hi and not any(s < be and bs < e for bs, be in blanked)]


def assign_category(sentence: str, m: Metric, metrics: list[Metric], item_head: str,
                    sentence_hits: list[tuple[int, int, str]], doc_topic: str | None = None) -> str:
    """The category of a metric: its noun phrase, its clause, the figure it goes on from, its sentence,
    its paragraph's subject (the item's first sentence), then the document's topic; "other" when none names one.

    The noun phrase is the words after the number and, in Chinese, where the
    head comes last, also the words before it since the previous figure
    ("海外知识产权纠纷应对指导分中心33家"). At the clause and sentence levels the
    numbers and noun phrases of the other metrics are left out, so "13
    enterprises ... 17 countries" does not make the enterprises international.
    """
    p = _patterns()
    generic = p["generic"]
    chinese = not LATIN_START.match(sentence[m.q.end:]) and bool(HAN.search(sentence))
    blanked = [(o.q.start, max(o.q.end, o.noun_end)) for o in metrics if o is not m]
    c_start, c_end = clause_bounds(sentence, m.q.start, m.q.end)
    earlier = [o for o in metrics if o.q.end <= m.q.start]
    counts_documents = bool(p["document_measure"].search(m.q.surface))
    sentence_hits = resolve_filings(sentence_hits, doc_topic)
    if counts_documents:
        sentence_hits = _not_institutions(sentence_hits, sentence)
    found = _phrase_category(m.noun, counts_documents, doc_topic)
    if not found and chinese:
        start = max([c_start, *(max(o.q.end, o.noun_end) for o in earlier)])
        found = _phrase_category(sentence[start:m.q.start], counts_documents, doc_topic)
    if found in generic or not found:
        # "411 copyright pledge registrations, involving 382 contracts and 2,082 works": parts of the figure before
        link = p["involving"].search(sentence, earlier[0].q.end, m.q.start) if earlier else None
        whole = [o for o in earlier if link and o.q.end <= link.start() and o.category not in generic and o.category != "other"]
        if whole:
            return whole[-1].category
    before = _outside(sentence_hits, blanked, 0, c_end if chinese else 10**9)  # Chinese: only what comes before
    clause = _outside(sentence_hits, blanked, c_start, c_end)
    if found is not None and found in generic:
        # "granted 110,000 invention patents to foreign applicants": a subject in the clause beats the generic right
        # In Chinese the words after a figure begin the next one ("驰名商标140件、地理标志商标13件"): only those before count.
        specific = [c for c in (_outside(sentence_hits, blanked, c_start, m.q.start) if chinese else clause) if c not in generic]
        if not specific and chinese:  # Chinese sentences chain clauses: "专利转化运用专项行动全面推进,…完成134.9万件存量专利盘点"
            specific = [c for c in _outside(sentence_hits, blanked, 0, m.q.start) if c not in generic]
        return _best({c: specific.count(c) for c in specific}) or found
    if found:
        return found
    head_word = m.noun if chinese else (m.noun.split() or [""])[-1]
    generic_noun = bool(m.noun) and bool(p["generic_nouns"].match(head_word))
    if earlier and generic_noun:
        gap = sentence[earlier[-1].noun_end:m.q.start]
        if p["locative_gap"].fullmatch(gap):
            return earlier[-1].category
    if not clause and earlier and earlier[-1].category != "other":
        # "298,000 enterprises held valid invention patents, 52,000 more": a figure whose clause names nothing goes on from the one before
        return earlier[-1].category
    return pick_by_levels([clause, before]) or head_category(item_head, doc_topic) or doc_topic or "other"


def _phrase_category(phrase: str, counts_documents: bool, doc_topic: str | None) -> str | None:
    """The category a noun phrase names: its last specific keyword (the head), else its generic right.

    Container words (weak_heads) count only when nothing else is named; an institution
    (institutions) is not what a count of documents (document_measure) counts.
    """
    if not phrase:
        return None
    p = _patterns()
    hits = resolve_filings(phrase_hits(phrase), doc_topic)
    if counts_documents:
        hits = _not_institutions(hits, phrase)
    strong = [h for h in hits if not p["weak_heads"].fullmatch(phrase[h[0]:h[1]])]
    return pick_category([h for h in strong if h[2] not in p["generic"]] and strong or hits, head_final=True)


def _not_institutions(hits: list[tuple[int, int, str]], text: str) -> list[tuple[int, int, str]]:
    """The hits but those of an institution (categories.toml institutions)."""
    institutions = _patterns()["institutions"]
    return [h for h in hits if h[2] != "services" or not institutions.fullmatch(text[h[0]:h[1]])]


def pick_by_levels(levels: list[list[str]]) -> str | None:
    """The category of the narrowest level naming a specific subject; ties go to the wider levels."""
    generic = _patterns()["generic"]
    fallback = None
    tied: set[str] | None = None
    for categories in levels:
        counts: dict[str, int] = {}
        for c in categories:
            if tied is None or c in tied:
                counts[c] = counts.get(c, 0) + 1
        specific = {c: n for c, n in counts.items() if c not in generic}
        if not specific:
            fallback = fallback or _best(counts)
            continue
        top = max(specific.values())
        leaders = {c for c, n in specific.items() if n == top}
        if len(leaders) == 1:
            return leaders.pop()
        tied = leaders
        fallback = _best(specific)
    return fallback


def _best(counts: dict[str, int]) -> str | None:
    """The most frequent category, ties broken by priority."""
    if not counts:
        return None
    prio = _patterns()["priority"]
    return min(counts, key=lambda c: (-counts[c], prio[c]))


def document_topic(hits: list[tuple[int, int, str]]) -> str | None:
    """The category a document's keyword hits speak of most, when one clearly leads; None when none does.

    It leads when it has at least categories.toml topic_min_share of all the hits. When
    none does, a specific category leads with that share of the specific hits (a
    document on patents and trademarks whose pledges stand out speaks of finance). The
    international filing systems count as international here.
    """
    p = _patterns()
    counts: dict[str, int] = {}
    for *_, c in hits:
        c = "international" if c.startswith(FILING) else c
        counts[c] = counts.get(c, 0) + 1
    best = _best(counts)
    if best is None:  # no hits
        return None
    if counts[best] >= p["topic_min_share"] * sum(counts.values()):
        return best
    specific = {c: n for c, n in counts.items() if c not in p["generic"]}
    best = _best(specific)
    return best if best and specific[best] >= p["topic_min_share"] * sum(specific.values()) else None


def hits_within(doc_hits: list[tuple[int, int, str]], sentence: Sentence) -> list[tuple[int, int, str]]:
    """The document's keyword hits inside one sentence, relative to the sentence."""
    lo = bisect_left(doc_hits, (sentence.start,))
    end = sentence.start + len(sentence.text)
    return [(s - sentence.start, e - sentence.start, c) for s, e, c in doc_hits[lo:bisect_left(doc_hits, (end,))] if e <= end]
