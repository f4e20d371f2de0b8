"""Planner benchmark: slot-offer and repair latency, and repair cost vs re-optimisation.

A synthetic day of 200 technicians and 1,600 booked visits drawn from the default
scenario (explicit seeded Generator), planned by PowerOpt's daily optimisation. Then:

* 100 slot-offer requests (policy window widths) — PowerOpt vs the baseline dispatcher;
* 100 disturbances (sick technician, emergency, cancellation, delay, 25 each) — PowerOpt
  repair vs the baseline repair, latency and plan cost (our objective);
* for one disturbance of each kind, the repaired plan's cost vs a full re-optimisation
  from scratch given ``--reopt-limit`` seconds.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_planner.py``
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import replace

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
from rich.console import Console
from rich.table import Table

from twin.config import Scenario
from twin.models.dispatch import BaselineDispatcher, Routes
from twin.models.plan import PlanState, TechnicianState
from twin.models.planner import (
    Evaluator,
    PlannerParams,
    PowerOptDispatcher,
    optimise_day,
    synthetic_day,
    synthetic_visit,
)


def windows(scn: Scenario) -> list[tuple[float, float]]:
    w = scn.demand.windows
    out = []
    for width_h in scn.policy.window_widths_h:
        width = 60.0 * width_h
        start = w.day_start_min
        while start + width <= w.day_end_min + 1e-9:
            out.append((start, start + width))
            start += width
    return out


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs) * 1000.0, q))


def plan_cost(
    state: PlanState, routes: Routes, params: PlannerParams, po: PowerOptDispatcher
) -> float:
    ev = Evaluator(replace(state, routes=routes), po.travel, po.brk, params)
    planned = {v for r in routes.values() for v in r}
    return ev.plan_cost(routes, sum(1 for v in state.visits if v not in planned))


def disturb(
    kind: str, base: PlanState, scn: Scenario, rng: np.random.Generator, n: int
) -> tuple[PlanState, list[str]]:
    busy = sorted(t for t, r in base.routes.items() if r)
    tid = busy[int(rng.integers(len(busy)))]
    routes = dict(base.routes)
    if kind == "sick":
        orphans = list(routes[tid])
        routes[tid] = ()
        status = {**base.status, tid: replace(base.status[tid], available=False)}
        return replace(base, routes=routes, status=status), orphans
    if kind == "emergency":
        v = synthetic_visit(scn, f"E{n:04d}", rng, window=(base.now, base.now + 240.0))
        v = replace(v, job_type="emergency", skill="repair", priority=3, duration_min=75.0)
        return replace(base, visits={**base.visits, v.visit_id: v}), [v.visit_id]
    if kind == "cancellation":
        vid = routes[tid][int(rng.integers(len(routes[tid])))]
        routes[tid] = tuple(v for v in routes[tid] if v != vid)
        visits = {k: v for k, v in base.visits.items() if k != vid}
        return replace(base, routes=routes, visits=visits), []
    st: TechnicianState = base.status[tid]
    status = {**base.status, tid: replace(st, free_at=st.free_at + 60.0)}
    return replace(base, status=status), []


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--technicians", type=int, default=200)
    ap.add_argument("--visits", type=int, default=1600)
    ap.add_argument("--requests", type=int, default=100)
    ap.add_argument("--plan-limit", type=float, default=20.0)
    ap.add_argument("--reopt-limit", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    console = Console()
    scn = Scenario()
    rng = np.random.default_rng(args.seed)
    state, travel, brk = synthetic_day(scn, args.technicians, args.visits, rng)
    params = PlannerParams.from_policy(scn.policy)
    po = PowerOptDispatcher(travel, brk, params)
    base_disp = BaselineDispatcher(travel, brk)

    t = time.perf_counter()
    routes = optimise_day(state, travel, brk, params, args.seed, args.plan_limit)
    planned = {v for r in routes.values() for v in r}
    console.print(
        f"morning plan: {len(planned)}/{len(state.visits)} visits planned "
        f"in {time.perf_counter() - t:.1f} s (unplanned ones are dropped from the bench day)"
    )
    base = replace(
        state, routes=routes, visits={k: v for k, v in state.visits.items() if k in planned}
    )

    wins = windows(scn)
    req_rng = np.random.default_rng(args.seed + 1)
    requests = [synthetic_visit(scn, f"R{i:04d}", req_rng) for i in range(args.requests)]
    po.offers(base, requests[0], wins)  # warm the route-timing cache, as a live dispatcher is
    lat_po, lat_bl, n_offered = [], [], 0
    for r in requests:
        t = time.perf_counter()
        got = po.offers(base, r, wins)
        lat_po.append(time.perf_counter() - t)
        n_offered += isinstance(got, list)
        t = time.perf_counter()
        base_disp.offers(base, r, wins)
        lat_bl.append(time.perf_counter() - t)

    kinds = ("sick", "emergency", "cancellation", "delay")
    dis_rng = np.random.default_rng(args.seed + 2)
    rep_po: dict[str, list[float]] = {k: [] for k in kinds}
    rep_bl: dict[str, list[float]] = {k: [] for k in kinds}
    cost_po: dict[str, list[float]] = {k: [] for k in kinds}
    cost_bl: dict[str, list[float]] = {k: [] for k in kinds}
    samples: dict[str, tuple[PlanState, Routes]] = {}
    for n in range(args.requests):
        kind = kinds[n % 4]
        dstate, orphans = disturb(kind, base, scn, dis_rng, n)
        t = time.perf_counter()
        ch = po.repair(dstate, kind, orphans)
        rep_po[kind].append(time.perf_counter() - t)
        t = time.perf_counter()
        chb = base_disp.repair(dstate, kind, orphans)
        rep_bl[kind].append(time.perf_counter() - t)
        after = {**dstate.routes, **ch}
        cost_po[kind].append(plan_cost(dstate, after, params, po))
        cost_bl[kind].append(plan_cost(dstate, {**dstate.routes, **chb}, params, po))
        samples.setdefault(kind, (dstate, after))

    table = Table(title=f"Planner, {args.technicians} technicians / {len(base.visits)} visits")
    for col in (
        "measure",
        "PowerOpt p50",
        "PowerOpt p95",
        "baseline p50",
        "baseline p95",
        "p95 ratio",
    ):
        table.add_column(col, justify="right")
    table.add_row(
        f"slot offer ms ({n_offered}/{len(requests)} offered)",
        f"{pct(lat_po, 50):.1f}",
        f"{pct(lat_po, 95):.1f}",
        f"{pct(lat_bl, 50):.1f}",
        f"{pct(lat_bl, 95):.1f}",
        f"{pct(lat_po, 95) / pct(lat_bl, 95):.2f}",
    )
    all_po = [x for k in kinds for x in rep_po[k]]
    all_bl = [x for k in kinds for x in rep_bl[k]]
    for k in (*kinds, "all"):
        a, b = (all_po, all_bl) if k == "all" else (rep_po[k], rep_bl[k])
        table.add_row(
            f"repair ms: {k}",
            f"{pct(a, 50):.1f}",
            f"{pct(a, 95):.1f}",
            f"{pct(b, 50):.1f}",
            f"{pct(b, 95):.1f}",
            f"{pct(a, 95) / pct(b, 95):.2f}",
        )
    console.print(table)

    ctable = Table(title="Plan cost after repair (objective, minute-equivalents)")
    for col in ("disturbance", "PowerOpt mean", "baseline mean", "PowerOpt/baseline"):
        ctable.add_column(col, justify="right")
    for k in kinds:
        a, b = float(np.mean(cost_po[k])), float(np.mean(cost_bl[k]))
        ctable.add_row(k, f"{a:.0f}", f"{b:.0f}", f"{a / b:.4f}")
    console.print(ctable)

    rtable = Table(title=f"Repair vs full re-optimisation from scratch ({args.reopt_limit:g} s)")
    for col in ("disturbance", "repair cost", "re-opt cost", "repair/re-opt - 1"):
        rtable.add_column(col, justify="right")
    for k in kinds:
        dstate, after = samples[k]
        empty = replace(dstate, routes={t: () for t in dstate.technicians})
        reopt = optimise_day(empty, travel, brk, params, args.seed, args.reopt_limit)
        a = plan_cost(dstate, after, params, po)
        b = plan_cost(dstate, reopt, params, po)
        rtable.add_row(k, f"{a:.0f}", f"{b:.0f}", f"{100 * (a / b - 1):+.2f} %")
    console.print(rtable)


if __name__ == "__main__":
    main()
