"""PowerOpt's PyVRP model with tools and parts: every planned visit is served by a
technician who has (or picks up at a depot stop) what it needs, judged by the independent
checker, over random instances; and a reason for every visit it leaves out."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from tests.models.planner.test_kit import NO_BREAK, PARAMS, TRAVEL, day, instances, tech, visit
from twin.models.planner.kit_vrp import LEFT_OUT, KitRoutes, build_kit_problem, optimise_kit_day
from twin.models.routing.check import RouteCheck, check_routes
from twin.models.routing.kit import Depot, depot_of, depot_stop
from twin.models.routing.plan import PlanState

DEPOT = Depot("D", 8.0, 3.0, frozenset(), frozenset({"valve"}), 5.0)


def solve(
    state: PlanState, depots: list[Depot], iterations: int = 5000
) -> tuple[KitRoutes, RouteCheck]:
    """PyVRP's plan (reproducible: an iteration budget) and the independent checker's
    verdict; PyVRP finds reloads only after a few thousand iterations on these days."""
    by_id = {d.depot_id: d for d in depots}
    got = optimise_kit_day(
        state, by_id, TRAVEL, NO_BREAK, PARAMS, 1, 20.0, max_iterations=iterations
    )
    check = check_routes(
        got.routes, state.technicians, state.status, state.visits, TRAVEL.distance_km, by_id,
        refused=got.refused,
    )  # fmt: skip
    assert check.feasible, (check.problems, got)
    return got, check


def test_a_van_short_of_parts_restocks_and_a_tool_goes_to_its_owner() -> None:
    state = day(
        [tech("K1", 0.0, stock={"valve": 1}), tech("K2", 40.0, tools=frozenset({"ladder"}))],
        [
            visit("a", 5.0, parts={"valve": 1}),
            visit("b", 10.0, parts={"valve": 1}),
            visit("c", 30.0, tools=frozenset({"ladder"})),
        ],
    )
    got, check = solve(state, [DEPOT])
    assert not got.refused
    assert "c" in got.routes["K2"]  # only K2 owns the ladder
    k1 = got.routes["K1"]
    assert {"a", "b"} <= set(k1) and depot_stop("D") in k1  # one valve in the van: a refill
    assert check.depot_stops == 1


def test_without_a_depot_the_stock_bounds_what_a_van_serves() -> None:
    state = day(
        [tech("K1", 0.0, stock={"valve": 1})],
        [visit("a", 5.0, parts={"valve": 1}), visit("b", 10.0, parts={"valve": 1})],
    )
    got, _ = solve(state, [])
    assert len(got.refused) == 1 and set(got.refused.values()) == {LEFT_OUT}


def test_a_depot_missing_a_part_type_is_no_reload() -> None:
    state = day([tech("K1", 0.0)], [visit("a", 5.0, parts={"valve": 1, "fuse": 1})])
    problem = build_kit_problem(state, {"D": DEPOT}, TRAVEL, NO_BREAK, PARAMS)
    assert problem.reloads == {}  # D holds no fuses
    got, _ = solve(state, [DEPOT])
    assert set(got.refused) == {"a"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_every_planned_visit_has_what_it_needs(inst: tuple[PlanState, list[Depot]]) -> None:
    state, depots = inst
    got, _ = solve(state, depots, 1000)  # the checker: tools, parts, skills, windows, shifts
    for tid, route in got.routes.items():
        for e in route:
            if depot_of(e) is None:  # tools only from the technician's own van here
                assert state.visits[e].tools <= state.technicians[tid].tools
    assert set(got.refused) | {e for r in got.routes.values() for e in r} >= set(state.visits)
