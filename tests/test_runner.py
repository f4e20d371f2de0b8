"""One brain for every mode: the closed loop, replay and shadow mode build the same params."""

from __future__ import annotations

from pathlib import Path

import pytest

from twin.config import ConfigError, load_scenario
from twin.models.planner import PowerOptDispatcher
from twin.runner import brain_params
from twin.stream.roster import roster_of, write_roster
from twin.stream.shadow import shadow_params

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the scenario names its history files relative to the repository


def test_replay_and_shadow_get_the_policy_s_models(at_root: None, tmp_path: Path) -> None:
    sc = load_scenario(ROOT / "data/scenarios/default.toml").with_overrides(
        **{"policy.dispatcher": "optimised_brain"}
    )
    roster_path = tmp_path / "roster.json"
    write_roster(roster_path, sc)
    live = shadow_params(ROOT / "data/scenarios/default.toml", roster_path)
    assert live.estimates is not None  # the duration model, not the generic spread
    assert live.eta_calibration is not None
    roster = roster_of(sc)
    params = brain_params(sc, roster, reorder_bound_min=2.0)
    assert params.reorder_bound_min == 2.0
    assert isinstance(params.dispatcher, PowerOptDispatcher)
    assert params.estimates == live.estimates


def test_a_missing_model_file_is_named(at_root: None, tmp_path: Path) -> None:
    sc = load_scenario(ROOT / "data/scenarios/default.toml").with_overrides(
        **{"policy.eta_calibration": str(tmp_path / "nope.json")}
    )
    with pytest.raises(ConfigError, match=r"policy\.eta_calibration"):
        brain_params(sc, {})
