"""Departures: when technicians paid by the hour leave home, as the planner chose.

A company that pays by the hour (``policy.pay = "hour"``) pays a technician from the moment
they leave home. The planner (a dispatcher with a ``departures`` method, PowerOpt) chooses
that moment as late as the route allows; the world keeps it per technician, recomputes it
whenever a route changes, and publishes it with the plan (``Route.depart_at``). A plan from
the brain may carry its own. Paid by the shift, nothing is kept: technicians leave as soon
as their shift starts, as always.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from twin import events as ev
from twin.clock import DayClock
from twin.models.routing.plan import PlanState


class Departures:
    """The planned departure of each technician paid by the hour (minutes of the day)."""

    def __init__(self, pay: str, dispatcher: Any, clock: DayClock) -> None:
        plan = getattr(dispatcher, "departures", None)
        self._plan: Callable[[PlanState, list[str]], Mapping[str, float]] | None = (
            plan if pay == "hour" and callable(plan) else None
        )
        self._clock = clock
        self._at: dict[str, float] = {}

    def replan(self, state: Callable[[], PlanState], technicians: Iterable[str]) -> None:
        """The planner's departures for ``technicians``, whose routes just changed."""
        if self._plan is None:
            return
        tids = list(technicians)
        for tid in tids:
            self._at.pop(tid, None)
        self._at.update(self._plan(state(), tids))

    def adopt(self, plan: ev.PlanPublished, technicians: Collection[str]) -> None:
        """The departures published with ``plan`` (the brain's) for ``technicians``."""
        for r in plan.routes:
            if r.depart_at is not None and r.technician_id in technicians:
                self._at[r.technician_id] = self._clock.minutes(r.depart_at)

    def at(self, tid: str) -> float | None:
        """When ``tid`` leaves home (``None``: as soon as free)."""
        return self._at.get(tid)

    def on_wire(self, routes: Mapping[str, Sequence[str]], now: float) -> tuple[ev.Route, ...]:
        """The routes of a plan published at ``now``, by technician, each with its departure
        if that is still to come (else ``depart_at`` is ``None``)."""
        return tuple(
            ev.Route(technician_id=t, visit_ids=tuple(r), depart_at=self._wire(t, now))
            for t, r in sorted(routes.items())
        )

    def _wire(self, tid: str, now: float) -> datetime | None:
        at = self._at.get(tid)
        return None if at is None or at <= now else self._clock.at(at)
