"""The scorecard's ETA and warning scores on hand-built logs whose answers are worked out
by hand in the comments."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from twin import events as ev
from twin.analysis.scorecard import (
    count_reasons,
    input_warnings,
    reason_kind,
    score_etas,
    score_warnings,
)

T0 = datetime(2026, 11, 23, tzinfo=UTC)


def at(minute: float) -> datetime:
    return T0 + timedelta(minutes=minute)


def eta(i: str, vid: str, issued: float, low: float, mid: float, high: float) -> ev.EtaUpdated:
    return ev.EtaUpdated(
        id=i, time=at(issued), visit_id=vid, technician_id="T1",
        eta_low=at(low), eta=at(mid), eta_high=at(high),
    )  # fmt: skip


def notice(i: str, vid: str, minute: float) -> ev.CustomerNotified:
    return ev.CustomerNotified(
        id=i, time=at(minute), visit_id=vid, customer_id="C", channel="sms", kind="delay",
        language="en", text="late",
    )  # fmt: skip


def test_brain_etas_by_lead_before_the_actual_arrival() -> None:
    arrival = {"V1": at(630)}  # 10:30
    brain = [
        eta("b1", "V1", 540, 620, 650, 680),  # 09:00: +20 min, interval holds 10:30
        eta("b2", "V1", 610, 620, 625, 640),  # 10:10: -5 min, holds it
        eta("b3", "V1", 640, 630, 630, 630),  # after the arrival: never on show before it
    ]
    s = score_etas("brain", arrival, brain)
    assert (s.updates, s.visits) == (3, 1)
    by = {b.label: b for b in s.buckets}
    assert list(by) == ["0–15", "15–30", "30–60", "60–120", "120+"]
    # every 5 min before 10:30: leads 5, 10 show b2; 15, 20 b2; 25 b1; 30..55 b1; 60..90 b1
    assert by["0–15"].samples == 2 and by["0–15"].mae_min == 5 and by["0–15"].bias_min == -5
    mid = by["15–30"]
    assert mid.samples == 3 and mid.visits == 1
    assert mid.mae_min == pytest.approx(10.0)  # |-5|, |-5|, |20|
    assert mid.bias_min == pytest.approx(10 / 3)
    assert mid.p90_abs_min == pytest.approx(17.0)  # 5 + 0.8 * (20 - 5)
    assert mid.coverage == 1.0
    assert by["30–60"].samples == 6 and by["30–60"].mae_min == 20
    assert by["60–120"].samples == 7 and by["60–120"].p90_abs_min == 20
    empty = by["120+"]
    assert empty.samples == 0 and empty.mae_min is None and empty.coverage is None


def test_production_etas_one_per_visit_and_visits_without_arrival() -> None:
    arrival = {"V1": at(630)}
    production = [
        eta("p1", "V1", 480, 585, 600, 615),  # 08:00: 30 min early, interval misses 10:30
        eta("p2", "V9", 480, 585, 600, 615),  # V9 never arrived at: no truth, left out
    ]
    s = score_etas("production", arrival, production)
    assert (s.updates, s.visits) == (2, 1)
    counts = [b.samples for b in s.buckets]
    assert counts == [2, 3, 6, 12, 7]  # leads 5..150
    assert all(b.mae_min == 30 and b.bias_min == -30 and b.coverage == 0 for b in s.buckets)
    assert score_etas("none", arrival, []).carried is False


def test_eta_sampling_step_is_checked() -> None:
    with pytest.raises(ValueError, match="every_min must be > 0 minutes, got 0"):
        score_etas("brain", {}, [], every_min=0)


def test_warning_precision_recall_and_lead() -> None:
    window_end = {"A": at(600), "B": at(600), "C": at(720)}  # today's visits
    late = {"A", "C"}  # A arrived late, C never came; B was on time
    brain = [
        notice("n1", "A", 570),  # 30 min before A's window end: a true warning
        notice("n2", "A", 590),  # a repeat: the first counts
        notice("n3", "B", 560),  # B was on time: a false alarm
        notice("n4", "D", 500),  # D is not one of today's visits (cancelled)
        ev.DelayDetected(
            id="d1",
            time=at(700),
            visit_id="C",
            technician_id="T1",
            probability=0.9,
            eta=at(730),
            window_end=at(720),
        ),
    ]
    n = score_warnings("brain", "notice", brain, window_end, late)
    assert (n.sent, n.warned, n.late, n.true_warnings) == (4, 2, 2, 1)
    assert n.precision == 0.5 and n.recall == 0.5
    assert n.lead_median_min == 30 and n.in_time == 1
    a = score_warnings("brain", "alert", brain, window_end, late)
    assert (a.sent, a.warned, a.precision, a.recall, a.lead_median_min) == (1, 1, 1.0, 0.5, 20)
    prod = score_warnings("production", "notice", [notice("p", "C", 730)], window_end, late)
    # after C's window closed: still a warning of a late visit, with a negative lead
    assert (prod.precision, prod.recall, prod.lead_median_min, prod.in_time) == (1.0, 0.5, -10, 0)
    silent = score_warnings("production", "alert", [], window_end, late)
    assert not silent.carried and silent.precision is None and silent.recall == 0.0
    assert json.loads(json.dumps(silent.to_dict(), allow_nan=False))["precision"] is None


def test_input_warnings_name_the_value_and_what_was_expected() -> None:
    world = [
        ev.ShiftStarted(id="s1", time=at(420), technician_id="T1", x=0, y=0, planned_end=at(960)),
        ev.ShiftStarted(
            id="s2", time=at(420 + 1440), technician_id="T7", x=0, y=0, planned_end=at(2400)
        ),
    ]
    found = input_warnings(
        date(2026, 11, 23),
        world,
        [ev.PlanPublished(id="p", time=at(430), version=1, reason="x",
                          routes=(ev.Route(technician_id="T8", visit_ids=()),))],
        roster={"T1"},
        unreadable=["line 3: not valid JSON"],
        dead_letters=["line 7, field 'time': 2026-11-24T07:00:00Z is not within the day",
                      "line 9, field 'time': 2026-11-24T07:00:10Z is not within the day"],
    )  # fmt: skip
    by = {w.kind: w for w in found}
    assert list(by) == ["unreadable", "dead_letters", "dates", "unknown_technicians"]
    assert by["dead_letters"].count == 2 and "off the day (2)" in by["dead_letters"].message
    assert by["dead_letters"].to_dict()["by_reason"] == {"off the day": 2}
    assert by["unreadable"].by_reason == (("malformed", 1),)
    assert by["dates"].count == 1 and "2026-11-24 (1)" in by["dates"].message
    assert "scenario's day 2026-11-23" in by["dates"].message
    assert by["unknown_technicians"].examples == ("T7", "T8")
    assert "(1 known)" in by["unknown_technicians"].message
    assert input_warnings(date(2026, 11, 23), world[:1], [], roster={"T1"}) == []


REASONS = [
    ("line 3: not valid JSON: Expecting value", "malformed"),
    ("line 4: not UTF-8: byte 0xff at position 0", "malformed"),
    ("line 5, field 'v': newer schema version 2 than this build reads (1)", "newer schema version"),
    (
        "field 'v': unsupported schema version None (this build reads 1)",
        "unsupported schema version",
    ),
    ("line 6, field 'type': unknown event type 'x'; known: arrived", "unknown event type"),
    ("field 'technician_id': unknown technician 'T9' (not in the roster)", "unknown technician"),
    ("line 8, field 'time': 2026-11-24T07:00:00Z is not within the day", "off the day"),
    ("out of order beyond the tolerated bound: field 'time' 08:00", "late beyond the bound"),
    ("duplicate event id 'w1'", "duplicate"),
    ("line 9, field 'x': 99 km is outside the city", "invalid field 'x'"),
    ("something else", "other"),
]


@pytest.mark.parametrize(("reason", "kind"), REASONS)
def test_dead_letters_are_counted_by_the_kind_of_their_reason(reason: str, kind: str) -> None:
    assert reason_kind(reason) == kind
    twice = 2 + (kind == "duplicate")
    assert count_reasons([reason, reason, "duplicate event id 'a'"])[0] == (kind, twice)
