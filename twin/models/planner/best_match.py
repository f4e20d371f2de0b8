"""Best match: after the daily plan, hand regular customers to the technicians they get on with.

The daily solve (PyVRP, :mod:`.static`) cannot see the chemistry bonus, and the repair
after it only touches routes that are late or overlong, so the day's plan ignores who gets
on with whom. This step runs after it, on the whole plan, and moves only visits whose
customer has a *better-matched* technician nearby:

* for each movable visit ``u`` on technician ``a``, the ``candidates`` skilled, available
  technicians whose routes pass closest to it with ``bonus(c, b) > bonus(c, a)`` are
  tried, the largest chemistry gain first;
* two moves per candidate ``b``: *relocate* ``u`` to its cheapest position in ``b``'s route,
  and *exchange* ``u`` with a visit ``w`` of ``b`` (each takes the other's place);
* the best move for ``u`` is applied if it lowers the planner's objective (travel,
  lateness, overtime, balance, **minus** ``best_match`` × the chemistry bonus; see
  :mod:`.evaluate`), keeps both routes feasible, adds no visit planned late, and still
  lowers it once the *risk* of the two routes is added (:func:`route_risk`).

So every applied move pays for its extra driving or overtime with chemistry, in the
objective's minute-equivalents, and the objective never rises. The risk term is there
because the objective plans with expected durations: a move that only fills the slack of a
route costs nothing in it, yet makes the real day late more often. :func:`route_risk` prices
what the uncertain durations and legs add to a route's expected cost: ``late_visit`` ×
P(late) + ``lateness`` × E[late minutes] per visit, and ``missed`` × P(the route overruns
the effective max end, where the world drops its last visit), each above what the
expected-duration plan already charges, from a normal approximation of the start times
(variances of durations as in :mod:`.offers`, legs with a CV of ``LEG_CV``; waiting
absorbs delay minute for minute).

Passes repeat until nothing improves or the budget of route evaluations is spent; the order
is fixed (largest possible gain, then visit id), so the same plan gives the same result.
The moves leave detours behind, so the repair search may then tidy the routes they touched
(``polish_evaluations``; same objective, so it keeps a match unless dropping it pays).
With ``best_match`` 0 or no bonus the step is a no-op.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, replace

from twin.models.planner.evaluate import Evaluator, Walk
from twin.models.planner.offers import Quantiles, duration_variance, late_risk
from twin.models.planner.repair import nearest_technicians, repair_plan
from twin.models.routing.dispatch import Routes

EPS = 1e-6
LEG_CV = 0.25  # travel-time noise the planner assumes (REALITY.md: leg time CV 0.25)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def route_risk(
    ev: Evaluator,
    tid: str,
    walk: Walk,
    quantiles: Quantiles | None = None,
    leg_cv: float = LEG_CV,
) -> float:
    """Expected cost that uncertain durations and legs add to ``walk`` (see module doc)."""
    p = ev.params
    visits = ev.visits
    var = 0.0
    cost = 0.0
    for i, vid in enumerate(walk.route):
        v = visits[vid]
        leg = walk.cum_travel[i + 1] - walk.cum_travel[i]
        var += (leg_cv * leg) ** 2
        t = walk.before_t[i]
        if walk.before_break[i] and not walk.before_break[i + 1]:
            t += ev.brk.length_min  # the break was taken before this leg
        start = walk.starts[i]
        wait = start - (t + leg)
        if wait > 0 and var > 0:
            sd = max(0.0, math.sqrt(var) - wait)
            var = sd * sd
        if var > 0:
            sd = math.sqrt(var)
            slack = v.window_end - start
            p_late = late_risk(slack, var)
            e_late = sd * _INV_SQRT_2PI * math.exp(-0.5 * (slack / sd) ** 2) - slack * p_late
            cost += p.late_visit * (p_late - (slack < 0)) + p.lateness * (e_late - max(0.0, -slack))
        var += duration_variance(v, quantiles)
    if walk.route and var > 0:
        slack = ev.max_end(ev.state.technicians[tid]) - walk.end
        cost += p.missed * (late_risk(slack, var) - (slack < 0))
    return cost


@dataclass(frozen=True, slots=True)
class BestMatchResult:
    """Changed routes, moves applied, the plan objective and total bonus before and after."""

    routes: Routes
    moves: int
    cost_before: float
    cost_after: float
    bonus_before: float
    bonus_after: float
    evaluations: int


@dataclass(frozen=True, slots=True)
class _Move:
    delta: float  # objective + risk
    walks: tuple[tuple[str, Walk, float], ...]  # technician, new walk, its risk


class _Matcher:
    """Mutable search state of one call (routes, their walks, where each visit is)."""

    def __init__(
        self,
        ev: Evaluator,
        pinned: Collection[str],
        candidates: int,
        max_evals: int,
        quantiles: Quantiles | None,
    ) -> None:
        state = ev.state
        self.ev = ev
        self.pinned = pinned
        self.candidates = candidates
        self.max_evals = max_evals
        self.quantiles = quantiles
        self.evals = 0
        self.routes = {t: tuple(state.routes.get(t, ())) for t in state.technicians}
        self.walks = {t: ev.walk(t, r) for t, r in self.routes.items()}
        self.risk = {t: self._risk(t, w) for t, w in self.walks.items()}
        self.where = {v: t for t, r in self.routes.items() for v in r}

    def _risk(self, tid: str, walk: Walk) -> float:
        return route_risk(self.ev, tid, walk, self.quantiles)

    def bonus(self, vid: str, tid: str) -> float:
        assert self.ev.bonus is not None
        return self.ev.bonus(self.ev.visits[vid].customer_id, tid)

    def _walk(self, tid: str, route: tuple[str, ...]) -> Walk:
        self.evals += 1
        return self.ev.rewalk(tid, self.walks[tid], route)

    def _ok(self, tid: str, new: Walk) -> bool:
        return self.ev.feasible(tid, new) or not self.ev.feasible(tid, self.walks[tid])

    def _pair(
        self, a: str, ra: tuple[str, ...], b: str, rb: tuple[str, ...], best: _Move | None
    ) -> _Move | None:
        """``best`` or the (a, b) change to ``ra``/``rb`` if it is better, feasible, no later."""
        if self.evals >= self.max_evals:
            return best
        old_a, old_b = self.walks[a], self.walks[b]
        wa = self._walk(a, ra)
        if not self._ok(a, wa):
            return best
        wb = self._walk(b, rb)
        if not self._ok(b, wb) or wa.n_late + wb.n_late > old_a.n_late + old_b.n_late:
            return best
        delta = wa.cost + wb.cost - old_a.cost - old_b.cost
        if delta >= -EPS:
            return best
        ka, kb = self._risk(a, wa), self._risk(b, wb)
        delta += ka + kb - self.risk[a] - self.risk[b]
        if delta < -EPS and (best is None or delta < best.delta):
            return _Move(delta, ((a, wa, ka), (b, wb, kb)))
        return best

    def targets(self, u: str) -> list[str]:
        """Candidate technicians for ``u`` with a higher bonus than its own, best first."""
        a = self.where[u]
        v = self.ev.visits[u]
        near = nearest_technicians(self.ev, self.routes, v.x, v.y, v.skill, self.candidates)
        own = self.bonus(u, a)
        gains = [(self.bonus(u, b) - own, b) for b in near if b != a]
        return [b for g, b in sorted(gains, key=lambda x: (-x[0], x[1])) if g > EPS]

    def improve(self, u: str) -> bool:
        """Apply the best improving relocation or exchange of ``u``; False if none."""
        a = self.where[u]
        ra = self.routes[a]
        i = ra.index(u)
        without_u = ra[:i] + ra[i + 1 :]
        skills_a = self.ev.state.technicians[a].skills
        best: _Move | None = None
        for b in self.targets(u):
            rb = self.routes[b]
            for pos in range(len(rb) + 1):
                best = self._pair(a, without_u, b, (*rb[:pos], u, *rb[pos:]), best)
            for j, w in enumerate(rb):
                if w in self.pinned or self.ev.visits[w].skill not in skills_a:
                    continue
                best = self._pair(
                    a, (*ra[:i], w, *ra[i + 1 :]), b, (*rb[:j], u, *rb[j + 1 :]), best
                )
        if best is None:
            return False
        for tid, walk, risk in best.walks:
            self.walks[tid] = walk
            self.risk[tid] = risk
            self.routes[tid] = walk.route
            for v in walk.route:
                self.where[v] = tid
        return True

    def potential(self, u: str) -> float:
        """The largest bonus gain ``u`` could get from any other available, skilled technician."""
        a = self.where[u]
        state = self.ev.state
        skill = self.ev.visits[u].skill
        own = self.bonus(u, a)
        gains = [
            self.bonus(u, b) - own
            for b, spec in state.technicians.items()
            if b != a and skill in spec.skills and state.status[b].available
        ]
        return max(gains, default=0.0)


def best_match(
    ev: Evaluator,
    *,
    pinned: Collection[str] = frozenset(),
    candidates: int | None = None,
    max_evaluations: int = 20_000,
    max_passes: int = 3,
    polish_evaluations: int = 0,
    quantiles: Quantiles | None = None,
) -> BestMatchResult:
    """Move visits towards better-matched technicians where the bonus outweighs the cost.

    ``ev`` is bound to the planned state (``ev.state.routes``) and prices the bonus
    (``ev.bonus`` set, ``ev.params.best_match > 0``); otherwise nothing changes. Pinned
    visits stay where they are; ``quantiles`` (p50, p90 of durations, as for offers) set the
    duration variances of the risk term. ``polish_evaluations`` > 0 runs the repair search
    (:func:`.repair.repair_plan`, that many route evaluations) on the changed routes and
    their neighbours afterwards. Returns only the routes that changed.
    """
    if max_evaluations < 0 or max_passes < 0:
        msg = f"max_evaluations and max_passes must be >= 0, got {max_evaluations}, {max_passes}"
        raise ValueError(msg)
    if ev.bonus is None or ev.params.best_match <= 0:
        cost = sum(ev.walk(t, r).cost for t, r in ev.state.routes.items())
        return BestMatchResult({}, 0, cost, cost, 0.0, 0.0, 0)
    m = _Matcher(ev, pinned, candidates or ev.params.candidates, max_evaluations, quantiles)
    bonus_before = _total_bonus(m)
    cost_before = sum(w.cost for w in m.walks.values())
    moves = 0
    for _ in range(max_passes):
        order = [(g, u) for u in sorted(m.where) if u not in pinned and (g := m.potential(u)) > EPS]
        order.sort(key=lambda x: (-x[0], x[1]))
        moved = sum(1 for _g, u in order if m.evals < max_evaluations and m.improve(u))
        moves += moved
        if not moved or m.evals >= max_evaluations:
            break
    evals = m.evals
    if moves and polish_evaluations > 0:
        evals += _polish(m, pinned, polish_evaluations)
    original = {t: tuple(ev.state.routes.get(t, ())) for t in ev.state.technicians}
    return BestMatchResult(
        {t: r for t, r in m.routes.items() if r != original[t]},
        moves,
        cost_before,
        sum(w.cost for w in m.walks.values()),
        bonus_before,
        _total_bonus(m),
        evals,
    )


def _polish(m: _Matcher, pinned: Collection[str], evaluations: int) -> int:
    """Tidy the routes the moves touched with the repair search; its evaluations.

    The moves leave detours behind; the repair search optimises the same objective (bonus
    included), so it keeps a match unless dropping it pays.
    """
    ev = m.ev
    state = ev.state
    touched = {t for t, r in m.routes.items() if r != tuple(state.routes.get(t, ()))}
    after = replace(state, routes=dict(m.routes))
    ev.rebind(after)
    try:
        tidy = repair_plan(
            after,
            ev.travel,
            ev.brk,
            ev.params,
            pinned=pinned,
            disturbed=touched,
            evaluator=ev,
            evaluations=evaluations,
            budget_ms=1e9,  # the evaluation count is the budget: reproducible
        )
    finally:
        ev.rebind(state)
    for tid, route in tidy.routes.items():
        m.routes[tid] = route
        m.walks[tid] = ev.walk(tid, route)
    m.where = {v: t for t, r in m.routes.items() for v in r}
    return tidy.evaluations


def _total_bonus(m: _Matcher) -> float:
    return sum(m.bonus(v, t) for v, t in m.where.items())
