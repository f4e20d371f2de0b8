"""What every command shares: the console, the default scenario, tables and progress bars.

Output for people (tables, progress bars) goes through ``rich``; everything a run produces
is written to its ``--out`` folder.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:  # imported when a command runs, not for `twin --help` (see twin.cli)
    from twin.analysis.kpi import Kpis
    from twin.config import Scenario

DEFAULT_SCENARIO = Path("data/scenarios/default.toml")
DEFAULT_ETA_CALIBRATION = Path("data/history/default_eta_calibration.json")
console = Console()


def scenario_from(path: Path | None, **overrides: object) -> Scenario:
    """The scenario every command starts from: ``path``, else the default scenario file,
    else the built-in defaults; ``overrides`` are dotted paths (None: not given)."""
    from twin.config import Scenario, load_scenario

    if path is None:
        scenario = load_scenario(DEFAULT_SCENARIO) if DEFAULT_SCENARIO.exists() else Scenario()
    else:
        scenario = load_scenario(path)
    given = {k.replace("__", "."): v for k, v in overrides.items() if v is not None}
    return scenario.with_overrides(**given) if given else scenario


def add_policy_options(p: argparse.ArgumentParser) -> None:
    """``--planner``, ``--brain/--no-brain`` and the deprecated ``--policy``."""
    p.add_argument(
        "--planner",
        choices=["insertion", "poweropt"],
        default=None,
        help="who books and plans: insertion (cheapest insertion) or poweropt (PowerOpt "
        "daily plan, ranked offers, repair); default: the scenario's policy.planner",
    )
    p.add_argument(
        "--brain",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="the streaming brain in the loop (live ETAs, delay alerts, notifications, "
        "replanning); default: the scenario's policy.brain",
    )
    p.add_argument(
        "--policy",
        choices=["baseline", "optimised", "brain", "optimised_brain"],
        default=None,
        help="deprecated: baseline = --planner insertion --no-brain, brain = --planner "
        "insertion --brain, optimised = --planner poweropt --no-brain, optimised_brain = "
        "--planner poweropt --brain",
    )


def policy_overrides(args: argparse.Namespace) -> dict[str, object]:
    """The policy options given on the command line, as dotted-path overrides."""
    from twin.config import legacy_dispatcher

    out: dict[str, object] = {}
    if args.policy is not None:
        planner, brain = legacy_dispatcher(args.policy)
        out = {"policy__planner": planner, "policy__brain": brain}
    if args.planner is not None:
        out["policy__planner"] = args.planner
    if args.brain is not None:
        out["policy__brain"] = args.brain
    return out


def kpi_table(columns: Sequence[tuple[str, Kpis]], title: str = "KPIs") -> Table:
    from twin.analysis.kpi import KPI_SPECS

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


def count_bar() -> Progress:
    """A progress bar that counts steps (days, runs): description, bar, done of total, time."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
