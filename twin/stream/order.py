"""Admission of raw input: parse, validate, de-duplicate, and put back in order within a bound.

``parse`` turns a JSONL line (text or bytes) into a valid event or a :class:`DeadLetter`
with the reason (:mod:`twin.stream.validate` holds the rules). ``Admission`` is the state
of the single ordering step: it drops duplicate ids (a duplicate changes nothing:
dead-lettered with the reason), holds events until a ``Tick`` says their minute is
closed, and dead-letters events that arrive later than the tolerated bound (older than
what has already been released). Nothing else is lost. ``Watermark`` makes the ticks of
a stream that has none; it only ever sees valid times, and never ticks past the day.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from datetime import datetime

from twin import events as ev
from twin.clock import DayClock
from twin.stream.messages import DeadLetter, Tick
from twin.stream.params import BrainParams
from twin.stream.validate import DAY_MIN, EventRules, parse_line, raw_text

Item = ev.Event | Tick | DeadLetter
MAX_BOUND_MIN = 60.0  # a longer reordering bound holds an hour of events back
# decisions a log may carry from the brain that recorded it; plans stay (they moved people)
FOREIGN_DECISIONS = (ev.EtaUpdated, ev.DelayDetected, ev.ReplanRequested, ev.CustomerNotified)


@dataclass(frozen=True, slots=True)
class RawLine:
    """A line as read (bytes are decoded by ``parse``, one line at a time)."""

    text: str | bytes
    line: int


def parse(item: RawLine | ev.Event | Tick, rules: EventRules | None = None) -> Item:
    """A raw line as a valid event, or a dead letter with the reason; other items pass.

    Without ``rules`` only the schema is checked (tests, tools); the brain's inputs are
    parsed with the rules of its day (:func:`rules_for`)."""
    if not isinstance(item, RawLine):
        return item
    try:
        return parse_line(item.text, rules, item.line)
    except ev.EventParseError as exc:
        return DeadLetter(reason=str(exc), raw=raw_text(item.text), line=item.line)


def rules_for(params: BrainParams) -> EventRules:
    """The validation rules of a brain: its day, its city, its roster, its bound."""
    return EventRules.of(params.clock, params.travel.city, params.roster, params.reorder_bound_min)


@dataclass
class Admission:
    rules: EventRules | None = None  # for raw lines; events from the world are trusted
    seen: set[str] = field(default_factory=set)
    pending: list[ev.Event] = field(default_factory=list)
    in_order: bool = True
    released_until: datetime | None = None

    def step(self, item: Item) -> list[Item]:
        if not isinstance(item, ev.Event):  # events first: nearly every item is one
            if isinstance(item, Tick):
                return self._release(item)
            return [item]  # a dead letter
        if isinstance(item, FOREIGN_DECISIONS):
            return []  # another brain's outputs in a recorded log: not an input to this one
        if item.id in self.seen:
            return [DeadLetter(reason=f"duplicate event id {item.id!r}", raw=ev.to_json(item))]
        if self.released_until is not None and item.time < self.released_until:
            return [DeadLetter(reason=self._late(item.time), raw=ev.to_json(item))]
        self.seen.add(item.id)
        pending = self.pending
        if self.in_order and pending:  # (time, id) below the last one's, without tuples
            t, last = item.time, pending[-1]
            if t < last.time or (t == last.time and item.id < last.id):
                self.in_order = False
        pending.append(item)
        return []

    def _late(self, t: datetime) -> str:
        assert self.released_until is not None
        late_min = (self.released_until - t).total_seconds() / 60.0
        reason = (
            f"out of order beyond the tolerated bound: field 'time' {ev.format_time(t)} "
            f"arrived after {ev.format_time(self.released_until)} was closed "
            f"({late_min:.1f} min late"
        )
        if self.rules is not None:
            reason += f"; tolerated reordering: {self.rules.bound_min:g} min"
        return reason + ")"

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
    rules = state.rules
    for raw in items:
        got = state.step(parse(raw, rules) if type(raw) is RawLine else raw)  # type: ignore[arg-type]
        if got:
            out.extend(got)
    return out


@dataclass
class Watermark:
    """Inserts ``Tick`` markers into a stream that has none (a log, a Kafka topic).

    The watermark is the *second*-newest event time seen: after it reaches *t*, every
    whole minute *m* with ``m <= t - bound`` is closed, and events later than that are
    beyond the tolerated reordering bound. One line dated ahead of the rest (a wrong
    clock, a typo) therefore closes nothing: it waits in the admission step until the
    stream reaches it, and only it is affected. For a stream in time order this delays
    each tick by one event, which changes nothing downstream (the admission step
    releases by time, not by arrival). Only valid times are observed (see
    :mod:`twin.stream.validate`); they are clamped to the day all the same, so that no
    input can make it tick beyond the day's minutes.
    """

    clock: DayClock
    bound_min: float
    last: int | None = None
    newest: float = -math.inf
    second: float = -math.inf
    newest_id: str | None = None  # a duplicate of the newest line is no second witness
    earliest: float = math.inf  # before the first tick: where ticking starts

    def __post_init__(self) -> None:
        if not 0.0 <= self.bound_min <= MAX_BOUND_MIN:
            msg = (
                f"reordering bound must be from 0 to {MAX_BOUND_MIN:g} minutes, "
                f"got {self.bound_min!r}"
            )
            raise ValueError(msg)

    def observe(self, minutes: float, event_id: str | None = None) -> list[Tick]:
        minutes = min(minutes, DAY_MIN) if minutes >= 0.0 else 0.0
        if self.last is None:
            self.earliest = min(self.earliest, minutes)
        if minutes > self.newest:
            self.second, self.newest, self.newest_id = self.newest, minutes, event_id
        elif minutes > self.second and (event_id is None or event_id != self.newest_id):
            self.second = minutes
        if self.second == -math.inf:
            return []
        upto = math.floor(self.second - self.bound_min)
        if self.last is not None and upto <= self.last:
            return []  # nothing new to close: most events of a minute
        return self._tick_to(upto)

    def _tick_to(self, upto: int) -> list[Tick]:
        if self.last is None:  # from the earliest event on, even if it came second
            self.last = min(upto, math.floor(self.earliest - self.bound_min)) - 1
        ticks = [Tick(float(m), self.clock.at(m)) for m in range(self.last + 1, upto + 1)]
        self.last = max(self.last, upto)
        return ticks

    def finish(self) -> list[Tick]:
        """Close everything still open, up to the newest event (end of a bounded input)."""
        if self.newest == -math.inf:
            return []
        bound = self.bound_min
        return self._tick_to(math.floor(self.newest - bound) + math.ceil(bound) + 1)
