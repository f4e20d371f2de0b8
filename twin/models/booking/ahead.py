"""Booking ahead: windows on later working days, before those days' routes exist.

A request that wishes for a later day, or finds no window today, is offered windows on
the coming working days that still have room by the booking horizon's rule of thumb
(:class:`~twin.models.booking.horizon.Horizon`: visits per rostered technician, a share
kept for same-day calls). Within a day the planner ranks the windows as it ranks today's
(:meth:`Dispatcher.offers`: price to the company, lateness risk), on that day's plan as
the desk knows it now: every technician starting from home at the start of their shift,
with the visits already booked ahead for that day in their tentative routes. The day's
own planning (:mod:`twin.sim.booking`) decides the real route; the tentative one only
prices the windows and keeps two bookings ahead from promising the same hours twice.

Days are counted in working days after today (1: the next working day), as the horizon
counts them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from twin.models.booking.desk import Booking
from twin.models.booking.horizon import Horizon
from twin.models.booking.windows import Window, windows_within
from twin.models.routing.dispatch import Dispatcher, NoOffer, SlotOffer
from twin.models.routing.plan import PlanState, TechnicianSpec, TechnicianState, VisitTask

# days with room tried for one request's offers: the wish day (or the next with room) and
# one more, so that a customer sees a choice of days without pricing the whole horizon
DAYS_OFFERED = 2


@dataclass(slots=True)
class LaterDay:
    """What is booked ahead for one later day: the visits and their tentative routes."""

    visits: dict[str, VisitTask] = field(default_factory=dict)
    routes: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AheadOffer:
    """A window on a later working day (``day``: working days after today)."""

    day: int
    offer: SlotOffer


@dataclass(slots=True)
class Ahead:
    """The desk's book of later days: the horizon's room and the tentative plans.

    ``technicians`` are the company's (their homes, skills and shift hours); the same
    mapping is kept for every later day, so a planner's per-fleet caches stay valid.
    """

    horizon: Horizon
    technicians: Mapping[str, TechnicianSpec]
    days: dict[int, LaterDay] = field(default_factory=dict)
    _start: dict[str, TechnicianState] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._start = {
            tid: TechnicianState(tid, t.home_x, t.home_y, t.shift_start)
            for tid, t in self.technicians.items()
        }

    def plan(self, day: int) -> PlanState:
        """Day ``day``'s plan as the desk knows it now (before the day starts)."""
        later = self.days.get(day) or LaterDay()
        return PlanState(0.0, self.technicians, self._start, later.visits, later.routes)

    def check_day(self, day: int) -> None:
        if not 1 <= day <= self.horizon.days:
            msg = f"day: {day} is not a later day within the horizon (1 to {self.horizon.days})"
            raise ValueError(msg)

    def offers(
        self,
        task: VisitTask,
        dispatcher: Dispatcher,
        windows: Sequence[Window],
        available: Window,
        first: int = 1,
        limit: int = 10,
        days: int = DAYS_OFFERED,
    ) -> list[AheadOffer] | NoOffer:
        """Windows on the first ``days`` days from ``first`` on that have room, each day's
        ranked by the planner; earlier days first (read only)."""
        self.check_day(first)
        options = windows_within(windows, available)
        if not options:
            return NoOffer("no offered window inside the customer's availability")
        found: list[AheadOffer] = []
        tried = 0
        reason = f"no room within {self.horizon.days} working days"
        for day in range(first, self.horizon.days + 1):
            if self.horizon.room(day) <= 0:
                continue
            ranked = dispatcher.offers(self.plan(day), task, options)
            tried += 1
            if isinstance(ranked, NoOffer):
                reason = ranked.reason
            else:
                found.extend(AheadOffer(day, o) for o in ranked)
            if len(found) >= limit or tried >= days:
                break
        return found[:limit] if found else NoOffer(reason)

    def add(self, day: int, task: VisitTask, technician_id: str | None) -> None:
        """A booking ahead made earlier (read back from a log): its place and its visit at
        the end of its tentative route."""
        self.check_day(day)
        self.horizon.booked[day] = self.horizon.booked.get(day, 0) + 1
        later = self.days.setdefault(day, LaterDay())
        later.visits[task.visit_id] = task
        if technician_id is not None and technician_id in self.technicians:
            later.routes[technician_id] = (*later.routes.get(technician_id, ()), task.visit_id)

    def book(self, task: VisitTask, dispatcher: Dispatcher, day: int) -> Booking | NoOffer:
        """Book ``task`` (its window on day ``day``) into that day's tentative plan, taking
        one of the horizon's places; nothing changes when it is refused."""
        self.check_day(day)
        if self.horizon.room(day) <= 0:
            return NoOffer(f"day {day}: no room left (the booking horizon's rule of thumb)")
        routes = dispatcher.insert(self.plan(day), task)
        if isinstance(routes, NoOffer):
            return routes
        placed = self.horizon.book(day, day)
        assert placed == day, placed  # room was checked above
        later = self.days.setdefault(day, LaterDay())
        later.visits[task.visit_id] = task
        later.routes.update(routes)
        return Booking(task, routes)
