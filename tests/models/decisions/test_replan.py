"""Local repair of an endangered visit: the cheap bound that skips hopeless searches."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from twin.config import Scenario
from twin.models.decisions.replan import _late, move_endangered
from twin.models.routing.dispatch import BaselineDispatcher, Routes
from twin.models.routing.mirror import FleetMirror
from twin.models.routing.plan import (
    BreakRule,
    PlanState,
    TechnicianSpec,
    TechnicianState,
    VisitTask,
)
from twin.sim.world import World


class CountingDispatcher(BaselineDispatcher):
    """The real dispatcher, counting how often a repair search runs."""

    searches = 0

    def repair(self, state: PlanState, reason: str, orphans: Sequence[str]) -> Routes:
        self.searches += 1
        return super().repair(state, reason, orphans)


def test_no_search_when_taking_the_visit_out_cannot_gain_enough(small: Scenario) -> None:
    world = World(small, BaselineDispatcher)
    mirror = FleetMirror(world.specs, world.clock, world.break_rule.length_min)
    for e in world.advance(9 * 60):
        mirror.apply(e)
    state = mirror.plan_state(9 * 60)
    travel, brk = world.travel, world.break_rule
    tid = next(t for t, r in sorted(state.routes.items()) if r)
    vid = state.routes[tid][0]
    without = tuple(v for v in state.routes[tid] if v != vid)
    bound = _late(state, {tid: state.routes[tid]}, travel, brk) - _late(
        state, {tid: without}, travel, brk
    )
    dispatcher = CountingDispatcher(travel, brk)
    assert move_endangered(state, vid, tid, dispatcher, travel, brk, bound + 1.0) is None
    assert dispatcher.searches == 0
    move_endangered(state, vid, tid, dispatcher, travel, brk, bound - 1.0)
    assert dispatcher.searches == 1


def test_inserting_a_visit_never_lowers_lateness_within_one_zone(small: Scenario) -> None:
    """The bound behind the skip: on a metric (one zone, one speed factor) and once the break
    is taken, adding a visit anywhere to a route never makes it less late or shorter.

    (Before the break it can: the plan takes the break at the first departure after
    ``after_min``, never during a wait, so an extra visit can move the break into a slack
    and make later visits earlier. Zones of different speed can make a detour faster
    than the direct leg. The skip ignores both: a move that only exploits them is no real
    gain, and the 1,000-technician benchmark day's log is the same with and without it.)"""
    world = World(small, BaselineDispatcher)
    travel = world.travel
    brk = BreakRule(30.0, 240.0)
    inner = small.city.zones[0].outer_radius_km * 0.7
    cx, cy = travel.centre
    rng = np.random.default_rng(11)
    spec = TechnicianSpec("T", cx, cy, frozenset({"s"}), 480.0, 960.0, 1080.0)
    for _ in range(300):
        n = int(rng.integers(1, 7))
        angle, radius = rng.uniform(0, 2 * np.pi, n + 1), inner * np.sqrt(rng.uniform(0, 1, n + 1))
        visits = {}
        for i in range(n + 1):
            ws = float(rng.uniform(480, 900))
            visits[f"V{i}"] = VisitTask(
                f"V{i}",
                "C",
                float(cx + radius[i] * np.cos(angle[i])),
                float(cy + radius[i] * np.sin(angle[i])),
                "repair",
                "s",
                1,
                ws,
                ws + float(rng.choice([60.0, 120.0])),
                float(rng.uniform(20, 90)),
            )
        route = tuple(f"V{i}" for i in range(n))
        st = TechnicianState("T", cx, cy, float(rng.uniform(480, 700)), True, True)
        state = PlanState(st.free_at, {"T": spec}, {"T": st}, visits, {"T": route})
        base = _late(state, {"T": route}, travel, brk)
        for pos in range(n + 1):
            longer = (*route[:pos], f"V{n}", *route[pos:])
            assert _late(state, {"T": longer}, travel, brk) >= base - 1e-9
