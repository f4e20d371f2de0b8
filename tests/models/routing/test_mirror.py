from __future__ import annotations

from twin.config import Scenario
from twin.models.decisions.replan import move_endangered
from twin.models.routing.dispatch import BaselineDispatcher
from twin.models.routing.mirror import FleetMirror
from twin.sim.world import World


def _mirrored(small: Scenario, until: float) -> tuple[World, FleetMirror]:
    world = World(small, BaselineDispatcher)
    mirror = FleetMirror(world.specs, world.clock, world.break_rule.length_min)
    for e in world.advance(until):
        mirror.apply(e)
    return world, mirror


def test_mirror_rebuilds_the_worlds_plan_from_events(small: Scenario) -> None:
    for until in (7 * 60, 10 * 60, 14 * 60):
        world, mirror = _mirrored(small, until)
        assert {t: r for t, r in mirror.routes.items() if r} == {
            t: r for t, r in world.routes.items() if r
        }
        for vid, task in world.tasks.items():
            if vid in mirror.tasks:
                # event times are whole seconds
                assert abs(mirror.tasks[vid].window_start - task.window_start) <= 1 / 60
        assert {t for t, v in mirror.committed.items() if v} == {
            t for t, v in world.committed.items() if v
        }


def test_duplicate_events_change_nothing(small: Scenario) -> None:
    world = World(small, BaselineDispatcher)
    events = world.advance(11 * 60)
    once = FleetMirror(world.specs, world.clock, 30)
    twice = FleetMirror(world.specs, world.clock, 30)
    for e in events:
        once.apply(e)
        twice.apply(e)
        twice.apply(e)
    assert once.routes == twice.routes and once.tasks == twice.tasks


def test_move_only_when_it_helps(small: Scenario) -> None:
    world, mirror = _mirrored(small, 9 * 60)
    state = mirror.plan_state(9 * 60)
    dispatcher = BaselineDispatcher(world.travel, world.break_rule)
    tid = next(t for t, r in sorted(state.routes.items()) if r)
    vid = state.routes[tid][0]
    # an impossible gain threshold: the plan must stay as it is
    assert move_endangered(state, vid, tid, dispatcher, world.travel, world.break_rule, 1e9) is None
    moved = move_endangered(state, vid, tid, dispatcher, world.travel, world.break_rule, -1e9)
    assert moved is not None
    placed = [t for t, r in moved.items() if vid in r]
    assert (len(placed) == 1 and vid not in moved[tid]) or placed == [tid]
