"""PyVRP's view of our planning day: the translation the daily optimisation solves.

Translation (all times in integer units of ``1/params.scale`` minute):

* **Technicians → vehicle types.** Technicians with the same start point, home, skills,
  free time, shift end, max end and capacity form one vehicle type (``num_available`` =
  group size); start depot = where they are free, end depot = home. The shift runs from
  ``free_at`` (``tw_early = start_late``: the day starts when they are free) to the
  effective max end (``min(max_end, shift_end + overtime_allowed_min)``); the regular
  duration ``shift_end − free_at`` is PyVRP's ``shift_duration`` and the rest is
  ``max_overtime``, priced by ``unit_overtime_cost``. The statutory break (which PyVRP
  cannot place) is reserved by shortening both by its length.
* **Skills → routing profiles.** One profile per distinct skill set; in a profile, every
  edge *into* a visit whose skill the set lacks is prohibitively long, so no solution
  that uses it can be competitive or on time.
* **Visits → clients** with the promised window on the start of service, the expected
  duration as service duration; visits of ``priority >= params.required_priority`` are
  required, the others optional with a prize of ``missed·(1 + priority)``.
* **Travel → one static matrix** per profile (see :mod:`twin.models.planner.matrix`);
  the objective is ``travel`` per minute driven plus ``overtime`` per overtime minute.
  Travel that does not depend on the time of day (:class:`EuclideanTravel`, exact or
  truncated) is rounded *conservatively*: legs, service times and window opens up, window
  closes and max ends down, so a route PyVRP calls on time is on time in our evaluator
  (nearest rounding made one arrive 0.028 min late). The time-dependent city keeps
  nearest rounding: its static matrix is an estimate, re-timed and repaired afterwards.
* **Paid time** (``params.pay = "hour"``): ``paid_time`` per minute of route duration
  (PyVRP's ``unit_duration_cost``), and technicians still at home may start as late as
  their max end (``start_late``), so PyVRP chooses their departure as our evaluator does
  (:mod:`twin.models.planner.paid`). PyVRP's overtime is then duration past the regular
  length, ours time past the shift end: the same for a technician who leaves on time.
* **Capacity** (only the benchmarks need it): an optional :class:`Cargo`.

:func:`build_problem` translates, :func:`warm_start` turns existing routes into a PyVRP
solution of the translated problem. :func:`vehicle_type` (shift, overtime, break reserve,
costs) is shared with the kit model (:mod:`twin.models.planner.kit_vrp`), which adds loads.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pyvrp

from twin.models.planner.evaluate import Cargo
from twin.models.planner.matrix import EuclideanTravel, minutes_matrix, planning_pace
from twin.models.planner.params import PlannerParams
from twin.models.routing.dispatch import Routes
from twin.models.routing.plan import BreakRule, PlanState
from twin.models.routing.travel import TravelModel

log = logging.getLogger(__name__)

PROHIBITIVE = 10**8  # integer units on an edge into a visit the profile may not serve


@dataclass(frozen=True, slots=True)
class _Group:
    """What makes technicians interchangeable for the solver (one vehicle type)."""

    start: tuple[float, float]
    home: tuple[float, float]
    skills: frozenset[str]
    free_at: float
    shift_end: float
    max_end: float
    capacity: int
    no_break: bool


SAFE_EPS = 1e-6  # integer units: what conservative rounding forgives of float noise


def _scaled(minutes: float, scale: int, way: int = 0) -> int:
    """``minutes`` in integer units: nearest (``way`` 0), up (1) or down (-1)."""
    units = minutes * scale
    if way > 0:
        return math.ceil(units - SAFE_EPS)
    if way < 0:
        return math.floor(units + SAFE_EPS)
    return round(units)


@dataclass(frozen=True, slots=True)
class StaticProblem:
    """A state translated to PyVRP, and how to read the solver's answer back.

    Built by :func:`build_problem`; ``data`` is ``None`` when there is nothing to solve (no
    visits, or no available skilled technician). Building it (matrices and
    ``pyvrp.ProblemData``) takes about a second at 1,600 visits, so callers that time the
    solver build it first and hand it to :func:`solve_problem` or :func:`optimise_day`.
    """

    data: pyvrp.ProblemData | None
    technicians: tuple[str, ...]  # every technician of the state (each gets a route)
    visits: tuple[str, ...]  # client i is visit ``visits[i]``
    members: tuple[tuple[str, ...], ...]  # technicians of vehicle type k


def build_problem(
    state: PlanState,
    travel: TravelModel,
    brk: BreakRule,
    params: PlannerParams,
    *,
    cargo: Cargo | None = None,
) -> StaticProblem:
    """Translate ``state`` to PyVRP (see the module docstring); no solving."""
    sc = params.scale
    all_techs = tuple(state.technicians)
    techs = [
        tid
        for tid in sorted(state.technicians)
        if state.status[tid].available and state.technicians[tid].skills
    ]
    vids = sorted(state.visits)
    if not vids or not techs:
        return StaticProblem(None, all_techs, tuple(vids), ())

    # -- groups of identical technicians, and their depots
    groups: dict[_Group, list[str]] = {}
    for tid in techs:
        spec, st = state.technicians[tid], state.status[tid]
        max_end = min(spec.max_end, spec.shift_end + params.overtime_allowed_min)
        groups.setdefault(
            _Group(
                (st.x, st.y),
                (spec.home_x, spec.home_y),
                spec.skills,
                st.free_at,
                spec.shift_end,
                max_end,
                cargo.capacity.get(tid, 0) if cargo else 0,
                st.break_taken or spec.shift_start + brk.after_min >= max_end,
            ),
            [],
        ).append(tid)
    depot_xy: dict[tuple[float, float], int] = {}
    for g in groups:
        depot_xy.setdefault(g.start, len(depot_xy))
        depot_xy.setdefault(g.home, len(depot_xy))
    xy = np.array([*depot_xy, *((state.visits[v].x, state.visits[v].y) for v in vids)])
    n_dep = len(depot_xy)

    # -- the static matrix, and one profile per skill set
    horizon_start = min(state.status[t].free_at for t in techs)
    horizon_end = max(state.technicians[t].shift_end for t in techs)
    pace = planning_pace(travel, horizon_start, horizon_end)
    safe = isinstance(travel, EuclideanTravel)  # static travel: round conservatively
    minutes = minutes_matrix(travel, xy, pace, state.incidents) * sc
    base = (np.ceil(minutes - SAFE_EPS) if safe else np.rint(minutes)).astype(np.int64)
    skill_sets = sorted({g.skills for g in groups}, key=sorted)
    profile_of = {s: i for i, s in enumerate(skill_sets)}
    visit_skill = np.array([state.visits[v].skill for v in vids])
    matrices = []
    for skills in skill_sets:
        m = base.copy()
        lacking = ~np.isin(visit_skill, sorted(skills))
        m[:, n_dep + np.flatnonzero(lacking)] = PROHIBITIVE
        np.fill_diagonal(m, 0)
        matrices.append(m)

    weights = (params.travel, params.overtime, params.paid_time)
    mult = 1 if all(float(w).is_integer() for w in weights) else 10

    locations = [pyvrp.Location(float(x), float(y)) for x, y in xy]
    depots = [pyvrp.Depot(i) for i in range(n_dep)]
    clients = _clients(state, vids, n_dep, params, mult, cargo, safe)
    vehicle_types, members = _vehicle_types(
        groups, depot_xy, profile_of, brk, params, mult, cargo, safe
    )
    # the same integer matrix serves as distance (priced) and duration (timed)
    data = pyvrp.ProblemData(locations, clients, depots, vehicle_types, matrices, matrices)  # type: ignore[arg-type]
    return StaticProblem(data, all_techs, tuple(vids), tuple(members))


def _clients(
    state: PlanState,
    vids: list[str],
    n_dep: int,
    params: PlannerParams,
    mult: int,
    cargo: Cargo | None,
    safe: bool,
) -> list[pyvrp.Client]:
    """One PyVRP client per visit: its window, duration, and a prize if it may be left out."""
    sc = params.scale
    up, down = (1, -1) if safe else (0, 0)
    clients = []
    for i, vid in enumerate(vids):
        v = state.visits[vid]
        required = v.priority >= params.required_priority
        prize = 0 if required else round(params.missed * (1 + v.priority) * mult * sc)
        tw_early = _scaled(v.window_start, sc, up)
        clients.append(
            pyvrp.Client(
                n_dep + i,
                delivery=[cargo.demand.get(vid, 0)] if cargo else [],
                service_duration=_scaled(v.duration_min, sc, up),
                tw_early=tw_early,
                tw_late=max(tw_early, _scaled(v.window_end, sc, down)),
                prize=prize,
                required=required,
                name=vid,
            )
        )
    return clients


def _vehicle_types(
    groups: dict[_Group, list[str]],
    depot_xy: dict[tuple[float, float], int],
    profile_of: dict[frozenset[str], int],
    brk: BreakRule,
    params: PlannerParams,
    mult: int,
    cargo: Cargo | None,
    safe: bool,
) -> tuple[list[pyvrp.VehicleType], list[tuple[str, ...]]]:
    """One vehicle type per group of identical technicians, and each type's members."""
    vehicle_types = [
        vehicle_type(
            g,
            len(group),
            depot_xy,
            profile_of[g.skills],
            group[0],
            Pricing(brk, params, mult, safe),
            capacity=[g.capacity] if cargo else [],
        )
        for g, group in groups.items()
    ]
    return vehicle_types, [tuple(group) for group in groups.values()]


class ShiftOf(Protocol):
    """What a vehicle type's shift is made of (a group of interchangeable technicians)."""

    @property
    def start(self) -> tuple[float, float]: ...
    @property
    def home(self) -> tuple[float, float]: ...
    @property
    def free_at(self) -> float: ...
    @property
    def shift_end(self) -> float: ...
    @property
    def max_end(self) -> float: ...
    @property
    def no_break(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class Pricing:
    """How shifts and costs are translated: the break, the weights, the cost multiplier
    (10 when a weight has a fraction) and conservative rounding (static travel)."""

    brk: BreakRule
    params: PlannerParams
    mult: int
    safe: bool


def vehicle_type(
    g: ShiftOf,
    n: int,
    depot_xy: Mapping[tuple[float, float], int],
    profile: int,
    name: str,
    pricing: Pricing,
    *,
    capacity: list[int],
    initial_load: list[int] | None = None,
    reload_depots: list[int] | None = None,
) -> pyvrp.VehicleType:
    """The vehicle type of ``n`` technicians with shift ``g``: from where they are free to
    home, the shift and overtime (less the break's reserve), travel, overtime and paid time
    priced (see the module docstring); loads as given (the kit model's parts)."""
    brk, params, mult = pricing.brk, pricing.params, pricing.mult
    sc = params.scale
    up, down = (1, -1) if pricing.safe else (0, 0)
    hourly = params.pay == "hour" and params.paid_time > 0
    reserve = 0.0 if g.no_break else brk.length_min
    late = max(g.free_at, g.max_end - reserve)
    regular = max(0.0, min(g.shift_end - reserve, late) - g.free_at)
    early = _scaled(g.free_at, sc, up)
    end = max(early, _scaled(late, sc, down))
    return pyvrp.VehicleType(
        num_available=n,
        capacity=capacity,
        start_depot=depot_xy[g.start],
        end_depot=depot_xy[g.home],
        tw_early=early,
        tw_late=end,
        # paid by the hour and still at home: PyVRP chooses the departure
        start_late=end if hourly and g.start == g.home else early,
        shift_duration=_scaled(regular, sc),
        max_overtime=_scaled(late - g.free_at, sc) - _scaled(regular, sc),
        unit_distance_cost=round(params.travel * mult),
        unit_overtime_cost=round(params.overtime * mult),
        unit_duration_cost=round(params.paid_time * mult) if hourly else 0,
        profile=profile,
        initial_load=initial_load or [],
        reload_depots=reload_depots or [],
        name=name,
    )


def warm_start(problem: StaticProblem, routes: Routes) -> pyvrp.Solution:
    """``routes`` (technician -> visit ids) as a PyVRP solution of ``problem``.

    Visits left out are unplanned; a technician the problem does not hold (unavailable,
    no skills) must have an empty route.
    """
    if problem.data is None:
        msg = "warm_start: the problem has nothing to solve (no visits or no technicians)"
        raise ValueError(msg)
    client = {v: i for i, v in enumerate(problem.visits)}
    vehicle_type = {tid: k for k, group in enumerate(problem.members) for tid in group}
    out = []
    for tid, route in sorted(routes.items()):
        if not route:
            continue
        if tid not in vehicle_type:
            msg = f"warm_start: technician {tid!r} has a route but is not in the problem"
            raise ValueError(msg)
        unknown = [v for v in route if v not in client]
        if unknown:
            msg = f"warm_start: route of {tid!r} has visits not in the problem: {unknown[:3]}"
            raise ValueError(msg)
        out.append(pyvrp.Route(problem.data, [client[v] for v in route], vehicle_type[tid]))
    return pyvrp.Solution(problem.data, out)
