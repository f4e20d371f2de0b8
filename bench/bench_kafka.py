"""Shadow mode through Kafka (issue 22): events per second with 1, 2 and 4 partitions.

A simulated day of ``--scenario`` (conventional dispatcher, ``--seed``) is published to a
topic of 1, 2 and 4 partitions on a local Tansu broker (the one the tests use), keyed as
``twin run --kafka`` keys it (a technician's activity by technician, the rest on one key);
then ``run_shadow(..., until_eof=True)`` reads it with ``--workers`` Bytewax workers (1 and
the partition count by default) and publishes its decisions. Per run: messages per second
(wall clock, from the flow's start to the end of the topic, after the start-up read-back of
the output topics), CPU seconds of this process (``time.process_time``: the broker is
another process) and messages per CPU second (the steadier figure on a shared machine),
the load average, and a digest of the published decision ids — equal in
every row, because a run is a function of the topic's contents.

``--profile`` runs each shadow under cProfile (slower; CPU time of the calling thread, which
is the worker's with one worker) and prints, per row, the share of the flow's CPU
(``run_main``, cumulative) in the source (of which decoding and validating), the sink (of
which encoding, producing with its delivery reports, the live scorecards), the
single-worker global steps (admit, fleet, collector) and the technician steps.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_kafka.py [--scenario default]
[--seed 1] [--partitions 1 2 4] [--repeats 1] [--profile] [--score-every MIN (0: no live
scorecards)]``
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import logging
import os
import pstats
import re
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # tests.broker: the broker of the tests
    sys.path.insert(0, str(ROOT))

from tests.broker import Broker, running_broker  # noqa: E402
from twin.app.run import run_scenario  # noqa: E402
from twin.app.shadow import input_topic, publish_day, run_shadow  # noqa: E402
from twin.config import load_scenario  # noqa: E402
from twin.stream.connectors.publish import read_ids  # noqa: E402

SCENARIOS = ROOT / "data" / "scenarios"


SHARES = {
    "source": r"kafka\.py:\d+\(next_batch\)",
    "decode+validate": r"(fastparse|validate)\.py:\d+\(parse(_line)?\)",
    "sink": r"topics\.py:\d+\(write_batch\)",
    "encode": r"topics\.py:\d+\(to_message\)",
    "produce+delivery": r"publish\.py:\d+\(send\)",
    "cards": r"live_score\.py:\d+\(publish\)",
    "admit": r"flow\.py:\d+\(admit\)",
    "fleet": r"flow\.py:\d+\(fleet\)",
    "collector": r"flow\.py:\d+\(collect\)",
    "technicians": r"flow\.py:\d+\(technicians\)",
}


def shares(profile: cProfile.Profile) -> str:
    """Cumulative time of each part as a share of ``run_main``'s."""
    found = dict.fromkeys(SHARES, 0.0)
    total = 0.0
    for (file, line, name), row in pstats.Stats(profile).stats.items():
        where = f"{Path(file).name}:{line}({name})"
        total += row[3] if "bytewax._bytewax.run_main" in name else 0.0
        for part, pattern in SHARES.items():
            found[part] += row[3] if re.fullmatch(pattern, where) else 0.0
    return ", ".join(f"{k} {100 * v / total:.1f} %" for k, v in found.items()) if total else ""


def one_run(
    broker: Broker,
    prefix: str,
    out_prefix: str,
    scenario: Path,
    roster: Path,
    workers: int,
    profile: bool = False,
    score_every_min: float | None = 30.0,
) -> dict[str, float | str]:
    """One shadow run on ``<prefix>.events`` to fresh ``<out_prefix>.*`` topics."""
    load = os.getloadavg()[0]
    # CPU of this thread (the one worker's, with one worker), not wall time: waits for the
    # broker and sleeps between polls are no part of a share
    profiler = cProfile.Profile(time.thread_time) if profile else None
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler is not None:
        profiler.enable()
    summary = run_shadow(
        broker.address,
        input_topic(prefix),
        scenario=scenario,
        roster=roster,
        prefix=out_prefix,
        until_eof=True,
        workers=workers,
        score_every_min=score_every_min,
    )
    if profiler is not None:
        profiler.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    ids = read_ids(broker.address, f"{out_prefix}.decisions")
    digest = hashlib.sha256("\n".join(str(i) for i in ids).encode()).hexdigest()[:12]
    return {
        "messages": summary.messages,
        "flow_s": summary.wall_s,
        "per_s": summary.messages_per_s,
        "cpu_s": cpu,
        "per_cpu_s": summary.messages / cpu if cpu > 0 else 0.0,
        "wall_s": wall,
        "load": max(load, os.getloadavg()[0]),
        "decisions": sum(summary.decisions.values()),
        "digest": digest,
        "shares": shares(profiler) if profiler is not None else "",
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", default="default", help="name in data/scenarios/")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--partitions", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--profile", action="store_true", help="shares of time per part")
    ap.add_argument("--score-every", type=float, default=30.0, help="live scorecards (0: none)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    path = SCENARIOS / f"{args.scenario}.toml"
    out = Path(tempfile.mkdtemp(prefix="bench-kafka-"))
    scenario = load_scenario(path).with_overrides(**{"policy.brain": False})
    result = run_scenario(scenario, args.seed, out, report=False)
    lines = result.encoded_log()
    print(f"{args.scenario}, seed {args.seed}: {len(lines):,d} events; cores {os.cpu_count()}")
    print(
        "| partitions | workers | messages | produce msg/s | shadow msg/s | flow s | "
        "wall s | CPU s | msg per CPU s | load avg | decisions | ids sha256 |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    with running_broker() as broker:
        for parts in args.partitions:
            prefix = f"bench{parts}"
            started = time.perf_counter()
            publish_day(result.events, lines, broker.address, prefix, partitions=parts)
            produce_rate = len(lines) / (time.perf_counter() - started)
            for workers in sorted({1, parts}):
                for r in range(args.repeats):
                    out_prefix = f"{prefix}.w{workers}.r{r}"  # fresh output topics
                    row = one_run(
                        broker,
                        prefix,
                        out_prefix,
                        path,
                        out / "roster.json",
                        workers,
                        args.profile,
                        args.score_every or None,
                    )
                    print(
                        f"| {parts} | {workers} | {row['messages']:,d} | {produce_rate:,.0f} | "
                        f"{row['per_s']:,.0f} | {row['flow_s']:.2f} | {row['wall_s']:.2f} | "
                        f"{row['cpu_s']:.2f} | {row['per_cpu_s']:,.0f} | "
                        f"{row['load']:.1f} | {row['decisions']:,d} | "
                        f"{row['digest']} |",
                        flush=True,
                    )
                    if row["shares"]:
                        print(f"  shares of the flow's time: {row['shares']}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
