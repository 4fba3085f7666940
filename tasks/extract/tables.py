"""Tables: the rows of a table in the clean text (cells joined by tables.toml's separator), read cell by cell.

The clean stage keeps a table's rows and cells (tasks/clean/text.py); the lines
right before it may be its caption and unit line. Every cell that holds one
number is a statistic. Its period comes from its own words ("运算科技 16.3(2023年)"),
else from its row and column headers (2019, 2022年, 113年, 1-6月, 截至6月底; a
stock at the end of it when the headers say 年末, 期末, 有效 ...), else from
the caption, else from the text before the table. Its unit and scale come from
the cell, else its column header, its row, the caption or the unit line (万件,
(%), 单位:亿元, (100 million yuan)). A growth column (同比增长) gives the level
beside it its change_pct, a growth row the level above; a rank column gives
ranks; other percentages are shares. Headers that are years are not
statistics, nor are cells such as "-" or "…". What a figure measures is read by
the prose rules (categories.py, indicators/) from a phrase made of the caption,
the headers and the cell (`phrase`): when the headers name a right of their own
("发明专利") the caption is a clause apart, so their right beats the caption's;
else the headers read on from the caption ("历年商标注册量" + "年末有效注册量").
The language data lives in tasks/lexicon/tables.toml.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from tasks.common.dates import PubDate, roc_year
from tasks.common.rules import rules
from tasks.common.values import scaled
from tasks.extract.categories import assign_category, keyword_hits
from tasks.extract.indicators.scope import first_listed, lexicon_patterns
from tasks.extract.nouns import noun_after
from tasks.extract.numbers import Quantity, find_quantities
from tasks.extract.periods import CONTEXT_FREE_KINDS, NOT_CARRIED, as_stock, same_period
from tasks.extract.roles import TABLE_UNIT, qualifier_of
from tasks.extract.segment import Sentence, is_table_row
from tasks.extract.statistics import SIGN_BEFORE, Metric, is_year
from tasks.extract.timeexprs import TimeExpr, find_time_exprs

# A Han character (a script class, not language data): between two of them white space breaks a clause.
HAN = re.compile(r"[\u4e00-\u9fff]")


# What is left of a header once its time expressions are out: brackets, punctuation, white space (no words).
NO_WORDS = re.compile(r"[\s\W_]*")


@lru_cache(maxsize=None)
def _patterns() -> dict:
    """Compiled table rules (tables.toml) and the stock words of context.toml."""
    t, stock = rules().tables, rules().context["stock"]
    return {
        "separator": t["cells"]["separator"],
        "empty": frozenset(t["cells"]["empty"]),
        "label": re.compile(t["caption"]["label"]),
        "caption_chars": t["caption"]["max_chars"],
        "sentence_marks": re.compile(t["caption"]["sentence_marks"]),
        "unit": re.compile(t["caption"]["unit"]),
        "bracket": re.compile(t["caption"]["bracket"]),
        "unit_parts": re.compile(t["caption"]["unit_parts"]),
        "part": re.compile(t["headers"]["part_of_previous"]),
        "stock": re.compile(f"{stock['words']}|{t['headers']['stock_words']}"),
        "cumulative": re.compile(stock["cumulative_words"]),
        "growth": re.compile(t["headers"]["growth_words"]),
        "rank": re.compile(t["headers"]["rank_words"]),
        "roc_year": re.compile(t["headers"]["roc_year"]),
    }


@dataclass(frozen=True)
class Table:
    """A table among a document's sentences: the indexes of its caption lines and of its rows."""

    captions: tuple[int, ...]
    rows: tuple[int, ...]

    @property
    def lines(self) -> tuple[int, ...]:
        """Every sentence index of the table, caption lines first."""
        return self.captions + self.rows


@dataclass(frozen=True)
class Cell:
    """A cell of a table row: its text and where that starts in the clean text."""

    text: str
    start: int


@dataclass
class Figure:
    """A cell read as a statistic: its column, the phrase it is read in (its figure placed on the cell), its metric."""

    column: int
    sentence: Sentence
    metric: Metric


def find_tables(sentences: list[Sentence]) -> dict[int, Table]:
    """The tables among a document's sentences, by the index of their first line (caption or row).

    A table is a run of rows with the same number of cells (the clean stage pads an HTML table's rows).
    """
    separator = _patterns()["separator"]
    tables: dict[int, Table] = {}
    i = 0
    while i < len(sentences):
        if not is_table_row(sentences[i].text):
            i += 1
            continue
        width = sentences[i].text.count(separator)
        end = i
        while end < len(sentences) and is_table_row(sentences[end].text) \
                and sentences[end].text.count(separator) == width:
            end += 1
        table = Table(_caption_lines(sentences, i), tuple(range(i, end)))
        tables[table.lines[0]] = table
        i = end
    return tables


def _caption_lines(sentences: list[Sentence], first_row: int) -> tuple[int, ...]:
    """The indexes of the caption and the unit line right before a table's first row (at most one of each)."""
    found: dict[str, int] = {}
    k = first_row - 1
    while k >= 0 and _whole_line(sentences, k):
        kind = _caption_kind(sentences[k].text)
        if kind is None or kind in found:
            break
        found[kind] = k
        k -= 1
    return tuple(sorted(found.values()))


def _whole_line(sentences: list[Sentence], k: int) -> bool:
    """True when sentence k is a whole line of the text (not part of a paragraph of several sentences)."""
    paragraph = sentences[k].paragraph
    return all(not (0 <= j < len(sentences)) or sentences[j].paragraph != paragraph for j in (k - 1, k + 1))


def _caption_kind(line: str) -> str | None:
    """What a line before a table is: "caption" (表2 ..., or short, unpunctuated, no figures), "unit" (单位:万件) or None."""
    p = _patterns()
    if p["label"].match(line):
        return "caption"
    if len(line) > p["caption_chars"] or p["sentence_marks"].search(line):
        return None
    if p["unit"].match(line):
        return "unit"
    times = find_time_exprs(line, None)
    return "caption" if not _outside(find_quantities(line), times) else None


def _outside(quantities: list[Quantity], times: list[TimeExpr]) -> list[Quantity]:
    """The quantities that are not part of a time expression."""
    return [q for q in quantities if not any(t.start <= q.core_start and q.core_end <= t.end for t in times)]


def cells_of(sentence: Sentence) -> list[Cell]:
    """The cells of a table row, each with its offset in the clean text."""
    separator = _patterns()["separator"]
    cells, pos = [], sentence.start
    for text in sentence.text.split(separator):
        cells.append(Cell(text.strip(), pos + len(text) - len(text.lstrip())))
        pos += len(text) + len(separator)
    return cells


def time_exprs(text: str, base: PubDate | None) -> list[TimeExpr]:
    """The time expressions of a cell or header; a cell that is a year of the ROC calendar (113年) is that year + 1911."""
    return list(_times(text, base))


@lru_cache(maxsize=4096)  # a table's headers are asked again for every cell under them
def _times(text: str, base: PubDate | None) -> tuple[TimeExpr, ...]:
    """time_exprs, as a tuple."""
    p = _patterns()
    found = find_time_exprs(text, base)
    roc = p["roc_year"].fullmatch(text) if not found else None
    return (TimeExpr(0, len(text), "year", roc_year(roc["year"])),) if roc else tuple(found)


def figure_of(cell: Cell, base: PubDate | None) -> Quantity | None:
    """The one number, in digits, of a cell that holds a figure; None for an empty cell, a date, a year, words."""
    text = cell.text
    if not text or text in _patterns()["empty"]:
        return None
    times = time_exprs(text, base)
    if times and times[0].start == 0:
        return None
    numbers = _outside(find_quantities(text), times)
    return numbers[0] if len(numbers) == 1 and numbers[0].kind == "arabic" and not is_year(numbers[0], text) else None


@lru_cache(maxsize=4096)
def unit_of(text: str) -> tuple[str, float] | None:
    """(unit, value of one) of a unit written alone ("万件", "%", "亿元", "100 million yuan"), None when the text is not one."""
    sample = text.strip()
    if not sample:
        return None
    sample = sample if sample[0].isdigit() else f"1{sample}"
    found = find_quantities(sample)
    if len(found) != 1 or found[0].start != 0 or found[0].end != len(sample):
        return None
    q = found[0]
    if q.unit == "count" and not q.unit_token and q.value == q.number:
        return None
    return TABLE_UNIT.get(q.unit, q.unit), q.value


@lru_cache(maxsize=4096)
def declared_unit(text: str) -> tuple[str, float] | None:
    """The unit a header or caption declares: 单位:万件, or a bracket that is a unit ("(万件)", "(个,期末)"), else None."""
    p = _patterns()
    if (declared := p["unit"].search(text)) and (unit := unit_of(declared["unit"])):
        return unit
    for bracket in p["bracket"].finditer(text):
        for part in p["unit_parts"].split(bracket["inside"]):
            if unit := unit_of(part):
                return unit
    return unit_of(text)


@lru_cache(maxsize=4096)
def words_of(text: str) -> str:
    """A header or caption without its label (表2), unit declaration and unit brackets: the words that name a measure."""
    p = _patterns()
    text = p["unit"].sub("", p["label"].sub("", text))
    return p["bracket"].sub(lambda b: "" if unit_of(b["inside"]) else b.group(), text).strip()


@lru_cache(maxsize=4096)
def _is_time_only(text: str, base: PubDate | None) -> bool:
    """True when a header holds nothing but time expressions ("2019", "1-4月(截至4月底)", "113年")."""
    kept, pos = [], 0
    for t in time_exprs(text, base):
        kept.append(text[pos:t.start])
        pos = t.end
    return bool(pos) and NO_WORDS.fullmatch("".join(kept) + text[pos:]) is not None


def _joined(parts: list[str]) -> str:
    """Header words run together as one clause: no space between two Han characters (a space there breaks a clause)."""
    out = ""
    for part in filter(None, parts):
        gap = "" if not out or (HAN.match(out[-1]) and HAN.match(part[0])) else " "
        out += gap + part
    return out


def _with_wholes(headers: list[str]) -> list[str]:
    """Headers with a part ("其中:国内") read after the whole before it ("商标注册量国内")."""
    p = _patterns()
    out, whole = [], ""
    for header in headers:
        part = p["part"].match(header)
        if part and header[part.end():].strip():
            out.append(_joined([whole, header[part.end():].strip()]))
        else:
            out.append(header)
            whole = header
    return out


def column_headers(header_rows: list[list[Cell]]) -> list[str]:
    """Each column's header: the texts of the header rows in that column (a spanning cell once), parts after their wholes."""
    width = max(map(len, header_rows), default=0)
    columns = [dict.fromkeys(row[j].text for row in header_rows if j < len(row) and row[j].text) for j in range(width)]
    return _with_wholes([" ".join(texts) for texts in columns])


@dataclass(frozen=True)
class Column:
    """What a column's header says of its cells: its words and its time."""

    header: str
    times: list[TimeExpr]


def columns_of(headers: list[str], base: PubDate | None) -> list[Column]:
    """The columns under some headers; one without a time takes the time of the nearest left of it that has one
    ("2023年 | 同比 | 占比"), the columns before the first time that one ("排名 | 地区 | 2023年")."""
    times = [time_exprs(header, base) for header in headers]
    inherited = next((t for t in times if t), [])
    for j, own in enumerate(times):
        inherited = own or inherited
        times[j] = inherited
    return [Column(header, t) for header, t in zip(headers, times, strict=True)]


@dataclass(frozen=True)
class Context:
    """What a table says of all its cells: caption words, unit, time expressions, and the dates it reads them by."""

    caption: str
    unit: tuple[str, float] | None
    times: list[TimeExpr]
    base: PubDate | None  # the date header time expressions are read by: the caption's year, else the publication's
    before: TimeExpr | None  # the time scope of the text before the table


def table_context(caption: str, published: PubDate | None, before: TimeExpr | None) -> Context:
    """The context of a table from its caption lines."""
    times = time_exprs(caption, published)
    years = [t.year for t in times if t.year and t.kind not in CONTEXT_FREE_KINDS]
    base = (replace(published, year=years[0], month=None, day=None) if published else PubDate(years[0])) if years \
        else published
    return Context(words_of(caption), declared_unit(caption), times, base, before)


def read_table(sentences: list[Sentence], table: Table, published: PubDate | None, before: TimeExpr | None,
               doc_topic: str | None) -> list[tuple[Sentence, Metric]]:
    """Each figure of a table in text order, with the phrase it is read in; a rate given to a level has `attached_to` set.

    Rows without figures are column headers (a row of them after data rows starts new
    ones), or a section when one cell says it all (its words go before the row headers under it).
    """
    p = _patterns()
    context = table_context(" ".join(sentences[k].text for k in table.captions), published, before)
    header_rows: list[list[Cell]] = []
    columns: list[Column] = []
    above: dict[int, Figure] = {}  # the figures of the last data row that is not a growth row, by column
    section = whole = ""
    in_data = False
    out: list[Figure] = []
    for k in table.rows:
        cells = cells_of(sentences[k])
        found = {j: q for j, cell in enumerate(cells) if (q := figure_of(cell, context.base)) is not None}
        if not any(j > 0 for j in found):
            texts = {c.text for c in cells if c.text}
            if in_data and len(texts) == 1:
                section = texts.pop()
            else:
                header_rows, in_data = ([] if in_data else header_rows) + [cells], False
            continue
        if not in_data:
            columns, in_data = columns_of(column_headers(header_rows), context.base), True
        label_at = next((j for j, c in enumerate(cells) if c.text and j not in found), None)
        label, whole = _row_label(cells[label_at].text if label_at is not None else "", whole)
        row = Row(label, _row_unit(label, cells, found), section, sentences[k])
        row_columns = [columns[j] if j < len(columns) else Column("", []) for j in range(len(cells))]
        # Numbers left of the row's header number the rows: statistics only in a rank column (排名).
        figures = [Figure(j, *_read(cells[j], q, row, row_columns[j], context, doc_topic)) for j, q in found.items()
                   if label_at is None or j > label_at or p["rank"].search(row_columns[j].header)]
        growth_row = bool(p["growth"].search(label))
        for f in figures:
            if f.metric.role == "change_pct":
                _attach(f, above.get(f.column) if growth_row else _level_left(f, figures, columns))
        above = above if growth_row else {f.column: f for f in figures}
        out += figures
    return [(f.sentence, f.metric) for f in out]


@dataclass(frozen=True)
class Row:
    """What a data row says of its cells: its header (after its section), its unit, and its line."""

    label: str
    unit: tuple[str, float] | None
    section: str
    sentence: Sentence


def _row_label(label: str, whole: str) -> tuple[str, str]:
    """(the row's header, the whole the next part row reads after): a part ("其中:国内申请人提交") after its whole."""
    part = _patterns()["part"].match(label)
    if part and label[part.end():].strip():
        return _joined([whole, label[part.end():].strip()]), whole
    return label, label


def _row_unit(label: str, cells: list[Cell], found: dict[int, Quantity]) -> tuple[str, float] | None:
    """The unit a row declares: in its header ("地理标志产品(个)"), else in a cell that is a unit alone (a 单位 column)."""
    return (declared_unit(label) if label else None) or next(
        (unit for j, c in enumerate(cells) if j not in found and c.text != label and (unit := unit_of(c.text))), None)


def _level_left(rate: Figure, figures: list[Figure], columns: list[Column]) -> Figure | None:
    """The figure of the first column left of a growth rate that is not a growth column (None when that cell is empty)."""
    growth = _patterns()["growth"]
    by_column = {f.column: f for f in figures}
    for j in range(rate.column - 1, -1, -1):
        if j < len(columns) and growth.search(columns[j].header):
            continue
        return by_column.get(j)
    return None


def _attach(rate: Figure, level: Figure | None) -> None:
    """Give a level its growth rate (the rate then keeps no row), when it is a level without one."""
    if level is None:
        return
    m = level.metric
    if m.role == "level" and m.unit != "percent" and m.change_pct is None:
        m.change_pct, rate.metric.attached_to = rate.metric.value, m


def _measure(cell: Cell, q: Quantity, row: Row, column: Column, context: Context) -> tuple[str, str, float]:
    """(unit, role, value) of a figure: its own unit, else its column's, row's or caption's; the role its headers say."""
    p = _patterns()
    headers = f"{row.label} {column.header}"
    growth = p["growth"].search(headers)
    declared: tuple[str, float] | None
    if p["rank"].search(headers):
        declared = ("rank", 1.0)
    else:
        declared = declared_unit(column.header) or row.unit or (("percent", 1.0) if growth else context.unit)
    if q.unit != "count" or q.unit_token or q.value != q.number or declared is None:
        unit, value = TABLE_UNIT.get(q.unit, q.unit), q.value
    else:
        unit, value = declared[0], scaled(q.number, declared[1])
    if unit == "rank":
        return unit, "rank", value
    if not growth:
        return unit, "share" if unit == "percent" else "level", value
    sign = SIGN_BEFORE.search(cell.text, 0, q.start)
    value = -value if sign and sign.group() in "-−" else value
    return unit, "change_pct" if unit == "percent" else "change_abs", value


def _read(cell: Cell, q: Quantity, row: Row, column: Column, context: Context,
          doc_topic: str | None) -> tuple[Sentence, Metric]:
    """A figure's phrase and metric: unit, value, role, qualifier, period, counted noun and category."""
    base = context.base
    unit, role, value = _measure(cell, q, row, column, context)
    words = [words_of(h) for h in (row.section, row.label, column.header) if h and not _is_time_only(h, base)]
    text = phrase(context.caption, words, cell.text)
    shift = len(text) - len(cell.text)
    q = replace(q, start=q.start + shift, end=q.end + shift,
                core_start=q.core_start + shift, core_end=q.core_end + shift)
    m = Metric(q=q, unit=unit, role=role, value=value, qualifier=qualifier_of(text, q))
    headers = time_exprs(row.label, base) + column.times + time_exprs(row.section, base)
    words_of_stock = f"{row.label} {column.header} {context.caption}"
    m.period = _period(time_exprs(cell.text, base), headers, context, words_of_stock, role)
    m.noun, m.noun_end = noun_after(text, m)
    m.category = assign_category(text, m, [m], text, keyword_hits(text), doc_topic)
    return Sentence(text, cell.start - shift, row.sentence.item, row.sentence.paragraph), m


def phrase(caption: str, headers: list[str], cell: str) -> str:
    """Caption, headers and cell as one sentence; the caption a clause apart when the headers name a right of their own."""
    if first_listed(lexicon_patterns()["rights"], " ".join(headers)):
        return f"{caption},{_joined([*headers, cell])}" if caption else _joined([*headers, cell])
    return _joined([caption, *headers, cell])


def _period(own: list[TimeExpr], headers: list[TimeExpr], context: Context, words: str, role: str) -> str | None:
    """A figure's period from its cell, else headers, caption, text before; a stock's when `words` or the only time say so."""
    p = _patterns()
    scope = own or headers or context.times or ([context.before] if context.before else [])
    if not scope:
        return None
    explicit = [t.year for t in own + headers + context.times if t.year and t.kind not in CONTEXT_FREE_KINDS]
    context_year = explicit[0] if explicit else (context.base.year if context.base else None)
    stocks = [t for t in scope if t.kind.startswith("stock")]
    flows = [t for t in scope if not t.kind.startswith("stock")]
    span = bool(flows) and flows[0].kind != "year"
    said = any(not (span and p["cumulative"].fullmatch(w.group())) for w in p["stock"].finditer(words))
    stock = role in ("level", "share") and (said or not flows)
    expr = (stocks or flows)[0] if stock else (flows or stocks)[0]
    period = expr.period(context.base, context_year)
    if expr.kind == "same_period":
        bases = [t for t in headers + context.times if t.kind not in NOT_CARRIED]
        period = same_period(expr, bases[0].period(context.base, context_year) if bases else None) or period
    return as_stock(period) if stock and period else period
