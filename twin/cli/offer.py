"""``twin offer``: answer one booking request from the command line (call-centre style).

The saved plan state is an event log (``events.jsonl`` with its ``roster.json``): the
fleet is rebuilt from the log up to ``--at`` exactly as the brain's mirror does, then the
PowerOpt planner ranks the feasible windows. The answer is a table, or JSON
(``--json``) for an integration; an impossible request gets an explicit reason.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from twin import events as ev
from twin.app.roster import read_roster
from twin.clock import DayClock
from twin.config import load_scenario
from twin.models.planner import PlannerParams, PowerOptDispatcher
from twin.models.routing.dispatch import NoOffer, SlotOffer
from twin.models.routing.mirror import FleetMirror
from twin.models.routing.plan import BreakRule, PlanState, VisitTask
from twin.models.routing.travel import TravelModel
from twin.sim.demand import standard_windows


def _minutes(text: str) -> float:
    try:
        hh, mm = text.split(":")
        value = int(hh) * 60 + int(mm)
    except ValueError:
        msg = f"expected a time of day HH:MM, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if not 0 <= value <= 24 * 60:
        raise argparse.ArgumentTypeError(f"time of day out of range: {text!r}")
    return float(value)


def _hhmm(m: float) -> str:
    return f"{int(m // 60):02d}:{int(m % 60):02d}"


def state_at(
    events_path: Path, roster_path: Path, clock: DayClock, at: float, brk: BreakRule
) -> PlanState:
    mirror = FleetMirror(read_roster(roster_path), clock, brk.length_min)
    for e in ev.iter_log(events_path):
        if clock.minutes(e.time) > at:
            break
        mirror.apply(e)
    return mirror.plan_state(at)


def answer(args: argparse.Namespace) -> dict[str, Any]:
    scenario = load_scenario(args.scenario)
    travel = TravelModel(scenario.city, scenario.traffic)
    wf = scenario.workforce
    brk = BreakRule(wf.break_min, wf.break_after_work_min)
    events_path = Path(args.events)
    roster = Path(args.roster) if args.roster else events_path.parent / "roster.json"
    state = state_at(events_path, roster, DayClock(scenario.date), args.at, brk)
    if args.job_type not in scenario.demand.jobs:
        allowed = ", ".join(sorted(scenario.demand.jobs))
        return {"offers": [], "reason": f"unknown job type {args.job_type!r}; allowed: {allowed}"}
    job = scenario.demand.jobs[args.job_type]
    due = args.at + scenario.demand.emergency_response_min if args.job_type == "emergency" else None
    request = VisitTask(
        visit_id="REQUEST",
        customer_id=args.customer,
        x=args.x,
        y=args.y,
        job_type=args.job_type,
        skill=job.skill,
        priority=job.priority,
        window_start=0.0,
        window_end=0.0,
        duration_min=job.mean_min,
        due_min=due,
    )
    lo, hi = args.available_from, args.available_until
    windows = [w for w in standard_windows(scenario) if lo <= w[0] and w[1] <= hi]
    planner = PowerOptDispatcher(travel, brk, PlannerParams.from_policy(scenario.policy))
    result = planner.offers(state, request, windows)
    if isinstance(result, NoOffer):
        return {"offers": [], "reason": result.reason}
    return {"offers": [_offer(o) for o in result[: args.limit]], "reason": None}


def _offer(o: SlotOffer) -> dict[str, Any]:
    return {
        "window": f"{_hhmm(o.window_start)}–{_hhmm(o.window_end)}",
        "technician_id": o.technician_id,
        "cost": round(o.cost, 2),
        "late_risk": round(o.late_risk, 3),
    }


def cmd_offer(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    out = answer(args)
    console = Console()
    if args.json:
        console.print_json(json.dumps(out))
        return 0 if out["offers"] else 1
    if not out["offers"]:
        console.print(f"[yellow]no window can be offered:[/yellow] {out['reason']}")
        return 1
    table = Table(title=f"offers for a {args.job_type} at ({args.x}, {args.y}) at {_hhmm(args.at)}")
    for col in ("rank", "window", "technician", "cost", "late risk"):
        table.add_column(col, justify="right")
    for i, o in enumerate(out["offers"], start=1):
        table.add_row(
            str(i), o["window"], o["technician_id"], f"{o['cost']:.1f}", f"{o['late_risk']:.0%}"
        )
    console.print(table)
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser(
        "offer",
        help="rank the windows a booking request can be promised (against a saved day)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--events", required=True, help="event log of the day (the saved plan state)")
    p.add_argument(
        "--roster", default=None, help="technician master data (default: beside the log)"
    )
    p.add_argument("--scenario", type=Path, default=Path("data/scenarios/default.toml"))
    p.add_argument("--at", type=_minutes, required=True, help="time of the request, HH:MM")
    p.add_argument("--x", type=float, required=True, help="site x in km on the city plane")
    p.add_argument("--y", type=float, required=True, help="site y in km on the city plane")
    p.add_argument("--job-type", default="repair", help="maintenance, repair, installation, …")
    p.add_argument("--customer", default="C-NEW", help="customer id (for best-match)")
    p.add_argument("--available-from", type=_minutes, default=0.0, help="HH:MM (default: any)")
    p.add_argument("--available-until", type=_minutes, default=24 * 60.0, help="HH:MM")
    p.add_argument("--limit", type=int, default=5, help="number of offers shown (default: 5)")
    p.add_argument("--json", action="store_true", help="machine-readable answer")
    p.set_defaults(func=cmd_offer)
