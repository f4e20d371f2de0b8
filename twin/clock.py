"""Simulated time: minutes after local midnight of the scenario's day, mapped to datetimes,
and the one place that writes and reads times of day as ``HH:MM``.

The world and the planner count in float minutes after midnight in the company's time zone
(``Scenario.time_zone``: a shift "from 08:00" starts at 08:00 in Berlin), so every ``HH:MM``
the twin shows is local time; events carry timezone-aware UTC datetimes rounded to the
second (UTC stays on the wire and in the log), so that a log written and parsed again is
identical. Minutes count elapsed time from local midnight: on the two days a year the
clocks change, a time after 03:00 reads one hour off (no scenario plans those nights).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

CACHE_LIMIT = 200_000  # entries per cache (several days of seconds)
MAX_DAYS = 3660  # how far from its day a clock maps minutes (about ten years)
MAX_MINUTES = MAX_DAYS * 24 * 60.0


@dataclass(frozen=True, slots=True)
class DayClock:
    day: date
    zone: str = "UTC"  # an IANA time zone: where the day's midnight is
    midnight: datetime = field(init=False)  # local midnight, as a UTC datetime
    # a day has 86,400 seconds: the datetimes already made are looked up, not rebuilt
    # (a day at 1,000 technicians converts about 460,000 times)
    _at: dict[int, datetime] = field(init=False, repr=False, compare=False)
    _minutes: dict[datetime, float] = field(init=False, repr=False, compare=False)
    _tz: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        tz = ZoneInfo(self.zone)
        local = datetime(self.day.year, self.day.month, self.day.day, tzinfo=tz)
        object.__setattr__(self, "midnight", local.astimezone(UTC))
        object.__setattr__(self, "_tz", tz)
        object.__setattr__(self, "_at", {})
        object.__setattr__(self, "_minutes", {})

    def at(self, minutes: float) -> datetime:
        """The datetime ``minutes`` after midnight, rounded to the whole second.

        Raises ValueError for minutes that are not finite or more than ``MAX_DAYS`` days
        from the day (never an OverflowError near year 1 or 9999)."""
        try:
            seconds = round(minutes * 60.0)
        except (ValueError, OverflowError):  # NaN, infinite
            raise ValueError(self._out_of_range(minutes)) from None
        found = self._at.get(seconds)
        if found is None:
            try:  # checked once per value
                if not -MAX_MINUTES * 60 <= seconds <= MAX_MINUTES * 60:
                    raise OverflowError
                found = self.midnight + timedelta(seconds=seconds)
            except OverflowError:  # beyond MAX_DAYS, or before year 1 / after 9999
                raise ValueError(self._out_of_range(minutes)) from None
            if len(self._at) >= CACHE_LIMIT:
                self._at.clear()
            self._at[seconds] = found
        return found

    def _out_of_range(self, minutes: float) -> str:
        return (
            f"clock: minutes must be a finite number within {MAX_DAYS} days of "
            f"{self.day.isoformat()} (|minutes| <= {MAX_MINUTES:g}) and in the years 1 to "
            f"9999, got {minutes!r}"
        )

    def local(self, t: datetime) -> datetime:
        """``t`` on the company's wall clock (for people: messages and pages)."""
        return t.astimezone(self._tz)

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


def tick_ends(first_shift_min: float, tick_min: float, day_end_min: float) -> list[float]:
    """A day's tick ends: one jump to the tick an hour before the first shift, then every
    ``tick_min`` minutes to the day's end."""
    t = max(0.0, math.floor((first_shift_min - 60) / tick_min) * tick_min)
    ticks = [t]
    while t < day_end_min:
        t = min(day_end_min, t + tick_min)
        ticks.append(t)
    return ticks
