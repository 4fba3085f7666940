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


def who(raw: str, is_html: bool = False) -> tuple[str | None, str | None]:
    """(title, publisher) of a raw text."""
    doc = clean_document(raw, is_html)
    return doc.title, doc.publisher


def test_english_wire_story_is_the_agency_s_not_the_office_s_it_quotes():
    raw = "\n".join([
        "Home | China | Business | Tech",
        "China's invention patent grants rise 15.3 pct in 2023",
        "BEIJING, Jan. 12 (Xinhua) -- China granted 921,000 invention patents in 2023, up 15.3 percent year on year, "
        "the China National Intellectual Property Administration (CNIPA) said on Friday.",
        "The CNIPA also approved 4.38 million trademark registrations.",
    ])
    assert who(raw) == ("China's invention patent grants rise 15.3 pct in 2023", "Xinhua")


def test_chinese_page_with_a_source_line():
    raw = "\n".join([
        "首页 > 财经 > 正文",
        "上半年全国专利商标质押融资1074亿元 同比增长25.9%",
        "2021-07-15 09:12 来源：经济日报 作者：佘颖 【打印】",
        "国家知识产权局7月14日举行新闻发布会。上半年，全国专利、商标质押融资金额达到1074亿元，同比增长25.9%。",
        "国家知识产权局有关负责人表示，将继续扩大质押融资规模。",
    ])
    assert who(raw) == ("上半年全国专利商标质押融资1074亿元 同比增长25.9%", "Economic Daily")


def test_traditional_chinese_tipo_release():
    raw = "\n".join([
        "經濟部智慧財產局",
        "新聞稿",
        "112年發明專利申請量創新高 智慧局公布年度統計",
        "發布日期：2024-01-20",
        "經濟部智慧財產局今（20）日公布112年專利申請統計，發明專利申請量達50,100件，較上年成長1%。",
    ])
    assert who(raw) == ("112年发明专利申请量创新高 智慧局公布年度统计", "TIPO")


def test_official_reply_names_its_issuing_body_only_in_the_text():
    raw = "\n".join([
        "关于政协第十四届全国委员会第二次会议第01234号提案答复的函",
        "张某某委员：",
        "您提出的关于加强数据知识产权保护的提案收悉。经认真研究，现答复如下。",
        "国家知识产权局高度重视数据知识产权工作。2023年，国家知识产权局在17个地方开展试点，累计发放登记证书超过1.3万件。",
        "感谢您对知识产权工作的关心和支持。",
    ])
    assert who(raw) == ("关于政协第十四届全国委员会第二次会议第01234号提案答复的函", "CNIPA")


def test_a_text_that_opens_with_its_body_has_no_title():
    raw = ("In 2023, China granted 921,000 invention patents, up 15.3% year on year. "
           "The figures were released by the State Intellectual Property Office.\n"
           "Utility models reached 2.09 million.")
    assert who(raw) == (None, None)  # the office is named once: not enough to make it the publisher


def test_source_lines_unknown_compiled_or_naming_a_department():
    page = "首页 | 新闻\n国家知识产权局发布2023年专利统计数据\n2024-01-16 {}\n国家知识产权局今天发布数据。国家知识产权局表示，发明专利授权92.1万件。"
    assert who(page.format("来源：江城晚报 编辑：李四"))[1] == "江城晚报"  # an outlet the lexicon does not know, as written
    assert who(page.format("来源：综合新华社、人民日报等"))[1] is None  # several sources: none is the publisher
    on_the_office_site = page.replace("首页 | 新闻", "国家知识产权局 | 政务公开 | 公告").format("来源：战略规划司")
    assert who(on_the_office_site)[1] == "CNIPA"  # a department of the site's owner: the site decides


def test_title_and_publisher_of_the_seeds(seeds_dir):
    """What a person reading each seed would call its headline and its publisher."""
    from tasks.ingest import discover, ingest_files

    expected = {
        # Workers' Daily site (footer) republishing an Economic Daily story: "Source: Economic Daily" decides.
        "000_035977481f1947b4.txt": (
            "Serve scientific and technological innovation, maintain fair competition -- intellectual property helps "
            "the development and growth of new quality productivity", "Economic Daily"),
        # An official reply, signed by the office at the end.
        "001_9f9ff614c4c58e08.txt": (
            "Reply of the State Intellectual Property Office (SIPO) to the Fifth Session of the 13th National People's "
            "Congress (NPC) No. 5778 on the Proposal to Raise the proportion of high-value Patents in China to move "
            "towards a world patent Power", "CNIPA"),
        # A Q&A site's page: the breadcrumb names the site; the office is only cited once.
        "002_3972c8512e74cd44.txt": ("How to build an intellectual property power", "Joke Collection Website"),
        # Press-conference answers without a headline; the office speaks throughout.
        "003_1d62f533bde32d8e.txt": (None, "CNIPA"),
        # Opens with the dateline 中新经纬11月29日电 (China News Service's finance outlet), no headline.
        "004_bf973d473fa57c3a.txt": (None, "China News Service"),
    }
    found = {r["doc_name"]: who(r["raw_text"], r["format"] == "html") for r in ingest_files(discover(seeds_dir), workers=1)}
    assert found == expected


def test_header_lines_around_the_headline():
    # a column name and the headline on one line; the menu line above it is not one
    assert who("首页 | 资讯 | 数据\n数说知识产权|发明专利年授权量2023年逾92万件\n发布时间:2024-01-20 来源:知产数据观察\n"
               "2023年我国共授权发明专利92.1万件。") == ("数说知识产权|发明专利年授权量2023年逾92万件", "知产数据观察")
    # a site line above the headline names the publisher as written; a page-type label does not, nor do the offices the text names
    body = "The CNIPA granted 921,000 invention patents in 2023. The CNIPA said so in January."
    assert who(f"Hartwell & Zhou IP | Insights | Contact\nChina's patent grants in 2023: key facts\n{body}") == (
        "China's patent grants in 2023: key facts", "Hartwell & Zhou IP")
    assert who(f"CLIENT ALERT | Patents | China\nChina's patent grants in 2023: key facts\n{body}")[1] is None
