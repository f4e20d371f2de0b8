"""Shared fixtures: small scenarios that run in well under a second."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")

from twin.config import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "data" / "scenarios"


@pytest.fixture
def small() -> Scenario:
    """Eight technicians in a small town, baseline dispatcher."""
    return load_scenario(SCENARIOS / "small.toml")


@pytest.fixture
def tiny() -> Scenario:
    """Four technicians: the fastest full day."""
    return load_scenario(SCENARIOS / "small.toml").with_overrides(**{"workforce.technicians": 4})


@pytest.fixture
def default_scenario() -> Scenario:
    """The calibrated 50-technician company."""
    return load_scenario(SCENARIOS / "default.toml")
