"""Shared fixtures: project paths and the shared gold data."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEEDS = ROOT / "seeds"
GOLD = SHARED / "gold" / "seeds.jsonl"
SCORER = SHARED / "eval" / "score.py"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The five sample documents shipped with the project."""
    return SEEDS


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared (gold labels, scorer, peer suites); the tests need it."""
    assert SHARED.is_dir(), f"{SHARED} is missing: clone the project next to shared/"
    return SHARED
