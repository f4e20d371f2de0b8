"""Brain throughput (issues 19 and 22): events per second of one brain on one core.

A day of each ``--scenarios`` (conventional dispatcher, no brain, ``--seed``) is simulated
once and written as ``twin run`` writes it; then, in a fresh process per tree and repeat,
``twin.stream.connectors.jsonl.replay`` runs the brain's Bytewax dataflow (one worker)
over that log: lines read as bytes, decoded, validated, watermarked, admitted, routed,
refreshed, collected. Events per second = log lines / CPU seconds of the replay
(``time.process_time``; wall time and the 1-minute load average beside it, since the
machine is shared). ``--trees`` runs the same against other checkouts (each worker's
``PYTHONPATH``), interleaved, so that an old and a new tree are compared under the same
load; the decisions (SHA-256 over the decision lines, ops windows and dead letters) must
then be equal.

The same worker also runs the steps in a plain loop (as ``twin.stream.direct`` does) with
a CPU timer around each, for the share of each step: the source (decode, validate,
watermark), the single-worker global steps (admission, fleet, collector) and the
technician key groups (which several workers share).

``--source-only`` times the source alone in each tree (every repeat shown), with a digest
of what it yields (events, dead letters with their reasons, ticks), equal across trees.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_throughput.py [--scenarios default
large] [--seed 1] [--trees /tmp/old .] [--labels old new] [--repeats 1] [--source-only]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
HERE = Path(__file__).resolve()
STEPS = ("source", "admit", "fleet", "technicians", "collector")


# ---------------------------------------------------------------- in a worker
def _params(log: Path, scenario: Path) -> Any:
    from twin.app.roster import read_roster
    from twin.app.wiring import build_brain, company_from_roster
    from twin.config import load_scenario

    company = company_from_roster(load_scenario(scenario), read_roster(log.parent / "roster.json"))
    return build_brain(company)


def _staged(log: Path, params: Any) -> dict[str, float]:
    """CPU seconds per step, the steps called in a plain loop in the dataflow's batches."""
    from twin.stream.collector import collector_batch, new_collector
    from twin.stream.connectors.jsonl import BATCH_LINES, read_lines, with_ticks
    from twin.stream.fleet import PLANNER, fleet_batch, new_fleet
    from twin.stream.order import Admission, admit_batch, rules_for
    from twin.stream.technician import new_tech, tech_batch

    clock = time.process_time
    spent = dict.fromkeys(STEPS, 0.0)
    rules = rules_for(params)
    c = clock()
    with log.open("rb") as fh:
        items = list(with_ticks(read_lines(fh), params.clock, params.reorder_bound_min, rules))
    spent["source"] = clock() - c
    admission, fleet, collector = Admission(rules), new_fleet(params), new_collector(params)
    techs: dict[str, Any] = {}
    for i in range(0, len(items), BATCH_LINES):
        a = clock()
        admitted = admit_batch(admission, items[i : i + BATCH_LINES])
        b = clock()
        routed = fleet_batch(fleet, admitted, params)
        spent["admit"] += b - a
        spent["fleet"] += clock() - b
        for key, payloads in routed:
            a = clock()
            if key != PLANNER:
                tech = techs.get(key)
                if tech is None:
                    tech = techs[key] = new_tech(key, params)
                payloads = tech_batch(tech, payloads, params)
            b = clock()
            collector_batch(collector, payloads, params)
            spent["technicians"] += b - a
            spent["collector"] += clock() - b
    return spent


def measure(log: Path, scenario: Path) -> dict[str, Any]:
    from twin import events as ev
    from twin.stream.connectors.jsonl import replay

    params = _params(log, scenario)
    lines = sum(1 for raw in log.open("rb") if raw.strip())
    load = os.getloadavg()[0]
    c0, w0 = time.process_time(), time.perf_counter()
    result = replay(log, params)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    h = hashlib.sha256()
    for line in ev.to_lines(result.decisions):
        h.update(line.encode() + b"\n")
    for o in result.ops:
        h.update(json.dumps(o.to_dict()).encode() + b"\n")
    for d in result.dead_letters:
        h.update(f"{d.line}|{d.reason}\n".encode())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "lines": lines,
        "decisions": len(result.decisions),
        "cpu": cpu,
        "wall": wall,
        "load": max(load, os.getloadavg()[0]),
        "digest": h.hexdigest()[:16],
        "peak_mb": peak,
        "steps": _staged(log, _params(log, scenario)),
    }


def measure_source(log: Path, scenario: Path) -> dict[str, Any]:
    """The source alone (read, decode, validate, watermark) over the log, and a digest of
    what it yields (events as JSON, dead letters with their reasons, ticks)."""
    from twin import events as ev
    from twin.stream.connectors.jsonl import read_lines, with_ticks
    from twin.stream.order import rules_for

    params = _params(log, scenario)
    rules = rules_for(params)
    load = os.getloadavg()[0]
    c = time.process_time()
    with log.open("rb") as fh:
        items = list(with_ticks(read_lines(fh), params.clock, params.reorder_bound_min, rules))
    cpu = time.process_time() - c
    h = hashlib.sha256()
    for item in items:
        text = ev.to_json(item) if isinstance(item, ev.Event) else repr(item)
        h.update(text.encode() + b"\n")
    lines = sum(1 for raw in log.open("rb") if raw.strip())
    load = max(load, os.getloadavg()[0])
    return {"lines": lines, "cpu": cpu, "load": load, "digest": h.hexdigest()[:16]}


# ---------------------------------------------------------------- the driver
def _worker(tree: Path, log: Path, scenario: Path, mode: str = "--worker") -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(tree), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, str(HERE), mode, str(log), str(scenario)]
    done = subprocess.run(cmd, env=env, cwd=tree, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"worker {tree} {log} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _log_of(scenario: Path, seed: int, out: Path) -> Path:
    from twin.app.run import run_scenario
    from twin.config import load_scenario

    sc = load_scenario(scenario).with_overrides(**{"policy.brain": False})
    run_scenario(sc, seed, out, report=False)
    return out / "events.jsonl"


def _row(name: str, label: str, r: dict[str, Any], base: dict[str, Any] | None) -> str:
    steps = r["steps"]
    total = sum(steps.values())
    share = {k: 100.0 * v / total for k, v in steps.items()}
    global_share = share["admit"] + share["fleet"] + share["collector"]
    ratio = f"{base['cpu'] / r['cpu']:.2f}" if base is not None else "1.00"
    return (
        f"| {name} | {label} | {r['lines']:,d} | {r['cpu']:.2f} | {r['lines'] / r['cpu']:,.0f} | "
        f"{r['wall']:.2f} | {r['load']:.1f} | {ratio} | {total:.2f} | {share['source']:.0f} | "
        f"{global_share:.0f} ({share['admit']:.0f}/{share['fleet']:.0f}/"
        f"{share['collector']:.0f}) | {share['technicians']:.0f} | {r['peak_mb']:.0f} | "
        f"{r['digest']} |"
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in ("--worker", "--worker-source"):
        run = measure if sys.argv[1] == "--worker" else measure_source
        print(json.dumps(run(Path(sys.argv[2]), Path(sys.argv[3]))))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenarios", nargs="+", default=["default", "large"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--trees", type=Path, nargs="+", default=[HERE.parents[1]])
    ap.add_argument("--labels", nargs="+", default=None)
    ap.add_argument("--repeats", type=int, default=1, help="runs per tree; least CPU kept")
    ap.add_argument(
        "--source-only",
        action="store_true",
        help="time the source alone (read, decode, validate, watermark)",
    )
    args = ap.parse_args()
    labels = args.labels or [str(t) for t in args.trees]
    tmp = Path(tempfile.mkdtemp(prefix="bench-throughput-"))
    if args.source_only:
        _source_table(args, labels, tmp)
        return
    print(f"cores {os.cpu_count()}; seed {args.seed}; {args.repeats} repeat(s), least CPU kept")
    print(
        "| log | tree | events | CPU s | events/s (CPU) | wall s | load | speed-up | "
        "steps alone CPU s | source % | global steps % (admit/fleet/collector) | "
        "technicians % | peak MB | "
        "decisions sha256 |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name in args.scenarios:
        scenario = HERE.parents[1] / "data" / "scenarios" / f"{name}.toml"
        log = _log_of(scenario, args.seed, tmp / name)
        best: dict[str, dict[str, Any]] = {}
        for _ in range(args.repeats):
            for tree, label in zip(args.trees, labels, strict=True):
                r = _worker(tree, log, scenario)
                if label not in best or r["cpu"] < best[label]["cpu"]:
                    best[label] = r
        digests = {r["digest"] for r in best.values()}
        if len(digests) != 1:
            raise RuntimeError(f"{name}: the trees decided differently: {digests}")
        base = best[labels[0]] if len(labels) > 1 else None
        for label in labels:
            print(_row(name, label, best[label], base), flush=True)


def _source_table(args: argparse.Namespace, labels: list[str], tmp: Path) -> None:
    print(f"cores {os.cpu_count()}; seed {args.seed}; {args.repeats} repeat(s), each shown")
    print("| log | tree | events | source CPU s | µs per event | load | items sha256 |")
    print("|---|---|---|---|---|---|---|")
    for name in args.scenarios:
        scenario = HERE.parents[1] / "data" / "scenarios" / f"{name}.toml"
        log = _log_of(scenario, args.seed, tmp / name)
        for _ in range(args.repeats):
            for tree, label in zip(args.trees, labels, strict=True):
                r = _worker(tree, log, scenario, "--worker-source")
                print(
                    f"| {name} | {label} | {r['lines']:,d} | {r['cpu']:.2f} | "
                    f"{1e6 * r['cpu'] / r['lines']:.1f} | {r['load']:.1f} | {r['digest']} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
