"""Time expressions and period strings (format of ../shared/gold/SCHEMA.md)."""
from __future__ import annotations

import datetime as dt

import pytest

from tasks.common.dates import PubDate, event_date
from tasks.extract.timeexprs import find_time_exprs, period_bounds

PUB = PubDate.parse("2024-11-29")


def periods(text: str, published: PubDate | None = PUB, context_year: int | None = None) -> list[str]:
    """Period strings of every time expression in text."""
    return [t.period(published, context_year) for t in find_time_exprs(text, published)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("今年前三季度,专利", ["2024-Q1-Q3"]),
        ("2022年上半年", ["2022-H1"]),
        ("截至今年10月底", ["@2024-10"]),
        ("截至2022年底", ["@2022"]),
        ("截至目前", ["@2024-11-29"]),
        ("今年1-10月", ["2024-01/2024-10"]),
        ("去年", ["2023"]),
        ("党的十八大以来", ["2012/2024"]),
        ("In the first half of 2022, the amount", ["2022-H1"]),
        ("in the first three quarters of this year", ["2024-Q1-Q3"]),
        ("as of the end of 2022, there were", ["@2022"]),
        ("Up to now, a total of", ["@2024-11-29"]),
        ("Since the beginning of this year, more", ["2024-01/2024-11"]),
        ("reaching 79.11 points last year", ["2023"]),
        ("Since 2016, the average", ["2016/2024"]),
        ("from 6,418 in 2016 to 7,613 in 2022", ["2016", "2022"]),
    ],
)
def test_time_expressions(text, expected):
    assert periods(text) == expected


def test_impossible_months_are_not_periods():
    # the month is dropped; "this year" alone remains
    assert periods("截至今年14月底") == ["2024"]
    assert periods("今年13-15月") == ["2024"]
    assert periods("截至今年前三季度") == ["2024-Q1-Q3"]


def test_since_ends_at_the_context_year():
    assert periods("Since 2016, the average", context_year=2022) == ["2016/2022"]


def test_relative_periods_need_a_publication_date():
    assert periods("this year", published=None) == [None]


def test_event_calendar():
    assert event_date("the Sixth China International Import Expo") == (2023, 11)
    assert event_date("第六届中国国际进口博览会") == (2023, 11)
    assert event_date("党的十八大以来") == (2012, 11)


@pytest.mark.parametrize(
    ("period", "start", "end"),
    [
        ("2023", dt.date(2023, 1, 1), dt.date(2023, 12, 31)),
        ("2023-H1", dt.date(2023, 1, 1), dt.date(2023, 6, 30)),
        ("2024-Q1-Q3", dt.date(2024, 1, 1), dt.date(2024, 9, 30)),
        ("2023-01/2023-11", dt.date(2023, 1, 1), dt.date(2023, 11, 30)),
        ("2012/2024", dt.date(2012, 1, 1), dt.date(2024, 12, 31)),
        ("@2024-10", dt.date(2024, 10, 31), dt.date(2024, 10, 31)),
        ("@2022", dt.date(2022, 12, 31), dt.date(2022, 12, 31)),
        ("@2024-05-23", dt.date(2024, 5, 23), dt.date(2024, 5, 23)),
        (None, None, None),
    ],
)
def test_period_bounds(period, start, end):
    assert period_bounds(period) == (start, end)


def test_a_base_of_comparison_is_not_a_period():
    assert periods("an increase of 5.585 billion dollars over the same period of 2017") == []
    assert periods("比2015年增加3.9万件") == []
    assert periods("Compared with the same period in 2019, cases rose") == []


def test_a_list_of_figures_each_followed_by_a_colon_and_its_description_takes_its_own_year():
    from tasks.clean.text import clean_text
    from tasks.extract import extract_metrics

    text = ("China's IP year in numbers\n- 0.92 million: invention patents granted in 2023, up 15.3% on 2022.\n"
            "- Nearly 4.4 million: trademarks registered in 2023.\n"
            "- 46.15 million: valid registered trademarks at the end of 2023.\n"
            "- About 74,000: international patent applications received by CNIPA under the Patent Cooperation "
            "Treaty in 2023.\n")
    clean, _ = clean_text(text, is_html=False)
    rows = [(r["surface"], r["period"], r["indicator"]) for r in extract_metrics(clean, "2024-01-31")]
    assert rows == [("0.92 million", "2023", "patent.invention.grants"), ("4.4 million", "2023", "trademark.registrations"),
                    ("46.15 million", "@2023", "trademark.in_force"), ("74,000", "2023", "patent.pct.applications")]


def _periods(text: str, published: str) -> list[tuple[str, str | None]]:
    """(surface, period) of each metric of a text, cleaned first."""
    from tasks.clean.text import clean_text
    from tasks.extract import extract_metrics

    clean, _ = clean_text(text, is_html=False)
    return [(r["surface"], r["period"]) for r in extract_metrics(clean, published)]


def test_the_first_six_months_and_january_to_june_are_the_first_half():
    assert _periods("China granted 433,000 invention patents in the first six months of this year. From January to "
                    "June, 249,000 malicious trademark applications were dealt with.", "2023-07-18") == [
        ("433,000", "2023-H1"), ("249,000", "2023-H1")]
    assert _periods("2024年1-3月,授权发明专利24.2万件。", "2024-04-20") == [("24.2万件", "2024-Q1")]


def test_the_same_period_last_year_is_the_period_of_the_sentence_a_year_earlier():
    assert _periods("China granted 433,000 invention patents in the first six months of this year, compared with "
                    "393,000 in the same period last year.", "2023-07-18") == [
        ("433,000", "2023-H1"), ("393,000", "2022-H1")]
    assert _periods("2023年一季度,发明专利授权量占全市专利授权总量的比重为20.4%,去年同期为15.4%。", "2023-05-16") == [
        ("20.4%", "2023-Q1"), ("15.4%", "2022-Q1")]


def test_a_comparison_with_the_same_period_last_year_keeps_the_current_period():
    assert _periods("2023年一季度,全市新增发明专利授权量6442件,较去年同期增加1200件。", "2023-05-16") == [
        ("6442件", "2023-Q1"), ("1200件", "2023-Q1")]


def test_a_stock_within_a_span_is_the_stock_at_its_end_and_a_cumulative_total_is_the_spans_flow():
    assert _periods("2019年上半年,全省每万人口发明专利拥有量2.51件。", "2019-10-30") == [("2.51件", "@2019-06")]
    assert _periods("2021年一季度,海关累计扣留侵权货物12885批。", "2021-05-10") == [("12885批", "2021-Q1")]


def test_a_span_of_years_is_the_period_of_the_figures_it_dates():
    assert _periods("Chinese patentees obtained 178,000 invention patents in green technologies from 2016 to 2022, "
                    "accounting for 31.9 percent of the global total.", "2023-07-18") == [
        ("178,000", "2016/2022"), ("31.9 percent", "2016/2022")]
    assert _periods("2016年至2020年,全国专利质押融资金额年均增长19%。", "2021-07-10") == [("19%", "2016/2020")]
    # Two figures each with its own year are not a span.
    assert _periods("The number rose from 6,418 in 2016 to 7,613 in 2022.", "2023-06-01") == [
        ("6,418", "2016"), ("7,613", "2022")]


def test_a_base_of_comparison_dates_only_its_own_figure_and_a_year_earlier_is_the_previous_year():
    text = ("China filed 69,610 PCT applications in 2023, down 0.6 percent from 70,017 a year earlier. The United "
            "States came second in 2023 with 55,678, down 5.3 percent from 58,823 in 2022, followed by Japan with "
            "48,879. The Republic of Korea rose to 22,288.")
    assert _periods(text, "2024-03-08") == [("69,610", "2023"), ("70,017", "2022"), ("second", "2023"), ("55,678", "2023"),
                                           ("58,823", "2022"), ("48,879", "2023"), ("22,288", "2023")]
    assert _periods("The applications came from 2,195 enterprises in the first half of 2020, 2.1 times as many as a "
                    "year earlier.", "2020-11-01")[1] == ("2.1 times", "2020-H1")


def test_an_annual_flow_beside_a_year_end_stock_and_a_total_brought_to():
    assert _periods("By the end of 2023, 2,508 geographical indication products were approved in total, with an annual "
                    "output value of more than 800 billion yuan.", "2024-01-31")[1] == ("800 billion yuan", "2023")
    assert _periods("It registered 13,000 layout designs in 2021, bringing the total to 52,000.", "2022-01-14") == [
        ("13,000", "2021"), ("52,000", "@2021")]


def test_a_quarter_written_without_du_as_in_taiwan():
    assert _periods("2025年第三季,外国人发明专利申请以日本3,150件居首。", "2025-11-09")[0] == ("3,150件", "2025-Q3")
    assert _periods("一年有四季,2025年专利申请5,000件。", "2025-11-09") == [("5,000件", "2025")]


def test_since_a_year_is_a_span_that_later_sentences_do_not_take_and_a_streak_holds_in_its_last_year():
    rows = _periods("中華民國115年2月26日 智慧局公布114年專利統計。台积电自105年起已连续10年蝉联首位。"
                    "外国人则由应用材料以1,088件蝉联首位。", "2026-02-26")
    assert rows == [("10年", "2025"), ("首位", "2016/2025"), ("1,088件", "2025"), ("首位", "2025")]


def test_since_the_year_the_text_speaks_of_runs_to_the_time_of_writing():
    assert periods("Since 2016, the average", context_year=2016) == ["2016/2024"]
    assert _periods("2024年新增试点9个。多数中心2024年以来协助审理司法案件965件。", "2025-02-20")[1] == ("965件", "2024/2025")


def test_the_whole_year_after_a_year_and_that_year_take_the_year_the_text_speaks_of():
    assert _periods("2022年全年,全国专利商标质押融资额为4868.8亿元。", "2023-01-16") == [("4868.8亿元", "2022")]
    assert _periods("2019年商标注册申请量有所回落。当年商标注册平均审查周期缩短至4.5个月。", "2025-03-01") == [
        ("4.5个月", "2019")]
    assert _periods("Patent filings peaked in 2021. That year, licensing income rose 12 percent.", "2024-05-01") == [
        ("12 percent", "2021")]


def test_a_total_over_the_whole_year_is_a_flow_and_holdings_per_10000_a_stock():
    assert _periods("2017年国家知识产权局全年累计减免专利费用58亿元。", "2018-01-20") == [("58亿元", "2017")]
    assert _periods("2024年,每万户商事主体拥有商标6577.59件。", "2025-03-01") == [("6577.59件", "@2024")]


def test_a_share_of_a_stock_is_a_stock_and_a_change_against_the_same_period_a_year_earlier_too():
    assert _periods("2024年,百强企业拥有的发明专利有效量合计15.8万件,超过全市总量的44%。", "2025-03-01") == [
        ("15.8万件", "@2024"), ("44%", "@2024")]
    assert _periods("截至2023年3月底,全市拥有有效发明专利的企业16152家,比去年同期多3821家。", "2023-05-16") == [
        ("16152家", "@2023-03"), ("3821家", "@2023-03")]


def test_one_month_a_n_month_period_and_vague_times():
    assert _periods("2021年5月上旬,海关查获约4000个邮包涉嫌侵权。", "2021-06-01") == [("4000个", "2021-05")]
    assert _periods("In the first ten months, pledge financing rose. Pledge financing totaled 166.4 billion yuan during "
                    "the 10-month period.", "2020-11-20")[-1] == ("166.4 billion yuan", "2020-01/2020-10")
    assert _periods("2019年全省专利授权1396件。近年来,全省累计推介专利700余件。", "2019-10-30") == [
        ("1396件", "2019"), ("700余件", None)]
    assert _periods("So far, 110 Chinese geographical indication products have won protection abroad.",
                    "2025-07-17") == [("110", "@2025-07-17")]


def test_the_year_of_a_record_equalled_is_no_time_scope():
    rows = _periods("中華民國115年2月26日 智慧局公布114年專利統計。中钢申请143件,追平102年的历史纪录;"
                    "纬创申请141件,为近11年新高。", "2026-02-26")
    assert rows == [("143件", "2025"), ("141件", "2025")]


def test_a_base_of_comparison_dated_right_before_it_and_the_change_of_a_stock_at_its_date():
    assert _periods("2019年,全国著作权登记总量达到4186549件,较2018年的3457338件增长21.09%。", "2020-03-01") == [
        ("4186549件", "2019"), ("3457338件", "2018")]
    assert _periods("截至2023年3月底,全市每万人口发明专利拥有量为65.4件,较去年同期增加12.9件。", "2023-05-16") == [
        ("65.4件", "@2023-03"), ("12.9件", "@2023-03")]


def test_a_change_against_a_base_years_before_is_the_change_over_the_years_between():
    assert _periods("集成电路布图设计登记申请量由2016年的0.24万件增长至2020年的1.44万件,年均增长57.1%。", "2021-03-01") == [
        ("0.24万件", "2016"), ("1.44万件", "2020"), ("57.1%", "2016/2020")]
    assert _periods("China spent 28.74 billion U.S. dollars on royalties in 2017, nearly 14 times the level of 2001.",
                    "2018-05-01") == [("28.74 billion U.S. dollars", "2017"), ("14 times", "2001/2017")]
    # A base a year before is the usual comparison: the change is its own year's.
    assert _periods("2016年领域有29个,比2015年增加1个。", "2017-03-01") == [("29个", "2016"), ("1个", "2016")]
    # A figure with a year of its own is that year's, also after a "from" base.
    assert _periods("The rate climbed from 44.9 percent in 2020 to 53.3 percent in 2024.", "2025-07-17") == [
        ("44.9 percent", "2020"), ("53.3 percent", "2024")]


def test_five_year_plans_are_spans_and_their_ends_years():
    assert _periods("“十三五”期间,全国专利商标质押融资金额年均增幅为19%。", "2021-07-10") == [("19%", "2016/2020")]
    assert _periods("2022年每万人口高价值发明专利拥有量达到9.4件,较「十三五」末提高3.1件。", "2023-01-16") == [
        ("9.4件", "@2022"), ("3.1件", "2020/2022")]
    assert _periods("As of the end of June, valid invention patents reached 1.472 million, 2.2 times the figure at the "
                    "end of the 13th Five-Year Plan period in 2020.", "2025-07-17") == [
        ("1.472 million", "@2025-06"), ("2.2 times", "2020/2025")]
    assert _periods("During the 14th Five-Year Plan period, 80 centres were built.", "2025-07-17") == [
        ("80", "2021/2025")]


def test_a_breakdown_paragraph_keeps_the_scope_in_force_and_another_paragraph_does_not():
    text = ("In the first half of 2018, IP royalty trade reached 22 billion dollars.\n\n"
            "By industry, manufacturing exported 2.138 billion dollars.\n\n"
            "By region, Guangdong exported 2.284 billion dollars.\n\n"
            "It is reported that 43 centres were set up.")
    assert _periods(text, "2018-11-07") == [("22 billion dollars", "2018-H1"), ("2.138 billion dollars", "2018-H1"),
                                           ("2.284 billion dollars", "2018-H1"), ("43", None)]


def test_now_is_the_time_of_writing():
    assert _periods("There are now 483 national-level IP public service institutions.", "2025-07-17") == [
        ("483", "@2025-07-17")]


def test_under_a_year_end_scope_carried_in_a_figure_after_a_flow_verb_is_the_years_flow():
    text = ("In 2021, the CNIPA granted 695,900 invention patents. By the end of the year, there were some 37 million valid registered trademarks in China. The CNIPA approved "
            "99 geographical indication products and registered 477 GIs as collective marks. There were 12 million "
            "trademark holders.")
    assert _periods(text, "2022-01-20") == [("695,900", "2021"), ("37 million", "@2021"), ("99", "2021"), ("477", "2021"),
                                           ("12 million", "@2021")]


def test_a_year_right_after_a_figure_dates_it_and_a_currency_conversion_does_not_stand_between():
    assert _periods("WIPO data show 48,882 Chinese applications in 2017, 53,345 in 2018 and 58,990 in 2019.",
                    "2020-04-07") == [("48,882", "2017"), ("53,345", "2018"), ("58,990", "2019")]
    assert _periods("2017年32.7万件、2018年34.6万件。", "2019-03-01") == [("32.7万件", "2017"), ("34.6万件", "2018")]
    assert _periods("In 2021, value added hit 12.13 trillion yuan (about 1.9 trillion U.S. dollars) in 2020.",
                    "2021-12-30") == [("12.13 trillion yuan", "2020"), ("1.9 trillion U.S. dollars", "2020")]


def test_a_change_in_a_year_beyond_2099_is_read_not_failed():
    # A document dated 2105 (a perturbed date line): "去年" is 2104, a year the base-year pattern does not read.
    assert _periods("去年,专利申请量增长3倍。", "2105-01-20") == [("3倍", "2104")]
