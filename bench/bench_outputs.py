"""What ``twin run`` does after the day, timed on a written log (issue 19, end to end).

Reads a run folder's ``events.jsonl`` (not timed), then times with ``time.process_time``
each step ``run_scenario`` and the CLI take after the simulated day: reading the log for
the KPIs (``read_day``, ``compute_kpis``), encoding the log (``to_lines``) and writing it,
the decision quality (``measure``), the report's brain sections and HTML, and the run
store's compression (``compress_log``). ``--trees`` runs it against other checkouts (the
``PYTHONPATH`` of each worker process), interleaved, so that an old and a new tree are
timed on the same log under the same load; the encoded log's SHA-256 must be equal.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_outputs.py RUN_FOLDER
[--trees /tmp/old .] [--labels old new] [--repeats 1]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
HERE = Path(__file__).resolve()


def measure(folder: Path) -> dict[str, Any]:
    """The steps after the day, on the log in ``folder`` (this process's ``twin``)."""
    from twin import events as ev
    from twin.analysis.daylog import read_day
    from twin.analysis.kpi import compute_kpis
    from twin.analysis.quality import measure as quality
    from twin.analysis.report import write_report
    from twin.analysis.report.brain import brain_sections
    from twin.app.store import compress_log
    from twin.config import Scenario

    events = ev.read_log(folder / "events.jsonl")
    marker = json.loads((folder / "run.json").read_text())
    scenario = Scenario.model_validate_json(os.environ["BENCH_SCENARIO_JSON"])  # the run's
    cpu: dict[str, float] = {}
    c = [time.process_time()]

    def lap(name: str) -> None:
        now = time.process_time()
        cpu[name] = round(now - c[0], 2)
        c[0] = now

    day = read_day(events, scenario)
    kpis = compute_kpis(events, scenario, day)
    lap("read_day + KPIs")
    lines = ev.to_lines(events)
    lap("encode log")
    with tempfile.TemporaryDirectory() as tmp:
        ev.write_lines(lines, Path(tmp) / "events.jsonl")
        lap("write log")
        q = quality(events)
        lap("quality")
        extra = brain_sections(events, q, ())
        write_report(Path(tmp) / "report.html", events, kpis, scenario, "bench", extra, day)
        lap("report")
    compress_log(lines)
    lap("store compression")
    sha = hashlib.sha256()
    for line in lines:
        sha.update(line.encode("utf-8") + b"\n")
    return {
        "events": len(events),
        **cpu,
        "total": round(sum(cpu.values()), 2),
        "sha_ok": sha.hexdigest() == marker["sha256"],
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
    args = parser.parse_args()
    labels = args.labels or [str(t) for t in args.trees]
    from twin.config import load_scenario
    from twin.models.company import seeded

    scenario = seeded(load_scenario(args.scenario), args.seed).model_dump_json()
    for rep in range(args.repeats):
        for tree, label in zip(args.trees, labels, strict=True):
            env = {**os.environ, "PYTHONPATH": str(tree.resolve()), "OMP_NUM_THREADS": "1"}
            env["BENCH_SCENARIO_JSON"] = scenario
            cmd = [sys.executable, str(HERE), "--worker", str(args.folder.resolve())]
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
            print(f"{label} #{rep + 1}: {done.stdout.strip().splitlines()[-1]}", flush=True)


if __name__ == "__main__":
    main()
