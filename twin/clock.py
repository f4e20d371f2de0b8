"""Simulated time: minutes after midnight (UTC) of the scenario's day, mapped to datetimes.

The world and the planner count in float minutes; events carry timezone-aware UTC
datetimes rounded to the second, so that a log written and parsed again is identical.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

CACHE_LIMIT = 200_000  # entries per cache (several days of seconds)
MAX_DAYS = 3660  # how far from its day a clock maps minutes (about ten years)
MAX_MINUTES = MAX_DAYS * 24 * 60.0


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

    def minutes(self, t: datetime) -> float:
        found = self._minutes.get(t)
        if found is None:
            if len(self._minutes) >= CACHE_LIMIT:
                self._minutes.clear()
            found = self._minutes[t] = (t - self.midnight).total_seconds() / 60.0
        return found
