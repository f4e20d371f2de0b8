"""``move_endangered`` reuses the route without the visit's term between its bound and its
verdict: the same answers as the long way, which works every term out where it is used."""

from __future__ import annotations

from dataclasses import replace

from twin.config import Scenario
from twin.models.decisions.replan import _late, move_endangered
from twin.models.routing.dispatch import BaselineDispatcher, Dispatcher, Routes
from twin.models.routing.mirror import FleetMirror
from twin.models.routing.plan import BreakRule, PlanState, RoutesWith
from twin.models.routing.travel import TravelModel
from twin.sim.world import World


def _long_way(
    state: PlanState,
    visit_id: str,
    technician_id: str,
    dispatcher: Dispatcher,
    travel: TravelModel,
    brk: BreakRule,
    min_gain_min: float,
) -> Routes | None:
    """``move_endangered`` as it was before the reuse (session 12)."""
    route = state.routes.get(technician_id, ())
    if visit_id not in route or visit_id not in state.visits:
        return None
    without = tuple(v for v in route if v != visit_id)
    own_before = _late(state, {technician_id: route}, travel, brk)
    if own_before - _late(state, {technician_id: without}, travel, brk) < min_gain_min:
        return None
    reduced = replace(state, routes=RoutesWith(state.routes, {technician_id: without}))
    moved = dispatcher.repair(reduced, f"delay risk for {visit_id}", [visit_id])
    if not any(visit_id in r for r in moved.values()):
        return None
    changed: dict[str, tuple[str, ...]] = {technician_id: without, **moved}
    if all(state.routes.get(t, ()) == r for t, r in changed.items()):
        return None
    others = {t: state.routes.get(t, ()) for t in changed if t != technician_id}
    before = own_before + _late(state, others, travel, brk)
    after = _late(state, changed, travel, brk)
    if before - after < min_gain_min:
        return None
    return changed


def test_every_repair_of_a_day_as_the_long_way(small: Scenario) -> None:
    world = World(small, BaselineDispatcher)
    travel, brk = world.travel, world.break_rule
    mirror = FleetMirror(world.specs, world.clock, brk.length_min)
    asked = moved = 0
    for minute in range(8 * 60, 17 * 60, 20):
        for e in world.advance(float(minute)):
            mirror.apply(e)
        state = mirror.plan_state(float(minute))
        for tid, route in sorted(state.routes.items()):
            for vid in route:
                # a gain bar below zero lets every search through to the verdict, and
                # bars around the day's usual gains test the verdict's edge
                for bar in (-1e9, 0.0, 1.0, 10.0):
                    short = move_endangered(
                        state, vid, tid, BaselineDispatcher(travel, brk), travel, brk, bar
                    )
                    long = _long_way(
                        state, vid, tid, BaselineDispatcher(travel, brk), travel, brk, bar
                    )
                    assert short == long, (minute, tid, vid, bar)
                    asked += 1
                    moved += short is not None
    assert asked > 300 and 0 < moved < asked


def test_a_known_term_gives_the_same_sum_to_the_last_bit(small: Scenario) -> None:
    world = World(small, BaselineDispatcher)
    travel, brk = world.travel, world.break_rule
    mirror = FleetMirror(world.specs, world.clock, brk.length_min)
    for e in world.advance(11 * 60):
        mirror.apply(e)
    state = mirror.plan_state(11 * 60)
    routes = {t: r for t, r in sorted(state.routes.items()) if r}
    assert len(routes) >= 3
    for tid, route in routes.items():
        term = _late(state, {tid: route}, travel, brk)
        assert _late(state, routes, travel, brk, known=(tid, route, term)) == _late(
            state, routes, travel, brk
        )
        # a known term of another route than the one in ``routes`` is not used
        other = route[:-1]
        assert _late(state, routes, travel, brk, known=(tid, other, -1.0)) == _late(
            state, routes, travel, brk
        )
