"""Real-time restocking: a depot stop before the next visit only when it pays, and the
same rule applied ahead along a route (the stops that go out with the plan)."""

from __future__ import annotations

import math
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from twin.models.routing.kit import Depot
from twin.models.routing.plan import VisitTask
from twin.models.routing.restock import Van, low_parts, missing, plan_restocks, restock_stop


def dist(ax: float, ay: float, bx: float, by: float, t: float) -> float:
    return math.hypot(ax - bx, ay - by)  # one minute per km


def visit(x: float, w0: float = 0.0, w1: float = 500.0, **kw: object) -> VisitTask:
    return VisitTask("v", "c", x, 0.0, "repair", "gas", 3, w0, w1, 30.0, **kw)  # type: ignore[arg-type]


VAN = Van(0.0, 0.0, 100.0, frozenset(), {"valve": 1}, {"valve": 1}, (0.0, 0.0), 600.0)
NEAR = Depot("near", 5.0, 0.0, frozenset({"press"}), frozenset({"valve", "board"}), 10.0)
FAR = Depot("far", 50.0, 50.0, frozenset({"press"}), frozenset({"valve", "board"}), 10.0)
DEPOTS = {"far": FAR, "near": NEAR}


def test_nothing_missing_nothing_low_no_stop() -> None:
    assert restock_stop(VAN, visit(20.0), DEPOTS, dist, 1, 60.0) is None


def test_a_known_missing_part_goes_through_the_nearest_depot_holding_it() -> None:
    v = visit(20.0, parts={"board": 1})
    assert missing(VAN, v) == (frozenset(), frozenset({"board"}))
    assert restock_stop(VAN, v, DEPOTS, dist, 1, 60.0) == "near"
    only_far = {"far": FAR, "near": replace(NEAR, parts=frozenset({"valve"}))}
    assert restock_stop(VAN, v, only_far, dist, 1, 60.0) == "far"


def test_a_missing_tool_counts_like_a_part() -> None:
    v = visit(20.0, tools=frozenset({"press"}))
    assert restock_stop(VAN, v, DEPOTS, dist, 1, 60.0) == "near"
    assert restock_stop(VAN, v, {"x": replace(NEAR, tools=frozenset())}, dist, 1, 60.0) is None


def test_no_stop_when_it_makes_the_visit_too_late_or_the_day_too_long() -> None:
    # direct arrival 120, via near 100+5+10+15 = 130: 10 min late is allowed up to late_min
    v = visit(20.0, 0.0, 120.0, parts={"board": 1})
    assert restock_stop(VAN, v, DEPOTS, dist, 1, 10.0) == "near"
    assert restock_stop(VAN, v, DEPOTS, dist, 1, 9.0) is None
    short_day = replace(VAN, max_end=130.0 + 30.0 + 20.0 - 1.0)  # home at 180
    assert restock_stop(short_day, v, DEPOTS, dist, 1, 60.0) is None


def test_low_stock_restocks_only_without_making_anyone_late() -> None:
    empty = replace(VAN, stock={"valve": 0})
    assert low_parts(empty, 1) == frozenset({"valve"})
    assert restock_stop(empty, visit(20.0), DEPOTS, dist, 1, 60.0) == "near"
    tight = visit(20.0, 0.0, 125.0)  # via near arrives at 130: later than the window
    assert restock_stop(empty, tight, DEPOTS, dist, 1, 60.0) is None
    assert restock_stop(empty, visit(20.0), DEPOTS, dist, 0, 60.0) is None  # threshold 0
    # a van that starts with one valve is full again with one: no stop for a threshold of 2
    assert low_parts(replace(VAN, stock={"valve": 1}), 2) == frozenset()


@settings(max_examples=60, deadline=None)
@given(
    x=st.floats(0, 40),
    w_end=st.floats(0, 300),
    late=st.floats(0, 120),
    stock=st.integers(0, 2),
    need=st.integers(0, 2),
)
def test_a_chosen_stop_always_keeps_the_promise(
    x: float, w_end: float, late: float, stock: int, need: int
) -> None:
    """Whatever it picks holds what is missing, starts the visit within the allowance and
    brings the technician home by the max end."""
    van = replace(VAN, stock={"valve": stock})
    v = visit(x, 0.0, w_end, parts={"valve": need} if need else {})
    got = restock_stop(van, v, DEPOTS, dist, 1, late)
    if got is None:
        return
    dep = DEPOTS[got]
    t = van.now + dist(0, 0, dep.x, dep.y, 0) + dep.service_min
    start = max(t + dist(dep.x, dep.y, x, 0.0, 0), v.window_start)
    direct = max(van.now + x, v.window_start)
    tools, parts = missing(van, v)
    limit = w_end + late if (tools or parts) else max(w_end, direct)
    assert start <= limit + 1e-9
    assert start + v.duration_min + x <= van.max_end + 1e-9
    assert parts <= dep.parts


def _at(vid: str, x: float, **kw: object) -> VisitTask:
    return replace(visit(x, **kw), visit_id=vid)  # type: ignore[arg-type]


def test_a_short_visit_ahead_gets_its_stop_and_one_refill_serves_the_rest() -> None:
    route = [_at("a", 10.0), _at("b", 20.0, parts={"board": 1}), _at("c", 30.0, parts={"board": 1})]
    # no van holds a board: the stop is planned just before the first visit needing one,
    # and the refill there brings what the rest of the route is known to need
    assert plan_restocks(VAN, route, DEPOTS, dist, 1, 60.0) == {"b": "near"}
    # a stop the daily plan fixed is kept (and its refill serves what follows)
    fixed = {"a": "far"}
    assert plan_restocks(VAN, route, DEPOTS, dist, 1, 60.0, fixed) == {"a": "far"}


def test_stock_used_up_ahead_is_restocked_where_it_runs_out() -> None:
    # one valve in the van: the first visit uses it, the second needs another
    route = [_at("a", 10.0, parts={"valve": 1}), _at("b", 15.0, parts={"valve": 1})]
    assert plan_restocks(VAN, route, DEPOTS, dist, 1, 60.0) == {"b": "near"}
    assert plan_restocks(VAN, route, DEPOTS, dist, 0, 60.0) == {"b": "near"}  # known need
    assert plan_restocks(VAN, route[:1], DEPOTS, dist, 0, 60.0) == {}


@settings(max_examples=60, deadline=None)
@given(
    xs=st.lists(st.floats(0, 40), min_size=1, max_size=4),
    needs=st.lists(st.integers(0, 2), min_size=4, max_size=4),
    stock=st.integers(0, 2),
    late=st.floats(0, 120),
)
def test_the_first_planned_stop_is_the_rule_now(
    xs: list[float], needs: list[int], stock: int, late: float
) -> None:
    """What the technician does at a departure is the plan's first stop: the rule's answer."""
    van = replace(VAN, stock={"valve": stock})
    route = [
        _at(f"v{i}", x, parts={"valve": n} if n else {})
        for i, (x, n) in enumerate(zip(xs, needs[: len(xs)], strict=True))
    ]
    planned = plan_restocks(van, route, DEPOTS, dist, 1, late)
    assert planned.get("v0") == restock_stop(van, route[0], DEPOTS, dist, 1, late)
    assert set(planned) <= {v.visit_id for v in route}
