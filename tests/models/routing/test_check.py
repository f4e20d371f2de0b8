"""The independent route checker finds every kind of broken rule, and passes good plans."""

from __future__ import annotations

import math

import pytest

from twin.models.routing.check import Pause, check_routes
from twin.models.routing.kit import Depot, depot_stop
from twin.models.routing.plan import TechnicianSpec, TechnicianState, VisitTask


def dist(ax: float, ay: float, bx: float, by: float) -> float:
    return math.hypot(ax - bx, ay - by)


def visit(vid: str, x: float, w0: float = 0.0, w1: float = 500.0, **kw: object) -> VisitTask:
    return VisitTask(vid, vid, x, 0.0, "repair", kw.pop("skill", "gas"), 3, w0, w1, 10.0, **kw)  # type: ignore[arg-type]


TECH = TechnicianSpec("K1", 0.0, 0.0, frozenset({"gas"}), 0.0, 400.0, 400.0)
TECHS = {"K1": TECH}
STATUS = {"K1": TechnicianState("K1", 0.0, 0.0, 0.0)}
DEPOT = Depot("D", 5.0, 0.0, frozenset({"ladder"}), frozenset({"valve"}), service_min=4.0)


def check(route: tuple[str, ...], visits: dict[str, VisitTask], **kw: object):  # type: ignore[no-untyped-def]
    return check_routes({"K1": route}, TECHS, STATUS, visits, dist, {"D": DEPOT}, **kw)  # type: ignore[arg-type]


def test_a_good_route_passes_with_its_times() -> None:
    visits = {"a": visit("a", 10.0), "b": visit("b", 20.0, 50.0)}
    got = check(("a", "b"), visits)
    assert got.feasible, got.problems
    assert got.travel_min == pytest.approx(40.0)
    assert got.span_min == pytest.approx(50.0 + 10.0 + 20.0)  # waits for b's window
    assert got.paid_min == pytest.approx(got.span_min - 20.0)  # leaves 20 min later


@pytest.mark.parametrize(
    ("route", "visits", "expect"),
    [
        (("a",), {"a": visit("a", 10.0, 0.0, 9.0)}, "window end"),
        (("a",), {"a": visit("a", 10.0, skill="water")}, "skill 'water'"),
        (("a",), {"a": visit("a", 10.0, tools=frozenset({"ladder"}))}, "tools ['ladder']"),
        (("a",), {"a": visit("a", 10.0, parts={"valve": 1})}, "1 x 'valve'"),
        (("a",), {"a": visit("a", 395.0)}, "max_end"),
        (("a", "a"), {"a": visit("a", 10.0)}, "planned twice"),
        ((), {"a": visit("a", 10.0)}, "silent drop"),
        ((depot_stop("X"),), {}, "unknown depot"),
    ],
)
def test_each_broken_rule_is_named(
    route: tuple[str, ...], visits: dict[str, VisitTask], expect: str
) -> None:
    got = check(route, visits)
    assert not got.feasible
    assert any(expect in p for p in got.problems), got.problems


def test_a_depot_stop_gives_tools_and_restocks_up_to_the_next_stop() -> None:
    visits = {
        "a": visit("a", 10.0, tools=frozenset({"ladder"}), parts={"valve": 2}),
        "b": visit("b", 20.0, parts={"valve": 1}),
    }
    d = depot_stop("D")
    assert check((d, "a", "b"), visits).feasible
    short = check((d, "a", d, "b"), visits)  # refilled to b's need at the second stop
    assert short.feasible and short.depot_stops == 2
    # tools are kept, but before the stop the technician has neither tool nor part
    assert not check(("a", d, "b"), visits).feasible


def test_refused_visits_need_a_reason_and_a_pause_delays_the_day() -> None:
    visits = {"a": visit("a", 10.0), "b": visit("b", 20.0)}
    assert not check(("a",), visits, refused={"b": ""}).feasible
    assert check(("a",), visits, refused={"b": "no room"}).feasible
    plain = check(("a", "b"), visits).span_min
    paused = check(("a", "b"), visits, pause=Pause(30.0, 5.0)).span_min
    assert paused == pytest.approx(plain + 30.0)
