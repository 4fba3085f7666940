"""Reading numbers: value in base units, unit and surface."""
from __future__ import annotations

import pytest

from tasks.extract.numbers import find_quantities


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


def test_trying_the_core_regex_only_where_a_number_can_start_finds_what_a_scan_finds():
    """`_next_core` skips ahead to digits, Chinese numerals and number words; a plain `search` is the reference."""
    from pathlib import Path

    from tasks.ingest import decode_bytes
    from tasks.extract.numbers import _next_core, _patterns

    root = Path(__file__).resolve().parent.parent
    lines = ["Twenty-one firms and a million yuan", "İn ſix cases, the FIRST time", "tenfold a1 two3 第十五 3万4000"]
    for path in sorted((root / "seeds").iterdir()) + sorted((root / "tests" / "corpus" / "docs").iterdir()):
        lines += decode_bytes(path.read_bytes())[0].splitlines()
    core = _patterns()["core"]
    compared = 0
    for line in lines:
        pos = 0
        while (expected := core.search(line, pos)) is not None:
            found = _next_core(line, pos)
            assert found is not None and found.span() == expected.span(), line
            pos, compared = expected.end(), compared + 1
        assert _next_core(line, pos) is None
    assert compared > 2000


def test_a_scaled_value_carries_no_binary_noise():
    from tasks.extract.numbers import find_quantities

    assert [q.value for q in find_quantities("267.66 billion yuan and 8.54 billion dollars")] == [267660000000.0, 8540000000.0]
