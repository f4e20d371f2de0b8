"""Counterfactual continuations on the small town's day: the log is reproduced, a plan
that changes nothing changes nothing, a plan that moves a visit moves it."""

from __future__ import annotations

import pytest

from tests.conftest import SCENARIOS
from twin import events as ev
from twin.app.counterfactual import (
    DayOutcome,
    continue_with,
    counterfactuals,
    production_scenario,
    reproduces,
)
from twin.app.wiring import build_world
from twin.clock import DayClock
from twin.config import Scenario, load_scenario


@pytest.fixture(scope="module")
def day() -> tuple[Scenario, list[ev.Event]]:
    scenario = load_scenario(SCENARIOS / "small.toml")
    same, events = reproduces(scenario, 3, [])
    assert not same  # an empty log is not that day
    return scenario, events


def test_the_recorded_day_is_reproduced_and_a_changed_one_is_not(
    day: tuple[Scenario, list[ev.Event]],
) -> None:
    scenario, events = day
    assert reproduces(scenario, 3, list(reversed(events)))[0]  # order does not matter
    assert not reproduces(scenario, 3, events[:-1])[0]
    assert not reproduces(scenario, 4, events)[0]  # another seed is another day
    assert (
        production_scenario(scenario.with_overrides(**{"policy.brain": True})).policy.brain is False
    )


def _next_visit(events: list[ev.Event], after: float, scenario: Scenario) -> ev.TravelStarted:
    """The first leg to a visit that starts after ``after`` minutes."""
    clock = DayClock(scenario.date)
    return next(
        e
        for e in events
        if isinstance(e, ev.TravelStarted) and e.visit_id and clock.minutes(e.time) > after
    )


def test_a_plan_that_changes_nothing_gives_the_same_day(
    day: tuple[Scenario, list[ev.Event]],
) -> None:
    scenario, events = day
    leg = _next_visit(events, 600, scenario)
    noop = ev.PlanPublished(id="bplan1", time=leg.time, version=1, reason="none", routes=())
    again = continue_with(scenario, 3, noop)
    assert DayOutcome.of(again, scenario) == DayOutcome.of(events, scenario)
    assert [e for e in again if e.id != "bplan1"] == events  # the same random numbers
    cf = counterfactuals(scenario, 3, events, [noop]).to_dict()
    assert cf["avoided_late_visits"] == {"mean": 0.0, "low": None, "high": None, "n": 1}
    assert cf["items"][0]["saved_km"] == 0.0  # type: ignore[index]


def test_a_plan_that_moves_a_visit_is_carried_out(day: tuple[Scenario, list[ev.Event]]) -> None:
    scenario, events = day
    # a visit someone drives to after 12:00, handed at 10:00 to a technician still on shift
    target = _next_visit(events, 720, scenario)
    vid = target.visit_id
    assert vid is not None
    skill = next(e.skill for e in events if isinstance(e, ev.VisitRequested) and e.visit_id == vid)
    specs = build_world(production_scenario(scenario), 3).specs
    other = next(
        t for t, s in sorted(specs.items()) if t != target.technician_id and skill in s.skills
        and any(isinstance(e, ev.ShiftStarted) and e.technician_id == t for e in events)
    )  # fmt: skip
    at = next(e.time for e in events if isinstance(e, ev.Position) and e.time.hour == 10)
    move = ev.PlanPublished(
        id="bplan2", time=at, version=1, reason="move",
        routes=(ev.Route(technician_id=other, visit_ids=(vid,)),),
    )  # fmt: skip
    again = continue_with(scenario, 3, move)
    who = {e.technician_id for e in again if isinstance(e, ev.Arrived) and e.visit_id == vid}
    assert who == {other}
    assert again != events
