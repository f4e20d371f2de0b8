"""``twin ui``: the cockpit's command. Light on purpose: Dash is imported only when it runs.

The CLI entry point is the one module outside ``twin.ui`` that refers to it, and only to
launch it; library code never imports the cockpit.
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from typing import Any

DEFAULT_PORT = 8050


def cmd_ui(args: argparse.Namespace) -> int:
    from rich.console import Console

    from twin.ui.access import ACCESS_KEY_ENV, insecure_warning, is_loopback, serving_problem

    console = Console()
    key = args.access_key or os.environ.get(ACCESS_KEY_ENV) or None
    problem = serving_problem(args.host, key, args.insecure)
    if problem:
        console.print(f"[red]error:[/red] {problem}")
        return 2
    if key is None and not is_loopback(args.host):
        console.print(f"[bold red]{insecure_warning(args.host)}[/bold red]")
        logging.getLogger(__name__).warning(insecure_warning(args.host))

    from twin.ui.app import create_app

    app = create_app(
        args.store,
        scenarios_dir=args.scenarios,
        workers=args.workers,
        scheduler=args.scheduler,
        access_key=key,
        shadow=(args.shadow_brokers, args.shadow_prefix),
    )
    guarded = " (access key required)" if key else ""
    console.print(
        f"FieldTwin cockpit on http://{args.host}:{args.port}/{guarded} (store: {args.store})"
    )
    app.run(host=args.host, port=args.port, debug=False)
    return 0


def register(sub: Any) -> None:
    """Add ``twin ui`` to the CLI's subparsers."""
    from twin.app.store_path import DEFAULT_STORE

    p = sub.add_parser(
        "ui",
        help="open the what-if cockpit (Dash) on the run store",
        description="Serve the Dash cockpit: Compare, Trade-off, Day, Model and Runs pages.",
    )
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default: {DEFAULT_PORT}")
    p.add_argument(
        "--shadow-brokers",
        default=None,
        metavar="HOST:PORT",
        help="Kafka brokers of a `twin shadow` run: the Shadow page follows its live scorecard",
    )
    p.add_argument(
        "--shadow-prefix",
        default="fieldtwin",
        help="topic prefix of that run (its scorecards: <prefix>.scores; default: fieldtwin)",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="default: 127.0.0.1 (this machine only); any other address needs an access key",
    )
    p.add_argument(
        "--access-key",
        default=None,
        help="require this key (HTTP basic auth password, any user name) on every page and "
        "callback; better given as the environment variable FIELDTWIN_ACCESS_KEY",
    )
    p.add_argument(
        "--insecure",
        action="store_true",
        help="serve on a non-loopback --host without an access key (with a loud warning)",
    )
    p.add_argument("--store", type=Path, default=DEFAULT_STORE, help=f"default: {DEFAULT_STORE}")
    p.add_argument(
        "--scenarios",
        type=Path,
        default=Path("data/scenarios"),
        help="folder of base scenarios offered (default: data/scenarios)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes of the embedded Dask cluster that runs comparisons "
        "(default: the cores, at most 4)",
    )
    p.add_argument(
        "--scheduler",
        default=None,
        help="run comparisons on the Dask cluster at this scheduler address "
        "(tcp://HOST:PORT) instead of an embedded one",
    )
    p.set_defaults(func=cmd_ui)
