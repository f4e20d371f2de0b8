"""Plans at a replan, priced from the fleet the log describes: two technicians, three
visits on a line, where the better plan is plain to see."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from twin import events as ev
from twin.analysis.scorecard import build_scorecard, score_replans
from twin.analysis.scorecard.plans import with_repair
from twin.config import Scenario
from twin.models.company import Company
from twin.models.planner.params import PlannerParams
from twin.models.routing.plan import TechnicianSpec

T0 = datetime(2026, 11, 23, tzinfo=UTC)
SITES = {"V1": 1.0, "V2": 4.0, "V3": 2.0}  # x km on the line y = 5


def at(minute: float) -> datetime:
    return T0 + timedelta(minutes=minute)


@pytest.fixture
def company(small: Scenario) -> Company:
    def tech(tid: str, x: float) -> TechnicianSpec:
        return TechnicianSpec(tid, x, 5.0, frozenset({"repair"}), 480.0, 960.0, 1080.0)

    return Company(small, {"T1": tech("T1", 0.0), "T2": tech("T2", 5.0)})


def world(*extra: ev.Event) -> list[ev.Event]:
    out: list[ev.Event] = []
    for vid, x in SITES.items():
        out.append(
            ev.VisitRequested(
                id=f"r{vid}", time=at(0), visit_id=vid, customer_id=f"C{vid}",
                job_type="repair", skill="repair", priority=1, channel="planned", x=x, y=5.0,
                available_from=at(480), available_until=at(1080), notify_channel="sms",
                language="en",
            )
        )  # fmt: skip
        out.append(
            ev.VisitBooked(
                id=f"b{vid}", time=at(0), visit_id=vid, window_start=at(480),
                window_end=at(1020), technician_id="T1", expected_duration_min=30.0,
            )
        )  # fmt: skip
    for tid, x in (("T1", 0.0), ("T2", 5.0)):
        out.append(
            ev.ShiftStarted(id=f"s{tid}", time=at(480), technician_id=tid, x=x, y=5.0,
                            planned_end=at(960))
        )  # fmt: skip
    return [*out, *extra]


def plan(i: str, minute: float, **routes: tuple[str, ...]) -> ev.PlanPublished:
    return ev.PlanPublished(
        id=i, time=at(minute), version=1, reason="test",
        routes=tuple(ev.Route(technician_id=t, visit_ids=v) for t, v in routes.items()),
    )  # fmt: skip


def arrived(vid: str, minute: float, tid: str = "T1") -> ev.Arrived:
    return ev.Arrived(id=f"a{vid}", time=at(minute), technician_id=tid, visit_id=vid,
                      x=SITES[vid], y=5.0)  # fmt: skip


PRODUCTION = [plan("w1", 0, T1=("V1", "V2", "V3"), T2=())]  # T1 drives 0 → 1 → 4 → 2 → 0


def scores(company: Company, brain: list[ev.Event], *extra: ev.Event, cancelled=()):  # type: ignore[no-untyped-def]
    params = PlannerParams.from_policy(company.scenario.policy)
    return score_replans(
        world(*extra), PRODUCTION, brain, company, params, set(SITES), set(cancelled)
    )


def test_a_better_repair_is_cheaper_and_the_actual_day_is_priced_as_driven(
    company: Company,
) -> None:
    actual = (arrived("V1", 500), arrived("V2", 560), arrived("V3", 620))  # production's plan
    (s,) = scores(company, [plan("bp", 490, T1=("V1", "V3"), T2=("V2",))], *actual)
    assert s.open_visits == 3 and s.technicians == ("T1", "T2")
    assert s.production_actual == s.production_plan  # production drove its own plan
    # the brain gives V2 (1 km from T2's home) to T2: 6 km instead of 8, less driving
    assert s.brain.travel_min < s.production_plan.travel_min
    assert s.brain.cost < s.production_plan.cost
    assert (s.brain.unplanned, s.brain.late_visits, s.production_plan.late_visits) == (0, 0, 0)
    assert s.to_dict()["time"] == "2026-11-23T08:10:00Z"


def test_open_visits_leave_out_committed_and_later_customer_cancellations(
    company: Company,
) -> None:
    committed = ev.TravelStarted(
        id="t1", time=at(485), technician_id="T1", visit_id="V1",
        from_x=0, from_y=5, to_x=1, to_y=5, distance_km=1.0,
    )  # fmt: skip
    (s,) = scores(company, [plan("bp", 490, T1=("V3",), T2=("V2",))], committed, cancelled={"V3"})
    assert s.open_visits == 1  # V1 under way, V3 cancelled by its customer later on
    # production did nothing after 08:10 in this log: its open visit is unplanned
    assert s.production_actual.unplanned == 1 and s.brain.unplanned == 0
    missed = PlannerParams.from_policy(company.scenario.policy).missed
    assert s.production_actual.cost >= missed


def test_a_repair_that_drops_a_visit_pays_the_missed_weight(company: Company) -> None:
    (same,) = scores(company, [plan("bp", 490, T1=("V1", "V2", "V3"))])
    assert same.brain == same.production_plan  # nothing changed, nothing to gain
    (dropped,) = scores(company, [plan("bp", 490, T1=("V1", "V2"))])
    assert dropped.brain.unplanned == 1
    missed = PlannerParams.from_policy(company.scenario.policy).missed
    assert dropped.brain.cost > dropped.production_plan.cost + missed - 60  # minus ≤ 1 h drive


def test_with_repair_moves_a_visit_out_of_its_former_route() -> None:
    routes = {"T1": ("V1", "V2", "V3"), "T2": (), "T3": ("V4",)}
    got = with_repair(routes, plan("bp", 0, T2=("V2", "V9")), {"V1", "V2", "V3", "V4"})
    assert got == {"T1": ("V1", "V3"), "T2": ("V2",), "T3": ("V4",)}  # V9 is not open


def test_scorecard_json_has_no_nan_and_counts_late_visits(company: Company) -> None:
    late = arrived("V2", 1030)  # window ends 17:00: 10 min late
    card = build_scorecard(
        world(arrived("V1", 500), late),
        PRODUCTION,
        [plan("bp", 490, T1=("V1", "V3"), T2=("V2",))],
        company,
        about={"log": "hand-built"},
    ).to_dict()
    assert (card["visits"], card["late"]) == (3, 2)  # V2 late, V3 never came
    assert card["log"] == "hand-built" and card["plans"]["replans"] == 1  # type: ignore[index]
    text = json.dumps(card, allow_nan=False)
    assert json.loads(text)["format"] == "fieldtwin-scorecard"
