"""``twin kpis``: the KPIs of any event log, simulated or recorded from production.

The log is the contract: the KPIs are computed from its events alone (as ``twin run``
writes them to ``kpis.json``), with the scenario's costs and satisfaction points. The day
measured is the log's own (the date most of its events carry); a line that is not an event
is skipped and counted, never a reason to stop.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console

from twin.cli.common import DEFAULT_SCENARIO, console, kpi_table, scenario_from


def cmd_kpis(args: argparse.Namespace) -> int:
    from twin import events as ev
    from twin.analysis.kpi import compute_kpis

    path = Path(args.events)
    if not path.is_file():
        console.print(f"[red]error:[/red] event log not found (or not a file): {path}")
        return 2
    scenario = scenario_from(args.scenario)
    events, skipped = ev.read_events(path)
    if not events:
        console.print(f"[red]error:[/red] {path}: no events in the log")
        return 2
    notes = Console(stderr=True) if args.json else console  # --json: stdout is the JSON
    day = Counter(e.time.date() for e in events).most_common(1)[0][0]
    if day != scenario.date:
        notes.print(f"the log's day is {day} (the scenario's {scenario.date}): measuring {day}")
        scenario = scenario.model_copy(update={"date": day})
    kpis = compute_kpis(events, scenario)
    if args.json:
        console.print_json(json.dumps(kpis.to_dict()))
    else:
        console.print(kpi_table([("log", kpis)], f"KPIs of {path} ({day})"))
    if skipped:
        notes.print(f"[yellow]{len(skipped):,d} lines skipped[/yellow], first: {skipped[0]}")
    return 0


def register(sub: Any) -> None:
    """Add ``twin kpis`` to the CLI's subparsers."""
    p = sub.add_parser(
        "kpis",
        help="the KPIs of any event log (simulated or from production)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("events", help="JSONL event log")
    p.add_argument(
        "--scenario",
        type=Path,
        default=None,
        help=f"scenario TOML for costs and satisfaction points (default: {DEFAULT_SCENARIO})",
    )
    p.add_argument("--json", action="store_true", help="machine-readable KPIs")
    p.set_defaults(func=cmd_kpis)
