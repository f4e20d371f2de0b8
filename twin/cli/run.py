"""``twin run``: one simulated day of the scenario's company, written to an output folder."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from twin.cli.common import (
    DEFAULT_SCENARIO,
    add_policy_options,
    console,
    kpi_table,
    policy_overrides,
    progress_bar,
    scenario_from,
)
from twin.clock import hhmm


def cmd_run(args: argparse.Namespace) -> int:
    from twin.app.outputs import check_target
    from twin.app.run import OUTPUT_STAGES, run_scenario

    days = {"period__days": args.days} if args.days is not None else {}
    scenario = scenario_from(args.scenario, **policy_overrides(args), **days)
    out = Path(args.out)
    check_target(out)  # before the day is simulated: the folder is replaced whole
    if scenario.period.days > 1:
        from twin.cli.period import run_days

        return run_days(args, scenario, out)
    with progress_bar() as bar:
        # construction (workforce, demand, the pre-day booking) has no clock to show: a
        # pulsing bar with its own time, until the day's first tick
        building = bar.add_task("building the company", total=None, clock="")
        task = bar.add_task("simulating day", total=scenario.day_end_min, clock="", start=False)
        steps = [*OUTPUT_STAGES, *(() if args.no_store else ("run store",))]
        writing = bar.add_task("writing outputs", total=len(steps), clock="", visible=False)

        built: list[bool] = []

        def progress(t: float, end: float) -> None:
            if not built:
                built.append(True)
                bar.update(building, total=1, completed=1, clock="done")
                bar.stop_task(building)
                bar.start_task(task)
            bar.update(task, completed=t, clock=hhmm(t))

        def stage(name: str) -> None:  # each step's name when it starts
            bar.update(task, completed=scenario.day_end_min)
            bar.update(writing, visible=True, completed=steps.index(name), clock=name)

        # the log's lines are kept only for the topic: the store compresses the file
        keep = bool(args.kafka)
        result = run_scenario(scenario, args.seed, out, progress, stage=stage, keep_lines=keep)
        if not args.no_store:
            from twin.app.store import RunStore

            stage("run store")
            run_id = RunStore(args.store).add_run(
                scenario=result.scenario,
                seed=result.seed,
                kpis=result.kpis,
                wall_s=result.wall_s,
                log_file=out / "events.jsonl",  # just written: compressed from the file
            )
        bar.update(writing, completed=len(steps), clock="done")
    if not args.no_store:
        console.print(f"stored as run {run_id} in {args.store} (open it with `twin ui`)")
    if args.kafka:
        from twin.app.shadow import input_topic, publish_day

        try:
            n = publish_day(result.events, result.encoded_log(), args.kafka, args.kafka_prefix)
        except (ValueError, RuntimeError) as exc:
            console.print(f"[red]error:[/red] {exc}")
            return 2
        console.print(
            f"published {n:,d} events to {input_topic(args.kafka_prefix)} on {args.kafka}"
        )
    name = scenario.policy.name
    title = f"{scenario.name} · seed {result.seed} · policy {name}"
    console.print(kpi_table([(name, result.kpis)], title))
    console.print(
        f"{len(result.events):,d} events in {result.wall_s:.1f} s → "
        f"{out / 'events.jsonl'}, {out / 'kpis.json'}, {out / 'report.html'}"
    )
    return 0


def register(sub: Any) -> None:
    """Add ``twin run`` to the CLI's subparsers."""
    p = sub.add_parser(
        "run",
        help="simulate one working day and write its event log, KPIs and HTML report",
        description="Simulate one working day of the scenario's company under its policy.",
    )
    p.add_argument(
        "--scenario",
        type=Path,
        default=None,
        help=f"scenario TOML (default: {DEFAULT_SCENARIO}, or built-in defaults)",
    )
    p.add_argument("--seed", type=int, default=None, help="random seed (default: scenario's)")
    p.add_argument(
        "--days",
        type=int,
        default=None,
        help="working days to run, carrying bookings, rosters and learning over "
        "(default: the scenario's period.days, 1)",
    )
    add_policy_options(p)
    p.add_argument("--out", default="out/run", help="output folder (default: out/run)")
    p.add_argument(
        "--store",
        default="runs/fieldtwin.duckdb",
        help="run store the cockpit reads (default: runs/fieldtwin.duckdb)",
    )
    p.add_argument("--no-store", action="store_true", help="do not keep the run in the store")
    p.add_argument(
        "--kafka",
        metavar="BOOTSTRAP",
        default=None,
        help="also publish the day's events to Kafka (HOST:PORT[,…]), as production would, "
        "for `twin shadow` to read",
    )
    p.add_argument(
        "--kafka-prefix",
        default="fieldtwin",
        help="with --kafka: the events go to <prefix>.events (default: fieldtwin)",
    )
    p.set_defaults(func=cmd_run)
