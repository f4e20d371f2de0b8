"""The booking horizon: how many visits each coming working day can still take.

Before a day's routes exist, a desk books later days by a rule of thumb: each working
technician takes about ``per_technician`` visits a day, of which a share is kept free for
same-day calls and for visits that must be rebooked. A request asking for a day that is
full goes to the first later day with room; a request that finds no room within the
horizon is refused with that reason. The days' routes are planned on the day itself
(:mod:`twin.sim.booking`), where a visit that does not fit after all is rebooked.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class NoRoom:
    reason: str


@dataclass(slots=True)
class Horizon:
    """Room per period day: ``staff(day)`` is the technicians rostered that day."""

    staff: Callable[[int], int]
    per_technician: float
    reserve: float  # share of the room kept for same-day calls and rebooking
    days: int  # how far ahead the desk books, in working days
    booked: dict[int, int] = field(default_factory=dict)

    def room(self, day: int, rebooking: bool = False) -> int:
        """Visits ``day`` can still take; rebooking may use the reserve too."""
        share = 1.0 if rebooking else 1.0 - self.reserve
        cap = math.floor(self.staff(day) * self.per_technician * share)
        return cap - self.booked.get(day, 0)

    def book(self, today: int, wish: int, rebooking: bool = False) -> int | NoRoom:
        """Book the first day from ``wish`` on with room, within ``days`` after ``today``."""
        last = today + self.days
        for day in range(max(wish, today), last + 1):
            if self.room(day, rebooking) > 0:
                self.booked[day] = self.booked.get(day, 0) + 1
                return day
        return NoRoom(f"no room within {self.days} working days")
