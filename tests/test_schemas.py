"""The Pandera models are the single source of truth; the warehouse README must agree."""
from __future__ import annotations

import re

from schemas.tables import PARTITIONS, TABLES, column_descriptions
from tests.conftest import ROOT


def documented_columns(table: str) -> list[str]:
    """Columns listed in warehouse/README.md under the table's heading."""
    text = (ROOT / "warehouse" / "README.md").read_text(encoding="utf-8")
    section = text.split(f"### `{table}`", 1)[1].split("\n### ", 1)[0]
    return re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.M)


def test_every_column_has_a_description():
    for table in TABLES:
        assert all(column_descriptions(table).values()), table


def test_readme_documents_exactly_the_model_columns():
    for table in TABLES:
        assert documented_columns(table) == list(column_descriptions(table)), table


def test_partition_columns_are_model_columns():
    for table, columns in PARTITIONS.items():
        assert set(columns) <= set(column_descriptions(table)), table
