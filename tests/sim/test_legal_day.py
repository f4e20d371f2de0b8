"""The legal working day and early starts, in the world (twin.sim.technician)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from twin import events as ev
from twin.analysis.daylog import read_day
from twin.analysis.kpi import compute_kpis
from twin.analysis.period import werktage
from twin.config import Scenario
from twin.models.routing.dispatch import BaselineDispatcher
from twin.sim.world import World


def _early_world(small: Scenario, share: float, max_min: float = 60.0) -> World:
    sc = small.with_overrides(
        **{"demand.early_start_share": share, "demand.early_start_max_min": max_min}
    )
    return World(sc, BaselineDispatcher)


def _begun_early(world: World, events: list[ev.Event]) -> list[tuple[ev.WorkStarted, float]]:
    booked = {e.visit_id: e for e in events if isinstance(e, ev.VisitBooked)}
    return [
        (e, (booked[e.visit_id].window_start - e.time).total_seconds() / 60)
        for e in events
        if isinstance(e, ev.WorkStarted) and e.time < booked[e.visit_id].window_start
    ]


def test_customers_who_agree_let_work_begin_early_within_the_limit(small: Scenario) -> None:
    world = _early_world(small, 1.0, max_min=45.0)
    events = world.run()
    early = _begun_early(world, events)
    assert early, "with every customer agreeing, some work must begin before its window"
    assert all(0 < ahead <= 45.0 + 1e-6 for _, ahead in early)
    kpis = compute_kpis(events, world.scenario, read_day(events, world.scenario))
    assert kpis.early_share > 0
    assert abs(kpis.punctuality + kpis.late_share + kpis.early_share - 1) < 1e-9


def test_nobody_begins_early_when_no_customer_agrees(small: Scenario) -> None:
    for world in (_early_world(small, 0.0), _early_world(small, 1.0, max_min=0.0)):
        events = world.run()
        assert _begun_early(world, events) == []
        kpis = compute_kpis(events, world.scenario, read_day(events, world.scenario))
        assert kpis.early_share == 0.0


def test_an_early_start_is_the_customers_answer_not_the_policys(small: Scenario) -> None:
    """Common random numbers: whether a customer lets work begin early is drawn per visit,
    so another dispatcher meeting the same visit early gets the same answer."""
    a = _early_world(small, 0.5)
    b = _early_world(small, 0.5)
    ea = {e.visit_id for e, _ in _begun_early(a, a.run())}
    eb = {e.visit_id for e, _ in _begun_early(b, b.run())}
    assert ea == eb and ea


def test_no_shift_runs_past_ten_hours_even_in_heavy_traffic(small: Scenario) -> None:
    """A day made to overrun: long jobs, a wide area, many slow incidents. Work on site
    stops, and a technician waiting for work leaves, in time for the drive home."""
    sc = small.with_overrides(
        **{
            "city.size_km": 60.0,
            "traffic.incidents_per_day": 12.0,
            "demand.visits_per_technician": 12.0,
            "workforce.shift_length_min": 600.0,
        }
    )
    world = World(sc, BaselineDispatcher)
    events = world.run()
    start: dict[str, dt.datetime] = {}
    end: dict[str, dt.datetime] = {}
    breaks: defaultdict[str, float] = defaultdict(float)
    began: dict[str, dt.datetime] = {}
    for e in events:
        if isinstance(e, ev.ShiftStarted):
            start[e.technician_id] = e.time
        elif isinstance(e, ev.ShiftEnded):
            end[e.technician_id] = e.time
        elif isinstance(e, ev.BreakStarted):
            began[e.technician_id] = e.time
        elif isinstance(e, ev.BreakEnded):
            breaks[e.technician_id] += (e.time - began[e.technician_id]).total_seconds() / 60
    assert end
    cut = [e for e in events if isinstance(e, ev.WorkFinished) and e.outcome == "unfinished"]
    worked = {t: (end[t] - start[t]).total_seconds() / 60 - breaks[t] for t in end}
    assert max(worked.values()) <= sc.workforce.max_work_min + 1e-6, (max(worked.values()), cut)


def test_werktage_count_monday_to_saturday_of_the_weeks_covered() -> None:
    monday = dt.date(2026, 11, 23)
    assert werktage(monday, monday + dt.timedelta(days=4)) == 6  # Mon-Fri: one week
    assert werktage(monday, monday) == 6
    assert werktage(monday, monday + dt.timedelta(days=9)) == 12  # into the second week
    saturday = monday + dt.timedelta(days=5)
    assert werktage(saturday, saturday) == 1
