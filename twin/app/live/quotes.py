"""Offers priced beside the served day, not under its lock.

An offer changes nothing, so it need not wait for a tick or a booking to finish (a tick
of 200 technicians with the brain holds the day's lock for tens of milliseconds, a
booking until its log is on disk). Once offers are asked for, every change of the day (a
tick, a request) ends, still under the day's lock, with :meth:`Quotes.refresh`: a copy of
the plan state and of the book of later days as they now stand, shared by every offer
until the next change. An offer takes the latest copy without the lock and is priced on
it by a planner of the policy's own kind kept for offers (its caches are its own, and
offers are priced one at a time): the answer given on the day as it stood after its last
change, as before, without waiting for the change under way. The copy holds the same
visits, routes, technicians' states and incidents, so the answer is the one given on
the live plan (tested).
"""

from __future__ import annotations

import threading
from dataclasses import replace

from twin.app.wiring import dispatcher_factory
from twin.models.booking.ahead import Ahead, AheadOffer, LaterDay
from twin.models.booking.desk import visit_task
from twin.models.routing.dispatch import Dispatcher, NoOffer, SlotOffer
from twin.models.routing.plan import PlanState
from twin.sim import outside
from twin.sim.outside import quote_id
from twin.sim.world import World

Copies = tuple[PlanState, Ahead]  # the plan state and the book of later days, as of a change


def frozen_state(live: PlanState) -> PlanState:
    """A copy of ``live`` that later changes of the world do not reach (the technicians'
    specs, fixed for the day, are shared: the planner's index of them stays valid)."""
    return PlanState(
        live.now,
        live.technicians,
        dict(live.status),  # as seen at ``now`` (nobody free before it)
        dict(live.visits),
        dict(live.routes),
        dict(live.incidents),
    )


def frozen_ahead(ahead: Ahead) -> Ahead:
    """A copy of the book of later days that later bookings do not reach."""
    days = {d: LaterDay(dict(x.visits), dict(x.routes)) for d, x in ahead.days.items()}
    horizon = replace(ahead.horizon, booked=dict(ahead.horizon.booked))
    return Ahead(horizon, ahead.technicians, days)


class Quotes:
    """The served day's offers: a copy of its plan per change, priced off its lock."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.lock = threading.Lock()  # one offer at a time on the planner kept for offers
        self.planner: Dispatcher = dispatcher_factory(world.scenario)(
            world.travel, world.break_rule
        )
        self.asked = False  # copies are made once offers are asked for
        # the latest copies (replaced whole, read without the day's lock)
        self.copies: Copies | None = None

    def refresh(self, ahead: Ahead) -> None:
        """Copy the day's plan and its book of later days (under the day's lock, after a
        change of the day, once offers are asked for)."""
        self.copies = (frozen_state(self.world.plan_state()), frozen_ahead(ahead))

    def _planner(self) -> Dispatcher:
        if hasattr(self.planner, "chemistry"):  # what the day's planner learned of ratings
            self.planner.chemistry = getattr(self.world.dispatcher, "chemistry", None)
        return self.planner

    def today(
        self, state: PlanState, job: outside.JobRequest, limit: int
    ) -> list[SlotOffer] | NoOffer:
        with self.lock:
            s, windows = self.world.scenario, self.world.company.windows
            return outside.offers_in(s, windows, state, self._planner(), job, limit)

    def later(
        self, ahead: Ahead, job: outside.JobRequest, first: int, limit: int
    ) -> list[AheadOffer] | NoOffer:
        s = self.world.scenario
        task = visit_task(s, quote_id(job), job.customer_id, job.job_type, job.x, job.y, (0, 0))
        windows = self.world.company.windows
        with self.lock:
            return ahead.offers(task, self._planner(), windows, job.available, first, limit)
