"""The booking API end to end: offers, a booking (once, however often retried), the info
link, reschedule, cancel, a device alert, feedback after the visit, and the day's outputs
counting every outside booking — against a real ``twin serve`` over HTTP."""

from __future__ import annotations

import json

from tests.api.conftest import token_of
from tests.api.served import Served, job


def _book(served: Served, key: str, **changes: object) -> dict[str, object]:
    offers = served.api("POST", "/offers", {"channel": "portal", "job": job(**changes)})
    assert offers.status_code == 200, offers.text
    best = offers.json()["offers"][0]
    start, end = best["local"].split("–")
    body = {"channel": "portal", "job": job(**changes), "window_start": start, "window_end": end}
    r = served.api("POST", "/bookings", body, **{"Idempotency-Key": key})
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_offers_are_ranked_local_windows_that_end_an_hour_from_now(served: Served) -> None:
    served.run_until("09:00")
    r = served.api("POST", "/offers", {"channel": "call_centre", "job": job(), "limit": 20})
    offers = r.json()["offers"]
    assert offers, r.text
    costs = [o["cost"] for o in offers]
    assert costs == sorted(costs)
    for o in offers:
        end = o["local"].split("–")[1]
        assert end >= "10:00"  # at 09:00, no window ending within the hour (local time)
        assert 0.0 <= o["late_risk"] <= 1.0
        assert o["window_end"].endswith("+00:00")  # UTC on the wire


def test_a_retried_booking_books_once_and_is_on_disk_before_the_answer(served: Served) -> None:
    first = _book(served, "retry-1", customer_id="C-RETRY")
    on_disk = served.log_lines()  # read right after the answer, before any tick
    vid = first["visit_id"]
    assert [e["type"] for e in on_disk if e.get("visit_id") == vid][:2] == [
        "visit_requested",
        "visit_booked",
    ]
    requested = next(e for e in on_disk if e["type"] == "visit_requested" and e["visit_id"] == vid)
    assert requested["channel"] == "portal"
    again = served.api(
        "POST",
        "/bookings",
        {"channel": "portal", "job": job(customer_id="C-RETRY"), **_window(first)},
        **{"Idempotency-Key": "retry-1"},
    )
    assert again.json() == first
    requests = [e for e in served.log_lines() if e["type"] == "visit_requested"]
    assert sum(e["customer_id"] == "C-RETRY" for e in requests) == 1
    # the same key for another request is refused, naming the header
    other = served.api(
        "POST",
        "/bookings",
        {"channel": "portal", "job": job(customer_id="C-OTHER")},
        **{"Idempotency-Key": "retry-1"},
    )
    assert other.status_code == 409
    assert other.json()["detail"][0]["loc"] == ["Idempotency-Key"]


def _window(answer: dict[str, object]) -> dict[str, str]:
    start, end = str(answer["local"]).split("–")
    return {"window_start": start, "window_end": end}


def test_reschedule_and_cancel(served: Served) -> None:
    booked = _book(served, "move-1", customer_id="C-MOVE", x=3.0, y=7.0)
    vid = booked["visit_id"]
    moved = served.api(
        "POST", f"/bookings/{vid}/reschedule", {"window_start": "14:00", "window_end": "16:00"}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["local"] == "14:00–16:00"
    view = served.api("GET", f"/bookings/{vid}").json()
    assert view["window"] == {"start": "14:00", "end": "16:00"}
    gone = served.api("DELETE", f"/bookings/{vid}")
    assert gone.json()["status"] == "cancelled"
    twice = served.api("DELETE", f"/bookings/{vid}")
    assert twice.status_code == 409
    assert served.api("GET", f"/bookings/{vid}").json()["status"] == "cancelled"
    assert served.api("DELETE", "/bookings/NOPE").status_code == 404


def test_a_device_alert_books_a_proactive_visit(served: Served) -> None:
    body = {"device_id": "BOILER-7", "fault_code": "E42", "job": job(customer_id="C-DEV", x=2.0)}
    r = served.api("POST", "/device-alerts", body)
    assert r.status_code in (201, 409), r.text
    log = served.log_lines()
    alert = [e for e in log if e["type"] == "device_alert" and e["device_id"] == "BOILER-7"]
    assert len(alert) == 1 and alert[0]["customer_id"] == "C-DEV"
    request = [e for e in log if e["type"] == "visit_requested" and e["customer_id"] == "C-DEV"]
    assert request and request[0]["channel"] == "device"
    assert r.json()["status"] in ("booked", "rejected")


def test_the_info_link_follows_the_visit_and_takes_one_rating(served: Served) -> None:
    booked = _book(served, "rate-1", customer_id="C-RATE", x=6.0, y=4.0)
    token = token_of(str(booked["link"]))
    before = served.client.get(f"/api/v1/track/{token}").json()
    assert before["status"] == "booked" and before["can_change"]
    early = served.client.post(f"/api/v1/track/{token}/feedback", json={"rating": 5})
    assert early.status_code == 409  # not done yet
    served.run_until("18:00")
    after = served.client.get(f"/api/v1/track/{token}").json()
    assert after["status"] == "done", after
    assert after["can_rate"] and not after["can_change"]
    r = served.client.post(f"/api/v1/track/{token}/feedback", json={"rating": 2})
    assert r.status_code == 200, r.text
    assert (
        served.client.post(f"/api/v1/track/{token}/feedback", json={"rating": 5}).status_code == 409
    )
    ratings = [e for e in served.log_lines() if e["type"] == "feedback_given"]
    mine = [e for e in ratings if e["visit_id"] == booked["visit_id"]]
    assert [e["rating"] for e in mine] == [2]


def test_the_day_ends_with_outputs_that_count_the_outside_bookings(served: Served) -> None:
    assert served.finish() == 0
    kpis = json.loads((served.out / "kpis.json").read_text())
    log = [json.loads(x) for x in (served.out / "events.jsonl").read_text().splitlines()]
    booked = {e["visit_id"] for e in log if e["type"] == "visit_booked"}
    outside = {v for v in booked if v.startswith("A")}
    assert len(outside) >= 3
    assert kpis["visits_rescheduled"] >= 1  # the move above
    assert (served.out / "report.html").exists()
    assert log == served.log_lines()  # the state folder's log is the day's log
