"""Reading numbers: value in base units, unit and surface."""
from __future__ import annotations

import pytest

from tasks.numbers import find_quantities


def only(text: str):
    """The single quantity read from text."""
    found = find_quantities(text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("text", "value", "unit", "surface"),
    [
        ("reached 853.99 billion yuan", 853_990_000_000, "CNY", "853.99 billion yuan"),
        ("达3072亿元", 307_200_000_000, "CNY", "3072亿元"),
        ("达到15.32万亿元", 15_320_000_000_000, "CNY", "15.32万亿元"),
        ("完成134.9万件", 1_349_000, "count", "134.9万件"),
        ("6,428,000 works", 6_428_000, "count", "6,428,000"),
        ("up 15.3% year on year", 15.3, "percent", "15.3%"),
        ("an increase of 19.7 percent", 19.7, "percent", "19.7 percent"),
        ("百分之十二点五", 12.5, "percent", "百分之十二点五"),
        ("提高0.47个百分点", 0.47, "percent_point", "0.47个百分点"),
        ("压减至15.6个月", 15.6, "month", "15.6个月"),
        ("reaching 79.11 points", 79.11, "point", "79.11 points"),
        ("是总量的1.5倍", 1.5, "multiple", "1.5倍"),
        ("RMB 5 billion", 5_000_000_000, "CNY", "RMB 5 billion"),
        ("US$1.2 million", 1_200_000, "USD", "US$1.2 million"),
        ("4.5亿美元", 450_000_000, "USD", "4.5亿美元"),
        ("三十二个国家", 32, "count", "三十二个"),
        ("Thirty provinces", 30, "count", "Thirty"),
        ("four hundred and twenty cases", 420, "count", "four hundred and twenty"),
        ("80多个国家", 80, "count", "80多个"),
    ],
)
def test_value_unit_and_surface(text, value, unit, surface):
    q = only(text)
    assert q.value == pytest.approx(value)
    assert q.unit == unit
    assert q.surface == surface


def test_more_than_suffix_is_recorded():
    assert only("80多个国家").suffix_more
    assert only("10余万件").value == pytest.approx(100_000)
