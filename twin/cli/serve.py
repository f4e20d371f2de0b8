"""``twin serve``: the live twin. The day runs paced against the wall clock (world and brain
in the loop) while an HTTP API takes bookings from every channel and serves the
customers' info links. When the day ends (or on Ctrl-C / SIGTERM) its log, KPIs, report
and run-store entry are written as ``twin run`` writes them.

The API key for booking endpoints is ``--api-key``, else ``FIELDTWIN_API_KEY``, else a
random one printed at start. Started again on the same ``--state`` folder, a day that was
killed resumes from its journal (``--fresh`` starts a new day instead).

``--days N`` (default: the scenario's ``period.days``) serves N working days in a row, as
``twin run --days N`` runs them: when a day ends its outputs are written (``OUT/day-1``,
...), and the next working day opens from the period's book (the visits booked ahead
through the API among them) while the API keeps serving; after the last day, the period's
files go to ``OUT/period``. Each day keeps its state in ``STATE/day-K``: killed on day 2
and started again, the server replays day 1 and resumes day 2.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from pathlib import Path
from typing import Any

from twin.app.api_key import API_KEY_ENV, api_key
from twin.cli.common import (
    DEFAULT_SCENARIO,
    add_policy_options,
    console,
    kpi_table,
    policy_overrides,
    scenario_from,
)
from twin.clock import hhmm


def _speed(text: str) -> float | None:
    if text == "max":
        return None
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or 'max', got {text!r}") from None
    if not 0 < value <= 100_000:
        raise argparse.ArgumentTypeError(f"must be in (0, 100000] or 'max', got {text!r}")
    return value


def cmd_serve(args: argparse.Namespace) -> int:
    from twin.app.live import read_setup

    days = {"period__days": args.days} if args.days is not None else {}
    scenario = scenario_from(args.scenario, **policy_overrides(args), **days)
    state = Path(args.state)
    if args.fresh and state.exists():
        shutil.rmtree(state)
    setup = read_setup(state)  # a saved day or period decides, as it resumes
    days_saved = setup.get("days", 1) if setup is not None else scenario.period.days
    if args.days is not None and args.days != days_saved:
        console.print(
            f"[yellow]warning:[/yellow] {state} holds a served period of {days_saved} day(s); "
            f"resuming it (--days {args.days} ignored; --fresh starts anew)"
        )
    if days_saved > 1:
        return _serve_days(args, scenario, setup)
    return _serve_day(args, scenario)


def _public_url(args: argparse.Namespace) -> str:
    from twin.app.wiring import PUBLIC_URL_ENV

    return args.public_url or os.environ.get(PUBLIC_URL_ENV) or f"http://{args.host}:{args.port}"


def _serve_day(args: argparse.Namespace, scenario: Any) -> int:
    from twin.api.app import create_app
    from twin.api.server import finish, open_day, serve
    from twin.app.live import ResumeRefused
    from twin.app.live.pace import PaceSetting

    public = _public_url(args)
    try:
        pace = PaceSetting(speed=args.speed, paused=args.paused)
        opened = open_day(scenario, args.seed, Path(args.state), public, args.fresh, pace)
    except ResumeRefused as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2
    day = opened.day
    key = api_key(args.api_key)
    base = f"http://{args.host}:{args.port}"
    if opened.resumed:
        console.print(
            f"resumed the day in {args.state} at {hhmm(day.now)} "
            f"({opened.replayed_requests} outside requests replayed)"
        )
    speed = "as fast as possible" if args.speed is None else f"×{args.speed:g}"

    def ready() -> None:
        console.print(
            f"[bold]FieldTwin live[/bold] · {day.scenario.name} · seed {day.seed} · {speed}\n"
            f"  API      {base}/api/v1   (X-API-Key: {key})\n"
            f"  docs     {base}/docs   schema {base}/openapi.json\n"
            f"  status   {base}/api/v1/status\n"
            f"  links    {public}/v/<token> (in every customer message)\n"
            f"  clock    POST {base}/api/v1/clock  (speed, pause, run until HH:MM)\n"
            "Ctrl-C ends the day early and writes it."
        )

    end = day.ticks[-1]
    step = max(1, len(day.ticks) // 24)

    def progress(t: float, _: float) -> None:
        if day.done % step == 0 or t >= end:
            console.print(f"  {hhmm(t)}  {len(day.world.log):,d} events", highlight=False)

    finished = serve(
        day, create_app(day, key, args.server_timing), args.host, args.port, progress, ready
    )
    out = Path(args.out)
    kpis = finish(day, out, None if args.no_store else args.store)
    state = "ended" if finished else f"stopped at {hhmm(day.now)}"
    console.print(kpi_table([(day.scenario.policy.name, kpis)], f"served day {state}"))
    console.print(f"written to {out} (events.jsonl, kpis.json, report.html)")
    return 0


def _open_days(args: argparse.Namespace, scenario: Any, setup: dict[str, Any] | None) -> Any:
    """The served period in ``--state``: new (its set-up saved), or resumed from its days."""
    from twin.api.server import link_secret
    from twin.app.live.days import ServedPeriod
    from twin.app.live.pace import PaceSetting
    from twin.app.live.setup_file import SETUP
    from twin.config import Scenario
    from twin.models.decisions.links import LinkSigner

    state, seed, public = Path(args.state), args.seed, _public_url(args)
    if setup is not None:
        scenario = Scenario.model_validate(setup["scenario"])
        seed, public = setup["seed"], setup["public_url"]
    links = LinkSigner(link_secret(state), public)
    store = None if args.no_store else args.store
    pace = PaceSetting(speed=args.speed, paused=args.paused)
    served = ServedPeriod(scenario, seed, state, links, Path(args.out), store, pace)
    if setup is None:
        saved = {
            "scenario": served.scenario.model_dump(mode="json"),
            "seed": served.seed,
            "public_url": public,
            "days": served.days,
        }
        (state / SETUP).write_text(json.dumps(saved, indent=2), encoding="utf-8")
    else:
        replayed = served.resume()
        console.print(
            f"resumed day {served.k + 1} of {served.days} in {state} at "
            f"{hhmm(served.day.now)} ({replayed} outside requests replayed)"
        )
    return served


def _serve_days(args: argparse.Namespace, scenario: Any, setup: dict[str, Any] | None) -> int:
    """``--days N``: the working days served in a row, outputs per day and for the period."""
    from twin.api.app import create_app
    from twin.api.server import finish, serve
    from twin.app.live import ResumeRefused
    from twin.cli.period import period_table

    try:
        served = _open_days(args, scenario, setup)
    except ResumeRefused as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2
    key = api_key(args.api_key)
    base = f"http://{args.host}:{args.port}"
    name = served.scenario.name

    def ready() -> None:
        console.print(
            f"[bold]FieldTwin live[/bold] · {name} · seed {served.seed} · {served.days} days\n"
            f"  API      {base}/api/v1   (X-API-Key: {key})\n"
            f"  status   {base}/api/v1/status   docs {base}/docs\n"
            "Ctrl-C ends the served day early and writes it."
        )

    def progress(t: float, end: float) -> None:
        day = served.day
        if day.done % max(1, len(day.ticks) // 8) == 0 or t >= end:
            n = len(day.world.log)
            console.print(f"  day {served.k + 1}  {hhmm(t)}  {n:,d} events", highlight=False)

    out = Path(args.out)
    if serve(
        served, create_app(served, key, args.server_timing), args.host, args.port, progress, ready
    ):
        kpis = json.loads((out / "period" / "kpis.json").read_text(encoding="utf-8"))
        console.print(period_table(kpis, f"{name} · {served.days} served working days"))
        console.print(f"written to {out} (day-1 … day-{served.days}, period)")
        return 0
    day, k = served.day, served.k
    kpis_day = finish(day, served.day_out(k), None if args.no_store else args.store)
    title = f"served day {k + 1} of {served.days} stopped at {hhmm(day.now)}"
    console.print(kpi_table([(day.scenario.policy.name, kpis_day)], title))
    console.print(f"written to {served.day_out(k)}; start again on {args.state} to resume")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser(
        "serve",
        help="run a live day with the booking API and the customers' info links",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--scenario", type=Path, default=None, help=f"scenario TOML (default: {DEFAULT_SCENARIO})"
    )
    p.add_argument("--seed", type=int, default=None, help="random seed (default: scenario's)")
    add_policy_options(p)
    p.add_argument(
        "--speed",
        type=_speed,
        default=60.0,
        help="simulated minutes per wall minute: 1 real time, 60 (default) a day in about "
        "16 minutes, 'max' as fast as possible",
    )
    p.add_argument(
        "--paused",
        action="store_true",
        help="start with the clock stopped (start it with POST /api/v1/clock)",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: local)")
    p.add_argument("--port", type=int, default=8765, help="port (default: 8765)")
    p.add_argument(
        "--public-url",
        default=None,
        help="base URL of the info links (or FIELDTWIN_PUBLIC_URL; default: this server)",
    )
    p.add_argument("--api-key", default=None, help=f"booking API key (or {API_KEY_ENV})")
    p.add_argument(
        "--days",
        type=int,
        default=None,
        help="working days to serve in a row, carrying bookings, rosters and learning over "
        "(default: the scenario's period.days, 1)",
    )
    p.add_argument("--state", default="out/live", help="state folder (default: out/live)")
    p.add_argument("--fresh", action="store_true", help="discard a saved day and start anew")
    p.add_argument("--out", default="out/serve", help="outputs folder (default: out/serve)")
    p.add_argument("--store", default="runs/fieldtwin.duckdb", help="run store")
    p.add_argument("--no-store", action="store_true", help="do not keep the day in the store")
    p.add_argument(
        "--server-timing",
        action="store_true",
        help="a Server-Timing header on every response: the time inside the server, by "
        "stage (for load tests; off by default)",
    )
    p.set_defaults(func=cmd_serve)
