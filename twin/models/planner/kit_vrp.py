"""PowerOpt's daily optimisation with tools and spare parts: the day as one PyVRP problem.

The kit planner (:mod:`twin.models.planner.kit`) inserts visits one by one; here the
daily optimisation itself plans with tools and parts, on top of the translation of
:mod:`twin.models.planner.translate` (windows, shifts, overtime, paid time, the break's
reserve and conservative rounding of static travel are the same; the vehicle types are
:func:`twin.models.planner.translate.vehicle_type`'s):

* **Tools → pick-ups or allowed vehicles.** A tool that every reload depot holds is a
  load dimension (a visit needing it delivers 1; its capacity is the day's visits needing
  it): its owners start with all of it, everybody else with none, and a reload (where the
  tool is picked up, and kept: every later reload holds it too) gives all of it. Any
  other tool bars: technicians are grouped by skills *and* such tools; in a group's
  routing profile every edge into a visit whose skill or tools the group lacks is
  prohibitive, so only a technician who owns it serves the visit (a depot that holds it
  but is no reload is left to the kit planner's insertion).
* **Parts → load dimensions.** One per part type; a visit delivers what it is known to
  need. A dimension's capacity is the day's total need (at least 1) and the van's stock
  enters as ``initial_load = capacity - stock``: the first trip, from where the
  technician is free, uses no more than the van holds.
* **Restocking → reload depots.** Every depot that holds all the part types is a reload
  depot, its stop time the service duration. A reload drops the initial load, so the
  trips after it may use up to the capacity: a depot stop refills the van to what the
  visits ahead need (:mod:`twin.models.routing.kit`). A depot missing a type is left out.
* Every visit is optional here, with the prize of a missed one: PyVRP leaves out what
  it cannot serve, and each visit left out is refused with the reason.

:func:`optimise_kit_day` translates, solves (for an iteration budget: the same seed gives
the same plan; optionally from given routes, e.g. the kit planner's insertion) and reads
the routes back with a depot stop (:func:`~twin.models.routing.kit.depot_stop`) where
PyVRP reloads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pyvrp

from twin.models.planner.budget import solve_budgeted
from twin.models.planner.matrix import EuclideanTravel, minutes_matrix, planning_pace
from twin.models.planner.params import PlannerParams
from twin.models.planner.translate import PROHIBITIVE, SAFE_EPS, Pricing, _scaled, vehicle_type
from twin.models.routing.kit import Depot, depot_of, depot_stop
from twin.models.routing.plan import BreakRule, PlanState
from twin.models.routing.travel import TravelModel

LEFT_OUT = "the daily optimisation with tools and parts could not place it on any route"


class KitRoutes(NamedTuple):
    """Routes (visit ids and depot stops) for every technician, and refused visits (as
    :class:`twin.models.planner.kit.KitPlan`, which builds on this module)."""

    routes: dict[str, tuple[str, ...]]
    refused: dict[str, str]


@dataclass(frozen=True, slots=True)
class _Kind:
    """What makes technicians interchangeable here: place, times, skills, tools, stock."""

    start: tuple[float, float]
    home: tuple[float, float]
    free_at: float
    shift_end: float
    max_end: float
    no_break: bool
    skills: frozenset[str]
    tools: frozenset[str]
    stock: tuple[int, ...]  # per part type, in the problem's order


@dataclass(frozen=True, slots=True)
class KitProblem:
    """The translated day and how to read PyVRP's answer back (``data`` None: nothing)."""

    data: pyvrp.ProblemData | None
    technicians: tuple[str, ...]
    visits: tuple[str, ...]  # client i is visit ``visits[i]``
    members: tuple[tuple[str, ...], ...]  # technicians of vehicle type k
    reloads: Mapping[int, str]  # PyVRP depot index -> our depot id


def build_kit_problem(
    state: PlanState,
    depots: Mapping[str, Depot],
    travel: TravelModel,
    brk: BreakRule,
    params: PlannerParams,
) -> KitProblem:
    """Translate ``state`` with its tools, parts and depots (see the module docstring)."""
    techs = [t for t in sorted(state.technicians) if state.status[t].available]
    vids = sorted(state.visits)
    if not vids or not techs:
        return KitProblem(None, tuple(state.technicians), tuple(vids), (), {})
    types = sorted(
        {p for v in vids for p in state.visits[v].parts}
        | {p for t in techs for p in state.technicians[t].stock}
    )
    held = [d for d in sorted(depots) if set(types) <= depots[d].parts]
    picked = _picked_tools(state, vids, [depots[d] for d in held])
    dims = [*types, *picked]  # load dimensions: part types, then tools picked up at reloads
    need = [max(1, sum(state.visits[v].parts.get(p, 0) for v in vids)) for p in types]
    need += [sum(t in state.visits[v].tools for v in vids) for t in picked]
    kinds = _kinds(
        state, techs, types, dict(zip(picked, need[len(types) :], strict=True)), brk, params
    )
    places: dict[tuple[float, float], int] = {}
    for k in kinds:
        places.setdefault(k.start, len(places))
        places.setdefault(k.home, len(places))
    reload_ids = held if dims else []
    reloads = {len(places) + i: d for i, d in enumerate(reload_ids)}
    xy = np.array(
        [
            *places,
            *((depots[d].x, depots[d].y) for d in reload_ids),
            *((state.visits[v].x, state.visits[v].y) for v in vids),
        ]
    )
    safe = isinstance(travel, EuclideanTravel)  # static travel: round conservatively
    profiles = sorted(
        {(k.skills, k.tools) for k in kinds}, key=lambda p: (sorted(p[0]), sorted(p[1]))
    )
    matrices = _matrices(
        state, techs, vids, xy, len(places) + len(reloads), profiles, travel, params, picked
    )
    weights = (params.travel, params.overtime, params.paid_time)
    mult = 1 if all(float(w).is_integer() for w in weights) else 10
    clients = _clients(state, vids, types, picked, len(places) + len(reloads), params, mult, safe)
    up = 1 if safe else 0
    pv_depots = [pyvrp.Depot(i) for i in range(len(places))] + [
        pyvrp.Depot(i, service_duration=_scaled(depots[d].service_min, params.scale, up))
        for i, d in reloads.items()
    ]
    pricing = Pricing(brk, params, mult, safe)
    vehicle_types = [
        vehicle_type(
            k,
            len(group),
            places,
            profiles.index((k.skills, k.tools)),
            group[0],
            pricing,
            capacity=need,
            initial_load=[c - min(s, c) for c, s in zip(need, k.stock, strict=True)],
            reload_depots=list(reloads),
        )
        for k, group in kinds.items()
    ]
    locations = [pyvrp.Location(float(x), float(y)) for x, y in xy]
    data = pyvrp.ProblemData(locations, clients, pv_depots, vehicle_types, matrices, matrices)  # type: ignore[arg-type]
    members = tuple(tuple(g) for g in kinds.values())
    return KitProblem(data, tuple(state.technicians), tuple(vids), members, reloads)


def _picked_tools(state: PlanState, vids: list[str], reloads: list[Depot]) -> list[str]:
    """Tools some visit needs and every reload depot holds: each a load dimension."""
    if not reloads:
        return []
    needed = {t for v in vids for t in state.visits[v].tools}
    return sorted(t for t in needed if all(t in d.tools for d in reloads))


def _kinds(
    state: PlanState,
    techs: list[str],
    types: list[str],
    picked: Mapping[str, int],
    brk: BreakRule,
    params: PlannerParams,
) -> dict[_Kind, list[str]]:
    """Technicians grouped by what makes them interchangeable (one vehicle type each); a
    tool that is a load dimension (``picked``: tool -> visits needing it) is stock: all of
    them for its owners, none for the others until a reload."""
    kinds: dict[_Kind, list[str]] = {}
    for tid in techs:
        spec, st = state.technicians[tid], state.status[tid]
        max_end = min(spec.max_end, spec.shift_end + params.overtime_allowed_min)
        no_break = st.break_taken or spec.shift_start + brk.after_min >= max_end
        stock = tuple(spec.stock.get(p, 0) for p in types)
        stock += tuple(n if t in spec.tools else 0 for t, n in picked.items())
        key = _Kind(
            (st.x, st.y), (spec.home_x, spec.home_y), st.free_at, spec.shift_end, max_end,
            no_break, spec.skills, spec.tools - set(picked), stock,
        )  # fmt: skip
        kinds.setdefault(key, []).append(tid)
    return kinds


def _matrices(
    state: PlanState,
    techs: list[str],
    vids: list[str],
    xy: np.ndarray,
    n_dep: int,
    profiles: list[tuple[frozenset[str], frozenset[str]]],
    travel: TravelModel,
    params: PlannerParams,
    picked: list[str],
) -> list[np.ndarray]:
    """One matrix per (skills, tools) profile: edges into visits it cannot serve barred
    (a tool that is a load dimension is no bar: it can be picked up at a reload)."""
    sc, safe = params.scale, isinstance(travel, EuclideanTravel)
    start = min(state.status[t].free_at for t in techs)
    end = max(state.technicians[t].shift_end for t in techs)
    minutes = minutes_matrix(travel, xy, planning_pace(travel, start, end), state.incidents) * sc
    base = (np.ceil(minutes - SAFE_EPS) if safe else np.rint(minutes)).astype(np.int64)
    matrices = []
    for skills, tools in profiles:
        m = base.copy()
        for i, vid in enumerate(vids):
            task = state.visits[vid]
            if task.skill not in skills or not task.tools - set(picked) <= tools:
                m[:, n_dep + i] = PROHIBITIVE
        np.fill_diagonal(m, 0)
        matrices.append(m)
    return matrices


def _clients(
    state: PlanState,
    vids: list[str],
    types: list[str],
    picked: list[str],
    n_dep: int,
    params: PlannerParams,
    mult: int,
    safe: bool,
) -> list[pyvrp.Client]:
    """One optional client per visit: window, duration, the parts it needs (and 1 of each
    tool dimension it needs), its prize."""
    sc = params.scale
    up, down = (1, -1) if safe else (0, 0)
    clients = []
    for i, vid in enumerate(vids):
        task = state.visits[vid]
        early = _scaled(task.window_start, sc, up)
        clients.append(
            pyvrp.Client(
                n_dep + i,
                delivery=[task.parts.get(p, 0) for p in types]
                + [int(t in task.tools) for t in picked],
                service_duration=_scaled(task.duration_min, sc, up),
                tw_early=early,
                tw_late=max(early, _scaled(task.window_end, sc, down)),
                prize=round(params.missed * (1 + task.priority) * mult * sc),
                required=False,
                name=vid,
            )
        )
    return clients


def optimise_kit_day(
    state: PlanState,
    depots: Mapping[str, Depot],
    travel: TravelModel,
    brk: BreakRule,
    params: PlannerParams,
    seed: int,
    time_limit_s: float,
    *,
    max_iterations: int | None = None,
    initial: Mapping[str, tuple[str, ...]] | None = None,
) -> KitRoutes:
    """PyVRP's plan of the day with tools, parts and depot stops; visits it leaves out
    (or that only an infeasible route of its answer holds) are refused with the reason.

    ``max_iterations`` bounds the search (reproducible), ``time_limit_s`` is the wall-clock
    cap (a warning says when it stopped the search first); ``initial`` routes (visits and
    depot stops) start the search (see :func:`kit_warm_start`)."""
    if time_limit_s <= 0:
        msg = f"time_limit_s must be > 0, got {time_limit_s!r}"
        raise ValueError(msg)
    problem = build_kit_problem(state, depots, travel, brk, params)
    routes: dict[str, tuple[str, ...]] = {t: () for t in problem.technicians}
    if problem.data is None:
        return KitRoutes(routes, dict.fromkeys(problem.visits, LEFT_OUT))
    init = None if initial is None else kit_warm_start(problem, initial)
    result = solve_budgeted(
        problem.data,
        seed=seed,
        time_limit_s=time_limit_s,
        max_iterations=max_iterations,
        initial=init,
        what="kit daily optimisation",
    )
    used = [0] * len(problem.members)
    for r in result.best.routes():
        vt = r.vehicle_type()
        tid = problem.members[vt][used[vt]]
        used[vt] += 1
        if not r.is_feasible():  # late, too long or short of parts: none of it is planned
            continue
        entries: list[str] = []
        for a in r.schedule():
            if a.is_client():
                entries.append(problem.visits[a.idx])
            elif a.is_depot() and a.idx in problem.reloads:
                stop_entry = depot_stop(problem.reloads[a.idx])
                if not entries or entries[-1] != stop_entry:
                    entries.append(stop_entry)
        routes[tid] = tuple(entries)
    planned = {e for r in routes.values() for e in r}
    refused = {v: LEFT_OUT for v in problem.visits if v not in planned}
    return KitRoutes(routes, refused)


def kit_warm_start(
    problem: KitProblem, routes: Mapping[str, tuple[str, ...]]
) -> pyvrp.Solution | None:
    """``routes`` (visit ids and depot stops) as a PyVRP solution of ``problem``; a route
    the model cannot express (a stop at a depot that is no reload, a visit or technician
    not in the problem) is left out, its visits unplanned. None: nothing to start from."""
    if problem.data is None:
        return None
    client = {v: i for i, v in enumerate(problem.visits)}
    reload_of = {d: i for i, d in problem.reloads.items()}
    vehicle_type = {tid: k for k, group in enumerate(problem.members) for tid in group}
    out = []
    for tid, route in sorted(routes.items()):
        acts = []
        for e in route:
            dep = depot_of(e)
            i = client.get(e) if dep is None else reload_of.get(dep)
            if i is None:
                break
            kind = pyvrp.ActivityType.CLIENT if dep is None else pyvrp.ActivityType.DEPOT
            acts.append(pyvrp.Activity(kind, i))
        else:
            if any(a.is_client() for a in acts) and tid in vehicle_type:
                out.append(pyvrp.Route(problem.data, acts, vehicle_type[tid]))
    return pyvrp.Solution(problem.data, out) if out else None
