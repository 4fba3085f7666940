"""Text cleaning: HTML to visible text, controls and pinyin out, NFKC, OpenCC, boilerplate and repeated lines out.

Hostile input is made harmless before anything else looks at it: control
characters, invisible format characters (zero-width spaces, bidi marks, a
BOM in mid-file) and terminal colour codes are removed, every kind of line
break becomes "\n". A table keeps its rows and cells: one line per row, the
cells joined by a tab (tables.toml), from an HTML <table> or from a plain-text
table's aligned columns. Every rule's data lives in tasks/lexicon/.
"""
from __future__ import annotations

import html
import re
import string
import unicodedata
from collections import Counter
from functools import lru_cache

import lxml.html
import opencc
from lxml import etree

from tasks.common.prefilter import PatternSet
from tasks.common.rules import anchored_at_start, any_of, rules

# Script classes, not language data: everything but Han characters (removing it leaves them), and the Latin
# letters as bytes (detect_script counts them in the text's ASCII characters).
NOT_HAN = re.compile(r"[^\u3400-\u9fff\uf900-\ufaff]+")
ASCII_LETTERS = string.ascii_letters.encode()


# Terminal escape sequences (colour codes in captured console output): the
# whole sequence goes, not only its ESC character.
ANSI_ESCAPE = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")


# Line and paragraph separators of every convention (CR LF, CR, vertical tab,
# form feed, file/group/record separators, NEL, U+2028/U+2029).
LINE_BREAK = re.compile(r"\r\n|[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


# Control characters (C0 but tab and newline, DEL, C1) and invisible format
# characters: soft hyphen, zero-width spaces and joiners, bidi marks and
# embeddings, word joiner, a byte-order mark in mid-text, interlinear
# annotation marks. Any of them inside "92.1" would break the number. Lone
# surrogates and the non-characters U+FFFE/U+FFFF go too (lxml and Parquet
# refuse them).
CONTROL = re.compile(
    r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
    r"\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\ufffe\uffff\ud800-\udfff]"
)


# An XML declaration (XHTML): lxml refuses a str that carries one.
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


# Elements whose text is never visible.
INVISIBLE_TAGS = ("script", "style", "noscript", "template", "head", "svg", "iframe", "object")


# Elements that start a new line of text.
BLOCK_TAGS = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 tr table section article header footer "
    "nav aside blockquote pre dd dt dl figure figcaption hr main form title td th".split()
)


# Fallback tag stripper, used when lxml gives up on a page (nesting deeper
# than libxml2 accepts, a page it cannot parse at all). An invisible element
# left open hides the rest of the page, as in a browser.
INVISIBLE_BLOCK = re.compile(
    r"<(%s)\b[^>]*>.*?(?:</\1\s*>|$)|<!--.*?(?:-->|$)|<!\[CDATA\[.*?(?:\]\]>|$)|<![^>]*>|<\?[^>]*>" % "|".join(INVISIBLE_TAGS),
    re.S | re.I,
)


BLOCK_TAG = re.compile(r"</?(?:%s)\b[^>]*>" % "|".join(sorted(BLOCK_TAGS)), re.I)


ANY_TAG = re.compile(r"</?[A-Za-z][^>]*(?:>|$)")


# lxml's text is trusted unless the fallback stripper finds this many times more.
LXML_LOSS_FACTOR = 2


@lru_cache(maxsize=None)
def converter() -> opencc.OpenCC:
    """The OpenCC traditional-to-simplified converter (built once per process)."""
    return opencc.OpenCC(rules().script["opencc_config"])


@lru_cache(maxsize=None)
def _patterns() -> dict:
    """Compiled clean-stage patterns."""
    r = rules()
    return {
        "pinyin": re.compile(r.script["pinyin_annotation"]),
        # Patterns anchored at the line start are tried there only; the others
        # only where Hyperscan says they may match.
        "boilerplate_start": any_of([p for p in r.boilerplate["line_patterns"] if anchored_at_start(p)]),
        "boilerplate_anywhere": PatternSet([p for p in r.boilerplate["line_patterns"] if not anchored_at_start(p)]),
        # str.translate looks every character up in a dict (80 ns each); a regex finds the few to replace.
        "punct": (re.compile("[" + "".join(map(re.escape, r.script["punctuation"])) + "]"), r.script["punctuation"]),
    }


@lru_cache(maxsize=None)
def _table_rules() -> dict:
    """Compiled table rules of the clean stage (tables.toml): separator, column gap, figure cells, spans, caption label."""
    t = rules().tables
    return {
        "separator": t["cells"]["separator"],
        "column_gap": re.compile(t["cells"]["column_gap"]),
        "figure": re.compile(t["cells"]["figure_pattern"]),
        "max_chars": t["cells"]["max_chars"],
        "max_span": t["cells"]["max_span"],
        "label": re.compile(t["caption"]["label"]),
    }


def strip_controls(text: str) -> str:
    """Line breaks folded to "\\n"; terminal escapes, control and invisible format characters out."""
    text = LINE_BREAK.sub("\n", text)
    if "\x1b" in text:
        text = ANSI_ESCAPE.sub("", text)
    return CONTROL.sub("", text)


def _cell_text(cell: etree._Element) -> str:
    """The visible text of a table cell on one line, white space collapsed."""
    return " ".join(" ".join(cell.itertext()).split())


def _span(cell: etree._Element, name: str) -> int:
    """A cell's colspan or rowspan (1 when missing or not a number; at most tables.toml max_span)."""
    value = cell.get(name, "1").strip()
    return min(int(value), _table_rules()["max_span"]) if value.isdigit() and int(value) > 0 else 1


def _fill_spanned(row: list[str], pending: dict[int, list]) -> None:
    """Append to a row the cells that row spans from above cover next (pending: column -> [text, rows still covered])."""
    while len(row) in pending:
        text, left = pending[len(row)]
        if left == 1:
            del pending[len(row)]
        else:
            pending[len(row)][1] = left - 1
        row.append(text)


def table_grid(rows: list[etree._Element]) -> list[list[str]]:
    """The cell texts of table rows, a cell spanning rows or columns repeated in every place it covers."""
    grid: list[list[str]] = []
    pending: dict[int, list] = {}
    for tr in rows:
        row: list[str] = []
        for cell in tr.xpath("./td|./th"):
            _fill_spanned(row, pending)
            text, rowspan = _cell_text(cell), _span(cell, "rowspan")
            for _ in range(_span(cell, "colspan")):
                if rowspan > 1:
                    pending[len(row)] = [text, rowspan - 1]
                row.append(text)
        _fill_spanned(row, pending)
        grid.append(row)
    return grid


def _table_lines(table: etree._Element) -> list[str] | None:
    """A data table as lines: caption, then its rows with cells joined by the separator; None for a layout table.

    A table holding a table, or a cell longer than tables.toml max_chars in a row of different
    cells, lays out a page. A row that says one thing across the table (a title, a unit line,
    a note) at its top or bottom is a line of its own.
    """
    t = _table_rules()
    if table.xpath(".//table"):
        return None
    grid = [row for row in table_grid(table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")) if any(row)]
    if any(len(set(row)) > 1 and max(map(len, row)) > t["max_chars"] for row in grid):
        return None
    width = max(map(len, grid), default=0)
    lone = [len(set(row)) == 1 for row in grid]
    first = next((i for i, alone in enumerate(lone) if not alone), len(grid))
    last = max((i + 1 for i, alone in enumerate(lone) if not alone), default=first)
    body = [t["separator"].join(row + [""] * (width - len(row))) for row in grid[first:last]]
    captions = [_cell_text(c) for c in table.xpath("./caption")]
    return captions + [row[0] for row in grid[:first]] + body + [row[0] for row in grid[last:]]


def _flatten_tables(root: etree._Element) -> None:
    """Replace every data table's content by its lines (_table_lines), so its rows and cells survive as text."""
    for table in list(root.iter("table")):
        lines = _table_lines(table)
        if lines is None:
            continue
        for child in list(table):
            table.remove(child)
        table.text = "\n" + "\n".join(lines) + "\n"


def _lxml_text(html_text: str) -> str | None:
    """Visible text by lxml, one line per block element or table row; None when lxml cannot parse the page."""
    parser = lxml.html.HTMLParser(huge_tree=True)
    try:
        root = lxml.html.document_fromstring(html_text, parser=parser)
    except (etree.ParserError, ValueError):
        return None
    etree.strip_elements(root, *INVISIBLE_TAGS, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    _flatten_tables(root)
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
            element.text = "\n" + (element.text or "")
    return root.text_content()


def _regex_text(html_text: str) -> str:
    """Visible text by stripping tags with regular expressions (the fallback)."""
    text = INVISIBLE_BLOCK.sub(" ", html_text)
    text = BLOCK_TAG.sub("\n", text)
    return html.unescape(ANY_TAG.sub("", text))


def html_to_text(html_text: str) -> str:
    """Visible text of an HTML page, one line per block element.

    lxml parses the page (any HTML, however broken). When it gives up on part
    of it — libxml2 stops at a nesting depth of a few thousand elements and
    drops the rest — a plain tag stripper recovers the text instead.
    """
    html_text = XML_DECLARATION.sub("", strip_controls(html_text), count=1)
    text = _lxml_text(html_text)
    fallback = _regex_text(html_text)
    if text is None or len("".join(fallback.split())) > LXML_LOSS_FACTOR * len("".join(text.split())):
        return fallback
    return text


def strip_pinyin(text: str) -> str:
    """Remove pinyin annotations glued after Han characters: 產(chǎn) -> 產."""
    return _patterns()["pinyin"].sub("", text)


def detect_script(text: str) -> str:
    """`hant`, `hans` or `latin`: the script of the body as written."""
    han = NOT_HAN.sub("", text)
    ascii_text = text.encode("ascii", "ignore")  # C loops, not a Python one per character or letter
    n_latin = len(ascii_text) - len(ascii_text.translate(None, ASCII_LETTERS))
    if not han or len(han) < rules().script["zh_min_han_share"] * (len(han) + n_latin):
        return "latin"
    counts = Counter(han)
    # One call for every distinct character; a line break between them keeps each converted alone.
    distinct = list(counts)
    converted = converter().convert("\n".join(distinct)).split("\n")
    changed = sum(counts[ch] for ch, new in zip(distinct, converted, strict=True) if new != ch)
    return "hant" if changed >= rules().script["hant_min_changed_share"] * len(han) else "hans"


def normalise(text: str) -> str:
    """NFKC (full-width digits and punctuation), dashes and brackets folded, controls out."""
    punct, replacement = _patterns()["punct"]
    return strip_controls(punct.sub(lambda m: replacement[m.group()], unicodedata.normalize("NFKC", text)))


def _split_cells(line: str) -> list[str]:
    """The cells of a line: at each separator (empty cells kept) when it has one, else at each column gap."""
    t = _table_rules()
    if t["separator"] in line:
        return line.split(t["separator"])
    return t["column_gap"].split(line.strip())


def _holds_figure(cells: list[str]) -> bool:
    """True when a cell after the first holds a figure (tables.toml figure_pattern, after NFKC)."""
    figure = _table_rules()["figure"]
    return any(figure.match(unicodedata.normalize("NFKC", cell).strip()) for cell in cells[1:])


def _table_run(lines: list[str], cells: list[list[str]], start: int) -> tuple[int, bool]:
    """(end, whether it is a table) of the run of lines from `start` that may make one table.

    A table is two lines or more: lines with separators (an HTML table's rows), or lines
    cut by column gaps into the same number of cells, one of them holding a figure, the
    first not a caption ("表1 历年商标注册量" cut at its full-width space).
    """
    t = _table_rules()
    separator = t["separator"]
    if separator in lines[start]:
        end = next((j for j in range(start, len(lines)) if separator not in lines[j]), len(lines))
        return end, end - start >= 2
    width = len(cells[start])
    if width < 2 or t["label"].match(unicodedata.normalize("NFKC", lines[start]).strip()):
        return start + 1, False
    end = next((j for j in range(start + 1, len(lines)) if len(cells[j]) != width or separator in lines[j]), len(lines))
    return end, end - start >= 2 and any(map(_holds_figure, cells[start + 1:end]))


def mark_tables(text: str) -> str:
    """Every table as lines of cells joined by the separator (tables.toml): HTML tables (from html_to_text) and
    plain-text ones (aligned columns); caption lines stay lines, tabs elsewhere become spaces."""
    separator = _table_rules()["separator"]
    lines = text.split("\n")
    cells = [_split_cells(line) for line in lines]
    out: list[str] = []
    i = 0
    while i < len(lines):
        end, is_table = _table_run(lines, cells, i)
        if is_table:
            out += [separator.join(cell.strip() for cell in row) for row in cells[i:end]]
        else:
            out += [line.replace(separator, " ") for line in lines[i:end]]
        i = end
    return "\n".join(out)


def drop_boilerplate(lines: list[str]) -> list[str]:
    """Lines that match no boilerplate pattern."""
    p = _patterns()
    start, anywhere = p["boilerplate_start"], p["boilerplate_anywhere"]
    return [line for line in lines if not (start.match(line) or ((found := anywhere.alternation(line)) and found.search(line)))]


def drop_repeated(lines: list[str]) -> list[str]:
    """Lines without the second and later copies of a repeated paragraph (table rows kept: tables may share a header)."""
    min_chars = rules().boilerplate["min_repeat_chars"]
    separator = _table_rules()["separator"]
    seen: set[str] = set()
    kept = []
    for line in lines:
        key = " ".join(line.split())
        if len(key) >= min_chars and separator not in line:
            if key in seen:
                continue
            seen.add(key)
        kept.append(line)
    return kept


def tidy_line(line: str) -> str:
    """A line with its white space trimmed and collapsed, cell by cell in a table row."""
    separator = _table_rules()["separator"]
    if separator not in line:
        return " ".join(line.split())
    cells = [" ".join(cell.split()) for cell in line.split(separator)]
    return separator.join(cells) if any(cells) else ""


def tidy_lines(lines: list[str]) -> str:
    """Join lines, trimming white space and dropping empty lines."""
    return "\n".join(s for s in map(tidy_line, lines) if s)


def clean_text(raw_text: str, is_html: bool) -> tuple[str, str]:
    """Return (clean simplified text, script as written)."""
    text = mark_tables(html_to_text(raw_text) if is_html else strip_controls(raw_text))
    text = strip_pinyin(normalise(text))
    script = detect_script(text)
    if script != "latin":
        text = converter().convert(text)
    lines = drop_repeated(drop_boilerplate(text.split("\n")))
    return tidy_lines(lines), script
