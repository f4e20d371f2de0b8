"""The ``twin`` command line: one module per command, one shared scenario loader.

``twin run`` simulates a day, ``serve`` runs a live day with the booking API and info
links, ``replay`` runs the brain over a recorded log, ``kpis`` measures any log, ``score``
scores the brain against production on a log, ``compare`` puts policies side by side,
``ui`` opens the cockpit, ``offer`` answers a booking request, ``train-durations`` refits
the duration model, ``calibrate-eta`` the ETA calibration, ``fit-chemistry`` the chemistry
index, ``shadow`` runs the brain beside a live Kafka stream, and ``train`` runs a dispatcher
training session.

Building the parser imports only the command modules and what their options need (rich,
the standard library, small modules of constants); the heavy libraries (scikit-learn,
SciPy, Bytewax, Dash, pydantic, DuckDB) are imported by a command when it runs, so that
``twin --help`` and ``twin COMMAND --help`` answer in a fraction of a second and a command
pays only for what it uses (``tests/cli/test_lazy_imports.py``).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

# scikit-learn/numpy threads on 2 cores cost more than they give (STACK.md)
os.environ.setdefault("OMP_NUM_THREADS", "1")

from twin.cli import (
    calibrate,
    chemistry,
    compare,
    durations,
    kpis,
    offer,
    replay,
    run,
    score,
    serve,
    shadow,
    train,
    ui,
)
from twin.cli.common import console

COMMANDS = (
    run,
    serve,
    replay,
    kpis,
    score,
    compare,
    ui,
    offer,
    durations,
    calibrate,
    chemistry,
    shadow,
    train,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="twin", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    from twin.config import ConfigError  # after parsing: `twin --help` never needs pydantic

    try:
        return int(args.func(args))
    except ConfigError as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
