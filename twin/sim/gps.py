"""GPS: where every technician on shift is, reported as the telematics units do.

:class:`Positions` holds each technician's current leg (from, to, start and end time) as
structure-of-arrays, one row per technician in the order of their ids, and marks those
whose position may have changed since the last round (``watch``). Positions in between
are interpolated along the leg: a straight line on the synthetic plane, the streets of the
leg's path on real roads (``city.roads``).

A round is a few numpy operations over all technicians plus Python work per ping only:
the technicians due are a mask (moving ones, and parked ones whose last ping is a
heartbeat interval old), taken in id order by ``flatnonzero`` instead of sorting a set,
so a round costs the same per technician at any size of company (issue 19).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import simpy

from twin.config import Scenario
from twin.models.routing.roads import RoadTravelModel, travel_model
from twin.sim.recorder import Recorder

SAFE = 1e-6
"""How far (in thousandths) a scaled coordinate must stay from a rounding boundary for
numpy's rounding to be Python's ``round(x, 3)``; nearer ones are rounded by Python."""


class Positions:
    """Every technician's current leg, and who is on shift and may have moved.

    Row ``i`` is the technician ``ids[i]`` (ids sorted, the order pings are reported in):
    ``leg[i]`` = (x0, y0, x1, y1, t0, t1), ``on[i]`` on shift, ``watch[i]`` position may
    have changed since the last round.
    """

    __slots__ = ("ids", "leg", "on", "rank", "watch")

    def __init__(self, technicians: Iterable[str]) -> None:
        self.ids = np.array(sorted(technicians), dtype=object)
        self.rank = {tid: i for i, tid in enumerate(self.ids.tolist())}
        n = len(self.rank)
        if n != len(self.ids):
            msg = f"technicians must be unique, got {len(self.ids)} ids for {n} technicians"
            raise ValueError(msg)
        self.leg = np.zeros((n, 6))
        self.on = np.zeros(n, dtype=bool)
        self.watch = np.zeros(n, dtype=bool)

    def move(
        self, tid: str, x0: float, y0: float, x1: float, y1: float, t0: float, t1: float
    ) -> None:
        """``tid`` is on shift, from ``(x0, y0)`` at ``t0`` to ``(x1, y1)`` at ``t1``."""
        i = self.rank[tid]
        self.leg[i] = (x0, y0, x1, y1, t0, t1)
        self.on[i] = self.watch[i] = True

    def end(self, tid: str) -> tuple[float, float]:
        """``tid``'s shift is over: where their last leg ends."""
        i = self.rank[tid]
        if not self.on[i]:
            msg = f"technician {tid!r} is not on shift"
            raise KeyError(msg)
        self.on[i] = False
        return float(self.leg[i, 2]), float(self.leg[i, 3])


def round3(v: np.ndarray) -> np.ndarray:
    """``round(x, 3)`` of each element, bit for bit: numpy's ``rint(x * 1000) / 1000``
    where ``x * 1000`` is clearly off a half (its rounding error cannot cross one), and
    Python's correctly rounded ``round`` for the few that are near one."""
    scaled = v * 1000.0
    out = np.rint(scaled) / 1000.0
    near = np.abs(scaled - np.floor(scaled) - 0.5) < SAFE * np.maximum(1.0, np.abs(scaled))
    for i in np.flatnonzero(near | ~np.isfinite(scaled)).tolist():
        out[i] = round(float(v[i]), 3)
    return out


def pings(
    env: simpy.Environment,
    fleet: Positions,
    recorder: Recorder,
    scenario: Scenario,
    first_shift: float,
) -> Any:
    """One global GPS process (25x fewer SimPy events than one per technician).

    A technician is reported every round while their position changes (and once
    more when it stops changing), otherwise every ``parked_ping_interval_min``.
    """
    interval = scenario.ping_interval_min
    parked = scenario.parked_ping_interval_min
    yield env.timeout(interval * (first_shift // interval))
    n = len(fleet.ids)
    last = np.zeros((n, 3))  # x, y, time of each technician's last ping
    last[:, 2] = -math.inf
    seen = np.zeros(n, dtype=bool)  # pinged at least once
    roads = travel_model(scenario.city, scenario.traffic) if scenario.city.roads else None
    along = roads.position if isinstance(roads, RoadTravelModel) else None
    while True:
        now = env.now
        at = last[:, :2].copy()  # where everyone is: parked ones where they were last seen
        due = fleet.on & ~fleet.watch & (now - last[:, 2] >= parked)  # heartbeats
        moving = np.flatnonzero(fleet.on & fleet.watch)
        if len(moving):
            xy, done = _positions(fleet.leg[moving], now, along)
            prev = last[moving]
            due[moving] = (
                ~seen[moving]
                | (xy[:, 0] != prev[:, 0])
                | (xy[:, 1] != prev[:, 1])
                | (now - prev[:, 2] >= parked)
            )
            at[moving] = xy
            fleet.watch[moving[done]] = False  # parked: only heartbeats until the next move
        rows = np.flatnonzero(due)
        last[rows, :2] = at[rows]
        last[rows, 2] = now
        seen[rows] = True
        xs, ys = at[rows].T.tolist() if len(rows) else ([], [])
        recorder.pings(now, fleet.ids[rows].tolist(), xs, ys)
        yield env.timeout(interval)


def _positions(leg: np.ndarray, now: float, along: Any) -> tuple[np.ndarray, np.ndarray]:
    """Rounded positions (k x 2) of ``k`` legs at ``now``, and which legs are over."""
    x0, y0, x1, y1, t0, t1 = leg.T
    still = t1 <= t0
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(still, 1.0, np.minimum(1.0, np.maximum(0.0, (now - t0) / (t1 - t0))))
    done = f >= 1.0
    xy = np.empty((len(leg), 2))
    xy[:, 0] = round3(x0 + f * (x1 - x0))
    xy[:, 1] = round3(y0 + f * (y1 - y0))
    if along is not None:  # on real roads, along the streets until the leg is over
        for i in np.flatnonzero(~done).tolist():
            a, b, c, d = (float(v) for v in leg[i, :4])
            px, py = along(a, b, c, d, float(f[i]))
            xy[i] = (round(px, 3), round(py, 3))
    return xy, done
