"""Categories: what a statistic is about, from its noun phrase, clause, sentence, paragraph and document (issue 14)."""
from __future__ import annotations

from tasks.clean.text import clean_text
from tasks.extract import extract_metrics
from tasks.extract.categories import document_topic, keyword_hits


def categories(text: str, published: str | None = "2024-01-20") -> dict[str, str]:
    """{surface: category} of the metrics of a text, cleaned first."""
    clean, _ = clean_text(text, is_html=False)
    return {r["surface"]: r["category"] for r in extract_metrics(clean, published)}


# 服务 inside a trademark class or an industry name does not make a row `services`.

def test_a_trademark_class_named_with_services_is_trademark():
    found = categories("若以類別觀察，去年本國人商標申請仍以第35類「廣告、企業經營及零售批發服務」最多，計14,913件；"
                       "成長最快的是第42類「科學及技術性服務」，年增31.6%。", "2026-02-27")
    assert found == {"14,913件": "trademark", "31.6%": "trademark"}


def test_an_industry_named_with_services_is_not_services():
    found = categories("2024年度深圳企业专利创新实力百强榜揭晓，百强企业共拥有有效发明专利12.3万件。\n"
                       "从行业分布看，软件与信息服务企业19家，新能源企业17家。", "2025-04-22")
    assert found["19家"] == "patent" and found["17家"] == "patent"


def test_services_trade_is_not_services():
    found = categories("Charges for the use of IP accounted for 6.1 percent of China's total services imports in 2017.",
                       "2018-11-07")
    assert found == {"6.1 percent": "licensing_trade"}


def test_a_centre_that_registers_works_is_not_what_its_registrations_count():
    found = categories("2019年全国共完成作品著作权登记2701564件。其中，中国版权保护中心282541件，占10.46%。", "2020-03-25")
    assert found == {"2701564件": "copyright", "282541件": "copyright", "10.46%": "copyright"}
    assert categories("截至今年2月，全国已建设国家级知识产权保护中心77家。", "2025-03-01") == {"77家": "services"}


# Patent awards, well-known and collective marks, satisfaction with protection.

def test_patent_awards_are_patent_not_examination():
    found = categories("在近期公示的第二十四届中国专利奖评审结果中，我市项目拟获金奖2项、银奖5项、优秀奖92项。", "2023-05-10")
    assert set(found.values()) == {"patent"}


def test_satisfaction_with_ip_protection_is_enforcement():
    found = categories("2023年首批示范区建设城市知识产权保护社会满意度总体得分为83.25分。", "2024-04-24")
    assert found == {"83.25分": "enforcement"}


# The noun phrase comes first; a Chinese noun phrase ends in its head.

def test_a_chinese_noun_phrase_is_named_by_its_head():
    assert categories("2024年，新设海外知识产权纠纷应对指导分中心33家。", "2025-01-16") == {"33家": "services"}


def test_use_is_a_weak_word_beside_the_right_it_uses():
    found = categories("自2019年以来，国家知识产权局共实施21个国家地理标志运用促进项目。", "2022-08-24")
    assert found == {"21个": "geographical_indication"}


def test_examination_words():
    assert categories("2024年，各中心受理专利预审请求34.5万件。", "2025-03-01") == {"34.5万件": "examination"}
    assert set(categories("发明专利审查周期压减至15.5个月，结案准确率提升至95.2%。", "2025-04-24").values()) == {"examination"}


def test_strategic_emerging_industries_and_ai_patents_are_innovation():
    found = categories("截至去年底，属于战略性新兴产业的有效发明专利达到95.2万件。", "2023-01-17")
    assert found == {"95.2万件": "innovation"}
    found = categories("As of the end of 2023, the number of valid invention patents in artificial intelligence reached "
                       "378,000.", "2024-07-30")
    assert found == {"378,000": "innovation"}


def test_copyright_industry_value_added_is_copyright():
    found = categories("2020年，版权产业增加值达到7.51万亿元，占GDP的比重为7.39%。", "2022-04-25")
    assert found == {"7.51万亿元": "copyright", "7.39%": "copyright"}


def test_a_law_named_in_the_sentence_is_not_its_subject():
    found = categories("In revising the Implementing Rules of the Patent Law, we received 1,180 revision opinions.")
    assert found == {"1,180": "other"}


def test_what_a_figure_leaves_out_is_not_its_subject():
    found = categories("2019年深圳发明专利授权量2.6万件，有效发明专利13.9万件。深圳PCT国际专利申请量17459件，"
                       "约占全国申请总量(不含国外企业和个人在华申请)的30.74%。", "2020-04-26")
    assert found["30.74%"] == "patent"


# Fewer rows fall back to `other`: the figure before, the paragraph's subject, the document's topic.

def test_a_figure_naming_nothing_goes_on_from_the_one_before():
    found = categories("By the end of 2021, 298,000 domestic enterprises held valid invention patents, "
                       "52,000 more than a year earlier.", "2022-01-14")
    assert found["52,000"] == "patent"
    found = categories("In 2021, a total of 815,000 abnormal patent applications were notified to local governments, "
                       "with a withdrawal rate of more than 90%.", "2022-01-14")
    assert found == {"815,000": "examination", "90%": "examination"}


def test_the_figures_a_figure_involves_are_its_part():
    found = categories("In 2021 there were 372 copyright pledge registrations, involving 357 contracts.", "2022-03-24")
    assert found == {"372": "finance", "357": "finance"}


def test_a_figure_naming_nothing_takes_the_subject_of_its_paragraph():
    found = categories("地方层面，上海市自2024年12月8日起施行数据产品知识产权登记存证暂行办法。"
                       "截至3月28日，共受理登记申请348件，涉及133个法人组织。", "2025-09-12")
    assert found == {"348件": "data_ip", "133个": "data_ip"}


def test_a_pilot_is_the_pilot_of_its_subject_not_a_service():
    found = categories("数据知识产权工作稳步推进。大陆自2022年11月起在北京、上海等8个地方启动试点。", "2025-09-12")
    assert found == {"8个": "data_ip"}


def test_a_figure_naming_nothing_takes_the_topic_of_its_document():
    text = ("China grants plant variety rights to breeders of new varieties of plants.\n"
            "The ministry has published ten batches of protection lists, covering 138 plant genera and species.")
    found = categories(text, None)
    assert found["138"] == "plant_variety"


def test_a_document_whose_keywords_are_mostly_one_right_has_that_right_as_its_topic():
    text = "2023年，全市发明专利授权量3265件，有效发明专利量123100件，PCT国际专利申请量284件。"
    assert document_topic(keyword_hits(clean_text(text, is_html=False)[0])) == "patent"


# International filings under PCT, Hague and Madrid are the right filed; world figures are international.

def test_pct_filings_of_a_city_are_patent():
    found = categories("2023年一季度，全市发明专利授权量3265件，同比增长12.1%。截至2023年3月底，全市有效发明专利量达到123100件，"
                       "一季度全市PCT国际专利申请量为284件。", "2023-04-20")
    assert found["284件"] == "patent"


def test_madrid_filings_of_a_chinese_applicant_are_trademark():
    found = categories("In 2023, China granted 921,000 invention patents and registered 4.383 million trademarks. "
                       "Chinese applicants filed 5,000 Madrid applications.", "2024-01-20")
    assert found["5,000"] == "trademark"


def test_world_filings_in_a_report_on_international_filings_are_international():
    text = ("International patent applications filed through the PCT fell 1.8 percent to 272,600 in 2023. "
            "Applicants based in Asia accounted for 55.4 percent of all PCT applications.")
    found = categories(text, "2024-03-08")
    assert found == {"272,600": "international", "55.4 percent": "international"}


def test_a_part_filed_by_foreign_applicants_is_international_and_their_whole_the_rights():
    found = categories("2023年,外国申请人在华发明专利申请15万件,其中美国企业申请4万件。")
    assert found == {"15万件": "patent", "4万件": "international"}


def test_in_a_chinese_list_the_words_after_a_figure_name_the_next_one():
    found = categories("全市累计拥有中国驰名商标140件、集体商标25件、地理标志保护产品11个。", "2023-05-16")
    assert found == {"140件": "trademark", "25件": "trademark", "11个": "geographical_indication"}
