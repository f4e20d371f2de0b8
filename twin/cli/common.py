"""What every command shares: the console, the default scenario, tables and progress bars.

Output for people (tables, progress bars) goes through ``rich``; everything a run produces
is written to its ``--out`` folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from twin.analysis.kpi import KPI_SPECS, Kpis
from twin.config import Scenario, load_scenario

DEFAULT_SCENARIO = Path("data/scenarios/default.toml")
DEFAULT_ETA_CALIBRATION = Path("data/history/default_eta_calibration.json")
console = Console()


def scenario_from(path: Path | None, policy: str | None, seed: int | None) -> Scenario:
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
