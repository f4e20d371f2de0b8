"""The boundary rules: every field and every cross-field rule refuses with field, value, range."""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin import events as ev
from twin.clock import DayClock
from twin.config import City
from twin.stream.validate import EventRules, check, parse_line, raw_text

CLOCK = DayClock(date(2026, 11, 23))
RULES = EventRules.of(CLOCK, City(size_km=10.0), ["T1", "T2"], bound_min=2.0)
T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def _line(**fields: Any) -> str:
    base: dict[str, Any] = {
        "v": 1,
        "type": "travel_started",
        "id": "w1",
        "time": "2026-11-23T08:00:00Z",
        "technician_id": "T1",
        "visit_id": "V1",
        "from_x": 1.0,
        "from_y": 1.0,
        "to_x": 4.0,
        "to_y": 5.0,
        "distance_km": 6.75,
    }
    base.update(fields)
    return json.dumps(base)


def _refused(line: str | bytes) -> ev.EventParseError:
    with pytest.raises(ev.EventParseError) as info:
        parse_line(line, RULES, 7)
    return info.value


def test_a_valid_line_passes() -> None:
    e = parse_line(_line(), RULES, 1)
    assert isinstance(e, ev.TravelStarted) and e.from_x == 1.0


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("from_x", math.nan, "not a finite number"),
        ("from_x", math.inf, "not a finite number"),
        ("from_x", 1e300, "outside the city (from -1 to 11 km"),
        ("to_y", -3.0, "outside the city"),
        ("distance_km", -1.0, "not a drive within the city"),
        ("distance_km", 1e6, "not a drive within the city (0 to"),
        ("technician_id", "T9999", "unknown technician 'T9999' (not in the roster)"),
        ("visit_id", "", "is not an id"),
        ("visit_id", "V\u0000", "is not an id"),
        ("id", "x" * 500, "at most 128 allowed"),
    ],
)
def test_fields_are_refused_with_the_field_value_and_range(
    field: str, value: object, words: str
) -> None:
    exc = _refused(_line(**{field: value}))
    assert exc.field == field and exc.line == 7
    assert words in str(exc)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("9999-12-31T23:59:59Z", "not within the day (2026-11-23T00:00:00Z to 2026-11-24"),
        ("0001-01-01T00:00:00Z", "not within the day"),
        ("2026-11-24T08:00:00Z", "not within the day"),
        ("2026-11-23T08:00:00+02:00Z", "expected an ISO 8601 date and time"),
        ("2026-11-23", "expected an ISO 8601 date and time"),
        ("2026-11-23T08:00", "expected an ISO 8601 date and time"),
        ("2026-11-23T08:00:00", "expected an ISO 8601 date and time"),
        ("2026-11-23T08:00:00z", "expected an ISO 8601 date and time"),
        ("0001-01-01T00:00:00+02:00", "not a valid UTC instant"),
        ("2026-02-30T08:00:00Z", "not a valid UTC instant"),
    ],
)
def test_times_outside_the_day_or_malformed_are_refused(text: str, words: str) -> None:
    exc = _refused(_line(time=text))
    assert exc.field == "time" and words in str(exc)


def test_an_offset_is_converted_not_ignored() -> None:
    e = parse_line(_line(time="2026-11-23T10:00:00+02:00"), RULES)
    assert e.time == T0 and e.time.tzinfo is UTC
    assert parse_line(_line(time="2026-11-23T07:30:00-00:30"), RULES).time == T0


def _request(**fields: Any) -> str:
    base: dict[str, Any] = {
        "v": 1,
        "type": "visit_requested",
        "id": "w2",
        "time": "2026-11-23T07:00:00Z",
        "visit_id": "V9",
        "customer_id": "C9",
        "job_type": "repair",
        "skill": "repair",
        "priority": 1,
        "channel": "portal",
        "x": 5.0,
        "y": 5.0,
        "available_from": "2026-11-23T08:00:00Z",
        "available_until": "2026-11-23T12:00:00Z",
        "notify_channel": "sms",
        "language": "de",
    }
    base.update(fields)
    return json.dumps(base)


def _booking(start: str, end: str) -> str:
    return json.dumps(
        {
            "v": 1,
            "type": "visit_booked",
            "id": "w3",
            "time": "2026-11-23T07:00:00Z",
            "visit_id": "V9",
            "window_start": start,
            "window_end": end,
            "technician_id": None,
            "expected_duration_min": 60.0,
        }
    )


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        (_booking("2026-11-23T12:00:00Z", "2026-11-23T10:00:00Z"), "window_end", "not after"),
        (_booking("2026-11-23T10:00:00Z", "2026-11-23T10:00:00Z"), "window_end", "not after"),
        (_booking("2026-11-23T10:00:00Z", "1970-01-01T00:00:00Z"), "window_end", "not within"),
        (_booking("1970-01-01T00:00:00Z", "2026-11-23T10:00:00Z"), "window_start", "not within"),
        (
            _request(available_until="2026-11-23T07:59:00Z"),
            "available_until",
            "is not after available_from",
        ),
        (_request(x=math.nan), "x", "not a finite number"),
        (_request(priority=7), "priority", "7 is outside [0, 3]"),
        (_request(priority=10**400), "priority", "is outside [0, 3]"),
        (_request(customer_id="C\ud800"), "customer_id", "lone surrogate"),
        (_request(skill="s" * 20_000), "skill", "at most 10,000 allowed"),
    ],
)
def test_cross_field_rules_and_requests(line: str, field: str, words: str) -> None:
    exc = _refused(line)
    assert exc.field == field and words in str(exc)


def test_traffic_factor_must_be_in_zero_one() -> None:
    def traffic(factor: object, zone: str = "centre") -> str:
        return json.dumps(
            {
                "v": 1,
                "type": "traffic_changed",
                "id": "w4",
                "time": "2026-11-23T09:00:00Z",
                "zone": zone,
                "factor": factor,
                "until": "2026-11-23T10:00:00Z",
            }
        )

    for bad in (0.0, -0.5, 1.5, 1e400):
        exc = _refused(traffic(bad))
        assert exc.field == "factor"
        assert "(0, 1]" in str(exc) or "finite" in str(exc)
    assert "unknown zone 'mars'" in str(_refused(traffic(0.5, "mars")))
    assert parse_line(traffic(0.5), RULES).factor == 0.5  # type: ignore[attr-defined]
    assert parse_line(traffic(1.0), RULES).factor == 1.0  # type: ignore[attr-defined]


def test_plans_name_known_technicians_only() -> None:
    plan = ev.PlanPublished(
        id="p1",
        time=T0,
        version=1,
        reason="r",
        routes=(ev.Route(technician_id="T9999", visit_ids=("V1",)),),
    )
    exc = _refused(ev.to_json(plan))
    assert exc.field == "routes[0].technician_id" and "T9999" in str(exc)


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b'{"v":1,"type":"position","id":"\xff"}', "not UTF-8: byte 0xff at position"),
        (b"[" * 100_000, "nested too deeply"),
        (b'{"a":' * 50_000, "nested too deeply"),
        (b'{"v":1,"type":"position","id":"p","x":1' + b"0" * 5000 + b"}", "not valid JSON"),
        (b'{"v":true,"type":"position"}', "unsupported schema version"),
        (b'{"v":1.0,"type":"position"}', "unsupported schema version"),
    ],
)
def test_bytes_nesting_and_huge_numbers_spoil_only_their_line(raw: bytes, words: str) -> None:
    assert words in str(_refused(raw))


def test_a_float_field_given_an_integer_beyond_any_float_is_refused() -> None:
    exc = _refused(_line(from_x=10**400))
    assert exc.field == "from_x" and "number out of range" in str(exc)


def test_dead_letter_text_is_always_writable() -> None:
    assert raw_text(b"ab\xffc\n") == "ab\\xffc"
    assert raw_text("id \ud800") == "id \\ud800"
    assert raw_text("x" * 100_000).endswith("… (100,000 characters)")
    raw_text("é \ud800").encode("utf-8")  # no UnicodeEncodeError


def test_rules_refuse_a_city_without_size() -> None:
    with pytest.raises(ValueError, match="size_km must be a positive number"):
        EventRules(CLOCK, math.nan, frozenset(), frozenset())


# ---------------------------------------------------------------- properties
_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["2026-11-23T08:00:00Z", "9999-12-31T23:59:59Z", "T1", "T9999"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
_valid = parse_line(_line(), RULES)
_FIELDS = [f.name for f in dataclasses.fields(ev.TravelStarted)]


@settings(max_examples=400, deadline=None)
@given(field=st.sampled_from(_FIELDS), value=_json)
def test_any_value_in_any_field_is_a_valid_event_or_a_named_refusal(
    field: str, value: object
) -> None:
    data = json.loads(ev.to_json(_valid))
    data[field] = value
    try:
        line = json.dumps(data)
    except ValueError:
        return
    try:
        e = parse_line(line, RULES)
    except ev.EventParseError as exc:
        assert exc.line is None and str(exc)
        return
    check(e, RULES)  # what passes, passes again: values the brain can compute with
    assert isinstance(e, ev.TravelStarted)
    for name in ("from_x", "from_y", "to_x", "to_y", "distance_km"):
        assert math.isfinite(getattr(e, name))
    assert e.technician_id in RULES.technicians
    assert RULES.day_start <= e.time <= RULES.day_start + timedelta(days=1)


@settings(max_examples=500, deadline=None)
@given(raw=st.binary(max_size=200))
def test_any_bytes_are_an_event_or_a_refusal(raw: bytes) -> None:
    try:
        parse_line(raw, RULES)
    except ev.EventParseError as exc:
        assert str(exc)


def _requested(**fields: Any) -> ev.VisitRequested:
    base: dict[str, Any] = dict(
        id="w9", time=T0, visit_id="A0001", customer_id="C1", job_type="repair",
        skill="repair", priority=1, channel="portal", x=1.0, y=1.0, available_from=T0,
        available_until=T0 + timedelta(hours=8), notify_channel="sms", language="de",
    )  # fmt: skip
    return ev.VisitRequested(**{**base, **fields})


def test_an_outside_request_id_is_optional_text() -> None:
    for rid in (None, "R00001", "k" * 200):  # an Idempotency-Key may be 200 characters
        line = ev.to_json(_requested(request_id=rid))
        assert ("request_id" in line) == (rid is not None)
        assert parse_line(line, RULES, 1) == _requested(request_id=rid)
    e = _refused(ev.to_json(_requested(request_id="k" * 10_001)))
    assert e.field == "request_id"


def test_a_booking_ahead_has_its_window_on_a_later_day() -> None:
    tuesday = T0 + timedelta(days=1)
    ahead = ev.VisitBookedAhead(
        id="w10", time=T0, visit_id="A0002", customer_id="C2", job_type="repair",
        skill="repair", priority=1, channel="call_centre", x=2.0, y=2.0, date="2026-11-24",
        window_start=tuesday, window_end=tuesday + timedelta(hours=2),
        tentative_technician_id="T2", expected_duration_min=60.0, notify_channel="sms",
        language="de", request_id="ahead-1",
    )  # fmt: skip
    assert parse_line(ev.to_json(ahead), RULES, 1) == ahead
    early = dataclasses.replace(ahead, window_start=T0 - timedelta(days=1))
    assert _refused(ev.to_json(early)).field == "window_start"
    stranger = dataclasses.replace(ahead, tentative_technician_id="T9")
    assert _refused(ev.to_json(stranger)).field == "tentative_technician_id"
