"""The ETA dead-band (``policy.eta_hysteresis_min``): what publishing fewer ETA updates does
to decision quality and to the brain's CPU (issue 19).

For each seed and each dead-band, one closed-loop day with the brain: the ``eta_updated``
events it publishes, the day's CPU, and the ETA quality of :mod:`twin.analysis.quality`
(error and interval coverage 60/30/15 minutes before arrival, and by lead time). Every
other decision (delay alerts, warnings, replans, deferrals, the world's events) must be the
same whatever the dead-band: the benchmark checks it (the log without ``eta_updated``,
decision ids left out) and stops if not. Differences against the first dead-band are
paired by seed (common random numbers) with a 95 % Student-t interval.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_eta_deadband.py
[--scenario default] [--seeds 1 2 ... 10] [--deadbands 3 0 1 2 5 8]``
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import scenario

from twin import events as ev
from twin.analysis import quality
from twin.analysis.stats import mean_ci, paired_difference
from twin.app.wiring import build_brain, build_world
from twin.stream.connectors.bridge import run_closed_loop


def _others(events: Sequence[ev.Event]) -> list[str]:
    """The log without ``eta_updated`` and without decision ids (they count every event)."""
    out = []
    for e in events:
        if type(e) is ev.EtaUpdated:
            continue
        line = ev.to_json(e)
        out.append(line.replace(f'"id":"{e.id}"', "") if e.id.startswith("b") else line)
    return out


def one_day(name: str, seed: int, deadband: float) -> tuple[dict[str, float], list[str]]:
    sc = scenario(name, **{"policy.brain": True, "policy.eta_hysteresis_min": deadband})
    world = build_world(sc, seed)
    params = build_brain(world.company)
    c0 = time.process_time()
    events = run_closed_loop(world, params).events
    cpu = time.process_time() - c0
    q = quality.measure(events)
    row: dict[str, float] = {
        "eta_updated": sum(1 for e in events if type(e) is ev.EtaUpdated),
        "events": len(events),
        "day_cpu_s": cpu,
        "alerts": q.alerts,
        "precision": q.precision,
        "recall": q.recall,
        "alert_lead_min": q.lead_time_median_min,
    }
    for h in quality.HORIZONS:
        row[f"mae_{h}"] = q.eta_mae_min[h]
        row[f"coverage_{h}"] = q.eta_coverage[h]
    for b in q.eta_by_lead:
        lo, hi = b.lead_min
        row[f"lead_{lo:g}-{hi:g}_coverage"] = b.coverage
        row[f"lead_{lo:g}-{hi:g}_mae"] = b.mae_min
    return row, _others(events)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scenario", default="default")
    p.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 11)))
    p.add_argument("--deadbands", type=float, nargs="+", default=[3.0, 0.0, 1.0, 2.0, 5.0])
    args = p.parse_args()
    rows: dict[float, dict[int, dict[str, float]]] = {d: {} for d in args.deadbands}
    started = time.perf_counter()
    for seed in args.seeds:
        reference: list[str] | None = None
        for d in args.deadbands:
            row, others = one_day(args.scenario, seed, d)
            if reference is None:
                reference = others
            elif others != reference:
                msg = f"seed {seed}: dead-band {d:g} changed a decision other than an ETA update"
                raise SystemExit(msg)
            rows[d][seed] = row
            print(
                f"seed {seed} dead-band {d:g}: {row['eta_updated']:.0f} eta_updated, "
                f"day {row['day_cpu_s']:.2f} s CPU, load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    report(rows, args)
    print(f"\nbench_eta_deadband: {time.perf_counter() - started:.0f} s, other decisions equal")


def report(rows: dict[float, dict[int, dict[str, float]]], args: Any) -> None:
    ref, *others = args.deadbands
    keys = list(next(iter(rows[ref].values())))
    head = f"| measure | {ref:g} min (reference) | " + " | ".join(
        f"{d:g} min, diff" for d in others
    )
    print(f"\n{args.scenario}, seeds {args.seeds[0]}-{args.seeds[-1]} (mean [95 % CI])")
    print(head + " |")
    print("|---" * (2 + len(others)) + "|")
    for k in keys:
        base = {s: r[k] for s, r in rows[ref].items()}
        est = mean_ci(list(base.values()))
        cells = [f"{est.mean:.3f} [{est.low:.3f}, {est.high:.3f}]"]
        for d in others:
            diff = paired_difference(base, {s: r[k] for s, r in rows[d].items()})
            star = " *" if diff.significant else ""
            cells.append(f"{diff.mean:+.3f} [{diff.low:+.3f}, {diff.high:+.3f}]{star}")
        print(f"| {k} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
