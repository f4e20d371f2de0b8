"""Vans, spare parts, tools and depots in the world (a scenario's ``[parts]`` section).

:class:`Vans` holds the truth: what every visit needs (drawn per visit id, so that every
policy meets the same needs: common random numbers), which of it is known at booking, and
what every van holds as the day goes on. A visit is fixed only if its technician has every
tool and part it needs (then the parts are used up) and the fixed-rate draw says so
(:meth:`Vans.use`); otherwise it ends as a follow-up, which a period books again.

Needs are drawn from the company seed and the visit's own site draw, so a visit rebooked
or followed up on a later day of a period needs the same; a follow-up (``V0001-2``)
knows all of it.

Depot stops (:func:`depot_stops`, parts-aware planning only) happen just before the
technician sets off to the next visit: the daily plan's stops
(:mod:`twin.sim.kit_plan`) and the real-time restocking rule
(:func:`twin.models.routing.restock.restock_stop`). They are part of the plan: whenever
a route is set (a repair, a booking, a plan from the brain) and at every departure, the
stops ahead are planned (:meth:`Vans.plan_stops`, the rule applied ahead) and published
with the route (``Route.stops``), so the brain's ETAs include the detours; the stop made
at a departure is the plan's first. At a depot the van picks up every tool
the depot holds, and each part type it holds is refilled to the larger of the day's usual
stock and what the known needs ahead (up to the next planned stop) ask for.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import simpy

from twin import events as ev
from twin.config import ConfigError, Scenario
from twin.config.parts import Parts
from twin.models.routing.kit import DEPOT_STOPS_REASON, Depot, segment_needs
from twin.models.routing.plan import TechnicianSpec, TechnicianState, VisitTask
from twin.models.routing.restock import Van, plan_restocks
from twin.models.routing.roads import on_roads
from twin.models.routing.travel import TravelModel
from twin.sim.legs import set_off
from twin.sim.rng import keyed
from twin.sim.visit import VisitSpec


class Yard(Protocol):
    """What vans and depot stops need of the world (``twin.sim.world.World`` is one)."""

    vans: Vans | None
    routes: dict[str, tuple[str, ...]]
    status: dict[str, TechnicianState]
    specs: dict[str, TechnicianSpec]
    committed: dict[str, str | None]

    @property
    def env(self) -> simpy.Environment: ...
    @property
    def now(self) -> float: ...
    @property
    def scenario(self) -> Scenario: ...
    @property
    def travel(self) -> TravelModel: ...
    @property
    def incidents(self) -> Mapping[str, float]: ...
    @property
    def tasks(self) -> Mapping[str, VisitTask]: ...
    @property
    def visit_specs(self) -> Mapping[str, VisitSpec]: ...

    def emit(self, cls: type[ev.Event], **fields: Any) -> ev.Event: ...
    def is_available(self, tid: str) -> bool: ...
    def set_moving(
        self, tid: str, x0: float, y0: float, x1: float, y1: float, t0: float, t1: float
    ) -> None: ...
    def set_still(self, tid: str, x: float, y: float) -> None: ...
    def publish_plan(self, routes: dict[str, tuple[str, ...]], reason: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Need:
    """What one visit needs (``parts``: type -> count) and which of it is known at booking."""

    tools: frozenset[str]
    parts: Mapping[str, int]
    known: Mapping[str, int]


NO_NEED = Need(frozenset(), {}, {})


class Vans:
    """The day's tools, van stock and depots, and every visit's needs."""

    def __init__(
        self,
        cfg: Parts,
        specs: Sequence[TechnicianSpec],
        scenario: Scenario,
        visits: Mapping[str, VisitSpec],
    ) -> None:
        self.cfg = cfg
        self.seed = scenario.company_seed
        self.visits = visits  # the world's (it grows as visits are requested)
        self.usual = {p.name: p.van_stock for p in cfg.types}
        tids = sorted(s.technician_id for s in specs)
        self.tools = {t: frozenset[str]() for t in tids}
        for i, tool in enumerate(cfg.tools):
            for t in carriers(tids, tool.carried_share):
                self.tools[t] = self.tools[t] | {tool.name}
            nobody = not carriers(tids, tool.carried_share)
            if tool.share > 0 and nobody and not cfg.depots_with_tool(tool.name):
                msg = (
                    f"parts.tools.{i}.carried_share: {tool.carried_share} of "
                    f"{len(tids)} technicians is nobody, and no depot holds tool "
                    f"{tool.name!r}; allowed: a share that gives at least one carrier "
                    f"(>= {1 / len(tids):.3f}) or a depot with it"
                )
                raise ConfigError(msg)
        _check_owners(cfg, scenario, specs, self.tools)
        self.stock = {t: dict(self.usual) for t in tids}
        all_parts = frozenset(self.usual)
        self.depots: dict[str, Depot] = {}
        for d in cfg.depots:
            x, y = on_roads(scenario.city, d.x, d.y)
            held = all_parts if d.parts is None else frozenset(d.parts)
            self.depots[d.id] = Depot(d.id, x, y, frozenset(d.tools), held, d.service_min)
        self.planned: dict[str, dict[str, str]] = {t: {} for t in tids}  # tid -> visit -> depot
        self.stops: dict[str, dict[str, str]] = {t: {} for t in tids}  # the plan's, as planned
        self.wired: dict[str, dict[str, str]] = {}  # the stops last published
        self._needs: dict[str, Need] = {}

    def need(self, vid: str) -> Need:
        """What visit ``vid`` needs (drawn once, from its own random stream)."""
        got = self._needs.get(vid)
        if got is None:
            got = self._needs[vid] = self._draw(vid)
        return got

    def _draw(self, vid: str) -> Need:
        root, _, n = vid.partition("-")
        # the visit's own site draw keys it: the same visit rebooked or followed up on a
        # later day of a period (another day seed) needs the same, another seed other things
        rng = keyed(self.seed, "parts", f"{root}/{self.visits[vid].site_factor!r}")
        u = rng.random(len(self.cfg.types) * 2 + len(self.cfg.tools))
        parts, known = {}, {}
        for i, p in enumerate(self.cfg.types):
            if u[2 * i] < p.share:
                parts[p.name] = 1
                if u[2 * i + 1] < p.known_share:
                    known[p.name] = 1
        base = 2 * len(self.cfg.types)
        tools = frozenset(t.name for j, t in enumerate(self.cfg.tools) if u[base + j] < t.share)
        if n.isdigit() and int(n) >= 2:  # a follow-up: the first visit's needs, now known
            known = parts
        return Need(tools, parts, known) if parts or tools else NO_NEED

    def kit_task(self, task: VisitTask) -> VisitTask:
        """``task`` as the planner sees it: with the tools and parts known at booking."""
        need = self.need(task.visit_id)
        if not need.tools and not need.known:
            return task
        return replace(task, tools=need.tools, parts=dict(need.known))

    def kit_spec(self, spec: TechnicianSpec) -> TechnicianSpec:
        tid = spec.technician_id
        return replace(spec, tools=self.tools[tid], stock=dict(self.stock[tid]))

    def use(self, tid: str, vid: str) -> bool:
        """Whether ``tid`` has all ``vid`` needs; if so the parts are used up."""
        need, stock = self.need(vid), self.stock[tid]
        if not need.tools <= self.tools[tid]:
            return False
        if any(stock.get(p, 0) < n for p, n in need.parts.items()):
            return False
        for p, n in need.parts.items():
            stock[p] -= n
        return True

    def refill(self, tid: str, depot: Depot, ahead: Sequence[str]) -> None:
        """Tools picked up, parts refilled (see the module docstring)."""
        self.tools[tid] = self.tools[tid] | depot.tools
        known = {v: self.need(v).known for v in ahead}
        wanted = segment_needs(ahead, known)
        stock = self.stock[tid]
        for p in depot.parts:
            stock[p] = max(stock.get(p, 0), self.usual.get(p, 0), wanted.get(p, 0))

    def van(self, world: Yard, tid: str, x: float, y: float, at: float | None = None) -> Van:
        spec = world.specs[tid]
        return Van(
            x,
            y,
            world.now if at is None else at,
            self.tools[tid],
            self.stock[tid],
            self.usual,
            (spec.home_x, spec.home_y),
            spec.max_end,
        )

    def plan_stops(self, world: Yard, tid: str, van: Van | None = None) -> bool:
        """Plan ``tid``'s depot stops ahead from ``van`` (default: where and when the
        technician is next free, less what the visit under way is known to use); whether
        they differ from the ones last published."""
        route, cfg = world.routes[tid], self.cfg
        stops: dict[str, str] = {}
        if cfg.planning == "aware" and route and world.is_available(tid):
            if van is None:
                st, vid = world.status[tid], world.committed.get(tid)
                van = self.van(world, tid, st.x, st.y, max(st.free_at, world.now))
                if vid is not None and self.need(vid).known:
                    left = dict(van.stock)
                    for p, n in self.need(vid).known.items():
                        left[p] = max(0, left.get(p, 0) - n)
                    van = replace(van, stock=left)
            tasks = [self.kit_task(world.tasks[v]) for v in route]
            stops = plan_restocks(
                van,
                tasks,
                self.depots,
                _minutes(world),
                cfg.restock_below,
                cfg.detour_late_min,
                self.planned[tid],
            )
        self.stops[tid] = stops
        return stops != self.wired.get(tid, {})

    def plan_routes(self, world: Yard, tids: Iterable[str]) -> list[str]:
        """Plan the depot stops of ``tids`` (their routes were just set): those whose
        stops differ from the ones last published."""
        return [t for t in sorted(tids) if self.plan_stops(world, t)]

    def on_wire(self, routes: tuple[ev.Route, ...]) -> tuple[ev.Route, ...]:
        """``routes`` with their planned depot stops (parts-aware planning only)."""
        if self.cfg.planning != "aware":
            return routes
        out = []
        for r in routes:
            planned = self.stops.get(r.technician_id, {})
            stops = {v: d for v in r.visit_ids if (d := planned.get(v)) is not None}
            self.wired[r.technician_id] = stops
            wire = tuple(
                ev.DepotStop(
                    depot_id=d,
                    before=v,
                    x=self.depots[d].x,
                    y=self.depots[d].y,
                    service_min=self.depots[d].service_min,
                )
                for v, d in stops.items()
            )
            out.append(replace(r, stops=wire))
        return tuple(out)


def fixed(world: Yard, tid: str, vid: str) -> bool:
    """Whether the work fixes the fault: every tool and part it needs is in the van (then
    used up) and the fixed-rate draw says so (only the draw without a ``[parts]`` section)."""
    kit = world.vans is None or world.vans.use(tid, vid)
    return kit and world.visit_specs[vid].u_fix < world.scenario.demand.first_time_fix


def _check_owners(
    cfg: Parts,
    scenario: Scenario,
    specs: Sequence[TechnicianSpec],
    tools: Mapping[str, frozenset[str]],
) -> None:
    """Refuse a tool that no depot holds and that is needed on jobs whose skill none of
    its owners has: those visits could never be fixed."""
    skills = sorted({j.skill for j in scenario.demand.jobs.values() if j.share > 0})
    for i, tool in enumerate(cfg.tools):
        if tool.share == 0 or cfg.depots_with_tool(tool.name):
            continue
        owned = {k for s in specs if tool.name in tools[s.technician_id] for k in s.skills}
        lacking = [k for k in skills if k not in owned]
        if lacking:
            msg = (
                f"parts.tools.{i}: tool {tool.name!r} is needed on every kind of job, but "
                f"none of its owners (carried_share {tool.carried_share}) has skill "
                f"{lacking[0]!r} and no depot holds it; allowed: more owners, or a depot"
            )
            raise ConfigError(msg)


def carriers(tids: Sequence[str], share: float) -> list[str]:
    """The technicians (of ``tids``, in order) who own a tool of ``share``: spread evenly."""
    return [t for i, t in enumerate(tids) if math.floor((i + 1) * share) > math.floor(i * share)]


def make_vans(
    scenario: Scenario,
    specs: Sequence[TechnicianSpec],
    travel: TravelModel,
    visits: Mapping[str, VisitSpec],
) -> Vans | None:
    """The day's vans, or ``None`` without a ``[parts]`` section (nothing changes then)."""
    if scenario.parts is None:
        return None
    vans = Vans(scenario.parts, specs, scenario, visits)
    check_reach(vans, specs, travel)
    return vans


def check_reach(vans: Vans, specs: Sequence[TechnicianSpec], travel: TravelModel) -> None:
    """Refuse a depot that no technician can drive to, stop at and come home from within
    their shift (from the shift's start)."""
    for i, d in enumerate(vans.cfg.depots):
        dep = vans.depots[d.id]
        best = math.inf
        for s in specs:
            there = s.shift_start + travel.travel_min(
                s.home_x, s.home_y, dep.x, dep.y, s.shift_start
            )
            back = there + dep.service_min
            back += travel.travel_min(dep.x, dep.y, s.home_x, s.home_y, back)
            best = min(best, back - s.shift_end)
            if back <= s.shift_end:
                break
        else:
            msg = (
                f"parts.depots.{i}: depot {d.id!r} at ({d.x}, {d.y}) is unreachable within a "
                f"shift: no technician can drive there, stop {dep.service_min:g} min and be "
                f"home by the shift's end (the closest misses it by {best:.0f} min); allowed: "
                "a depot within reach of at least one technician's shift"
            )
            raise ConfigError(msg)


def depot_stops(
    world: Yard, tid: str, x: float, y: float
) -> Generator[Any, Any, tuple[float, float]]:
    """Parts-aware only: stop at a depot before the next visit when the plan or the
    restocking rule says so; returns where the technician is afterwards."""
    vans = world.vans
    if vans is None or vans.cfg.planning != "aware" or not world.is_available(tid):
        return x, y
    route = world.routes[tid]
    if not route:
        return x, y
    vid = route[0]
    if vans.plan_stops(world, tid, vans.van(world, tid, x, y)):  # the plan ahead changed
        world.publish_plan({tid: route}, DEPOT_STOPS_REASON)
    did = vans.stops[tid].get(vid)  # the daily plan's, or the restocking rule's now
    vans.planned[tid].pop(vid, None)
    if did is None:
        return x, y
    dep = vans.depots[did]
    tt = _minutes(world)(x, y, dep.x, dep.y, world.now)
    set_off(world, tid, None, x, y, (dep.x, dep.y), tt)
    ready = world.now + tt + dep.service_min  # what a planner asking meanwhile must know
    world.status[tid] = replace(world.status[tid], x=dep.x, y=dep.y, free_at=ready)
    yield world.env.timeout(tt)
    world.set_still(tid, dep.x, dep.y)
    world.emit(ev.Arrived, technician_id=tid, visit_id=None, x=dep.x, y=dep.y)
    yield world.env.timeout(dep.service_min)
    ahead = []
    for v in world.routes[tid]:
        if v != vid and v in vans.planned[tid]:
            break
        ahead.append(v)
    vans.refill(tid, dep, ahead)
    return dep.x, dep.y


def _minutes(world: Yard) -> Callable[[float, float, float, float, float], float]:
    """The world's expected travel time (with today's incidents), as the rule wants it."""

    def minutes(ax: float, ay: float, bx: float, by: float, t: float) -> float:
        return world.travel.travel_min(ax, ay, bx, by, t, world.incidents)

    return minutes
