"""Booking later working days through the API: a wish date (or no window left today) gets
graded windows on later days, and booking one records a future-day booking — in the log
before the answer, not today's work, listed in the day's outputs — over HTTP against a
real ``twin serve`` (the small town, served on Monday 2026-11-23)."""

from __future__ import annotations

import json

from tests.api.served import Served, job
from twin import events as ev
from twin.analysis.kpi import compute_kpis
from twin.config import load_scenario

MONDAY, TUESDAY, WEDNESDAY, SATURDAY = "2026-11-23", "2026-11-24", "2026-11-25", "2026-11-28"


def _offers(served: Served, **changes: object) -> dict[str, object]:
    body = {"channel": "portal", "job": job(**changes), "limit": 20}
    r = served.api("POST", "/offers", body)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_a_wish_date_gets_ranked_windows_on_that_day(served: Served) -> None:
    served.run_until("12:00")
    offers = _offers(served, wish_date=TUESDAY)["offers"]
    assert isinstance(offers, list) and offers
    assert offers[0]["date"] == TUESDAY and offers[0]["day"] == 1
    days = [o["day"] for o in offers]
    assert days == sorted(days)  # the wished day first, then the next with room
    tuesday = [o for o in offers if o["date"] == TUESDAY]
    costs = [o["cost"] for o in tuesday]
    assert costs == sorted(costs)
    for o in offers:
        assert 0.0 <= o["late_risk"] <= 1.0
        assert o["window_start"].startswith(o["date"])  # the window is on its own day
    # a later day is not cut by the hour: its morning is offered although it is noon now
    assert any(o["local"].split("–")[0] < "12:00" for o in tuesday)


def test_no_window_left_today_gets_later_days(served: Served) -> None:
    # at noon, nothing in a morning availability ends an hour from now
    answer = _offers(served, available_from="08:00", available_until="12:00")
    offers = answer["offers"]
    assert isinstance(offers, list) and offers, answer
    assert {o["date"] for o in offers} <= {TUESDAY, WEDNESDAY}
    assert all(o["local"].split("–")[1] <= "12:00" for o in offers)


def test_a_booking_ahead_is_logged_before_the_answer_and_booked_once(served: Served) -> None:
    wish = job(customer_id="C-AHEAD", wish_date=TUESDAY, x=4.0, y=6.0)
    offer = _offers(served, customer_id="C-AHEAD", wish_date=TUESDAY, x=4.0, y=6.0)["offers"][0]
    start, end = offer["local"].split("–")  # type: ignore[index]
    body = {"channel": "call_centre", "job": wish, "window_start": start, "window_end": end}
    r = served.api("POST", "/bookings", body, **{"Idempotency-Key": "ahead-1"})
    assert r.status_code == 201, r.text
    booked = r.json()
    assert booked["status"] == "booked" and booked["date"] == TUESDAY
    assert booked["local"] == offer["local"]
    # its info link at once: the page shows the day and window until that day is served
    assert booked["link"].startswith("http://127.0.0.1:") and "/v/v1." in booked["link"]
    view = served.client.get(f"/api/v1/track/{booked['link'].rsplit('/', 1)[1]}").json()
    assert view["status"] == "booked_ahead" and view["date"] == TUESDAY
    assert view["booked_for"] == "Tue 24 Nov 2026"
    assert f"{view['window']['start']}–{view['window']['end']}" == offer["local"]
    assert not view["can_change"] and not view["can_rate"] and view["technician"] is None
    on_disk = [e for e in served.log_lines() if e.get("visit_id") == booked["visit_id"]]
    assert [e["type"] for e in on_disk] == ["visit_booked_ahead"]  # no visit of today
    (logged,) = on_disk
    assert logged["date"] == TUESDAY and logged["window_start"].startswith(TUESDAY)
    assert logged["channel"] == "call_centre" and logged["request_id"] == "ahead-1"
    again = served.api("POST", "/bookings", body, **{"Idempotency-Key": "ahead-1"})
    assert again.json() == booked
    assert sum(e["type"] == "visit_booked_ahead" for e in served.log_lines()) == 1


def test_todays_booking_carries_its_request_id(served: Served) -> None:
    body = {"channel": "portal", "job": job(customer_id="C-RID", x=6.0, y=6.0)}
    with_key = served.api("POST", "/bookings", body, **{"Idempotency-Key": "rid-7"}).json()
    body = {"channel": "portal", "job": job(customer_id="C-RID2", x=6.5, y=6.0)}
    without = served.api("POST", "/bookings", body).json()
    requested = {e["visit_id"]: e for e in served.log_lines() if e["type"] == "visit_requested"}
    assert requested[with_key["visit_id"]]["request_id"] == "rid-7"
    own = requested[without["visit_id"]]["request_id"]
    assert own.startswith("R") and own[1:].isdigit()  # the served day's own number
    simulated = [e for v, e in requested.items() if not v.startswith("A")]
    assert simulated and all("request_id" not in e for e in simulated)


def test_a_wish_date_the_desk_cannot_book_is_refused_naming_the_field(served: Served) -> None:
    cases = {SATURDAY: "not a working day", "2026-11-20": "outside", "2027-03-01": "outside"}
    for date, why in cases.items():
        r = served.api("POST", "/offers", {"channel": "portal", "job": job(wish_date=date)})
        assert r.status_code == 422, r.text
        (detail,) = r.json()["detail"]
        assert detail["loc"] == ["body", "job", "wish_date"] and why in detail["msg"]
        assert date in detail["msg"]


def test_the_day_ends_counting_todays_visits_and_listing_the_ones_ahead(served: Served) -> None:
    assert served.finish() == 0
    log = [ev.from_json(x) for x in (served.out / "events.jsonl").read_text().splitlines()]
    ahead = [e for e in log if isinstance(e, ev.VisitBookedAhead)]
    listed = (served.out / "booked_ahead.jsonl").read_text().splitlines()
    assert [ev.from_json(x) for x in listed] == ahead and len(ahead) == 1
    today = {e.visit_id for e in log if isinstance(e, ev.VisitRequested | ev.VisitBooked)}
    assert ahead[0].visit_id not in today
    # the day's KPIs are today's: the same as from the log without the bookings ahead
    kpis = json.loads((served.out / "kpis.json").read_text())
    scenario = load_scenario(served.scenario)
    without = [e for e in log if not isinstance(e, ev.VisitBookedAhead)]
    assert kpis == json.loads(json.dumps(compute_kpis(without, scenario).to_dict()))
