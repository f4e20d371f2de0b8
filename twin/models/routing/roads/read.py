"""Reading the drivable streets of an OpenStreetMap extract (``.osm.pbf``) with pyosmium.

Only ways a van may drive on are kept: a ``highway`` of a road class in :data:`SPEED_KMH`,
without ``access``/``motor_vehicle``/``motorcar`` set to ``no`` or ``private``, and not an
``area``. A way's free-flow speed is its ``maxspeed`` (km/h, or ``mph``) where that is a
number, else its road class's (assumed urban speeds). One-way streets (``oneway=yes``,
``-1``, roundabouts, motorways) get one direction. The result is the raw edge list; the
graph, its cache and its look-ups are in :mod:`twin.models.routing.roads.graph`.

Every failure names the file and what is wrong (:class:`twin.config.ConfigError`): a file
that is missing, is not an OSM PBF file, or holds no drivable street.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from twin.config import ConfigError

if TYPE_CHECKING:  # pyosmium is imported when a file is read: only real roads need it
    from osmium.osm import TagList, Way

# assumed free-flow speeds of urban streets by road class (km/h), where maxspeed is missing
SPEED_KMH: dict[str, float] = {
    "motorway": 90.0,
    "motorway_link": 50.0,
    "trunk": 60.0,
    "trunk_link": 40.0,
    "primary": 40.0,
    "primary_link": 30.0,
    "secondary": 40.0,
    "secondary_link": 30.0,
    "tertiary": 30.0,
    "tertiary_link": 25.0,
    "unclassified": 30.0,
    "residential": 25.0,
    "living_street": 10.0,
    "service": 15.0,
}
CLOSED = frozenset({"no", "private"})
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph)?\s*$")


@dataclass(frozen=True, slots=True)
class RawRoads:
    """Drivable street segments: node coordinates (degrees) and directed edges."""

    lon: np.ndarray  # per node
    lat: np.ndarray
    src: np.ndarray  # per directed edge: node indices and free-flow speed
    dst: np.ndarray
    speed_kmh: np.ndarray


def free_flow_kmh(highway: str, maxspeed: str | None) -> float:
    """``maxspeed`` where it is a plain number (``"30"``, ``"20 mph"``), else the class's."""
    if maxspeed:
        m = _NUMBER.match(maxspeed)
        if m and float(m.group(1)) > 0:
            kmh = float(m.group(1)) * (1.609344 if m.group(2) else 1.0)
            return min(kmh, 130.0)
    return SPEED_KMH[highway]


def _direction(tags: TagList, highway: str) -> int:
    """1: as drawn, -1: against, 0: both ways."""
    oneway = tags.get("oneway")
    if oneway in ("yes", "true", "1"):
        return 1
    if oneway == "-1":
        return -1
    if oneway == "no":
        return 0
    if highway == "motorway" or tags.get("junction") in ("roundabout", "circular"):
        return 1
    return 0


def _drivable(tags: TagList) -> str | None:
    """The way's road class if a van may drive on it, else None."""
    highway = tags.get("highway")
    if highway not in SPEED_KMH or tags.get("area") == "yes":
        return None
    if any(tags.get(key) in CLOSED for key in ("access", "motor_vehicle", "motorcar", "vehicle")):
        return None
    return str(highway)


class _Collector:
    """Nodes met on drivable ways (OSM id -> index) and their directed segments."""

    def __init__(self) -> None:
        self.index: dict[int, int] = {}
        self.lon: list[float] = []
        self.lat: list[float] = []
        self.src: list[int] = []
        self.dst: list[int] = []
        self.speed: list[float] = []

    def way(self, way: Way) -> None:
        highway = _drivable(way.tags)
        if highway is None:
            return
        kmh = free_flow_kmh(highway, way.tags.get("maxspeed"))
        direction = _direction(way.tags, highway)
        ids = []
        for n in way.nodes:
            if not n.location.valid():  # a node outside the extract
                continue
            i = self.index.get(n.ref)
            if i is None:
                i = self.index[n.ref] = len(self.lon)
                self.lon.append(n.location.lon)
                self.lat.append(n.location.lat)
            ids.append(i)
        for a, b in itertools.pairwise(ids):
            if direction >= 0:
                self._edge(a, b, kmh)
            if direction <= 0:
                self._edge(b, a, kmh)

    def _edge(self, a: int, b: int, kmh: float) -> None:
        self.src.append(a)
        self.dst.append(b)
        self.speed.append(kmh)


def read_roads(path: Path) -> RawRoads:
    """The drivable streets of ``path``; ConfigError naming the file if there are none."""
    if not path.is_file():
        msg = f"city.roads: {path} does not exist or is not a file (allowed: an .osm.pbf file)"
        raise ConfigError(msg)
    import osmium
    from osmium.osm import Way

    found = _Collector()
    try:
        for obj in osmium.FileProcessor(str(path)).with_locations():
            if isinstance(obj, Way):
                found.way(obj)
    except (RuntimeError, ValueError, OSError) as exc:
        msg = f"city.roads: {path} is not a readable OpenStreetMap .osm.pbf file ({exc})"
        raise ConfigError(msg) from None
    if not found.src:
        msg = (
            f"city.roads: {path} holds no drivable street (ways tagged highway="
            f"{', '.join(sorted(SPEED_KMH))} and open to vans)"
        )
        raise ConfigError(msg)
    return RawRoads(
        np.asarray(found.lon, dtype=np.float64),
        np.asarray(found.lat, dtype=np.float64),
        np.asarray(found.src, dtype=np.int64),
        np.asarray(found.dst, dtype=np.int64),
        np.asarray(found.speed, dtype=np.float64),
    )
