"""Simulated time: minutes after midnight (UTC) of the scenario's day, mapped to datetimes.

The world and the planner count in float minutes; events carry timezone-aware UTC
datetimes rounded to the second, so that a log written and parsed again is identical.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta


@dataclass(frozen=True, slots=True)
class DayClock:
    day: date
    midnight: datetime = field(init=False)

    def __post_init__(self) -> None:
        midnight = datetime(self.day.year, self.day.month, self.day.day, tzinfo=UTC)
        object.__setattr__(self, "midnight", midnight)

    def at(self, minutes: float) -> datetime:
        """The datetime ``minutes`` after midnight, rounded to the whole second."""
        return self.midnight + timedelta(seconds=round(minutes * 60.0))

    def minutes(self, t: datetime) -> float:
        return (t - self.midnight).total_seconds() / 60.0
