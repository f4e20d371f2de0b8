"""PowerOpt: the planner behind the :class:`~twin.models.dispatch.Dispatcher` protocol.

``offers`` ranks windows (:mod:`.offers`), ``insert`` places a booked visit at its cheapest
feasible position (then tidies the routes around it), ``repair`` repairs the plan locally
(:mod:`.repair`) and ``plan_day`` runs the daily optimisation (:mod:`.static`) followed,
when ``params.best_match > 0``, by the best-match step (:mod:`.best_match`). One
:class:`Evaluator` is kept between calls so route timings of technicians whose state and
route did not change are reused (the cache is the only mutable part, and it never changes
an answer). The chemistry index enters as a soft bonus weighted by ``best_match``: in
insertion, offers and repair through the evaluator's objective, and in the daily plan
through the best-match step (PyVRP itself cannot see it).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace

from twin.models.planner.best_match import best_match
from twin.models.planner.chemistry import ChemistryIndex, Rating
from twin.models.planner.chemistry import update as update_chemistry
from twin.models.planner.evaluate import Evaluator
from twin.models.planner.offers import Quantiles, slot_offers
from twin.models.planner.params import PlannerParams
from twin.models.planner.repair import cheapest_insertion, nearest_technicians, repair_plan
from twin.models.planner.static import optimise_day
from twin.models.routing.dispatch import NoOffer, Routes, SlotOffer
from twin.models.routing.plan import BreakRule, PlanState, VisitTask
from twin.models.routing.travel import TravelModel

log = logging.getLogger(__name__)


@dataclass(slots=True)
class PowerOptDispatcher:
    """Offers, insertion, repair and daily optimisation with one set of weights."""

    travel: TravelModel
    brk: BreakRule
    params: PlannerParams = field(default_factory=PlannerParams)
    chemistry: ChemistryIndex | None = None
    quantiles: Quantiles | None = None
    time_limit_s: float = 10.0
    pinned: Collection[str] = frozenset()
    best_match_step: bool = True  # run the best-match step after the daily solve
    max_iterations: int | None = None  # caps the daily solve: reproducible (benchmarks)
    _ev: Evaluator | None = field(default=None, repr=False)
    _ev_chemistry: ChemistryIndex | None = field(default=None, repr=False)

    def learn(self, customer_id: str, technician_id: str, stars: float) -> None:
        """Fold a customer's rating into the chemistry index online (when the planner
        matches by chemistry): the next offer or repair prices the pair with it."""
        if self.chemistry is not None:
            rating = Rating(customer_id, technician_id, float(stars))
            self.chemistry = update_chemistry(self.chemistry, rating)

    def evaluator(self, state: PlanState) -> Evaluator:
        """The shared evaluator, bound to ``state`` (caches kept where still valid)."""
        if self._ev is None or self._ev_chemistry is not self.chemistry:
            bonus = self.chemistry.bonus if self.chemistry is not None else None
            self._ev = Evaluator(state, self.travel, self.brk, self.params, bonus=bonus)
            self._ev_chemistry = self.chemistry
        else:
            self._ev.rebind(state)
        return self._ev

    def offers(
        self, state: PlanState, request: VisitTask, windows: Sequence[tuple[float, float]]
    ) -> list[SlotOffer] | NoOffer:
        return slot_offers(self.evaluator(state), request, windows, quantiles=self.quantiles)

    def insert(self, state: PlanState, visit: VisitTask) -> Routes | NoOffer:
        visits = {**state.visits, visit.visit_id: visit}
        view = replace(state, visits=visits)
        ev = self.evaluator(view)
        cands = nearest_technicians(
            ev, state.routes, visit.x, visit.y, visit.skill, self.params.candidates
        )
        if not cands:
            return NoOffer(f"no available technician has skill {visit.skill!r}")
        found = cheapest_insertion(ev, state.routes, visit.visit_id, cands)
        if found is None:
            return NoOffer("no feasible position for the chosen window")
        _, tid, walk = found
        if walk.n_late > ev.walk(tid, tuple(state.routes.get(tid, ()))).n_late:
            return NoOffer("the chosen window can no longer be kept")
        return {tid: walk.route}

    def repair(self, state: PlanState, reason: str, orphans: Sequence[str]) -> Routes:
        """Local repair; ``reason`` is informational (every disturbance is detected)."""
        res = repair_plan(
            state,
            self.travel,
            self.brk,
            self.params,
            orphans,
            pinned=self.pinned,
            evaluator=self.evaluator(state),
        )
        return res.routes

    def departures(self, state: PlanState, technicians: Sequence[str]) -> dict[str, float]:
        """Paid by the hour: when each of ``technicians`` leaves home for their route in
        ``state``, where that is later than when they are free (see :mod:`.paid`)."""
        if self.params.pay != "hour" or not self.params.paid_time:
            return {}
        ev = self.evaluator(state)
        out = {}
        for tid in technicians:
            route = tuple(state.routes.get(tid, ()))
            st = state.status[tid]
            if route and st.available:
                at = ev.departure(tid, ev.walk(tid, route))
                if at > st.free_at:
                    out[tid] = at
        return out

    def plan_day(self, state: PlanState, seed: int) -> Routes:
        bonus = self.chemistry.bonus if self.chemistry is not None else None
        routes = optimise_day(
            state,
            self.travel,
            self.brk,
            self.params,
            seed,
            self.time_limit_s,
            bonus=bonus,
            max_iterations=self.max_iterations,
        )
        if not (self.best_match_step and bonus is not None and self.params.best_match > 0):
            return routes
        ev = self.evaluator(replace(state, routes=routes))
        found = best_match(
            ev,
            pinned=self.pinned,
            polish_evaluations=20 * self.params.repair_evaluations,
            quantiles=self.quantiles,
        )
        log.debug(
            "best match: %d moves, objective %.1f -> %.1f, bonus %.2f -> %.2f",
            found.moves,
            found.cost_before,
            found.cost_after,
            found.bonus_before,
            found.bonus_after,
        )
        return {**routes, **found.routes}
