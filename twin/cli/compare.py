"""``twin compare``: arms (scenario files) on common seeds, KPIs with 95 % CIs, stored."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table

from twin.cli.common import console, count_bar

if TYPE_CHECKING:  # the store pulls in DuckDB, which `twin run` never needs
    from twin.app.arms import Arm
    from twin.app.store import RunStore
    from twin.config import Scenario


def _file_arms(paths: Iterable[Path]) -> list[tuple[Arm, Scenario]]:
    from twin.app.arms import Arm
    from twin.config import load_scenario

    pairs: list[tuple[Arm, Scenario]] = []
    seen: set[str] = set()
    for path in paths:
        scenario = load_scenario(path)
        label = path.stem if path.stem not in seen else str(path)
        seen.add(label)
        pairs.append((Arm(label, {"file": str(path)}), scenario))
    return pairs


def comparison_table(store: RunStore, comparison_id: str) -> Table:
    """A rich table: per KPI, each arm's mean ± 95 % CI and its paired difference."""
    from twin.analysis.stats import format_difference, format_estimate, summarise

    record = store.comparison(comparison_id)
    by_arm = store.kpis_by_arm(comparison_id)
    arms = list(by_arm)
    n = len(record.seeds)
    table = Table(title=f"{record.label} · {n} seeds · mean ± 95 % CI; Δ vs {arms[0]} (paired)")
    table.add_column("KPI")
    for i, arm in enumerate(arms):
        table.add_column(arm, justify="right")
        if i:
            table.add_column(f"Δ {arm}", justify="right")
    for row in summarise(by_arm):
        cells = []
        for i, est in enumerate(row.estimates):
            cells.append(format_estimate(row.spec, est))
            diff = row.differences[i]
            if diff is not None:
                text = format_difference(row.spec, diff)
                cells.append(f"[dim]{text}[/dim]" if not diff.significant else text)
        table.add_row(row.spec.label, *cells)
    return table


def cmd_compare(args: argparse.Namespace) -> int:
    from twin.app.compare import default_executor, run_comparison
    from twin.app.store import RunStore
    from twin.config import ConfigError

    if len(args.scenarios) < 2:
        raise ConfigError("twin compare needs at least two scenario files (one per arm)")
    if args.seeds < 1:
        raise ConfigError(f"--seeds must be >= 1, got {args.seeds}")
    if args.workers < 1:
        raise ConfigError(f"--workers must be >= 1, got {args.workers}")
    pairs = _file_arms(args.scenarios)
    if args.days is not None:  # every arm over the same working days
        pairs = [(a, s.with_overrides(**{"period.days": args.days})) for a, s in pairs]
    store = RunStore(args.store)
    seeds = list(range(1, args.seeds + 1))
    with count_bar() as bar:
        task = bar.add_task("simulating days", total=len(pairs) * len(seeds))

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = run_comparison(
            pairs[0][1],
            pairs,
            seeds,
            store,
            workers=args.workers,
            progress=progress,
            executor=lambda n: default_executor(n, args.scheduler),
        )
    console.print(comparison_table(store, result.comparison_id))
    console.print(
        f"{len(result.run_ids)} runs in {result.wall_s:.1f} s on "
        f"{args.scheduler or f'{args.workers} worker(s)'}; "
        f"stored as comparison {result.comparison_id} in {store.path} "
        "(n.s. = not significant: the 95 % CI of the difference contains 0)"
    )
    return 0


def register(sub: Any) -> None:
    """Add ``twin compare`` to the CLI's subparsers."""
    from twin.app.store_path import DEFAULT_STORE

    p = sub.add_parser(
        "compare",
        help="compare scenarios (arms) on common seeds; print and store KPIs with 95%% CIs",
        description="Run each scenario file (an arm) on seeds 1..N (the same seeds for every "
        "arm), in parallel on Dask worker processes; print each KPI's mean with its 95%% CI "
        "and the paired difference to the first arm; store every run in the run store.",
    )
    p.add_argument("scenarios", nargs="+", type=Path, help="scenario TOML files, one per arm")
    p.add_argument("--seeds", type=int, default=10, help="number of seeds (default: 10)")
    p.add_argument(
        "--days",
        type=int,
        default=None,
        help="run every arm over this many working days (KPIs of the days pooled); "
        "default: each scenario's period.days",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=max(1, min(4, os.cpu_count() or 1)),
        help="1: in this process; more: worker processes of an embedded Dask cluster "
        "(default: the cores, at most 4)",
    )
    p.add_argument(
        "--scheduler",
        default=None,
        help="run on the Dask cluster at this scheduler address (tcp://HOST:PORT)",
    )
    p.add_argument("--store", type=Path, default=DEFAULT_STORE, help=f"default: {DEFAULT_STORE}")
    p.set_defaults(func=cmd_compare)
