"""The watermark's quick exit (an event that moves no partition's second-newest time makes
no tick) against the long way, on generated streams over three partitions."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from twin.clock import DayClock
from twin.stream.connectors.ticks import EventTicks
from twin.stream.messages import Tick

DAY = datetime(2026, 11, 23, tzinfo=UTC)
CLOCK = DayClock(DAY.date())


class LongTicks(EventTicks):
    """``observe`` as it was: the watermark computed again for every event."""

    def observe(self, part: str, t: datetime, event_id: str | None = None) -> list[Tick]:
        minute = self.clock.minutes(t)
        minute = min(minute, 1440.0) if minute >= 0.0 else 0.0
        if self.ticked is None:
            self.earliest = min(self.earliest, minute)
        newest = self.newest.get(part, -math.inf)
        if minute > newest:
            self.second[part], self.newest[part], self.newest_id[part] = newest, minute, event_id
        elif minute > self.second.get(part, -math.inf) and (
            event_id is None or event_id != self.newest_id.get(part)
        ):
            self.second[part] = minute
        self.idle_parts.discard(part)
        return self._advance()


STEP = st.one_of(
    st.tuples(
        st.sampled_from("012"),
        st.integers(min_value=-5, max_value=1500 * 60),  # seconds: before, in and after
        st.sampled_from([None, "a", "b", "c"]),
    ),
    st.tuples(st.sampled_from("012"), st.none(), st.none()),  # the partition goes idle
)


@settings(max_examples=300, deadline=None)
@given(st.lists(STEP, max_size=60), st.sampled_from([0.0, 1.0, 2.0]))
def test_the_quick_exit_gives_the_ticks_of_the_long_way(steps: list, bound: float) -> None:
    parts = ("0", "1", "2")
    fast, long = EventTicks(CLOCK, bound, parts), LongTicks(CLOCK, bound, parts)
    for part, seconds, event_id in steps:
        if seconds is None:
            assert fast.idle(part) == long.idle(part)
        else:
            t = DAY + timedelta(seconds=seconds)
            assert fast.observe(part, t, event_id) == long.observe(part, t, event_id)
    assert fast.finish() == long.finish()
    assert vars(fast) == vars(long)  # the same state after
