"""Admission of raw input: parse, de-duplicate, and put back in order within a bound.

``parse`` turns a JSONL line into an event or a :class:`DeadLetter` with the reason.
``Admission`` is the state of the single ordering step: it drops duplicate ids (a
duplicate changes nothing: dead-lettered with the reason), holds events in a heap until a
``Tick`` says their minute is closed, and dead-letters events that arrive later than the
tolerated bound (older than what has already been released). Nothing else is lost.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from twin import events as ev
from twin.stream.messages import DeadLetter, Tick

Item = ev.Event | Tick | DeadLetter


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
    heap: list[tuple[object, int, ev.Event]] = field(default_factory=list)
    released_until: object = None
    seq: int = 0

    def step(self, item: Item) -> list[Item]:
        if isinstance(item, DeadLetter):
            return [item]
        if isinstance(item, Tick):
            out: list[Item] = []
            while self.heap and self.heap[0][0] <= item.time:  # type: ignore[operator]
                out.append(heapq.heappop(self.heap)[2])
            self.released_until = item.time
            out.append(item)
            return out
        if item.id in self.seen:
            return [DeadLetter(reason=f"duplicate event id {item.id!r}", raw=ev.to_json(item))]
        if self.released_until is not None and item.time < self.released_until:  # type: ignore[operator]
            reason = (
                f"out of order beyond the tolerated bound: {ev.format_time(item.time)} "
                f"arrived after {ev.format_time(self.released_until)} was closed"  # type: ignore[arg-type]
            )
            return [DeadLetter(reason=reason, raw=ev.to_json(item))]
        self.seen.add(item.id)
        self.seq += 1
        heapq.heappush(self.heap, (item.time, self.seq, item))
        return []


def admission_step(state: Admission | None, item: Item) -> tuple[Admission, list[Item]]:
    """Bytewax-shaped reducer around :class:`Admission`."""
    state = state if state is not None else Admission()
    return state, state.step(item)
