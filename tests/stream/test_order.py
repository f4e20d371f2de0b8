from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from twin import events as ev
from twin.clock import DayClock
from twin.stream.messages import DeadLetter, Tick
from twin.stream.order import Admission, RawLine, Watermark, parse

CLOCK = DayClock(date(2026, 11, 23))


def _ping(i: int, minute: float) -> ev.Position:
    return ev.Position(id=f"w{i:08d}", time=CLOCK.at(minute), technician_id="T1", x=0.0, y=0.0)


def _tick(minute: float) -> Tick:
    return Tick(minute, CLOCK.at(minute))


def test_parse_dead_letters_bad_lines() -> None:
    out = parse(RawLine("{nope", 3))
    assert isinstance(out, DeadLetter) and out.line == 3 and "not valid JSON" in out.reason


def test_duplicates_and_late_events_are_dead_lettered() -> None:
    adm = Admission()
    assert adm.step(_ping(1, 10.2)) == []
    dup = adm.step(_ping(1, 10.2))
    assert isinstance(dup[0], DeadLetter) and "duplicate" in dup[0].reason
    released = adm.step(_tick(11))
    assert [e.id for e in released if isinstance(e, ev.Event)] == ["w00000001"]
    late = adm.step(_ping(2, 10.5))
    assert isinstance(late[0], DeadLetter) and "out of order" in late[0].reason


@given(st.permutations(list(range(12))))
def test_any_arrival_order_within_a_minute_releases_the_same_sequence(order: list[int]) -> None:
    adm = Admission()
    pings = [_ping(i, 600 + i / 20) for i in range(12)]
    for i in order:
        adm.step(pings[i])
    released = [e for e in adm.step(_tick(601)) if isinstance(e, ev.Event)]
    assert released == pings


def test_watermark_ticks_every_closed_minute() -> None:
    mark = Watermark(CLOCK, bound_min=2.0)
    assert [t.minute for t in mark.observe(600.5)] == [598.0]
    assert [t.minute for t in mark.observe(603.2)] == [599.0, 600.0, 601.0]
    assert mark.observe(602.0) == []
    assert [t.minute for t in mark.finish()][-1] >= 604.0
    assert all(t.time.tzinfo is UTC for t in mark.finish())


def test_clock_round_trip() -> None:
    t = CLOCK.at(612.5)
    assert t == datetime(2026, 11, 23, 10, 12, 30, tzinfo=UTC)
    assert CLOCK.minutes(t + timedelta(seconds=30)) == 613.0
