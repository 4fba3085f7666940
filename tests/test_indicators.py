"""Indicator identity: the code of what a statistic measures, whose filings, where, and whether it is all of it."""
from __future__ import annotations

import shutil

import pytest

import tasks.common.rules as rules_module
from flows.cli import main
from tasks.clean.text import clean_text
from tasks.common.rules import LexiconError, area_codes, check_lexicon, indicator_codes, rules
from tasks.extract import extract_metrics


def identities(text: str, published: str | None = "2024-01-20") -> list[tuple]:
    """(surface, indicator, origin, area, partial, category) of each metric of a text, cleaned first."""
    clean, _ = clean_text(text, is_html=False)
    return [(r["surface"], r["indicator"], r["origin"], r["area"], r["partial"], r["category"])
            for r in extract_metrics(clean, published)]


def test_english_grants_are_the_whole_indicator():
    assert identities("In 2023, China granted 921,000 invention patents.") == [
        ("921,000", "patent.invention.grants", None, None, False, "patent")]


def test_chinese_stock_of_domestic_valid_invention_patents():
    assert identities("截至2023年底，国内发明专利有效量达到401.5万件。") == [
        ("401.5万件", "patent.invention.in_force", "domestic", None, False, "patent")]


def test_traditional_chinese_arrives_simplified_and_is_identified():
    ((surface, indicator, *_),) = identities("2023年，全國專利商標質押融資金額達到8539.9億元。")
    assert (surface, indicator) == ("8539.9亿元", "finance.pledge.amount")


def test_a_province_is_the_area_and_a_trademark_application_the_indicator():
    assert identities("2023年上海市商标注册申请量52万件。") == [
        ("52万件", "trademark.applications", None, "CN-SH", False, "trademark")]


def test_each_right_of_a_list_gets_its_own_code():
    found = identities("2023年，我国授权实用新型专利209万件、外观设计专利63.8万件。")
    assert [(s, i) for s, i, *_ in found] == [("209万件", "patent.utility_model.grants"), ("63.8万件", "patent.design.grants")]


def test_enterprises_counted_with_the_pledges_of_the_sentence():
    found = identities("In 2022, pledge financing of patents and trademarks reached 162.65 billion yuan, benefiting 9,760 enterprises.")
    assert [(s, i) for s, i, *_ in found] == [("162.65 billion yuan", "finance.pledge.amount"),
                                             ("9,760", "finance.pledge.enterprises")]


def test_holders_counted_are_not_the_patents_they_hold():
    found = identities("截至2022年6月底，国内拥有有效发明专利的企业达32.5万家。")
    assert [(s, i, p) for s, i, _, _, p, _ in found] == [("32.5万家", None, None)]


def test_countries_counted_are_not_an_area():
    found = identities("我国已与包括美国、德国、法国、日本在内的33个国家和地区建立专利审查高速路。")
    assert [(s, i, a) for s, i, _, a, *_ in found] == [("33个", "international.pph_partners", None)]


def test_a_part_of_an_indicator_is_partial_and_keeps_its_own_category():
    found = identities("截至2023年底，企业拥有有效发明专利341.7万件，占全部有效发明专利量的73.3%。")
    assert [(s, i, p) for s, i, _, _, p, _ in found] == [("341.7万件", "patent.invention.in_force", True),
                                                      ("73.3%", "patent.invention.in_force", True)]


def test_international_filings_take_the_category_of_the_right_filed():
    ((surface, indicator, origin, area, partial, category),) = identities(
        "2023年，国内申请人提交PCT国际专利申请7.4万件。")
    assert (indicator, origin, partial, category) == ("patent.pct.applications", "domestic", False, "patent")


def test_a_list_line_takes_the_indicator_the_text_spoke_of_last():
    text = "2019年全国共完成作品著作权登记2701564件。\n上海市291803件，占10.80%；\n江苏省246607件，占9.13%。"
    found = identities(text, "2020-03-25")
    assert [(s, i, a) for s, i, _, a, *_ in found] == [
        ("2701564件", "copyright.works.registrations", None), ("291803件", "copyright.works.registrations", "CN-SH"),
        ("10.80%", "copyright.works.registrations", "CN-SH"), ("246607件", "copyright.works.registrations", "CN-JS"),
        ("9.13%", "copyright.works.registrations", "CN-JS")]


def test_a_streak_or_a_multiple_measures_no_indicator():
    found = identities("我国全球百强科技集群数量达到26个，连续两年位居世界第一。")
    assert [(s, i) for s, i, *_ in found] == [("26个", "innovation.top100_clusters"), ("两年", None),
                                             ("第一", "innovation.top100_clusters")]


def test_the_code_list_and_the_lexicon_agree():
    check_lexicon()
    codes = indicator_codes()
    assert len(codes) == 65 and {row["category"] for row in codes.values()} <= set(rules().categories["priority"])
    assert {code for table in ("provinces", "countries") for code in rules().areas[table]} <= area_codes()
    assert {"CN-GD", "CN-BJ", "US", "HK", "MO", "TW"} <= area_codes() and not {"CN", "CN-HK", "CN-TW"} & area_codes()


@pytest.fixture()
def broken_lexicon(tmp_path, monkeypatch):
    """A copy of the lexicon the test can break; the caches are cleared before and after."""
    copy = tmp_path / "lexicon"
    shutil.copytree(rules_module.LEXICON_DIR, copy)
    monkeypatch.setattr(rules_module, "LEXICON_DIR", copy)
    rules.cache_clear(), indicator_codes.cache_clear()
    yield copy
    rules.cache_clear(), indicator_codes.cache_clear()


def test_a_lexicon_entry_naming_an_unknown_code_stops_the_command_in_one_line(broken_lexicon, capsys):
    path = broken_lexicon / "indicators.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('code = "services.tisc"', 'code = "services.tisk"'),
                    encoding="utf-8")
    with pytest.raises(LexiconError, match=r"indicators\.toml: \[\[phrase\]\] \d+ names unknown indicator code 'services\.tisk'"):
        check_lexicon()
    assert main(["extract", "-"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("ipmetrics: error: ") and "services.tisk" in err


def test_a_code_list_that_does_not_load_stops_the_command(broken_lexicon, capsys):
    (broken_lexicon / "indicators.csv").write_text("code,category\npatent.x,patent\n", encoding="utf-8")
    assert main(["extract", "-"]) == 2
    err = capsys.readouterr().err.strip()
    assert "indicators.csv: line 2 lacks one of" in err and "\n" not in err


def test_a_figure_without_words_of_its_own_takes_the_indicator_of_the_figure_before_it_in_the_sentence():
    found = identities("In 2019, applicants from China filed 58,990 PCT applications, edging past the United States, "
                       "which filed 57,840.", "2020-04-07")
    # 57,840 borrows the origin of 58,990 too (the gold's: the US's own residents' filings; its area is not found yet).
    assert [(s, i, o) for s, i, o, *_ in found] == [("58,990", "patent.pct.applications", "domestic"),
                                                   ("57,840", "patent.pct.applications", "domestic")]


def test_a_noun_of_the_indicator_spoken_of_takes_it_from_the_sentence_before():
    found = identities("In 2020, the IP Court of the Supreme People's Court received 3,176 cases. "
                       "Among them, 1,667 cases were closed by upholding the original judgment.", "2021-03-01")
    assert [(s, i) for s, i, *_ in found] == [("3,176", "enforcement.courts.cases"), ("1,667", "enforcement.courts.cases")]


def test_holders_named_in_the_noun_phrase_do_not_take_the_indicator_spoken_of():
    found = identities("China granted 921,000 invention patents in 2023. More than 12 registered companies joined.")
    assert [(s, i) for s, i, *_ in found] == [("921,000", "patent.invention.grants"), ("12", None)]


def test_each_country_of_a_list_is_the_area_of_its_own_figure_and_files_as_a_resident():
    found = identities("The top PCT users in 2019 were China, the U.S., Japan (52,660 applications), Germany (19,353) "
                       "and the Republic of Korea (19,085).", "2020-04-07")
    assert [(s, i, o, a) for s, i, o, a, *_ in found] == [
        ("52,660", "patent.pct.applications", "domestic", "JP"), ("19,353", "patent.pct.applications", "domestic", "DE"),
        ("19,085", "patent.pct.applications", "domestic", "KR")]


def test_filings_from_taiwan_have_its_area_but_no_origin():
    found = identities("PCT applications from Taiwan numbered 606 in 2023.", "2024-06-01")
    assert [(s, i, o, a) for s, i, o, a, *_ in found] == [("606", "patent.pct.applications", None, "TW")]


def test_holders_that_use_the_geographical_indication_mark_are_its_users():
    found = identities("2023年，核准2239家市场主体使用地理标志专用标志。")
    assert [(s, i) for s, i, *_ in found] == [("2239家", "geographical_indication.users")]


def test_pledge_projects_counted_with_a_measure_word_are_deals():
    found = identities("2023年，专利质押项目6195个。")
    assert [(s, i) for s, i, *_ in found] == [("6195个", "finance.pledge.deals")]


def test_plant_variety_rights_abbreviated():
    found = identities("In 2024, the authorities granted 5,797 agricultural PVRs.", "2025-02-01")
    assert [(s, i) for s, i, *_ in found] == [("5,797", "plant_variety.grants")]


def test_a_list_distributed_by_respectively_gives_each_figure_the_right_in_its_position():
    found = identities("2015年前三季度，发明专利、实用新型专利、外观设计专利授权量分别为24.8万件、59.9万件和32.9万件。")
    assert [(s, i) for s, i, *_ in found] == [("24.8万件", "patent.invention.grants"),
                                             ("59.9万件", "patent.utility_model.grants"),
                                             ("32.9万件", "patent.design.grants")]
    found = identities("Foreign invention patent applications and trademark applications in China increased by 8.6% "
                       "and 15.4% year-on-year respectively.", "2019-07-10")
    assert [(s, i) for s, i, *_ in found] == [("8.6%", "patent.invention.applications"),
                                             ("15.4%", "trademark.applications")]


def test_a_list_of_places_distributed_by_respectively_names_no_right():
    found = identities("中部、西部、东部地区分别增长50.3%、40.1%和29.6%。")
    assert [i for _, i, *_ in found] == [None, None, None]


def test_a_figure_naming_only_a_measure_takes_the_right_spoken_of_with_its_own_measure():
    found = identities("2020年，我国集成电路布图设计登记申请1.44万件。截至年底，累计登记申请7.4万件，累计发证5.7万件。")
    assert [(s, i) for s, i, *_ in found] == [("1.44万件", "ic_layout.applications"), ("7.4万件", "ic_layout.applications"),
                                             ("5.7万件", "ic_layout.registrations")]


def test_a_kind_of_plant_variety_is_partial_and_so_is_a_figure_that_goes_on_about_it():
    found = identities("截至2016年底，我国农业植物新品种权总申请量超过1.8万件。2016年一年申请量达2523件，位居UPOV成员第一。")
    assert [(s, i, p) for s, i, _, _, p, _ in found[:2]] == [("1.8万件", "plant_variety.applications", True),
                                                          ("2523件", "plant_variety.applications", True)]


def test_one_right_alone_of_a_patents_and_trademarks_indicator_is_partial():
    found = identities("2021年上半年，专利质押融资金额862亿元，商标质押融资金额212亿元，专利商标质押融资金额1074亿元。")
    assert [(s, i, p) for s, i, _, _, p, _ in found] == [("862亿元", "finance.pledge.amount", True),
                                                      ("212亿元", "finance.pledge.amount", True),
                                                      ("1074亿元", "finance.pledge.amount", False)]


def test_a_kind_of_work_is_a_part_of_the_works_registered():
    found = identities("2019年，美术作品登记量为1288139件，摄影作品1015620件。", "2020-03-25")
    assert [(s, p) for s, _, _, _, p, _ in found] == [("1288139件", True), ("1015620件", True)]


def test_a_change_that_takes_the_indicator_of_the_figure_before_takes_its_part_and_origin():
    found = identities("2019年,国内发明专利申请中企业所占比重达到65.0%,较上年提高0.6个百分点。", "2020-01-14")
    assert [(s, i, o, p) for s, i, o, _, p, _ in found] == [
        ("65.0%", "patent.invention.applications", "domestic", True),
        ("0.6个百分点", "patent.invention.applications", "domestic", True)]


def test_international_filings_of_china_are_its_residents_filings():
    found = identities("China filed 69,610 PCT applications in 2023, down 0.6 percent from 70,017 a year earlier.")
    assert [(s, o) for s, _, o, *_ in found] == [("69,610", "domestic"), ("70,017", "domestic")]
    ((surface, indicator, origin, *_),) = identities("In 2023, China ranked first in PCT applications.")
    assert (surface, indicator, origin) == ("first", "patent.pct.applications", "domestic")


def test_shares_of_technology_fields_measure_no_indicator():
    found = identities("By field of technology, computer technology accounted for the largest share of PCT applications "
                       "published in 2019 (8.7%), followed by digital communication (7.7%).", "2020-04-07")
    assert [(s, i) for s, i, *_ in found] == [("8.7%", None), ("7.7%", None)]


def test_entries_of_a_ranking_take_the_indicator_spoken_of_and_a_named_holder_is_partial():
    found = identities("2022年中国申请人共提交PCT国际专利申请70015件。美国以59056件居次；韩国三星电子以4387件居次。", "2023-03-01")
    # (居次, second place, is a rank row of its own: tests/test_taiwan.py)
    assert [(s, i, o, a, p) for s, i, o, a, p, _ in found if s != "居次"] == [
        ("70015件", "patent.pct.applications", "domestic", None, False),
        ("59056件", "patent.pct.applications", "domestic", "US", False),
        ("4387件", "patent.pct.applications", None, "KR", True)]


def test_a_sentence_that_opens_by_naming_a_group_speaks_of_that_group():
    found = identities("企业方面，华为技术有限公司去年公布的PCT申请达7689件。", "2023-03-01")
    assert [(s, i, p) for s, i, _, _, p, _ in found] == [("7689件", "patent.pct.applications", True)]
    found = identities("Among the top 15 origins in 2019, Turkey (+46.7%) recorded double-digit growth in PCT filings.",
                       "2020-04-07")
    assert [(s, a, p) for s, _, _, a, p, _ in found] == [("+46.7%", "TR", False)]


def test_the_world_total_of_international_filings_has_no_code_but_frames_what_follows():
    found = identities("2018年经马德里体系提交的商标国际注册申请为6.12万件。中国申请人提交6900件,位列第三。")
    assert [(s, i, o) for s, i, o, *_ in found] == [
        ("6.12万件", None, None), ("6900件", "trademark.madrid.applications", "domestic"),
        ("第三", "trademark.madrid.applications", "domestic")]
    english = identities("International trademark applications under the Madrid System rose 5.7% to 64,400 in 2019.")
    assert [(s, i) for s, i, *_ in english] == [("64,400", None)]


def test_filings_an_office_of_china_receives_are_not_the_world_total():
    found = identities("The CNIPA accepted 55,000 international applications under the Patent Cooperation Treaty in 2020.")
    assert [(s, i) for s, i, *_ in found] == [("55,000", "patent.pct.applications")]


def test_a_clause_naming_one_direction_of_royalty_trade_takes_that_direction():
    found = identities("2019年,知识产权使用费进出口总额达到371.9亿美元,其中出口额60.1亿美元,同比增长19.2%。")
    assert [(s, i) for s, i, *_ in found] == [("371.9亿美元", "licensing_trade.royalties.total"),
                                             ("60.1亿美元", "licensing_trade.royalties.exports")]
    english = identities("In 2017, China's trade in charges for the use of intellectual property reached 32.2 billion "
                         "dollars. Exports were valued at 2.737 billion dollars, up 62.1 percent, and imports at 19.268 "
                         "billion dollars.")
    assert [(s, i) for s, i, *_ in english] == [
        ("32.2 billion dollars", "licensing_trade.royalties.total"),
        ("2.737 billion dollars", "licensing_trade.royalties.exports"),
        ("19.268 billion dollars", "licensing_trade.royalties.imports")]


def test_an_applicant_is_not_an_application():
    found = identities("从国内申请人看,国内发明专利授权量稳步增长:2021年达到58.6万件。")
    assert [(s, i) for s, i, *_ in found] == [("58.6万件", "patent.invention.grants")]


def test_reexamination_closed_is_not_a_court_case_and_trademark_review_has_no_code():
    found = identities("2022年上半年,完成专利复审结案3.1万件、无效宣告结案0.5万件,完成各类商标评审案件审理21.7万件。")
    assert [(s, i) for s, i, *_ in found] == [("3.1万件", "examination.reexamination.cases"),
                                             ("0.5万件", "examination.invalidation.cases"), ("21.7万件", None)]


def test_entries_of_a_ranking_without_a_closing_bracket_in_their_clause_take_the_indicator_spoken_of():
    found = identities("2021年,我国申请人提交PCT国际专利申请69540件。排在我国之后的依次是美国(59570件,增长1.9%)、"
                       "日本(50260件,下降0.6%)。")
    assert [(s, i, o, a, p) for s, i, o, a, p, _ in found][1:] == [
        ("59570件", "patent.pct.applications", "domestic", "US", False),
        ("50260件", "patent.pct.applications", "domestic", "JP", False)]


def test_the_end_of_a_change_from_x_to_y_is_the_same_statistic_as_x():
    found = identities("China granted 921,000 invention patents in 2023. The number of foreign companies applying for "
                       "invention patents rose from 6,418 in 2016 to 7,613 in 2022.")
    assert [(s, i) for s, i, *_ in found] == [("921,000", "patent.invention.grants"), ("6,418", None), ("7,613", None)]


def test_a_province_share_of_the_national_total_is_the_whole_figure_of_its_area():
    found = identities("分地区看,2019年作品登记量较多的依次为:北京市1003091件,占全国作品登记总量的37.13%;上海市291803件,占10.80%。")
    assert [(s, i, a, p) for s, i, _, a, p, _ in found] == [
        ("1003091件", "copyright.works.registrations", "CN-BJ", False),
        ("37.13%", "copyright.works.registrations", "CN-BJ", False),
        ("291803件", "copyright.works.registrations", "CN-SH", False),
        ("10.80%", "copyright.works.registrations", "CN-SH", False)]
    assert identities("2023年,企业拥有有效发明专利占国内总量的73.8%。")[0][4] is True  # a share with no area is a part


def test_each_place_of_an_english_list_with_figures_is_the_area_of_its_own_figure():
    found = identities("In 2023, CNIPA received 73,812 PCT applications. Guangdong remained by far the largest source, "
                       "with 23,676 applications in 2023, followed by Beijing with 11,438, Jiangsu with 6,547 and "
                       "Shanghai with 6,185.")
    assert [(s, i, a) for s, i, _, a, *_ in found][1:] == [
        ("23,676", "patent.pct.applications", "CN-GD"), ("11,438", "patent.pct.applications", "CN-BJ"),
        ("6,547", "patent.pct.applications", "CN-JS"), ("6,185", "patent.pct.applications", "CN-SH")]


def test_a_sentence_without_figures_that_opens_on_a_right_lends_it_to_figures_naming_only_a_measure():
    found = identities("Integrated circuit layout designs also drew more interest. Registration applications reached "
                       "5,176 in the first half of 2020, and 5,262 certificates were issued.")
    assert [(s, i) for s, i, *_ in found] == [("5,176", "ic_layout.applications"), ("5,262", "ic_layout.registrations")]
    # A right named late in such a sentence, or a figure naming no measure of its own, takes nothing.
    later = identities("Third, we will protect the rights of foreign firms and their patents. More than 4,600 "
                       "foreign-invested and joint ventures are in the protection centres.")
    assert [(s, i) for s, i, *_ in later] == [("4,600", None)]


def test_sums_pledges_raise_and_the_number_of_pledge_projects():
    found = identities("Patent and trademark pledges in the first half of 2020 amounted to 85.3 billion yuan. In the "
                       "first half of 2019, the number of pledge projects was 3,086.")
    assert [(s, i, p) for s, i, _, _, p, _ in found] == [("85.3 billion yuan", "finance.pledge.amount", False),
                                                        ("3,086", "finance.pledge.deals", False)]


def test_the_measure_a_figure_names_itself_wins_over_one_named_earlier_in_its_clause():
    found = identities("By the end of 2016, total applications for agricultural PVRs exceeded 18,000 and total grants "
                       "exceeded 8,000.")
    assert [(s, i) for s, i, *_ in found] == [("18,000", "plant_variety.applications"), ("8,000", "plant_variety.grants")]


def test_high_value_pendency_and_a_share_of_gdp():
    found = identities("2019年,高价值专利审查周期压缩至17.3个月。The added value of patent-intensive industries hit "
                       "12.13 trillion yuan in 2020, accounting for 11.97 percent of GDP.")
    assert [(s, i, p) for s, i, _, _, p, _ in found] == [
        ("17.3个月", "examination.high_value.pendency", False),
        ("12.13 trillion yuan", "innovation.patent_intensive.value_added", False),
        ("11.97 percent", "innovation.patent_intensive.gdp_share", False)]


def test_trade_balances_seized_goods_mediation_and_links_have_no_code():
    found = identities("In the first half of 2018, the IP royalty deficit was 16.531 billion dollars. 2022年,办理维权援助申请"
                       "7.1万件,受理知识产权纠纷调解8.8万件,删除侵权盗版链接362万条。")
    assert [(s, i) for s, i, *_ in found] == [("16.531 billion dollars", None), ("7.1万件", None), ("8.8万件", None),
                                             ("362万条", None)]
    closed = identities("In 2020 the court closed 158 cases by mediation.")
    assert [(s, i) for s, i, *_ in closed] == [("158", "enforcement.courts.cases")]


def test_one_courts_cases_are_a_part_and_all_courts_cases_the_whole():
    one = identities("In 2020, the Intellectual Property Court of the Supreme People's Court received 3,176 new cases.")
    nationwide = identities("2020年全国法院共新收各类知识产权案件525618件。")
    assert [(i, p) for _, i, _, _, p, _ in one + nationwide] == [("enforcement.courts.cases", True),
                                                                ("enforcement.courts.cases", False)]


def test_costs_saved_are_not_losses_recovered():
    found = identities("In 2023, it helped enterprises recover economic losses of 6.89 billion yuan, and helped "
                       "enterprises reduce rights protection costs of 390 million yuan.")
    assert [(s, i) for s, i, *_ in found] == [("6.89 billion yuan", "enforcement.losses_recovered"),
                                             ("390 million yuan", None)]


def test_a_foreign_offices_release_reports_that_offices_figures_and_countries_are_its_applicants():
    text = ("智慧局公布114年专利申请统计\n114年,智慧局受理发明专利申请5万1,230件。外国人申请发明专利3万1,719件,"
            "其中日本以1万2,524件居首。")
    clean, _ = clean_text(text, is_html=False)
    rows = [(r["surface"], r["indicator"], r["origin"], r["area"], r["partial"]) for r in extract_metrics(clean, "2026-02-27")
            if r["unit"] == "count"]
    assert rows == [("5万1,230件", "patent.invention.applications", None, "TW", False),
                    ("3万1,719件", "patent.invention.applications", "foreign", "TW", False),
                    ("1万2,524件", "patent.invention.applications", "foreign", "TW", True)]
    # The same figures in a CNIPA report name their countries as areas, as before.
    cn = identities("2023年,国家知识产权局受理PCT国际专利申请7.4万件。美国(59570件,增长1.9%)。")
    assert cn[-1][3] == "US"


def test_wipos_international_filings_are_its_systems_and_three_kinds_of_patents_are_all_patents():
    found = identities("In the first half, Chinese applicants filed 957 international design applications through the Hague "
                       "System and 3,024 international trademark applications through the Madrid System.", "2023-07-20")
    assert [(s, i) for s, i, *_ in found] == [("957", "patent.hague.applications"),
                                             ("3,024", "trademark.madrid.applications")]
    ((_, indicator, *_),) = identities("全年受理发明、新型、设计三种专利申请共7万1,965件。")
    assert indicator == "patent.all.applications"


def test_words_after_a_figure_that_rank_it_make_it_an_entry_of_the_ranking():
    found = identities("本国人发明专利申请由台积电以1,485件拿下第一。外国人发明专利申请以日本3150件居首,美国1852件次之,"
                       "中国大陆952件排第三。", "2026-02-26")
    rows = [(s, i, a, p) for s, i, _, a, p, _ in found if s.endswith("件")]
    # A company is a part of the figure; a country is an area of its own, whole.
    assert rows == [("1,485件", "patent.invention.applications", None, True),
                    ("3150件", "patent.invention.applications", "JP", False),
                    ("1852件", "patent.invention.applications", "US", False), ("952件", "patent.invention.applications", None, False)]


def test_names_listed_in_ranked_order_with_their_figures_are_entries_and_a_company_is_a_part():
    found = identities("2025年第三季外国人发明专利申请3万件。外国法人方面,应材之后依序为日本东京威力217件、南韩三星电子197件。",
                       "2025-11-09")
    assert [(s, i, p) for s, i, _, _, p, _ in found][1:] == [
        ("217件", "patent.invention.applications", True), ("197件", "patent.invention.applications", True)]
    # A bracket a possessive follows is no entry: the national average is not a holder.
    ((_, _, _, _, partial, _), _ratio) = identities("每万人口发明专利拥有量是全国平均水平(11.8件)的8.3倍。")[:2]
    assert partial is False


def test_at_a_foreign_office_mainland_china_or_several_countries_named_are_foreign_applicants():
    text = ("智慧局公布第一季专利申请统计\n第一季,向我国申请发明专利的外国国家依序为日本3,538件、中国大陆706件。"
            "外国申请人中,日本以1万2,524件高居首位,南韩与德国分列第四、第五。")
    clean, _ = clean_text(text, is_html=False)
    rows = [(r["surface"], r["indicator"], r["origin"], r["area"], r["partial"]) for r in extract_metrics(clean, "2025-04-20")]
    assert rows[:2] == [("3,538件", "patent.invention.applications", "foreign", "TW", True),
                        ("706件", "patent.invention.applications", "foreign", "TW", True)]
    assert [row[2:] for row in rows if row[0] == "第四"] == [("foreign", "TW", True)]


def test_a_kind_of_right_named_without_a_measure_takes_the_measure_spoken_of():
    found = identities("114年发明专利申请5万1,230件,年增1%;新型专利1万4,000件、设计专利6,735件,分别年减4%及8%。"
                       "新型专利以中国大陆212件最多,香港22件居次。", "2026-02-27")
    assert [(s, i) for s, i, *_ in found if s.endswith("件")] == [
        ("5万1,230件", "patent.invention.applications"), ("1万4,000件", "patent.utility_model.applications"),
        ("6,735件", "patent.design.applications"), ("212件", "patent.utility_model.applications"),
        ("22件", "patent.utility_model.applications")]
    # A right that covers its kinds (版权, in an organisation's name) does not take the measure of a kind spoken of.
    found = identities("2019年全国共完成作品著作权登记2701564件。分地区看,2019年作品登记量较多的依次为:北京市1003091件,"
                       "占全国作品登记总量的37.13%;中国版权保护中心282541件,占10.46%。")
    assert [i for s, i, *_ in found if s == "282541件"] == [None]


def test_a_rank_right_after_a_figure_is_that_figures_and_a_chinese_top_n_list_is_a_part():
    text = ("智慧局公布第三季专利申请统计\n第三季外国人发明专利申请以日本3150件居首。"
            "第三季本国发明专利申请前十大依序为:台积电283件、友达光电91件。")
    clean, _ = clean_text(text, is_html=False)
    rows = [(r["surface"], r["indicator"], r["origin"], r["partial"]) for r in extract_metrics(clean, "2025-11-09")]
    assert rows == [("3150件", "patent.invention.applications", "foreign", True),
                    ("居首", "patent.invention.applications", "foreign", True),
                    ("283件", "patent.invention.applications", "domestic", True),
                    ("91件", "patent.invention.applications", "domestic", True)]


def test_a_sentence_opening_on_a_group_of_applicants_gives_its_origin():
    found = identities("2025年发明专利申请5万件。在前20大本国申请人中,排序14的中钢申请143件。", "2026-02-26")
    assert [(s, i, o, p) for s, i, o, _, p, _ in found if s == "143件"] == [
        ("143件", "patent.invention.applications", "domestic", True)]


def test_payments_and_receipts_for_the_use_of_ip_are_royalty_imports_and_exports():
    found = identities("In the first five months of the year, China's payments for the use of IP totaled 120.8 billion yuan, "
                       "and its receipts reached 36.98 billion yuan.", "2023-07-20")
    assert [(s, i) for s, i, *_ in found] == [("120.8 billion yuan", "licensing_trade.royalties.imports"),
                                             ("36.98 billion yuan", "licensing_trade.royalties.exports")]


def test_the_examination_period_counts_and_the_time_to_a_first_action_does_not():
    found = identities("106年发明专利平均首次通知期间已降至9个月以内,平均审结期间约16个月。", "2018-03-01")
    assert [(s, i) for s, i, *_ in found] == [("9个月", None), ("16个月", "examination.invention.pendency")]


def test_a_provinces_release_gives_its_figures_the_provinces_area():
    text = ("青海省市场监督管理局\n全省知识产权工作会议召开\n上半年,全省专利申请量2340件,同比增长11.9%;专利授权量1396件。"
            "全省商标有效注册量38777件。")
    assert [(s, i, o, a, p) for s, i, o, a, p, _ in identities(text, "2019-10-30")] == [
        ("2340件", "patent.all.applications", None, "CN-QH", False), ("1396件", "patent.all.grants", None, "CN-QH", False),
        ("38777件", "trademark.in_force", None, "CN-QH", False)]


def test_a_citys_release_makes_its_figures_parts_of_the_countrys_but_not_the_national_average():
    text = ("广州市知识产权局发布一季度统计\n一季度,全市发明专利授权量6442件。截至3月底,全市国内发明专利有效量123100件;"
            "每万人口发明专利拥有量98.4件,是全国平均水平(11.8件)的8.3倍。PCT国际专利申请量1.59万件,占全省总量的70.61%。")
    rows = {s: (i, o, a, p) for s, i, o, a, p, _ in identities(text, "2023-05-16")}
    assert rows["6442件"] == ("patent.invention.grants", None, None, True)
    assert rows["123100件"] == ("patent.invention.in_force", None, None, True)  # 国内: the city's own filings
    assert rows["98.4件"][3] is True and rows["11.8件"][3] is False
    assert rows["70.61%"] == ("patent.pct.applications", None, "CN-GD", True)  # a share of its province's total


def test_a_national_release_that_names_a_province_in_its_headline_is_no_local_release():
    text = "广东专利授权量居全国首位\n2023年,全国发明专利授权量92.1万件,全省份均有增长,全省份均设保护中心。"
    assert [(s, a, p) for s, _, _, a, p, _ in identities(text) if s == "92.1万件"] == [("92.1万件", None, False)]
    # A city named in the opening of a text that does not speak of the city as a whole (全市) changes nothing either.
    text = "深圳企业表现亮眼\n2023年,全国发明专利授权量92.1万件,全市场主体踊跃申请,全市场监管系统加强保护。"
    assert [(s, a, p) for s, _, _, a, p, _ in identities(text) if s == "92.1万件"] == [("92.1万件", None, False)]


def test_every_city_is_listed_under_a_province():
    provinces = set(rules().areas["provinces"])
    assert set(rules().areas["cities"]) <= provinces
    assert set(rules().areas["local"]["municipalities"]) <= provinces


def test_well_known_and_collective_trademarks_are_no_gi_marks_and_a_list_item_keeps_its_own_words():
    found = identities("全市累计拥有中国驰名商标140件、集体商标25件、地理标志保护产品11个、地理标志商标13件。")
    assert [(s, i) for s, i, *_ in found] == [
        ("140件", None), ("25件", None), ("11个", "geographical_indication.products"),
        ("13件", "geographical_indication.marks")]
    # GIs registered as collective or certification marks are GI marks.
    ((_, indicator, *_),) = identities("核准地理标志作为集体商标、证明商标注册6927件。")
    assert indicator == "geographical_indication.marks"


def test_a_rank_after_a_rank_without_an_indicator_takes_none_from_the_text_before():
    text = ("114年商标申请案共计9万件,年增3%。另有12家企业入选科睿唯安「全球百大创新机构」,包括台积电(排名12)、"
            "瑞昱(28)、联发科(31)。")
    assert [(s, i) for s, i, *_ in identities(text, "2026-03-01") if s in ("12", "28", "31")] == [
        ("12", None), ("28", None), ("31", None)]
    # Ranks of the figures spoken of before still take their indicator.
    found = identities("外国人发明专利申请以日本3150件居首,美国1852件次之。", "2026-02-26")
    assert [i for s, i, *_ in found if s == "次之"] == ["patent.invention.applications"]


def test_a_group_a_figure_leaves_out_is_not_whose_it_is():
    from tasks.extract import extract_metrics

    rows = extract_metrics("2019年深圳PCT国际专利申请量17459件,约占全国申请总量(不含国外企业和个人在华申请)的30.74%。",
                           "2020-04-26")
    assert [r["origin"] for r in rows if r["surface"] == "30.74%"] == [None]


def test_applications_examined_to_conclusion_have_no_code_and_applications_filed_do():
    rows = extract_metrics("2016年,全年审结发明专利申请67.5万件。受理发明专利申请133.9万件。", "2017-01-19")
    assert [(r["surface"], r["indicator"], r["category"]) for r in rows] == [
        ("67.5万件", None, "examination"), ("133.9万件", "patent.invention.applications", "patent")]
