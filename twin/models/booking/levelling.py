"""Levelling a later day: the desk offers first the windows whose start has the most room.

A visit booked days ahead has no route yet (a day is planned on the day itself), so the
desk prices a window by how full its start already is. A planner serves a visit from its
window's start on, so visits promised windows that start in the same slot of the grid
compete for the same technician-hours, whatever their width. A slot's room is the time in
which a technician can begin a visit there (from the shift's start to one visit's time
before its end) over one visit's time (the shift over the bookable visits per
technician). A window's fill is the visits already starting in its first slot over that
room; an all-day window spreads its visit over the day's slots, and is left as wished
(it is the planner's freedom, not a load).

A customer who takes the best-ranked offer (``demand.offer_acceptance``) is booked in the
window of least fill that is no wider than the one they wished for and inside their
availability (on a tie: their own wish, then the wider, then the earlier). This is the
seed's PowerOpt ranking cheaper windows first, where the cheapness of a window days ahead
is its spare capacity. Without levelling, the morning's wide windows are done by 10:30 and
the technicians wait for the afternoon windows that all open at 12:00.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from twin.config import Scenario
from twin.models.booking.windows import Window, offered_windows


@dataclass(frozen=True, slots=True)
class SlotGrid:
    """The service day cut into the grid's narrowest windows, with each slot's room."""

    starts: tuple[float, ...]  # each slot's start; a slot ends where the next begins
    end: float  # the service day's end
    room: tuple[float, ...]  # visits one technician can begin in each slot

    @classmethod
    def of(cls, scenario: Scenario) -> SlotGrid:
        windows = offered_windows(scenario)
        width = min(w[1] - w[0] for w in windows)
        first, end = scenario.demand.windows.day_start_min, scenario.demand.windows.day_end_min
        starts = tuple(first + i * width for i in range(int((end - first) // width)))
        wf = scenario.workforce
        cycle = (wf.shift_length_min - wf.break_min) / scenario.period.bookable_per_technician
        open_, close = wf.shift_start_min, wf.shift_start_min + wf.shift_length_min - cycle
        room = tuple(max(0.0, min(s + width, close) - max(s, open_)) / cycle + 1e-6 for s in starts)
        return cls(starts, end, room)

    def slot(self, t: float) -> int:
        """The slot in which a visit promised from ``t`` begins."""
        i = 0
        while i + 1 < len(self.starts) and self.starts[i + 1] <= t:
            i += 1
        return i

    def whole_day(self, w: Window) -> bool:
        return w[0] <= self.starts[0] and w[1] >= self.end


@dataclass(slots=True)
class DayLoads:
    """The visits booked to begin in each slot of each later day."""

    grid: SlotGrid
    load: dict[int, list[float]] = field(default_factory=dict)

    def _day(self, day: int) -> list[float]:
        return self.load.setdefault(day, [0.0] * len(self.grid.starts))

    def add(self, day: int, w: Window) -> None:
        """Count a visit promised ``w`` on ``day``."""
        load = self._day(day)
        if self.grid.whole_day(w):
            total = sum(self.grid.room)
            for i, r in enumerate(self.grid.room):
                load[i] += r / total
        else:
            load[self.grid.slot(w[0])] += 1.0

    def fill(self, day: int, w: Window) -> float:
        i = self.grid.slot(w[0])
        return self._day(day)[i] / self.grid.room[i]

    def best(self, day: int, wish: Window, options: Sequence[Window]) -> Window:
        """The least-filled window among ``options`` no wider than ``wish`` (``wish`` itself
        on a tie); ``wish`` when it is all day or nothing narrower is open."""
        if self.grid.whole_day(wish):
            return wish
        width = wish[1] - wish[0]
        fits = [w for w in options if abs(w[1] - w[0] - width) <= 1e-9]
        if not fits:
            return wish
        return min(
            [wish, *fits],
            key=lambda w: (self.fill(day, w), w != wish, -(w[1] - w[0]), w[0]),
        )


def levelled(scenario: Scenario) -> DayLoads | None:
    """The later days' loads, when the scenario's desk levels them (``period.later_windows``)."""
    if scenario.period.later_windows != "levelled":
        return None
    return DayLoads(SlotGrid.of(scenario))
