"""The served day's desk for later working days: offers and bookings ahead.

A served day is one working day, but its customers may ask for a later one, or find no
window left today. :class:`BookingAhead` answers them from the booking horizon
(:class:`~twin.models.booking.ahead.Ahead`, the scenario's ``period`` settings: horizon
days, visits per technician, the same-day reserve) with the policy's own planner, and
records a booking as a :class:`~twin.events.VisitBookedAhead` event in the served day's
log: not today's work (today's KPIs do not count it), listed in the day's outputs
(``booked_ahead.jsonl``) so that the day it names can pick it up.

What the served day does not know of later days: the bookings made before it (the room is
the horizon's whole room less this day's bookings ahead), and who will be off (every
technician of today's roster counts, each with today's shift hours).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from twin import events as ev
from twin.app.wiring import dispatcher_factory
from twin.clock import DayClock
from twin.config import Scenario
from twin.models.booking.ahead import Ahead, AheadOffer
from twin.models.booking.desk import Booking, visit_task
from twin.models.booking.horizon import Horizon
from twin.models.booking.windows import Window
from twin.models.routing.dispatch import Dispatcher, NoOffer
from twin.models.routing.plan import TechnicianSpec, VisitTask
from twin.sim.outside import JobRequest, outside_spec, quote_id
from twin.sim.rng import keyed
from twin.sim.visit import VisitSpec
from twin.sim.world import World

AHEAD_LOG = "booked_ahead.jsonl"  # the day's bookings for later days, in its outputs


def working_dates(scenario: Scenario, days: int) -> list[dt.date]:
    """The served day and the ``days`` working days after it (the period's working week)."""
    working = {
        ("mon", "tue", "wed", "thu", "fri", "sat", "sun").index(d)
        for d in scenario.period.working_days
    }
    out = [scenario.date]
    d = scenario.date
    while len(out) <= days:
        d += dt.timedelta(days=1)
        if d.weekday() in working:
            out.append(d)
    return out


def day_of(dates: list[dt.date], scenario: Scenario, wish: dt.date) -> int:
    """Which of ``dates`` (the served day and the working days after it) ``wish`` is;
    ValueError naming the date and what is allowed."""
    if wish in dates:
        return dates.index(wish)
    first, last = dates[0].isoformat(), dates[-1].isoformat()
    if wish < dates[0] or wish > dates[-1]:
        why = f"outside the booking horizon ({first} to {last})"
    else:
        days = ", ".join(scenario.period.working_days)
        why = f"not a working day (working days: {days})"
    raise ValueError(f"{wish.isoformat()} is {why}")


def company_ahead(scenario: Scenario, technicians: Mapping[str, TechnicianSpec]) -> Ahead:
    """The book of later days by the scenario's ``period`` settings, every technician of
    ``technicians`` counted on every day, nothing booked yet."""
    p = scenario.period
    staff = len(technicians)
    horizon = Horizon(
        lambda _: staff, p.bookable_per_technician, p.same_day_reserve, p.horizon_days
    )
    return Ahead(horizon, dict(technicians))


def read_ahead(ahead: Ahead, dates: list[dt.date], zone: str, events: Iterable[ev.Event]) -> int:
    """Put the bookings ahead of a log (its ``VisitBookedAhead`` events on ``dates``, in
    time zone ``zone``) into ``ahead``; returns how many."""
    n = 0
    for e in events:
        if not isinstance(e, ev.VisitBookedAhead):
            continue
        date = dt.date.fromisoformat(e.date)
        if date not in dates[1:]:
            continue
        day = dates.index(date)
        clock = DayClock(date, zone)
        task = VisitTask(
            e.visit_id, e.customer_id, e.x, e.y, e.job_type, e.skill, e.priority,
            clock.minutes(e.window_start), clock.minutes(e.window_end), e.expected_duration_min,
        )  # fmt: skip
        ahead.add(day, task, e.tentative_technician_id)
        n += 1
    return n


@dataclass
class BookingAhead:
    """Offers and bookings on the working days after the served one (day 1: the next)."""

    world: World
    dispatcher: Dispatcher  # the policy's planner, apart from today's (its own caches)
    ahead: Ahead = field(init=False)
    dates: list[dt.date] = field(init=False)

    def __post_init__(self) -> None:
        scenario = self.world.scenario
        p = scenario.period
        self.ahead = company_ahead(scenario, self.world.plan_state().technicians)
        self.dates = working_dates(scenario, p.horizon_days)

    def day_of(self, wish: dt.date) -> int:
        """The working day ``wish`` is (0: the served day); ValueError naming what is allowed."""
        return day_of(self.dates, self.world.scenario, wish)

    def clock(self, day: int) -> DayClock:
        return DayClock(self.dates[day], self.world.scenario.time_zone)

    def _learned(self) -> Dispatcher:
        """The planner, knowing the chemistry today's planner has learned so far (ratings
        through the info links update it online)."""
        if hasattr(self.dispatcher, "chemistry"):
            chemistry = getattr(self.world.dispatcher, "chemistry", None)
            self.dispatcher.chemistry = chemistry
        return self.dispatcher

    def offers(self, job: JobRequest, first: int, limit: int) -> list[AheadOffer] | NoOffer:
        """Windows on later days from day ``first`` on, best first within each day."""
        s = self.world.scenario
        task = visit_task(s, quote_id(job), job.customer_id, job.job_type, job.x, job.y, (0, 0))
        windows = self.world.company.windows
        return self.ahead.offers(task, self._learned(), windows, job.available, first, limit)

    def book(
        self,
        visit_id: str,
        job: JobRequest,
        window: Window | None,
        first: int,
        request_id: str | None,
    ) -> tuple[int, Booking] | NoOffer:
        """Book ``job`` on day ``first`` in ``window`` (None: the planner's best window on
        the first day from ``first`` with room) and log it (``VisitBookedAhead``)."""
        day = first
        if window is None:
            ranked = self.offers(job, first, 1)
            if isinstance(ranked, NoOffer):
                return ranked
            day, best = ranked[0].day, ranked[0].offer
            window = (best.window_start, best.window_end)
        s = self.world.scenario
        task = visit_task(s, visit_id, job.customer_id, job.job_type, job.x, job.y, window)
        booked = self.ahead.book(task, self._learned(), day)
        if isinstance(booked, NoOffer):
            return booked
        clock = self.clock(day)
        self.world.emit(
            ev.VisitBookedAhead,
            visit_id=visit_id,
            customer_id=job.customer_id,
            job_type=job.job_type,
            skill=task.skill,
            priority=task.priority,
            channel=job.channel,
            x=job.x,
            y=job.y,
            date=self.dates[day].isoformat(),
            window_start=clock.at(window[0]),
            window_end=clock.at(window[1]),
            tentative_technician_id=booked.technician_id,
            expected_duration_min=task.duration_min,
            notify_channel=job.notify_channel,
            language=job.language,
            request_id=request_id,
        )
        return day, booked


def booking_ahead(world: World, booked: Mapping[int, int] | None = None) -> BookingAhead:
    """The desk for later days of ``world``'s served day, with a planner of the policy's
    own kind (apart from today's, whose caches hold today's plan); ``booked``: visits
    already booked on the later days (1: the next), a served period's book."""
    company = world.company
    planner = dispatcher_factory(world.scenario)(company.travel, company.break_rule)
    desk = BookingAhead(world, planner)
    desk.ahead.horizon.booked.update(booked or {})
    return desk


def write_booked_ahead(out_dir: Path, events: Iterable[ev.Event]) -> int:
    """The day's bookings for later days, one ``VisitBookedAhead`` JSON line each, in
    ``out_dir/booked_ahead.jsonl`` (written, empty, on a day without any); returns how
    many."""
    lines = ev.to_lines(e for e in events if isinstance(e, ev.VisitBookedAhead))
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / AHEAD_LOG).write_text("".join(x + "\n" for x in lines), encoding="utf-8")
    return len(lines)


def visit_ahead(e: ev.VisitBookedAhead, scenario: Scenario, seed: int) -> VisitSpec:
    """The visit a booking ahead becomes on its day (``twin serve --days``): booked before
    the day in its window, its hidden truths drawn from the visit's own stream (``keyed``),
    as for a booking of the day (:func:`twin.sim.outside.outside_spec`)."""
    clock = DayClock(dt.date.fromisoformat(e.date), scenario.time_zone)
    window = (clock.minutes(e.window_start), clock.minutes(e.window_end))
    job = JobRequest(
        e.customer_id,
        e.job_type,
        e.x,
        e.y,
        e.channel,
        window,
        e.language,
        e.notify_channel,
        e.request_id,
    )
    rng = keyed(seed, "outside", e.visit_id)
    return outside_spec(scenario, rng, e.visit_id, job, window, request_min=None)
