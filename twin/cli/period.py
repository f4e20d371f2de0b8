"""``twin run --days N``: a period of working days, with its per-day and period KPIs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from rich.table import Table

from twin.analysis.period import PERIOD_ROWS
from twin.cli.common import console, progress_bar
from twin.clock import hhmm

if TYPE_CHECKING:
    from twin.config import Scenario


def period_table(kpis: dict[str, object], title: str) -> Table:
    table = Table(title=title)
    table.add_column("KPI")
    table.add_column("value", justify="right")
    for key, label, fmt in PERIOD_ROWS:
        if key in kpis:
            table.add_row(label, fmt.format(kpis[key]))
    return table


def run_days(args: argparse.Namespace, scenario: Scenario, out: Path) -> int:
    """Run the scenario's period into ``out`` (and the run store), print its KPIs."""
    from twin.app.period import run_period

    days = scenario.period.days
    with progress_bar() as bar:
        task = bar.add_task(f"day 1 of {days}", total=days * scenario.day_end_min, clock="")

        def progress(k: int, n: int, t: float, end: float) -> None:
            bar.update(
                task,
                completed=k * scenario.day_end_min + t,
                description=f"day {k + 1} of {n}",
                clock=hhmm(t),
            )

        result = run_period(scenario, args.seed, out, progress)
        bar.update(task, completed=days * scenario.day_end_min, clock="done")
    if not args.no_store:
        ids = store_days(args.store, result.scenario, out)
        console.print(f"stored {len(ids)} days as runs {ids[0]} … {ids[-1]} in {args.store}")
    name = scenario.policy.name
    title = f"{scenario.name} · seed {result.seed} · policy {name} · {days} working days"
    console.print(period_table(result.kpis, title))
    for warning in result.kpis.get("warnings", []):
        console.print(f"[yellow]warning:[/yellow] {warning}")
    console.print(
        f"{days} days in {result.wall_s:.1f} s → {out / 'period.json'}, "
        f"{out / 'requests.jsonl'}, {out / 'days'}/"
    )
    return 0


def store_days(store_path: str, scenario: Scenario, out: Path) -> list[str]:
    """Each day of the period folder ``out`` as a run of the store (the cockpit shows it)."""
    import datetime as dt

    from twin.analysis.kpi import Kpis
    from twin.app.period import day_seed
    from twin.app.store import RunStore

    store = RunStore(store_path)
    ids = []
    for k, folder in enumerate(sorted((out / "days").iterdir())):
        date = dt.date.fromisoformat(folder.name.split("-", 1)[1])
        day = scenario.model_copy(update={"date": date, "seed": day_seed(scenario.seed, k)})
        kpis = Kpis(**json.loads((folder / "kpis.json").read_text(encoding="utf-8")))
        lines = (folder / "events.jsonl").read_text(encoding="utf-8").splitlines()
        ids.append(
            store.add_run(scenario=day, seed=day.seed, kpis=kpis, wall_s=0.0, log_lines=lines)
        )
    return ids
