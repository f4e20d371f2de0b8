"""KPIs on small hand-made logs whose values are worked out by hand in each test."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.analysis.daylog import activities, per_visit_outcomes, technician_days
from twin.analysis.kpi import KPI_SPECS, Kpis, compute_kpis
from twin.config import Scenario
from twin.events import (
    Arrived,
    CustomerNotified,
    DelayDetected,
    Event,
    FeedbackGiven,
    PlanPublished,
    Position,
    ShiftEnded,
    ShiftStarted,
    TechnicianUnavailable,
    TravelStarted,
    VisitBooked,
    VisitCancelled,
    VisitRejected,
    VisitRequested,
    WorkFinished,
    WorkStarted,
)
from twin.models.routing.kit import DEPOT_STOPS_REASON

DAY = date(2026, 11, 23)
SCENARIO = Scenario(date=DAY, time_zone="UTC")  # the times below are UTC minutes


def at(minute: float, day: date = DAY) -> datetime:
    """A UTC time ``minute`` minutes after midnight of ``day``."""
    return datetime.combine(day, time(), tzinfo=UTC) + timedelta(minutes=minute)


class DayLog:
    """Builds a log event by event; ids are numbered so that they never collide."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def _add(self, cls: Callable[..., Event], minute: float, **fields: Any) -> None:
        self.events.append(cls(id=f"e{len(self.events):04d}", time=at(minute), **fields))

    def visit(
        self, vid: str, start: float, end: float, *, job: str = "repair", due: float | None = None
    ) -> DayLog:
        self._add(
            VisitRequested, 0, visit_id=vid, customer_id=f"C{vid}", job_type=job, skill="repair",
            priority=1, channel="portal", x=1.0, y=2.0, available_from=at(0),
            available_until=at(1440), notify_channel="sms", language="de",
            response_due=None if due is None else at(due),
        )  # fmt: skip
        return self.book(vid, start, end)

    def book(self, vid: str, start: float, end: float, day: date = DAY) -> DayLog:
        self._add(
            VisitBooked, 1, visit_id=vid, window_start=at(start, day), window_end=at(end, day),
            technician_id=None, expected_duration_min=60.0,
        )  # fmt: skip
        return self

    def shift(self, tech: str, start: float, planned_end: float, end: float | None) -> DayLog:
        self._add(
            ShiftStarted, start, technician_id=tech, x=0.0, y=0.0, planned_end=at(planned_end)
        )
        if end is not None:
            self._add(ShiftEnded, end, technician_id=tech, x=0.0, y=0.0)
        return self

    def drive(self, tech: str, vid: str | None, start: float, end: float, km: float) -> DayLog:
        self._add(
            TravelStarted, start, technician_id=tech, visit_id=vid, from_x=0.0, from_y=0.0,
            to_x=1.0, to_y=2.0, distance_km=km,
        )  # fmt: skip
        self._add(Arrived, end, technician_id=tech, visit_id=vid, x=1.0, y=2.0)
        return self

    def work(self, tech: str, vid: str, start: float, end: float, outcome: str = "fixed") -> DayLog:
        self._add(WorkStarted, start, technician_id=tech, visit_id=vid)
        self._add(WorkFinished, end, technician_id=tech, visit_id=vid, outcome=outcome)
        return self

    def notify(self, vid: str, minute: float, kind: str = "delay") -> DayLog:
        self._add(
            CustomerNotified, minute, visit_id=vid, customer_id=f"C{vid}", channel="sms",
            kind=kind, language="de", text="...",
        )  # fmt: skip
        return self

    def cancel(self, vid: str, minute: float = 5, by: str = "customer") -> DayLog:
        self._add(VisitCancelled, minute, visit_id=vid, reason="test", by=by)
        return self

    def reject(self, vid: str, minute: float = 1) -> DayLog:
        self._add(VisitRejected, minute, visit_id=vid, reason="no technician")
        return self


def basic_day() -> DayLog:
    """A on time, B 20 min late, C missed, D cancelled; one technician."""
    log = DayLog().shift("T1", 450, 960, 960)
    log.visit("A", 465, 720).visit("B", 540, 600).visit("C", 600, 720).visit("D", 600, 720)
    log.drive("T1", "A", 450, 470, 10).work("T1", "A", 470, 530)
    log.drive("T1", "B", 530, 620, 5).work("T1", "B", 620, 680, "follow_up")
    return log.cancel("D")


def test_punctuality_lateness_missed_and_cancelled() -> None:
    k = compute_kpis(basic_day().events, SCENARIO)
    assert k.visits_booked_today == 3
    assert (k.visits_attended, k.visits_late, k.visits_missed, k.visits_cancelled) == (2, 1, 1, 1)
    assert k.punctuality == 0.5
    assert k.late_share == 0.5
    assert k.early_share == 0.0
    assert k.lateness_mean_min == 10.0
    assert k.lateness_p95_min == pytest.approx(19.0)  # linear between 0 and 20 at 95 %
    assert (k.visits_completed, k.first_time_fix_rate) == (2, 0.5)


def test_work_begun_before_the_window_is_early_not_on_time() -> None:
    """J.D. Power's "arrival within the promised window" counts early and late apart."""
    log = DayLog().shift("T1", 450, 960, 960)
    log.visit("A", 480, 720).visit("B", 540, 600).visit("E", 600, 720)
    log.drive("T1", "A", 450, 470, 10).work("T1", "A", 470, 530)  # begun 10 min early
    log.drive("T1", "B", 530, 620, 5).work("T1", "B", 620, 680)  # 20 min late
    log.drive("T1", "E", 680, 700, 5).work("T1", "E", 700, 760)  # on time
    k = compute_kpis(log.events, SCENARIO)
    assert (k.punctuality, k.late_share, k.early_share) == (1 / 3, 1 / 3, 1 / 3)
    a = {o.visit_id: o for o in per_visit_outcomes(log.events, SCENARIO)}["A"]
    assert a.early and a.status == "on_time"  # arrived in time; began before the window


def test_outcomes_per_visit() -> None:
    outcomes = {o.visit_id: o for o in per_visit_outcomes(basic_day().events, SCENARIO)}
    assert set(outcomes) == {"A", "B", "C"}
    b = outcomes["B"]
    assert (b.technician_id, b.arrival_min, b.late_min, b.status) == ("T1", 620.0, 20.0, "late")
    assert (b.window_start_min, b.window_end_min, b.job_type, b.outcome) == (
        540.0, 600.0, "repair", "follow_up",
    )  # fmt: skip
    assert outcomes["C"].status == "missed"
    assert outcomes["C"].technician_id is None
    assert outcomes["A"].status == "on_time"


def test_rescheduled_visit_keeps_its_last_window() -> None:
    log = DayLog().shift("T1", 450, 960, 960)
    log.visit("A", 480, 540).book("A", 720, 840)  # moved to the afternoon: 800 is on time
    log.visit("B", 480, 540).book("B", 480, 540, day=DAY + timedelta(days=1))  # moved away
    log.drive("T1", "A", 760, 800, 3)
    log.events.append(VisitRejected(id="rej", time=at(2), visit_id="Z", reason="no skill"))
    k = compute_kpis(log.events, SCENARIO)
    assert (k.visits_booked_today, k.punctuality, k.visits_missed) == (1, 1.0, 0)
    assert (k.visits_rescheduled, k.visits_rejected) == (2, 1)


def test_a_visit_that_did_not_fix_the_fault_costs_the_points_the_scenario_says() -> None:
    log = DayLog()
    log.visit("FIX", 480, 540).drive("T1", "FIX", 450, 480, 1).work("T1", "FIX", 480, 520)
    log.visit("PART", 480, 540).drive("T2", "PART", 450, 480, 1)
    log.work("T2", "PART", 480, 520, outcome="follow_up")  # the part was not in the van
    log.visit("CUT", 480, 540).drive("T3", "CUT", 450, 480, 1)
    log.work("T3", "CUT", 480, 520, outcome="unfinished")  # a repeat visit too
    plain = compute_kpis(log.events, SCENARIO)
    assert plain.customer_satisfaction == pytest.approx(871)  # unpriced by default
    priced = SCENARIO.with_overrides(**{"satisfaction.not_fixed": -150.0})
    k = compute_kpis(log.events, priced)
    assert k.customer_satisfaction == pytest.approx((871 + 721 + 721) / 3)
    floor = SCENARIO.with_overrides(**{"satisfaction.not_fixed": -1000.0})
    assert compute_kpis(log.events, floor).customer_satisfaction == pytest.approx(871 / 3)


def test_customer_satisfaction_with_warned_and_unwarned_late() -> None:
    log = DayLog()
    log.visit("ON", 480, 720).drive("T1", "ON", 450, 500, 1)  # 871 - 30 x 3 h = 781
    log.visit("WARN", 540, 660).drive("T1", "WARN", 600, 700, 1)  # 683 + 138 - 30 = 791
    log.notify("WARN", 660)  # at the window end still counts as warned
    log.visit("LATE", 540, 660).drive("T2", "LATE", 600, 700, 1)  # warned too late: 653
    log.notify("LATE", 661)
    log.visit("MISS", 600, 660)  # 1 h window, no window penalty: 400
    log.visit("EDGE", 540, 660).drive("T2", "EDGE", 640, 660, 1)  # at the window end: 841
    k = compute_kpis(log.events, SCENARIO)
    assert k.customer_satisfaction == pytest.approx((781 + 791 + 653 + 400 + 841) / 5)
    outcomes = per_visit_outcomes(log.events, SCENARIO)
    assert {o.visit_id: o.warned for o in outcomes} == {
        "ON": False, "WARN": True, "LATE": False, "MISS": False, "EDGE": False,
    }  # fmt: skip
    assert {o.visit_id: o.status for o in outcomes}["EDGE"] == "on_time"


def test_hours_overtime_and_cost_arithmetic() -> None:
    log = basic_day().shift("T2", 450, 960, 990)  # 30 min over its planned end
    log.drive("T2", None, 900, 930, 2).work("T2", "A", 930, 990, "customer_absent")
    log.visit("E", 480, 540)  # a second missed visit, so missed and late counts differ
    k = compute_kpis(log.events, SCENARIO.with_overrides(**{"costs.late_visit_eur": 3.0}))
    assert k.shift_hours == pytest.approx(8.5 + 9.0)
    assert k.overtime_hours == pytest.approx(0.5)
    assert k.travel_km == pytest.approx(17.0)
    assert k.travel_hours == pytest.approx((20 + 90 + 30) / 60)
    assert k.work_hours == pytest.approx(3.0)
    assert k.utilisation == pytest.approx(3.0 / 17.5)
    assert k.cost_labour_eur == pytest.approx(17.5 * 42)
    assert k.cost_overtime_eur == pytest.approx(0.5 * 42 * 0.25)
    assert k.cost_travel_eur == pytest.approx(17 * 0.5)
    assert k.cost_penalty_eur == pytest.approx(2 * 10 + 1 * 3)  # two missed, one late
    assert k.cost_total_eur == pytest.approx(735 + 5.25 + 8.5 + 23)
    # T1 worked 2 h, T2 1 h: CV = 0.5 / 1.5; mean overtime 0.25 h
    assert k.employee_satisfaction == pytest.approx(100 - 15 * 0.25 - 40 / 3)


def test_technician_unavailable_before_shift_is_ignored() -> None:
    log = basic_day()
    log.events.append(
        TechnicianUnavailable(id="sick", time=at(400), technician_id="T9", reason="x")
    )
    assert [d.technician_id for d in technician_days(log.events)] == ["T1"]
    assert compute_kpis(log.events, SCENARIO) == compute_kpis(basic_day().events, SCENARIO)


def test_unavailable_midday_ends_the_shift_without_overtime() -> None:
    log = DayLog().shift("T1", 450, 500, None)
    log.events.append(TechnicianUnavailable(id="bd", time=at(690), technician_id="T1", reason="x"))
    (day,) = technician_days(log.events)
    assert (day.shift_hours, day.overtime_hours) == (4.0, 0.0)


def test_rerouted_leg_counts_until_the_new_departure() -> None:
    log = DayLog()
    log._add(TravelStarted, 0, technician_id="T1", visit_id="A", from_x=0.0, from_y=0.0,
             to_x=1.0, to_y=1.0, distance_km=1.0)  # fmt: skip
    log.drive("T1", "B", 10, 40, 2)
    legs = [(a.kind, a.visit_id, a.hours * 60) for a in activities(log.events)]
    assert legs == [("travel", "A", 10.0), ("travel", "B", 30.0)]


def test_emergency_response() -> None:
    log = DayLog()
    log.visit("E1", 600, 840, job="emergency", due=840).drive("T1", "E1", 650, 700, 1)
    log.visit("E2", 600, 850, job="emergency", due=850).drive("T1", "E2", 850, 900, 1)
    log.visit("E3", 600, 850, job="emergency", due=850)
    log.visit("E4", 600, 850, job="emergency", due=850).cancel("E4")
    k = compute_kpis(log.events, SCENARIO)
    assert k.emergencies == 3
    assert k.emergency_response_mean_min == pytest.approx((700 + 900) / 2)  # requested at 0
    assert k.emergency_within_target == pytest.approx(1 / 3)


def test_a_refused_emergency_counts_and_misses_its_target() -> None:
    log = DayLog()
    log.visit("E1", 600, 840, job="emergency", due=840).drive("T1", "E1", 650, 700, 1)
    log._add(
        VisitRequested, 0, visit_id="E2", customer_id="CE2", job_type="emergency", skill="repair",
        priority=3, channel="portal", x=1.0, y=2.0, available_from=at(0),
        available_until=at(1440), notify_channel="sms", language="de", response_due=at(240),
    )  # fmt: skip
    k = compute_kpis(log.reject("E2").events, SCENARIO)
    assert (k.emergencies, k.emergencies_refused) == (2, 1)
    assert k.emergency_within_target == 0.5
    assert k.visits_booked_today == 1 and k.visits_rejected == 1
    points = SCENARIO.satisfaction
    on_time_4h = points.on_time + 3 * points.per_window_hour  # E1's window is 4 h wide
    assert k.customer_satisfaction == pytest.approx((on_time_4h + points.refused_emergency) / 2)


def test_a_visit_the_company_moved_is_deferred_not_cancelled_and_costs_satisfaction() -> None:
    base = basic_day()  # A on time, B late, C missed, D cancelled by the customer
    moved = basic_day().visit("M", 700, 820).cancel("M", 600, by="company")
    k0, k1 = compute_kpis(base.events, SCENARIO), compute_kpis(moved.events, SCENARIO)
    assert (k1.visits_cancelled, k1.visits_deferred) == (1, 1)
    assert (k0.visits_cancelled, k0.visits_deferred) == (1, 0)
    assert k1.visits_booked_today == k0.visits_booked_today == 3
    assert k1.visits_missed == k0.visits_missed  # moved with notice: not a no-show
    points = SCENARIO.satisfaction.deferred
    assert k1.customer_satisfaction == pytest.approx((3 * k0.customer_satisfaction + points) / 4)


def test_activity_counts_and_ratings() -> None:
    log = basic_day().notify("A", 460, "on_the_way").notify("B", 590)
    for i, rating in enumerate((5, 4)):
        log.events.append(
            FeedbackGiven(id=f"fb{i}", time=at(800), visit_id="A", customer_id="CA",
                          technician_id="T1", rating=rating)
        )  # fmt: skip
    log.events.append(PlanPublished(id="p", time=at(400), version=1, reason="daily", routes=()))
    log.events.append(
        DelayDetected(id="d", time=at(580), visit_id="B", technician_id="T1", probability=0.7,
                      eta=at(620), window_end=at(600))
    )  # fmt: skip
    k = compute_kpis(log.events, SCENARIO)
    assert (k.notifications, k.delay_alerts, k.replans) == (2, 1, 1)
    assert (k.ratings, k.rating_mean) == (2, 4.5)


def test_depot_stops_re_timed_ahead_are_not_replans() -> None:
    log = basic_day()
    for i, reason in enumerate(("daily plan", DEPOT_STOPS_REASON, "booking V9", "depot stops")):
        log.events.append(
            PlanPublished(id=f"p{i}", time=at(400 + i), version=i + 1, reason=reason, routes=())
        )
    assert compute_kpis(log.events, SCENARIO).replans == 2


def test_pings_and_duplicate_events_change_nothing() -> None:
    events = basic_day().events
    pings = [
        Position(id=f"p{i}", time=at(450 + i), technician_id="T1", x=0, y=0) for i in range(50)
    ]
    noisy = events + pings + events[:8]
    assert compute_kpis(noisy, SCENARIO) == compute_kpis(events, SCENARIO)


def test_empty_log_is_all_zero_and_json_able() -> None:
    values = compute_kpis([], SCENARIO).to_dict()
    assert all(v == 0 and not math.isnan(v) for v in values.values())
    assert json.loads(json.dumps(values)) == values


def test_specs_describe_every_field_in_order() -> None:
    names = [f.name for f in dataclasses.fields(Kpis)]
    assert [s.name for s in KPI_SPECS] == names
    assert Kpis.SPECS is KPI_SPECS
    assert list(compute_kpis(basic_day().events, SCENARIO).to_dict()) == names


def test_spec_formats_units() -> None:
    spec = {s.name: s for s in KPI_SPECS}
    assert spec["punctuality"].format(0.5) == "50.0%"
    assert spec["lateness_mean_min"].format(10) == "10.0 min"
    assert spec["cost_total_eur"].format(1234.4) == "1,234 EUR"
    assert spec["visits_missed"].format(3) == "3"


@settings(max_examples=30, deadline=None)
@given(st.permutations(basic_day().events))
def test_log_order_does_not_matter(events: list[Event]) -> None:
    # events at equal times in basic_day are independent, so any order gives the same log
    assert compute_kpis(events, SCENARIO) == compute_kpis(basic_day().events, SCENARIO)


def test_the_relevant_events_are_those_of_the_loop_with_or_without_repeated_ids() -> None:
    """``_relevant``'s C loops (no id twice) and its loop (ids repeated) give what a loop
    keeping each id's first event gives, skipped types' ids counted as seen."""
    from twin.analysis.daylog import _relevant

    def reference(events: list, skip: tuple[type, ...]) -> list:
        seen: set[str] = set()
        out = []
        for e in events:
            if type(e) is Position or e.id in seen:
                continue
            seen.add(e.id)
            if type(e) not in skip:
                out.append(e)
        return sorted(out, key=lambda e: e.time)

    events = basic_day().events
    pings = [Position(id=f"p{i}", time=at(450 + i), technician_id="T1", x=0, y=0) for i in range(9)]
    skipped = type(events[3])
    # an id first seen on a skipped type hides a later event of another type
    twin = dataclasses.replace(events[5], id=events[3].id)
    for log in (
        events + pings,
        events + pings + events[:4],
        [*events, twin],
        list(reversed(events)),
    ):
        for skip in ((), (skipped,), (skipped, Position)):
            assert _relevant(log, skip) == reference(log, skip)
            assert _relevant(iter(log), skip) == reference(log, skip)
