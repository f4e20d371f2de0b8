"""Benchmark: the chemistry index in the simulated world, where the true affinity is known.

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_chemistry.py [--seeds 10] [--weights 30]
        [--dispatcher optimised] [--history data/history/default_feedback.csv.gz]

1. *Learning*: the index learned from the feedback history (past days, seeds 40_000+) is
   compared with the hidden affinity (:func:`twin.sim.truth.affinity`) of every (regular
   customer, technician) pair in the history: Pearson correlation of ``θ_ct − μ_t`` (the
   pair's shrunk score above its technician's mean) with the affinity.
2. *Effect*: the default scenario with ``best_match_weight`` 0 and each of ``--weights``,
   the same seeds 1..N (common random numbers): mean rating, customer satisfaction,
   punctuality, travel, and the mean true affinity of the visits to regular customers
   (read off the log and the hidden truth), with paired differences to weight 0.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

from twin import events as ev
from twin.compare import arm_scenario, default_executor
from twin.config import Scenario, load_scenario, validate
from twin.models.planner import load_chemistry
from twin.sim.customers import customer_base
from twin.sim.demand import make_demand
from twin.sim.rng import stream
from twin.sim.truth import affinity
from twin.sim.workforce import TechnicianProfile, make_workforce
from twin.stats import mean_ci, paired_difference

ROOT = Path(__file__).resolve().parents[1]
MEASURES = (
    "rating_mean",
    "regular_affinity",
    "customer_satisfaction",
    "punctuality",
    "travel_km",
    "visits_missed",
)


def _profiles(scenario: Scenario, seed: int) -> dict[str, TechnicianProfile]:
    team = make_workforce(
        scenario, stream(scenario.company_seed, "workforce"), stream(seed, "absence")
    )
    return {p.id: p for p in team}


def learning(scenario: Scenario, history: Path) -> dict[str, float]:
    """Correlation of the learned pair scores with the hidden affinity, by ratings per pair."""
    idx = load_chemistry(history)
    profiles = _profiles(scenario, 0)  # traits come from company_seed only
    spec = make_demand(scenario, stream(0, "demand"))[0]
    base = {c.customer_id: c for c in customer_base(scenario)}
    learned, truth, counts = [], [], []
    for (cid, tid), (n, _) in idx.pair.items():
        if cid not in base or tid not in profiles:
            continue
        learned.append(idx.score(cid, tid) - idx.tech_mean(tid))
        truth.append(affinity(replace(spec, customer_trait=base[cid].trait), profiles[tid]))
        counts.append(n)
    x, y, per_pair = np.array(learned), np.array(truth), np.array(counts)
    out = {"ratings": float(idx.n), "regular pairs": float(len(x))}
    for k in (1, 2, 3, 5):
        m = per_pair >= k
        out[f"r (pairs with >= {k} ratings, {int(m.sum())} pairs)"] = (
            float(np.corrcoef(x[m], y[m])[0, 1]) if m.sum() > 2 else float("nan")
        )
    return out


def run_one(scenario_json: str, seed: int) -> dict[str, float]:
    """The measures of one run (in a worker process)."""
    from twin.runner import run_scenario

    logging.basicConfig(level=logging.WARNING)
    scenario = validate(json.loads(scenario_json))
    result = run_scenario(scenario, seed, report=False)
    specs = {v.visit_id: v for v in make_demand(scenario, stream(seed, "demand"))}
    profiles = _profiles(scenario, seed)
    regular = [
        affinity(specs[e.visit_id], profiles[e.technician_id])
        for e in result.events
        if isinstance(e, ev.WorkStarted) and specs[e.visit_id].customer_id.startswith("CR")
    ]
    k = result.kpis
    return {
        "rating_mean": k.rating_mean,
        "regular_affinity": float(np.mean(regular)) if regular else float("nan"),
        "customer_satisfaction": k.customer_satisfaction,
        "punctuality": k.punctuality,
        "travel_km": k.travel_km,
        "visits_missed": float(k.visits_missed),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--weights", type=float, nargs="+", default=[30.0])
    parser.add_argument("--dispatcher", default="optimised")
    parser.add_argument("--optimise-s", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scenario", type=Path, default=ROOT / "data/scenarios/default.toml")
    parser.add_argument(
        "--history", type=Path, default=ROOT / "data/history/default_feedback.csv.gz"
    )
    args = parser.parse_args()
    base = load_scenario(args.scenario)

    print(f"learning, {args.history.name}:")
    for name, value in learning(base, args.history).items():
        print(f"  {name}: {value:.3f}")

    weights = [0.0, *args.weights]
    arms = {
        w: arm_scenario(
            base,
            {
                "policy.dispatcher": args.dispatcher,
                "policy.optimise_time_s": args.optimise_s,
                "policy.chemistry_history": str(args.history),
                "policy.best_match_weight": w,
            },
        )
        for w in weights
    }
    seeds = list(range(1, args.seeds + 1))
    started = time.perf_counter()
    pool = default_executor(args.workers)
    try:
        futures = {
            (w, s): pool.submit(run_one, scn.model_dump_json(), s)
            for s in seeds
            for w, scn in arms.items()
        }
        res = {key: fut.result() for key, fut in futures.items()}
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    wall = time.perf_counter() - started
    print(
        f"\neffect: {args.dispatcher}, {len(seeds)} seeds, optimise_time_s {args.optimise_s:g}, "
        f"{args.workers} workers: {wall:.0f} s"
    )
    head = ["measure", *(f"weight {w:g} (mean ± CI)" for w in weights)]
    head += [f"weight {w:g} − 0 [95 % CI]" for w in weights[1:]]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for m in MEASURES:
        by_w = {w: {s: res[w, s][m] for s in seeds} for w in weights}
        cells = [m]
        for w in weights:
            e = mean_ci([by_w[w][s] for s in seeds])
            cells.append(f"{e.mean:.3f} ± {e.half_width:.3f}")
        for w in weights[1:]:
            d = paired_difference(by_w[0.0], by_w[w])
            mark = "" if d.significant else " (n.s.)"
            cells.append(f"{d.mean:+.3f} [{d.low:+.3f}, {d.high:+.3f}]{mark}")
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
