from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from twin.models.planner import (
    ChemistryIndex,
    Evaluator,
    PlannerParams,
    PowerOptDispatcher,
    Rating,
    optimise_day,
)
from twin.models.planner.best_match import best_match, route_risk
from twin.models.routing.dispatch import Routes


def _bonus(seed: int, techs: list[str]):
    """Each customer gets on with one technician (+1 point) and badly with another (−0.5)."""
    rng = np.random.default_rng(seed)
    table: dict[tuple[str, str], float] = {}

    def bonus(customer_id: str, technician_id: str) -> float:
        key = (customer_id, technician_id)
        if key not in table:
            table[key] = float(rng.choice([1.0, 0.0, 0.0, 0.0, -0.5]))
        return table[key]

    for t in techs:  # fill the table in a fixed order: the same bonus every call
        for c in range(200):
            bonus(f"C{c}", t)
    return bonus


def _customers(state):
    """Visits of the synthetic day renamed to 40 recurring customers."""
    visits = {
        vid: replace(v, customer_id=f"C{n % 40}") for n, (vid, v) in enumerate(state.visits.items())
    }
    return replace(state, visits=visits)


@pytest.fixture(scope="module")
def day(planned_day):
    state, travel, brk = planned_day
    return _customers(state), travel, brk


def _run(day, weight: float, seed: int = 0, **kw):
    state, travel, brk = day
    params = PlannerParams(best_match=weight)
    bonus = _bonus(seed, sorted(state.technicians))
    ev = Evaluator(state, travel, brk, params, bonus=bonus)
    return best_match(ev, **kw), params, bonus


def test_no_op_at_weight_zero_or_without_bonus(day):
    found, _, _ = _run(day, 0.0)
    assert found.routes == {} and found.moves == 0 and found.evaluations == 0
    state, travel, brk = day
    ev = Evaluator(state, travel, brk, PlannerParams(best_match=50.0), bonus=None)
    assert best_match(ev).routes == {}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_moves_are_feasible_and_never_raise_the_objective(day, seed):
    state, travel, brk = day
    found, params, bonus = _run(day, 60.0, seed, polish_evaluations=300)
    assert found.moves > 0 and found.bonus_after > found.bonus_before
    fresh = Evaluator(state, travel, brk, params, bonus=bonus)
    routes = {**state.routes, **found.routes}
    before = fresh.plan_cost(state.routes)
    after = fresh.plan_cost(routes)
    assert after <= before + 1e-6
    assert after == pytest.approx(found.cost_after) and before == pytest.approx(found.cost_before)
    # every visit still planned exactly once, on a skilled technician, within max end
    planned = [v for r in routes.values() for v in r]
    assert sorted(planned) == sorted(v for r in state.routes.values() for v in r)
    n_late_before = sum(fresh.walk(t, r).n_late for t, r in state.routes.items())
    n_late_after = 0
    for tid, route in routes.items():
        w = fresh.walk(tid, route)
        n_late_after += w.n_late
        if tid in found.routes:
            assert fresh.feasible(tid, w)
    assert n_late_after <= n_late_before


def test_best_match_moves_visits_towards_preferred_technicians(day):
    state, _, _ = day
    found, _, bonus = _run(day, 200.0, 1)
    where = {v: t for t, r in state.routes.items() for v in r}
    for tid, route in found.routes.items():
        for vid in route:
            assert state.technicians[tid].skills >= {state.visits[vid].skill}
    gains = [
        bonus(state.visits[v].customer_id, t) - bonus(state.visits[v].customer_id, where[v])
        for t, r in found.routes.items()
        for v in r
        if where[v] != t
    ]
    assert gains and sum(gains) > 0


def test_pinned_visits_stay(day):
    state, _, _ = day
    pinned = {v for r in state.routes.values() for v in r[:2]}
    found, _, _ = _run(day, 200.0, 1, pinned=pinned)
    owner = {v: t for t, r in state.routes.items() for v in r}
    for tid, route in found.routes.items():
        assert all(owner[v] == tid for v in route if v in pinned)


def test_same_input_same_result(day):
    a, _, _ = _run(day, 60.0, 2, polish_evaluations=200)
    b, _, _ = _run(day, 60.0, 2, polish_evaluations=200)
    assert a == b


def test_budget_is_respected(day):
    found, _, _ = _run(day, 60.0, 0, max_evaluations=50)
    assert 0 < found.evaluations <= 51  # a pair started at 49 finishes


def test_dispatcher_runs_the_step_only_with_a_positive_weight(small_day):
    state, travel, brk = small_day
    state = _customers(state)
    techs = sorted(state.technicians)
    chem = ChemistryIndex.from_ratings(
        Rating(f"C{c}", techs[(3 * c + k) % len(techs)], 5.0 if k == 0 else 2.0)
        for c in range(40)
        for k in range(3)
    )

    def plan(weight: float, step: bool) -> Routes:
        d = PowerOptDispatcher(
            travel,
            brk,
            PlannerParams(best_match=weight),
            chemistry=chem,
            time_limit_s=30.0,
            max_iterations=200,
            best_match_step=step,
        )
        return d.plan_day(state, 0)

    def direct(weight: float) -> Routes:
        params = PlannerParams(best_match=weight)
        return optimise_day(
            state, travel, brk, params, 0, 30.0, max_iterations=200, bonus=chem.bonus
        )

    assert plan(0.0, True) == direct(0.0)  # weight 0: the plan of before
    assert plan(40.0, False) == direct(40.0)  # step switched off
    stepped = plan(40.0, True)
    assert stepped != direct(40.0)
    ev = Evaluator(state, travel, brk, PlannerParams(best_match=40.0), bonus=chem.bonus)
    assert ev.plan_cost(stepped) <= ev.plan_cost(direct(40.0)) + 1e-6


def test_route_risk_grows_as_slack_shrinks(day):
    state, travel, brk = day
    params = PlannerParams()
    ev = Evaluator(state, travel, brk, params)
    on_time = [
        (len(r), t, r)
        for t, r in state.routes.items()
        if ev.walk(t, r).n_late == 0 and ev.feasible(t, ev.walk(t, r))
    ]
    _, tid, route = max(on_time)
    assert route_risk(ev, tid, ev.walk(tid, ())) == 0.0
    walk = ev.walk(tid, route)
    loose = route_risk(ev, tid, walk)
    # the same route with every window closing 5 minutes after its planned start
    tight = {
        vid: replace(state.visits[vid], window_end=start + 5.0)
        for vid, start in zip(route, walk.starts, strict=True)
    }
    ev_tight = Evaluator(replace(state, visits={**state.visits, **tight}), travel, brk, params)
    walk_tight = ev_tight.walk(tid, route)
    assert walk_tight.n_late == walk.n_late == 0
    assert route_risk(ev_tight, tid, walk_tight) > loose >= 0.0
