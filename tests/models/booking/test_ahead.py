"""Booking ahead: later days' windows come from the horizon's room and the planner's
ranking on that day's tentative plan; a full day sends the customer to the next."""

from __future__ import annotations

import pytest

from twin.config import Scenario
from twin.models.booking.ahead import Ahead
from twin.models.booking.horizon import Horizon
from twin.models.routing.dispatch import BaselineDispatcher, NoOffer
from twin.models.routing.plan import BreakRule, TechnicianSpec, VisitTask
from twin.models.routing.travel import TravelModel

WINDOWS = ((480.0, 600.0), (600.0, 720.0), (720.0, 840.0), (480.0, 960.0))
ALL_DAY = (0.0, 1440.0)


def _task(vid: str, x: float, window: tuple[float, float] = (0.0, 0.0)) -> VisitTask:
    return VisitTask(vid, f"C{vid}", x, 1.0, "repair", "repair", 1, *window, 60.0)


@pytest.fixture
def desk(small: Scenario) -> tuple[Ahead, BaselineDispatcher]:
    techs = {
        "T1": TechnicianSpec("T1", 0.0, 0.0, frozenset({"repair"}), 480.0, 960.0, 990.0),
        "T2": TechnicianSpec("T2", 9.0, 0.0, frozenset({"repair"}), 480.0, 960.0, 990.0),
    }
    # 2 technicians x 1.5 visits, none kept back: 3 places a day, 3 days ahead
    horizon = Horizon(lambda _: 2, per_technician=1.5, reserve=0.0, days=3)
    travel = TravelModel(small.city, small.traffic)
    return Ahead(horizon, techs), BaselineDispatcher(travel, BreakRule(30.0, 240.0))


def test_offers_are_ranked_per_day_wish_day_first(desk: tuple[Ahead, BaselineDispatcher]) -> None:
    ahead, planner = desk
    offers = ahead.offers(_task("REQ", 1.0), planner, WINDOWS, ALL_DAY, first=2, limit=20)
    assert not isinstance(offers, NoOffer)
    assert [o.day for o in offers] == sorted(o.day for o in offers)
    assert {o.day for o in offers} == {2, 3}  # the wish day and one more
    for day in (2, 3):
        costs = [o.offer.cost for o in offers if o.day == day]
        assert costs == sorted(costs) and len(costs) == len(WINDOWS)
    assert offers[0].offer.technician_id == "T1"  # the near one is the cheap one
    narrow = ahead.offers(_task("REQ", 1.0), planner, WINDOWS, (600.0, 720.0), first=1)
    assert not isinstance(narrow, NoOffer)
    assert {(o.offer.window_start, o.offer.window_end) for o in narrow} == {(600.0, 720.0)}


def test_a_full_day_sends_the_next_request_on(desk: tuple[Ahead, BaselineDispatcher]) -> None:
    ahead, planner = desk
    for i in range(3):  # day 1's three places
        booked = ahead.book(_task(f"V{i}", 1.0 + i, (480.0, 960.0)), planner, 1)
        assert not isinstance(booked, NoOffer) and booked.technician_id is not None
    assert ahead.horizon.room(1) == 0
    assert sum(len(r) for r in ahead.days[1].routes.values()) == 3  # each on a tentative route
    full = ahead.book(_task("V3", 2.0, (480.0, 960.0)), planner, 1)
    assert isinstance(full, NoOffer) and "no room" in full.reason
    offers = ahead.offers(_task("REQ", 1.0), planner, WINDOWS, ALL_DAY, first=1)
    assert not isinstance(offers, NoOffer) and {o.day for o in offers} == {2, 3}
    for day in (2, 3):
        for i in range(3):
            assert not isinstance(
                ahead.book(_task(f"W{day}{i}", 1.0, WINDOWS[3]), planner, day), NoOffer
            )
    refused = ahead.offers(_task("REQ", 1.0), planner, WINDOWS, ALL_DAY, first=1)
    assert refused == NoOffer("no room within 3 working days")


def test_a_later_day_prices_the_visits_already_booked_for_it(
    desk: tuple[Ahead, BaselineDispatcher],
) -> None:
    ahead, planner = desk
    before = ahead.offers(_task("REQ", 1.0), planner, WINDOWS[:1], ALL_DAY, first=1, limit=1)
    assert not isinstance(before, NoOffer)
    # T1's morning taken by a long visit nearby: the morning now costs more (or goes to T2)
    long = VisitTask("L", "CL", 0.5, 1.0, "repair", "repair", 1, 480.0, 600.0, 110.0)
    assert not isinstance(ahead.book(long, planner, 1), NoOffer)
    after = ahead.offers(_task("REQ", 1.0), planner, WINDOWS[:1], ALL_DAY, first=1, limit=1)
    assert not isinstance(after, NoOffer)
    assert (after[0].offer.cost, after[0].offer.technician_id) != (
        before[0].offer.cost,
        before[0].offer.technician_id,
    )
    with pytest.raises(ValueError, match="day: 4 is not a later day within the horizon"):
        ahead.offers(_task("REQ", 1.0), planner, WINDOWS, ALL_DAY, first=4)
