"""``twin score``: the scorecard of a recorded day, the brain against production.

Production is what the log itself carries: the world's events (what happened) and its own
decisions (plans, and ETAs or notifications when it sends them). The brain's decisions
come from ``--brain-log`` (``decisions.jsonl`` of ``twin replay``, or its folder), else the
brain is run over the log here, as ``twin replay`` would. Both are scored against the
actual arrivals and late visits: ETAs by lead time, delay warnings, and the brain's plan at
each of its replans against production's, priced by the planner's objective. Dead letters,
events off the scenario's day and technicians the roster does not know are listed as
warnings on the scorecard. The scorecard goes to ``scorecard.json`` beside the log (or
``--out``) and into the run store, where the cockpit's Shadow page shows it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.table import Table

from twin.cli.common import DEFAULT_SCENARIO, console, scenario_from

if TYPE_CHECKING:
    from twin import events as ev
    from twin.analysis.scorecard import DayLog
    from twin.config import Scenario
    from twin.models.company import Company

EXIT_OK = 0
EXIT_BAD_INPUT = 2
SCORECARD = "scorecard.json"
SHORT = {"production": "prod."}  # narrow columns


def _fail(message: str) -> int:
    console.print(f"[red]error:[/red] {escape(message)}")
    return EXIT_BAD_INPUT


def _brain_from_file(path: Path) -> tuple[list[ev.Event], list[str]]:
    """The decisions in a replay's output (file or folder), and its dead letters' reasons."""
    from twin import events
    from twin.analysis.scorecard import split_events

    if path.is_dir():
        path = path / "decisions.jsonl"
    if not path.is_file():
        msg = f"--brain-log: not found (or not a file): {path}"
        raise ValueError(msg)
    found, bad = events.read_events(path)
    _, decisions = split_events(found)  # a closed-loop log given here: its decisions only
    letters = path.parent / "dead_letters.jsonl"
    reasons = [*bad]
    if letters.is_file():
        for line in letters.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                reasons.append(str(json.loads(line)["reason"]))
            except (ValueError, KeyError, TypeError):
                reasons.append(f"{letters}: unreadable dead letter")
    return decisions, reasons


def _brain_replayed(log: Path, company: Company, bound: float) -> tuple[list[ev.Event], list[str]]:
    from twin.app.wiring import build_brain
    from twin.stream.connectors.jsonl import replay

    params = build_brain(company, reorder_bound_min=bound)
    with console.status(f"running the brain over {log}"):
        result = replay(log, params)
    return result.decisions, [d.reason for d in result.dead_letters]


def _counterfactual(
    scenario: Scenario, seed: int | None, day: DayLog, brain: list[ev.Event]
) -> dict[str, object]:
    """The day continued from each of the brain's replans with its plan (or why not)."""
    from twin import events as ev
    from twin.app.counterfactual import counterfactuals, reproduces
    from twin.cli.common import count_bar

    with console.status("checking that the log is the simulated day of the scenario and seed"):
        same, production = reproduces(scenario, seed, [*day.world, *day.decisions])
    if not same:
        used = seed if seed is not None else scenario.seed
        return {
            "skipped": f"the log is not the day of scenario {scenario.name!r}, seed {used}, "
            "without the brain (pass the --scenario and --seed of `twin run --no-brain`)"
        }
    plans = sorted((d for d in brain if isinstance(d, ev.PlanPublished)), key=lambda p: p.time)
    with count_bar() as bar:
        task = bar.add_task("continuing the day from each replan", total=len(plans))
        done = counterfactuals(
            scenario, seed, production, plans, lambda i, n: bar.update(task, completed=i)
        )
    return done.to_dict()


def cmd_score(args: argparse.Namespace) -> int:
    from twin.analysis.scorecard import build_scorecard, read_day_log
    from twin.app.outputs import check_log
    from twin.app.roster import read_roster
    from twin.app.wiring import company_from_roster
    from twin.stream.order import MAX_BOUND_MIN

    if not 0.0 <= args.bound <= MAX_BOUND_MIN:
        return _fail(f"--bound must be from 0 to {MAX_BOUND_MIN:g} minutes, got {args.bound!r}")
    log = Path(args.events)
    if problem := check_log(log, allow_incomplete=args.allow_incomplete):
        return _fail(problem)
    scenario = scenario_from(args.scenario)
    roster_path = Path(args.roster) if args.roster else log.parent / "roster.json"
    try:
        company = company_from_roster(scenario, read_roster(roster_path))
        day = read_day_log(log)
        if args.brain_log:
            brain, letters = _brain_from_file(Path(args.brain_log))
            source = str(args.brain_log)
        else:
            brain, letters = _brain_replayed(log, company, args.bound)
            source = "replayed by twin score"
    except (ValueError, OSError) as exc:  # ConfigError is a ValueError
        hint = " (pass --roster)" if "roster" in str(exc) else ""
        return _fail(f"{exc}{hint}")
    about = {"log": str(log), "brain": source, "scenario": scenario.name}
    card = build_scorecard(
        day.world,
        day.decisions,
        brain,
        company,
        unreadable=day.unreadable,
        dead_letters=letters,
        about={**about, "policy": scenario.policy.name},
        plans=not args.no_plans,
    ).to_dict()
    if args.counterfactual:
        card["counterfactual"] = _counterfactual(scenario, args.seed, day, brain)
    out = Path(args.out) if args.out else log.parent / SCORECARD
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        return _fail(f"cannot write the scorecard to {out}: {exc}")
    print_scorecard(card)
    console.print(f"→ {out}")
    if not args.no_store:
        from twin.app.scorecards import add_scorecard
        from twin.app.store import RunStore

        sid = add_scorecard(RunStore(args.store), card, log=str(log))
        console.print(f"stored as scorecard {sid} in {args.store} (the cockpit's Shadow page)")
    return EXIT_OK


def _num(value: Any, fmt: str) -> str:
    return "–" if value is None else format(value, fmt)


def eta_table(card: dict[str, Any]) -> Table:
    etas = card["etas"]
    silent = [s["source"] for s in etas if not s["carried"]]
    table = Table(
        title="ETA error (min) and interval coverage, by minutes before the actual arrival",
        caption=f"no ETAs sent by: {', '.join(silent)}" if silent else None,
    )
    table.add_column("lead")
    for s in etas:
        for what in ("MAE", "p90", "cover", "n"):
            table.add_column(f"{SHORT.get(s['source'], s['source'])} {what}", justify="right")
    for i, b in enumerate(etas[0]["buckets"]):
        cells = []
        for s in etas:
            row = s["buckets"][i]
            cells += [
                _num(row["mae_min"], ".1f"),
                _num(row["p90_abs_min"], ".1f"),
                _num(row["coverage"], ".0%"),
                f"{row['samples']:,d}",
            ]
        table.add_row(b["label"], *cells)
    return table


def warning_table(card: dict[str, Any]) -> Table:
    table = Table(
        title=f"Delay warnings against {card['late']:,d} late visits of {card['visits']:,d}"
    )
    table.caption = "notices: delay messages to customers; alerts: delay_detected"
    for col in ("source", "sent", "visits", "precision", "recall", "lead (min)"):
        table.add_column(col, justify="left" if col == "source" else "right")
    for w in card["warnings"]:
        name = f"{w['source']} {w['kind']}s"
        if not w["carried"]:
            table.add_row(name, "none sent", "–", "–", "–", "–")
            continue
        table.add_row(
            name,
            f"{w['sent']:,d}",
            f"{w['warned']:,d}",
            _num(w["precision"], ".0%"),
            _num(w["recall"], ".0%"),
            _num(w["lead_median_min"], ".0f"),
        )
    return table


def plan_table(card: dict[str, Any]) -> Table:
    plans = card["plans"]
    table = Table(title=f"Plans at the brain's {plans['replans']:,d} replans (planner objective)")
    table.caption = "Δ = brain − production (negative: the brain's plan is better)"
    for col in ("production", "brain cheaper", "mean Δ cost", "median Δ cost", "Δ late visits"):
        table.add_column(col, justify="left" if col == "production" else "right")
    for other, label in (
        ("production_plan", "its plan"),
        ("production_actual", "actual day"),
    ):
        s = plans[other]
        table.add_row(
            label,
            f"{s['brain_cheaper']:,d} of {plans['replans']:,d}",
            _num(s["mean_cost_delta"], ",.0f"),
            _num(s["median_cost_delta"], ",.0f"),
            f"{s['late_visits_delta_total']:+,d}",
        )
    return table


def print_scorecard(card: dict[str, Any]) -> None:
    console.print(eta_table(card))
    console.print(warning_table(card))
    if card["plans"]["replans"]:
        console.print(plan_table(card))
    else:
        console.print("no replans by the brain: no plans to compare")
    cf = card.get("counterfactual")
    if cf is not None:
        from twin.app.counterfactual import describe

        console.print(escape(describe(cf)))
    for w in card["input_warnings"]:
        console.print(f"[yellow]warning ({w['kind']}):[/yellow] {escape(w['message'])}")


def register(sub: Any) -> None:
    """Add ``twin score`` to the CLI's subparsers."""
    p = sub.add_parser(
        "score",
        help="scorecard of a recorded day: the brain against production and what happened",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("events", help="JSONL event log of the day (production's)")
    p.add_argument(
        "--brain-log",
        default=None,
        help="the brain's decisions over this log (decisions.jsonl of `twin replay`, or its "
        "folder); default: run the brain over the log here",
    )
    p.add_argument(
        "--out", default=None, help=f"scorecard file (default: {SCORECARD} beside the log)"
    )
    p.add_argument(
        "--scenario",
        type=Path,
        default=None,
        help=f"scenario TOML: the day, city, policy and objective (default: {DEFAULT_SCENARIO})",
    )
    p.add_argument(
        "--roster",
        default=None,
        help="technician master data (default: roster.json beside the log)",
    )
    p.add_argument(
        "--allow-incomplete",
        action="store_true",
        help="score a log without the completion marker of `twin run` (e.g. from production)",
    )
    p.add_argument(
        "--bound",
        type=float,
        default=2.0,
        help="tolerated reordering in minutes when the brain runs here (default: 2)",
    )
    p.add_argument("--no-plans", action="store_true", help="leave out the plan comparison")
    p.add_argument(
        "--counterfactual",
        action="store_true",
        help="continue the simulated day from each of the brain's replans with its plan, on "
        "the same random numbers (the log must be `twin run --no-brain` of --scenario, --seed)",
    )
    p.add_argument(
        "--seed", type=int, default=None, help="seed of the logged day (default: scenario's)"
    )
    p.add_argument(
        "--store",
        default="runs/fieldtwin.duckdb",
        help="run store (default: runs/fieldtwin.duckdb)",
    )
    p.add_argument("--no-store", action="store_true", help="do not keep the scorecard in the store")
    p.set_defaults(func=cmd_score)
