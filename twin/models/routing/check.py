"""An independent checker of planned routes: re-times them from scratch and lists every
broken rule.

It shares no code with the planner's evaluator (:mod:`twin.models.planner.evaluate`) or
its tools-and-parts walk (:mod:`twin.models.planner.kit`): it takes a static travel time
function (minutes from point to point, e.g. a matrix look-up) and walks every route itself:
leaving where the technician is free at ``free_at``, arrival = previous end + travel,
service starts at the later of arrival and the window's opening, a statutory break (if
given) before the first stop that starts after ``shift_start + after``. It checks

* each visit planned at most once, and every visit either planned or refused with a reason;
* the visit's skill and tools (own, or picked up at an earlier depot stop of the route);
* parts: the van's stock, refilled at depot stops (see :mod:`twin.models.routing.kit`),
  never runs short;
* windows (service starts by the window's close) and the shift (home by ``max_end``).

It also prices each route as a company paying by the hour pays it (``paid_min``): a
technician at home leaves at the best departure, the latest that keeps every visit on time
and the return no later than leaving at ``free_at``, found by trying every breakpoint
(leaving so that a visit, with no wait before it, starts just at its window's opening or
close); a technician elsewhere is paid from ``free_at``.

Tests and benchmarks use it to judge plans; the planner never calls it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from twin.models.routing.kit import DEPOT_PREFIX, Depot
from twin.models.routing.plan import TechnicianSpec, TechnicianState, VisitTask

Minutes = Callable[[float, float, float, float], float]  # (ax, ay, bx, by) -> minutes


@dataclass(frozen=True, slots=True)
class RouteCheck:
    """What :func:`check_routes` found: every broken rule, and totals."""

    problems: tuple[str, ...]
    travel_min: float
    span_min: float  # sum over used routes of (return home - free_at)
    depot_stops: int
    paid_min: float = 0.0  # sum over used routes of (return home - best departure)

    @property
    def feasible(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class Pause:
    """The statutory break as the checker applies it (none by default)."""

    length_min: float = 0.0
    after_min: float = 0.0


def check_routes(
    routes: Mapping[str, Sequence[str]],
    technicians: Mapping[str, TechnicianSpec],
    status: Mapping[str, TechnicianState],
    visits: Mapping[str, VisitTask],
    minutes: Minutes,
    depots: Mapping[str, Depot] | None = None,
    *,
    refused: Mapping[str, str] | None = None,
    pause: Pause = Pause(),
    tol: float = 1e-6,
) -> RouteCheck:
    """Check ``routes`` (technician -> visit ids and depot stops) against the rules above."""
    depots = depots or {}
    refused = refused or {}
    problems: list[str] = []
    where: dict[str, str] = {}
    travel = span = paid = 0.0
    n_depot = 0
    for tid in sorted(routes):
        route = tuple(routes[tid])
        if not route:
            continue
        if tid not in technicians:
            problems.append(f"route of unknown technician {tid!r}")
            continue
        for entry in route:
            if entry.startswith(DEPOT_PREFIX):
                n_depot += 1
            elif entry in where:
                problems.append(f"visit {entry} planned twice: {where[entry]} and {tid}")
            else:
                where[entry] = tid
        spec, st = technicians[tid], status[tid]
        got = _walk(tid, route, spec, st, visits, depots, minutes, pause, st.free_at)
        problems.extend(got[0])
        travel += got[1]
        span += got[2] - st.free_at
        paid += _paid(tid, route, spec, st, visits, depots, minutes, pause, got[2], tol)
        if got[2] > technicians[tid].max_end + tol:
            problems.append(f"{tid} home at {got[2]:.4f} > max_end {technicians[tid].max_end:g}")
        problems.extend(
            f"{vid} on {tid} starts {start:.4f} > window end {visits[vid].window_end:g}"
            for vid, start in got[3]
            if vid in visits and start > visits[vid].window_end + tol
        )
    for vid in sorted(visits):
        if vid not in where and vid not in refused:
            problems.append(f"visit {vid} neither planned nor refused (a silent drop)")
        if vid in where and vid in refused:
            problems.append(f"visit {vid} both planned and refused")
    for vid, reason in sorted(refused.items()):
        if not reason:
            problems.append(f"visit {vid} refused without a reason")
    return RouteCheck(tuple(problems), travel, span, n_depot, paid)


def _paid(
    tid: str,
    route: tuple[str, ...],
    spec: TechnicianSpec,
    st: TechnicianState,
    visits: Mapping[str, VisitTask],
    depots: Mapping[str, Depot],
    minutes: Minutes,
    pause: Pause,
    home_early: float,
    tol: float,
) -> float:
    """Paid minutes of one route from the best departure (see the module docstring)."""
    best = home_early - st.free_at
    if (st.x, st.y) != (spec.home_x, spec.home_y):
        return best
    x, y, ahead = st.x, st.y, 0.0
    leaves = []
    for entry in route:
        place = depots.get(entry[len(DEPOT_PREFIX) :]) if entry.startswith(DEPOT_PREFIX) else None
        v = visits.get(entry)
        if place is not None:
            ahead += minutes(x, y, place.x, place.y) + place.service_min
            x, y = place.x, place.y
        elif v is not None:
            ahead += minutes(x, y, v.x, v.y)
            leaves += [w - ahead for w in (v.window_start, v.window_end) if w - ahead > st.free_at]
            ahead += v.duration_min
            x, y = v.x, v.y
    for leave in sorted(leaves):
        _, _, home, starts = _walk(tid, route, spec, st, visits, depots, minutes, pause, leave)
        on_time = all(s <= visits[vid].window_end + tol for vid, s in starts)
        if on_time and home <= home_early + tol:
            best = min(best, home - leave)
    return best


def _walk(
    tid: str,
    route: tuple[str, ...],
    spec: TechnicianSpec,
    st: TechnicianState,
    visits: Mapping[str, VisitTask],
    depots: Mapping[str, Depot],
    minutes: Minutes,
    pause: Pause,
    leave: float,
) -> tuple[list[str], float, float, list[tuple[str, float]]]:
    """Problems, travel, return time and service starts of one route, leaving at ``leave``."""
    problems: list[str] = []
    tools = set(spec.tools)
    stock = dict(spec.stock)
    t, x, y = leave, st.x, st.y
    pause_due = not st.break_taken and pause.length_min > 0
    pause_at = spec.shift_start + pause.after_min
    travel = 0.0
    starts: list[tuple[str, float]] = []
    for i, entry in enumerate(route):
        if pause_due and t >= pause_at:
            t += pause.length_min
            pause_due = False
        if entry.startswith(DEPOT_PREFIX):
            dep = depots.get(entry[len(DEPOT_PREFIX) :])
            if dep is None:
                problems.append(f"{tid} stops at unknown depot {entry!r}")
                continue
            leg = minutes(x, y, dep.x, dep.y)
            t += leg + dep.service_min
            travel += leg
            x, y = dep.x, dep.y
            tools |= dep.tools
            ahead: dict[str, int] = {}
            for later in route[i + 1 :]:
                if later.startswith(DEPOT_PREFIX):
                    break
                for part, n in visits[later].parts.items() if later in visits else ():
                    ahead[part] = ahead.get(part, 0) + n
            for part in dep.parts:
                stock[part] = max(stock.get(part, 0), spec.stock.get(part, 0), ahead.get(part, 0))
            continue
        v = visits.get(entry)
        if v is None:
            problems.append(f"{tid} has unknown visit {entry!r}")
            continue
        if v.skill not in spec.skills:
            problems.append(f"{entry} needs skill {v.skill!r}, {tid} has {sorted(spec.skills)}")
        missing = sorted(v.tools - tools)
        if missing:
            problems.append(f"{entry} needs tools {missing}, {tid} has none of them there")
        for part, n in sorted(v.parts.items()):
            if stock.get(part, 0) < n:
                problems.append(f"{entry} needs {n} x {part!r}, {tid} has {stock.get(part, 0)}")
            stock[part] = stock.get(part, 0) - n
        leg = minutes(x, y, v.x, v.y)
        travel += leg
        start = max(t + leg, v.window_start)
        starts.append((entry, start))
        t = start + v.duration_min
        x, y = v.x, v.y
    if pause_due and t > pause_at:
        t += pause.length_min
    leg = minutes(x, y, spec.home_x, spec.home_y)
    return problems, travel + leg, t + leg, starts
