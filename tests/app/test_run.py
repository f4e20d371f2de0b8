"""One brain for every mode: the closed loop, replay and shadow mode build the same params."""

from __future__ import annotations

import gzip
import logging
import math
from pathlib import Path

import numpy as np
import pytest

from bench.fixtures.synthetic import synthetic_day
from twin import events as ev
from twin.app.roster import write_roster
from twin.app.run import run_scenario, simulate
from twin.app.shadow import shadow_params
from twin.app.wiring import build_brain, build_world, company_from_roster, dispatcher_factory
from twin.config import ConfigError, Scenario, load_scenario
from twin.models.planner import PlannerParams, PowerOptDispatcher
from twin.models.planner.static import optimise_day
from twin.models.routing.plan import BreakRule
from twin.models.routing.travel import TravelModel

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the scenario names its history files relative to the repository


def test_replay_and_shadow_get_the_policy_s_models(at_root: None, tmp_path: Path) -> None:
    sc = load_scenario(ROOT / "data/scenarios/default.toml").with_overrides(
        **{"policy.planner": "poweropt", "policy.brain": True}
    )
    roster_path = tmp_path / "roster.json"
    roster = build_world(sc, 1).company.roster
    write_roster(roster_path, roster)
    live = shadow_params(ROOT / "data/scenarios/default.toml", roster_path)
    assert live.estimates is not None  # the duration model, not the generic spread
    assert live.eta_calibration is not None
    params = build_brain(company_from_roster(sc, roster), reorder_bound_min=2.0)
    assert params.reorder_bound_min == 2.0
    assert isinstance(params.dispatcher, PowerOptDispatcher)
    assert params.estimates == live.estimates
    # beside production a repair is capped in wall-clock time; in a simulation only counted
    optimised = tmp_path / "optimised.toml"
    text = (ROOT / "data/scenarios/default.toml").read_text()
    optimised.write_text(text.replace('planner = "insertion"', 'planner = "poweropt"'))
    beside = shadow_params(optimised, roster_path)
    assert isinstance(beside.dispatcher, PowerOptDispatcher)
    assert beside.dispatcher.params.repair_budget_ms == PlannerParams().repair_budget_ms
    assert math.isinf(params.dispatcher.params.repair_budget_ms)


def test_a_missing_model_file_is_named(at_root: None, tmp_path: Path) -> None:
    sc = load_scenario(ROOT / "data/scenarios/default.toml").with_overrides(
        **{"policy.eta_calibration": str(tmp_path / "nope.json")}
    )
    with pytest.raises(ConfigError, match=r"policy\.eta_calibration"):
        build_brain(company_from_roster(sc, {}))


def test_optimised_policies_give_the_same_log_for_the_same_seed(
    at_root: None, tmp_path: Path
) -> None:
    # the planner's budgets in a simulation are counts (PyVRP iterations, repair
    # evaluations), not wall-clock time: a busy machine must not change the plan
    sc = load_scenario(ROOT / "data/scenarios/small.toml").with_overrides(
        **{"policy.planner": "poweropt", "policy.brain": True, "policy.optimise_iterations": 200}
    )
    made = dispatcher_factory(sc)(TravelModel(sc.city, sc.traffic), BreakRule(30.0, 240.0))
    assert isinstance(made, PowerOptDispatcher)
    assert made.max_iterations == 200 and math.isinf(made.params.repair_budget_ms)
    logs = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.jsonl"
        ev.write_log(simulate(build_world(sc, 3)).events, path)
        logs.append(path.read_bytes())
    assert logs[0] == logs[1]
    assert b'"type":"plan_published"' in logs[0]


def test_a_solve_stopped_by_the_clock_says_it_is_not_reproducible(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sc = load_scenario(ROOT / "data/scenarios/small.toml")
    state, travel, brk = synthetic_day(sc, 20, 160, np.random.default_rng(1))
    with caplog.at_level(logging.WARNING, logger="twin.models.planner.budget"):
        optimise_day(state, travel, brk, PlannerParams(), 0, 0.01, max_iterations=10**6)
    assert "wall-clock cap" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="twin.models.planner.budget"):
        optimise_day(state, travel, brk, PlannerParams(), 0, 60.0, max_iterations=20)
    assert "wall-clock cap" not in caplog.text


def test_a_run_encodes_its_log_once_for_the_file_and_the_store(
    tiny: Scenario, tmp_path: Path
) -> None:
    written = run_scenario(tiny, 3, tmp_path / "out", report=False)
    on_disk = (tmp_path / "out" / "events.jsonl").read_text(encoding="utf-8").splitlines()
    assert written.log_lines is not None and list(written.encoded_log()) == on_disk
    in_memory = run_scenario(tiny, 3, None, report=False)
    assert in_memory.log_lines is None
    assert in_memory.encoded_log() == written.encoded_log()


def test_a_duration_history_with_bad_rows_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "history.csv.gz"
    # a gzip CSV, as the scenario rules ask, but without the columns a history needs
    bad.write_bytes(gzip.compress(b"visit_id,technician_id,job_type\nV1,T1,repair\n"))
    sc = load_scenario(ROOT / "data/scenarios/small.toml").with_overrides(
        **{"policy.duration_history": str(bad), "policy.duration_model": True}
    )
    with pytest.raises(ConfigError, match=r"policy\.duration_history"):
        build_brain(company_from_roster(sc, {}))
