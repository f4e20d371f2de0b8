"""Daily optimisation: our planning day translated faithfully to PyVRP
(:mod:`twin.models.planner.translate`), solved, then re-timed and repaired.

PyVRP's answer is re-timed with the time-dependent model and handed to
:func:`twin.models.planner.repair.repair_plan`, which inserts what the solver left out and
fixes lateness the static matrix did not see.

:func:`optimise_day` composes three steps that callers may also run (and time) apart:
:func:`~twin.models.planner.translate.build_problem` (the translation),
:func:`solve_problem` (PyVRP, optionally warm-started from existing routes) and
:func:`polish_plan` (re-timing and repair).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace

from pyvrp.stop import StoppingCriterion

from twin.models.planner.budget import solve_budgeted
from twin.models.planner.evaluate import Bonus, Cargo
from twin.models.planner.params import PlannerParams
from twin.models.planner.translate import StaticProblem, build_problem, warm_start
from twin.models.routing.dispatch import Routes
from twin.models.routing.plan import BreakRule, PlanState
from twin.models.routing.travel import TravelModel

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DayPlan:
    """The solver's routes (before repair), what it left out, and its own cost."""

    routes: Routes
    unplanned: tuple[str, ...]
    solver_cost: float
    solver_feasible: bool
    iterations: int = 0  # PyVRP search iterations
    search_s: float = 0.0  # wall time of PyVRP's search loop (its set-up excluded)


def solve_problem(
    problem: StaticProblem,
    seed: int,
    time_limit_s: float,
    *,
    max_iterations: int | None = None,
    initial: Routes | None = None,
    stop: StoppingCriterion | None = None,
) -> DayPlan:
    """Run PyVRP on a translated problem; ``time_limit_s`` bounds its search loop.

    ``stop`` (optional) is one more stopping criterion (e.g. a CPU-time budget, for
    comparisons on a loaded machine); the first criterion met ends the search.

    PyVRP's own set-up (neighbour lists, the first local search from a random solution)
    runs before its clock starts; ``DayPlan.search_s`` is the search loop alone.
    ``initial`` routes (see :func:`warm_start`) replace that random first solution.
    """
    if time_limit_s <= 0:
        msg = f"time_limit_s must be > 0, got {time_limit_s!r}"
        raise ValueError(msg)
    empty: Routes = {tid: () for tid in problem.technicians}
    if problem.data is None:
        return DayPlan(empty, problem.visits, 0.0, not problem.visits)
    init = None if initial is None else warm_start(problem, initial)
    result = solve_budgeted(
        problem.data,
        seed=seed,
        time_limit_s=time_limit_s,
        max_iterations=max_iterations,
        initial=init,
        stop=stop,
        what="daily optimisation",
    )
    best = result.best

    routes = dict(empty)
    used = [0] * len(problem.members)
    planned: set[str] = set()
    for r in best.routes():
        vt = r.vehicle_type()
        tid = problem.members[vt][used[vt]]
        used[vt] += 1
        seq = tuple(problem.visits[a.idx] for a in r.schedule() if a.is_client())
        routes[tid] = seq
        planned.update(seq)
    unplanned = tuple(v for v in problem.visits if v not in planned)
    log.debug("pyvrp cost %s, %d unplanned", result.cost(), len(unplanned))
    return DayPlan(
        routes,
        unplanned,
        float(result.cost()),
        bool(best.is_feasible()),
        result.num_iterations,
        result.runtime,
    )


def solve_static(
    state: PlanState,
    travel: TravelModel,
    brk: BreakRule,
    params: PlannerParams,
    seed: int,
    time_limit_s: float,
    *,
    cargo: Cargo | None = None,
    max_iterations: int | None = None,
) -> DayPlan:
    """Translate ``state`` to PyVRP and solve it; no re-timing, no repair.

    ``max_iterations`` (optional) makes the result reproducible independent of machine
    speed; the time limit still caps the run.
    """
    if time_limit_s <= 0:
        msg = f"time_limit_s must be > 0, got {time_limit_s!r}"
        raise ValueError(msg)
    problem = build_problem(state, travel, brk, params, cargo=cargo)
    return solve_problem(problem, seed, time_limit_s, max_iterations=max_iterations)


def polish_plan(
    state: PlanState,
    plan: DayPlan,
    travel: TravelModel,
    brk: BreakRule,
    params: PlannerParams,
    seed: int,
    time_limit_s: float,
    *,
    cargo: Cargo | None = None,
    bonus: Bonus | None = None,
) -> Routes:
    """Re-time the solver's routes with ``travel`` and repair them (orphans, lateness).

    The repair budget is ``50 × repair_evaluations``, and its wall-clock cap grows with the
    solver's ``time_limit_s`` (at least one second), unless ``params`` have no wall-clock
    cap on repairs (simulations: reproducible).
    """
    from twin.models.planner.repair import repair_plan

    fixed = repair_plan(
        _with_routes(state, plan.routes),
        travel,
        brk,
        params,
        orphans=plan.unplanned,
        seed=seed,
        bonus=bonus,
        cargo=cargo,
        evaluations=50 * params.repair_evaluations,
        budget_ms=(
            math.inf if math.isinf(params.repair_budget_ms) else max(1000.0, 100.0 * time_limit_s)
        ),
    )
    return {**plan.routes, **fixed.routes}


def optimise_day(
    state: PlanState,
    travel: TravelModel,
    brk: BreakRule,
    params: PlannerParams,
    seed: int,
    time_limit_s: float,
    *,
    cargo: Cargo | None = None,
    max_iterations: int | None = None,
    bonus: Bonus | None = None,
    repair: bool = True,
    problem: StaticProblem | None = None,
    stop: StoppingCriterion | None = None,
) -> Routes:
    """The day's routes: PyVRP on the static translation, then time-dependent repair.

    Returns a route (possibly empty) for every technician. With ``repair`` the result is
    re-timed with ``travel`` and repaired locally (orphans inserted, late or overlong routes
    improved); without it the solver's routes are returned as they are. ``problem`` is a
    translation of this same ``state`` built beforehand by :func:`build_problem`. ``stop``
    is an extra stopping criterion for the search (see :func:`solve_problem`).
    """
    if time_limit_s <= 0:
        msg = f"time_limit_s must be > 0, got {time_limit_s!r}"
        raise ValueError(msg)
    if problem is None:
        problem = build_problem(state, travel, brk, params, cargo=cargo)
    plan = solve_problem(problem, seed, time_limit_s, max_iterations=max_iterations, stop=stop)
    if not repair:
        return plan.routes
    return polish_plan(
        state, plan, travel, brk, params, seed, time_limit_s, cargo=cargo, bonus=bonus
    )


def _with_routes(state: PlanState, routes: Routes) -> PlanState:
    return replace(state, routes=routes)
