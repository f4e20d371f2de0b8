"""``twin offer``: answer one booking request from the command line (call-centre style).

The saved plan state is an event log (``events.jsonl`` with its ``roster.json``): the
fleet is rebuilt from the log up to ``--at`` exactly as the brain's mirror does, then the
policy's planner ranks the company's windows that end at least an hour after ``--at`` (the
booking desk's :func:`~twin.models.booking.desk.offer_windows`, as the booking API of
``twin serve`` does). A later ``--date``, or a request with nothing left today, gets the
windows of the first later working days with room in the booking horizon
(:mod:`twin.models.booking.ahead`, as the API answers it). The answer is a table, or JSON
(``--json``) for an integration; an impossible request gets an explicit reason.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from twin.cli.common import DEFAULT_SCENARIO, scenario_from
from twin.clock import hhmm, parse_hhmm

if TYPE_CHECKING:  # the planner and the world's wiring are imported when an offer is made
    from twin.models.company import Company
    from twin.models.routing.dispatch import SlotOffer
    from twin.models.routing.plan import PlanState


def _minutes(text: str) -> float:
    try:
        return parse_hhmm(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def state_at(events_path: Path, company: Company, at: float) -> PlanState:
    """The plan state of the saved day at ``at``, rebuilt as the brain's mirror does."""
    from twin import events as ev
    from twin.models.routing.mirror import FleetMirror

    clock = company.clock
    mirror = FleetMirror(company.roster, clock, company.break_rule.length_min)
    for e in ev.iter_log(events_path):
        if clock.minutes(e.time) > at:
            break
        mirror.apply(e)
    return mirror.plan_state(at)


def answer(args: argparse.Namespace) -> dict[str, Any]:
    from twin import events as ev
    from twin.app.live.ahead import company_ahead, day_of, read_ahead, working_dates
    from twin.app.roster import read_roster
    from twin.app.wiring import company_from_roster, dispatcher_factory
    from twin.models.booking.desk import offer_windows, visit_task
    from twin.models.routing.dispatch import NoOffer

    scenario = scenario_from(args.scenario)
    events_path = Path(args.events)
    roster = Path(args.roster) if args.roster else events_path.parent / "roster.json"
    company = company_from_roster(scenario, read_roster(roster))
    if args.job_type not in scenario.demand.jobs:
        allowed = ", ".join(sorted(scenario.demand.jobs))
        return {"offers": [], "reason": f"unknown job type {args.job_type!r}; allowed: {allowed}"}
    state = state_at(events_path, company, args.at)
    emergency = args.job_type == "emergency"
    due = args.at + scenario.demand.emergency_response_min if emergency else None
    request = visit_task(
        scenario, "REQUEST", args.customer, args.job_type, args.x, args.y, (0.0, 0.0), due
    )
    planner = dispatcher_factory(scenario)(company.travel, company.break_rule)
    available = (args.available_from, args.available_until)
    dates = working_dates(scenario, scenario.period.horizon_days)
    try:
        first = 0 if args.date is None else day_of(dates, scenario, args.date)
    except ValueError as exc:
        return {"offers": [], "reason": f"--date: {exc}"}
    today = ""  # why nothing is left today, when that sends the request to later days
    if first == 0:
        result = offer_windows(state, request, planner, company.windows, available, args.limit)
        if not isinstance(result, NoOffer):
            return {"offers": [_offer(o, dates[0]) for o in result], "reason": None}
        if emergency:
            return {"offers": [], "reason": result.reason}
        today = f"today: {result.reason}; later days: "
    # a later day (wished for, or nothing left today): the horizon's room, the planner's
    # ranking on that day's tentative plan with the log's bookings ahead up to --at
    ahead = company_ahead(scenario, state.technicians)
    upto = (e for e in ev.iter_log(events_path) if company.clock.minutes(e.time) <= args.at)
    read_ahead(ahead, dates, scenario.time_zone, upto)
    later = ahead.offers(request, planner, company.windows, available, max(first, 1), args.limit)
    if isinstance(later, NoOffer):
        return {"offers": [], "reason": today + later.reason}
    return {"offers": [_offer(a.offer, dates[a.day]) for a in later], "reason": None}


def _offer(o: SlotOffer, date: dt.date) -> dict[str, Any]:
    return {
        "date": date.isoformat(),
        "window": f"{hhmm(o.window_start)}–{hhmm(o.window_end)}",
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
    table = Table(title=f"offers for a {args.job_type} at ({args.x}, {args.y}) at {hhmm(args.at)}")
    for col in ("rank", "date", "window", "technician", "cost", "late risk"):
        table.add_column(col, justify="right")
    for i, o in enumerate(out["offers"], start=1):
        cost, risk = f"{o['cost']:.1f}", f"{o['late_risk']:.0%}"
        table.add_row(str(i), o["date"], o["window"], o["technician_id"], cost, risk)
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
    p.add_argument(
        "--scenario", type=Path, default=None, help=f"scenario TOML (default: {DEFAULT_SCENARIO})"
    )
    p.add_argument("--at", type=_minutes, required=True, help="time of the request, HH:MM")
    p.add_argument("--x", type=float, required=True, help="site x in km on the city plane")
    p.add_argument("--y", type=float, required=True, help="site y in km on the city plane")
    p.add_argument("--job-type", default="repair", help="maintenance, repair, installation, …")
    p.add_argument("--customer", default="C-NEW", help="customer id (for best-match)")
    p.add_argument("--available-from", type=_minutes, default=0.0, help="HH:MM (default: any)")
    p.add_argument("--available-until", type=_minutes, default=24 * 60.0, help="HH:MM")
    p.add_argument(
        "--date",
        type=dt.date.fromisoformat,
        default=None,
        help="the day wished for, YYYY-MM-DD (default: the log's day; a later working day "
        "within the booking horizon is offered from its room)",
    )
    p.add_argument("--limit", type=int, default=5, help="number of offers shown (default: 5)")
    p.add_argument("--json", action="store_true", help="machine-readable answer")
    p.set_defaults(func=cmd_offer)
