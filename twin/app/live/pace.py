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
    """The day's current pace; ``changed`` wakes a waiting loop."""

    def __init__(self, setting: PaceSetting) -> None:
        self._setting = setting
        self.version = 0
        self.changed = threading.Event()
        self._lock = threading.Lock()

    @property
    def setting(self) -> PaceSetting:
        return self._setting

    def set(self, **changes: object) -> PaceSetting:
        with self._lock:
            self._setting = replace(self._setting, **changes)  # type: ignore[arg-type]
            self.version += 1
        self.changed.set()
        return self._setting


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
    try:
        _run_paced(day, stop, progress)
    finally:
        gc.unfreeze()


def _run_paced(day: Paced, stop: threading.Event, progress: Progress | None) -> None:
    pace = day.pace
    end = day.ticks[-1]
    version, start_wall, start_min = -1, 0.0, 0.0
    while not day.over and not stop.is_set():
        setting = pace.setting
        if pace.version != version:  # a new pace: the wall clock counts from here
            version, start_wall, start_min = pace.version, time.monotonic(), day.now
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
