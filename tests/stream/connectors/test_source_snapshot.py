"""The Kafka source's snapshot (no broker): plain data, taken while other workers run.

Bytewax asks the source for a snapshot at the end of every epoch, on the source's worker,
while the other workers' threads run the brain's steps. The snapshot once deep-copied the
source's ``InputOrder`` with its clock, whose caches those steps fill: with 2 partitions
× 2 workers it crashed ("dictionary changed size during iteration").
"""

from __future__ import annotations

import pickle
import threading
from datetime import UTC, datetime, timedelta

from twin import events as ev
from twin.clock import DayClock
from twin.stream.connectors.kafka import TopicResume, _TopicPartition
from twin.stream.connectors.ticks import EventTicks, InputOrder, TickState

DAY = datetime(2026, 11, 23, tzinfo=UTC)


def _partition(clock: DayClock) -> _TopicPartition:
    order = InputOrder(EventTicks(clock, 2.0, parts=("0", "1")))
    return _TopicPartition({}, order, None, None, None, 0.02, None, None)


def _line(minute: float, n: int) -> bytes:
    t = DAY + timedelta(minutes=minute)
    return ev.to_json(ev.Position(id=f"p{n}", time=t, technician_id="T1", x=1.0, y=2.0)).encode()


def test_a_snapshot_while_another_worker_uses_the_clock_does_not_fail() -> None:
    clock = DayClock(DAY.date())
    for s in range(20_000):  # a day's worth of cached conversions
        clock.at(s / 60.0)
    part = _partition(clock)
    stop = threading.Event()

    def other_worker() -> None:  # a technician step on another worker: new times
        s = 20_000
        while not stop.is_set():
            s += 1
            clock.at(s / 60.0)
            clock.minutes(DAY + timedelta(seconds=s, microseconds=s % 1000))

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        errors = []
        for _ in range(20):
            try:
                part.snapshot()
            except RuntimeError as exc:
                errors.append(exc)
    finally:
        stop.set()
        thread.join()
    assert errors == []


def test_the_snapshot_is_plain_data_and_resumes_the_same_watermark() -> None:
    clock = DayClock(DAY.date())
    ticks = EventTicks(clock, 2.0, parts=("0", "1"))
    for part, minute, event_id in [("0", 600.0, "a"), ("0", 601.5, "b"), ("1", 599.0, "c")]:
        ticks.observe(part, DAY + timedelta(minutes=minute), event_id)
    ticks.idle("1")
    state = TickState.of(ticks)
    assert state.ticks(clock, 2.0, ("0", "1")) == ticks
    ticks.observe("0", DAY + timedelta(minutes=605), "d")  # the snapshot is a copy
    assert state.ticks(clock, 2.0, ("0", "1")) != ticks

    part = _partition(clock)
    for n, (p, minute) in enumerate([("0", 600.0), ("0", 600.5), ("1", 600.2), ("0", 603.0)]):
        part.order.admit(p, _line(minute, n), n)
    assert part.order.held  # events waiting for the tick of their minute
    snap = part.snapshot()
    assert isinstance(snap, TopicResume)
    blob = pickle.dumps(snap)
    assert b"DayClock" not in blob and b"EventRules" not in blob
    resumed = pickle.loads(blob)
    assert resumed == snap
    again = InputOrder(resumed.ticks.ticks(clock, 2.0, ("0", "1")), None, resumed.held)
    assert again.finish() == part.order.finish()  # the same events and ticks released
