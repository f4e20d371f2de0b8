"""What Bytewax recovery snapshots of the brain would cost, against the restart they save.

A restart of ``twin shadow`` today re-decides the day from the topic's start (publishing
only what is new). Resuming from Bytewax recovery snapshots would instead load the brain's
state as of the last epoch and decide only the tail; the price is a snapshot of every
stateful step (``admit``, ``fleet``, ``technicians``, ``collector``: ``twin.stream.fold``)
at the end of every epoch. This measures both sides on the brain alone (the log replay,
``twin.stream.connectors.jsonl.replay``: the same flow and steps as the shadow, without
Kafka):

- **re-decide**: CPU seconds to replay the production log from the day's start up to
  ``--at`` (what a restart at that time does again), and the whole day;
- **snapshot**: the states of the four steps at ``--at``, each copied as Bytewax would have
  to (``pickle.dumps``: the state must be an immutable copy, and recovery pickles it),
  with the bytes and the CPU seconds to write and to read them back (``pickle.loads``), and
  ``copy.deepcopy`` for comparison; whatever does not pickle is reported with the reason.

The production day is ``--scenario`` with the conventional dispatcher (``policy.brain``
off), seed ``--seed``, as ``bench_kafka.py`` and ``bench_resume.py`` publish it.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_snapshot.py --scenario default
[--seed 1] [--at 14:00]``
"""

from __future__ import annotations

import argparse
import copy
import gc
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]

import twin.stream.flow as flow_module  # noqa: E402
from twin.app.roster import read_roster  # noqa: E402
from twin.app.run import run_scenario  # noqa: E402
from twin.app.shadow import SHADOW_BOUND_MIN  # noqa: E402
from twin.app.wiring import build_brain, company_from_roster  # noqa: E402
from twin.clock import hhmm, parse_hhmm  # noqa: E402
from twin.config import load_scenario  # noqa: E402
from twin.stream.connectors.jsonl import replay  # noqa: E402
from twin.stream.fold import fold  # noqa: E402

SCENARIOS = ROOT / "data" / "scenarios"


def capturing_fold(states: dict[str, dict[int, Any]]) -> Callable[..., Any]:
    """``fold`` that also keeps every step's live states (by step id and object id)."""

    def capture(step_id: str, up: Any, step: Callable[[Any, Any], tuple[Any, Any]]) -> Any:
        def wrapped(state: Any, value: Any) -> tuple[Any, Any]:
            new, out = step(state, value)
            states.setdefault(step_id, {})[id(new)] = new
            return new, out

        return fold(step_id, up, wrapped)

    return capture


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    gc.collect()
    cpu = time.process_time()
    got = fn()
    return got, time.process_time() - cpu


def replay_until(lines: list[str], params: Any) -> tuple[float, Any]:
    """CPU seconds of the replay of these log lines through the brain, and its states."""
    keep = lines
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as fh:
        fh.writelines(line + "\n" for line in keep)
    states: dict[str, dict[int, Any]] = {}
    flow_module.fold = capturing_fold(states)  # type: ignore[assignment]
    try:
        _, cpu = timed(lambda: replay(Path(fh.name), params))
    finally:
        flow_module.fold = fold  # type: ignore[assignment]
        os.unlink(fh.name)
    return cpu, states


def snapshot_costs(states: dict[str, dict[int, Any]]) -> list[str]:
    rows = []
    for step_id, by_id in states.items():
        objs = list(by_id.values())
        try:
            blob, dump_s = timed(lambda o=objs: pickle.dumps(o, protocol=pickle.HIGHEST_PROTOCOL))
            _, load_s = timed(lambda b=blob: pickle.loads(b))
            _, deep_s = timed(lambda o=objs: copy.deepcopy(o))
            rows.append(
                f"| {step_id} | {len(objs)} | {len(blob) / 1e6:.2f} | {dump_s:.3f} | "
                f"{load_s:.3f} | {deep_s:.3f} | |"
            )
        except Exception as exc:
            rows.append(
                f"| {step_id} | {len(objs)} | – | – | – | – | {type(exc).__name__}: {exc} |"
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", default="default", help="name in data/scenarios/")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--at", type=parse_hhmm, default=parse_hhmm("14:00"), help="HH:MM")
    args = ap.parse_args(argv)
    scenario = load_scenario(SCENARIOS / f"{args.scenario}.toml")
    scenario = scenario.with_overrides(**{"policy.brain": False})
    out = Path(tempfile.mkdtemp(prefix="bench-snapshot-"))
    result = run_scenario(scenario, args.seed, out, report=False)
    log = list(result.encoded_log())
    company = company_from_roster(scenario, read_roster(out / "roster.json"))
    upto = [
        x
        for e, x in zip(result.events, log, strict=True)
        if company.clock.minutes(e.time) <= args.at
    ]
    load = os.getloadavg()[0]

    def brain() -> Any:
        return build_brain(company, reorder_bound_min=SHADOW_BOUND_MIN, live=True)

    day_cpu, _ = replay_until(log, brain())
    at_cpu, states = replay_until(upto, brain())
    n_at = len(upto)
    print(
        f"{args.scenario}, seed {args.seed}: {len(log):,d} events ({n_at:,d} up to "
        f"{hhmm(args.at)}); load {max(load, os.getloadavg()[0]):.1f}"
    )
    print(
        f"re-decide the whole day: {day_cpu:.2f} CPU s; up to {hhmm(args.at)}: {at_cpu:.2f} CPU s"
    )
    print("| step | states | pickled MB | dumps CPU s | loads CPU s | deepcopy CPU s | refused |")
    print("|---|---|---|---|---|---|---|")
    for row in snapshot_costs(states):
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
