"""``twin replay``: the brain's dataflow over a recorded event log (open loop)."""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from rich.markup import escape
from rich.table import Table

from twin.cli.common import console, scenario_from

if TYPE_CHECKING:
    from twin.stream.connectors.jsonl import ReplayResult


EXIT_OK = 0  # the log was replayed; dead letters (bad lines) are part of a normal result
EXIT_BAD_INPUT = 2  # fatal: the log, the roster or the scenario cannot be used
_TIME = re.compile(r'"time"\s*:\s*"([^"]{1,40})"')


def _fail(message: str) -> int:
    console.print(f"[red]error:[/red] {message}")
    return EXIT_BAD_INPUT


def cmd_replay(args: argparse.Namespace) -> int:
    from twin.analysis.quality import measure
    from twin.app.outputs import check_log
    from twin.app.roster import read_roster
    from twin.app.wiring import build_brain, company_from_roster
    from twin.config import ConfigError
    from twin.stream.connectors.jsonl import replay, write_outputs
    from twin.stream.order import MAX_BOUND_MIN

    if not 0.0 <= args.bound <= MAX_BOUND_MIN:
        return _fail(f"--bound must be from 0 to {MAX_BOUND_MIN:g} minutes, got {args.bound!r}")
    log_path = Path(args.events)
    if not log_path.is_file():
        return _fail(f"event log not found (or not a file): {log_path}")
    if problem := check_log(log_path, allow_incomplete=args.allow_incomplete):
        return _fail(problem)
    scenario = scenario_from(args.scenario)
    roster_path = Path(args.roster) if args.roster else log_path.parent / "roster.json"
    try:
        roster = read_roster(roster_path)
    except ValueError as exc:
        return _fail(f"{exc} (pass --roster)")
    try:
        company = company_from_roster(scenario, roster)
        params = build_brain(company, reorder_bound_min=args.bound)
    except ConfigError as exc:
        return _fail(str(exc))
    try:
        with console.status(f"replaying {log_path} through the brain"):
            result = replay(log_path, params)
    except OSError as exc:
        return _fail(f"cannot read the event log {log_path}: {exc}")
    if refusal := day_mismatch(result, scenario.date, scenario.time_zone):
        return _fail(escape(refusal))
    out = Path(args.out)
    # what happened (the log's world events) against this replay's decisions only: the
    # log's own decisions would be measured as if they were the replay's
    quality = measure([*result.world, *result.decisions])
    try:
        write_outputs(result, out)
        (out / "quality.json").write_text(json.dumps(quality.to_dict(), indent=2) + "\n")
    except OSError as exc:
        return _fail(f"cannot write the outputs to {out}: {exc}")
    console.print(_summary(log_path, result))
    if result.dead_letters:
        from twin.analysis.scorecard import count_reasons

        first = result.dead_letters[0]
        counts = count_reasons(d.reason for d in result.dead_letters)
        by = ", ".join(f"{kind} {n:,d}" for kind, n in counts)
        console.print(f"[yellow]dead letters by reason:[/yellow] {escape(by)}")
        console.print(f"first dead letter: {escape(first.reason)}")
    console.print(
        "ETA MAE 60/30/15 min before arrival: "
        + " / ".join(f"{quality.eta_mae_min[h]:.1f}" for h in (60, 30, 15))
        + f" min; delay alerts precision {quality.precision:.0%}, recall {quality.recall:.0%}"
    )
    console.print(f"→ {out}/decisions.jsonl, ops.jsonl, dead_letters.jsonl, quality.json")
    return EXIT_OK


def day_mismatch(result: ReplayResult, day: date, zone: str) -> str | None:
    """Why a log is not of the scenario's ``day`` (more of its events refused as off the
    day than admitted), or None: its decisions would rest on a fraction of the day."""
    from twin import events as ev
    from twin.analysis.scorecard import reason_kind

    off = [d for d in result.dead_letters if reason_kind(d.reason) == "off the day"]
    if not off or len(off) <= len(result.world):
        return None
    dates: Counter[str] = Counter()
    for d in off:
        found = _TIME.search(d.raw)
        try:
            local = ev.parse_time(found.group(1)).astimezone(ZoneInfo(zone)) if found else None
        except ev.EventParseError:
            local = None
        dates[local.date().isoformat() if local else "?"] += 1
    listed = ", ".join(f"{k} ({n:,d})" for k, n in sorted(dates.items()))
    return (
        f"the log is not of the scenario's day {day.isoformat()}: {len(off):,d} events are "
        f"dated off it ({listed}; local dates, {zone}), {len(result.world):,d} on it; pass "
        "the scenario of the log's day (--scenario, its date)"
    )


def _summary(log_path: Path, result: ReplayResult) -> Table:
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
    return table


def register(sub: Any) -> None:
    """Add ``twin replay`` to the CLI's subparsers."""
    p = sub.add_parser(
        "replay",
        help="run the brain's dataflow over a recorded event log (open loop)",
        description="Run the streaming brain over a JSONL event log and write its decisions, "
        "operational KPI windows, dead letters (bad input, with reasons) and decision quality.",
    )
    p.add_argument("events", help="JSONL event log (e.g. out/default/events.jsonl)")
    p.add_argument("--out", default="out/replay", help="output folder (default: out/replay)")
    p.add_argument(
        "--allow-incomplete",
        action="store_true",
        help="replay a log without the completion marker (run.json) of `twin run`, or one "
        "that differs from it (a production export); otherwise such a log is refused",
    )
    p.add_argument("--scenario", type=Path, default=None, help="scenario TOML (policy, city)")
    p.add_argument(
        "--roster",
        default=None,
        help="technician master data (default: roster.json beside the log)",
    )
    p.add_argument(
        "--bound",
        type=float,
        default=2.0,
        help="tolerated reordering in minutes; later events are dead-lettered (default: 2)",
    )
    p.set_defaults(func=cmd_replay)
