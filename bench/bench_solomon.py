"""Solomon VRPTW benchmark: our daily optimisation (through our own domain model) next to
PyVRP called directly and OR-Tools routing with guided local search, same time limit, same
run. DIMACS convention (distance truncated to one decimal, objective = distance, <= 25
vehicles); gaps are to the best-known distances in ``bks_dimacs.csv``.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_solomon.py [--instances R101,C101]
[--time-limit 5] [--all]``; ``FIELDTWIN_SOLOMON_DIR`` overrides the instance folder.
"""

from __future__ import annotations

import argparse
import csv
import os
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pyvrp
from fixtures.solomon import load_solomon, plan_distance, solomon_params
from pyvrp.stop import MaxRuntime
from rich.console import Console
from rich.table import Table

from twin.models.planner import optimise_day

DEFAULT = ("R101", "C101", "RC101", "R105", "C105", "RC105")


def solomon_dir() -> Path:
    env = os.environ.get("FIELDTWIN_SOLOMON_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "solomon"


def ours(path: Path, limit: float) -> float:
    day = load_solomon(path)
    routes = optimise_day(
        day.state, day.travel, day.brk, solomon_params(), 0, limit, cargo=day.cargo
    )
    return plan_distance(day, routes)


def pyvrp_direct(path: Path, limit: float) -> float:
    data = pyvrp.read(str(path), round_func="dimacs")
    res = pyvrp.solve(data, MaxRuntime(limit), seed=0)
    return res.best.distance() / 10.0 if res.is_feasible() else float("nan")


def ortools(path: Path, limit: float) -> float:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    data = pyvrp.read(str(path), round_func="dimacs")
    n = data.num_locations
    dist = np.asarray(data.distance_matrix(0))
    dur = np.asarray(data.duration_matrix(0))
    clients = [data.client(i) for i in range(data.num_clients)]
    depot = data.depot(0)
    vt = data.vehicle_type(0)
    service = [depot.service_duration] + [c.service_duration for c in clients]
    tw = [(vt.tw_early, vt.tw_late)] + [(c.tw_early, c.tw_late) for c in clients]
    demand = [0] + [c.delivery[0] for c in clients]
    k = min(vt.num_available, 25)
    manager = pywrapcp.RoutingIndexManager(n, k, 0)
    routing = pywrapcp.RoutingModel(manager)

    def d_cb(i: int, j: int) -> int:
        return int(dist[manager.IndexToNode(i), manager.IndexToNode(j)])

    def t_cb(i: int, j: int) -> int:
        a, b = manager.IndexToNode(i), manager.IndexToNode(j)
        return int(service[a] + dur[a, b])

    def q_cb(i: int) -> int:
        return int(demand[manager.IndexToNode(i)])

    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(d_cb))
    t_idx = routing.RegisterTransitCallback(t_cb)
    horizon = int(tw[0][1])
    routing.AddDimension(t_idx, horizon, horizon, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    for node in range(1, n):
        time_dim.CumulVar(manager.NodeToIndex(node)).SetRange(int(tw[node][0]), int(tw[node][1]))
    for v in range(k):
        time_dim.CumulVar(routing.Start(v)).SetRange(int(tw[0][0]), int(tw[0][1]))
        time_dim.CumulVar(routing.End(v)).SetRange(int(tw[0][0]), int(tw[0][1]))
    q_idx = routing.RegisterUnaryTransitCallback(q_cb)
    routing.AddDimensionWithVehicleCapacity(q_idx, 0, [int(vt.capacity[0])] * k, True, "load")
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(int(limit * 1000))
    sol = routing.SolveWithParameters(params)
    return sol.ObjectiveValue() / 10.0 if sol else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description="Solomon VRPTW: ours vs PyVRP vs OR-Tools")
    ap.add_argument("--instances", default=",".join(DEFAULT))
    ap.add_argument("--all", action="store_true")
    ap.add_argument("--time-limit", type=float, default=5.0)
    args = ap.parse_args()
    root = solomon_dir()
    with open(root / "bks_dimacs.csv", newline="", encoding="utf-8") as fh:
        bks = {row["instance"]: float(row["distance"]) for row in csv.DictReader(fh)}
    names = sorted(bks) if args.all else args.instances.split(",")
    table = Table(title=f"Solomon VRPTW, {args.time_limit:g} s per instance and solver")
    for col in (
        "instance",
        "BKS",
        "ours",
        "PyVRP",
        "OR-Tools",
        "ours %",
        "PyVRP %",
        "OR-Tools %",
        "ours - PyVRP",
    ):
        table.add_column(col, justify="right")
    gaps: dict[str, list[float]] = {"ours": [], "pyvrp": [], "ortools": []}
    for name in names:
        path = root / "vrplib" / f"{name}.vrp"
        got = {
            "ours": ours(path, args.time_limit),
            "pyvrp": pyvrp_direct(path, args.time_limit),
            "ortools": ortools(path, args.time_limit),
        }
        g = {k: 100.0 * (v / bks[name] - 1) for k, v in got.items()}
        for k in gaps:
            gaps[k].append(g[k])
        table.add_row(
            name,
            f"{bks[name]:.1f}",
            f"{got['ours']:.1f}",
            f"{got['pyvrp']:.1f}",
            f"{got['ortools']:.1f}",
            f"{g['ours']:.2f}",
            f"{g['pyvrp']:.2f}",
            f"{g['ortools']:.2f}",
            f"{g['ours'] - g['pyvrp']:+.2f}",
        )
    m = {k: float(np.mean(v)) for k, v in gaps.items()}
    table.add_row(
        "mean",
        "",
        "",
        "",
        "",
        f"{m['ours']:.2f}",
        f"{m['pyvrp']:.2f}",
        f"{m['ortools']:.2f}",
        f"{m['ours'] - m['pyvrp']:+.2f}",
    )
    Console().print(table)


if __name__ == "__main__":
    main()
