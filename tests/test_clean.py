"""Clean: plain simplified text, boilerplate and duplicates out, lang/script/date detected."""
from __future__ import annotations

from tasks.clean import clean_document
from tasks.clean.text import clean_text, detect_script, html_to_text, normalise, strip_pinyin
from tasks.clean.published import detect_published


def test_html_keeps_visible_text_one_line_per_block():
    html = """<html><head><title>T</title><script>var x = 123456;</script><style>p{}</style></head>
    <body><nav>Home</nav><div class="article"><p>In 2023, <b>921,000</b> invention patents were granted.</p>
    <p>Second paragraph</p></div><!-- 999 --></body></html>"""
    text = html_to_text(html)
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    assert "In 2023, 921,000 invention patents were granted." in lines
    assert "Second paragraph" in lines
    assert "123456" not in text and "999" not in text


def test_unclosed_html_still_gives_its_text():
    assert "12 patents" in html_to_text("<html><body><p>12 patents<div>more")


def test_pinyin_annotations_are_removed_for_any_character():
    assert strip_pinyin("中國(zhōng)經(jīng)濟(jì)網(wǎng)") == "中國經濟網"
    # real parentheses and plain Latin stay
    assert strip_pinyin("方案(2023-2025年)和(PCT)") == "方案(2023-2025年)和(PCT)"


def test_traditional_text_becomes_simplified_and_keeps_its_script():
    text, script = clean_text("國家知識產(chǎn)權(quán)局：專利質押融資達７９２２．３億元，同比增長６０％。", is_html=False)
    assert script == "hant"
    assert text == "国家知识产权局:专利质押融资达7922.3亿元,同比增长60%。"


def test_script_detection():
    assert detect_script("国家知识产权局发布了专利统计数据") == "hans"
    assert detect_script("國家知識產權局發布了專利統計數據") == "hant"
    assert detect_script("The State Intellectual Property Office said 12 patents") == "latin"
    # Occurrences count, against hant_min_changed_share = 0.05: 1 of 31 Han characters is traditional, then 2 of 32.
    simplified = "国家知识产权局发布专利统计数据" * 2
    assert detect_script(simplified + "國") == "hans" and detect_script(simplified + "國國") == "hant"


def test_normalise_folds_dashes_brackets_and_full_width_forms():
    assert normalise("2019—2023年〔2021〕１２号：增长–5％") == "2019-2023年[2021]12号:增长-5%"


def test_boilerplate_lines_and_repeated_paragraphs_are_removed():
    raw = "\n".join([
        "Patent pledge financing reached 853.99 billion yuan in 2023.",
        "Copyright © 2008-2024 by www.example.cn all rights reserved",
        "粤ICP备2021174526号",
        "Illegal and bad information report hotline: 010-84151598",
        "Editor in charge: Song Xinyu",
        "8abdc3c5-7621-47a0-90cf-ed6a9f51a48d.jpg",
        "扫一扫，关注我们",
        "Patent pledge financing reached 853.99 billion yuan in 2023.",
        "Short",
        "Short",
    ])
    text, _ = clean_text(raw, is_html=False)
    assert text.split("\n") == ["Patent pledge financing reached 853.99 billion yuan in 2023.", "Short", "Short"]


def test_language_and_publication_date():
    doc = clean_document("Release Time:\n2022-08-17\nIn 2021, a total of 815,000 applications.\nAugust 11, 2022", is_html=False)
    assert (doc.lang, doc.script, doc.published) == ("en", "latin", "2022-08-17")
    zh = clean_document("中新經緯11月29日電 前三季度，知識產權使用費達3072億元。《2024年全球創新指數報告》", is_html=False)
    assert (zh.lang, zh.script, zh.published) == ("zh", "hant", "2024-11-29")


def test_published_variants():
    assert detect_published("发布时间：2021年1月15日 10:05\n正文") == "2021-01-15"
    assert detect_published("Title\nUpdated: 2023-01-13 15:20\nBody") == "2023-01-13"
    # a signature date at the end when the header has none
    assert detect_published("Body text about 2019 figures.\nState Intellectual Property Office\nAugust 11, 2022") == "2022-08-11"
    # plan periods and document numbers are not publication dates
    assert detect_published("Action Plan (2014-2020) Guobanfa [2014] No. 64 said things.") is None
    # an event the text calls ongoing dates it to that event's month
    assert detect_published("The ongoing Sixth China International Import Expo has attracted many.") == "2023-11"
