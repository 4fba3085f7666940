"""Extraction on inline text: every statistic with role, growth, qualifier, period, category."""
from __future__ import annotations

import pytest

from tasks.extract import extract_metrics

FIELDS = ("surface", "value", "unit", "role", "change_pct", "qualifier", "period", "category")


def rows(text: str, published: str | None = "2024-11-29") -> list[tuple]:
    """The metrics of a clean text as tuples of the scored fields."""
    return [tuple(r[f] for f in FIELDS) for r in extract_metrics(text, published)]


def test_level_with_growth_rate_in_the_same_clause():
    assert rows("In 2023, 921000 invention patents were granted, up 15.3% year on year.") == [
        ("921000", 921000, "count", "level", 15.3, None, "2023", "patent"),
    ]


def test_respectively_distributes_rates_to_the_last_levels():
    text = ("In 2023, China approved 4.383 million registered trademarks and registered 6428000 works "
            "and 2.495 million computer software copyrights, up 42.3% and 36.0% year on year respectively.")
    assert rows(text) == [
        ("4.383 million", 4383000, "count", "level", None, None, "2023", "trademark"),
        ("6428000", 6428000, "count", "level", 42.3, None, "2023", "copyright"),
        ("2.495 million", 2495000, "count", "level", 36.0, None, "2023", "copyright"),
    ]


def test_chinese_scale_words_and_a_fall():
    text = "今年前三季度,专利、商标质押融资登记总额达7922.3亿元,同比下降18.97%。"
    assert rows(text) == [
        ("7922.3亿元", 792230000000, "CNY", "level", -18.97, None, "2024-Q1-Q3", "finance"),
    ]


def test_growth_rate_without_a_level_keeps_its_own_row():
    text = "今年前三季度,全国高校和科研机构专利转让许可备案次数同比增长24.1%。"
    assert rows(text) == [("24.1%", 24.1, "percent", "change_pct", None, None, "2024-Q1-Q3", "licensing_trade")]


def test_share_stock_and_carried_period():
    text = ("截至今年10月底,我国发明专利平均审查周期压减至15.6个月。"
            "国内有效发明专利拥有量达到466万件,其中,企业拥有341.7万件,占全部有效发明专利量的73.3%。")
    assert rows(text) == [
        ("15.6个月", 15.6, "month", "level", None, None, "@2024-10", "examination"),
        ("466万件", 4660000, "count", "level", None, None, "@2024-10", "patent"),
        ("341.7万件", 3417000, "count", "level", None, None, "@2024-10", "patent"),
        ("73.3%", 73.3, "percent", "share", None, None, "@2024-10", "patent"),
    ]


def test_qualifiers():
    text = ("At present, there are more than 4,600 foreign-invested enterprises registered, "
            "nearly 10,000 licenses were granted and fewer than 300 cases remain.")
    assert rows(text) == [
        ("4,600", 4600, "count", "level", None, "over", "@2024-11-29", "international"),
        ("10,000", 10000, "count", "level", None, "approx", "@2024-11-29", "licensing_trade"),
        ("300", 300, "count", "level", None, "under", "@2024-11-29", "enforcement"),
    ]
    assert rows("累计与80多个国家和地区建立了合作关系,近70个国家代表参会。", None) == [
        ("80多个", 80, "count", "level", None, "over", None, "international"),
        ("70个", 70, "count", "level", None, "approx", None, "international"),
    ]


def test_ranks_streaks_multiples_and_points():
    text = "我国在《2024年全球创新指数报告》中的排名提升至第11位,全球百强科技集群数量达到26个,连续两年位居世界第一。"
    assert rows(text) == [
        ("第11位", 11, "rank", "rank", None, None, "2024", "innovation"),
        ("26个", 26, "count", "level", None, None, "2024", "innovation"),
        ("两年", 2, "year", "level", None, None, "2024", "innovation"),
        ("第一", 1, "rank", "rank", None, None, "2024", "innovation"),
    ]
    english = ("Since 2016, the average annual growth rate of digital economy patents has been 22.6%, "
               "which is 1.5 times the growth rate of all grants.")
    assert rows(english, "2023-11") == [
        ("22.6%", 22.6, "percent", "change_pct", None, None, "2016/2023", "innovation"),
        ("1.5 times", 1.5, "multiple", "level", None, None, "2016/2023", "innovation"),
    ]
    # Satisfaction with IP protection is the indicator enforcement.satisfaction, so its category is enforcement.
    assert rows("Satisfaction reached 79.11 points last year.", "2023-11") == [
        ("79.11 points", 79.11, "point", "level", None, None, "2022", "enforcement"),
    ]


def test_percentage_points_and_absolute_changes():
    assert rows("The share rose by 0.47 percentage points.", None) == [
        ("0.47 percentage points", 0.47, "percent", "change_abs", None, None, None, "other"),
    ]
    assert rows("The number of infringement cases saw a decrease of 913,304.", None) == [
        ("913,304", -913304, "count", "change_abs", None, None, None, "enforcement"),
    ]


def test_a_bare_amount_takes_the_documents_topic():
    text = ("Patent pledge financing grew fast, and pledge loans to small firms rose.\n"
            "The total reached 853.99 billion yuan in 2023.")
    assert rows(text, None)[0][-1] == "finance"


@pytest.mark.parametrize(
    "text",
    [
        "Reply No. 5778 to the 13th National People's Congress on the 14th Five-Year Plan.",
        "Guobanfa [2014] No. 64 on the Action Plan (2014-2020).",
        "(1) Continue to strengthen. 2. Main actions. First, the study.",
        "China has 24 clusters in the world's top 100, for the first time.",
        "Hotline: 010-84151598, released on August 11, 2022 at 10:07.",
        "一是按照党的二十届二中全会部署,推动“一带一路”和“十四五”规划,成功举办第三届会议。",
        "the data should meet three conditions and the four sufficient principles, a three-year plan.",
        "inclusive loans of less than 10 million yuan benefited enterprises.",
        "中新经纬11月29日电 29日,国家知识产权局在11月例行新闻发布会上说。",
        "每万人口高价值发明专利拥有量 per 10,000 population.",
    ],
)
def test_numbers_that_are_not_statistics(text):
    found = [r[0] for r in rows(text)]
    assert "24" in found if "24 clusters" in text else found == []


def test_same_statistic_twice_in_a_document_is_one_row():
    text = "前三季度,知识产权使用费进出口总额达3072亿元,同比增长7.2%。\n今年前三季度,知识产权使用费进出口总额达3072亿元,同比增长7.2%。"
    assert len(rows(text)) == 1


def test_row_positions_point_at_the_surface():
    text = "Intro line.\nIn 2023, 44000 cases of patent violations were handled."
    (row,) = extract_metrics(text, "2024-05-23", "a" * 64, "doc.txt")
    assert text[row["char_start"]:row["char_end"]] == row["surface"] == "44000"
    assert row["sentence"] == "In 2023, 44000 cases of patent violations were handled."
    assert row["period_year"] == 2023 and str(row["period_start"]) == "2023-01-01"


def test_a_paragraph_that_goes_on_keeps_the_time_scope_a_list_item_does_not():
    text = ("In the first half of 2018, IP royalty trade reached 22 billion dollars.\n"
            "By industry, manufacturing exported 2.138 billion dollars.\n"
            "(2) Support 37 key cities in building IP operation service systems.")
    assert [(r[0], r[6]) for r in rows(text, None)] == [
        ("22 billion dollars", "2018-H1"), ("2.138 billion dollars", "2018-H1"), ("37", None)]


def test_a_huge_line_is_read_in_bounded_pieces():
    from tasks.common.rules import rules
    from tasks.extract.segment import segment

    text = "In 2023, " + ", ".join(f"{3000 + i} cases" for i in range(3000))
    sentences = segment(text)
    assert max(len(s.text) for s in sentences) <= rules().context["windows"]["max_sentence_chars"]
    assert "".join(text[s.start:s.start + len(s.text)] for s in sentences).replace(" ", "") == text.replace(" ", "")
    assert len(rows(text, None)) == 3000


def test_a_column_of_bare_numbers_is_not_read_as_statistics():
    assert rows("-422690.39 52,583,482 7731 0.5 18 99,001 3.25", None) == []


def test_first_place_written_as_a_word_is_a_rank():
    assert rows("我国数字经济核心产业发明专利授权量居全球首位。", "2025-09-12") == [
        ("首位", 1, "rank", "rank", None, None, None, "innovation")]


def _role_growth(text: str, published: str = "2024-07-20") -> list[tuple]:
    """(surface, unit, role, change_pct) of each metric of a clean text."""
    return [(r["surface"], r["unit"], r["role"], r["change_pct"]) for r in extract_metrics(text, published)]


def test_percentages_listed_together_share_the_first_ones_role():
    assert _role_growth("In 2021, invention, utility model and design grants grew by 35.3%, 32.7% and 28.7% "
                        "respectively.") == [("35.3%", "percent", "change_pct", None),
                                             ("32.7%", "percent", "change_pct", None),
                                             ("28.7%", "percent", "change_pct", None)]


def test_a_rate_after_a_conversion_in_brackets_belongs_to_the_sum_converted():
    assert _role_growth("2024年上半年,专利商标质押融资金额1800亿元(约合248亿美元),同比增长14.1%。") == [
        ("1800亿元", "CNY", "level", 14.1), ("248亿美元", "USD", "level", None)]


def test_a_rate_stated_for_each_level_before_it():
    assert _role_growth("2021年,专利商标质押融资金额3098亿元,融资项目达1.7万项,同比增长均为42%左右。") == [
        ("3098亿元", "CNY", "level", 42.0), ("1.7万项", "count", "level", 42.0)]


def test_an_absolute_change_named_after_or_before_the_number():
    assert _role_growth("By the end of 2021, 298,000 domestic enterprises held valid invention patents, 52,000 more "
                        "than a year earlier.") == [("298,000", "count", "level", None),
                                                    ("52,000", "count", "change_abs", None)]
    assert _role_growth("In 2021 the number was 792,000, up 114,000 over the end of 2020.")[1] == (
        "114,000", "count", "change_abs", None)
    assert _role_growth("China ranked 12th in the Global Innovation Index 2021, up two places from 2020.")[1] == (
        "two", "rank", "change_abs", None)


def test_a_statistic_repeated_later_gives_the_first_row_what_it_lacks():
    text = ("2017年我国发明专利申请量138.2万件。\n本报北京1月18日电 记者获悉:2017年,我国发明专利申请量为138.2万件,"
            "同比增长14.2%。")
    assert _role_growth(text, "2018-01-19") == [("138.2万件", "count", "level", 14.2)]


def test_a_precise_value_of_another_area_is_another_statistic():
    text = "2023年,广东省PCT国际专利申请23,676件。2023年,北京市商标申请23,676件。"
    assert [r["area"] for r in extract_metrics(text, "2024-01-20")] == ["CN-GD", "CN-BJ"]


def test_a_chinese_qualifier_before_the_whole_a_share_or_multiple_is_of():
    found = [(r["surface"], r["qualifier"]) for r in extract_metrics(
        "2024年,百强企业拥有有效发明专利超过深圳全市总量的44%,每万人口发明专利拥有量约为全国平均水平的5.7倍,"
        "其中职务发明约占九成,融资超过人民币100亿元。", "2025-04-22")]
    assert found == [("44%", "over"), ("5.7倍", "approx"), ("九成", "approx"), ("100亿元", "over")]


def test_ordinal_streaks_n_fold_multiples_and_number_words_listed_as_changes():
    found = rows("In 2020, for the fourth consecutive year, Huawei was the top filer. China's total represents a "
                 "200-fold increase on 1999.", "2021-03-02")
    assert [(r[0], r[1], r[2], r[3]) for r in found] == [
        ("fourth consecutive year", 4, "year", "level"), ("200-fold", 200, "multiple", "level")]
    found = rows("In 2023, protection centres grew to 72 and fast-response centres to 40, growing by eight and seven, "
                 "respectively.", "2024-01-20")
    assert [(r[0], r[1], r[3]) for r in found] == [
        ("72", 72, "level"), ("40", 40, "level"), ("eight", 8, "change_abs"), ("seven", 7, "change_abs")]
    # "one hundred and five" stays one number.
    assert [r[1] for r in rows("One hundred and five centres opened in 2023.", "2024-01-20")] == [105]


def test_two_holders_ranked_first_are_two_statistics():
    text = "2025年本国人发明专利申请2万件。研究机构方面,工研院以328件居研究机构之首;大专校院则由成功大学以134件居各校之首。"
    assert [(r[0], r[1]) for r in rows(text, "2026-02-26")] == [
        ("2万件", 20000), ("328件", 328), ("之首", 1), ("134件", 134), ("之首", 1)]


def test_a_rate_rising_to_its_level_is_that_levels_growth():
    found = rows("Financing reached 267.66 billion yuan, up 64.6 percent, with the number of pledge deals rising "
                 "56.9 percent to 16,000.", "2023-07-18")
    assert [(r[0], r[3], r[4]) for r in found] == [("267.66 billion yuan", "level", 64.6), ("16,000", "level", 56.9)]


def test_a_repeat_that_names_the_indicator_gives_the_first_statement_its_category():
    from tasks.common.rules import indicator_codes
    from tasks.extract.dedupe import fill_from

    kept = {"change_pct": None, "qualifier": None, "period": "2021", "period_start": None, "period_end": None,
            "period_year": 2021, "indicator": None, "origin": None, "area": None, "partial": None, "category": "finance"}
    repeat = dict(kept, indicator="copyright.works.registrations", partial=False, category="copyright")
    fill_from(kept, repeat)
    assert (kept["indicator"], kept["category"]) == (
        "copyright.works.registrations", indicator_codes()["copyright.works.registrations"]["category"])


def test_english_ranks_written_as_ordinals():
    found = rows("Shenzhen University came third with 252 applications in 2020, while Tsinghua University (231) and "
                 "Zhejiang University (209) ranked fourth and fifth, respectively. ZTE was in 16th place.", "2021-03-02")
    assert [(r[0], r[1], r[3]) for r in found if r[3] == "rank"] == [
        ("third", 3, "rank"), ("fourth", 4, "rank"), ("fifth", 5, "rank"), ("16th", 16, "rank")]
    # An ordinal that places nothing stays out: an edition, a day of a month.
    assert rows("The 16th Five-Year Plan starts in 2031; on March 5th experts met.", "2025-01-01") == []
