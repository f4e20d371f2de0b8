"""Customers not at home: how often it happened on past days, and how long the technician
waited. The ETA chain mixes this into its intervals (a visit that ends early because
nobody opened), and :mod:`twin.models.eta.calibration` stores it with the residuals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from twin import events as ev
from twin.clock import minutes_between


@dataclass(frozen=True, slots=True)
class AbsentStats:
    """Visits worked or attempted, those where the customer was absent, and minutes on site
    after the window opened for the absent ones."""

    visits: int = 0
    absent: int = 0
    absent_minutes: float = 0.0

    def __add__(self, other: AbsentStats) -> AbsentStats:
        return AbsentStats(
            self.visits + other.visits,
            self.absent + other.absent,
            self.absent_minutes + other.absent_minutes,
        )

    @property
    def share(self) -> float:
        return self.absent / self.visits if self.visits else 0.0

    @property
    def minutes(self) -> float:
        return self.absent_minutes / self.absent if self.absent else 0.0


def absent_stats(events: Iterable[ev.Event]) -> AbsentStats:
    """The day's ``work_finished`` outcomes: how often the customer was not at home, and
    how long the technician stayed (from arrival or window start, whichever is later)."""
    opens: dict[str, datetime] = {}
    arrived: dict[str, datetime] = {}
    visits = absent = 0
    minutes = 0.0
    for e in events:
        if isinstance(e, ev.VisitBooked):
            opens[e.visit_id] = e.window_start
        elif isinstance(e, ev.Arrived) and e.visit_id:
            arrived[e.visit_id] = e.time
        elif isinstance(e, ev.WorkFinished):
            visits += 1
            if e.outcome == "customer_absent":
                absent += 1
                known = [t for t in (arrived.get(e.visit_id), opens.get(e.visit_id)) if t]
                if known:
                    minutes += max(0.0, minutes_between(e.time, max(known)))
    return AbsentStats(visits, absent, minutes)
