"""Tables: the clean stage keeps rows and cells, the extract stage reads each figure with its headers and caption."""
from __future__ import annotations

from tasks.clean import clean_document
from tasks.extract import extract_metrics

FIELDS = ("surface", "value", "unit", "role", "change_pct", "qualifier", "period", "category", "indicator", "origin")


def rows(raw: str, is_html: bool, published: str | None = "2025-05-12") -> list[tuple]:
    """The metrics of a raw document (cleaned first) as tuples of the scored fields."""
    doc = clean_document(raw, is_html)
    return [tuple(r[f] for f in FIELDS) for r in extract_metrics(doc.text, published)]


HTML_TABLE = """<html><body><p>国家知识产权局公布历年数据。</p>
<table><caption>表1　2016—2023年我国发明专利授权量</caption>
<tr><th>年份</th><th>发明专利授权量（万件）</th><th>同比增长（%）</th><th>公布时间</th></tr>
<tr><td>2021</td><td>69.6</td><td>31.3</td><td>2022年1月</td></tr>
<tr><td>2022</td><td>79.8</td><td>—</td><td>2023年1月</td></tr>
</table><p>注：“—”表示未公布。</p></body></html>"""


def test_clean_keeps_an_html_tables_rows_and_cells_with_its_caption():
    text = clean_document(HTML_TABLE, True).text
    assert "表1 2016-2023年我国发明专利授权量\n年份\t发明专利授权量(万件)\t同比增长(%)\t公布时间\n2021\t69.6\t31.3\t2022年1月" in text


def test_a_cell_spanning_rows_or_columns_is_read_in_every_place_it_covers():
    html = """<table><tr><th rowspan="2">指标</th><th colspan="2">2023年</th></tr>
    <tr><th>数量</th><th>同比</th></tr><tr><td>商标注册量</td><td>438.3</td><td>-30.0</td></tr></table>"""
    assert clean_document(html, True).text.split("\n") == ["指标\t2023年\t2023年", "指标\t数量\t同比", "商标注册量\t438.3\t-30.0"]


def test_a_layout_table_stays_prose():
    html = "<table><tr><td>导航</td><td>" + "2023年，全国共授权发明专利92.1万件，同比增长15.3%。" * 3 + "</td></tr></table>"
    assert "\t" not in clean_document(html, True).text


def test_each_figure_of_an_html_table_takes_its_row_year_its_column_unit_and_the_growth_beside_it():
    # The growth column is the change_pct of the level beside it, not a row; "—" is empty; a year and a date
    # (公布时间) are no statistics.
    assert rows(HTML_TABLE, True, "2024-01-20") == [
        ("69.6", 696000, "count", "level", 31.3, None, "2021", "patent", "patent.invention.grants", None),
        ("79.8", 798000, "count", "level", None, None, "2022", "patent", "patent.invention.grants", None),
    ]


PLAIN_TABLE = """一、商标注册

表1　历年商标注册量（单位：万件）
年份　　　商标注册量　　其中：国内　　年末有效注册量
2019　　　　640.6　　　　617.8　　　　2521.9
2020　　　　576.1　　　　—　　　　　　3017.3

表2　地理标志累计数据
截至时间　　　　累计地理标志产品（个）　　专用标志使用主体（家）
2019年底　　　　2385　　　　　　　　　　　8484
2023年底　　　　2508　　　　　　　　　　　近2.6万
"""


def test_a_plain_text_table_becomes_rows_of_cells_and_its_caption_stays_a_line():
    text = clean_document(PLAIN_TABLE, False).text
    assert "表1 历年商标注册量(单位:万件)\n年份\t商标注册量\t其中:国内\t年末有效注册量\n2019\t640.6\t617.8\t2521.9" in text


def test_a_plain_text_tables_figures_take_the_captions_unit_and_the_headers_period_and_measure():
    assert rows(PLAIN_TABLE, False) == [
        ("640.6", 6406000, "count", "level", None, None, "2019", "trademark", "trademark.registrations", None),
        ("617.8", 6178000, "count", "level", None, None, "2019", "trademark", "trademark.registrations", "domestic"),
        ("2521.9", 25219000, "count", "level", None, None, "@2019", "trademark", "trademark.in_force", None),
        ("576.1", 5761000, "count", "level", None, None, "2020", "trademark", "trademark.registrations", None),
        ("3017.3", 30173000, "count", "level", None, None, "@2020", "trademark", "trademark.in_force", None),
        # A row header that is a year's end makes a stock; a cell's own scale and qualifier count.
        ("2385", 2385, "count", "level", None, None, "@2019", "geographical_indication",
         "geographical_indication.products", None),
        ("8484", 8484, "count", "level", None, None, "@2019", "geographical_indication",
         "geographical_indication.users", None),
        ("2508", 2508, "count", "level", None, None, "@2023", "geographical_indication",
         "geographical_indication.products", None),
        ("2.6万", 26000, "count", "level", None, "approx", "@2023", "geographical_indication",
         "geographical_indication.users", None),
    ]


def test_a_header_row_of_years_is_no_statistic_and_dates_the_column():
    text = "表3 专利授权情况(单位:件)\n指标\t2022年\t2023年\n发明专利授权量\t798347\t920797\n"
    assert [(r["value"], r["period"]) for r in extract_metrics(text, "2024-03-01")] == [(798347, "2022"), (920797, "2023")]


def test_a_span_of_months_column_is_a_flow_for_flows_and_a_stock_for_stocks():
    text = ("表1 2024年知识产权主要统计数据(单位:万件)\n指标\t1-6月(截至6月底)\n"
            "发明专利授权量\t55.4\n发明专利有效量(期末)\t534.4\n")
    assert [(r["value"], r["period"], r["indicator"]) for r in extract_metrics(text, "2024-07-20")] == [
        (554000, "2024-H1", "patent.invention.grants"), (5344000, "@2024-06", "patent.invention.in_force")]


def test_roc_years_of_a_row_header_and_a_growth_column_without_its_level():
    text = "表1 受理专利申请件数(单位:件)\n年别\t发明专利\t成长率(%)\n113年\t50,823\t-1.2\n114年\t-\t0.8\n"
    assert [(r["value"], r["role"], r["change_pct"], r["period"]) for r in extract_metrics(text, "2026-03-05")] == [
        (50823, "level", -1.2, "2024"), (0.8, "change_pct", None, "2025")]


def test_a_unit_written_in_english_in_the_caption_scales_every_figure():
    text = "Table 2 Royalties for the use of IP (100 million yuan)\nYear\tTotal\n2023\t3783.2\n2024\t3072\n"
    assert [(r["value"], r["unit"], r["period"]) for r in extract_metrics(text, "2025-01-20")] == [
        (378320000000, "CNY", "2023"), (307200000000, "CNY", "2024")]


def test_aligned_lines_without_figures_are_no_table():
    raw = "发布日期：2025年5月12日　　编制：编辑组\n主办：知产数据手册　　地址：北京市\n"
    assert "\t" not in clean_document(raw, False).text


def test_a_growth_row_gives_the_level_above_its_rate_and_a_unit_column_scales_its_row():
    html = """<p>2025-01-20</p>
    <table><tr><th colspan="3">Table 3: Royalties for the use of IP (100 million yuan)</th></tr>
    <tr><th>Item</th><th>2023</th><th>2024</th></tr>
    <tr><td>Total</td><td>3,783.2</td><td>3,072.0</td></tr><tr><td>Growth (%)</td><td>-2.3</td><td>-18.8</td></tr></table>
    <table><tr><th>排名</th><th>地区</th><th>单位</th><th>2023年</th><th>同比(%)</th><th>占全国比重(%)</th></tr>
    <tr><td>1</td><td>广东</td><td>万件</td><td>15.6</td><td>7.1</td><td>17.0</td></tr></table>"""
    # Two tables one after the other stay two (their rows differ in width); a column without a year takes the
    # year of the column left of it; numbers left of a row's header are ranks only in a rank column.
    assert [(r["value"], r["unit"], r["role"], r["change_pct"], r["period"])
            for r in extract_metrics(clean_document(html, True).text, "2025-01-20")] == [
        (378320000000, "CNY", "level", -2.3, "2023"), (307200000000, "CNY", "level", -18.8, "2024"),
        (1, "rank", "rank", None, "2023"), (156000, "count", "level", 7.1, "2023"), (17.0, "percent", "share", None, "2023")]
