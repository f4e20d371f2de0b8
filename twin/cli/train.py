"""``twin train``: dispatcher training on a live, paced day.

``twin train --exercise NAME`` serves the exercise's day (``data/exercises/NAME.toml``)
for one trainee: the desk at ``/desk`` (map, Gantt with a now-line, exception queue,
actions, clock, debrief), the booking API and the customers' info links, as ``twin serve``
does. The exercise's disturbances (sick calls, storms, emergencies, calls) happen at their
times; the autopilot runs the same day on the same random numbers for the debrief, which
(``--effects``) prices every decision of the trainee by continuing the day from it with
the trainee's decision and with the autopilot's. Each trainee runs
their own session (own ``--state`` and ``--port``); ``twin train --debrief STATE ...``
is the trainer's view of several sessions side by side (a folder's name is its trainee's;
each debrief is kept beside its session and in the run store). ``--list`` shows the
exercises.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from twin.app.api_key import api_key
from twin.cli.common import console, count_bar
from twin.clock import hhmm


def _list() -> int:
    from rich.table import Table

    from twin.app.training.exercise import EXERCISES, load_exercise

    table = Table(title=f"exercises in {EXERCISES}")
    for col in ("name", "difficulty", "title", "disturbances"):
        table.add_column(col)
    for path in sorted(EXERCISES.glob("*.toml")):
        e = load_exercise(str(path))
        table.add_row(e.name, "★" * e.difficulty, e.title, str(len(e.disturbance)))
    console.print(table)
    return 0


def _session(
    state: Path,
    exercise: str | None,
    pace: Any = None,
    fresh: bool = False,
    public_url: str = "http://127.0.0.1:8765",
    assistance: str = "suggest",
) -> Any:
    """The training session in ``state``: a new one of ``exercise`` (its links on
    ``public_url``), or the saved one resumed; (session, resumed, requests replayed)."""
    import shutil

    from twin.api.server import link_secret
    from twin.app.live.setup_file import SETUP, read_setup
    from twin.app.training.exercise import load_exercise
    from twin.app.training.session import Session
    from twin.models.decisions.links import LinkSigner

    if fresh and state.exists():
        shutil.rmtree(state)
    marker = state / "exercise.json"
    setup = json.loads(marker.read_text()) if marker.exists() else {}
    saved = setup.get("exercise")
    assistance = setup.get("assistance", assistance)
    if saved is None and exercise is None:
        raise SystemExit(f"{state}: no training session here (give --exercise)")
    name = str(saved or exercise)
    if saved:
        served = read_setup(state)
        if served is None:
            raise SystemExit(f"{state}: a session of {saved} without its {SETUP}; "
                             "start it afresh with --fresh")  # fmt: skip
        public_url = served["public_url"]
    state.mkdir(parents=True, exist_ok=True)
    links = LinkSigner(link_secret(state), public_url)
    session = Session(load_exercise(name), state, links=links, pace=pace, assistance=assistance)
    if saved is None:
        marker.write_text(json.dumps({"exercise": name, "assistance": assistance}))
        return session, False, 0
    return session, True, session.resume()


def _debriefs(states: list[Path], effects: bool, store: str | None) -> int:
    from rich.table import Table

    from twin.app.training.debrief import debrief

    briefs = []
    for state in states:
        session, _, _ = _session(state, None)
        with count_bar() as bar:
            task = bar.add_task(f"debrief {state}", total=None)

            def done(n: int, k: int, task: Any = task, bar: Any = bar) -> None:
                bar.update(task, completed=n, total=k)

            brief = debrief(session, effects, done)
        (state / "debrief.json").write_text(json.dumps(brief.to_dict(), indent=2))
        if store is not None:
            from twin.app.store import RunStore
            from twin.app.training.stored import add_debrief

            add_debrief(RunStore(store), brief.to_dict(), session=str(state), trainee=state.name)
        briefs.append((state.name, brief))
    table = Table(title=f"debrief · {briefs[0][1].exercise}")
    table.add_column("KPI")
    for name, _ in briefs:
        table.add_column(name, justify="right")
    table.add_column("autopilot", justify="right")
    for i, (label, *_rest) in enumerate(briefs[0][1].rows()):
        cells = [f"{b.rows()[i][1]:,.2f} ({b.rows()[i][3]:+,.2f})" for _, b in briefs]
        table.add_row(label, *cells, f"{briefs[0][1].rows()[i][2]:,.2f}")
    table.add_row("score", *(f"{b.score:.1f}" for _, b in briefs), "100.0")
    console.print(table)
    for name, b in briefs:
        for d in b.decisions:
            console.print(
                f"  {name} {hhmm(d.minute)} {d.what} (the autopilot: {d.instead}): "
                f"{d.cost_eur:+.0f} EUR, {d.late:+d} late, {d.km:+.1f} km, "
                f"{d.points:+.1f} points",
                highlight=False,
            )
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    if args.list:
        return _list()
    if args.debrief:
        store = None if args.no_store else args.store
        return _debriefs([Path(s) for s in args.debrief], args.effects, store)
    if not args.exercise:
        console.print("[red]error:[/red] --exercise NAME (see --list), or --debrief STATE")
        return 2
    from twin.api.app import create_app
    from twin.api.server import finish, serve
    from twin.api.training import add_training
    from twin.app.live.pace import PaceSetting

    state = Path(args.state or f"out/train/{args.exercise}")
    pace = PaceSetting(speed=args.speed, paused=args.paused)
    base = f"http://{args.host}:{args.port}"
    session, resumed, replayed = _session(state, args.exercise, pace, args.fresh, base, args.assist)
    day = session.day
    if not resumed:
        day.save_setup(base)
    key = api_key(args.api_key)
    app = create_app(day, key)
    add_training(app, session)
    if resumed:
        console.print(f"resumed the session at {hhmm(day.now)} ({replayed} requests replayed)")

    def ready() -> None:
        e = session.exercise
        console.print(
            f"[bold]{e.title}[/bold] ({'★' * e.difficulty}) · desk {base}/desk "
            f"(API key {key}) · API docs {base}/docs"
        )

    serve(day, app, args.host, args.port, None, ready)
    out = Path(args.out or state / "day")
    finish(day, out, None if args.no_store else args.store)
    console.print(f"the trainee's day is in {out}; debrief: twin train --debrief {state}")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser(
        "train",
        help="dispatcher training: an exercise's day, scored against the autopilot",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--exercise", default=None, help="exercise name or TOML file")
    p.add_argument("--list", action="store_true", help="list the exercises")
    p.add_argument(
        "--debrief", nargs="+", default=None, metavar="STATE", help="sessions to debrief"
    )
    p.add_argument("--effects", action="store_true", help="price every decision (slower)")
    p.add_argument("--speed", type=float, default=60.0, help="simulated minutes per minute")
    p.add_argument("--paused", action="store_true", help="start with the clock stopped")
    p.add_argument(
        "--assist",
        choices=("none", "suggest", "autopilot"),
        default="suggest",
        help="none: the plan changes only by the trainee's hand; suggest (default): the "
        "same, with the autopilot's answer shown beside each item of the queue; autopilot: "
        "the autopilot dispatches (the trainee watches and may override)",
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--api-key", default=None, help="key for the desk and API")
    p.add_argument("--state", default=None, help="session folder (default: out/train/NAME)")
    p.add_argument("--fresh", action="store_true", help="discard a saved session")
    p.add_argument("--out", default=None, help="the trainee's day (default: STATE/day)")
    p.add_argument("--store", default="runs/fieldtwin.duckdb", help="run store")
    p.add_argument("--no-store", action="store_true", help="do not keep the day in the store")
    p.set_defaults(func=cmd_train)
