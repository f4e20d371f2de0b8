"""The ``twin`` command line: run a simulated day, replay a log through the brain, compare
policies, open the cockpit, answer a booking request, train the duration model, shadow a
live Kafka stream.

Output for people (tables, progress bars) goes through ``rich``; everything a run produces
is written to its ``--out`` folder.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

# scikit-learn/numpy threads on 2 cores cost more than they give (STACK.md)
os.environ.setdefault("OMP_NUM_THREADS", "1")

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from twin import compare as compare_cmd
from twin import duration_cli, offer_cli
from twin.config import ConfigError, Scenario, load_scenario
from twin.kpi import KPI_SPECS, Kpis
from twin.models.eta_calibration import CALIBRATION_SEED
from twin.stream import shadow as shadow_cmd
from twin.ui import cli as ui_cmd

if TYPE_CHECKING:
    from twin import events as ev
    from twin.models.eta_calibration import EtaCalibration

DEFAULT_SCENARIO = Path("data/scenarios/default.toml")
DEFAULT_ETA_CALIBRATION = Path("data/history/default_eta_calibration.json")
console = Console()


def _scenario(path: Path | None, policy: str | None, seed: int | None) -> Scenario:
    if path is None:
        scenario = load_scenario(DEFAULT_SCENARIO) if DEFAULT_SCENARIO.exists() else Scenario()
    else:
        scenario = load_scenario(path)
    overrides: dict[str, object] = {}
    if policy is not None:
        overrides["policy.dispatcher"] = policy
    if seed is not None:
        overrides["seed"] = seed
    return scenario.with_overrides(**overrides) if overrides else scenario


def kpi_table(columns: Sequence[tuple[str, Kpis]], title: str = "KPIs") -> Table:
    table = Table(title=title)
    table.add_column("KPI")
    for name, _ in columns:
        table.add_column(name, justify="right")
    for spec in KPI_SPECS:
        table.add_row(spec.label, *(spec.format(getattr(k, spec.name)) for _, k in columns))
    return table


def progress_bar() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[clock]}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def cmd_run(args: argparse.Namespace) -> int:
    from twin.runner import OUTPUT_STAGES, run_scenario

    scenario = _scenario(args.scenario, args.policy, args.seed)
    out = Path(args.out)
    with progress_bar() as bar:
        task = bar.add_task("simulating day", total=scenario.day_end_min, clock="00:00")
        steps = [*OUTPUT_STAGES, *(() if args.no_store else ("run store",))]
        writing = bar.add_task("writing outputs", total=len(steps), clock="", visible=False)

        def progress(t: float, end: float) -> None:
            bar.update(task, completed=t, clock=f"{int(t // 60):02d}:{int(t % 60):02d}")

        def stage(name: str) -> None:  # each step's name when it starts
            bar.update(task, completed=scenario.day_end_min)
            bar.update(writing, visible=True, completed=steps.index(name), clock=name)

        result = run_scenario(scenario, scenario.seed, out, progress, stage=stage)
        if not args.no_store:
            from twin.store import RunStore

            stage("run store")
            run_id = RunStore(args.store).add_run(
                scenario=scenario,
                seed=result.seed,
                kpis=result.kpis,
                wall_s=result.wall_s,
                log_lines=result.encoded_log(),
            )
        bar.update(writing, completed=len(steps), clock="done")
    if not args.no_store:
        console.print(f"stored as run {run_id} in {args.store} (open it with `twin ui`)")
    title = f"{scenario.name} · seed {result.seed} · policy {scenario.policy.dispatcher}"
    console.print(kpi_table([(scenario.policy.dispatcher, result.kpis)], title))
    console.print(
        f"{len(result.events):,d} events in {result.wall_s:.1f} s → "
        f"{out / 'events.jsonl'}, {out / 'kpis.json'}, {out / 'report.html'}"
    )
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from twin.quality import measure
    from twin.runner import brain_params
    from twin.stream.replay import replay, write_outputs
    from twin.stream.roster import read_roster

    log_path = Path(args.events)
    if not log_path.exists():
        console.print(f"[red]error:[/red] event log not found: {log_path}")
        return 2
    scenario = _scenario(args.scenario, None, None)
    roster_path = Path(args.roster) if args.roster else log_path.parent / "roster.json"
    try:
        roster = read_roster(roster_path)
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc} (pass --roster)")
        return 2
    try:
        params = brain_params(scenario, roster, reorder_bound_min=args.bound)
    except ConfigError as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2
    with console.status(f"replaying {log_path} through the brain"):
        result = replay(log_path, params)
    out = Path(args.out)
    write_outputs(result, out)
    from twin import events as ev

    quality = measure([*ev.read_log(log_path), *result.decisions])
    (out / "quality.json").write_text(json.dumps(quality.to_dict(), indent=2) + "\n")
    table = Table(title=f"replay of {log_path}")
    table.add_column("output")
    table.add_column("count", justify="right")
    counts: dict[str, int] = {}
    for d in result.decisions:
        counts[d.TYPE] = counts.get(d.TYPE, 0) + 1
    for kind, n in sorted(counts.items()):
        table.add_row(kind, f"{n:,d}")
    table.add_row("ops windows", f"{len(result.ops):,d}")
    table.add_row("dead letters", f"{len(result.dead_letters):,d}")
    console.print(table)
    console.print(
        "ETA MAE 60/30/15 min before arrival: "
        + " / ".join(f"{quality.eta_mae_min[h]:.1f}" for h in (60, 30, 15))
        + f" min; delay alerts precision {quality.precision:.0%}, recall {quality.recall:.0%}"
    )
    console.print(f"→ {out}/decisions.jsonl, ops.jsonl, dead_letters.jsonl, quality.json")
    return 0


def _brain_day(scenario: Scenario, seed: int, calibration: EtaCalibration | None) -> list[ev.Event]:
    """One simulated day with the brain in the loop (the direct loop: same log, faster)."""
    from twin.runner import dispatcher_factory, duration_estimates
    from twin.sim.world import World
    from twin.stream.loop import run_direct_loop
    from twin.stream.params import BrainParams

    factory = dispatcher_factory(scenario)
    world = World(scenario, factory, seed)
    estimates = duration_estimates(scenario, world.specs)
    params = BrainParams.for_scenario(
        scenario, world.specs, estimates, factory, eta_calibration=calibration
    )
    return run_direct_loop(world, params).events


def cmd_calibrate_eta(args: argparse.Namespace) -> int:
    from rich.progress import MofNCompleteColumn

    from twin.models.duration import Z90
    from twin.models.eta_calibration import (
        AbsentStats,
        EtaCalibration,
        absent_stats,
        fit_calibration,
        residuals,
    )

    if args.days < 1:
        raise ConfigError(f"--days must be >= 1, got {args.days}")
    if args.first_seed < 0:
        raise ConfigError(f"--first-seed must be >= 0, got {args.first_seed}")
    scenario = _scenario(args.scenario, None, None)
    overrides: dict[str, object] = {"policy.eta_calibration": ""}
    if scenario.policy.dispatcher not in ("brain", "optimised_brain"):
        console.print(
            f"policy.dispatcher is {scenario.policy.dispatcher!r}: calibrating the ETAs of "
            "'brain' (only the brain publishes ETAs)"
        )
        overrides["policy.dispatcher"] = "brain"
    scenario = scenario.with_overrides(**overrides)
    seeds = range(args.first_seed, args.first_seed + args.days)
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    absent = AbsentStats()
    samples: list[tuple[float, float]] = []
    with Progress(*columns, console=console) as bar:
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="twin", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser(
        "run",
        help="simulate one working day and write its event log, KPIs and HTML report",
        description="Simulate one working day of the scenario's company under its policy.",
    )
    run.add_argument(
        "--scenario",
        type=Path,
        default=None,
        help=f"scenario TOML (default: {DEFAULT_SCENARIO}, or built-in defaults)",
    )
    run.add_argument("--seed", type=int, default=None, help="random seed (default: scenario's)")
    run.add_argument(
        "--policy",
        choices=["baseline", "optimised", "brain", "optimised_brain"],
        default=None,
        help="dispatcher: baseline (insertion, no replanning), brain (streaming brain in the "
        "loop, repairing live), optimised (PowerOpt daily plan and offers), "
        "optimised_brain (both); default: the scenario's policy.dispatcher",
    )
    run.add_argument("--out", default="out/run", help="output folder (default: out/run)")
    run.add_argument(
        "--store",
        default="runs/fieldtwin.duckdb",
        help="run store the cockpit reads (default: runs/fieldtwin.duckdb)",
    )
    run.add_argument("--no-store", action="store_true", help="do not keep the run in the store")
    run.set_defaults(func=cmd_run)

    rep = sub.add_parser(
        "replay",
        help="run the brain's dataflow over a recorded event log (open loop)",
        description="Run the streaming brain over a JSONL event log and write its decisions, "
        "operational KPI windows, dead letters (bad input, with reasons) and decision quality.",
    )
    rep.add_argument("events", help="JSONL event log (e.g. out/default/events.jsonl)")
    rep.add_argument("--out", default="out/replay", help="output folder (default: out/replay)")
    rep.add_argument("--scenario", type=Path, default=None, help="scenario TOML (policy, city)")
    rep.add_argument(
        "--roster",
        default=None,
        help="technician master data (default: roster.json beside the log)",
    )
    rep.add_argument(
        "--bound",
        type=float,
        default=2.0,
        help="tolerated reordering in minutes; later events are dead-lettered (default: 2)",
    )
    rep.set_defaults(func=cmd_replay)

    cal = sub.add_parser(
        "calibrate-eta",
        help="simulate past days and fit the ETA calibration (policy.eta_calibration)",
        description="Simulate --days past days of the scenario with the brain (seeds from "
        "--first-seed, apart from run and benchmark seeds), learn how often customers were "
        "not at home, collect the standardised residuals of the published ETAs and write "
        "their quantiles per lead bucket as JSON.",
    )
    cal.add_argument("--scenario", type=Path, default=None, help="scenario TOML")
    cal.add_argument("--days", type=int, default=10, help="past days to simulate (default: 10)")
    cal.add_argument(
        "--first-seed",
        type=int,
        default=CALIBRATION_SEED,
        help=f"seed of the first past day (default: {CALIBRATION_SEED})",
    )
    cal.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_ETA_CALIBRATION,
        help=f"calibration file (default: {DEFAULT_ETA_CALIBRATION})",
    )
    cal.set_defaults(func=cmd_calibrate_eta)
    compare_cmd.register(sub)
    ui_cmd.register(sub)
    duration_cli.register(sub)
    shadow_cmd.register(sub)
    offer_cli.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    try:
        return int(args.func(args))
    except ConfigError as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
