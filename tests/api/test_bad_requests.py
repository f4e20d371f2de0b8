"""Bad requests never break the server: at least 5,000 generated malformed requests
(wrong types, missing or extra fields, out-of-range numbers, broken JSON, odd headers,
unknown visits) against every endpoint of a real server give 0 responses of 5xx, and
every 422 names the field (``detail[].loc``)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import token_of
from tests.api.served import KEY, Served, job

ENDPOINTS = [
    ("POST", "/api/v1/offers"),
    ("POST", "/api/v1/bookings"),
    ("POST", "/api/v1/device-alerts"),
    ("POST", "/api/v1/bookings/{visit}/reschedule"),
    ("DELETE", "/api/v1/bookings/{visit}"),
    ("DELETE", "/api/v1/bookings/{visit}?channel={channel}"),
    ("GET", "/api/v1/bookings/{visit}"),
    ("POST", "/api/v1/track/{token}/feedback"),
    ("POST", "/api/v1/track/{token}/reschedule"),
    ("POST", "/api/v1/track/{token}/cancel"),
    ("GET", "/api/v1/track/{token}"),
]
AHEAD = job(wish_date="2026-11-24")  # the served day's next working day
VALID = {  # each endpoint's valid bodies, mutated one field at a time
    "/api/v1/offers": [
        {"channel": "portal", "job": job()},
        {"channel": "call_centre", "job": AHEAD, "limit": 3},
    ],
    "/api/v1/bookings": [
        {"channel": "portal", "job": job(), "window_start": "14:00", "window_end": "16:00"},
        {"channel": "portal", "job": AHEAD, "window_start": "08:00", "window_end": "10:00"},
    ],
    "/api/v1/device-alerts": [{"device_id": "D1", "fault_code": "F1", "job": job()}],
    "reschedule": [
        {"window_start": "14:00", "window_end": "16:00"},
        {"window_start": "14:00", "window_end": "16:00", "channel": "call_centre"},
    ],
    "feedback": [{"rating": 4}],
}
CHANNELS = ["portal", "call_centre", "device", "planned", "", "x" * 300, "%00", "portal&x=1"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["24:00", "25:00", "9:99", "-1:00", "12:00", "max", "portal", "emergency"]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _mutate(body: Any, data: st.DataObject) -> Any:
    """A valid body with one field changed, removed or added, at any depth."""
    if not isinstance(body, dict) or not body:
        return data.draw(values)
    body = dict(body)
    key = data.draw(st.sampled_from(sorted(body)))
    action = data.draw(st.sampled_from(["replace", "drop", "add", "deeper"]))
    if action == "replace":
        body[key] = data.draw(values)
    elif action == "drop":
        del body[key]
    elif action == "add":
        body[data.draw(st.text(min_size=1, max_size=10))] = data.draw(values)
    else:
        body[key] = _mutate(body[key], data)
    return body


def _bodies_for(path: str) -> list[dict[str, Any]]:
    """The valid bodies of the endpoint at ``path`` (``{}`` if it takes none)."""
    for name, bodies in VALID.items():
        if path == name or path.endswith("/" + name):
            return bodies
    return [{}]


@settings(
    max_examples=5_000, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
@given(data=st.data())
def check_no_5xx(served: Served, token: str, data: st.DataObject) -> None:
    method, template = data.draw(st.sampled_from(ENDPOINTS))
    visit = data.draw(
        st.sampled_from(["A0001", "V0001", "NOPE", "x" * 60, "%00", "..", "A0001.json"])
    )
    path = template.format(
        visit=visit,
        token=data.draw(st.sampled_from([token, token[:-2], "x"])),
        channel=data.draw(st.sampled_from(CHANNELS)),
    )
    headers = {"X-API-Key": KEY}
    if data.draw(st.booleans()):
        headers["Idempotency-Key"] = data.draw(st.text(alphabet="abcXYZ-_0:", max_size=250))
    how = data.draw(st.sampled_from(["mutated", "random", "raw"]))
    if how == "raw":
        content = data.draw(st.binary(max_size=200) | st.just(b'{"channel": "portal", "job": {'))
        r = served.client.request(
            method, path, content=content, headers={**headers, "Content-Type": "application/json"}
        )
    else:
        name = path.split("?")[0]
        if "track" in path or "bookings/" in path:
            name = name.split("/api/v1")[-1].split("/")[-1]
        body = (
            _mutate(data.draw(st.sampled_from(_bodies_for(name))), data)
            if how == "mutated"
            else data.draw(values)
        )
        content = json.dumps(body, allow_nan=True).encode()
        r = served.client.request(
            method, path, content=content, headers={**headers, "Content-Type": "application/json"}
        )
    assert r.status_code < 500, (method, path, content[:300], r.status_code, r.text[:300])
    if r.status_code == 422:
        detail = r.json()["detail"]
        assert detail and all(d["loc"] for d in detail), r.text


def test_bad_clock_changes_name_the_field(served: Served) -> None:
    """The clock is left out of the fuzz above (a valid change could run the day to its
    end, and the server ends with its day); its bad bodies are checked here."""
    served.run_until("08:00")
    for body, field in (
        ({"speed": 0}, "speed"),
        ({"speed": "fast"}, "speed"),
        ({"until": "25:00"}, "until"),
        ({"until": "07:00"}, "until"),
        ({"paused": "yes"}, "paused"),
        ({"pause": True}, "pause"),
    ):
        r = served.api("POST", "/clock", body)
        assert r.status_code == 422, (body, r.text)
        assert field in r.json()["detail"][0]["loc"], (body, r.text)


def test_five_thousand_bad_requests_give_no_5xx(served: Served) -> None:
    served.run_until("09:00")
    booked = served.api(
        "POST", "/bookings", {"channel": "portal", "job": job(customer_id="C-FUZZ")}
    )
    assert booked.status_code == 201, booked.text
    check_no_5xx(served, token_of(booked.json()["link"]))
    assert served.status()["over"] is False  # the server is alive and the day intact
