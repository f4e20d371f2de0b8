"""Real roads (issue 18, part 4): graph libraries, the on-disk cache, and the cost of a
travel look-up on the streets against the synthetic plane's, measured in the same run.

* ``graphs``: the Helsinki street graph in scipy.sparse.csgraph, igraph and networkx (each
  where installed: igraph and networkx are not dependencies of the twin): build from the
  edge list, one-to-many shortest paths from ``--sources`` nodes, all pairs.
* ``cache``: reading the .osm.pbf and building the graph (cold) against loading the cached
  graph (a second run).
* ``legs``: ``travel_min`` over the legs between ``--sites`` sites on the streets (and the
  same points on the synthetic plane, compiled model), in the planner's way: the same legs
  again and again at changing departure times, after one warm-up pass. CPU and wall time
  per look-up, interleaved, ``--repeats`` times; the ratio roads / synthetic.
* ``day``: a day of ``helsinki.toml`` without the brain on the streets and on the plane of
  the same size (with and without the compiled kernels in the planner: on real roads the
  planner prices insertions in Python, the kernels know only the plane's geometry); the
  dispatcher's time per call (the planner's share of a day).

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_roads.py [--parts graphs cache legs day]``
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from _common import SCENARIOS, md_table, timed
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from twin.config import Scenario, load_scenario
from twin.models.routing.dispatch import BaselineDispatcher
from twin.models.routing.plan import BreakRule
from twin.models.routing.roads import resolve, road_graph, travel_model
from twin.models.routing.roads.graph import RoadGraph, build_graph, load_graph
from twin.models.routing.roads.read import read_roads
from twin.models.routing.travel import TravelModel
from twin.sim.world import World


def clocks(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """CPU and wall seconds of ``fn()``, and its result."""
    c, w = time.process_time(), time.perf_counter()
    out = fn()
    return time.process_time() - c, time.perf_counter() - w, out


def graph_libraries(g: RoadGraph, n_sources: int) -> list[list[object]]:
    src = np.repeat(np.arange(g.n_nodes), np.diff(g.indptr)).tolist()
    dst, w = g.indices.tolist(), g.minutes.tolist()
    sources = list(range(0, g.n_nodes, max(1, g.n_nodes // n_sources)))[:n_sources]
    rows = []
    build = lambda: csr_matrix((w, (src, dst)), shape=(g.n_nodes,) * 2)  # noqa: E731
    m = build()
    rows.append(["scipy.sparse.csgraph", *_time3(build, lambda: dijkstra(m, indices=sources),
                                                  lambda: dijkstra(m))])  # fmt: skip
    try:
        import igraph

        def ig_build() -> Any:
            return igraph.Graph(n=g.n_nodes, edges=list(zip(src, dst, strict=True)),
                                directed=True, edge_attrs={"w": w})  # fmt: skip

        ig = ig_build()
        rows.append(["igraph " + igraph.__version__, *_time3(
            ig_build, lambda: ig.distances(source=sources, weights="w"),
            lambda: ig.distances(weights="w"))])  # fmt: skip
    except ImportError:
        rows.append(["igraph", "not installed", "", ""])
    try:
        import networkx as nx

        def nx_build() -> Any:
            h = nx.DiGraph()
            h.add_weighted_edges_from(zip(src, dst, w, strict=True))
            return h

        h = nx_build()
        one = lambda: [nx.single_source_dijkstra_path_length(h, s) for s in sources]  # noqa: E731
        rows.append(["networkx " + nx.__version__, *_time3(nx_build, one,
                     lambda: dict(nx.all_pairs_dijkstra_path_length(h)))])  # fmt: skip
    except ImportError:
        rows.append(["networkx", "not installed", "", ""])
    return rows


def _time3(*fns: Callable[[], Any]) -> list[str]:
    return [f"{clocks(fn)[0] * 1000:.1f}" for fn in fns]


def cache_costs(path: Path) -> list[list[object]]:
    with tempfile.TemporaryDirectory() as folder:
        cold = clocks(lambda: load_graph(path, Path(folder)))
        warm = clocks(lambda: load_graph(path, Path(folder)))
    read = clocks(lambda: read_roads(path))
    build = clocks(lambda: build_graph(read[2], str(path), ""))
    return [
        ["read .osm.pbf (pyosmium)", f"{read[0] * 1000:.1f}", f"{read[1] * 1000:.1f}"],
        ["build graph (largest strong part)", f"{build[0] * 1000:.1f}", f"{build[1] * 1000:.1f}"],
        ["first run: hash + read + build + save", f"{cold[0] * 1000:.1f}", f"{cold[1] * 1000:.1f}"],
        ["second run: hash + load cache", f"{warm[0] * 1000:.1f}", f"{warm[1] * 1000:.1f}"],
    ]


def leg_costs(sc: Scenario, n_sites: int, repeats: int) -> list[list[object]]:
    road = travel_model(sc.city, sc.traffic)
    plane = TravelModel(sc.city.model_copy(update={"roads": None}), sc.traffic)
    rng = random.Random(7)
    sites = [road.site(rng.uniform(0, 2), rng.uniform(0, 2)) for _ in range(n_sites)]  # type: ignore[attr-defined]
    legs = [(a[0], a[1], b[0], b[1], rng.uniform(7 * 60, 17 * 60)) for a in sites for b in sites]
    cold = clocks(lambda: [road.travel_min(*leg) for leg in legs])  # shortest paths, cached
    for leg in legs:
        plane.travel_min(*leg)
    per: dict[str, list[tuple[float, float]]] = {"synthetic (compiled)": [], "roads": []}
    for _ in range(repeats):
        for name, model in (("synthetic (compiled)", plane), ("roads", road)):
            f = model.travel_min
            cpu, wall, _ = clocks(lambda f=f: [f(*leg) for leg in legs])  # type: ignore[misc]
            per[name].append((cpu / len(legs) * 1e9, wall / len(legs) * 1e9))
    base = statistics.median(c for c, _ in per["synthetic (compiled)"])
    rows: list[list[object]] = []
    for name, runs in per.items():
        cpu = statistics.median(c for c, _ in runs)
        wall = statistics.median(w for _, w in runs)
        rows.append([name, f"{cpu:.0f}", f"{wall:.0f}", f"{cpu / base:.2f}"])
    first = [f"{cold[i] / len(legs) * 1e9:.0f}" for i in (0, 1)]
    rows.append([f"roads, first look-up of each leg ({len(sites)} sites)", *first, ""])
    return rows


class PythonTravel(TravelModel):
    """The synthetic model without its compiled twin (a subclass keeps the Python methods),
    so that the planner prices insertions in Python, as it must on real roads."""


def _python_planner(travel: TravelModel, brk: BreakRule) -> BaselineDispatcher:
    return BaselineDispatcher(PythonTravel(travel.city, travel.traffic), brk)


def day_costs(sc: Scenario, repeats: int) -> list[list[object]]:
    rows: list[list[object]] = []
    plane = sc.with_overrides(**{"city.roads": None})
    arms: dict[str, tuple[Scenario, Any]] = {
        "roads": (sc, BaselineDispatcher),
        "plane, same size": (plane, BaselineDispatcher),
        "plane, planner without compiled kernels": (plane, _python_planner),
    }
    for _ in range(repeats):
        for name, (arm, factory) in arms.items():
            make = timed(factory)
            cpu, wall, world = clocks(lambda a=arm, m=make: World(a, m))  # type: ignore[misc]
            cpu2, wall2, events = clocks(world.run)
            d = world.dispatcher
            calls = sum(n for _, n in d.snapshot().values())
            rows.append([name, f"{cpu + cpu2:.2f}", f"{wall + wall2:.2f}", len(events), calls,
                         f"{d.total() / max(calls, 1) * 1000:.2f}"])  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", nargs="+", default=["graphs", "cache", "legs", "day"])
    parser.add_argument("--scenario", type=Path, default=SCENARIOS / "helsinki.toml")
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--sites", type=int, default=150)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    sc = load_scenario(args.scenario)
    roads = sc.city.roads or "packaged:helsinki"
    g = road_graph(roads)
    print(f"{roads}: {g.n_nodes} nodes, {len(g.km)} directed edges; load {os.getloadavg()}")
    if "graphs" in args.parts:
        head = ["library", "build ms", f"one-to-many x{args.sources} ms", "all pairs ms"]
        print(md_table(head, graph_libraries(g, args.sources)), "\n(CPU ms)\n")
    if "cache" in args.parts:
        print(md_table(["step", "CPU ms", "wall ms"], cache_costs(resolve(roads))), "\n")
    if "legs" in args.parts:
        head = ["travel_min per leg", "CPU ns", "wall ns", "CPU ratio to synthetic"]
        print(md_table(head, leg_costs(sc, args.sites, args.repeats)), "\n")
    if "day" in args.parts:
        head = ["day (no brain)", "CPU s", "wall s", "events", "dispatcher calls", "ms/call"]
        print(md_table(head, day_costs(sc, max(1, args.repeats // 2))), "\n")
    print(f"load average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
