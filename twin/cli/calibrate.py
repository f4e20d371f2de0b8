"""``twin calibrate-eta``: simulate past days and fit the ETA calibration."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table

from twin.cli.common import DEFAULT_ETA_CALIBRATION, console, count_bar, scenario_from

if TYPE_CHECKING:
    from twin import events as ev
    from twin.config import Scenario
    from twin.models.eta.calibration import EtaCalibration


def _brain_day(scenario: Scenario, seed: int, calibration: EtaCalibration | None) -> list[ev.Event]:
    """One simulated day with the brain in the loop (the direct loop: same log, faster)."""
    from twin.app.wiring import build_brain, build_world
    from twin.stream.connectors.bridge import run_direct_loop

    world = build_world(scenario, seed)
    return run_direct_loop(world, build_brain(world.company, calibration=calibration)).events


def cmd_calibrate_eta(args: argparse.Namespace) -> int:
    from twin.config import ConfigError
    from twin.models.duration.model import Z90
    from twin.models.eta.absent import AbsentStats, absent_stats
    from twin.models.eta.calibration import (
        CALIBRATION_SEED,
        EtaCalibration,
        fit_calibration,
        residuals,
    )

    if args.first_seed is None:
        args.first_seed = CALIBRATION_SEED
    if args.days < 1:
        raise ConfigError(f"--days must be >= 1, got {args.days}")
    if args.first_seed < 0:
        raise ConfigError(f"--first-seed must be >= 0, got {args.first_seed}")
    scenario = scenario_from(args.scenario)
    overrides: dict[str, object] = {"policy.eta_calibration": ""}
    if not scenario.policy.brain:
        console.print(
            "policy.brain is off: calibrating the ETAs of the brain (only the brain publishes ETAs)"
        )
        overrides["policy.brain"] = True
    scenario = scenario.with_overrides(**overrides)
    seeds = range(args.first_seed, args.first_seed + args.days)
    absent = AbsentStats()
    samples: list[tuple[float, float]] = []
    with count_bar() as bar:
        first = bar.add_task("past days: customers not at home", total=args.days)
        for seed in seeds:
            absent += absent_stats(_brain_day(scenario, seed, None))
            bar.advance(first)
        # the chain with the absent mixture, publishing uncorrected intervals to read back
        identity = EtaCalibration.identity(absent.share, absent.minutes or 10.0)
        second = bar.add_task("past days: ETA residuals", total=args.days)
        for seed in seeds:
            samples += residuals(_brain_day(scenario, seed, identity), identity.bands[0][2])
            bar.advance(second)
    calibration = fit_calibration(
        samples, absent, scenario=scenario.name, first_seed=args.first_seed, days=args.days
    )
    calibration.save(args.out)
    table = Table(title=f"{scenario.name}: ETA residuals z = (arrival − ETA) / spread")
    for col in ("lead (min)", "samples", "z P10", "z P50", "z P90", "inside ±Z90"):
        table.add_column(col, justify="right")
    bounds = (0.0, *calibration.lead_edges_min, math.inf)
    for b, (lo, mid, hi) in enumerate(calibration.bands):
        mine = [z for lead, z in samples if calibration.bucket(lead) == b]
        inside = sum(1 for z in mine if -Z90 <= z <= Z90) / len(mine) if mine else math.nan
        table.add_row(
            f"{bounds[b]:.0f}–{bounds[b + 1]:.0f}",
            f"{calibration.samples[b]:,d}",
            f"{lo:+.2f}",
            f"{mid:+.2f}",
            f"{hi:+.2f}",
            f"{inside:.1%}",
        )
    console.print(table)
    console.print(
        f"customers not at home: {absent.absent} of {absent.visits} visits "
        f"({absent.share:.1%}), {absent.minutes:.1f} min on site; seeds {seeds[0]}–{seeds[-1]}; "
        "'inside ±Z90' is the uncorrected P10–P90 coverage (ideal 80 %)"
    )
    console.print(f"→ {args.out} (set policy.eta_calibration to use it)")
    return 0


def register(sub: Any) -> None:
    """Add ``twin calibrate-eta`` to the CLI's subparsers."""
    p = sub.add_parser(
        "calibrate-eta",
        help="simulate past days and fit the ETA calibration (policy.eta_calibration)",
        description="Simulate --days past days of the scenario with the brain (seeds from "
        "--first-seed, apart from run and benchmark seeds), learn how often customers were "
        "not at home, collect the standardised residuals of the published ETAs and write "
        "their quantiles per lead bucket as JSON.",
    )
    p.add_argument("--scenario", type=Path, default=None, help="scenario TOML")
    p.add_argument("--days", type=int, default=10, help="past days to simulate (default: 10)")
    p.add_argument(
        "--first-seed",
        type=int,
        default=None,
        help="seed of the first past day (default: CALIBRATION_SEED of "
        "twin.models.eta.calibration, apart from run and benchmark seeds)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_ETA_CALIBRATION,
        help=f"calibration file (default: {DEFAULT_ETA_CALIBRATION})",
    )
    p.set_defaults(func=cmd_calibrate_eta)
