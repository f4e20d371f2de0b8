"""The planner's view of the day: visits to do, technicians, where each stands, and routes.

Times are minutes after midnight of the simulated day. A technician's ``TechnicianState``
is the *next free moment and place* after whatever is already committed (the visit being
worked on, or being driven to); ``routes`` hold only uncommitted visits, so any planner may
reorder or move them. ``route_timeline`` is the one place that turns a route into times:
travel (time-dependent), waiting for a window to open, the statutory break, work.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from twin.models.routing.travel import KERNELS, NO_INCIDENTS, TravelModel


@dataclass(frozen=True, slots=True)
class VisitTask:
    visit_id: str
    customer_id: str
    x: float
    y: float
    job_type: str
    skill: str
    priority: int
    window_start: float
    window_end: float
    duration_min: float
    due_min: float | None = None
    # what the visit needs beyond the skill (see twin.models.planner.kit): none by default
    tools: frozenset[str] = frozenset()
    parts: Mapping[str, int] = field(default_factory=dict, hash=False)


def with_window(task: VisitTask, start: float, end: float) -> VisitTask:
    """``task`` promised in ``start``-``end``: ``dataclasses.replace`` of the window, built
    directly (the offers build one per window of every request; ``replace`` looks up every
    field by name and calls ``__init__`` with keywords, several times the cost)."""
    t = task
    return VisitTask(
        t.visit_id,
        t.customer_id,
        t.x,
        t.y,
        t.job_type,
        t.skill,
        t.priority,
        start,
        end,
        t.duration_min,
        t.due_min,
        t.tools,
        t.parts,
    )


@dataclass(frozen=True, slots=True)
class TechnicianSpec:
    technician_id: str
    home_x: float
    home_y: float
    skills: frozenset[str]
    shift_start: float
    shift_end: float
    max_end: float
    experience: str = "regular"
    tools: frozenset[str] = frozenset()
    stock: Mapping[str, int] = field(default_factory=dict, hash=False)  # van: part -> count


@dataclass(frozen=True, slots=True)
class TechnicianState:
    technician_id: str
    x: float
    y: float
    free_at: float
    available: bool = True
    break_taken: bool = False


@dataclass(frozen=True, slots=True)
class BreakRule:
    length_min: float
    after_min: float


@dataclass(frozen=True, slots=True)
class PlanState:
    """Read-only view handed to a dispatcher; mappings may be views of the owner's state."""

    now: float
    technicians: Mapping[str, TechnicianSpec]
    status: Mapping[str, TechnicianState]
    visits: Mapping[str, VisitTask]
    routes: Mapping[str, tuple[str, ...]]
    incidents: Mapping[str, float] = field(default_factory=dict)


class Stop(NamedTuple):
    """One visit of a timeline (a named tuple: the planner makes millions a day)."""

    visit_id: str
    arrive: float
    start: float
    end: float
    travel_min: float
    distance_km: float


@dataclass(frozen=True, slots=True)
class Timeline:
    stops: tuple[Stop, ...]
    end: float
    distance_km: float
    travel_min: float
    late_min: float
    n_late: int
    overtime_min: float
    feasible: bool
    # the stops as C doubles for the compiled insertion pricing (twin.models._kernels);
    # empty from the Python reference: derived data, so neither compared nor shown
    packed: bytes = field(default=b"", compare=False, repr=False)


def route_timeline(
    tech: TechnicianSpec,
    state: TechnicianState,
    route: Sequence[str],
    visits: Mapping[str, VisitTask],
    travel: TravelModel,
    brk: BreakRule,
    incidents: Mapping[str, float] = NO_INCIDENTS,
    durations: Mapping[str, float] | None = None,
) -> Timeline:
    """Expected times along ``route``; ``durations`` overrides the visits' expected durations.

    With a compiled travel model (``travel.kernel``) the compiled twin in
    :mod:`twin.models._kernels` does the walk (same bits, tested).
    """
    if travel.kernel is not None:  # set only when the compiled module is loaded
        return KERNELS.route_timeline(
            tech, state, route, visits, travel.kernel, brk, incidents, durations, Stop, Timeline
        )
    t = state.free_at
    x, y = state.x, state.y
    break_due = not state.break_taken and brk.length_min > 0
    break_at = tech.shift_start + brk.after_min
    stops: list[Stop] = []
    dist_total = travel_total = late = 0.0
    n_late = 0
    for vid in route:
        v = visits[vid]
        if break_due and t >= break_at:
            t += brk.length_min
            break_due = False
        dist, factor = travel.leg(x, y, v.x, v.y, incidents)
        tt = travel.minutes_for(dist, t, factor)
        arrive = t + tt
        start = max(arrive, v.window_start)
        dur = durations[vid] if durations is not None and vid in durations else v.duration_min
        end = start + dur
        if start > v.window_end:
            late += start - v.window_end
            n_late += 1
        stops.append(Stop(vid, arrive, start, end, tt, dist))
        dist_total += dist
        travel_total += tt
        t, x, y = end, v.x, v.y
    if break_due and t > break_at:
        t += brk.length_min
    home, home_factor = travel.leg(x, y, tech.home_x, tech.home_y)
    t_home = travel.minutes_for(home, t, home_factor)
    end = t + t_home
    return Timeline(
        stops=tuple(stops),
        end=end,
        distance_km=dist_total + home,
        travel_min=travel_total + t_home,
        late_min=late,
        n_late=n_late,
        overtime_min=max(0.0, end - tech.shift_end),
        feasible=end <= tech.max_end and all(visits[v].skill in tech.skills for v in route),
    )


class StatusAt(Mapping[str, TechnicianState]):
    """Technicians' states as seen at ``now``: nobody is free before now.

    Lazy: only the technicians a planner actually looks at are adjusted, instead of
    rebuilding every technician's state on each booking (1,000 technicians × every request).
    """

    __slots__ = ("_base", "_now")

    def __init__(self, base: Mapping[str, TechnicianState], now: float) -> None:
        self._base = base
        self._now = now

    def __getitem__(self, key: str) -> TechnicianState:
        st = self._base[key]
        if st.available and st.free_at < self._now:
            return TechnicianState(st.technician_id, st.x, st.y, self._now, True, st.break_taken)
        return st

    @property
    def base(self) -> Mapping[str, TechnicianState]:
        """The states before adjusting to ``now`` (``available`` is the same in both)."""
        return self._base

    @property
    def now(self) -> float:
        return self._now

    def __iter__(self) -> Iterator[str]:
        return iter(self._base)

    def __len__(self) -> int:
        return len(self._base)


class RoutesWith(Mapping[str, tuple[str, ...]]):
    """``base`` with the routes of ``changes`` put in: what ``{**base, **changes}`` holds,
    in the same order, without copying every route.

    A planner that tries a change looks at a few routes; copying all of them made every
    try cost O(technicians). ``changes`` is held, not copied, like a dict that a loop
    keeps updating.
    """

    __slots__ = ("_base", "_changes")

    def __init__(
        self, base: Mapping[str, tuple[str, ...]], changes: Mapping[str, tuple[str, ...]]
    ) -> None:
        self._base = base
        self._changes = changes

    def __getitem__(self, key: str) -> tuple[str, ...]:
        changes = self._changes
        return changes[key] if key in changes else self._base[key]

    def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
        changes = self._changes
        return changes[key] if key in changes else self._base.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._changes or key in self._base

    def __iter__(self) -> Iterator[str]:
        base = self._base
        yield from base
        yield from (k for k in self._changes if k not in base)

    def __len__(self) -> int:
        base = self._base
        return len(base) + sum(1 for k in self._changes if k not in base)
