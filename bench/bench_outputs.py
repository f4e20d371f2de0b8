"""What ``twin run`` does after the day, timed on a written log (issue 19, end to end).

Reads a run folder's ``events.jsonl``, ``roster.json`` and ``ops.jsonl`` (not timed), then
times with ``time.process_time`` the calls ``run_scenario`` and the CLI make after the
simulated day, as they make them: reading the log for the KPIs (``read_day``,
``compute_kpis``), then ``write_outputs`` into a temporary run folder, timed per stage by
its own stage callback (``event log``: encoding and writing the log, ``kpis.json``, the
roster and ops windows; ``quality``; ``report``: the HTML report and the folder's
completion marker, flush and swap), and the run store's ``add_run`` (compression and
DuckDB). ``--trees`` runs it against other checkouts (the ``PYTHONPATH`` of each worker
process), interleaved, so that an old and a new tree are timed on the same log under the
same load; the log each writes must hash as the run's own (``sha_ok``).

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_outputs.py RUN_FOLDER
[--trees /tmp/old .] [--labels old new] [--repeats 1] [--extra-path DIR ...]``
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
HERE = Path(__file__).resolve()


def _ops(folder: Path) -> list[Any]:
    """The run's operational windows, read back from ``ops.jsonl`` for the report (the file
    keeps the utilisation, not its two counts: they are made up to give it back)."""
    from twin import events as ev
    from twin.stream.messages import OpsWindow

    path = folder / "ops.jsonl"
    rows = [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []
    keep = ("arrivals", "on_time", "punctuality_so_far", "open_alerts")
    return [
        OpsWindow(
            window_start=ev.parse_time(r["window_start"]),
            window_end=ev.parse_time(r["window_end"]),
            **{n: r[n] for n in keep},
            technicians_working=round(r["utilisation"] * 1_000_000),
            technicians_on_shift=1_000_000,
        )
        for r in rows
    ]


def measure(folder: Path) -> dict[str, Any]:
    """The steps after the day, on the log in ``folder`` (this process's ``twin``): the
    functions ``run_scenario`` and ``twin run`` call, ``write_outputs`` timed per stage."""
    from twin import events as ev
    from twin.analysis.daylog import read_day
    from twin.analysis.kpi import compute_kpis
    from twin.app.roster import read_roster
    from twin.app.run import write_outputs
    from twin.app.store import RunStore
    from twin.config import Scenario
    from twin.stream.connectors.bridge import BrainRun

    events = ev.read_log(folder / "events.jsonl")
    marker = json.loads((folder / "run.json").read_text())
    scenario = Scenario.model_validate_json(os.environ["BENCH_SCENARIO_JSON"])  # the run's
    company = SimpleNamespace(roster=read_roster(folder / "roster.json"))
    world = SimpleNamespace(scenario=scenario, seed=scenario.seed, company=company)
    run = BrainRun(events, _ops(folder))
    cpu: dict[str, float] = {}
    c = [time.process_time(), "read_day + KPIs"]

    def lap(name: str) -> None:  # ends the stage running, starts ``name``
        now = time.process_time()
        cpu[str(c[1])] = round(cpu.get(str(c[1]), 0.0) + now - float(c[0]), 2)
        c[:] = [now, name]

    day = read_day(events, scenario)
    kpis = compute_kpis(events, scenario, day)
    with tempfile.TemporaryDirectory() as tmp:
        lap("?")
        args: list[Any] = [Path(tmp) / "run", world, run, kpis, True, lap, day]
        keep = "keep_lines" in inspect.signature(write_outputs).parameters
        lines = write_outputs(*args, False) if keep else write_outputs(*args)  # as `twin run`
        lap("run store")
        store = RunStore(Path(tmp) / "store.duckdb")
        kw: dict[str, Any] = {"scenario": scenario, "seed": 1, "kpis": kpis, "wall_s": 0.0}
        if "log_file" in inspect.signature(RunStore.add_run).parameters:  # as `twin run`
            kw["log_file"] = Path(tmp) / "run" / "events.jsonl"
        if lines is not None:
            kw["log_lines"] = lines
        store.add_run(**kw)
        lap("")
        sha_ok = json.loads((Path(tmp) / "run" / "run.json").read_text())["sha256"]
    cpu.pop("?", None)
    return {
        "events": len(events),
        **cpu,
        "total": round(sum(cpu.values()), 2),
        "sha_ok": sha_ok == marker["sha256"],
        "load1": round(os.getloadavg()[0], 1),
    }


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        print(json.dumps(measure(Path(sys.argv[2]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="a run folder written by `twin run`")
    parser.add_argument("--scenario", type=Path, required=True, help="the run's scenario TOML")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--trees", type=Path, nargs="+", default=[HERE.parents[1]])
    parser.add_argument("--labels", nargs="+", default=None)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument(
        "--extra-path",
        type=Path,
        nargs="*",
        default=[],
        help="folders put after each tree on PYTHONPATH (e.g. an optional package not in the venv)",
    )
    args = parser.parse_args()
    labels = args.labels or [str(t) for t in args.trees]
    from twin.config import load_scenario
    from twin.models.company import seeded

    scenario = seeded(load_scenario(args.scenario), args.seed).model_dump_json()
    for rep in range(args.repeats):
        for tree, label in zip(args.trees, labels, strict=True):
            path = os.pathsep.join(str(p.resolve()) for p in (tree, *args.extra_path))
            env = {**os.environ, "PYTHONPATH": path, "OMP_NUM_THREADS": "1"}
            env["BENCH_SCENARIO_JSON"] = scenario
            cmd = [sys.executable, str(HERE), "--worker", str(args.folder.resolve())]
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
            print(f"{label} #{rep + 1}: {done.stdout.strip().splitlines()[-1]}", flush=True)


if __name__ == "__main__":
    main()
