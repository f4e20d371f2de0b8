from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from twin import events as ev
from twin.config import Scenario
from twin.events import codec
from twin.models.routing.dispatch import BaselineDispatcher
from twin.sim.world import World

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def test_simulated_log_round_trips_byte_identical(tiny: Scenario, tmp_path: Path) -> None:
    events = World(tiny, BaselineDispatcher).run()
    first = tmp_path / "a.jsonl"
    second = tmp_path / "b.jsonl"
    ev.write_log(events, first)
    parsed = ev.read_log(first)
    assert parsed == events
    ev.write_log(parsed, second)
    assert first.read_bytes() == second.read_bytes()
    # every event type the world produces is in the log
    kinds = {e.TYPE for e in events}
    assert {"visit_requested", "visit_booked", "arrived", "work_finished", "position"} <= kinds


def test_line_keys_in_fixed_order() -> None:
    e = ev.Arrived(id="w1", time=T0, technician_id="T1", visit_id="V1", x=1.0, y=2.5)
    assert ev.to_json(e) == (
        '{"v":1,"type":"arrived","id":"w1","time":"2026-11-23T08:00:00Z",'
        '"technician_id":"T1","visit_id":"V1","x":1.0,"y":2.5}'
    )


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware UTC"):
        ev.Arrived(id="w1", time=datetime(2026, 1, 1), technician_id="T", visit_id=None, x=0, y=0)


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        (
            '{"v":1,"type":"arrived","id":"a","time":"2026-11-23T08:00:00Z","technician_id":"T1","visit_id":null,"x":"far","y":1}',
            "x",
            "expected a number",
        ),
        (
            '{"v":1,"type":"teleported","id":"a","time":"2026-11-23T08:00:00Z"}',
            "type",
            "unknown event type",
        ),
        ('{"v":2,"type":"arrived"}', "v", "newer schema version 2 than this build reads (1)"),
        ('{"v":0,"type":"arrived"}', "v", "unsupported schema version 0"),
        (
            '{"v":1,"type":"shift_ended","id":"a","time":"2026-11-23T08:00:00","technician_id":"T1","x":1,"y":1}',
            "time",
            "ending in 'Z'",
        ),
        (
            '{"v":1,"type":"shift_ended","id":"a","time":"2026-11-23T08:00:00Z","x":1,"y":1}',
            "technician_id",
            "missing",
        ),
        (
            '{"v":1,"type":"work_finished","id":"a","time":"2026-11-23T08:00:00Z","technician_id":"T","visit_id":"V","outcome":"exploded"}',
            "outcome",
            "not one of",
        ),
        (
            '{"v":1,"type":"shift_ended","id":"a","time":"2026-11-23T08:00:00Z","technician_id":"T","x":1,"y":1,"colour":"red"}',
            "colour",
            "unknown field",
        ),
    ],
)
def test_malformed_line_names_line_and_field(line: str, field: str, words: str) -> None:
    with pytest.raises(ev.EventParseError) as info:
        ev.from_json(line, line_no=7)
    assert info.value.line == 7
    assert info.value.field == field
    assert words in str(info.value)
    assert str(info.value).startswith("line 7")


def test_bad_json_names_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    good = ev.to_json(ev.BreakStarted(id="w1", time=T0, technician_id="T1"))
    path.write_text(good + "\n{not json\n")
    with pytest.raises(ev.EventParseError, match="line 2"):
        ev.read_log(path)


def test_plan_round_trip_with_nested_routes() -> None:
    plan = ev.PlanPublished(
        id="b1",
        time=T0,
        version=3,
        reason="repair",
        routes=(ev.Route(technician_id="T1", visit_ids=("V1", "V2")),),
    )
    assert ev.from_json(ev.to_json(plan)) == plan
    assert json.loads(ev.to_json(plan))["routes"] == [
        {"technician_id": "T1", "visit_ids": ["V1", "V2"]}
    ]


def test_route_departure_is_optional_and_left_out_when_none() -> None:
    leave = T0 + timedelta(hours=1, seconds=30)
    plan = ev.PlanPublished(
        id="b2",
        time=T0,
        version=1,
        reason="daily plan",
        routes=(
            ev.Route(technician_id="T1", visit_ids=("V1",), depart_at=leave),
            ev.Route(technician_id="T2", visit_ids=()),
        ),
    )
    line = ev.to_json(plan)
    assert ev.from_json(line) == plan
    routes = json.loads(line)["routes"]
    assert routes[0]["depart_at"] == ev.format_time(leave)
    assert routes[1] == {"technician_id": "T2", "visit_ids": []}  # as logs were before
    bad = line.replace(ev.format_time(leave), "soon")
    with pytest.raises(ev.EventParseError, match=r"routes\[0\]\.depart_at"):
        ev.from_json(bad)


@given(
    x=st.floats(allow_nan=False, allow_infinity=False),
    y=st.floats(allow_nan=False, allow_infinity=False),
    seconds=st.integers(min_value=0, max_value=10**8),
    micro=st.integers(min_value=0, max_value=999_999),
    tid=st.text(max_size=12),
)
def test_position_round_trip_property(
    x: float, y: float, seconds: int, micro: int, tid: str
) -> None:
    from datetime import timedelta

    t = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds, microseconds=micro)
    e = ev.Position(id=tid, time=t, technician_id=tid, x=x, y=y)
    line = ev.to_json(e)
    back = ev.from_json(line)
    assert back == e
    assert ev.to_json(back) == line


@given(st.text(max_size=200))
def test_parser_never_crashes_on_garbage(text: str) -> None:
    try:
        ev.from_json(text, line_no=1)
    except ev.EventParseError as exc:
        assert exc.line == 1


@given(
    seconds=st.integers(min_value=0, max_value=10**8),
    micro=st.integers(min_value=0, max_value=999_999),
    offset_min=st.integers(min_value=-14 * 60, max_value=14 * 60),
)
def test_time_text_is_the_utc_instant_in_any_zone(
    seconds: int, micro: int, offset_min: int
) -> None:
    from datetime import timedelta, timezone

    t = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds, microseconds=micro)
    naive = t.replace(tzinfo=None)
    expected = naive.isoformat(timespec="microseconds" if micro else "seconds") + "Z"
    elsewhere = t.astimezone(timezone(timedelta(minutes=offset_min)))
    assert ev.format_time(t) == expected
    assert ev.format_time(elsewhere) == expected
    # the encoder's cache keys on the instant: the same text whichever zone came first
    assert codec._encode(elsewhere) == expected
    assert codec._encode(t) == expected
    assert ev.parse_time(expected) == t


def test_lines_encoded_once_are_the_log_s_bytes(tiny: Scenario, tmp_path: Path) -> None:
    events = World(tiny, BaselineDispatcher).run()
    ev.write_log(events, tmp_path / "a.jsonl")
    lines = ev.to_lines(events)
    assert ev.write_lines(lines, tmp_path / "b.jsonl") == len(events)
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert lines == (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()


def test_non_ascii_text_is_kept() -> None:
    e = ev.VisitRejected(id="w1", time=T0, visit_id="V1", reason="kein Techniker für Größe")
    assert '"reason":"kein Techniker für Größe"' in ev.to_json(e)
    assert ev.from_json(ev.to_json(e)) == e


def test_a_bad_byte_is_a_parse_error_naming_its_line(tmp_path: Path) -> None:
    e = ev.Arrived(id="w1", time=T0, technician_id="T1", visit_id="V1", x=1.0, y=2.5)
    path = tmp_path / "log.jsonl"
    path.write_bytes(ev.to_json(e).encode() + b"\n\xff\n")
    with pytest.raises(ev.EventParseError, match=r"line 2: not UTF-8: byte 0xff"):
        ev.read_log(path)


def test_a_lone_surrogate_is_written_as_its_escape(tmp_path: Path) -> None:
    e = ev.VisitRejected(id="w\ud800", time=T0, visit_id="V1", reason="r")
    path = tmp_path / "log.jsonl"
    assert ev.write_log([e], path) == 1  # no UnicodeEncodeError
    assert b'"id":"w\\ud800"' in path.read_bytes()
    assert ev.read_log(path) == [e]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-23T10:00:00+02:00", T0),
        ("2026-11-23T07:15:00-00:45", T0),
        ("2026-11-23T08:00:00.250Z", T0.replace(microsecond=250_000)),
    ],
)
def test_offsets_are_converted_to_utc(text: str, expected: datetime) -> None:
    assert ev.parse_time(text) == expected and ev.parse_time(text).tzinfo is UTC


@pytest.mark.parametrize(
    "text", ["2026-11-23T08:00:00+02:00Z", "2026-11-23", "2026-11-23T08:00:00", "20261123T080000Z"]
)
def test_ambiguous_timestamps_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="expected an ISO 8601 date and time"):
        ev.parse_time(text)


def _generic(e: ev.Event) -> str:
    return codec._JSON.encode(codec.to_dict(e))


def test_direct_writer_gives_the_encoder_s_bytes_for_a_brain_day(tiny: Scenario) -> None:
    from twin.app.wiring import build_brain
    from twin.stream.connectors.bridge import run_direct_loop

    world = World(tiny.with_overrides(**{"policy.brain": True}), BaselineDispatcher)
    events = run_direct_loop(world, build_brain(world.company)).events
    assert {type(e) for e in events} >= {ev.Position, ev.EtaUpdated, ev.PlanPublished}
    assert ev.to_lines(events) == [_generic(e) for e in events]
    assert any(codec._flat_json(e) is None for e in events)  # plans: nested, the encoder's


@given(
    p=st.floats(),  # NaN and infinities included: the encoder's own spelling
    text=st.text(max_size=12),
    flag=st.booleans(),
    seconds=st.integers(min_value=0, max_value=10**8),
)
def test_direct_writer_equals_the_encoder(p: float, text: str, flag: bool, seconds: int) -> None:
    from datetime import timedelta

    t = T0 + timedelta(seconds=seconds, microseconds=seconds % 7)
    for e in (
        ev.DelayDetected(
            id=text, time=t, visit_id=text, technician_id="T1", probability=p, eta=t, window_end=T0
        ),
        ev.Position(id="w1", time=t, technician_id=text, x=p, y=-p),
        ev.Arrived(id="w2", time=t, technician_id=text, visit_id=None if flag else text, x=p, y=1),
    ):
        assert ev.to_json(e) == _generic(e)
