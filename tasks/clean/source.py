"""Who says it: the title and the publisher of a clean text, as far as the text gives them.

The title is the first line of the page header that reads like a headline:
not navigation, a breadcrumb, a site name, a date or source line, not too
short or too long, not a sentence of the body; the search stops where the
body starts, so a text that opens with its body has no title.

The publisher is who publishes the page, by the strongest evidence the text
gives: a labelled source line (来源:经济日报, Source: Xinhua), a dateline or
byline (新华社北京1月12日电, "Beijing, Jan 12 (Xinhua)", "Economic Daily
reporter ..."), a site name or signature in the header or footer, the site
name at the top of the page as written; and, for a text that names no outlet
and is no site page (an official reply, a press release, a transcript), the
issuing body it names most often. Known names map to one display name each
(tasks/lexicon/sources.toml); a name the lexicon does not know, in a source
line or at the top of the page, is given as written.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from tasks.common.dates import full_dates
from tasks.common.prefilter import PatternSet
from tasks.common.rules import rules

HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’&.-]*")
APOSTROPHES = str.maketrans({"’": "'"})


@dataclass(frozen=True)
class Names:
    """Known publisher names: one regex for all of them, a Hyperscan prefilter of each, and the display name of each."""

    pattern: re.Pattern
    source: str  # the regex, to build bylines from
    names: tuple[str, ...]  # longest first, in the order `pattern` tries them
    each: PatternSet  # the regex of each name
    display: dict[str, str]  # folded name -> display name

    def canonical(self, written: str) -> str:
        """The display name of a name as matched in the text."""
        return self.display[_fold(written)]

    def exact(self, part: str) -> str | None:
        """The display name when `part` is exactly a known name, else None."""
        return self.display.get(_fold(part))

    def finditer(self, text: str) -> list[re.Match]:
        """The matches of `pattern` in `text`, found by the names Hyperscan says may occur in it (a long text names few)."""
        ids = self.each.candidates(text)
        return list(_names_pattern(tuple(self.names[i] for i in ids)).finditer(text)) if ids else []


def _fold(name: str) -> str:
    """A name folded for lookup: case and apostrophes."""
    return name.translate(APOSTROPHES).casefold()


def _name_regex(name: str) -> str:
    """The regex of one name: Chinese anywhere, acronyms as written, other Latin names case-insensitively, whole words."""
    escaped = re.escape(name).replace("'", "['’]")
    if HAN.search(name):
        return escaped
    core = escaped if not any(c.islower() for c in name) else f"(?i:{escaped})"
    return rf"(?<![A-Za-z0-9.]){core}(?![A-Za-z0-9])"


def _names(*tables: dict) -> Names:
    """Names of the given lexicon tables (display name -> names)."""
    display = {}
    for table in tables:
        for shown, written in table.items():
            display.update({_fold(w): shown for w in [shown, *written]})
    names = tuple(sorted({w for table in tables for shown, written in table.items() for w in [shown, *written]}, key=len, reverse=True))
    return Names(_names_pattern(names), _names_source(names), names, PatternSet([_name_regex(n) for n in names]), display)


def _names_source(names: tuple[str, ...]) -> str:
    """One regex of names, tried in order (longest first)."""
    # A look-ahead for the characters a name can start with lets `re` skip the rest of the text quickly.
    starts = {c for n in names for c in (n[0], n[0].lower(), n[0].upper())}
    return f"(?=[{''.join(sorted(re.escape(c) for c in starts))}])(?:" + "|".join(_name_regex(n) for n in names) + ")"


@lru_cache(maxsize=4096)  # documents name the same few names: their regex is compiled once
def _names_pattern(names: tuple[str, ...]) -> re.Pattern:
    """The compiled `_names_source` of names."""
    return re.compile(_names_source(names))


@lru_cache(maxsize=None)
def _patterns() -> dict:
    """Compiled title and publisher rules."""
    lex = rules().sources
    pub, title = lex["publisher"], lex["title"]
    outlets, bodies = _names(lex["outlets"]), _names(lex["bodies"])
    every = _names(lex["outlets"], lex["bodies"])
    labels = "|".join(re.escape(label) for label in sorted(pub["source_labels"], key=len, reverse=True))

    def with_names(template: str) -> re.Pattern:
        return re.compile(template.replace("{outlet}", f"(?P<name>{outlets.source})").replace("{name}", f"(?P<name>{every.source})"))

    return {
        "outlets": outlets, "bodies": bodies, "every": every,
        "source_line": re.compile(rf"(?:^|(?<=[\s|(\[【]))(?:(?i:{labels})\s*)+:\s*(?P<value>.+)"),
        "value_end": [re.compile(p) for p in pub["value_end"]],
        "compiled": [re.compile(p) for p in pub["compiled"]],
        "unspecific": [re.compile(p) for p in pub["unspecific"]],
        "department": [re.compile(p) for p in pub["department"]],
        "bylines": [with_names(p) for p in pub["bylines"]],
        "parenthesised": [with_names(p) for p in pub["parenthesised"]],
        "separators": re.compile(pub["separators"]),
        "edge_separators": re.compile(rf"^(?:{pub['separators']})+|(?:{pub['separators']})+$"),
        "site_suffixes": sorted(pub["site_suffixes"], key=len, reverse=True),
        "nav_words": {_fold(w) for w in pub["nav_words"]},
        "nav_start": re.compile(r"^(?:%s)(?=$|[\s:|>»])" % "|".join(
            f"(?i:{re.escape(w)})" for w in sorted(pub["nav_words"], key=len, reverse=True))),
        "report_markers": [re.compile(p) for p in pub["report_markers"]],
        "page_types": re.compile("^(?:%s)$" % "|".join(f"(?i:{re.escape(w)})" for w in pub["page_types"])),
        "sentence_end": [re.compile(p) for p in title["sentence_end"]],
        "sentence_break": [re.compile(p) for p in title["sentence_break"]],
        "field_labels": [re.compile(p) for p in title["field_labels"]],
        "chrome": [re.compile(p) for p in title["chrome"]],
        "date_line_max_start": title["date_line_max_start"],
    }


def _lines(text: str) -> list[str]:
    """The non-empty lines of a clean text."""
    return [line.strip() for line in text.split("\n") if line.strip()]


@lru_cache(maxsize=1024)  # a header or footer line is looked at again and again (title, publisher, navigation)
def _trim(line: str) -> str:
    """A line without separators at its ends ("Title |" -> "Title")."""
    return _patterns()["edge_separators"].sub("", line).strip()


def _starts_with_separator(line: str) -> bool:
    """True for a line that opens with a separator ("※ 政务公开 ※ 新闻中心")."""
    return bool(_patterns()["separators"].match(line))


@lru_cache(maxsize=1024)  # the header and footer are read for the title and again for the publisher
def is_body_line(line: str) -> bool:
    """True for a line of body text: too long for a headline, or a sentence."""
    t, p = rules().sources["title"], _patterns()
    if len(line) > t["max_line_chars"]:
        return True
    line = _trim(line)

    def too_long(part: str) -> bool:
        return len(part) > (t["max_han_chars"] if len(HAN.findall(part)) >= t["min_han"] else t["max_latin_chars"])

    return (any(too_long(part) for part in p["separators"].split(line))  # a source or navigation line is long, its parts are not
            or any(r.search(line) for r in p["sentence_end"]) or any(r.search(line) for r in p["sentence_break"]))


def _parts(line: str) -> list[str]:
    """The parts of a navigation or site line: split at separators, Chinese parts also at spaces."""
    parts = []
    for part in _patterns()["separators"].split(line):
        part = part.strip()
        if part and not re.search(r"[A-Za-z]", part):
            parts += part.split()
        elif part:
            parts.append(part)
    return parts


def _strip_suffix(part: str) -> str:
    """A part without a site suffix (国家知识产权局网站 -> 国家知识产权局)."""
    for suffix in _patterns()["site_suffixes"]:
        if part.casefold().endswith(suffix.casefold()) and len(part) > len(suffix):
            return part[: -len(suffix)].strip()
    return part


def _known_part(part: str) -> str | None:
    """The display name of a part that is exactly a known name (a site suffix allowed)."""
    every = _patterns()["every"]
    return every.exact(part) or every.exact(_strip_suffix(part))


def _is_nav(line: str) -> bool:
    """True for a navigation line, a breadcrumb or a site line: parts between separators, or a line opening with a navigation word."""
    p = _patterns()
    if len(p["separators"].split(_trim(line))) > 1:
        return True
    m = p["nav_start"].match(line)
    if not m:
        return False
    rest = LATIN_WORD.findall(line[m.end():])
    return not rest or all(w[0].isupper() for w in rest)  # "Home Reports Topics Data", not "Home prices rose"


def _is_chrome(line: str) -> bool:
    """True for a header line that is not a headline: navigation, a label, a date line, names alone."""
    p = _patterns()
    if _is_nav(line) or any(r.search(line) for r in p["field_labels"]) or any(r.search(line) for r in p["chrome"]):
        return True
    dates = full_dates(line)
    if dates and min(pos for pos, _ in dates) <= p["date_line_max_start"]:
        return True
    parts = _parts(line)
    return bool(parts) and all(_known_part(part) for part in parts)


def _long_enough(line: str) -> bool:
    """True when a line is long enough for a headline."""
    t = rules().sources["title"]
    return len(HAN.findall(line)) >= t["min_han"] or len(LATIN_WORD.findall(line)) >= t["min_words"]


def _headline(line: str) -> str | None:
    """The headline a header line gives ("Headline - Xinhua" -> "Headline"), None when it is not one."""
    line = _trim(line)
    parts = [part.strip() for part in _patterns()["separators"].split(line)]
    if len(parts) == 2 and _known_part(parts[1]) and not _known_part(parts[0]):
        line = parts[0]
    elif len(parts) == 2 and _column_and_headline(*parts):
        return line
    elif _is_chrome(line):
        return None
    return line if _long_enough(line) else None


def _column_and_headline(first: str, last: str) -> bool:
    """True for a column name and a headline ("数说知识产权|发明专利年授权量2023年逾92万件"), not a site and its menu."""
    t, p = rules().sources["title"], _patterns()
    words = last.split()
    menu = len(words) >= t["menu_min_words"] and all(len(w) <= t["menu_word_max_chars"] for w in words)
    return (len(first) < len(last) and not menu and _long_enough(last) and not _is_chrome(last)
            and not _known_part(first) and not p["nav_start"].match(first) and not _is_chrome(first))


@lru_cache(maxsize=1)  # clean_document asks for the title and then the publisher of the same text
def _header(text: str) -> tuple[list[str], int | None, int]:
    """(the non-empty lines of a text, index of the title line or None, index of the first body line)."""
    lines = _lines(text)
    title_at = None
    n = rules().sources["title"]["search_lines"]
    for i, line in enumerate(lines[:n]):
        if is_body_line(line):
            return lines, title_at, i
        if title_at is None and _headline(line):
            title_at = i
    return lines, title_at, min(len(lines), n)


def detect_title(text: str) -> str | None:
    """The headline of a clean text, or None when the text gives none."""
    lines, title_at, _ = _header(text)
    return _headline(lines[title_at]) if title_at is not None else None


def _source_values(line: str) -> list[str]:
    """The values of the source labels in a line (来源:经济日报 发布时间:... -> 经济日报)."""
    p = _patterns()
    values = []
    for m in p["source_line"].finditer(line):
        value = m["value"]
        cuts = [e.start() for r in p["value_end"] if (e := r.search(value))]
        values.append(value[: min(cuts)].strip() if cuts else value.strip())
    return values


def _raw_name(name: str) -> str | None:
    """A name as written, when it can be one: not empty, not too long, not a date."""
    name = name.strip(" :-_,.;\"'“”「」《》")
    if not name or len(name) > rules().sources["publisher"]["max_name_chars"] or full_dates(name):
        return None
    if _fold(name) in _patterns()["nav_words"] or not (HAN.search(name) or re.search(r"[A-Za-z]{2}", name)):
        return None
    return name


def _from_source_lines(lines: list[str]) -> tuple[str | None, bool]:
    """(publisher named by a source line, whether a source line says the page is compiled)."""
    p = _patterns()
    compiled = False
    for line in lines:
        for value in _source_values(line):
            if any(r.search(value) for r in p["compiled"]):  # 综合新华社、人民日报等: several sources
                compiled = True
                continue
            found = p["every"].pattern.search(value)
            if found:
                return p["every"].canonical(found.group()), compiled
            if any(r.search(value) for r in p["unspecific"]) or any(r.search(value) for r in p["department"]):
                continue
            raw = _raw_name(value)
            if raw:
                return raw, compiled
    return None, compiled


def _from_bylines(head: list[str], tail: list[str]) -> str | None:
    """The outlet of a dateline or byline at the start of a header line, or in parentheses."""
    p = _patterns()
    for line in head:
        for pattern in p["bylines"]:
            m = pattern.match(line)
            if m:
                return p["every"].canonical(m["name"])
    for line in head + tail:
        for pattern in p["parenthesised"]:
            m = pattern.search(line)
            if m:
                return p["every"].canonical(m["name"])
    return None


def _site_name(lines: list[str]) -> str | None:
    """A known name standing alone as a part of a header or footer line (site name, signature)."""
    for line in lines:
        if is_body_line(line):
            continue
        for part in _parts(line):
            name = _known_part(part)
            if name:
                return name
    return None


def _raw_site_name(above_title: list[str]) -> str | None:
    """The site name at the top of the page as written: the first part of its first line."""
    if not above_title:
        return None
    line = above_title[0]
    p = _patterns()
    if _starts_with_separator(line) or p["nav_start"].match(line) or any(r.search(line) for r in p["field_labels"]):
        return None
    parts = _parts(line) if not re.search(r"[A-Za-z]", line) else [x.strip() for x in p["separators"].split(line)]
    if not parts or p["page_types"].search(parts[0]):  # "CLIENT ALERT | Patents | China" names a kind of page
        return None
    return _raw_name(parts[0])


def _most_named_body(text: str) -> str | None:
    """The issuing body the start of the text names most often, when it names one often enough."""
    bodies = _patterns()["bodies"]
    head = text[: rules().sources["publisher"]["body_chars"]]
    counts = Counter(bodies.canonical(m.group()) for m in bodies.finditer(head))
    if not counts:
        return None
    name, n = counts.most_common(1)[0]
    return name if n >= rules().sources["publisher"]["min_body_mentions"] else None


def detect_publisher(text: str) -> str | None:
    """The outlet or issuing body that publishes a clean text (a display name), or None."""
    pub, p = rules().sources["publisher"], _patterns()
    lines, title_at, start = _header(text)
    start = min(start, pub["header_lines"])
    header = lines[:start]
    cap = rules().sources["title"]["max_line_chars"]  # a dateline opens its paragraph, a byline closes it
    first_body = [line[:cap] for line in lines[start:start + 1]]
    footer = lines[max(start + 1, len(lines) - pub["footer_lines"]):]
    named, compiled = _from_source_lines(header + [line for line in footer if not is_body_line(line)])
    if named:
        return named
    named = (_from_bylines(header + first_body, [line[-cap:] for line in footer[-2:]]) or _site_name(header + footer)
             or _raw_site_name(lines[:title_at] if title_at is not None else []))
    if named:
        return named
    site_header = any(_is_nav(line) for line in lines[:title_at or 0])
    if compiled or site_header or any(r.search(line) for line in header + first_body for r in p["report_markers"]):
        return None  # a site page whose site this lexicon cannot name: the offices its text names are not its publisher
    return _most_named_body(text)
