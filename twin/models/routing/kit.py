"""Tools, spare parts and depots: what a visit needs beyond a skill, and where to get it.

A technician (:class:`~twin.models.routing.plan.TechnicianSpec`) carries ``tools`` (kept
all day) and a van ``stock`` of parts (part type -> count, used up visit by visit). A visit
(:class:`~twin.models.routing.plan.VisitTask`) may need ``tools`` and ``parts``. A
:class:`Depot` (warehouse, branch) hands out the tools and part types it holds: a route may
stop there (a *depot stop*, written :func:`depot_stop` in the route, next to visit ids).

At a depot stop the technician picks up every tool the depot holds and **restocks**: each
part type the depot holds is refilled to the larger of the van's own stock and what the
visits up to the next depot stop (or the end of the route) need of it. Everything is
unchanged for visits and technicians without tools or parts (the defaults).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from twin.models.routing.plan import VisitTask

DEPOT_PREFIX = "depot:"  # route entries starting with this are depot stops, not visits
# the reason of a plan_published that only re-times the depot stops ahead (parts-aware
# planning): the routes' visits did not change, so it is not a replan
DEPOT_STOPS_REASON = "depot stops"


@dataclass(frozen=True, slots=True)
class Depot:
    """A place to pick up tools and parts; ``service_min`` is the time a stop there takes."""

    depot_id: str
    x: float
    y: float
    tools: frozenset[str] = frozenset()
    parts: frozenset[str] = frozenset()  # part types held (as many as needed)
    service_min: float = 10.0

    def __post_init__(self) -> None:
        if not self.depot_id or DEPOT_PREFIX in self.depot_id:
            msg = (
                f"Depot.depot_id must be non-empty and without {DEPOT_PREFIX!r}, "
                f"got {self.depot_id!r}"
            )
            raise ValueError(msg)
        if not self.service_min >= 0:
            msg = f"Depot.service_min must be >= 0 minutes, got {self.service_min!r}"
            raise ValueError(msg)


def depot_stop(depot_id: str) -> str:
    """The route entry for a stop at depot ``depot_id``."""
    return DEPOT_PREFIX + depot_id


def depot_of(entry: str) -> str | None:
    """The depot id of a route entry that is a depot stop, else ``None`` (a visit)."""
    return entry[len(DEPOT_PREFIX) :] if entry.startswith(DEPOT_PREFIX) else None


def stop_task(depot_id: str, before: str, x: float, y: float, service_min: float) -> VisitTask:
    """A planned depot stop (just before visit ``before``) as a link of an ETA chain: at the
    depot, no window to wait for, ``service_min`` on site. Its id starts with
    :data:`DEPOT_PREFIX` (:func:`is_stop`), so a chain's reader can tell it from a visit."""
    return VisitTask(
        f"{DEPOT_PREFIX}{depot_id}@{before}", "", x, y, "depot", "", 0, 0.0, 1e9, service_min
    )


def with_stops(
    visits: Sequence[VisitTask], stops: Iterable[tuple[str, str, float, float, float]]
) -> tuple[VisitTask, ...]:
    """``visits`` with a :func:`stop_task` just before each visit a stop is planned for
    (``stops``: depot id, the visit it comes before, x, y, minutes at the depot)."""
    before = {s[1]: stop_task(*s) for s in stops}
    out: list[VisitTask] = []
    for v in visits:
        stop = before.get(v.visit_id)
        if stop is not None:
            out.append(stop)
        out.append(v)
    return tuple(out)


def is_stop(visit_id: str) -> bool:
    """Whether a chain's link is a depot stop (:func:`stop_task`), not a visit."""
    return visit_id.startswith(DEPOT_PREFIX)


def check_quantities(owner: str, field_name: str, parts: Mapping[str, int]) -> None:
    """Refuse part counts that are not whole numbers >= 0, naming where they came from."""
    for part, count in parts.items():
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            msg = f"{owner}.{field_name}[{part!r}] must be a whole number >= 0, got {count!r}"
            raise ValueError(msg)


def segment_needs(entries: Iterable[str], needs: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    """Parts the visits among ``entries`` need up to the first depot stop."""
    total: dict[str, int] = {}
    for entry in entries:
        if depot_of(entry) is not None:
            break
        for part, count in needs.get(entry, {}).items():
            total[part] = total.get(part, 0) + count
    return total
