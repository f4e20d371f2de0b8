"""``twin fit-chemistry``: simulate past days and write their ratings, the feedback history
the chemistry index is learned from (``policy.chemistry_history``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from twin.cli.common import DEFAULT_SCENARIO, console, count_bar, scenario_from

DEFAULT_OUT = Path("data/history/default_feedback.csv.gz")


def cmd_fit_chemistry(args: argparse.Namespace) -> int:
    from twin.config import ConfigError
    from twin.sim.feedback_history import FEEDBACK_SEED, simulate_feedback, write_feedback

    if args.first_seed is None:
        args.first_seed = FEEDBACK_SEED
    if args.days < 1:
        raise ConfigError(f"--days must be >= 1, got {args.days}")
    if args.first_seed < 0:
        raise ConfigError(f"--first-seed must be >= 0, got {args.first_seed}")
    scenario = scenario_from(args.scenario)
    with count_bar() as bar:
        task = bar.add_task("past days: ratings", total=args.days)
        rows = simulate_feedback(
            scenario, args.days, args.first_seed, lambda done, _: bar.update(task, completed=done)
        )
    write_feedback(rows, args.out)
    pairs = {(r.customer_id, r.technician_id) for r in rows}
    console.print(
        f"{len(rows):,d} ratings of {len(pairs):,d} customer-technician pairs → {args.out} "
        "(set policy.chemistry_history to use it)"
    )
    return 0


def register(sub: Any) -> None:
    """Add ``twin fit-chemistry`` to the CLI's subparsers."""
    p = sub.add_parser(
        "fit-chemistry",
        help="simulate past days and write the ratings the chemistry index learns from",
        description=__doc__,
    )
    p.add_argument(
        "--scenario", type=Path, default=None, help=f"scenario TOML (default: {DEFAULT_SCENARIO})"
    )
    p.add_argument("--days", type=int, default=60, help="past days to simulate (default: 60)")
    p.add_argument(
        "--first-seed",
        type=int,
        default=None,
        help="seed of the first past day (default: FEEDBACK_SEED of "
        "twin.sim.feedback_history, the seed of the shipped history)",
    )
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"default: {DEFAULT_OUT}")
    p.set_defaults(func=cmd_fit_chemistry)
