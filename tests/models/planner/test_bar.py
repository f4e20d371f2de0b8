"""Issue 20's bar on a skills-only technician day (25 technicians with homes and skills on
R201, paid time the objective): our plan is within 1 % of PyVRP direct at equal work, and
both plans pass the independent checker (not the planner's evaluator)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from pyvrp.stop import MaxIterations

from bench.fixtures.techday import check_plan, paid_params, pyvrp_direct, technician_day
from twin.models.planner import optimise_day
from twin.models.planner.static import solve_problem
from twin.models.planner.translate import build_problem
from twin.models.routing.check import check_routes

R201 = Path(__file__).parent / "data" / "R201.vrp"
ITERATIONS = 250


def test_within_one_percent_of_pyvrp_direct_and_feasible_by_the_checker() -> None:
    day = technician_day(R201, seed=1)
    st = day.state
    ours = optimise_day(st, day.travel, day.brk, paid_params(), 0, 120.0, max_iterations=ITERATIONS)
    theirs = pyvrp_direct(day, MaxIterations(ITERATIONS))
    for routes in (ours, theirs):
        check = check_routes(routes, st.technicians, st.status, st.visits, day.travel.distance_km)
        assert check.feasible, check.problems
        assert check.paid_min == pytest.approx(check_plan(day, routes).paid_min)
    assert check_plan(day, ours).paid_min <= 1.01 * check_plan(day, theirs).paid_min


class StopAfter:
    """A stopping criterion of the caller's: stops after ``n`` calls."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.calls = 0

    def __call__(self, best_cost: float) -> bool:
        self.calls += 1
        return self.calls > self.n


def test_an_extra_stopping_criterion_ends_the_search() -> None:
    day = technician_day(R201, seed=0)
    problem = build_problem(day.state, day.travel, day.brk, paid_params())
    stop = StopAfter(5)
    t0 = time.perf_counter()
    plan = solve_problem(problem, 0, 600.0, max_iterations=10_000, stop=stop)
    assert plan.iterations <= 5 and stop.calls >= 5
    assert time.perf_counter() - t0 < 300.0
