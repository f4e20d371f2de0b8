"""Simulated time: minutes after midnight (UTC) of the scenario's day, mapped to datetimes,
and the one place that writes and reads times of day as ``HH:MM``.

The world and the planner count in float minutes; events carry timezone-aware UTC
datetimes rounded to the second, so that a log written and parsed again is identical.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

CACHE_LIMIT = 200_000  # entries per cache (several days of seconds)


@dataclass(frozen=True, slots=True)
class DayClock:
    day: date
    midnight: datetime = field(init=False)
    # a day has 86,400 seconds: the datetimes already made are looked up, not rebuilt
    # (a day at 1,000 technicians converts about 460,000 times)
    _at: dict[int, datetime] = field(init=False, repr=False, compare=False)
    _minutes: dict[datetime, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        midnight = datetime(self.day.year, self.day.month, self.day.day, tzinfo=UTC)
        object.__setattr__(self, "midnight", midnight)
        object.__setattr__(self, "_at", {})
        object.__setattr__(self, "_minutes", {})

    def at(self, minutes: float) -> datetime:
        """The datetime ``minutes`` after midnight, rounded to the whole second."""
        seconds = round(minutes * 60.0)
        found = self._at.get(seconds)
        if found is None:
            if len(self._at) >= CACHE_LIMIT:
                self._at.clear()
            found = self._at[seconds] = self.midnight + timedelta(seconds=seconds)
        return found

    def minutes(self, t: datetime) -> float:
        found = self._minutes.get(t)
        if found is None:
            if len(self._minutes) >= CACHE_LIMIT:
                self._minutes.clear()
            found = self._minutes[t] = (t - self.midnight).total_seconds() / 60.0
        return found


def minutes_between(later: datetime, earlier: datetime) -> float:
    """Minutes from ``earlier`` to ``later`` (negative if ``later`` is earlier)."""
    return (later - earlier).total_seconds() / 60.0


def hhmm(minutes: float, nearest: bool = False) -> str:
    """``HH:MM`` of a time in minutes after midnight: truncated to the minute (a clock
    display; the day's end reads 24:00), or (``nearest``) rounded to the nearest minute
    as a time of day for a customer (wrapping at midnight)."""
    if nearest:
        m = round(minutes)
        return f"{(m // 60) % 24:02d}:{m % 60:02d}"
    m = int(minutes)
    return f"{m // 60:02d}:{m % 60:02d}"


def parse_hhmm(text: str) -> float:
    """Minutes after midnight of ``HH:MM`` (00:00 to 24:00); ValueError naming the text."""
    try:
        hh, mm = text.split(":")
        h, m = int(hh), int(mm)
    except ValueError:
        msg = f"expected a time of day HH:MM, got {text!r}"
        raise ValueError(msg) from None
    value = h * 60 + m
    if not (0 <= m < 60 and 0 <= value <= 24 * 60):
        raise ValueError(f"time of day out of range: {text!r} (allowed: 00:00 to 24:00)")
    return float(value)
