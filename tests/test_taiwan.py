"""Traditional Chinese from Taiwan (issue 14): ROC years and dates, 萬 followed by a thousands group, ranks written
as words, thresholds and references that are no statistics, Chinese-numeral digit strings."""
from __future__ import annotations

import pytest

from tasks.clean import clean_document
from tasks.clean.text import clean_text
from tasks.common.dates import PubDate, uses_roc_years
from tasks.extract import extract_metrics
from tasks.extract.numbers import find_quantities
from tasks.extract.timeexprs import find_time_exprs

# A TIPO-style date line: it writes a date in the ROC calendar, so the text's bare 114年 is an ROC year.
ROC_DATE_LINE = "115/02/26 16:42　記者王品涵／台北報導\n"


def rows(text: str, published: str | None = "2026-02-26") -> list[dict]:
    """The metric rows of a text, cleaned first."""
    clean, _ = clean_text(text, is_html=False)
    return extract_metrics(clean, published)


def found(text: str, published: str | None = "2026-02-26") -> list[tuple]:
    """(surface, value, unit, role) of each metric of a text."""
    return [(r["surface"], r["value"], r["unit"], r["role"]) for r in rows(text, published)]


def periods(text: str, published: str | None = "2026-02-26") -> list[tuple[str, str | None]]:
    """(surface, period) of each metric of a text."""
    return [(r["surface"], r["period"]) for r in rows(text, published)]


# ROC years

def test_a_bare_roc_year_is_read_in_a_text_that_writes_roc_dates():
    text = ROC_DATE_LINE + "經濟部智慧財產局今日公布114年專利申請統計，全國發明專利申請共51,230件，年增1%。"
    assert periods(text) == [("51,230件", "2025")]


def test_minguo_names_an_roc_year_in_any_text():
    assert periods("民國113年，商標註冊申請共9萬1,535件。") == [("9万1,535件", "2024")]


@pytest.mark.parametrize(("text", "roc", "period"), [
    ("台積電114年申請1,485件。", False, None),  # no ROC date in the text: 114年 may be a duration, no year
    ("台積電於114年度申請1,485件。", True, "2025"),  # 114年度 is an ROC year in any text, and makes the text one
])
def test_without_roc_dates_a_bare_three_digit_year_needs_the_texts_evidence(text, roc, period):
    assert uses_roc_years(clean_text(text, is_html=False)[0]) is roc
    assert periods(text) == [("1,485件", period)]


@pytest.mark.parametrize(("text", "expected"), [
    ("2023年全國專利申請共100萬件。", [("100万件", "2023")]),  # a Gregorian year stays one
    ("該公司成立30年，累計申請1,200件。", [("1,200件", None)]),  # 30年: two digits, a duration
    ("中國共產黨成立100年來，專利申請達到100萬件。", [("100万件", None)]),  # 100年來: a duration
])
def test_gregorian_years_and_durations_are_not_roc_years(text, expected):
    assert periods(ROC_DATE_LINE + text) == expected


def test_roc_years_in_time_expressions():
    roc = PubDate.parse("2026-02-26", roc_years=True)  # time expressions are read in clean (simplified) text
    assert [t.period(roc, 2025) for t in find_time_exprs("自110年以来逐年攀升", roc)] == ["2021/2025"]
    assert [t.period(roc, None) for t in find_time_exprs("114年第一季度", roc)] == ["2025-Q1"]
    assert [t.period(roc, None) for t in find_time_exprs("截至114年底", roc)] == ["@2025"]
    assert find_time_exprs("近100年来", roc) == [] and find_time_exprs("100多年", roc) == []
    plain = PubDate.parse("2026-02-26")  # a text with no ROC date: 114年 is no year, 民國114年 is
    assert find_time_exprs("114年专利申请", plain) == []
    assert [t.year for t in find_time_exprs("民国114年专利申请", plain)] == [2025]


def test_a_comparison_with_an_roc_year_is_not_the_period():
    text = ROC_DATE_LINE + "114年受理三種專利申請共7萬1,965件，比113年少1%。"
    assert periods(text)[0] == ("7万1,965件", "2025")


@pytest.mark.parametrize(("text", "expected"), [
    ("科技產經網\n115/02/26 16:42　記者王品涵∕台北報導\n經濟部智慧財產局今日公布排名。", "2026-02-26"),
    ("智財統計快訊\n發布日期：115年3月5日　資料整理：研究組\n本文", "2026-03-05"),
    ("台灣財經日報\n中華民國114年3月5日（星期三）\n本文", "2025-03-05"),
    ("智慧局新聞稿\n114/03/05\n本文", "2025-03-05"),
])
def test_a_date_line_in_roc_form_sets_the_publication_date(text, expected):
    assert clean_document(text, is_html=False).published == expected


def test_roc_dates_and_bylines_are_not_statistics():
    assert found("115/02/26 16:42 記者王品涵／台北報導\n（編輯：陳怡君）1140912") == []


# 萬 followed by a thousands group

@pytest.mark.parametrize(("text", "surface", "value"), [
    ("商標註冊申請則有9萬7,411件，年增8%。", "9万7,411件", 97411),
    ("全年受理三種專利申請共7萬1,965件。", "7万1,965件", 71965),
    ("新型專利1萬4,000件、設計專利6,735件。", "1万4,000件", 14000),
])
def test_wan_followed_by_a_thousands_group_is_one_number(text, surface, value):
    assert (surface, value, "count", "level") in found(text)
    assert not any(r[1] in (value // 10000 * 10000, value % 10000) for r in found(text) if r[0] != "6,735件")


def test_a_thousands_group_after_yi_and_a_separate_list_item_stay_apart():
    assert [(q.surface, q.value) for q in find_quantities("1亿2,345万元")] == [("1亿2,345万元", 123_450_000)]
    assert [(q.surface, q.value) for q in find_quantities("共5万,1,230件")] == [("5万", 50_000), ("1,230件", 1230)]


# Ranks

@pytest.mark.parametrize(("text", "expected"), [
    ("外國申請人中，日本以1萬2,524件高居首位，美國以6,954件居次，中國大陸排第三，南韓與德國分列第四、第五。",
     [("1万2,524件", 12524, "count", "level"), ("首位", 1, "rank", "rank"), ("6,954件", 6954, "count", "level"),
      ("居次", 2, "rank", "rank"), ("第三", 3, "rank", "rank"), ("第四", 4, "rank", "rank"), ("第五", 5, "rank", "rank")]),
    ("研究機構方面，工研院以328件居研究機構之首。", [("328件", 328, "count", "level"), ("之首", 1, "rank", "rank")]),
    ("本國人發明專利申請由台積電以1,485件拿下第一。", [("1,485件", 1485, "count", "level"), ("第一", 1, "rank", "rank")]),
    ("外國人則由美國應用材料以1,088件蟬聯首位。", [("1,088件", 1088, "count", "level"), ("首位", 1, "rank", "rank")]),
    ("台積電獲證1,543件，居本國人榜首。", [("1,543件", 1543, "count", "level"), ("榜首", 1, "rank", "rank")]),
    ("台積電以二八三件再度登頂。", [("二八三件", 283, "count", "level"), ("登顶", 1, "rank", "rank")]),
    ("應材以三〇二件奪冠。", [("三〇二件", 302, "count", "level"), ("夺冠", 1, "rank", "rank")]),
    ("外國人則以第9類申請4,063件居冠。", [("4,063件", 4063, "count", "level"), ("居冠", 1, "rank", "rank")]),
    ("外國人發明專利申請以日本三一五〇件居首，美國一八五二件次之。",
     [("三一五〇件", 3150, "count", "level"), ("居首", 1, "rank", "rank"), ("一八五二件", 1852, "count", "level"),
      ("次之", 2, "rank", "rank")]),
])
def test_ranks_written_as_words_and_after_ranking_verbs(text, expected):
    assert found(text) == expected


def test_ranks_after_paixu_with_or_without_di():
    assert [r for r in found("排序第3的鴻海年增31%；排序14的中鋼申請143件。") if r[2] == "rank"] == [
        ("第3", 3, "rank", "rank"), ("14", 14, "rank", "rank")]


def test_a_bracketed_list_after_a_bracketed_rank_is_a_list_of_ranks():
    text = "包括台積電（排名12）、瑞昱（28）、聯發科（31）及慧榮（98）。"
    assert [(v, u) for _, v, u, _ in found(text)] == [(12, "rank"), (28, "rank"), (31, "rank"), (98, "rank")]


def test_bracketed_numbers_after_no_rank_stay_no_statistics():
    assert found("工作重點包括（1）審查、（2）服務。") == []


def test_a_lesser_place_in_importance_is_no_rank():
    assert all(r[2] != "rank" for r in found("專利申請1,200件，居次要地位。"))


# Thresholds and references

@pytest.mark.parametrize("text", [
    "114年本國法人發明專利申請前十大依序為台積電、友達（397件）。",
    "在114年前20大本國申請人中，中鋼申請143件。",
    "智慧局公布114年專利百大名單，中鋼申請143件。",
    "中鋼申請143件，為近11年新高（如表1）。",
    "依智慧局整理的2024年統計（表2），中鋼申請143件。",
    "紙本：財經焦點　04版\n中鋼申請143件。",
])
def test_thresholds_table_references_and_pages_are_not_statistics(text):
    assert [r[1] for r in found(text)] in ([397], [143])


def test_a_table_reference_does_not_hide_a_count_after_daibiao():
    assert ("2980名", 2980, "count", "level") in found("出席代表2980名，申請143件。")


def test_a_phone_number_with_the_area_code_in_brackets_is_no_statistic():
    assert found("讀者服務專線：(02)2765-3800") == []


# Chinese-numeral digit strings

@pytest.mark.parametrize(("text", "value"), [
    ("台積電以二八三件再度登頂", 283), ("日本三一五〇件", 3150), ("日本信越化學一〇六件", 106), ("日本日東電工九十一件", 91),
])
def test_chinese_numeral_digit_strings_read_positionally(text, value):
    clean, _ = clean_text(text, is_html=False)
    assert [q.value for q in find_quantities(clean)] == [value]


def test_lu_of_dalu_does_not_run_into_the_number_after_it():
    clean, _ = clean_text("中國大陸九五二件排第三，中國大陸十家，CNIPA（中國大陸）", is_html=False)
    assert [q.value for q in find_quantities(clean) if q.unit == "count"] == [952, 3, 10]
    assert [q.value for q in find_quantities("人民币叁佰元，陆拾万元")] == [300, 600_000]


# Origins

def test_domestic_and_foreign_applicants_are_origins_not_the_category_international():
    text = ROC_DATE_LINE + "按申請人國籍區分，外國人去年申請發明專利3萬1,719件；本國人發明專利申請1萬9,511件。"
    got = {r["surface"]: (r["origin"], r["category"]) for r in rows(text)}
    assert got["3万1,719件"][0] == "foreign" and got["1万9,511件"][0] == "domestic"
    assert {category for _, category in got.values()} == {"patent"}
