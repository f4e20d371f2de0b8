"""Waiting by hour: the shift minus driving, work and breaks, cut at local hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from twin.analysis.daylog import read_day
from twin.analysis.waiting import _gaps, waiting_by_hour
from twin.config import Scenario
from twin.models.routing.dispatch import BaselineDispatcher
from twin.sim.world import World

T0 = datetime(2026, 11, 23, 6, 30, tzinfo=UTC)  # 07:30 in Berlin


def _h(h: float) -> datetime:
    return T0 + timedelta(hours=h)


def test_gaps_are_the_shift_not_covered() -> None:
    busy = [(_h(1), _h(2)), (_h(1.5), _h(3)), (_h(5), _h(9))]
    assert _gaps((_h(0), _h(8)), busy) == [(_h(0), _h(1)), (_h(3), _h(5))]
    assert _gaps((_h(0), _h(2)), []) == [(_h(0), _h(2))]
    assert _gaps((_h(0), _h(2)), [(_h(0), _h(2))]) == []


def test_a_day_waits_what_its_shifts_do_not_spend_driving_working_or_on_a_break() -> None:
    s = Scenario().with_overrides(**{"workforce.technicians": 6, "policy.brain": False})
    world = World(s, BaselineDispatcher, seed=3)
    day = read_day(world.run(), world.scenario)
    hours = waiting_by_hour(day, s.time_zone)
    assert hours and all(v >= 0 for v in hours.values())
    assert all(0 <= h < 24 for h in hours)
    assert max(hours.values()) <= 6.0 + 1e-9  # six technicians, one hour each at most
    on_shift = sum(d.shift_hours for d in day.days)
    busy = sum(a.hours for a in day.activities)
    assert abs(sum(hours.values()) - (on_shift - busy)) < 0.05 * on_shift
