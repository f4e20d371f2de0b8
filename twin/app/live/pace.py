"""How fast a served day runs, changed while it runs: the speed (simulated minutes per
wall minute; None: as fast as it goes), pause, and a time to pause at ("run to 10:00").

A trainer or a test sets it through the API; the day's loop (:func:`run_paced`) reads it
before every tick and measures the wall clock afresh from each change.

While it runs, the day's state sits out of the interpreter's full garbage collections
(:func:`settle_heap`), which would otherwise stop every thread, the API's included.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

Progress = Callable[[float, float], None]  # (the tick's end, the day's last tick end)


@dataclass(frozen=True, slots=True)
class PaceSetting:
    speed: float | None = 60.0
    paused: bool = False
    until: float | None = None  # pause when the simulated clock reaches this minute


class Pace:
    """The day's current pace; ``changed`` wakes a waiting loop.

    A change takes effect between two ticks: the loop observes the pace before each
    tick, so one that had started when the change came ends first. :meth:`settle` waits
    for that, so that whoever paused the day is answered with its final state (the tick
    in flight included), not one tick early."""

    def __init__(self, setting: PaceSetting) -> None:
        self._setting = setting
        self.version = 0
        self.changed = threading.Event()
        self._seen = threading.Condition()
        self._seen_version = -1
        self.running = False  # a paced loop observes this pace

    @property
    def setting(self) -> PaceSetting:
        return self._setting

    def set(self, **changes: object) -> PaceSetting:
        with self._seen:
            self._setting = replace(self._setting, **changes)  # type: ignore[arg-type]
            self.version += 1
        self.changed.set()
        return self._setting

    def observe(self) -> tuple[int, PaceSetting]:
        """The version and setting the loop goes by from now (read together)."""
        with self._seen:
            self._seen_version = self.version
            self._seen.notify_all()
            return self.version, self._setting

    def settle(self, timeout_s: float = 5.0) -> bool:
        """Wait until a running loop has observed the latest change (at once when no loop
        runs); False if it did not within ``timeout_s``."""
        with self._seen:
            return self._seen.wait_for(
                lambda: not self.running or self._seen_version >= self.version, timeout_s
            )


class Paced(Protocol):
    """What the paced loop steps (a :class:`twin.app.live.LiveDay`)."""

    pace: Pace
    ticks: list[float]
    done: int
    behind_s: float

    @property
    def now(self) -> float: ...
    @property
    def over(self) -> bool: ...
    def tick(self) -> bool: ...


def settle_heap() -> None:
    """Collect all garbage, then freeze what is left (:func:`gc.freeze`): later full
    collections skip it. The day's state (its world, log and plans) is most of the heap and
    lives as long as the day; a full collection scans all of it, at 200 technicians
    120 ms on a quiet core and 200-400 ms under load, during which no thread runs: the
    first one after a fast run to a time landed in the first seconds of the API's load
    (bench/RESULTS.md, session 12). Called where nobody waits for the clock: before the
    first tick and when a run to a time pauses; frozen objects come back to the collector
    at the next call and when the paced run ends."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def run_paced(day: Paced, stop: threading.Event, progress: Progress | None = None) -> None:
    """Step ``day`` to its end (or until ``stop``; set ``pace.changed`` with it to wake a
    waiting loop) at its pace, which may change while it runs: a tick's end is due
    ``60 / speed`` wall seconds per simulated minute after the last change of pace."""
    settle_heap()
    day.pace.running = True
    try:
        _run_paced(day, stop, progress)
    finally:
        day.pace.running = False
        day.pace.observe()  # wakes whoever waits for a loop that has ended
        gc.unfreeze()


def _run_paced(day: Paced, stop: threading.Event, progress: Progress | None) -> None:
    pace = day.pace
    end = day.ticks[-1]
    version, start_wall, start_min = -1, 0.0, 0.0
    while not day.over and not stop.is_set():
        seen, setting = pace.observe()
        if seen != version:  # a new pace: the wall clock counts from here
            version, start_wall, start_min = seen, time.monotonic(), day.now
            if day.done == 0:  # the jump to shortly before the first shift is free
                start_min = day.ticks[0]
            pace.changed.clear()
        t = day.ticks[day.done]
        if setting.until is not None and t > setting.until and not setting.paused:
            settle_heap()  # before the pause shows: whoever resumes the day finds it settled
            pace.set(paused=True, until=None)
            continue
        if setting.paused:
            pace.changed.wait(0.2)
            continue
        if setting.speed is not None:
            due = start_wall + (t - start_min) * 60.0 / setting.speed
            wait = due - time.monotonic()
            if wait > 0:
                pace.changed.wait(wait)
                if pace.version != version or stop.is_set():
                    continue
            day.behind_s = max(day.behind_s, -wait)
        day.tick()
        if progress is not None:
            progress(t, end)
