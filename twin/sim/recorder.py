"""The recorder: turns happenings into events with deterministic ids and keeps the log.

World events get ids ``w00000001``, ``w00000002``, … in emission order, which SimPy makes
deterministic for a given scenario and seed. Decisions recorded from outside keep their
own ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from twin import events as ev
from twin.clock import DayClock
from twin.events.fast import position


class Recorder:
    def __init__(self, clock: DayClock) -> None:
        self.clock = clock
        self.events: list[ev.Event] = []
        self._seq = 0
        self._drained = 0
        self._quiet: set[int] = set()  # ids of logged events ``drain`` leaves out

    def emit(self, cls: type[ev.Event], minutes: float, **fields: Any) -> ev.Event:
        self._seq += 1
        event = cls(id=f"w{self._seq:08d}", time=self.clock.at(minutes), **fields)
        self.events.append(event)
        return event

    def pings(
        self, minutes: float, tids: Sequence[str], xs: Sequence[float], ys: Sequence[float]
    ) -> None:
        """One GPS round, as columns: ``tids[i]`` is at ``(xs[i], ys[i])``. The same time
        for every technician, computed once (the pings are built by
        :func:`twin.events.fast.position`: the same events, without the generated
        ``__init__``'s per-field lookups)."""
        if not len(tids) == len(xs) == len(ys):
            msg = f"tids, xs and ys must have one length, got {len(tids)}, {len(xs)}, {len(ys)}"
            raise ValueError(msg)
        time = self.clock.at(minutes)
        seq = self._seq
        append = self.events.append
        for tid, x, y in zip(tids, xs, ys, strict=True):
            seq += 1
            append(position(f"w{seq:08d}", time, tid, x, y))
        self._seq = seq

    def record(self, event: ev.Event, echo: bool = True) -> None:
        """Log an event from outside; ``echo=False``: log it, but leave it out of ``drain``."""
        self.events.append(event)
        if not echo:
            self._quiet.add(id(event))  # the event stays alive in ``events``: ids are unique

    def drain(self) -> list[ev.Event]:
        """Events recorded since the last drain (without the ones recorded quietly)."""
        new = self.events[self._drained :]
        self._drained = len(self.events)
        if self._quiet:
            quiet, self._quiet = self._quiet, set()
            new = [e for e in new if id(e) not in quiet]
        return new
