"""``twin shadow``: the brain beside production on Kafka (see :mod:`twin.app.shadow`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from twin.app.live_score import SCORE_EVERY_MIN
from twin.app.shadow import DEFAULT_PREFIX, SHADOW_BOUND_MIN, input_topic, run_shadow


def cmd_shadow(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    prefix = args.prefix
    if args.topic is None:
        args.topic = input_topic(prefix)
    mode = "until the end of the topic" if args.until_eof else "following the topic (Ctrl-C stops)"
    console.print(
        f"shadow mode: {args.topic} on {args.brokers} → "
        f"{prefix}.{{decisions,dead-letters,ops,scores}}, "
        f"{mode}"
    )
    try:
        summary = run_shadow(
            args.brokers,
            args.topic,
            scenario=args.scenario,
            roster=args.roster,
            prefix=prefix,
            until_eof=args.until_eof,
            workers=args.workers,
            reorder_bound_min=args.bound,
            score_every_min=args.score_every or None,
        )
    except (ValueError, RuntimeError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2
    table = Table(title=f"shadow run · {args.topic} → {prefix}.*")
    table.add_column("")
    table.add_column("count", justify="right")
    rows: list[tuple[str, Any]] = [
        ("messages read", summary.messages),
        ("events admitted to the flow", summary.events),
        ("malformed lines", summary.malformed),
        ("ticks (watermark minutes)", summary.ticks),
        *((f"decisions: {k}", n) for k, n in summary.decisions.items()),
        ("dead letters", summary.dead_letters),
        ("ops windows", summary.ops_windows),
        ("already published by an earlier run (not sent again)", summary.already_published),
        ("not delivered", summary.not_delivered),
        (f"live scorecards ({prefix}.scores)", summary.scorecards),
    ]
    for label, n in rows:
        table.add_row(label, f"{n:,d}")
    console.print(table)
    console.print(
        f"{summary.messages:,d} messages in {summary.wall_s:.2f} s "
        f"({summary.messages_per_s:,.0f} messages/s)" + (", stopped" if summary.interrupted else "")
    )
    if summary.dead_letter_reasons:
        by = ", ".join(f"{kind} {n:,d}" for kind, n in summary.dead_letter_reasons)
        console.print(f"[yellow]dead letters by reason:[/yellow] {escape(by)}")
    off = dict(summary.dead_letter_reasons).get("off the day", 0)
    if off > summary.events:  # most of the stream refused for its dates: not this day
        console.print(
            f"[red]error:[/red] the stream is not of the scenario's day: {off:,d} events "
            f"dated off it were refused, {summary.events:,d} admitted; pass the scenario of "
            "the stream's day (--scenario)"
        )
        return 130 if summary.interrupted else 2
    return 130 if summary.interrupted else 0


def register(sub: Any) -> None:
    """Add ``twin shadow`` to the CLI's subparsers."""
    p = sub.add_parser(
        "shadow",
        help="run the brain on a Kafka event topic and publish its decisions (shadow mode)",
        description="Read production events from a Kafka topic, run the brain's dataflow on "
        "them and write decisions, dead letters and ops windows to <prefix>.decisions, "
        "<prefix>.dead-letters and <prefix>.ops, without acting on the world.",
    )
    p.add_argument("--brokers", required=True, help="HOST:PORT[,HOST:PORT…] of the Kafka cluster")
    p.add_argument(
        "--topic",
        default=None,
        help="topic of JSON event lines (twin.events; default: <prefix>.events, which "
        "`twin run --kafka` fills)",
    )
    p.add_argument(
        "--prefix", default=DEFAULT_PREFIX, help=f"output topic prefix (default: {DEFAULT_PREFIX})"
    )
    p.add_argument(
        "--scenario",
        type=Path,
        default=Path("data/scenarios/default.toml"),
        help="scenario TOML: day, city, traffic, policy (default: data/scenarios/default.toml)",
    )
    p.add_argument(
        "--roster", type=Path, required=True, help="technician roster JSON (twin run writes one)"
    )
    p.add_argument(
        "--until-eof", action="store_true", help="stop at the end of the topic and print a summary"
    )
    p.add_argument(
        "--bound",
        type=float,
        default=SHADOW_BOUND_MIN,
        help=f"tolerated reordering in minutes of event time (default: {SHADOW_BOUND_MIN})",
    )
    p.add_argument(
        "--score-every",
        type=float,
        default=SCORE_EVERY_MIN,
        metavar="MIN",
        help="publish the scorecard so far to <prefix>.scores every MIN simulated minutes "
        f"and at the end, for the cockpit's Shadow page (default: {SCORE_EVERY_MIN:g}; 0: none)",
    )
    p.add_argument("--workers", type=int, default=1, help="Bytewax workers in this process")
    p.set_defaults(func=cmd_shadow)
