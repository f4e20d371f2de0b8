"""The end of a technician's day: which visit ahead can no longer be done today.

A technician sets off for the next visit only if, starting it (at its window at the
earliest), working its booked duration and driving home, they are back by the end of their
longest day (``TechnicianSpec.max_end``, regular shift plus allowed overtime); otherwise
the day ends there and every visit still ahead is missed (the world's rule,
:meth:`twin.sim.world.World.take_next`). The brain sees this coming: once even the early
end of a visit's ETA interval (P10) is too late to finish and drive home in time, the
visit will not happen today, and the honest thing is to say so — move it to another day
and tell the customer — rather than promise a new arrival time nobody will keep.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from twin.models.eta.chain import VisitEta
from twin.models.routing.kit import is_stop
from twin.models.routing.plan import TechnicianSpec, VisitTask
from twin.models.routing.travel import TravelModel


def first_unreachable(
    chain: Sequence[VisitTask],
    etas: Sequence[VisitEta],
    spec: TechnicianSpec,
    travel: TravelModel,
    skip: str | None = None,
    now: float = -math.inf,
    lead_min: float = math.inf,
) -> int | None:
    """Index in ``chain`` of the first visit (other than ``skip``, the one already being
    driven to) that cannot be finished, with the drive home, by ``spec.max_end`` even if
    the technician arrives at the early end of its ETA interval; ``None`` if all can.

    Only visits whose early arrival is within ``lead_min`` of ``now`` are judged: further
    ahead, replanning still has time to move them to a colleague."""
    for i, (v, e) in enumerate(zip(chain, etas, strict=True)):
        if v.visit_id == skip or is_stop(v.visit_id):  # a depot stop is judged by its visit
            continue
        if e.low - now > lead_min:
            return None  # the chain only gets later from here
        end = max(e.low, v.window_start) + v.duration_min
        if end > spec.max_end:
            return i
        if end + travel.travel_min(v.x, v.y, spec.home_x, spec.home_y, end) > spec.max_end:
            return i
    return None
