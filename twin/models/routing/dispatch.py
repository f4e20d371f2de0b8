"""The dispatcher interface the world obeys, and the baseline dispatcher.

A dispatcher answers three questions, always from a read-only :class:`PlanState`:

* ``offers``: which promised windows can this request get (ranked, best first)?
* ``insert``: the customer chose a window — where does the visit go?
* ``repair``: something happened (sick technician, cancellation, delay) — which routes change?

Each returns *decisions* (offers, or new routes for the technicians whose route changes);
the world applies them. The baseline is what a conventional dispatcher does: cheapest
feasible insertion at booking time and no replanning during the day, except handing the
visits of a technician who called in sick to colleagues.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from twin.models.routing.insertion import (
    Befores,
    CandidateIndex,
    Insertion,
    InsertionWeights,
    TimelineCache,
    best_insertion,
    look_up,
    same_candidates,
    timeline_cache,
)
from twin.models.routing.plan import (
    BreakRule,
    PlanState,
    RoutesWith,
    VisitTask,
    with_window,
)
from twin.models.routing.travel import TravelModel

Routes = dict[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class SlotOffer:
    """A window the company can promise, with the technician it would plan and the cost."""

    window_start: float
    window_end: float
    technician_id: str
    cost: float
    late_risk: float = 0.0


@dataclass(frozen=True, slots=True)
class NoOffer:
    """An explicit refusal: why no window can be offered."""

    reason: str


class Dispatcher(Protocol):
    def offers(
        self, state: PlanState, request: VisitTask, windows: Sequence[tuple[float, float]]
    ) -> list[SlotOffer] | NoOffer: ...

    def insert(self, state: PlanState, visit: VisitTask) -> Routes | NoOffer: ...

    def repair(self, state: PlanState, reason: str, orphans: Sequence[str]) -> Routes: ...


@dataclass
class BaselineDispatcher:
    """Cheapest insertion at booking; no replanning except re-homing a sick colleague's visits."""

    travel: TravelModel
    brk: BreakRule
    weights: InsertionWeights = field(default_factory=InsertionWeights)
    reach: int = 8  # the nearest technicians with the skill a booking considers
    _index: CandidateIndex | None = field(default=None, init=False, repr=False)
    _cache: TimelineCache | None = field(default=None, init=False, repr=False)
    _offered: _Offered | None = field(default=None, init=False, repr=False)

    def _index_of(self, state: PlanState) -> CandidateIndex:
        if self._index is None or not self._index.valid_for(state):
            self._index = CandidateIndex.for_state(state)
        return self._index

    @property
    def _timelines(self) -> TimelineCache:
        """The candidates' timelines, kept between calls (:func:`timeline_cache`)."""
        if self._cache is None:
            self._cache = timeline_cache(self.travel, self.brk)
        return self._cache

    def _insertion(
        self,
        state: PlanState,
        visit: VisitTask,
        allow_late: bool = False,
        fallback: bool = False,
        befores: Befores | None = None,
    ) -> Insertion | None:
        """Bookings fill regular hours only; overtime is kept for re-homing and emergencies
        (``fallback``: on time in regular hours if possible, else late or in overtime)."""
        return best_insertion(
            state,
            visit,
            self.travel,
            self.brk,
            self.weights,
            candidates=self.reach,
            allow_late=allow_late,
            allow_overtime=allow_late,
            index=self._index_of(state),
            timelines=self._timelines,
            fallback=fallback,
            befores=befores,
        )

    def offers(
        self, state: PlanState, request: VisitTask, windows: Sequence[tuple[float, float]]
    ) -> list[SlotOffer] | NoOffer:
        if not any(request.skill in s.skills for s in state.technicians.values()):
            return NoOffer(f"no technician has skill {request.skill!r}")
        found = []
        # the same technicians and routes are priced in every window: looked up once
        befores = self._befores(state, request)
        offered = _Offered(state, befores, {})
        for ws, we in windows:
            if we <= state.now:
                continue
            cand = with_window(request, ws, we)
            ins = offered.searches[cand] = self._insertion(state, cand, befores=befores)
            if ins is not None:
                found.append(SlotOffer(ws, we, ins.technician_id, ins.cost))
        self._offered = offered
        if not found:
            return NoOffer("no feasible window left today")
        found.sort(key=lambda o: (o.cost, o.window_start, o.window_end - o.window_start))
        return found

    def _befores(self, state: PlanState, visit: VisitTask) -> Befores:
        index, cache = self._index_of(state), self._timelines
        return look_up(state, visit, self.travel, self.brk, self.reach, index, cache)

    def insert(self, state: PlanState, visit: VisitTask) -> Routes | NoOffer:
        """The cheapest position for ``visit`` in its window. A window the last ``offers``
        priced for this very visit and plan is not searched again (see :class:`_Offered`)."""
        offered, befores = self._offered, self._befores(state, visit)
        if (
            offered is not None
            and offered.state is state
            and visit in offered.searches
            and offered.unchanged(befores)
        ):
            ins = offered.searches[visit]
        else:
            ins = self._insertion(state, visit, befores=befores)
        if ins is None:
            return NoOffer("no feasible position for the chosen window")
        if not isinstance(befores, list):  # the compiled rows: noted, walked when applied
            rows: Any = befores
            rows.prime(state, ins.technician_id, ins.position, visit, ins.route)
        return {ins.technician_id: ins.route}

    def repair(self, state: PlanState, reason: str, orphans: Sequence[str]) -> Routes:
        """Re-insert ``orphans`` one by one (late allowed: a visit is better late than missed)."""
        routes: Routes = {}
        view = replace(state, routes=RoutesWith(state.routes, routes))  # sees each change
        for vid in orphans:
            ins = self._insertion(view, state.visits[vid], fallback=True)
            if ins is not None:
                routes[ins.technician_id] = ins.route
        return routes


@dataclass(frozen=True, slots=True)
class _Offered:
    """The searches of the last ``offers`` call: each window's cheapest insertion, and what
    they read of the plan (the candidates and their routes' timelines).

    A desk that books the best offer asks ``insert`` for the same visit in the same window
    right after (one search more per booking that missed its preferred window). The answer
    is reused only for the same ``PlanState`` object whose candidates are the same
    technicians with the very same timelines: a timeline is cached by the technician's
    state, route and the incidents (:func:`look_up`), so the same objects mean
    none of what the search reads has changed; a ``PlanState`` is a live view, so a plan
    changed in between gives other timelines and is searched again.
    """

    state: PlanState
    befores: Befores
    searches: dict[VisitTask, Insertion | None]

    def unchanged(self, befores: Befores) -> bool:
        return same_candidates(self.befores, befores)
