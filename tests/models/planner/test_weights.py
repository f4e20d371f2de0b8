"""The scenario's policy weighs PowerOpt's objectives, and the weights steer the plans."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from twin.config import ConfigError, PlannerWeights, Policy, Scenario
from twin.models.planner import PlannerParams, optimise_day
from twin.models.routing.plan import route_timeline


def test_policy_weights_reach_the_planner() -> None:
    w = PlannerWeights(
        travel=2.0, lateness=7.0, late_visit=40.0, overtime=3.0, window_width=1.0, balance=0.5
    )
    p = PlannerParams.from_policy(Policy(weights=w, best_match_weight=30.0))
    assert (p.travel, p.lateness, p.late_visit, p.overtime) == (2.0, 7.0, 40.0, 3.0)
    assert (p.window_width, p.balance, p.best_match) == (1.0, 0.5, 30.0)
    # defaults agree, except that a simulation caps repairs by evaluations only (reproducible)
    simulated = replace(PlannerParams(), repair_budget_ms=math.inf)
    assert PlannerParams.from_policy(Policy()) == simulated


def test_weights_come_from_the_scenario_toml_with_named_errors() -> None:
    sc = Scenario().with_overrides(**{"policy.weights.overtime": 9.0})
    assert PlannerParams.from_policy(sc.policy).overtime == 9.0
    with pytest.raises(ConfigError, match=r"policy\.weights\.overtime"):
        Scenario().with_overrides(**{"policy.weights.overtime": -1.0})
    with pytest.raises(ConfigError, match=r"policy\.weights\.speed"):
        Scenario().with_overrides(**{"policy.weights.speed": 1.0})


def _totals(day, params):  # type: ignore[no-untyped-def]
    state, travel, brk = day
    routes = optimise_day(state, travel, brk, params, 0, 1.0, max_iterations=300)
    travel_min = overtime = 0.0
    for tid, route in routes.items():
        tl = route_timeline(
            state.technicians[tid], state.status[tid], route, state.visits, travel, brk
        )
        if route:
            travel_min += tl.travel_min
            overtime += tl.overtime_min
    return travel_min, overtime


def test_a_heavier_overtime_weight_plans_less_overtime(small_day) -> None:  # type: ignore[no-untyped-def]
    _, cheap = _totals(small_day, PlannerParams(overtime=0.0))
    _, dear = _totals(small_day, PlannerParams(overtime=20.0))
    assert cheap > 0  # the day is full enough for the weight to matter
    assert dear < cheap


def test_a_heavier_travel_weight_plans_less_driving(small_day) -> None:  # type: ignore[no-untyped-def]
    light, _ = _totals(small_day, PlannerParams(travel=0.2))
    heavy, _ = _totals(small_day, PlannerParams(travel=5.0))
    assert heavy < light
