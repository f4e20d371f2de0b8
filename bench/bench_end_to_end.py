"""End to end (issue 19): ``twin run`` as a user runs it, with a CPU timer on each stage.

Runs the CLI's own ``main`` in this process (``twin run --scenario S --seed N --out DIR
[--no-store]``), with CPU timers (``time.process_time``) wrapped around the calls
``run_scenario`` and the CLI make: construction (``build_world``), the simulated day
(``simulate``), reading the log and the KPIs (``read_day``, ``compute_kpis``), the outputs
(``write_outputs``: log encoding, files, quality, report) and the run store
(``RunStore.add_run``). The total is the process's CPU from its start (imports included,
``resource.getrusage``), with the peak resident memory; the ratios are the total over
construction + day and over the day alone.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_end_to_end.py --scenario
data/scenarios/national.toml [--seed 1] [--out /tmp/e2e] [--no-store]``
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

STAGES = {
    "build_world": "construction",
    "simulate": "the simulated day",
    "read_day": "reading the log once",
    "compute_kpis": "KPIs",
    "write_outputs": "outputs (log, files, quality, report)",
    "add_run": "run store",
}


def _timed(fn: Callable[..., Any], name: str, cpu: dict[str, float]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        c0 = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            cpu[name] = cpu.get(name, 0.0) + time.process_time() - c0

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="default: a temporary folder")
    parser.add_argument("--no-store", action="store_true")
    args = parser.parse_args()
    import twin.app.run as run_mod
    from twin.app.store import RunStore
    from twin.cli import main as cli_main

    cpu: dict[str, float] = {}
    for name in ("build_world", "simulate", "read_day", "compute_kpis", "write_outputs"):
        setattr(run_mod, name, _timed(getattr(run_mod, name), name, cpu))
    RunStore.add_run = _timed(RunStore.add_run, "add_run", cpu)  # type: ignore[method-assign]
    tmp = Path(tempfile.mkdtemp(prefix="bench-e2e-"))
    out = args.out or tmp / "run"
    argv = ["run", "--scenario", str(args.scenario), "--seed", str(args.seed), "--out", str(out)]
    argv += ["--no-store"] if args.no_store else ["--store", str(tmp / "store.duckdb")]
    wall0 = time.perf_counter()
    sys.argv = ["twin", *argv]
    rc = cli_main()
    wall = time.perf_counter() - wall0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    total = usage.ru_utime + usage.ru_stime
    with (out / "events.jsonl").open("rb") as fh:
        sha = hashlib.file_digest(fh, "sha256").hexdigest()
    day = cpu["build_world"] + cpu["simulate"]
    result = {
        "rc": rc,
        **{STAGES[k]: round(v, 2) for k, v in cpu.items()},
        "total CPU (user + system, imports included)": round(total, 2),
        "end to end / (construction + day)": round(total / day, 3),
        "end to end / day alone": round(total / cpu["simulate"], 3),
        "wall s (main)": round(wall, 1),
        "peak MB": round(usage.ru_maxrss / 1024),
        "load1": round(os.getloadavg()[0], 1),
        "log sha256": sha[:16],
    }
    print(json.dumps(result, indent=1))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
