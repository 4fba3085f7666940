"""De-duplication: a statistic stated twice in one document (a lead repeating the body) keeps one row."""
from __future__ import annotations

from functools import lru_cache

from tasks.common.rules import indicator_codes, rules
from tasks.common.values import significant_digits


@lru_cache(maxsize=None)
def _min_significant_digits() -> int:
    """Significant digits from which a value alone (with unit and role) identifies a statistic (context.toml [repeats])."""
    return rules().context["repeats"]["min_significant_digits"]


def repeat_keys(row: dict) -> list[tuple]:
    """The keys under which a metric row repeats an earlier one: all its attributes, or a precise value alone. A rank
    of a part (one holder's 之首 beside another's) repeats nothing: only the holder, which no key holds, tells them apart."""
    if row["partial"] and row["role"] == "rank":
        return []
    keys: list[tuple] = [(row["value"], row["unit"], row["role"], row["change_pct"], row["period"], row["category"],
                          row["qualifier"])]
    if significant_digits(row["value"]) >= _min_significant_digits():
        keys.append((row["value"], row["unit"], row["role"]))
    return keys


# Attributes a repeat may carry that the first statement lacks: each group is taken whole.
FILLED = (("change_pct",), ("qualifier",), ("period", "period_start", "period_end", "period_year"),
          ("indicator", "origin", "area", "partial"))
# Attributes on which two statements of one statistic never differ (when both give them); a period or growth
# rate may be misread in one of them, so they do not count.
AGREEING = ("indicator", "origin", "area")


def same_statistic(kept: dict, row: dict) -> bool:
    """True when no attribute both statements give differs (a precise value of another indicator or area is another
    statistic)."""
    return all(kept[f] is None or row[f] is None or kept[f] == row[f] for f in AGREEING)


def fill_from(kept: dict, row: dict) -> None:
    """Give the row kept the attributes a repeat of it states and it lacks ("92.1万件" in the lead, "同比增长15.3%" later);
    a whole figure of an indicator so named takes that indicator's category, as every such row does (SCHEMA.md)."""
    for group in FILLED:
        if kept[group[0]] is None and row[group[0]] is not None:
            kept.update({f: row[f] for f in group})
    if kept["indicator"] and kept["partial"] is False:
        kept["category"] = indicator_codes()[kept["indicator"]]["category"]
    elif kept["category"] == "other":
        kept["category"] = row["category"]


class SeenStatistics:
    """The statistics of a document read so far."""

    def __init__(self) -> None:
        self._rows: dict[tuple, dict] = {}

    def is_repeat(self, row: dict) -> bool:
        """True when the row states a statistic already seen (which then takes the attributes only the row gives);
        else remember it."""
        keys = repeat_keys(row)
        kept = next((self._rows[k] for k in keys if k in self._rows and same_statistic(self._rows[k], row)), None)
        if kept is not None:
            fill_from(kept, row)
            return True
        for key in keys:
            self._rows.setdefault(key, row)
        return False
