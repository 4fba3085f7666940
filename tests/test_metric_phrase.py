"""The `metric` phrase names what is counted or valued: a noun phrase, never a verb or connective fragment."""
from __future__ import annotations

import pytest

from tasks.clean.text import clean_text
from tasks.extract import extract_metrics


def phrases(text: str) -> dict[str, str]:
    """surface -> metric phrase of each statistic of a text."""
    clean, _ = clean_text(text, is_html=False)
    return {row["surface"]: row["metric"] for row in extract_metrics(clean, "2024-01-20")}


@pytest.mark.parametrize(("text", "surface", "phrase"), [
    ("In 2023, China granted 921,000 invention patents.", "921,000", "invention patents"),
    ("In 2023, 68000 administrative cases of patent infringement disputes will be handled.", "68000",
     "administrative cases of patent infringement disputes"),
    ("The number of valid invention patents held by enterprises reached 3.417 million by the end of 2023.",
     "3.417 million", "valid invention patents held by enterprises"),
    ("China has 24 of the world's top 100 science and technology clusters.", "24",
     "world's top 100 science and technology clusters"),
    ("In the first half of 2022, the national patent and trademark pledge financing amount reached 162.65 billion "
     "yuan, benefiting 9,760 enterprises.", "162.65 billion yuan", "national patent and trademark pledge financing amount"),
    ("In the first half of 2022, the national patent and trademark pledge financing amount reached 162.65 billion "
     "yuan, benefiting 9,760 enterprises.", "9,760", "enterprises"),
])
def test_english_phrases_name_the_thing_measured(text, surface, phrase):
    assert phrases(text)[surface] == phrase


@pytest.mark.parametrize(("text", "surface", "phrase"), [
    ("2023年，我国授权发明专利92.1万件，同比增长15.3%。", "92.1万件", "我国授权发明专利"),
    ("截至2023年底，国内发明专利有效量达到401.5万件。", "401.5万件", "国内发明专利有效量"),
    ("2023年，全國專利商標質押融資金額達到8539.9億元。", "8539.9亿元", "全国专利商标质押融资金额"),
    ("其中，专利权人为企业的达341.7万件，占全部有效发明专利量的73.3%。", "73.3%", "全部有效发明专利量"),
])
def test_chinese_phrases_name_the_thing_measured(text, surface, phrase):
    assert phrases(text)[surface] == phrase


def test_a_number_with_no_words_of_its_own_is_named_by_its_indicator():
    found = phrases("The Republic of Korea (22,288) followed. Germany 16,916.")
    assert all(not phrase.endswith((" and", " of", " with", " the", " was", " has")) for phrase in found.values())


def test_phrases_never_end_in_a_verb_or_connective_on_the_seeds(seeds_dir):
    from tasks.common.chain import process_record
    from tasks.ingest import discover, ingest_files

    endings = (" and", " or", " of", " to", " the", " with", " which", " was", " were", " is", " are", " has", " will")
    for record in ingest_files(discover(seeds_dir)):
        for row in process_record(record).metrics:
            assert not row["metric"].endswith(endings), (row["doc_name"], row["surface"], row["metric"])
