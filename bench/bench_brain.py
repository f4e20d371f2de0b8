"""Streaming-brain benchmark (issue 3): effect, accuracy and speed of the brain in the loop.

Three parts, all by default, or the ones named by flags:

* ``--effect``: the default scenario on seeds ``1..--seeds``, policy ``brain`` against
  ``baseline`` on the same seeds (common random numbers), in ``--workers`` processes
  (:func:`twin.compare.execute` on :func:`twin.compare.default_executor`). Per arm the mean
  with its 95 % CI, and the paired difference brain − baseline with its CI
  (:func:`twin.stats.summarise`).
* ``--accuracy``: on the same brain runs, :func:`twin.quality.measure` of each day — ETA
  MAE and P10–P90 coverage 60/30/15 minutes before arrival, delay-alert precision, recall
  and median lead time — as the mean over seeds with its 95 % CI (and pooled over all
  days); then the duration-model table of ``bench_duration.py`` (its ``main``, called with
  ``--test-days``: naive vs model vs oracle on held-out days and under drift).
* ``--speed``: one closed-loop day of ``large.toml`` (1,000 technicians, policy brain) and
  of smaller sizes (``--sizes``): ``run_closed_loop`` (Bytewax) against
  ``run_direct_loop`` (the same steps in a plain loop), each on a freshly built, identical
  world (World construction timed apart from the day), plus the world alone
  (``world.run()``, no brain) as the baseline of the same run. Both loops must give the
  same log (checked by digest). ``--profile N`` then runs cProfile over the direct loop at
  N technicians and prints the top cumulative entries.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_brain.py [--effect] [--accuracy]
[--speed] [--seeds 10] [--workers 2] [--sizes 1000 200] [--profile 300]``
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

os.environ.setdefault("OMP_NUM_THREADS", "1")

from _common import ROOT, digest, md_table, median, scenario, spread

from twin import events as ev
from twin.analysis.kpi import KPI_SPECS, Kpis
from twin.analysis.quality import HORIZONS, Quality, measure
from twin.analysis.stats import format_difference, format_estimate, mean_ci, summarise
from twin.app.compare import RunOutput, RunTask, default_executor, execute
from twin.app.wiring import build_brain, build_world
from twin.config import Scenario
from twin.models.routing.travel import KERNELS
from twin.sim.world import World
from twin.stream.connectors.bridge import BrainRun, run_closed_loop, run_direct_loop
from twin.stream.params import BrainParams

EFFECT_KPIS = (
    "punctuality",
    "customer_satisfaction",
    "visits_missed",
    "visits_deferred",
    "emergency_within_target",
    "visits_late",
    "lateness_mean_min",
    "visits_attended",
    "cost_total_eur",
)
AIM_RATIO = 1.5  # closed loop within 1.5x of the logic alone
AIM_DAY_S = 10.0  # and under 10 s per simulated day (1,000 technicians)


# ---------------------------------------------------------------- effect and accuracy
def run_arms(
    arms: dict[str, Scenario], seeds: Sequence[int], workers: int
) -> tuple[dict[str, dict[int, RunOutput]], float]:
    """Every arm on every seed in ``workers`` processes; outputs by arm and seed."""
    tasks = [
        RunTask(i, label, sc.model_dump_json(), seed)
        for seed in seeds
        for i, (label, sc) in enumerate(arms.items())
    ]
    out: dict[str, dict[int, RunOutput]] = {label: {} for label in arms}
    started = time.perf_counter()
    pool = default_executor(workers)
    try:
        for result in pool.map(execute, tasks):
            out[result.task.arm][result.task.seed] = result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return out, time.perf_counter() - started


def effect_table(by_arm: dict[str, dict[int, Kpis]]) -> str:
    specs = [s for s in KPI_SPECS if s.name in EFFECT_KPIS]
    arms = list(by_arm)
    rows = []
    for row in summarise(by_arm, specs):
        diff = row.differences[1]
        assert diff is not None
        rows.append(
            [
                row.spec.label,
                *(format_estimate(row.spec, e) for e in row.estimates),
                format_difference(row.spec, diff),
            ]
        )
    headers = ["KPI", *(f"{a} (mean ± 95 % CI)" for a in arms), f"{arms[1]} − {arms[0]} (paired)"]
    return md_table(headers, rows)


def _ci(values: Sequence[float], fmt: str = "{:.2f}") -> str:
    e = mean_ci(values)
    if e.n == 0:
        return "–"
    if e.n < 2:
        return fmt.format(e.mean)
    return f"{fmt.format(e.mean)} ± {fmt.format(e.half_width)} (n={e.n})"


def accuracy_table(quality: dict[int, Quality]) -> str:
    qs = list(quality.values())
    rows: list[list[str]] = []
    for h in HORIZONS:
        errors = [x for q in qs for x in q.eta_errors[h]]
        pooled = sum(abs(x) for x in errors) / len(errors) if errors else float("nan")
        bias = sum(errors) / len(errors) if errors else float("nan")
        rows.append(
            [
                f"ETA MAE {h} min before arrival (min)",
                _ci([q.eta_mae_min[h] for q in qs if q.eta_samples[h]]),
                f"{pooled:.2f} (bias {bias:+.2f}, {len(errors):,d} arrivals)",
            ]
        )
    for h in HORIZONS:
        n = sum(q.eta_samples[h] for q in qs)
        hits = sum(q.eta_coverage[h] * q.eta_samples[h] for q in qs)
        rows.append(
            [
                f"ETA P10–P90 coverage at {h} min (ideal 80 %)",
                _ci([q.eta_coverage[h] for q in qs if q.eta_samples[h]], "{:.1%}"),
                f"{hits / n:.1%}" if n else "–",
            ]
        )
    # scored by what the brain knew: the ETA on show every few minutes before each arrival,
    # by how far ahead it was issued (scoring by the actual arrival selects on the outcome)
    for i, bucket in enumerate(qs[0].eta_by_lead if qs else ()):
        lo, hi = bucket.lead_min
        got = [q.eta_by_lead[i] for q in qs if len(q.eta_by_lead) > i and q.eta_by_lead[i].samples]
        n = sum(b.samples for b in got)
        label = f"{lo:.0f}–{hi:.0f}" if hi != float("inf") else f"{lo:.0f}+"
        rows.append(
            [
                f"ETAs issued {label} min ahead: P10–P90 coverage / median error / MAE",
                _ci([b.coverage for b in got], "{:.1%}")
                + " / "
                + _ci([b.median_error_min for b in got], "{:+.1f}")
                + " / "
                + _ci([b.mae_min for b in got], "{:.1f}"),
                f"{sum(b.coverage * b.samples for b in got) / n:.1%} of {n:,d} samples"
                if n
                else "–",
            ]
        )
    alerts = sum(q.alerts for q in qs)
    late = sum(q.late_visits for q in qs)
    true_alerts = sum(len(q.lead_times_min) for q in qs)
    leads = sorted(x for q in qs for x in q.lead_times_min)
    rows += [
        ["delay alerts per day", _ci([q.alerts for q in qs], "{:.1f}"), f"{alerts:,d}"],
        ["late or missed visits per day", _ci([q.late_visits for q in qs], "{:.1f}"), f"{late:,d}"],
        [
            "alert precision (days with alerts)",
            _ci([q.precision for q in qs if q.alerts], "{:.1%}"),
            f"{true_alerts / alerts:.1%}" if alerts else "–",
        ],
        [
            "alert recall (days with late visits)",
            _ci([q.recall for q in qs if q.late_visits], "{:.1%}"),
            f"{true_alerts / late:.1%}" if late else "–",
        ],
        [
            "median lead time of true alerts (min)",
            _ci([q.lead_time_median_min for q in qs if q.lead_times_min], "{:.1f}"),
            f"{median(leads):.1f} ({len(leads):,d} true alerts)" if leads else "–",
        ],
        [
            "delay warnings sent before the window closed, per day",
            _ci([q.delay_warnings_in_time for q in qs], "{:.1f}"),
            f"{sum(q.delay_warnings_in_time for q in qs):,d}",
        ],
    ]
    return md_table(["measure", "mean over days ± 95 % CI", "pooled over all days"], rows)


def duration_model_numbers(test_days: int) -> None:
    """The duration-model table, by ``bench_duration.py``'s own ``main``."""
    import bench_duration

    argv = sys.argv
    sys.argv = [
        "bench_duration.py",
        "--test-days",
        str(test_days),
        "--history",
        str(ROOT / "data/history/default.csv.gz"),
        "--scenario",
        str(ROOT / "data/scenarios/default.toml"),
    ]
    try:
        bench_duration.main()
    finally:
        sys.argv = argv


def effect_and_accuracy(args: argparse.Namespace) -> None:
    seeds = list(range(1, args.seeds + 1))
    brain = scenario("default", **{"policy.brain": True})
    arms = {"brain": brain}
    if args.effect:
        arms = {
            "baseline": scenario("default", **{"policy.brain": False}),
            **arms,
        }
    out, wall = run_arms(arms, seeds, args.workers)
    runs = len(seeds) * len(arms)
    print(
        f"\n{runs} runs (default scenario, seeds {seeds[0]}–{seeds[-1]}, arms "
        f"{', '.join(arms)}) in {wall:.1f} s on {args.workers} worker process(es)"
    )
    for label, by_seed in out.items():
        walls = [o.wall_s for o in by_seed.values()]
        print(f"  {label}: {median(walls):.2f} s per run in its worker (median)")
    if args.effect:
        by_arm = {label: {s: o.kpis for s, o in by_seed.items()} for label, by_seed in out.items()}
        print("\n### Effect: brain vs baseline, paired by seed\n")
        print(effect_table(by_arm))
    if args.accuracy:
        quality = {
            s: measure(ev.from_json(line) for line in o.log_lines)
            for s, o in sorted(out["brain"].items())
        }
        print(f"\n### Accuracy of the brain's decisions ({len(quality)} brain days)\n")
        print(accuracy_table(quality))
        print(f"\n### Duration model (bench_duration.py, {args.duration_test_days} test days)\n")
        duration_model_numbers(args.duration_test_days)


# ---------------------------------------------------------------- speed
@dataclass(frozen=True, slots=True)
class LoopTiming:
    build_s: float
    params_s: float
    day_s: float
    events: int
    digest: str


def _timed_day(
    sc: Scenario, seed: int, loop: Callable[[World, BrainParams], BrainRun] | None
) -> LoopTiming:
    """A fresh world; ``loop`` None runs the world alone (``world.run()``, no brain)."""
    gc.collect()
    t0 = time.perf_counter()
    world = build_world(sc, seed)
    t1 = time.perf_counter()
    if loop is None:
        t2 = t1
        events = world.run()
    else:
        params = build_brain(world.company)
        t2 = time.perf_counter()
        events = loop(world, params).events
    t3 = time.perf_counter()
    return LoopTiming(t1 - t0, t2 - t1, t3 - t2, len(events), digest(events))


def speed(args: argparse.Namespace) -> None:
    base = scenario("large", **{"policy.brain": True})
    loops: dict[str, Callable[[World, BrainParams], BrainRun] | None] = {
        "world alone": None,
        "direct loop": run_direct_loop,
        "Bytewax loop": run_closed_loop,
    }
    results: dict[int, dict[str, list[LoopTiming]]] = {}
    for n in args.sizes:
        sc = base.with_overrides(**{"workforce.technicians": n})
        results[n] = {k: [] for k in loops}
        for rep in range(args.repeats):
            for label, loop in loops.items():  # interleaved, on identical fresh worlds
                m = _timed_day(sc, args.seed, loop)
                results[n][label].append(m)
                print(
                    f"{n} technicians, repeat {rep + 1}/{args.repeats}, {label}: "
                    f"build {m.build_s:.2f} s, params {m.params_s:.2f} s, "
                    f"day {m.day_s:.2f} s, {m.events:,d} events, digest {m.digest}",
                    flush=True,
                )
    print(
        f"\n### Speed: one simulated day, large.toml with policy brain, seed {args.seed}, "
        f"{args.repeats} repeat(s), cpus {os.cpu_count()}, load average {os.getloadavg()[0]:.1f} "
        f"at the end, compiled twins {'on' if KERNELS is not None else 'OFF'}; "
        "seconds median (min–max)\n"
    )
    rows = []
    for n, by_loop in results.items():
        for label, ms in by_loop.items():
            rows.append(
                [
                    f"{n:,d}",
                    label,
                    spread([m.build_s for m in ms]),
                    spread([m.day_s for m in ms]),
                    f"{ms[0].events:,d}",
                ]
            )
    print(md_table(["technicians", "run", "World construction s", "day s", "events"], rows))

    print("\nRatios (per repeat, then median; same run, identical worlds):")
    for n, by_loop in results.items():
        w, d, b = (by_loop[k] for k in loops)

        def r(a: list[LoopTiming], c: list[LoopTiming]) -> float:
            return median([x.day_s / y.day_s for x, y in zip(a, c, strict=True)])

        same = {m.digest for m in d} == {m.digest for m in b} and len({m.digest for m in d}) == 1
        bw, dd = median([m.day_s for m in b]), median([m.day_s for m in d])
        print(
            f"  {n:,d} technicians: Bytewax / direct = {r(b, d):.2f} "
            f"(aim <= {AIM_RATIO}: {'met' if r(b, d) <= AIM_RATIO else 'NOT met'}); "
            f"direct / world alone = {r(d, w):.2f}; Bytewax / world alone = {r(b, w):.2f}; "
            f"brain cost (direct − world alone) {dd - median([m.day_s for m in w]):.1f} s, "
            f"Bytewax overhead (Bytewax − direct) {bw - dd:.1f} s; identical logs: {same}"
        )
    if 1000 in results:
        bw = median([m.day_s for m in results[1000]["Bytewax loop"]])
        verdict = "met" if bw < AIM_DAY_S else "NOT met"
        print(f"  aim: closed loop under {AIM_DAY_S:.0f} s per day at 1,000: {bw:.1f} s, {verdict}")


def profile(args: argparse.Namespace) -> None:
    sc = scenario(
        "large",
        **{
            "policy.planner": "insertion",
            "policy.brain": True,
            "workforce.technicians": args.profile,
        },
    )
    world = build_world(sc, args.seed)
    params = build_brain(world.company)
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    run_direct_loop(world, params)
    prof.disable()
    wall = time.perf_counter() - t0
    print(
        f"\n### cProfile of run_direct_loop, {args.profile} technicians ({wall:.1f} s profiled)\n"
    )
    for order, top in (("cumulative", args.profile_top), ("tottime", args.profile_top)):
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(order).print_stats(top)
        print(buf.getvalue())
    if args.profile_out:
        prof.dump_stats(args.profile_out)
        print(f"profile written to {args.profile_out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--effect", action="store_true", help="brain vs baseline KPIs")
    parser.add_argument("--accuracy", action="store_true", help="ETA, alerts, durations")
    parser.add_argument("--speed", action="store_true", help="Bytewax vs direct loop")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration-test-days", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 200])
    parser.add_argument("--repeats", type=int, default=1, help="speed repeats")
    parser.add_argument("--seed", type=int, default=1, help="speed and profile seed")
    parser.add_argument("--profile", type=int, default=300, help="technicians; 0: skip")
    parser.add_argument("--profile-top", type=int, default=25)
    parser.add_argument("--profile-out", default="")
    args = parser.parse_args()
    if not (args.effect or args.accuracy or args.speed):
        args.effect = args.accuracy = args.speed = True
    if args.seeds < 2:
        parser.error(f"--seeds must be >= 2 for confidence intervals, got {args.seeds}")
    if args.repeats < 1:
        parser.error(f"--repeats must be >= 1, got {args.repeats}")
    started = time.perf_counter()
    if args.effect or args.accuracy:
        effect_and_accuracy(args)
    if args.speed:
        speed(args)
        if args.profile:
            profile(args)
    print(f"\nbench_brain: {time.perf_counter() - started:.0f} s in total")


if __name__ == "__main__":
    main()
