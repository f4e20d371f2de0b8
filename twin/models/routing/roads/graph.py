"""The road graph: streets as a directed graph in the city's km frame, cached on disk.

Nodes are the OSM nodes of drivable ways, placed on a local plane (km east and north of
the extract's south-west corner; equirectangular, exact enough for a city). Edges carry
their length and free-flow minutes. Only the largest strongly connected part is kept, so
that every site can reach every other (dead-end one-way fragments at the extract's edge
would otherwise leave legs without a route).

Shortest paths minimise free-flow minutes (``scipy.sparse.csgraph.dijkstra``, one source at
a time, kept per source: a day visits a few hundred sites, see bench/RESULTS.md for the
comparison with igraph and networkx). A site snaps to its nearest node (``cKDTree``).

The graph is built once per file: :func:`load_graph` keys a ``.npz`` cache by the file's
SHA-256 and :data:`FORMAT`, so a second run (or a second process) loads it in milliseconds.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from twin.config import ConfigError
from twin.models.routing.roads.read import RawRoads, read_roads

log = logging.getLogger(__name__)
FORMAT = 1  # bump when the cached arrays change meaning
KM_PER_DEG_LAT = 111.32
_ROWS_BYTES = 256 << 20  # memory for the shortest-path rows kept (3 arrays per source)


def cache_dir() -> Path:
    """``$FIELDTWIN_CACHE`` or ``~/.cache/fieldtwin``: where built graphs are kept."""
    env = os.environ.get("FIELDTWIN_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "fieldtwin"


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True, eq=False)
class RoadGraph:
    """Nodes (km), CSR edges (km, free-flow minutes) and the shortest-path look-ups."""

    source: str  # the file it was read from
    sha256: str
    lon0: float  # the frame's origin (degrees): the extract's south-west corner
    lat0: float
    x: np.ndarray  # km east of lon0, per node
    y: np.ndarray  # km north of lat0
    indptr: np.ndarray
    indices: np.ndarray
    km: np.ndarray  # per edge
    minutes: np.ndarray  # per edge, free flow
    _tree: cKDTree = field(init=False, repr=False)
    _by_time: csr_matrix = field(init=False, repr=False)
    _by_km: csr_matrix = field(init=False, repr=False)
    _rows: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(
        default_factory=dict, init=False, repr=False
    )

    def __post_init__(self) -> None:
        n = len(self.x)
        shape = (n, n)
        by_time = csr_matrix((self.minutes, self.indices, self.indptr), shape=shape)
        by_km = csr_matrix((self.km, self.indices, self.indptr), shape=shape)
        object.__setattr__(self, "_by_time", by_time)
        object.__setattr__(self, "_by_km", by_km)
        object.__setattr__(self, "_tree", cKDTree(np.column_stack([self.x, self.y])))

    @property
    def n_nodes(self) -> int:
        return len(self.x)

    @property
    def extent_km(self) -> tuple[float, float]:
        """Width and height of the network's bounding box (km)."""
        return float(self.x.max()), float(self.y.max())

    def nearest(self, x: float, y: float) -> tuple[int, float]:
        """The node nearest to ``(x, y)`` and its straight-line distance (km)."""
        d, i = self._tree.query((x, y))
        return int(i), float(d)

    def row(self, source: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Free-flow minutes, km along that path and predecessors from ``source`` to all."""
        cached = self._rows.get(source)
        if cached is not None:
            return cached
        minutes, pred = dijkstra(self._by_time, indices=source, return_predecessors=True)
        km = np.zeros(len(minutes))
        order = np.argsort(minutes, kind="stable")
        reached = order[np.isfinite(minutes[order])][1:]  # the source itself first
        step = np.asarray(self._by_km[pred[reached], reached]).ravel()
        for v, p, s in zip(reached.tolist(), pred[reached].tolist(), step.tolist(), strict=True):
            km[v] = km[p] + s
        if len(self._rows) >= max(16, _ROWS_BYTES // (24 * self.n_nodes)):
            self._rows.clear()  # a region's graph: rows are big, the sites few
        self._rows[source] = (minutes, km, pred)
        return minutes, km, pred

    def path(self, a: int, b: int) -> list[int]:
        """The nodes of the shortest (free-flow) path from ``a`` to ``b``, both included."""
        pred = self.row(a)[2]
        out = [b]
        while out[-1] != a:
            out.append(int(pred[out[-1]]))
        out.reverse()
        return out

    def edges_xy(self) -> tuple[list[float | None], list[float | None]]:
        """Every street segment once, as x and y lists with None between segments (maps)."""
        src = np.repeat(np.arange(self.n_nodes), np.diff(self.indptr))
        dst = self.indices
        keep = src < dst  # a two-way street is drawn once
        one_way = ~keep
        pairs = set(zip(src[keep].tolist(), dst[keep].tolist(), strict=True))
        extra = [
            (a, b)
            for a, b in zip(src[one_way].tolist(), dst[one_way].tolist(), strict=True)
            if (b, a) not in pairs
        ]
        xs: list[float | None] = []
        ys: list[float | None] = []
        for a, b in sorted(pairs) + extra:
            xs += [round(float(self.x[a]), 4), round(float(self.x[b]), 4), None]
            ys += [round(float(self.y[a]), 4), round(float(self.y[b]), 4), None]
        return xs, ys


def build_graph(raw: RawRoads, source: str, sha256: str) -> RoadGraph:
    """The largest strongly connected part of ``raw``, on the km plane."""
    lon0, lat0 = float(raw.lon.min()), float(raw.lat.min())
    km_per_deg_lon = KM_PER_DEG_LAT * np.cos(np.radians(float(raw.lat.mean())))
    x = (raw.lon - lon0) * km_per_deg_lon
    y = (raw.lat - lat0) * KM_PER_DEG_LAT
    seg = np.hypot(x[raw.dst] - x[raw.src], y[raw.dst] - y[raw.src])
    minutes = seg / raw.speed_kmh * 60.0
    # parallel ways between two nodes: keep the quickest
    order = np.lexsort((minutes, raw.dst, raw.src))
    s, d, km, mins = raw.src[order], raw.dst[order], seg[order], minutes[order]
    first = np.ones(len(s), dtype=bool)
    first[1:] = (s[1:] != s[:-1]) | (d[1:] != d[:-1])
    first &= s != d
    s, d, km, mins = s[first], d[first], km[first], mins[first]
    n = len(x)
    _, label = connected_components(
        csr_matrix((np.ones(len(s)), (s, d)), shape=(n, n)), connection="strong"
    )
    keep_label = int(np.bincount(label).argmax())
    keep = np.flatnonzero(label == keep_label)
    new = np.full(n, -1)
    new[keep] = np.arange(len(keep))
    inside = (label[s] == keep_label) & (label[d] == keep_label)
    m = csr_matrix((mins[inside], (new[s[inside]], new[d[inside]])), shape=(len(keep),) * 2)
    k = csr_matrix((km[inside], (new[s[inside]], new[d[inside]])), shape=(len(keep),) * 2)
    m.sort_indices(), k.sort_indices()
    gx, gy = x[keep], y[keep]
    # the frame starts at the kept network's south-west corner
    lon0 += float(gx.min()) / km_per_deg_lon
    lat0 += float(gy.min()) / KM_PER_DEG_LAT
    return RoadGraph(
        source, sha256, lon0, lat0, gx - gx.min(), gy - gy.min(),
        m.indptr.astype(np.int64), m.indices.astype(np.int64), k.data, m.data,
    )  # fmt: skip


def load_graph(path: Path, cache: Path | None = None) -> RoadGraph:
    """The road graph of ``path``: from the on-disk cache when built before, else built
    (and cached). ConfigError naming the file when it cannot be read."""
    if not path.is_file():
        msg = f"city.roads: {path} does not exist or is not a file (allowed: an .osm.pbf file)"
        raise ConfigError(msg)
    sha = file_sha256(path)
    folder = cache if cache is not None else cache_dir()
    cached = folder / f"roads-{sha[:24]}-v{FORMAT}.npz"
    if cached.is_file():
        try:
            with np.load(cached) as z:
                return RoadGraph(
                    str(path), sha, float(z["lon0"]), float(z["lat0"]), z["x"], z["y"],
                    z["indptr"], z["indices"], z["km"], z["minutes"],
                )  # fmt: skip
        except (OSError, KeyError, ValueError) as exc:
            log.warning("road graph cache %s unreadable (%s): rebuilding it", cached, exc)
    graph = build_graph(read_roads(path), str(path), sha)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(
            tmp, lon0=graph.lon0, lat0=graph.lat0, x=graph.x, y=graph.y,
            indptr=graph.indptr, indices=graph.indices, km=graph.km, minutes=graph.minutes,
        )  # fmt: skip
        tmp.replace(cached)
    except OSError as exc:  # a read-only home: the run goes on without a cache
        log.warning("road graph not cached at %s: %s", cached, exc)
    return graph
