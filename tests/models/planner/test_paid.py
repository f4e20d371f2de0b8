"""Paid time (pay by the hour): the chosen departure against an independent checker, the
objective against PyVRP direct, and exact travel: what PyVRP calls on time is on time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyvrp.stop import MaxIterations

from bench.fixtures.solomon import SolomonDay
from bench.fixtures.techday import (
    check_plan,
    paid_params,
    pyvrp_direct,
    technician_day,
    timeline,
)
from twin.models.planner import Evaluator, optimise_day
from twin.models.planner.evaluate import Cargo
from twin.models.planner.matrix import EuclideanTravel
from twin.models.planner.static import solve_problem
from twin.models.planner.translate import _scaled, build_problem
from twin.models.routing.plan import (
    BreakRule,
    PlanState,
    TechnicianSpec,
    TechnicianState,
    VisitTask,
)

R201 = Path(__file__).parent / "data" / "R201.vrp"
NO_BREAK = BreakRule(0.0, 0.0)


def _day(points: list[tuple[float, float, float, float]], duration: float) -> SolomonDay:
    """One technician at (50, 50), free at 0, and a visit per (x, y, opens, width)."""
    spec = TechnicianSpec("T", 50.0, 50.0, frozenset({"s"}), 0.0, 2000.0, 2000.0)
    visits = {
        f"v{i}": VisitTask(f"v{i}", f"c{i}", x, y, "repair", "s", 3, a, a + w, duration)
        for i, (x, y, a, w) in enumerate(points)
    }
    state = PlanState(
        0.0, {"T": spec}, {"T": TechnicianState("T", 50.0, 50.0, 0.0)}, visits, {"T": ()}
    )
    return SolomonDay("one", state, EuclideanTravel(decimals=None), NO_BREAK, Cargo())


visit = st.tuples(st.floats(0, 100), st.floats(0, 100), st.floats(0, 600), st.floats(0, 240))


@settings(max_examples=60, deadline=None)
@given(points=st.lists(visit, min_size=1, max_size=6), duration=st.floats(0, 60))
def test_departure_gives_the_least_paid_time_of_the_checker(
    points: list[tuple[float, float, float, float]], duration: float
) -> None:
    day = _day(points, duration)
    route = tuple(sorted(day.state.visits, key=lambda v: day.state.visits[v].window_start))
    ev = Evaluator(day.state, day.travel, NO_BREAK, paid_params())
    walk = ev.walk("T", route)
    check = check_plan(day, {"T": route}, tol=1e-6)
    leave = ev.departure("T", walk)
    if walk.n_late:  # late at the earliest departure: leaving later may not add lateness
        now, later = timeline(day, "T", route, 0.0), timeline(day, "T", route, leave)
        ends = [day.state.visits[v].window_end for v in route]
        late_now = sum(max(0.0, s - e) for s, e in zip(now, ends, strict=False))
        late_later = sum(max(0.0, s - e) for s, e in zip(later, ends, strict=False))
        assert late_later == pytest.approx(late_now, abs=1e-6)
        assert later[-1] == pytest.approx(now[-1], abs=1e-6)
        return
    assert check.feasible, check.problems
    assert leave >= 0.0
    assert walk.end - leave == pytest.approx(check.paid_min, abs=1e-6)
    # the evaluator prices exactly that paid time
    shift = Evaluator(day.state, day.travel, NO_BREAK, paid_params(pay="shift")).walk("T", route)
    assert walk.cost - shift.cost == pytest.approx(walk.end - leave, abs=1e-6)


def test_a_technician_on_the_road_is_paid_from_now() -> None:
    day = _day([(60.0, 50.0, 300.0, 60.0)], 30.0)
    state = day.state
    away = PlanState(
        0.0, state.technicians, {"T": TechnicianState("T", 55.0, 50.0, 0.0)}, state.visits, {}
    )
    ev = Evaluator(away, day.travel, NO_BREAK, paid_params())
    walk = ev.walk("T", ("v0",))
    assert ev.departure("T", walk) == 0.0  # already paid: no later departure
    home = Evaluator(state, day.travel, NO_BREAK, paid_params())
    assert home.departure("T", home.walk("T", ("v0",))) == pytest.approx(290.0)


@pytest.mark.slow
def test_paid_time_by_the_hour_matches_pyvrp_direct_on_r201() -> None:
    """25 technicians with homes and skills on R201; equal iterations; checker's figures."""
    day = technician_day(R201, seed=0)
    ours = optimise_day(day.state, day.travel, NO_BREAK, paid_params(), 0, 60.0, max_iterations=800)
    theirs = pyvrp_direct(day, MaxIterations(800))
    by_shift = optimise_day(
        day.state,
        day.travel,
        NO_BREAK,
        paid_params(pay="shift", travel=1.0, paid_time=0.0),
        0,
        60.0,
        max_iterations=800,
    )
    got, ref, old = (check_plan(day, r) for r in (ours, theirs, by_shift))
    assert got.feasible, got.problems
    assert ref.feasible, ref.problems
    assert got.paid_min <= 1.01 * ref.paid_min
    assert got.paid_min < 0.6 * old.paid_min  # the old objective paid about twice as much


def test_conservative_rounding_of_static_travel() -> None:
    assert _scaled(12.3, 10, 1) == 123  # float noise (123.00000000000001) is not rounded up
    assert _scaled(1.01, 10, 1) == 11
    assert _scaled(1.09, 10, -1) == 10
    assert _scaled(1.05, 10) == round(10.5)


def _random_day(rng: np.random.Generator) -> SolomonDay:
    """Exact Euclidean travel, points off the grid, windows tight enough to bind."""
    techs, status = {}, {}
    for k in range(4):
        hx, hy = (float(v) for v in rng.uniform(0, 50, 2))
        skills = frozenset({"a", "b"} if k % 2 else {"a"})
        techs[f"T{k}"] = TechnicianSpec(f"T{k}", hx, hy, skills, 0.0, 480.0, 480.0)
        status[f"T{k}"] = TechnicianState(f"T{k}", hx, hy, 0.0)
    visits = {}
    for i in range(30):
        x, y = (float(v) for v in rng.uniform(0, 50, 2))
        opens = float(rng.uniform(0, 400))
        visits[f"v{i}"] = VisitTask(
            f"v{i}", f"c{i}", x, y, "repair", "ab"[i % 2], 3, opens,
            opens + float(rng.uniform(5, 40)), float(rng.uniform(5, 20)),
        )  # fmt: skip
    state = PlanState(0.0, techs, status, visits, {t: () for t in techs})
    return SolomonDay("random", state, EuclideanTravel(decimals=None), NO_BREAK, Cargo())


@pytest.mark.parametrize("pay", ["shift", "hour"])
def test_what_pyvrp_calls_feasible_is_on_time_with_exact_travel(pay: str) -> None:
    feasible = 0
    for seed in range(6):
        day = _random_day(np.random.default_rng(seed))
        params = paid_params(pay=pay, travel=1.0, required_priority=9)  # visits optional
        problem = build_problem(day.state, day.travel, NO_BREAK, params)
        plan = solve_problem(problem, seed, 30.0, max_iterations=150)
        if not plan.solver_feasible:
            continue
        feasible += 1
        ev = Evaluator(day.state, day.travel, NO_BREAK, params)
        for tid, route in plan.routes.items():
            walk = ev.walk(tid, route)
            assert walk.late_min == 0.0, (seed, tid, walk.starts)
            assert ev.feasible(tid, walk)
        planned = {v for r in plan.routes.values() for v in r}
        day_planned = SolomonDay(
            day.name,
            PlanState(0.0, day.state.technicians, day.state.status,
                      {v: day.state.visits[v] for v in planned}, {}),
            day.travel, NO_BREAK, Cargo(),
        )  # fmt: skip
        assert check_plan(day_planned, dict(plan.routes), tol=0.0).feasible
    assert feasible >= 4  # the property was really exercised


def test_euclidean_legs_are_not_sped_up_by_city_zones() -> None:
    travel = EuclideanTravel(decimals=None)
    assert travel.leg(0.0, 0.0, 3.0, 4.0) == (5.0, 1.0)
    assert travel.travel_min(0.0, 0.0, 3.0, 4.0, 480.0) == 5.0
    assert EuclideanTravel().travel_min(0.0, 0.0, 1.0, 1.0, 0.0) == 1.4
    with pytest.raises(ValueError, match="decimals must be None"):
        EuclideanTravel(decimals=12)
