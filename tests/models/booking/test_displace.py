"""Making room for an emergency: a visit of lower priority gives way, never an equal one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from twin import events as ev
from twin.analysis.kpi import compute_kpis
from twin.config import Scenario
from twin.models.booking.displace import make_room
from twin.models.routing.dispatch import BaselineDispatcher, Routes
from twin.models.routing.insertion import CandidateIndex
from twin.models.routing.plan import (
    BreakRule,
    PlanState,
    TechnicianSpec,
    TechnicianState,
    VisitTask,
)
from twin.models.routing.travel import TravelModel
from twin.sim.world import World

BRK = BreakRule(30.0, 240.0)


def _visit(
    vid: str, x: float, skill: str, priority: int, dur: float, ws: float, we: float
) -> VisitTask:
    due = we if priority == 3 else None
    return VisitTask(vid, f"C{vid}", x, 0.0, "repair", skill, priority, ws, we, dur, due)


def _state(small: Scenario, route: tuple[str, ...], t2_skills: frozenset[str]) -> PlanState:
    """T1 (gas and repair) is full until nearly the end of its longest day; T2 only repairs."""
    techs = {
        "T1": TechnicianSpec("T1", 0.0, 0.0, frozenset({"gas", "repair"}), 480.0, 960.0, 990.0),
        "T2": TechnicianSpec("T2", 3.0, 0.0, t2_skills, 480.0, 960.0, 990.0),
    }
    status = {
        "T1": TechnicianState("T1", 0.0, 0.0, 600.0, True, True),
        "T2": TechnicianState("T2", 3.0, 0.0, 600.0, True, True),
    }
    visits = {
        "A": _visit("A", 0.2, "repair", 0, 170.0, 600.0, 900.0),
        "B": _visit("B", 0.3, "gas", 3, 170.0, 600.0, 990.0),
        "C": _visit("C", 0.1, "gas", 2, 170.0, 600.0, 990.0),
        "E": _visit("E", 0.4, "gas", 3, 60.0, 600.0, 840.0),
    }
    return PlanState(600.0, techs, status, visits, {"T1": route, "T2": ()})


@pytest.fixture
def travel(small: Scenario) -> TravelModel:
    return TravelModel(small.city, small.traffic)


def test_the_lowest_priority_visit_gives_way_and_moves_to_another_day(
    small: Scenario, travel: TravelModel
) -> None:
    state = _state(small, ("A", "B"), frozenset({"electrics"}))
    dispatcher = BaselineDispatcher(travel, BRK)
    assert not dispatcher.repair(state, "emergency", ["E"])  # nobody can take it as it is
    room = make_room(state, "E", dispatcher, travel, BRK)
    assert room is not None
    assert (room.gave_way, room.rehomed, room.technician_id) == ("A", False, "T1")
    assert "E" in room.routes["T1"] and "A" not in room.routes["T1"] and "B" in room.routes["T1"]
    assert room.start_min <= 840.0


def test_the_visit_that_gave_way_is_replanned_today_when_someone_can_take_it(
    small: Scenario, travel: TravelModel
) -> None:
    state = _state(small, ("A", "B"), frozenset({"repair"}))  # T2 repairs, cannot do gas
    room = make_room(state, "E", BaselineDispatcher(travel, BRK), travel, BRK)
    assert room is not None and room.gave_way == "A" and room.rehomed
    assert room.routes["T2"] == ("A",) and "E" in room.routes["T1"]


def test_an_equal_priority_visit_never_gives_way(small: Scenario, travel: TravelModel) -> None:
    state = _state(small, ("B", "B2"), frozenset())
    state = replace(state, visits={**state.visits, "B2": replace(state.visits["B"], visit_id="B2")})
    dispatcher = BaselineDispatcher(travel, BRK)
    assert not dispatcher.repair(state, "emergency", ["E"])
    assert make_room(state, "E", dispatcher, travel, BRK) is None


def test_of_two_candidates_the_lower_priority_one_gives_way(
    small: Scenario, travel: TravelModel
) -> None:
    state = _state(small, ("C", "A"), frozenset())  # C has priority 2, A priority 0
    room = make_room(state, "E", BaselineDispatcher(travel, BRK), travel, BRK)
    assert room is not None and room.gave_way == "A"


def test_candidates_are_the_skilled_available_technicians_nearest_by_home(
    small: Scenario,
) -> None:
    """make_room looks where the dispatchers look (``CandidateIndex.nearest``)."""
    state = _state(small, ("A", "B"), frozenset({"gas"}))
    em = state.visits["E"]
    assert CandidateIndex(state).nearest(state, em, 5) == ["T1", "T2"]
    assert CandidateIndex(state).nearest(state, em, 1) == ["T1"]
    off = replace(
        state, status={**state.status, "T1": replace(state.status["T1"], available=False)}
    )
    assert CandidateIndex(off).nearest(off, em, 5) == ["T2"]


def test_in_the_world_no_emergency_is_refused_while_a_routine_visit_can_give_way(
    default_scenario: Scenario,
) -> None:
    """The default company's afternoons are full: without making room it refuses
    emergencies; with it, it takes them and moves routine visits to another day."""
    kpis, logs = {}, {}
    for on in (False, True):
        sc = default_scenario.with_overrides(
            **{
                "policy.planner": "insertion",
                "policy.brain": False,
                "policy.emergency_displacement": on,
            }
        )
        logs[on] = World(sc, BaselineDispatcher, 1).run()
        kpis[on] = compute_kpis(logs[on], sc)

    def gave_way(log: list[ev.Event]) -> list[ev.VisitCancelled]:
        # moved for an emergency (a day that runs out moves visits too, for another reason)
        return [
            e
            for e in log
            if isinstance(e, ev.VisitCancelled) and e.by == "company" and "emergency" in e.reason
        ]

    assert kpis[False].emergencies_refused > 0 and not gave_way(logs[False])
    assert kpis[True].emergencies_refused < kpis[False].emergencies_refused
    assert kpis[True].emergencies == kpis[False].emergencies
    moved = gave_way(logs[True])
    assert moved
    booked = {e.visit_id for e in logs[True] if isinstance(e, ev.VisitBooked)}
    arrived = {e.visit_id for e in logs[True] if isinstance(e, ev.Arrived)}
    for e in moved:
        emergency = e.reason.split("emergency ")[1].split(" ")[0]
        assert emergency in booked and e.visit_id not in arrived


class LeavesEmergenciesOut(BaselineDispatcher):
    """A dispatcher whose repair reshuffles a route but never places the emergency (what
    a region repair can return when the emergency fits nowhere)."""

    def repair(self, state: PlanState, reason: str, orphans: Sequence[str]) -> Routes:
        if reason != "emergency":
            return super().repair(state, reason, orphans)
        busy = sorted(t for t, r in state.routes.items() if len(r) > 1)
        return {busy[0]: tuple(reversed(state.routes[busy[0]]))} if busy else {}


def test_an_emergency_left_out_of_the_repair_is_refused_not_booked_unplanned(
    small: Scenario,
) -> None:
    sc = small.with_overrides(**{"policy.brain": False})
    events = World(sc, LeavesEmergenciesOut, 1).run()
    emergencies = {
        e.visit_id for e in events if isinstance(e, ev.VisitRequested) and e.job_type == "emergency"
    }
    rejected = {e.visit_id for e in events if isinstance(e, ev.VisitRejected)}
    booked = {e.visit_id for e in events if isinstance(e, ev.VisitBooked)}
    assert emergencies and emergencies <= rejected and not emergencies & booked
