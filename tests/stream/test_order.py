from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from twin import events as ev
from twin.clock import DayClock
from twin.config import City
from twin.stream.messages import DeadLetter, Tick
from twin.stream.order import Admission, RawLine, Watermark, parse
from twin.stream.validate import EventRules

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
    assert mark.observe(600.5) == []  # one event is no witness yet
    assert [t.minute for t in mark.observe(603.2)] == [598.0]
    assert [t.minute for t in mark.observe(602.0)] == [599.0, 600.0]
    finish = mark.finish()
    assert [t.minute for t in finish] == [601.0, 602.0, 603.0, 604.0]
    assert all(t.time.tzinfo is UTC for t in finish)


def test_one_event_dated_ahead_closes_nothing() -> None:
    mark = Watermark(CLOCK, bound_min=2.0)
    assert mark.observe(600.0, "a") == []
    assert [t.minute for t in mark.observe(600.5, "b")] == [598.0]
    assert mark.observe(1300.0, "future") == []
    assert mark.observe(1300.0, "future") == []  # its duplicate is no second witness
    assert [t.minute for t in mark.observe(601.5, "c")] == [599.0]
    assert [t.minute for t in mark.finish()][-1] == 1301.0  # released at the end


def test_the_watermark_never_ticks_past_the_day() -> None:
    mark = Watermark(CLOCK, bound_min=2.0)
    ticks = [*mark.observe(-5e8), *mark.observe(1e300), *mark.observe(1e300), *mark.finish()]
    assert len(ticks) < 24 * 60 + 10
    assert ticks[0].minute == -2.0 and ticks[-1].minute == 24 * 60 + 1
    assert mark.observe(float("nan")) == []
    with pytest.raises(ValueError, match="reordering bound must be from 0 to 60 minutes"):
        Watermark(CLOCK, bound_min=1e9)


def test_late_events_say_how_late_and_what_is_tolerated() -> None:
    rules = EventRules.of(CLOCK, City(), ["T1"], bound_min=2.0)
    adm = Admission(rules)
    adm.step(_tick(611))
    (late,) = adm.step(_ping(1, 607.0))
    assert isinstance(late, DeadLetter)
    assert "4.0 min late; tolerated reordering: 2 min" in late.reason


def test_parse_with_rules_refuses_what_the_schema_alone_accepts() -> None:
    rules = EventRules.of(CLOCK, City(), ["T1"])
    line = ev.to_json(_ping(1, 600.0)).replace('"T1"', '"T9999"')
    assert isinstance(parse(RawLine(line, 1)), ev.Position)
    dead = parse(RawLine(line.encode(), 1), rules)
    assert isinstance(dead, DeadLetter) and "unknown technician 'T9999'" in dead.reason
    dead = parse(RawLine(b"\xff" + line.encode(), 2), rules)
    assert isinstance(dead, DeadLetter) and dead.raw.startswith("\\xff{")


def test_clock_round_trip() -> None:
    t = CLOCK.at(612.5)
    assert t == datetime(2026, 11, 23, 10, 12, 30, tzinfo=UTC)
    assert CLOCK.minutes(t + timedelta(seconds=30)) == 613.0


def test_the_clock_refuses_minutes_it_cannot_map() -> None:
    for bad in (float("nan"), float("inf"), -1e12):
        with pytest.raises(ValueError, match="clock: minutes must be a finite number"):
            CLOCK.at(bad)
    year_one = DayClock(date(1, 1, 1))
    with pytest.raises(ValueError, match="in the years 1 to 9999"):  # no OverflowError
        year_one.at(-1.0)
