"""Properties of stated values shared by the stages (a statistic repeated in a document, a fact's most precise statement)."""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=4096)  # asked of every statistic by the dedupe; formatting costs more than the look-up
def significant_digits(value: float) -> int:
    """Significant digits of a value as stated (921000 -> 3, 920000 -> 2, 3072e8 -> 4, 12.5 -> 3)."""
    return len(f"{abs(value):.10g}".split("e")[0].replace(".", "").lstrip("0").rstrip("0"))


def scaled(number: float, factor: float) -> float:
    """A number times its scale without binary noise (267.66 x 1e9 is 267660000000.0, not ...00003): 15 significant
    digits, as many as a float holds for sure."""
    return float(f"{number * factor:.15g}")
