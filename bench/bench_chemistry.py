"""Benchmark: the chemistry index in the simulated world, where the true affinity is known.

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_chemistry.py [--seeds 25] [--arms 0 100]
        [--dispatcher optimised] [--iterations 700] [--json out.json]
    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_chemistry.py --seeds 25 --arms 0 30 100
        --load a.json b.json     # report saved runs (split a long comparison in parts)

1. *Learning*: the index learned from the feedback history (past days, seeds 40_000+) is
   compared with the hidden affinity (:func:`twin.sim.truth.affinity`) of every (regular
   customer, technician) pair in the history: Pearson correlation of ``θ_ct − μ_t`` (the
   pair's shrunk score above its technician's mean) with the affinity.
2. *Effect*: the default scenario under each arm, the same seeds 1..N (common random
   numbers: every visit's rating noise ``z_rating`` and whether its customer rates,
   ``u_feedback``, are drawn before the day, so a visit served by the same technician at
   the same time gets the same stars in every arm). An arm is ``W`` (``best_match_weight``
   W with the best-match step after the daily solve) or ``W/bonus`` (the bonus in
   insertion, offers and repair only: the behaviour before the step existed). Measures,
   with paired differences to the first arm:

   * ``rating_mean`` (the KPI: ratings given) and ``rating_regulars`` (those given by
     regular customers, where the chemistry can be known);
   * ``stars_served`` / ``stars_served_regulars``: the stars *every* served visit earns
     under the world's rating model (:func:`twin.sim.truth.rating`, same inputs as the
     world's feedback, regardless of whether the customer sends it) — 2.5 times as many
     observations as the ratings given, and exactly them where feedback was given;
   * ``regular_affinity``: mean hidden affinity of served visits to regulars;
     ``regular_bonus``: mean learned bonus of them (what the planner thinks it won);
   * punctuality, travel km, missed visits, customer satisfaction.

   Then the stars one point of affinity is worth on served regular visits (least-squares
   slope, first arm), to translate the affinity gain into an expected rating gain.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

from twin.analysis.stats import mean_ci, paired_difference
from twin.app.arms import arm_scenario
from twin.app.compare import default_executor
from twin.config import Scenario, load_scenario, named_policy, validate
from twin.models.planner import load_chemistry
from twin.models.routing.dispatch import Dispatcher
from twin.models.routing.plan import BreakRule
from twin.models.routing.travel import TravelModel
from twin.sim.customers import customer_base
from twin.sim.demand import make_demand
from twin.sim.rng import stream
from twin.sim.truth import affinity, rating
from twin.sim.workforce import TechnicianProfile, make_workforce
from twin.sim.world import World

ROOT = Path(__file__).resolve().parents[1]
MEASURES = (
    ("rating_mean", "mean rating (ratings given)", 3),
    ("rating_regulars", "mean rating, regulars (ratings given)", 3),
    ("stars_served", "stars, every served visit", 3),
    ("stars_served_regulars", "stars, every served visit to a regular", 3),
    ("regular_affinity", "true affinity, served visits to regulars", 3),
    ("regular_bonus", "learned bonus, served visits to regulars", 3),
    ("punctuality", "punctuality", 4),
    ("travel_km", "travel km", 1),
    ("visits_missed", "missed visits", 2),
    ("customer_satisfaction", "customer satisfaction", 1),
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
        learned.append(idx.bonus(cid, tid))
        truth.append(affinity(replace(spec, customer_trait=base[cid].trait), profiles[tid]))
        counts.append(n)
    x, y, per_pair = np.array(learned), np.array(truth), np.array(counts)
    out = {"ratings": float(idx.n), "regular pairs": float(len(x)), "bonus sd": float(x.std())}
    for k in (1, 2, 3, 5):
        m = per_pair >= k
        out[f"r (pairs with >= {k} ratings, {int(m.sum())} pairs)"] = (
            float(np.corrcoef(x[m], y[m])[0, 1]) if m.sum() > 2 else float("nan")
        )
    return out


class _ObservedWorld(World):
    """The world, also noting the stars every served visit earns (rated or not)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.served: list[tuple[str, str, int]] = []
        super().__init__(*args, **kwargs)

    def after_visit(self, tid: str, vid: str, arrival: float) -> None:
        task = self.tasks[vid]
        late = max(0.0, arrival - task.window_end)
        wait = max(0.0, min(arrival, task.window_end) - task.window_start)
        stars = rating(late, vid in self.warned, wait, self.visit_specs[vid], self.profiles[tid])
        self.served.append((vid, tid, stars))  # the same inputs as the world's feedback
        super().after_visit(tid, vid, arrival)


def _factory(
    scenario: Scenario, step: bool, iterations: int
) -> Callable[[TravelModel, BreakRule], Dispatcher]:
    """The policy's dispatcher; with ``iterations`` > 0 its budgets are counts, not seconds.

    PyVRP stops after ``iterations`` (the time limit raised to a safety cap of 120 s) and a
    repair after ``params.repair_evaluations`` (the 30 ms wall-clock cap raised to 2 s), so
    a seed gives the same day on a busy machine as on an idle one, and arms that only differ
    after the daily solve share it (the tightest pairing).
    """
    from twin.app.wiring import dispatcher_factory
    from twin.models.planner import PowerOptDispatcher

    inner = dispatcher_factory(scenario)

    def make(travel: TravelModel, brk: BreakRule) -> Dispatcher:
        d = inner(travel, brk)
        if isinstance(d, PowerOptDispatcher):
            d.best_match_step = step
            if iterations > 0:
                d.max_iterations = iterations
                d.time_limit_s = 120.0
                d.params = replace(d.params, repair_budget_ms=2000.0)
        return d

    return make


def run_one(scenario_json: str, seed: int, step: bool, iterations: int) -> dict[str, Any]:
    """The measures of one run (in a worker process)."""
    from twin import events as ev
    from twin.analysis.kpi import compute_kpis
    from twin.app.wiring import chemistry_index, duration_estimates
    from twin.stream.connectors.bridge import run_closed_loop
    from twin.stream.params import BrainParams

    logging.basicConfig(level=logging.WARNING)
    scenario = validate(json.loads(scenario_json))
    factory = _factory(scenario, step, iterations)
    world = _ObservedWorld(scenario, factory, seed)
    if scenario.policy.brain:
        params = BrainParams.for_company(
            world.company,
            factory(world.travel, world.break_rule),
            duration_estimates(scenario, world.company.roster),
        )
        events = run_closed_loop(world, params).events
    else:
        events = world.run()
    k = compute_kpis(events, scenario)
    specs, profiles = world.visit_specs, world.profiles
    idx = chemistry_index(scenario)

    def regular(vid: str) -> bool:
        return specs[vid].customer_id.startswith("CR")

    given = [(e.visit_id, e.rating) for e in events if isinstance(e, ev.FeedbackGiven)]
    served = world.served
    reg = [(vid, tid, s) for vid, tid, s in served if regular(vid)]
    aff = [affinity(specs[vid], profiles[tid]) for vid, tid, _ in reg]
    bonus = [idx.bonus(specs[v].customer_id, t) for v, t, _ in reg] if idx else [0.0] * len(reg)
    return {
        "rating_mean": k.rating_mean,
        "rating_regulars": _mean([s for vid, s in given if regular(vid)]),
        "stars_served": _mean([s for _, _, s in served]),
        "stars_served_regulars": _mean([s for _, _, s in reg]),
        "regular_affinity": _mean(aff),
        "regular_bonus": _mean(bonus),
        "punctuality": k.punctuality,
        "travel_km": k.travel_km,
        "visits_missed": float(k.visits_missed),
        "customer_satisfaction": k.customer_satisfaction,
        "n_ratings": len(given),
        "n_served": len(served),
        "n_served_regulars": len(reg),
        "regular_pairs": [[a, float(s)] for a, (_, _, s) in zip(aff, reg, strict=True)],
    }


def _mean(xs: list[float] | list[int]) -> float:
    return float(np.mean(xs)) if xs else float("nan")


def parse_arm(text: str) -> tuple[float, bool]:
    """``"100"`` -> (100, step on); ``"100/bonus"`` -> (100, bonus only, no step)."""
    weight, _, kind = text.partition("/")
    if kind not in ("", "bonus"):
        msg = f"arm {text!r}: expected WEIGHT or WEIGHT/bonus"
        raise ValueError(msg)
    return float(weight), kind == ""


Results = dict[tuple[str, int], dict[str, Any]]


def run_arms(args: argparse.Namespace, base: Scenario, seeds: list[int]) -> Results:
    """Every arm on every seed, ``args.workers`` processes."""
    arms = {a: parse_arm(a) for a in args.arms}
    scenarios = {
        a: arm_scenario(
            base,
            {
                **named_policy(args.dispatcher),
                "policy.optimise_time_s": args.optimise_s,
                "policy.chemistry_history": str(args.history),
                "policy.best_match_weight": w,
            },
        )
        for a, (w, _) in arms.items()
    }
    pool = default_executor(args.workers)
    try:
        futures = {
            (a, s): pool.submit(run_one, scn.model_dump_json(), s, arms[a][1], args.iterations)
            for s in seeds
            for a, scn in scenarios.items()
        }
        return {key: fut.result() for key, fut in futures.items()}
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def settings(args: argparse.Namespace) -> dict[str, Any]:
    """What makes two saved runs comparable."""
    return {
        "dispatcher": args.dispatcher,
        "iterations": args.iterations,
        "optimise_s": args.optimise_s if args.iterations <= 0 else None,
        "scenario": Path(args.scenario).name,
        "history": Path(args.history).name,
    }


def load_runs(paths: list[Path], want: dict[str, Any]) -> Results:
    """Runs saved with ``--json``; a run saved twice must be identical (determinism check)."""
    res: Results = {}
    for path in paths:
        saved = json.loads(path.read_text())
        if saved["settings"] != want:
            msg = f"{path}: saved with {saved['settings']}, not {want}"
            raise ValueError(msg)
        for key, run in saved["runs"].items():
            arm, seed = key.rsplit("|", 1)
            old = res.setdefault((arm, int(seed)), run)
            if json.dumps(old, sort_keys=True) != json.dumps(run, sort_keys=True):  # NaN-safe
                msg = f"{path}: arm {arm} seed {seed} differs from an earlier file"
                raise ValueError(msg)
    return res


def report(res: Results, arm_names: list[str], seeds: list[int], title: str) -> None:
    """The effect table (paired differences to the first arm) and the stars per affinity."""
    missing = [(a, s) for a in arm_names for s in seeds if (a, s) not in res]
    if missing:
        msg = f"no run for (arm, seed) {missing[:5]}"
        raise ValueError(msg)
    ref, others = arm_names[0], arm_names[1:]
    counts = {m: np.mean([res[ref, s][m] for s in seeds]) for m in ("n_ratings", "n_served")}
    print(
        f"\n{title}; arm {ref}: {counts['n_ratings']:.0f} ratings, "
        f"{counts['n_served']:.0f} served visits a day"
    )
    head = ["measure", *(f"{a} (mean ± CI)" for a in arm_names)]
    head += [f"{a} − {ref} [95 % CI]" for a in others]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for m, label, digits in MEASURES:
        by_arm = {a: {s: res[a, s][m] for s in seeds} for a in arm_names}
        cells = [label]
        for a in arm_names:
            e = mean_ci([by_arm[a][s] for s in seeds])
            cells.append(f"{e.mean:.{digits}f} ± {e.half_width:.{digits}f}")
        for a in others:
            d = paired_difference(by_arm[ref], by_arm[a])
            mark = "" if d.significant else " (n.s.)"
            cells.append(f"{d.mean:+.{digits}f} [{d.low:+.{digits}f}, {d.high:+.{digits}f}]{mark}")
        print("| " + " | ".join(cells) + " |")

    pairs = np.array([p for s in seeds for p in res[ref, s]["regular_pairs"]])
    slope, _ = np.polyfit(pairs[:, 0], pairs[:, 1], 1)
    print(
        f"\nstars per point of true affinity (served visits to regulars, arm {ref}, "
        f"{len(pairs)} visits, least squares): {slope:.3f}"
    )
    for a in others:
        d = paired_difference(
            {s: res[ref, s]["regular_affinity"] for s in seeds},
            {s: res[a, s]["regular_affinity"] for s in seeds},
        )
        share = np.mean([res[a, s]["n_served_regulars"] / res[a, s]["n_served"] for s in seeds])
        print(
            f"arm {a}: affinity gain {d.mean:+.3f} -> expected stars on regulars "
            f"{slope * d.mean:+.3f}, on all served visits {slope * d.mean * share:+.3f} "
            f"(regulars {share:.0%} of served visits)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=25)
    parser.add_argument("--arms", nargs="+", default=["0", "100"])
    parser.add_argument("--dispatcher", default="optimised")
    parser.add_argument("--optimise-s", type=float, default=5.0)
    parser.add_argument(
        "--iterations",
        type=int,
        default=700,
        help="PyVRP iterations of the daily solve (about 5 s here); 0: --optimise-s seconds",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scenario", type=Path, default=ROOT / "data/scenarios/default.toml")
    parser.add_argument(
        "--history", type=Path, default=ROOT / "data/history/default_feedback.csv.gz"
    )
    parser.add_argument("--json", type=Path, default=None, help="write the raw results here")
    parser.add_argument(
        "--load",
        type=Path,
        nargs="+",
        default=None,
        help="report runs saved with --json (same settings) instead of running",
    )
    args = parser.parse_args()
    base = load_scenario(args.scenario)
    for a in args.arms:
        parse_arm(a)  # fail before the long part
    seeds = list(range(1, args.seeds + 1))
    want = settings(args)

    print(f"learning, {args.history.name}:")
    for name, value in learning(base, args.history).items():
        print(f"  {name}: {value:.3f}")

    budget = (
        f"{args.iterations} PyVRP iterations"
        if args.iterations > 0
        else f"optimise_time_s {args.optimise_s:g}"
    )
    if args.load:
        res = load_runs(args.load, want)
        title = f"effect: {args.dispatcher}, {len(seeds)} seeds, {budget} (saved runs)"
    else:
        started = time.perf_counter()
        res = run_arms(args, base, seeds)
        wall = time.perf_counter() - started
        title = (
            f"effect: {args.dispatcher}, {len(seeds)} seeds, {budget}, "
            f"{args.workers} workers: {wall:.0f} s"
        )
        if args.json is not None:
            runs = {f"{a}|{s}": r for (a, s), r in res.items()}
            args.json.write_text(json.dumps({"settings": want, "runs": runs}))
    report(res, args.arms, seeds, title)


if __name__ == "__main__":
    main()
