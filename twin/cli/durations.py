"""``twin train-durations``: regenerate the visit history, fit the duration model, rate it.

Simulates ``--days`` past days of the scenario with the baseline dispatcher (seeds from
10,000), writes the history as gzip CSV, fits the model on it and prints its quality on
``--test-days`` fresh days (seeds from 20,000) next to the naive per-job-type mean and the
oracle that knows each visit's true distribution.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.table import Table

    from twin.models.duration.quality import DurationQuality

DEFAULT_HISTORY = Path("data/history/default.csv.gz")


def register(sub: Any) -> None:
    """Add ``twin train-durations`` to the CLI's subparsers."""
    p = sub.add_parser(
        "train-durations",
        help="simulate a visit history, fit the duration model and print its quality",
        description=__doc__,
    )
    p.add_argument("--scenario", type=Path, default=None, help="scenario TOML (default: default)")
    p.add_argument("--days", type=int, default=20, help="past days to simulate (default: 20)")
    p.add_argument(
        "--test-days", type=int, default=3, help="held-out days for the quality table (default: 3)"
    )
    p.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_HISTORY,
        help=f"history file (default: {DEFAULT_HISTORY})",
    )
    p.set_defaults(func=cmd_train_durations)


def quality_table(results: Sequence[DurationQuality], title: str) -> Table:
    from rich.table import Table

    table = Table(title=title)
    for col in ("predictor", "MAE P50", "MAE mean", "RMSE mean", "pinball", "P10–P90"):
        table.add_column(col, justify="left" if col == "predictor" else "right")
    for q in results:
        table.add_row(
            q.name,
            f"{q.mae_p50:.2f}",
            f"{q.mae_mean:.2f}",
            f"{q.rmse_mean:.2f}",
            f"{q.pinball:.2f}",
            f"{q.coverage:.1%}",
        )
    return table


def cmd_train_durations(args: argparse.Namespace) -> int:

    from twin.cli.common import console, count_bar, scenario_from
    from twin.config import ConfigError
    from twin.models.duration.baselines import NaiveMeanPredictor
    from twin.models.duration.data import write_history
    from twin.models.duration.model import DurationModel
    from twin.models.duration.quality import evaluate
    from twin.sim.history import simulate_history, simulate_test_days

    if args.days < 1 or args.test_days < 1:
        raise ConfigError(f"--days and --test-days must be >= 1, got {args.days}, {args.test_days}")
    scenario = scenario_from(args.scenario)
    with count_bar() as bar:
        history = bar.add_task("simulating history days", total=args.days)
        rows = simulate_history(
            scenario, args.days, progress=lambda done, _: bar.update(history, completed=done)
        )
        test_task = bar.add_task("simulating held-out days", total=args.test_days)
        held_out = simulate_test_days(
            scenario,
            args.test_days,
            progress=lambda done, _: bar.update(test_task, completed=done),
        )
    n = write_history(rows, args.out)
    console.print(f"{n:,d} visits from {args.days} days → {args.out}")
    t0 = time.perf_counter()
    model = DurationModel.fit(rows)
    fit_s = time.perf_counter() - t0
    test = held_out.rows
    results = evaluate(
        test,
        [
            ("naive", NaiveMeanPredictor.fit(rows)),
            ("model", model),
            ("oracle", held_out.oracle),
        ],
        online=["model"],
    )
    days = f"{len(test):,d} visits on {args.test_days} held-out day(s)"
    title = f"{scenario.name}: visit durations, {days}"
    console.print(quality_table(results, title))
    console.print(
        "minutes; naive = per-job-type history, oracle = the true lognormal of each visit; "
        "P10–P90 = share of visits inside the interval (ideal 80 %)"
    )
    console.print(f"model fitted in {fit_s:.2f} s on {n:,d} visits")
    return 0
