"""Planning with tools, parts and depot stops: every planned visit is served with what it
needs (judged by the independent checker), depot stops only where they pay, and a reason
for every visit that cannot be planned."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twin.models.planner import PlannerParams
from twin.models.planner.kit import KitPlan, plan_with_kit
from twin.models.planner.kit_walk import KitContext, walk_cost
from twin.models.planner.matrix import EuclideanTravel
from twin.models.routing.check import check_routes
from twin.models.routing.kit import Depot, depot_of, depot_stop
from twin.models.routing.plan import (
    BreakRule,
    PlanState,
    TechnicianSpec,
    TechnicianState,
    VisitTask,
)

TRAVEL = EuclideanTravel(decimals=None)
NO_BREAK = BreakRule(0.0, 0.0)
PARAMS = PlannerParams(overtime_allowed_min=0.0)


def tech(tid: str, x: float, **kw: object) -> TechnicianSpec:
    end = float(kw.pop("end", 480.0))  # type: ignore[arg-type]
    return TechnicianSpec(tid, x, 0.0, frozenset({"gas"}), 0.0, end, end, **kw)  # type: ignore[arg-type]


def visit(vid: str, x: float, **kw: object) -> VisitTask:
    return VisitTask(vid, vid, x, 0.0, "repair", "gas", 3, 0.0, 480.0, 20.0, **kw)  # type: ignore[arg-type]


def day(techs: list[TechnicianSpec], visits: list[VisitTask]) -> PlanState:
    return PlanState(
        0.0,
        {t.technician_id: t for t in techs},
        {t.technician_id: TechnicianState(t.technician_id, t.home_x, t.home_y, 0.0) for t in techs},
        {v.visit_id: v for v in visits},
        {t.technician_id: () for t in techs},
    )


def plan(state: PlanState, depots: list[Depot]) -> KitPlan:
    return plan_with_kit(state, {d.depot_id: d for d in depots}, TRAVEL, NO_BREAK, PARAMS)


def judge(state: PlanState, depots: list[Depot], got: KitPlan) -> None:
    check = check_routes(
        got.routes,
        state.technicians,
        state.status,
        state.visits,
        TRAVEL.distance_km,
        {d.depot_id: d for d in depots},
        refused=got.refused,
    )
    assert check.feasible, check.problems


def test_without_tools_or_parts_no_depot_stop_and_nothing_refused() -> None:
    state = day([tech("K1", 0.0), tech("K2", 50.0)], [visit(f"v{i}", 10.0 * i) for i in range(6)])
    depots = [Depot("D", 25.0, 5.0, frozenset({"ladder"}), frozenset({"valve"}))]
    got = plan(state, depots)
    assert not got.refused
    assert all(depot_of(e) is None for r in got.routes.values() for e in r)
    judge(state, depots, got)


def test_the_technician_with_the_tool_gets_the_visit_when_that_is_cheaper() -> None:
    state = day(
        [tech("K1", 0.0), tech("K2", 40.0, tools=frozenset({"ladder"}))],
        [visit("v", 20.0, tools=frozenset({"ladder"}))],
    )
    depots = [Depot("D", 0.0, 30.0, frozenset({"ladder"}))]
    got = plan(state, depots)
    assert got.routes["K2"] == ("v",) and got.routes["K1"] == ()


def test_a_depot_stop_is_inserted_when_it_pays_and_restocks_parts() -> None:
    # K1 has one valve and three visits need one each; the depot is on the way
    state = day(
        [tech("K1", 0.0, stock={"valve": 1})],
        [visit(f"v{i}", 10.0 * i, parts={"valve": 1}) for i in (1, 3, 4)],
    )
    depots = [Depot("D", 20.0, 0.0, parts=frozenset({"valve"}), service_min=5.0)]
    got = plan(state, depots)
    assert got.routes["K1"].count(depot_stop("D")) == 1
    assert sorted(got.routes["K1"]) == sorted(["v1", "v3", "v4", depot_stop("D")])
    assert not got.refused
    judge(state, depots, got)
    stocked = day([tech("K1", 0.0, stock={"valve": 3})], list(state.visits.values()))
    assert plan(stocked, depots).routes["K1"] == ("v1", "v3", "v4")  # no stop: it would not pay


def test_refusals_name_the_missing_tool_part_or_unreachable_depot() -> None:
    far = Depot("FAR", 1000.0, 0.0, frozenset({"crane"}), frozenset({"pump"}))
    state = day(
        [tech("K1", 0.0, stock={"valve": 1})],
        [
            visit("tool", 10.0, tools=frozenset({"ladder"})),
            visit("part", 10.0, parts={"fuse": 1}),
            visit("valves", 10.0, parts={"valve": 2}),
            visit("crane", 10.0, tools=frozenset({"crane"})),
            visit("ok", 10.0, parts={"valve": 1}),
        ],
    )
    got = plan(state, [far])
    assert got.routes["K1"] == ("ok",)
    assert "tool 'ladder'" in got.refused["tool"] and "no depot holds it" in got.refused["tool"]
    assert "part 'fuse'" in got.refused["part"]
    assert "2 x part 'valve'" in got.refused["valves"] and "most: 1" in got.refused["valves"]
    assert "reachable within the shift" in got.refused["crane"]
    judge(state, [far], got)


def test_no_single_van_with_everything_and_no_depot_is_a_refusal() -> None:
    state = day(
        [tech("K1", 0.0, tools=frozenset({"ladder"})), tech("K2", 5.0, stock={"valve": 1})],
        [visit("v", 10.0, tools=frozenset({"ladder"}), parts={"valve": 1})],
    )
    got = plan(state, [])
    assert got.routes == {"K1": (), "K2": ()}
    assert "has all of them, and there is no depot" in got.refused["v"]


def test_bad_counts_are_refused_with_the_field() -> None:
    state = day([tech("K1", 0.0, stock={"valve": -1})], [visit("v", 1.0)])
    try:
        plan(state, [])
    except ValueError as err:
        assert "TechnicianSpec('K1').stock['valve']" in str(err) and "-1" in str(err)
    else:
        raise AssertionError("a negative stock was accepted")


TOOLS = ("ladder", "meter", "crimper")
PARTS = ("valve", "fuse")


@st.composite
def instances(draw: st.DrawFn) -> tuple[PlanState, list[Depot]]:
    coord = st.floats(0.0, 60.0, allow_nan=False).map(lambda c: round(c, 1))
    subset = st.frozensets(st.sampled_from(TOOLS), max_size=2)
    stock = st.dictionaries(st.sampled_from(PARTS), st.integers(0, 2), max_size=2)
    techs = [
        TechnicianSpec(
            f"K{k}",
            draw(coord),
            draw(coord),
            frozenset(draw(st.lists(st.sampled_from(("gas", "water")), min_size=1, max_size=2))),
            0.0,
            300.0,
            draw(st.sampled_from((200.0, 300.0))),
            tools=draw(subset),
            stock=draw(stock),
        )
        for k in range(draw(st.integers(1, 3)))
    ]
    depots = [
        Depot(f"D{k}", draw(coord), draw(coord), draw(subset), frozenset(draw(stock)), 5.0)
        for k in range(draw(st.integers(0, 2)))
    ]
    visits = []
    for i in range(draw(st.integers(1, 7))):
        w0 = draw(st.sampled_from((0.0, 60.0, 120.0)))
        visits.append(
            VisitTask(
                f"v{i}",
                f"c{i}",
                draw(coord),
                draw(coord),
                "repair",
                draw(st.sampled_from(("gas", "water"))),
                3,
                w0,
                w0 + draw(st.sampled_from((30.0, 120.0, 240.0))),
                15.0,
                tools=draw(subset),
                parts=draw(stock),
            )
        )
    return day(techs, visits), depots


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_every_planned_visit_has_what_it_needs(inst: tuple[PlanState, list[Depot]]) -> None:
    state, depots = inst
    got = plan(state, depots)
    judge(state, depots, got)  # tools, parts, skills, windows, shifts; nothing dropped
    for vid, reason in got.refused.items():
        v = state.visits[vid]
        skilled = [t for t in state.technicians.values() if v.skill in t.skills]
        if "no depot holds it" in reason and "tool" in reason.split(":")[0]:
            tool = reason.split("'")[1]
            assert tool in v.tools
            assert not any(tool in t.tools for t in skilled)
            assert not any(tool in d.tools for d in depots)
    assert plan(state, depots) == got  # deterministic


HOURLY = PlannerParams(
    travel=0.0, paid_time=1.0, pay="hour", overtime=0.0, overtime_allowed_min=0.0
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_paid_by_the_hour_the_planner_prices_what_the_checker_pays(
    inst: tuple[PlanState, list[Depot]],
) -> None:
    state, depots = inst
    got = plan_with_kit(state, {d.depot_id: d for d in depots}, TRAVEL, NO_BREAK, HOURLY)
    ctx = KitContext(state, {d.depot_id: d for d in depots}, TRAVEL, NO_BREAK, HOURLY)
    priced = sum(walk_cost(ctx, t, r) or 0.0 for t, r in got.routes.items() if r)
    check = check_routes(
        got.routes, state.technicians, state.status, state.visits, TRAVEL.distance_km,
        {d.depot_id: d for d in depots}, refused=got.refused,
    )  # fmt: skip
    assert check.feasible, check.problems
    assert priced == pytest.approx(check.paid_min)


@pytest.mark.slow
def test_a_solomon_kit_day_with_the_daily_optimisation_first() -> None:
    """25 technicians, 100 visits (about 60 needing tools or parts), two depots."""
    from pathlib import Path

    from bench.fixtures.kitday import kit_day

    day, depots = kit_day(Path(__file__).parent / "data" / "R201.vrp", seed=0)
    st = day.state
    got = plan_with_kit(st, depots, day.travel, day.brk, HOURLY, time_limit_s=0.5)
    check = check_routes(
        got.routes, st.technicians, st.status, st.visits, day.travel.distance_km, depots,
        refused=got.refused,
    )  # fmt: skip
    assert check.feasible, check.problems
    assert len(got.refused) <= 5 and check.depot_stops > 0
