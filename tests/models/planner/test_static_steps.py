"""The daily optimisation's steps: translate, solve, polish — and that they compose."""

from __future__ import annotations

from dataclasses import replace

import pytest
import pyvrp

from twin.models.planner import optimise_day, solve_static
from twin.models.planner.static import polish_plan, solve_problem
from twin.models.planner.translate import build_problem, warm_start

# the wall-clock cap, far above what the iteration budgets take: the budget ends every
# search, so a loaded machine cannot cut one short and change the plan compared
CAP_S = 120.0


def test_prebuilt_problem_gives_the_same_routes(small_day, params):
    state, travel, brk = small_day
    problem = build_problem(state, travel, brk, params)
    a = optimise_day(state, travel, brk, params, 3, CAP_S, max_iterations=100)
    b = optimise_day(state, travel, brk, params, 3, CAP_S, max_iterations=100, problem=problem)
    assert a == b


def test_solve_static_is_build_then_solve(small_day, params):
    state, travel, brk = small_day
    whole = solve_static(state, travel, brk, params, 2, CAP_S, max_iterations=100)
    plan = solve_problem(build_problem(state, travel, brk, params), 2, CAP_S, max_iterations=100)
    assert (plan.routes, plan.unplanned, plan.solver_cost) == (
        whole.routes,
        whole.unplanned,
        whole.solver_cost,
    )
    assert 0 < plan.iterations <= 100
    assert plan.search_s >= 0.0


def test_polish_after_solve_is_optimise_day(small_day, params):
    state, travel, brk = small_day
    plan = solve_problem(build_problem(state, travel, brk, params), 4, CAP_S, max_iterations=100)
    polished = polish_plan(state, plan, travel, brk, params, 4, CAP_S)
    assert polished == optimise_day(state, travel, brk, params, 4, CAP_S, max_iterations=100)
    assert (
        optimise_day(state, travel, brk, params, 4, CAP_S, max_iterations=100, repair=False)
        == plan.routes
    )


def test_translation_drops_sick_and_keeps_delayed_technicians(small_day, params):
    state, travel, brk = small_day
    sick, late = sorted(state.technicians)[:2]
    status = {
        **state.status,
        sick: replace(state.status[sick], available=False),
        late: replace(state.status[late], free_at=state.status[late].free_at + 60.0),
    }
    st = replace(state, status=status)
    problem = build_problem(st, travel, brk, params)
    assert problem.data is not None
    assert problem.visits == tuple(sorted(state.visits))
    assert problem.data.num_clients == len(state.visits)
    members = sorted(t for group in problem.members for t in group)
    assert members == sorted(set(state.technicians) - {sick})
    types = problem.data.vehicle_types()
    assert [vt.num_available for vt in types] == [len(g) for g in problem.members]
    k = next(i for i, g in enumerate(problem.members) if late in g)
    assert types[k].tw_early == round(status[late].free_at * params.scale)
    plan = solve_problem(problem, 0, CAP_S, max_iterations=50)
    assert set(plan.routes) == set(state.technicians)
    assert plan.routes[sick] == ()


def test_nothing_to_solve(small_day, params):
    state, travel, brk = small_day
    no_visits = build_problem(replace(state, visits={}), travel, brk, params)
    assert no_visits.data is None
    plan = solve_problem(no_visits, 0, 1.0)
    assert plan.routes == {t: () for t in state.technicians}
    assert (plan.unplanned, plan.solver_feasible) == ((), True)

    off = {t: replace(s, available=False) for t, s in state.status.items()}
    nobody = build_problem(replace(state, status=off), travel, brk, params)
    plan = solve_problem(nobody, 0, 1.0)
    assert plan.unplanned == tuple(sorted(state.visits))
    assert not plan.solver_feasible


def test_bad_time_limit_is_refused_at_every_step(small_day, params):
    state, travel, brk = small_day
    problem = build_problem(state, travel, brk, params)
    with pytest.raises(ValueError, match="time_limit_s"):
        solve_problem(problem, 0, 0.0)
    with pytest.raises(ValueError, match="time_limit_s"):
        optimise_day(state, travel, brk, params, 0, -1.0, problem=problem)


def test_warm_start_carries_the_routes_over(planned_day, params):
    state, travel, brk = planned_day
    problem = build_problem(state, travel, brk, params)
    sol = warm_start(problem, state.routes)
    got = sorted(
        tuple(problem.visits[a.idx] for a in r.schedule() if a.is_client()) for r in sol.routes()
    )
    assert got == sorted(r for r in state.routes.values() if r)
    before = pyvrp.CostEvaluator([], 0, 0).cost(sol)
    plan = solve_problem(problem, 0, CAP_S, max_iterations=1, initial=state.routes)
    assert plan.solver_cost <= before  # the search never returns worse than its start


def test_warm_start_refuses_what_the_problem_does_not_hold(planned_day, params):
    state, travel, brk = planned_day
    tid = next(t for t, r in sorted(state.routes.items()) if r)
    sick = replace(state.status[tid], available=False)
    problem = build_problem(replace(state, status={**state.status, tid: sick}), travel, brk, params)
    with pytest.raises(ValueError, match=tid):
        warm_start(problem, state.routes)
    problem = build_problem(state, travel, brk, params)
    with pytest.raises(ValueError, match="not in the problem"):
        warm_start(problem, {tid: ("nope",)})
