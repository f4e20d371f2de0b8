"""Ticks for a stream that brings no clock: markers from the event-time watermark, and the
input held in minute order until the tick that closes its minute.

:class:`EventTicks` ticks every whole minute up to the watermark of one or more input
partitions (never past the day); :class:`InputOrder` releases each event just before the
tick of its minute, sorted by (time, partition, offset). The Kafka source
(:mod:`twin.stream.connectors.kafka`) uses both, so that a run is a function of the
topic's contents, not of its batching.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from twin import events as ev
from twin.clock import DayClock
from twin.stream.fastparse import FastParser
from twin.stream.messages import Tick
from twin.stream.order import MAX_BOUND_MIN, RawLine
from twin.stream.validate import DAY_MIN, EventRules, parse_line


@dataclass
class EventTicks:
    """Tick markers from the event-time watermark over one or more input partitions.

    The watermark is the second-newest event time of the slowest live partition minus the
    bound; every whole minute up to it is ticked once, in order. Second-newest: one event
    dated ahead of its partition (a wrong clock) closes nothing until another one confirms
    it, so it affects only itself (see :class:`twin.stream.order.Watermark`). ``idle``
    takes a partition out of the minimum (at its end, or when it has been silent); an
    event brings it back.
    """

    clock: DayClock
    bound_min: float
    parts: tuple[str, ...] = ("0",)
    newest: dict[str, float] = field(default_factory=dict)
    second: dict[str, float] = field(default_factory=dict)
    newest_id: dict[str, str | None] = field(default_factory=dict)
    idle_parts: set[str] = field(default_factory=set)
    ticked: int | None = None
    earliest: float = math.inf  # before the first tick: where ticking starts

    def __post_init__(self) -> None:
        if not 0.0 <= self.bound_min <= MAX_BOUND_MIN:
            msg = (
                f"EventTicks.bound_min must be >= 0 minutes and at most {MAX_BOUND_MIN:g}, "
                f"got {self.bound_min!r}"
            )
            raise ValueError(msg)
        if not self.parts:
            msg = "EventTicks.parts must name at least one input partition"
            raise ValueError(msg)

    def observe(self, part: str, t: datetime, event_id: str | None = None) -> list[Tick]:
        """An event of time ``t`` arrived on ``part``: the ticks it makes safe (a duplicate
        of the partition's newest event is no second witness)."""
        minute = self.clock.minutes(t)
        # valid times lie within the day; clamped all the same, so that no input can make
        # it tick beyond the day's minutes
        minute = min(minute, DAY_MIN) if minute >= 0.0 else 0.0
        if self.ticked is None:
            self.earliest = min(self.earliest, minute)
        newest = self.newest.get(part, -math.inf)
        if minute > newest:
            self.second[part], self.newest[part], self.newest_id[part] = newest, minute, event_id
        elif minute > self.second.get(part, -math.inf) and (
            event_id is None or event_id != self.newest_id.get(part)
        ):
            self.second[part] = minute
        elif part not in self.idle_parts:
            # the partition's second-newest time did not move, so neither did the watermark
            # (it only rises with one, or when a partition goes idle): no tick (most events)
            return []
        self.idle_parts.discard(part)
        return self._advance()

    def idle(self, part: str) -> list[Tick]:
        """``part`` ended (or went silent): stop waiting for it."""
        self.idle_parts.add(part)
        return self._advance()

    def finish(self) -> list[Tick]:
        """End of a bounded read: tick up to the newest event, releasing everything held."""
        if not self.newest:
            return []
        return self._tick_until(math.ceil(max(self.newest.values()) - 1e-9))

    def watermark(self) -> float | None:
        live = [p for p in self.parts if p not in self.idle_parts]
        seconds = [self.second.get(p, -math.inf) for p in live]
        if not live or -math.inf in seconds:
            return None
        return min(seconds) - self.bound_min

    def _advance(self) -> list[Tick]:
        mark = self.watermark()
        return [] if mark is None else self._tick_until(math.floor(mark + 1e-9))

    def _tick_until(self, last: int) -> list[Tick]:
        if self.ticked is None:  # from the earliest event on, even if a partition came late
            first = min(last, math.floor(self.earliest - self.bound_min + 1e-9))
        else:
            first = self.ticked + 1
        ticks = [Tick(float(m), self.clock.at(m)) for m in range(first, last + 1)]
        if ticks:
            self.ticked = last
        return ticks


@dataclass(frozen=True, slots=True)
class TickState:
    """The watermark's state (:class:`EventTicks` without its clock): plain data."""

    newest: dict[str, float]
    second: dict[str, float]
    newest_id: dict[str, str | None]
    idle_parts: set[str]
    ticked: int | None
    earliest: float

    @staticmethod
    def of(ticks: EventTicks) -> TickState:
        return TickState(
            dict(ticks.newest),
            dict(ticks.second),
            dict(ticks.newest_id),
            set(ticks.idle_parts),
            ticks.ticked,
            ticks.earliest,
        )

    def ticks(self, clock: DayClock, bound_min: float, parts: tuple[str, ...]) -> EventTicks:
        return EventTicks(
            clock,
            bound_min,
            parts,
            dict(self.newest),
            dict(self.second),
            dict(self.newest_id),
            set(self.idle_parts),
            self.ticked,
            self.earliest,
        )


@dataclass
class InputOrder:
    """The events of all input partitions in one order that does not depend on fetch timing.

    Valid events are held until a tick closes their minute and then released, just before
    that tick, sorted by (time, partition, offset): the order in which Kafka happened to
    deliver partitions never matters. With one partition this is the arrival order among
    equal times, as in the admission step. Events at or before the last tick are passed on
    at once (the admission step dead-letters what is beyond the bound), and lines that are
    not valid events (against ``rules``; the schema alone without them) pass as ``RawLine``
    for the flow's own ``parse`` step to explain.
    """

    ticks: EventTicks
    rules: EventRules | None = None
    held: list[tuple[datetime, int, int, ev.Event]] = field(default_factory=list)
    fast: FastParser = field(init=False, repr=False, compare=False)
    # the last tick's minute and time, looked up once per tick (not once per event)
    _tick: tuple[int, datetime] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.fast = FastParser(self.rules)  # the usual line in one pass (same result)

    def admit(self, part: str, text: str | bytes, line: int) -> list[Any]:
        """One input line: what it releases to the flow (events and ticks, or a raw line)."""
        item = self.fast.parse(text)
        if item is None:
            try:
                item = parse_line(text, self.rules, line)
            except ev.EventParseError:
                return [RawLine(text, line)]  # the flow's own parse step says why
        ticks, t = self.ticks, item.time
        last = ticks.ticked
        if last is not None:
            tick = self._tick
            if tick is None or tick[0] != last:
                tick = self._tick = (last, ticks.clock.at(last))
            if t <= tick[1]:
                return [item, *self._release(ticks.observe(part, t, item.id))]
        heapq.heappush(self.held, (t, ticks.parts.index(part), line, item))
        return self._release(ticks.observe(part, t, item.id))

    def idle(self, part: str) -> list[Any]:
        return self._release(self.ticks.idle(part))

    def finish(self) -> list[Any]:
        return self._release(self.ticks.finish())

    def _release(self, ticks: list[Tick]) -> list[Any]:
        out: list[Any] = []
        for tick in ticks:
            while self.held and self.held[0][0] <= tick.time:
                out.append(heapq.heappop(self.held)[3])
            out.append(tick)
        return out


def ticked_lines(
    lines: Iterable[str | bytes],
    clock: DayClock,
    bound_min: float,
    first_line: int = 0,
    rules: EventRules | None = None,
) -> Iterator[Any]:
    """What a one-partition topic holding ``lines`` feeds the flow (replays, reference runs)."""
    order = InputOrder(EventTicks(clock, bound_min), rules)
    for no, text in enumerate(lines, start=first_line):
        yield from order.admit("0", text, no)
    yield from order.finish()
