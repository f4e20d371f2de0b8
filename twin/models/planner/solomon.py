"""Solomon / VRPLIB instances expressed in our own domain model.

A VRPTW instance becomes a planning day: one technician per vehicle (at most the file's
``VEHICLES``), all living at the depot with one common skill, shift ``[0, depot due
time]`` with no overtime and no break; one visit per customer with its time window,
service time and priority "required". Travel is :class:`EuclideanTravel` (DIMACS: distance
truncated to one decimal, one unit per minute) and demands/capacities go into a
:class:`Cargo`. With ``PlannerParams`` of :func:`solomon_params` the planner's objective is
the distance, exactly as in the benchmark tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import vrplib

from twin.models.plan import BreakRule, PlanState, TechnicianSpec, TechnicianState, VisitTask
from twin.models.planner.evaluate import Cargo
from twin.models.planner.matrix import EuclideanTravel
from twin.models.planner.params import PlannerParams

SKILL = "any"
MAX_VEHICLES = 25


@dataclass(frozen=True, slots=True)
class SolomonDay:
    name: str
    state: PlanState
    travel: EuclideanTravel
    brk: BreakRule
    cargo: Cargo


def solomon_params() -> PlannerParams:
    """Distance is the only objective; windows and capacity are hard."""
    return PlannerParams(
        travel=1.0,
        lateness=1e4,
        late_visit=1e4,
        overtime=0.0,
        balance=0.0,
        missed=1e5,
        overtime_allowed_min=0.0,
        required_priority=0,
    )


def load_solomon(path: Path | str, customers: int | None = None) -> SolomonDay:
    """Read a VRPLIB VRPTW file; ``customers`` keeps only the first n customers."""
    path = Path(path)
    if not path.is_file():
        msg = f"VRPLIB instance not found: {path}"
        raise FileNotFoundError(msg)
    inst = vrplib.read_instance(str(path))
    coords = np.asarray(inst["node_coord"], dtype=float)
    tw = np.asarray(inst["time_window"], dtype=float)
    demand = np.asarray(inst["demand"], dtype=int)
    service = np.broadcast_to(np.asarray(inst.get("service_time", 0), dtype=float), len(coords))
    depot = int(np.asarray(inst["depot"]).ravel()[0])
    vehicles = min(int(inst.get("vehicles", MAX_VEHICLES)), MAX_VEHICLES)
    capacity = int(inst["capacity"])
    dx, dy = (float(v) for v in coords[depot])
    due = float(tw[depot, 1])
    techs = {
        f"K{k:02d}": TechnicianSpec(f"K{k:02d}", dx, dy, frozenset({SKILL}), 0.0, due, due)
        for k in range(vehicles)
    }
    status = {tid: TechnicianState(tid, dx, dy, float(tw[depot, 0])) for tid in techs}
    idx = [i for i in range(len(coords)) if i != depot]
    if customers is not None:
        idx = idx[:customers]
    visits = {
        f"c{i:03d}": VisitTask(
            f"c{i:03d}",
            f"c{i:03d}",
            float(coords[i, 0]),
            float(coords[i, 1]),
            "maintenance",
            SKILL,
            3,
            float(tw[i, 0]),
            float(tw[i, 1]),
            float(service[i]),
        )
        for i in idx
    }
    state = PlanState(0.0, techs, status, visits, {tid: () for tid in techs})
    cargo = Cargo({v: int(demand[int(v[1:])]) for v in visits}, dict.fromkeys(techs, capacity))
    return SolomonDay(path.stem, state, EuclideanTravel(), BreakRule(0.0, 0.0), cargo)


def plan_distance(day: SolomonDay, routes: dict[str, tuple[str, ...]]) -> float:
    """Total DIMACS distance of ``routes`` (depot to depot)."""
    total = 0.0
    tr = day.travel
    for tid, route in routes.items():
        if not route:
            continue
        spec = day.state.technicians[tid]
        x, y = spec.home_x, spec.home_y
        for vid in route:
            v = day.state.visits[vid]
            total += tr.distance_km(x, y, v.x, v.y)
            x, y = v.x, v.y
        total += tr.distance_km(x, y, spec.home_x, spec.home_y)
    return total
