"""Planner benchmark: slot-offer and repair latency, and repair cost vs re-optimisation.

A synthetic day of 200 technicians and 1,600 booked visits drawn from the default
scenario (explicit seeded Generator), planned by PowerOpt's daily optimisation. Then:

* 100 slot-offer requests (policy window widths) — PowerOpt vs the baseline dispatcher;
* 100 disturbances (sick technician, emergency, cancellation, delay, 25 each) — PowerOpt
  repair vs the baseline repair, latency and plan cost (our objective);
* for the first ``--reopt-samples`` disturbances of each kind (and the undisturbed day as
  a control), the repaired plan's cost vs a full re-optimisation from scratch: the same
  state with its routes emptied, PyVRP given ``--reopt-limit`` seconds of *search* (the
  translation to PyVRP and PyVRP's set-up run before its clock starts and are timed
  apart), then the re-timing/repair pass of ``optimise_day``; ``--reopt-seeds`` solver
  seeds each. Both plans are priced by the same :class:`Evaluator` (``plan_cost``),
  unplanned visits included. With ``--warm``, also the same re-optimisation started from
  the repaired plan (first seed): what a full optimiser can still gain over the repair.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_planner.py``
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass, replace

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
from rich.console import Console
from rich.table import Table

from twin.config import Scenario
from twin.models.planner import (
    Evaluator,
    PlannerParams,
    PowerOptDispatcher,
    optimise_day,
    synthetic_day,
    synthetic_visit,
)
from twin.models.planner.static import build_problem, polish_plan, solve_problem
from twin.models.routing.dispatch import BaselineDispatcher, Routes
from twin.models.routing.plan import BreakRule, PlanState, TechnicianState
from twin.models.routing.travel import TravelModel


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


def missed(state: PlanState, routes: Routes) -> int:
    planned = {v for r in routes.values() for v in r}
    return sum(1 for v in state.visits if v not in planned)


@dataclass(frozen=True, slots=True)
class Reopt:
    """One full re-optimisation from scratch: its cost, and where its wall time went."""

    cost: float  # after optimise_day's re-timing and repair pass
    raw: float  # PyVRP's routes as they are
    missed: int
    raw_missed: int
    build_s: float  # matrices and pyvrp.ProblemData
    setup_s: float  # PyVRP's neighbour lists and first local search (before its clock)
    search_s: float  # PyVRP's search loop (the time limit)
    polish_s: float  # re-timing and repair pass
    iterations: int


def reoptimise(
    state: PlanState,
    travel: TravelModel,
    brk: BreakRule,
    params: PlannerParams,
    po: PowerOptDispatcher,
    seed: int,
    limit_s: float,
    initial: Routes | None = None,
) -> Reopt:
    """``optimise_day`` on ``state`` with every route emptied, step by step and timed.

    It plans the same visits with the same technician states (position, free time,
    availability, break) and incidents as the repair saw. Visits under way are not in
    ``state.routes`` (they are folded into the technician's position and free time), so
    both honour them alike; visits pinned by the dispatcher would not be honoured by the
    solver, hence the check. ``initial`` routes warm-start PyVRP instead of its random
    first solution (no longer "from scratch": a test of what repair leaves on the table).
    """
    if po.pinned:
        msg = f"re-optimisation cannot honour {len(po.pinned)} pinned visits"
        raise ValueError(msg)
    empty = replace(state, routes={t: () for t in state.technicians})
    t0 = time.perf_counter()
    problem = build_problem(empty, travel, brk, params)
    t1 = time.perf_counter()
    plan = solve_problem(problem, seed, limit_s, initial=initial)
    t2 = time.perf_counter()
    routes = polish_plan(empty, plan, travel, brk, params, seed, limit_s)
    t3 = time.perf_counter()
    return Reopt(
        plan_cost(state, routes, params, po),
        plan_cost(state, plan.routes, params, po),
        missed(state, routes),
        missed(state, plan.routes),
        t1 - t0,
        (t2 - t1) - plan.search_s,
        plan.search_s,
        t3 - t2,
        plan.iterations,
    )


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
    ap.add_argument("--reopt-limit", type=float, default=10.0, help="PyVRP search seconds")
    ap.add_argument("--reopt-samples", type=int, default=3, help="disturbances per kind")
    ap.add_argument("--reopt-seeds", type=int, default=2, help="solver seeds per re-opt")
    ap.add_argument(
        "--warm",
        action="store_true",
        help="also re-optimise warm-started from the repaired plan (first seed only)",
    )
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    if args.requests < 4 * args.reopt_samples:
        ap.error("--requests must be at least 4 x --reopt-samples")
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
    samples: dict[str, list[tuple[PlanState, Routes, float]]] = {k: [] for k in kinds}
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
        if len(samples[kind]) < args.reopt_samples:
            samples[kind].append((dstate, after, 1000.0 * rep_po[kind][-1]))

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
        mp, mb = float(np.mean(cost_po[k])), float(np.mean(cost_bl[k]))
        ctable.add_row(k, f"{mp:.0f}", f"{mb:.0f}", f"{mp / mb:.4f}")
    console.print(ctable)

    samples = {"none": [(base, dict(base.routes), 0.0)], **samples}
    seeds = [args.seed + i for i in range(args.reopt_seeds)]
    reopts: dict[str, list[list[Reopt]]] = {k: [] for k in samples}
    warm: dict[str, list[Reopt]] | None = {k: [] for k in samples} if args.warm else None
    with console.status("re-optimising") as status:
        for k, runs in samples.items():
            for n, (dstate, after, _) in enumerate(runs):
                status.update(f"re-optimising from scratch: {k} #{n + 1}")
                reopts[k].append(
                    [
                        reoptimise(dstate, travel, brk, params, po, sd, args.reopt_limit)
                        for sd in seeds
                    ]
                )
                if warm is not None:
                    status.update(f"re-optimising from the repaired plan: {k} #{n + 1}")
                    warm[k].append(
                        reoptimise(
                            dstate, travel, brk, params, po, seeds[0], args.reopt_limit, after
                        )
                    )
    reopt_tables(console, args.reopt_limit, seeds, samples, reopts, warm, params, po)


def reopt_tables(
    console: Console,
    limit_s: float,
    seeds: list[int],
    samples: dict[str, list[tuple[PlanState, Routes, float]]],
    reopts: dict[str, list[list[Reopt]]],
    warm: dict[str, list[Reopt]] | None,
    params: PlannerParams,
    po: PowerOptDispatcher,
) -> None:
    """Per disturbance, per kind, and the wall-time split of the re-optimisations."""
    seed_cols = " / ".join(f"s{s}" for s in seeds)
    dtable = Table(
        title=f"Repair vs full re-optimisation from scratch ({limit_s:g} s PyVRP search + "
        "re-timing/repair pass; raw = without the pass); cost, minute-equivalents; "
        "vs = repair/re-opt - 1 against the seeds' mean"
        + ("; warm = re-opt started from the repaired plan" if warm else "")
    )
    for col in (
        "disturbance",
        "repair (missed)",
        f"re-opt {seed_cols}",
        "re-opt missed",
        "re-opt raw mean",
        "vs re-opt",
        "vs raw",
        *(("warm (missed)", "vs warm") if warm else ()),
    ):
        dtable.add_column(col, justify="right")
    ktable = Table(
        title="Repair/re-opt - 1 by kind, over disturbances x seeds (worst = least favourable "
        "to repair; seed spread = (max - min)/mean re-opt cost over seeds)"
    )
    for col in (
        "disturbance",
        "runs",
        "mean",
        "worst",
        "mean vs raw",
        "seed spread",
        "re-opt missed",
        *(("mean vs warm", "worst vs warm") if warm else ()),
    ):
        ktable.add_column(col, justify="right")
    for k, runs in samples.items():
        ratios, raw_ratios, spreads, miss, warm_ratios = [], [], [], [], []
        for n, ((dstate, after, _), rs) in enumerate(zip(runs, reopts[k], strict=True)):
            a = plan_cost(dstate, after, params, po)
            costs = [r.cost for r in rs]
            raws = [r.raw for r in rs]
            ratios += [a / c - 1 for c in costs]
            raw_ratios += [a / c - 1 for c in raws]
            spreads.append((max(costs) - min(costs)) / float(np.mean(costs)))
            miss += [r.missed for r in rs]
            extra: tuple[str, ...] = ()
            if warm:
                w = warm[k][n]
                warm_ratios.append(a / w.cost - 1)
                extra = (f"{w.cost:.0f} ({w.missed})", f"{100 * warm_ratios[-1]:+.1f} %")
            dtable.add_row(
                f"{k} #{n + 1}",
                f"{a:.0f} ({missed(dstate, after)})",
                " / ".join(f"{c:.0f}" for c in costs),
                " / ".join(str(r.missed) for r in rs),
                f"{np.mean(raws):.0f}",
                f"{100 * (a / np.mean(costs) - 1):+.1f} %",
                f"{100 * (a / np.mean(raws) - 1):+.1f} %",
                *extra,
            )
        ktable.add_row(
            k if k != "none" else "none (control)",
            str(len(ratios)),
            f"{100 * np.mean(ratios):+.1f} %",
            f"{100 * max(ratios):+.1f} %",
            f"{100 * np.mean(raw_ratios):+.1f} %",
            f"{100 * np.mean(spreads):.1f} %" if len(seeds) > 1 else "-",
            f"{np.mean(miss):.1f}",
            *(
                (f"{100 * np.mean(warm_ratios):+.1f} %", f"{100 * max(warm_ratios):+.1f} %")
                if warm
                else ()
            ),
        )
    console.print(dtable)
    console.print(ktable)

    every = [r for rs in reopts.values() for run in rs for r in run]
    ttable = Table(
        title=f"Wall time of one re-optimisation from scratch ({len(every)} runs) vs one repair"
    )
    for col in ("step", "mean", "max"):
        ttable.add_column(col, justify="right")
    steps = (
        ("translate to PyVRP (matrices, ProblemData), s", [r.build_s for r in every]),
        ("PyVRP set-up (neighbours, first local search), s", [r.setup_s for r in every]),
        ("PyVRP search (the time limit), s", [r.search_s for r in every]),
        ("PyVRP search iterations", [float(r.iterations) for r in every]),
        ("re-timing/repair pass, s", [r.polish_s for r in every]),
    )
    for name, xs in steps:
        ttable.add_row(name, f"{np.mean(xs):.2f}", f"{max(xs):.2f}")
    total = [r.build_s + r.setup_s + r.search_s + r.polish_s for r in every]
    ttable.add_row("re-optimisation total, s", f"{np.mean(total):.2f}", f"{max(total):.2f}")
    rep = [ms for k, runs in samples.items() if k != "none" for _, _, ms in runs]
    ttable.add_row("repair of the same disturbances, ms", f"{np.mean(rep):.1f}", f"{max(rep):.1f}")
    console.print(ttable)
    if warm:
        its = [r.iterations for rs in warm.values() for r in rs]
        console.print(f"warm-started re-optimisations: {np.mean(its):.0f} PyVRP iterations (mean)")


if __name__ == "__main__":
    main()
