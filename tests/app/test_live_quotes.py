"""Offers priced on a copy of the served day's plan, off its lock, are the offers given on
the live plan under the lock — before and after ticks and bookings — and a copy is made
once per change of the day.

Cheapest insertion is compared with the day's own planner. PowerOpt is compared with a
new planner per offer: the day's own keeps route timings from its day's work that make
its offers depend on what it did before (with PowerOpt, offers are priced from scratch).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from twin.app.live import LiveDay
from twin.app.live.requests import job_of
from twin.app.wiring import dispatcher_factory
from twin.config import Scenario
from twin.models.booking.ahead import AheadOffer
from twin.models.routing.dispatch import NoOffer
from twin.sim import outside


def _job(i: int, size: float) -> dict[str, object]:
    return {
        "customer_id": f"C-Q{i}",
        "job_type": ("repair", "maintenance", "installation")[i % 3],
        "x": (i * 3.7) % size,
        "y": (i * 5.3) % size,
        "available_from": 0.0 if i % 4 else 720.0,
        "available_until": 1440.0,
    }


def _same_as_under_the_lock(day: LiveDay, jobs: list[dict[str, object]]) -> int:
    n = 0
    w = day.world
    for record in jobs:
        job = job_of({"job": record, "channel": "portal"})
        quoted = day.offers(job, 10)
        with day.lock:
            planner = w.dispatcher
            if w.scenario.policy.planner == "poweropt":
                planner = dispatcher_factory(w.scenario)(w.travel, w.break_rule)
            state = w.plan_state()
            truth = outside.offers_in(w.scenario, w.company.windows, state, planner, job, 10)
        if isinstance(truth, NoOffer):
            assert isinstance(quoted, NoOffer) or all(a.day > 0 for a in quoted)
            continue
        assert quoted == [AheadOffer(0, o) for o in truth]
        n += 1
    return n


@pytest.mark.parametrize("planner", ["insertion", "poweropt"])
def test_offers_off_the_lock_equal_the_days_own(
    small: Scenario, tmp_path: Path, planner: str
) -> None:
    scenario = small.with_overrides(
        **{"demand.visits_per_technician": 5.0, "policy.planner": planner}
    )
    day = LiveDay(scenario, 3, tmp_path)
    size = scenario.city.size_km
    jobs = [_job(i, size) for i in range(12)]
    compared = 0
    for minute in (9 * 60, 11 * 60 + 30):
        while day.now < minute and day.tick():
            pass
        compared += _same_as_under_the_lock(day, jobs)
        for i in range(3):  # bookings change the plan between offers
            record = {"kind": "book", "channel": "portal", "job": jobs[i], "window": None}
            day.request(record)
            compared += _same_as_under_the_lock(day, jobs[3:6])
    assert compared >= 20


def test_a_copy_is_made_once_per_change_of_the_day(small: Scenario, tmp_path: Path) -> None:
    day = LiveDay(small, 3, tmp_path)
    while day.now < 9 * 60 and day.tick():
        pass
    assert day.quotes.copies is None  # nobody asked: no copies
    job = job_of({"job": _job(1, small.city.size_km), "channel": "portal"})
    day.offers(job)
    first = day.quotes.copies
    assert first is not None and first[0].now == day.now
    day.offers(job)
    assert day.quotes.copies is first  # no change of the day, no new copy
    day.tick()
    after = day.quotes.copies
    assert after is not None and after is not first and after[0].now > first[0].now
    record = {"kind": "book", "channel": "portal", "job": _job(2, 10.0), "window": None}
    day.request(record)
    assert day.quotes.copies is not after  # a booking is a change too
