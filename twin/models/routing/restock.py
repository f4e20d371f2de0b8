"""Real-time restocking: whether a technician stops at a depot before the next visit.

The repair side of parts-aware planning (the daily plan is
:func:`twin.models.planner.kit.plan_with_kit`). Before setting off to the next visit, a
technician goes through a depot when it pays:

* the van lacks a tool or part the next visit is *known* to need (without it the visit
  cannot be fixed): through the depot that holds all of it and gets there first, if the
  visit then starts at most ``late_min`` after its window's close and the technician is
  home by the max end;
* or the van holds fewer than ``restock_below`` of a part type it carries at the start of
  the day (fewer than that start, if it is smaller; needs discovered on site would find
  it empty): through the depot that holds the most of those and gets there first, but
  only if the next visit does not start later than its window's close (or than it would
  start anyway), and home by the max end.

A pure function of the technician's position, kit and next visit; ``minutes`` is the
travel time function (time-dependent), so the same rule runs on any clock.

:func:`plan_restocks` applies the same rule ahead, at every departure of a route as
planned (booked durations, expected travel, known needs only), so that the stops are part
of the plan that goes out: the brain's ETAs for the visits after a stop then include the
detour. Its first stop is exactly the rule's answer now; the ones further ahead are a
forecast, planned again at every departure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from twin.models.routing.kit import Depot
from twin.models.routing.plan import VisitTask

Minutes = Callable[[float, float, float, float, float], float]  # (ax, ay, bx, by, depart)


@dataclass(frozen=True, slots=True)
class Van:
    """Where a technician stands, when, and what the van holds."""

    x: float
    y: float
    now: float
    tools: frozenset[str]
    stock: Mapping[str, int]
    usual: Mapping[str, int]  # the van's stock at the start of the day
    home: tuple[float, float]
    max_end: float


def missing(van: Van, visit: VisitTask) -> tuple[frozenset[str], frozenset[str]]:
    """Tools and part types the van lacks for what ``visit`` is known to need."""
    parts = frozenset(p for p, n in visit.parts.items() if van.stock.get(p, 0) < n)
    return visit.tools - van.tools, parts


def low_parts(van: Van, restock_below: int) -> frozenset[str]:
    """Part types the van usually carries but now holds fewer than ``restock_below`` of
    (or than its usual stock, if that is smaller: a refill brings no more than that)."""
    return frozenset(p for p, n in van.usual.items() if van.stock.get(p, 0) < min(n, restock_below))


def restock_stop(
    van: Van,
    visit: VisitTask,
    depots: Mapping[str, Depot],
    minutes: Minutes,
    restock_below: int,
    late_min: float,
) -> str | None:
    """The depot to stop at before ``visit``, or ``None`` (see the module docstring)."""
    tools, parts = missing(van, visit)
    low = low_parts(van, restock_below)
    if not tools and not parts and not low:
        return None
    direct = max(van.now + minutes(van.x, van.y, visit.x, visit.y, van.now), visit.window_start)
    best: tuple[int, float, str] | None = None
    for did in sorted(depots):
        dep = depots[did]
        if tools or parts:
            if not (tools <= dep.tools and parts <= dep.parts):
                continue
            latest = visit.window_end + late_min
            gain = 0
        else:
            gain = len(low & dep.parts)
            if gain == 0:
                continue
            latest = max(visit.window_end, direct)
        start = _start_via(van, dep, visit, minutes)
        if start > latest or _home(van, visit, start, minutes) > van.max_end:
            continue
        key = (-gain, start, did)
        if best is None or key < best:
            best = key
    return None if best is None else best[2]


def _start_via(van: Van, dep: Depot, visit: VisitTask, minutes: Minutes) -> float:
    t = van.now + minutes(van.x, van.y, dep.x, dep.y, van.now) + dep.service_min
    return max(t + minutes(dep.x, dep.y, visit.x, visit.y, t), visit.window_start)


def _home(van: Van, visit: VisitTask, start: float, minutes: Minutes) -> float:
    end = start + visit.duration_min
    return end + minutes(visit.x, visit.y, van.home[0], van.home[1], end)


def plan_restocks(
    van: Van,
    route: Sequence[VisitTask],
    depots: Mapping[str, Depot],
    minutes: Minutes,
    restock_below: int,
    late_min: float,
    fixed: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The depot stops of ``route`` (visit id -> the depot stopped at just before it).

    ``fixed`` stops (the daily plan's, by visit) are kept; before every other visit the
    restocking rule (:func:`restock_stop`) is asked with the van as it would be when the
    technician leaves for it: at the previous visit's end (booked duration, expected
    travel), its stock less what the visits before it are known to need. At a stop the
    van picks up the depot's tools and each part type held is refilled to the larger of
    the usual stock and what the rest of the route (up to the next fixed stop) is known to
    need, as :meth:`twin.sim.van.Vans.refill` does.
    """
    fixed = fixed or {}
    stock, tools = dict(van.stock), van.tools
    x, y, t = van.x, van.y, van.now
    out: dict[str, str] = {}
    for i, v in enumerate(route):
        did = fixed.get(v.visit_id)
        if did is None:
            here = replace(van, x=x, y=y, now=t, tools=tools, stock=stock)
            did = restock_stop(here, v, depots, minutes, restock_below, late_min)
        if did is not None:
            out[v.visit_id] = did
            dep = depots[did]
            t += minutes(x, y, dep.x, dep.y, t) + dep.service_min
            x, y, tools = dep.x, dep.y, tools | dep.tools
            wanted = _needs_until_fixed(route[i:], fixed)
            for p in dep.parts:
                stock[p] = max(stock.get(p, 0), van.usual.get(p, 0), wanted.get(p, 0))
        t = max(t + minutes(x, y, v.x, v.y, t), v.window_start) + v.duration_min
        x, y = v.x, v.y
        for p, n in v.parts.items():
            stock[p] = max(0, stock.get(p, 0) - n)
    return out


def _needs_until_fixed(route: Sequence[VisitTask], fixed: Mapping[str, str]) -> dict[str, int]:
    """Known needs of ``route`` up to (not including) the next visit with a fixed stop;
    the first visit counts whatever it has (its stop is the one being made)."""
    total: dict[str, int] = {}
    for k, v in enumerate(route):
        if k > 0 and v.visit_id in fixed:
            break
        for p, n in v.parts.items():
            total[p] = total.get(p, 0) + n
    return total
