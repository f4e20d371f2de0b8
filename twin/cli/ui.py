"""``twin ui``: the cockpit's command. Light on purpose: Dash is imported only when it runs.

The CLI entry point is the one module outside ``twin.ui`` that refers to it, and only to
launch it; library code never imports the cockpit.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

DEFAULT_PORT = 8050


def cmd_ui(args: argparse.Namespace) -> int:
    from rich.console import Console

    from twin.ui.app import create_app

    app = create_app(args.store, scenarios_dir=args.scenarios)
    Console().print(f"FieldTwin cockpit on http://{args.host}:{args.port}/ (store: {args.store})")
    app.run(host=args.host, port=args.port, debug=False)
    return 0


def register(sub: Any) -> None:
    """Add ``twin ui`` to the CLI's subparsers."""
    from twin.app.store import DEFAULT_STORE

    p = sub.add_parser(
        "ui",
        help="open the what-if cockpit (Dash) on the run store",
        description="Serve the Dash cockpit: Compare, Trade-off, Day, Model and Runs pages.",
    )
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default: {DEFAULT_PORT}")
    p.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1 (this machine only)")
    p.add_argument("--store", type=Path, default=DEFAULT_STORE, help=f"default: {DEFAULT_STORE}")
    p.add_argument(
        "--scenarios",
        type=Path,
        default=Path("data/scenarios"),
        help="folder of base scenarios offered (default: data/scenarios)",
    )
    p.set_defaults(func=cmd_ui)
