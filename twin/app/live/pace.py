"""How fast a served day runs, changed while it runs: the speed (simulated minutes per
wall minute; None: as fast as it goes), pause, and a time to pause at ("run to 10:00").

A trainer or a test sets it through the API; the day's loop reads it before every tick
and measures the wall clock afresh from each change.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace


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
