"""De-duplication: a statistic stated twice in one document (a lead repeating the body) keeps one row."""
from __future__ import annotations

from functools import lru_cache

from tasks.common.rules import rules


@lru_cache(maxsize=None)
def _min_significant_digits() -> int:
    """Significant digits from which a value alone (with unit and role) identifies a statistic (context.toml [repeats])."""
    return rules().context["repeats"]["min_significant_digits"]


def significant_digits(value: float) -> int:
    """Significant digits of a value (921000 -> 3, 3072e8 -> 4, 12 -> 2): precise values rarely repeat by chance."""
    digits = f"{abs(value):.6f}".replace(".", "").strip("0")
    return len(digits)


def repeat_keys(row: dict) -> list[tuple]:
    """The keys under which a metric row repeats an earlier one: all its attributes, or a precise value alone."""
    keys = [(row["value"], row["unit"], row["role"], row["change_pct"], row["period"], row["category"], row["qualifier"])]
    if significant_digits(row["value"]) >= _min_significant_digits():
        keys.append((row["value"], row["unit"], row["role"]))
    return keys


class SeenStatistics:
    """The statistics of a document read so far."""

    def __init__(self) -> None:
        self._keys: set[tuple] = set()

    def is_repeat(self, row: dict) -> bool:
        """True when the row states a statistic already seen; else remember it."""
        keys = repeat_keys(row)
        if any(k in self._keys for k in keys):
            return True
        self._keys.update(keys)
        return False
