"""The fidelity table: a simulated week of the default company against published figures.

Runs ``--days`` working days of a scenario (default: ``default.toml`` with the conventional
dispatcher, insertion without the brain) on ``--seeds`` seeds and prints, per figure, the
published range (``shared/REALITY.md``), the simulated mean with its 95 % interval over
seeds, and whether the mean lies in the range. ``--write`` appends the table to
``bench/RESULTS.md`` with the command that made it.

    .venv/bin/python bench/fidelity.py --seeds 10 --days 5 --write
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

from twin.analysis.stats import mean_ci
from twin.app.period import run_period

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import scenario as load

# figure, KPI key, published low, high, scale for printing, unit, source
FIGURES: tuple[tuple[str, str, float, float, float, str, str], ...] = (
    ("On time (attended visits)", "punctuality", 0.84, 0.88, 100, "%", "REALITY: 84-88 %"),
    ("Late (attended visits)", "late_share", 0.0, 0.10, 100, "%", "J.D. Power: ~7 %"),
    ("Begun early (attended visits)", "early_share", 0.0, 0.10, 100, "%", "J.D. Power: ~5 %"),
    ("Visits per technician-day", "visits_per_technician_day", 4.0, 6.0, 1, "", "5 ± 1"),
    ("Share of the shift driving", "driving_share", 0.16, 0.25, 100, "%", "16-25 %"),
    ("Missed (booked visits)", "missed_share", 0.0, 0.02, 100, "%", "≤ 2 % (Openreach 1.1-1.3)"),
    ("Moved by the company, with notice", "moved_share", 0.0, 1.0, 100, "%", "-"),
    (
        "Highest average per Werktag (Mon-Sat)",
        "work_hours_per_werktag_max",
        0.0,
        8.0,
        1,
        "h",
        "ArbZG § 3: ≤ 8 h",
    ),
    ("Highest average working day", "work_hours_average_max", 0.0, 99.0, 1, "h", "-"),
    ("Shifts over 10 hours", "shifts_over_10h", 0.0, 0.0, 1, "", "ArbZG: none"),
    ("Faults fixed within 1 working day", "faults_fixed_within_1_day", 0.0, 1.0, 100, "%", "-"),
    ("Time to service (working days)", "time_to_service_mean_days", 0.0, 99.0, 1, "d", "-"),
    ("Waiting share of the shift", "waiting_share", 0.0, 1.0, 100, "%", "-"),
)


def one(args: tuple[str, int, int, dict[str, Any]]) -> tuple[dict[str, Any], float]:
    name, seed, days, overrides = args
    sc = load(name, **{"period.days": days, **overrides})
    started = time.process_time()
    result = run_period(sc, seed, None)
    return result.kpis, time.process_time() - started


def table(rows: list[dict[str, Any]]) -> list[str]:
    out = [
        "| figure | published | simulated (mean, 95 % CI) | in range |",
        "|---|---|---|---|",
    ]
    for label, key, low, high, scale, unit, source in FIGURES:
        values = [float(r[key]) for r in rows]
        s = mean_ci(values)
        mean = s.mean
        ok = "yes" if low <= mean <= high else "**no**"
        if source == "-":
            ok = "(reported)"
        lo, hi = s.low * scale, s.high * scale
        out.append(f"| {label} | {source} | {mean * scale:.2f}{unit} ({lo:.2f}–{hi:.2f}) | {ok} |")
    return out


def _number(value: str) -> Any:
    """An override's value as the scenario would read it from TOML: int, float or text."""
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="default")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--days", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--set", action="append", default=[], help="dotted.path=value override")
    ap.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    args = ap.parse_args()
    overrides: dict[str, Any] = {"policy.planner": "insertion", "policy.brain": False}
    for item in args.set:
        key, _, value = item.partition("=")
        overrides[key] = _number(value)
    jobs = [(args.scenario, seed, args.days, overrides) for seed in range(1, args.seeds + 1)]
    started = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(one, jobs))
    wall = time.perf_counter() - started
    rows = [k for k, _ in results]
    cpu = sum(c for _, c in results)
    lines = table(rows)
    load1 = os.getloadavg()[0]
    head = (
        f"{args.scenario}.toml, {args.days} working days × {args.seeds} seeds, conventional "
        f"dispatcher; {cpu:.0f} s CPU, {wall:.0f} s wall, load {load1:.1f}"
    )
    print(head)
    print("\n".join(lines))
    if args.write:
        cmd = "bench/fidelity.py " + " ".join(sys.argv[1:])
        with (Path(__file__).parent / "RESULTS.md").open("a", encoding="utf-8") as fh:
            fh.write(f"\n### Fidelity: {head}\n\n`.venv/bin/python {cmd}`\n\n")
            fh.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
