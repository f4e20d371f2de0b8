"""The served day in-process (no HTTP): requests are events of the log, the journal
rebuilds the same day, device alerts follow the policy, ratings teach the planner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from twin.app.live import LiveDay, RequestRefused
from twin.config import Scenario

JOB = {
    "customer_id": "C-LIVE",
    "job_type": "repair",
    "x": 5.0,
    "y": 5.0,
    "available_from": 0.0,
    "available_until": 1440.0,
}


def _roomy(small: Scenario, **more: object) -> Scenario:
    return small.with_overrides(**{"demand.visits_per_technician": 4.0, **more})


def _to(day: LiveDay, minute: float) -> None:
    while day.now < minute and day.tick():
        pass


def test_the_journal_rebuilds_the_same_day(small: Scenario, tmp_path: Path) -> None:
    scenario = _roomy(small)
    day = LiveDay(scenario, 2, tmp_path)
    _to(day, 9 * 60)
    booked = day.request(
        {"kind": "book", "channel": "call_centre", "job": JOB, "window": None}, "k1"
    )
    assert booked["status"] == "booked"
    _to(day, 11 * 60)
    day.request({"kind": "cancel", "visit_id": booked["visit_id"]})
    _to(day, 12 * 60)
    day.close()
    again = LiveDay(scenario, 2, tmp_path)
    assert again.replay() == 2
    assert again.now == day.now and again.world.log == day.world.log
    # the retried request gets the first answer; the same key for another request is refused
    retry = {"kind": "book", "channel": "call_centre", "job": JOB, "window": None}
    assert again.request(retry, "k1") == booked
    with pytest.raises(RequestRefused) as refused:
        again.request({**retry, "channel": "portal"}, "k1")
    assert refused.value.status == 409 and refused.value.field == "Idempotency-Key"
    lines = [json.loads(x) for x in (tmp_path / "events.jsonl").read_text().splitlines()]
    assert len(lines) == len(again.world.log)


def test_outside_requests_leave_events_and_meet_common_random_numbers(
    small: Scenario, tmp_path: Path
) -> None:
    plain = LiveDay(_roomy(small), 3, tmp_path / "plain")
    busy = LiveDay(_roomy(small), 3, tmp_path / "busy")
    _to(plain, 9 * 60)
    _to(busy, 9 * 60)
    assert busy.world.log == plain.world.log
    busy.request({"kind": "book", "channel": "portal", "job": JOB, "window": None})
    kinds = [e.TYPE for e in busy.world.log[len(plain.world.log) :]]
    assert kinds[:2] == ["visit_requested", "visit_booked"]
    # the simulated visits keep their own truth: same demand, same durations
    assert {v: s for v, s in busy.world.visit_specs.items() if not v.startswith("A")} == dict(
        plain.world.visit_specs
    )


def test_device_alerts_book_or_ask_by_policy(small: Scenario, tmp_path: Path) -> None:
    alert = {"kind": "device_alert", "channel": "device", "device_id": "D-1", "fault_code": "E1"}
    for action, status in (("book", "booked"), ("ask", "offers")):
        day = LiveDay(_roomy(small, **{"policy.device_alerts": action}), 1, tmp_path / action)
        _to(day, 9 * 60)
        answer = day.request({**alert, "job": JOB})
        assert answer["status"] == status, answer
        mine = [e for e in day.world.log if getattr(e, "device_id", None) == "D-1"]
        assert len(mine) == 1
        if action == "ask":
            assert answer["offers"] and "visit_id" not in answer
            assert not any(
                e.TYPE == "visit_requested" and e.customer_id == "C-LIVE" for e in day.world.log
            )  # type: ignore[attr-defined]


def test_the_day_refuses_requests_after_its_end(small: Scenario, tmp_path: Path) -> None:
    day = LiveDay(small, 1, tmp_path)
    while day.tick():
        pass
    with pytest.raises(RequestRefused, match="ended"):
        day.request({"kind": "book", "channel": "portal", "job": JOB, "window": None})
