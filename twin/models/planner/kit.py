"""Planning with tools and spare parts: who can do a visit, when a depot stop pays, and a
reason for every visit that cannot be planned.

:func:`kit_refusals` checks the day before any search and refuses, with the reason, every
visit that no plan could serve: a skill no available technician has, a tool no such
technician carries and no depot holds, a part nobody with the skill stocks in enough
quantity and no depot holds, or a depot that holds what is missing but that no such
technician can reach and come home from within the shift.

:func:`plan_with_kit` plans the rest: cheapest insertion (hardest visits first; a visit is
tried on every technician with its skill at every position and, where the technician
lacks a tool or a part there, also with a stop at each depot that holds it at every
earlier position), then relocation passes that move one visit at a time to its cheapest
place and drop depot stops that no longer pay, and one more try for the visits that did
not fit, in the improved routes. A depot stop is therefore in a route only
when it is the cheapest way to serve a visit. Routes are timed and priced by
:func:`twin.models.planner.kit_walk.walk_cost`. Optionally the daily optimisation with
tools and parts in its PyVRP model (:func:`twin.models.planner.kit_vrp.optimise_kit_day`:
owners' tools or tools picked up at reloads, van stock as load, depots as reloads) plans
the day first (``time_limit_s``), or improves the insertion plan for an iteration budget
(``iterations``: reproducible; the better of the two plans is kept); insertion then places
what it left out. A visit that fits nowhere is
refused with that reason: nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from twin.models.planner.kit_walk import KitContext, walk_cost
from twin.models.planner.params import PlannerParams
from twin.models.routing.dispatch import Routes
from twin.models.routing.kit import Depot, check_quantities, depot_of, depot_stop
from twin.models.routing.plan import BreakRule, PlanState, TechnicianSpec, VisitTask
from twin.models.routing.travel import TravelModel


@dataclass(frozen=True, slots=True)
class KitPlan:
    """Routes (visit ids and depot stops) for every technician, and refused visits."""

    routes: Routes
    refused: Mapping[str, str]  # visit id -> why it cannot be planned


def validate_kit(state: PlanState, depots: Mapping[str, Depot]) -> None:
    """Refuse malformed input (counts, depot keys) with the field and the value."""
    for key, dep in depots.items():
        if key != dep.depot_id:
            msg = f"depots[{key!r}] holds depot_id {dep.depot_id!r}: keys must be the ids"
            raise ValueError(msg)
    for tid, spec in state.technicians.items():
        check_quantities(f"TechnicianSpec({tid!r})", "stock", spec.stock)
    for vid, v in state.visits.items():
        check_quantities(f"VisitTask({vid!r})", "parts", v.parts)


def _missing(spec: TechnicianSpec, v: VisitTask) -> tuple[frozenset[str], frozenset[str]]:
    """Tools and part types ``spec`` lacks for ``v`` with its own kit."""
    short = frozenset(p for p, n in v.parts.items() if spec.stock.get(p, 0) < n)
    return v.tools - spec.tools, short


def kit_refusals(ctx: KitContext) -> dict[str, str]:
    """Visits no plan can serve, each with the reason (see the module docstring)."""
    state = ctx.state
    techs = [t for t in sorted(state.technicians) if state.status[t].available]
    out: dict[str, str] = {}
    for vid in sorted(state.visits):
        v = state.visits[vid]
        skilled = [t for t in techs if v.skill in state.technicians[t].skills]
        if not skilled:
            out[vid] = f"needs skill {v.skill!r}: no available technician has it"
            continue
        reason = _kit_reason(ctx, v, skilled)
        if reason:
            out[vid] = reason
    return out


def _kit_reason(ctx: KitContext, v: VisitTask, skilled: list[str]) -> str:
    """Why no technician in ``skilled`` can get what ``v`` needs; '' if one can."""
    specs = [ctx.state.technicians[t] for t in skilled]
    depots = [ctx.depots[d] for d in sorted(ctx.depots)]
    for tool in sorted(v.tools):
        if not any(tool in s.tools for s in specs) and not any(tool in d.tools for d in depots):
            return (
                f"needs tool {tool!r}: no technician with skill {v.skill!r} carries it "
                "and no depot holds it"
            )
    for part, n in sorted(v.parts.items()):
        if not any(s.stock.get(part, 0) >= n for s in specs) and not any(
            part in d.parts for d in depots
        ):
            most = max(s.stock.get(part, 0) for s in specs)
            return (
                f"needs {n} x part {part!r}: no van with skill {v.skill!r} holds that many "
                f"(most: {most}) and no depot holds it"
            )
    needing_depot = []
    for tid, spec in zip(skilled, specs, strict=True):
        tools, parts = _missing(spec, v)
        if not tools and not parts:
            return ""
        needing_depot.append((tid, tools, parts))
    for tid, tools, parts in needing_depot:
        if any(tools <= d.tools and parts <= d.parts and _reachable(ctx, tid, d) for d in depots):
            return ""
    what = sorted({*needing_depot[0][1], *needing_depot[0][2]})
    if not depots:
        return (
            f"needs tools {sorted(v.tools)} and parts {dict(sorted(v.parts.items()))}: no "
            f"technician with skill {v.skill!r} has all of them, and there is no depot"
        )
    return (
        f"needs {what} from a depot, but no depot that holds all of it is reachable within "
        f"the shift (there and home by the max end) of any technician with skill {v.skill!r}"
    )


def _reachable(ctx: KitContext, tid: str, dep: Depot) -> bool:
    spec, st = ctx.state.technicians[tid], ctx.state.status[tid]
    there = st.free_at + ctx.minutes(st.x, st.y, dep.x, dep.y, st.free_at) + dep.service_min
    home = there + ctx.minutes(dep.x, dep.y, spec.home_x, spec.home_y, there)
    return home <= ctx.max_end(spec)


Insertion = tuple[float, str, tuple[str, ...]]  # (cost increase, technician, new route)


def plan_with_kit(
    state: PlanState,
    depots: Mapping[str, Depot],
    travel: TravelModel,
    brk: BreakRule,
    params: PlannerParams,
    *,
    seed: int = 0,
    time_limit_s: float | None = None,
    iterations: int | None = None,
    passes: int = 4,
) -> KitPlan:
    """Routes for ``state`` with tools, parts and depot stops; refused visits with reasons.

    ``time_limit_s`` alone first plans the day with the daily optimisation (PyVRP with
    tools and parts, ``seed``) and inserts the rest. ``iterations`` instead runs that
    optimisation for this many iterations *from the insertion plan* (``time_limit_s`` then
    only its wall-clock cap, default 60 s), inserts what it left out and keeps the better
    plan of the two (fewer refused, then cheaper). ``passes`` bounds the relocation passes.
    Deterministic: the same input gives the same plan.
    """
    validate_kit(state, depots)
    ctx = KitContext(state, dict(depots), travel, brk, params)
    refused = kit_refusals(ctx)
    todo = [v for v in sorted(state.visits) if v not in refused]
    start: Mapping[str, tuple[str, ...]] = {}
    if time_limit_s is not None and iterations is None:
        start = _seed_routes(ctx, todo, seed, time_limit_s)
    routes, left = _plan(ctx, todo, start, passes)
    if iterations is not None:
        cap = 60.0 if time_limit_s is None else time_limit_s
        start = _seed_routes(ctx, todo, seed, cap, iterations=iterations, initial=routes)
        routes2, left2 = _plan(ctx, todo, start, passes)
        if (len(left2), _total(ctx, routes2)) < (len(left), _total(ctx, routes)):
            routes, left = routes2, left2
    for vid in left:
        refused[vid] = (
            "fits no route: every technician who could serve it would be late, "
            "home after the max end, or short of a tool or part"
        )
    return KitPlan(routes, dict(sorted(refused.items())))


def _plan(
    ctx: KitContext, todo: list[str], start: Mapping[str, tuple[str, ...]], passes: int
) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """``start`` routes (those that break no rule), the rest of ``todo`` inserted, the
    routes improved; the routes and the visits that fit nowhere."""
    state = ctx.state
    techs = [t for t in sorted(state.technicians) if state.status[t].available]
    routes: dict[str, tuple[str, ...]] = {t: () for t in state.technicians}
    routes.update(start)
    costs = {t: walk_cost(ctx, t, routes[t]) for t in techs}
    for t in techs:
        if routes[t] and costs[t] is None:  # the solver's route breaks a hard rule here
            routes[t] = ()
            costs[t] = walk_cost(ctx, t, ())
    placed = {v for r in routes.values() for v in r}
    vis = state.visits
    order = sorted(
        (v for v in todo if v not in placed),
        key=lambda v: (-vis[v].priority, vis[v].window_end - vis[v].window_start, v),
    )
    left = _insert_all(ctx, routes, costs, techs, order)
    for _ in range(2):  # the improved routes may have room for what did not fit before
        for _ in range(passes):
            if not _improve(ctx, routes, costs, techs):
                break
        if not left:
            break
        left = _insert_all(ctx, routes, costs, techs, left)
    return routes, left


def _total(ctx: KitContext, routes: Mapping[str, tuple[str, ...]]) -> float:
    """The plan's cost (every route of it breaks no rule)."""
    state = ctx.state
    return sum(
        walk_cost(ctx, t, routes[t]) or 0.0
        for t in sorted(state.technicians)
        if state.status[t].available
    )


def _insert_all(
    ctx: KitContext,
    routes: dict[str, tuple[str, ...]],
    costs: dict[str, float | None],
    techs: list[str],
    order: list[str],
) -> list[str]:
    """Insert ``order`` one by one at the cheapest place; the visits that fit nowhere."""
    left = []
    for vid in order:
        best = _best_insertion(ctx, routes, costs, techs, vid)
        if best is None:
            left.append(vid)
            continue
        _, tid, route = best
        routes[tid] = route
        costs[tid] = walk_cost(ctx, tid, route)
    return left


def _seed_routes(
    ctx: KitContext,
    todo: list[str],
    seed: int,
    time_limit_s: float,
    *,
    iterations: int | None = None,
    initial: Mapping[str, tuple[str, ...]] | None = None,
) -> dict[str, tuple[str, ...]]:
    """The daily optimisation's routes, with tools, parts and depot stops in its PyVRP
    model (:mod:`twin.models.planner.kit_vrp`); what it leaves out is inserted after."""
    from twin.models.planner.kit_vrp import optimise_kit_day

    visits = {v: ctx.state.visits[v] for v in todo}
    if not visits:
        return {}
    sub = replace(ctx.state, visits=visits, routes={t: () for t in ctx.state.technicians})
    got = optimise_kit_day(
        sub, ctx.depots, ctx.travel, ctx.brk, ctx.params, seed, time_limit_s,
        max_iterations=iterations, initial=initial,
    )  # fmt: skip
    return dict(got.routes)


def _best_insertion(
    ctx: KitContext,
    routes: Mapping[str, tuple[str, ...]],
    costs: Mapping[str, float | None],
    techs: list[str],
    vid: str,
) -> Insertion | None:
    """The cheapest feasible place for ``vid``, with a depot stop where one is needed."""
    v = ctx.state.visits[vid]
    useful = [
        depot_stop(d)
        for d in sorted(ctx.depots)
        if v.tools & ctx.depots[d].tools or set(v.parts) & ctx.depots[d].parts
    ]
    best: Insertion | None = None
    for tid in techs:
        base = costs[tid]
        if base is None or v.skill not in ctx.state.technicians[tid].skills:
            continue
        r = routes[tid]
        plain = [(*r[:p], vid, *r[p:]) for p in range(len(r) + 1)]
        found = _cheapest(ctx, tid, base, plain)
        if found is None and useful:
            found = _cheapest(
                ctx,
                tid,
                base,
                [
                    (*r[:q], stop, *r[q:p], vid, *r[p:])
                    for stop in useful
                    for p in range(len(r) + 1)
                    for q in range(p + 1)
                ],
            )
        if found is not None and (best is None or found < best):
            best = found
    return best


def _cheapest(
    ctx: KitContext, tid: str, base: float, candidates: list[tuple[str, ...]]
) -> Insertion | None:
    best: Insertion | None = None
    for cand in candidates:
        c = walk_cost(ctx, tid, cand)
        if c is not None and (best is None or (c - base, tid, cand) < best):
            best = (c - base, tid, cand)
    return best


def _improve(
    ctx: KitContext,
    routes: dict[str, tuple[str, ...]],
    costs: dict[str, float | None],
    techs: list[str],
) -> bool:
    """One pass: drop depot stops that do not pay, then relocate each visit; improved?"""
    improved = False
    for tid in techs:
        i = 0
        while i < len(routes[tid]):
            r = routes[tid]
            if depot_of(r[i]) is not None:
                cut = r[:i] + r[i + 1 :]
                c, base = walk_cost(ctx, tid, cut), costs[tid]
                if c is not None and base is not None and c < base - 1e-9:
                    routes[tid], costs[tid] = cut, c
                    improved = True
                    continue
            i += 1
    where = {v: t for t in techs for v in routes[t] if depot_of(v) is None}
    for vid in sorted(where):
        tid = where[vid]
        r, base = routes[tid], costs[tid]
        rest = tuple(e for e in r if e != vid)
        c_rest = walk_cost(ctx, tid, rest)
        if c_rest is None or base is None:
            continue
        routes[tid], costs[tid] = rest, c_rest
        best = _best_insertion(ctx, routes, costs, techs, vid)
        if best is not None and best[0] < base - c_rest - 1e-9:
            _, to, route = best
            routes[to], costs[to] = route, walk_cost(ctx, to, route)
            where[vid] = to
            improved = True
        else:
            routes[tid], costs[tid] = r, base
    return improved
