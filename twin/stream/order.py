"""Admission of raw input: parse, de-duplicate, and put back in order within a bound.

``parse`` turns a JSONL line into an event or a :class:`DeadLetter` with the reason.
``Admission`` is the state of the single ordering step: it drops duplicate ids (a
duplicate changes nothing: dead-lettered with the reason), holds events until a
``Tick`` says their minute is closed, and dead-letters events that arrive later than the
tolerated bound (older than what has already been released). Nothing else is lost.
"""

from __future__ import annotations

import bisect
import json
import math
from dataclasses import dataclass, field
from datetime import datetime

from twin import events as ev
from twin.clock import DayClock
from twin.stream.messages import DeadLetter, Tick

Item = ev.Event | Tick | DeadLetter
# decisions a log may carry from the brain that recorded it; plans stay (they moved people)
FOREIGN_DECISIONS = (ev.EtaUpdated, ev.DelayDetected, ev.ReplanRequested, ev.CustomerNotified)


@dataclass(frozen=True, slots=True)
class RawLine:
    text: str
    line: int


def parse(item: RawLine | ev.Event | Tick) -> Item:
    if not isinstance(item, RawLine):
        return item
    try:
        return ev.from_json(item.text, line_no=item.line)
    except ev.EventParseError as exc:
        return DeadLetter(reason=str(exc), raw=item.text, line=item.line)


@dataclass
class Admission:
    seen: set[str] = field(default_factory=set)
    pending: list[ev.Event] = field(default_factory=list)
    in_order: bool = True
    released_until: datetime | None = None

    def step(self, item: Item) -> list[Item]:
        if isinstance(item, DeadLetter):
            return [item]
        if isinstance(item, Tick):
            return self._release(item)
        if isinstance(item, FOREIGN_DECISIONS):
            return []  # another brain's outputs in a recorded log: not an input to this one
        if item.id in self.seen:
            return [DeadLetter(reason=f"duplicate event id {item.id!r}", raw=ev.to_json(item))]
        if self.released_until is not None and item.time < self.released_until:
            reason = (
                f"out of order beyond the tolerated bound: {ev.format_time(item.time)} "
                f"arrived after {ev.format_time(self.released_until)} was closed"
            )
            return [DeadLetter(reason=reason, raw=ev.to_json(item))]
        self.seen.add(item.id)
        if self.pending and (item.time, item.id) < (self.pending[-1].time, self.pending[-1].id):
            self.in_order = False
        self.pending.append(item)
        return []

    def _release(self, tick: Tick) -> list[Item]:
        """Everything up to the tick's time, ordered by (time, id): any arrival order within
        the bound gives the same sequence."""
        if not self.in_order:
            self.pending.sort(key=lambda e: (e.time, e.id))
            self.in_order = True
        cut = bisect.bisect_right(self.pending, tick.time, key=lambda e: e.time)
        out: list[Item] = list(self.pending[:cut])
        del self.pending[:cut]
        self.released_until = tick.time
        out.append(tick)
        return out


def admission_step(state: Admission | None, item: Item) -> tuple[Admission, list[Item]]:
    """Bytewax-shaped reducer around :class:`Admission`."""
    state = state if state is not None else Admission()
    return state, state.step(item)


def as_batch(item: object) -> list[object]:
    """Sources may hand over one item or a list of them (a tick's events, a block of log
    lines); the steps work on lists."""
    return item if isinstance(item, list) else [item]


def admit_batch(state: Admission, items: list[object]) -> list[Item]:
    """Parse and admit a batch: what ``parse`` then ``Admission.step`` give item by item."""
    out: list[Item] = []
    for raw in items:
        out.extend(state.step(parse(raw)))  # type: ignore[arg-type]
    return out


@dataclass
class Watermark:
    """Inserts ``Tick`` markers into a stream that has none (a log, a Kafka topic).

    After an event at time *t*, every whole minute *m* with ``m <= t - bound`` is closed:
    events later than that are beyond the tolerated reordering bound.
    """

    clock: DayClock
    bound_min: float
    last: int | None = None

    def observe(self, minutes: float) -> list[Tick]:
        upto = math.floor(minutes - self.bound_min)
        if self.last is None:
            self.last = upto - 1
        ticks = [Tick(float(m), self.clock.at(m)) for m in range(self.last + 1, upto + 1)]
        self.last = max(self.last, upto)
        return ticks

    def finish(self) -> list[Tick]:
        """Close everything still open (end of a bounded input)."""
        if self.last is None:
            return []
        end = self.last + math.ceil(self.bound_min) + 1
        return self.observe(end + self.bound_min)


def time_of(line: str, clock: DayClock) -> float | None:
    """The ``time`` of a JSON event line in minutes after the clock's midnight, if readable."""
    try:
        data = json.loads(line)
        t = ev.parse_time(data["time"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return clock.minutes(t)
