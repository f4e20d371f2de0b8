"""Travel on real streets: the :class:`TravelModel` interface over a road graph.

A leg runs from the node nearest its start to the node nearest its end along the quickest
free-flow path; its distance is the path's length (plus the straight way from each point
to its node, zero for sites, which lie on nodes). Its speed is the path's mean free-flow
speed times the scenario's time-of-day profile relative to its fastest hour
(``speed_kmh_by_hour / max(speed_kmh_by_hour)``), so ``minutes_for`` integrates it across
hour boundaries as on the synthetic plane (FIFO holds). Incidents still slow the ring zones
(rings around the network's centre); the zones' own speed factors are not applied: the
road classes replace them.

Legs are cached per pair of end points (as the synthetic model does) and shortest-path rows
per source node, so a planner's repeated look-ups cost a dictionary hit and the compiled
time integration (``bench/roads_travel.py`` measures it against the synthetic model).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from twin.config import City, ConfigError, Traffic
from twin.models.routing.roads.graph import RoadGraph
from twin.models.routing.travel import KERNELS, NO_INCIDENTS, TravelModel


@dataclass(frozen=True)
class RoadTravelModel(TravelModel):
    """Expected travel on the streets of ``graph``."""

    graph: RoadGraph = field(default=None, compare=False)  # type: ignore[assignment]
    _node_cache: dict[tuple[float, float], tuple[int, float]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _ref_kmh: float = field(default=1.0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.graph is None:
            raise ValueError("RoadTravelModel needs a road graph")
        w, h = self.graph.extent_km
        if max(w, h) > self.city.size_km:
            msg = (
                f"city.size_km: {self.city.size_km:g} km is smaller than the street network "
                f"of {self.graph.source} ({w:.2f} x {h:.2f} km; allowed: at least "
                f"{math.ceil(max(w, h) * 10) / 10:g} km, the side of the square its events "
                "are checked against)"
            )
            raise ConfigError(msg)
        object.__setattr__(self, "_ref_kmh", max(self._speeds))
        if KERNELS is not None:  # the compiled time integration, same bits as the reference
            zones = self.city.zones
            kernel = KERNELS.LegKernel(
                0.0, 1.0, [z.outer_radius_km for z in zones], [1.0] * len(zones),
                [z.name for z in zones], self._speeds,
            )  # fmt: skip
            object.__setattr__(self, "minutes_for", kernel.minutes_for)
        self._bind_hot_methods()

    def _bind_hot_methods(self) -> None:
        """``leg`` and ``travel_min`` as closures over the leg cache: one Python frame per
        look-up instead of three (the planner calls them in its innermost loops)."""
        cache_get = self._leg_cache.get
        slow = self._leg
        minutes_for = self.minutes_for

        def leg(
            ax: float, ay: float, bx: float, by: float,
            incidents: Mapping[str, float] = NO_INCIDENTS,
        ) -> tuple[float, float]:  # fmt: skip
            hit = cache_get((ax, ay, bx, by)) or slow(ax, ay, bx, by)
            if incidents:
                worst = min(incidents.get(hit[2], 1.0), incidents.get(hit[3], 1.0))
                return hit[0], hit[1] * worst
            return hit[0], hit[1]

        def travel_min(
            ax: float, ay: float, bx: float, by: float, depart_min: float,
            incidents: Mapping[str, float] = NO_INCIDENTS,
        ) -> float:  # fmt: skip
            hit = cache_get((ax, ay, bx, by)) or slow(ax, ay, bx, by)
            factor = hit[1]
            if incidents:
                factor *= min(incidents.get(hit[2], 1.0), incidents.get(hit[3], 1.0))
            return minutes_for(hit[0], depart_min, factor)

        object.__setattr__(self, "leg", leg)
        object.__setattr__(self, "travel_min", travel_min)

    def __reduce__(self) -> Any:
        return (_rebuild, (self.city, self.traffic, self.graph))

    @property
    def centre(self) -> tuple[float, float]:
        w, h = self.graph.extent_km
        return (w / 2, h / 2)

    @property
    def extent_km(self) -> tuple[float, float]:
        return self.graph.extent_km

    def zone_index(self, x: float, y: float) -> int:
        key = (x, y)
        cached = self._zone_cache.get(key)
        if cached is not None:
            return cached
        cx, cy = self.centre
        r = math.hypot(x - cx, y - cy)
        index = len(self.city.zones) - 1
        for i, zone in enumerate(self.city.zones):
            if r <= zone.outer_radius_km:
                index = i
                break
        if len(self._zone_cache) < 1_000_000:
            self._zone_cache[key] = index
        return index

    def node(self, x: float, y: float) -> tuple[int, float]:
        """The node a point snaps to and how far it is (km); ConfigError when farther than
        ``city.max_snap_km`` (a site off the network)."""
        hit = self._node_cache.get((x, y))
        if hit is None:
            hit = self.graph.nearest(x, y)
            if hit[1] > self.city.max_snap_km:
                msg = (
                    f"city.roads: the point ({x:g}, {y:g}) km is {hit[1]:.2f} km from the "
                    f"nearest street of {self.graph.source} (allowed: within city.max_snap_km"
                    f" = {self.city.max_snap_km:g} km; the network spans "
                    f"{self.extent_km[0]:.2f} x {self.extent_km[1]:.2f} km)"
                )
                raise ConfigError(msg)
            if len(self._node_cache) < 1_000_000:
                self._node_cache[(x, y)] = hit
        return hit

    def site(self, x: float, y: float) -> tuple[float, float]:
        """A point drawn in the city's square (``size_km``) placed on the network: scaled to
        the network's bounding box, then moved to the nearest node."""
        return place_site(self.graph, self.city.size_km, x, y)

    def distance_km(self, ax: float, ay: float, bx: float, by: float) -> float:
        return self._leg(ax, ay, bx, by)[0]

    def _leg(self, ax: float, ay: float, bx: float, by: float) -> tuple[float, float, str, str]:
        leg = self._leg_cache.get((ax, ay, bx, by))
        if leg is None:
            (a, da), (b, db) = self.node(ax, ay), self.node(bx, by)
            minutes, km, _ = self.graph.row(a)
            dist = float(km[b]) + da + db
            free = float(minutes[b]) + (da + db) / self.graph_access_kmh * 60.0
            if a == b:
                dist = math.hypot(ax - bx, ay - by)
                free = dist / self.graph_access_kmh * 60.0
            factor = dist / free * 60.0 / self._ref_kmh if free > 0 else 1.0
            leg = (dist, factor, self.zone_name(ax, ay), self.zone_name(bx, by))
            if len(self._leg_cache) >= 2_000_000:
                self._leg_cache.clear()
            self._leg_cache[(ax, ay, bx, by)] = leg
        return leg

    @property
    def graph_access_kmh(self) -> float:
        """Speed of the short way between a point and its node (a yard, a car park)."""
        return 10.0

    def path_xy(
        self, ax: float, ay: float, bx: float, by: float
    ) -> tuple[list[float], list[float], list[float]]:
        """The leg's points (x, y) along the streets and the km driven at each."""
        (a, _), (b, _) = self.node(ax, ay), self.node(bx, by)
        nodes = self.graph.path(a, b) if a != b else []
        xs = [ax] + [float(self.graph.x[n]) for n in nodes] + [bx]
        ys = [ay] + [float(self.graph.y[n]) for n in nodes] + [by]
        done = [0.0]
        for i in range(1, len(xs)):
            done.append(done[-1] + math.hypot(xs[i] - xs[i - 1], ys[i] - ys[i - 1]))
        return xs, ys, done

    def position(self, ax: float, ay: float, bx: float, by: float, f: float) -> tuple[float, float]:
        """Where a van is after the share ``f`` of the leg from a to b (along the streets)."""
        if f <= 0.0:
            return ax, ay
        if f >= 1.0:
            return bx, by
        xs, ys, done = self.path_xy(ax, ay, bx, by)
        goal = f * done[-1]
        for i in range(1, len(xs)):
            if done[i] >= goal:
                seg = done[i] - done[i - 1]
                g = 0.0 if seg <= 0 else (goal - done[i - 1]) / seg
                return xs[i - 1] + g * (xs[i] - xs[i - 1]), ys[i - 1] + g * (ys[i] - ys[i - 1])
        return bx, by


def place_site(graph: RoadGraph, side_km: float, x: float, y: float) -> tuple[float, float]:
    """The node for a point drawn in a ``side_km`` square scaled onto ``graph``'s box."""
    w, h = graph.extent_km
    i, _ = graph.nearest(x / side_km * w, y / side_km * h)
    return (round(float(graph.x[i]), 4), round(float(graph.y[i]), 4))


def _rebuild(city: City, traffic: Traffic, graph: RoadGraph) -> RoadTravelModel:
    return RoadTravelModel(city, traffic, graph)


__all__ = ["NO_INCIDENTS", "RoadTravelModel", "place_site"]
