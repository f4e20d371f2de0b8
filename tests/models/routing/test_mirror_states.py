"""The mirror's technician states, kept between views, against the long way: each view
makes every state afresh from the technician's status and ``now``."""

from __future__ import annotations

from datetime import date, datetime

from twin import events as ev
from twin.clock import DayClock
from twin.config import Scenario
from twin.models.routing.dispatch import BaselineDispatcher
from twin.models.routing.mirror import FleetMirror
from twin.models.routing.plan import TechnicianSpec, TechnicianState
from twin.sim.world import World


def _long_way(mirror: FleetMirror, tid: str, now: float) -> TechnicianState:
    s = mirror.status[tid]
    free_at = max(s.free_at, now) if s.available else s.free_at
    return TechnicianState(tid, s.x, s.y, free_at, s.available, s.break_taken)


def test_states_equal_the_long_way_every_minute_of_a_day(small: Scenario) -> None:
    world = World(small, BaselineDispatcher)
    mirror = FleetMirror(world.specs, world.clock, world.break_rule.length_min)
    kept = 0
    last: dict[str, TechnicianState] = {}
    for minute in range(6 * 60, 19 * 60):
        for e in world.advance(float(minute)):
            mirror.apply(e)
        # a view at the minute, and one at a fraction past it (free_at == now and just
        # below it: the two sides of "free from now on")
        for now in (float(minute), minute + 0.5):
            status = mirror.plan_state(now).status
            for tid in sorted(mirror.roster):
                got = status[tid]
                assert got == _long_way(mirror, tid, now)
                assert status[tid] is got  # one state per technician and view
                kept += last.get(tid) is got
                last[tid] = got
    assert kept > 1000  # busy and off-shift technicians' states were kept between views


def test_a_kept_state_is_dropped_by_every_change_of_status() -> None:
    clock = DayClock(date(2026, 3, 2))
    spec = TechnicianSpec("T1", 0.0, 0.0, frozenset({"s"}), 480.0, 960.0, 1080.0)
    mirror = FleetMirror({"T1": spec}, clock, 30.0)

    def state(now: float) -> TechnicianState:
        got = mirror.plan_state(now).status["T1"]
        assert got == _long_way(mirror, "T1", now)
        return got

    def t(minute: float) -> datetime:
        return clock.at(minute)

    mirror.apply(
        ev.ShiftStarted(id="s", time=t(480), technician_id="T1", x=1.0, y=2.0, planned_end=t(960))
    )
    idle = state(481.0)
    assert idle.free_at == 481.0 and state(482.0).free_at == 482.0  # idle: free from now on
    mirror.apply(ev.BreakStarted(id="b", time=t(482), technician_id="T1"))
    on_break = state(483.0)
    assert on_break.free_at == 512.0 and on_break.break_taken
    assert state(490.0) is on_break  # busy: the same state at any now before 512
    # a ping while not committed to a visit moves the technician: a new state
    mirror.apply(ev.Position(id="p", time=t(491), technician_id="T1", x=5.0, y=6.0))
    moved = state(492.0)
    assert moved is not on_break and (moved.x, moved.y) == (5.0, 6.0)
    assert state(512.0) is moved  # free_at == now: still the kept state
    assert state(513.0).free_at == 513.0  # past it: idle again
    mirror.apply(ev.ShiftEnded(id="e", time=t(520), technician_id="T1", x=5.0, y=6.0))
    off = state(600.0)
    assert not off.available and off.free_at == 512.0  # off: its last free_at, any now
    assert state(700.0) is off
    mirror.apply(
        ev.ShiftStarted(id="s2", time=t(780), technician_id="T1", x=0.0, y=0.0, planned_end=t(960))
    )
    back = state(781.0)
    assert back.available and back.free_at == 781.0 and (back.x, back.y) == (0.0, 0.0)
