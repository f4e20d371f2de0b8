"""The day's event calendar: SimPy's environment with far-off events kept out of its heap.

SimPy keeps every scheduled event in one binary heap, keyed ``(time, priority, id)``.
A simulated day schedules many events long before they happen (every same-day call and
cancellation at the start of the day, a technician's next stop when a job begins), so at
10,000 technicians the heap holds some 24,000 entries and every push and pop walks a
deeper heap spread over more memory. :class:`DayEnvironment` keeps the heap for the
events due before a moving edge and files later ones in buckets of :data:`BUCKET_MIN`
minutes, which join the heap when the edge reaches them.

The order of events is exactly SimPy's: every event gets the same key from the same
counter, the heap holds every event due before the edge, and an event is popped only
when it comes before the edge (so before everything in the buckets); hence each step
pops the least key of all scheduled events, as ``simpy.Environment`` does. Bucket
numbers are ``time // BUCKET_MIN`` with a power of two, so they are exact.
"""

from __future__ import annotations

from heapq import heappop, heappush
from math import floor, frexp, inf
from typing import Any

import simpy
from simpy.core import EmptySchedule, StopSimulation
from simpy.events import NORMAL, Event, EventPriority

BUCKET_MIN = 16.0  # a power of two: ``time // BUCKET_MIN`` and ``k * BUCKET_MIN`` are exact


class DayEnvironment(simpy.Environment):
    """``simpy.Environment`` with the same order of events and a shallower heap."""

    def __init__(self, initial_time: float = 0, bucket_min: float = BUCKET_MIN) -> None:
        if not (bucket_min >= 1 and frexp(bucket_min)[0] == 0.5):
            msg = f"bucket_min must be a power of two of at least 1, got {bucket_min!r}"
            raise ValueError(msg)
        super().__init__(initial_time)
        self._width = float(bucket_min)
        self._edge = (floor(initial_time / self._width) + 1) * self._width
        self._far: dict[int, list[tuple[float, EventPriority, int, Event]]] = {}
        self._far_keys: list[int] = []  # a heap of the bucket numbers in ``_far``

    def schedule(self, event: Event, priority: EventPriority = NORMAL, delay: Any = 0) -> None:
        """Schedule ``event`` (SimPy's key); due at or after the edge: into its bucket."""
        at = self._now + delay
        item = (at, priority, next(self._eid), event)
        if self._edge <= at < inf:
            k = int(at // self._width)
            bucket = self._far.get(k)
            if bucket is None:
                bucket = self._far[k] = []
                heappush(self._far_keys, k)
            bucket.append(item)
        else:
            heappush(self._queue, item)

    def _pull(self) -> None:
        """Move buckets into the heap until its first event is due before the edge (and so
        before every event still in a bucket), or no bucket is left."""
        queue, keys = self._queue, self._far_keys
        while keys and (not queue or queue[0][0] >= self._edge):
            k = heappop(keys)
            for item in self._far.pop(k):
                heappush(queue, item)
            self._edge = (k + 1) * self._width

    def peek(self) -> float:
        """The time of the next scheduled event (``inf`` if there is none)."""
        self._pull()
        return super().peek()

    def step(self) -> None:
        """Process the next event (``simpy.Environment.step`` after filling the heap)."""
        queue = self._queue
        if not queue or queue[0][0] >= self._edge:
            self._pull()
        try:
            self._now, _, _, event = heappop(queue)
        except IndexError:
            raise EmptySchedule from None
        callbacks, event.callbacks = event.callbacks, None  # type: ignore[assignment]
        try:
            for callback in callbacks:
                callback(event)
        except StopSimulation:
            # as SimPy: the remaining callbacks run when the simulation resumes
            event.callbacks = callbacks[callbacks.index(callback) + 1 :]
            self.schedule(event, EventPriority(-1))
            raise
        if not event._ok and not hasattr(event, "_defused"):
            exc = type(event._value)(*event._value.args)
            exc.__cause__ = event._value
            raise exc

    def scheduled(self) -> int:
        """How many events wait: in the heap and in the buckets."""
        return len(self._queue) + sum(len(b) for b in self._far.values())
