"""Shadow mode killed with SIGKILL mid-day and started again (issue 22): how long the restart
takes, how much it reads again, and that nothing is lost or sent twice.

A simulated day of ``--scenario`` (conventional dispatcher, ``--seed``) is published to a
one-partition topic of a local Tansu broker (the one the tests use). Per tree (``--trees``,
each ``twin shadow`` process runs with that tree on its ``PYTHONPATH``):

1. an uninterrupted ``twin shadow --until-eof`` on a fresh prefix (the reference: its wall
   and CPU seconds, its published ids);
2. ``twin shadow`` on another prefix, killed with SIGKILL once ``--kill-at`` of the
   reference's decisions are on ``<prefix>.decisions``;
3. ``twin shadow --until-eof`` on that prefix again: its wall and CPU seconds (``wait4``),
   the seconds until it published its first new decision (caught up), the messages it read
   and the ones it found already published; then the ids on the four output topics: 0
   duplicates, and the decision ids equal to the reference's (0 lost).

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_resume.py [--scenario default]
[--seed 1] [--trees /tmp/old .] [--labels old new] [--kill-at 0.5]``
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # tests.broker: the broker of the tests
    sys.path.insert(0, str(ROOT))

from tests.broker import Broker, running_broker  # noqa: E402
from tests.stream.connectors.shadow_process import TopicFollower  # noqa: E402
from twin.app.run import run_scenario  # noqa: E402
from twin.app.shadow import input_topic, publish_day  # noqa: E402
from twin.config import load_scenario  # noqa: E402
from twin.stream.connectors.publish import read_ids  # noqa: E402

CLI = "import sys; from twin.cli import main; sys.exit(main())"
OUTPUTS = ("decisions", "dead-letters", "ops", "scores")


def shadow(
    tree: Path,
    broker: Broker,
    topic: str,
    prefix: str,
    scenario: Path,
    roster: Path,
    log: Path,
    until_eof: bool,
) -> subprocess.Popen[bytes]:
    args = [
        "shadow",
        "--brokers",
        broker.address,
        "--topic",
        topic,
        "--prefix",
        prefix,
        "--scenario",
        str(scenario),
        "--roster",
        str(roster),
    ]
    env = {**os.environ, "PYTHONPATH": str(tree), "OMP_NUM_THREADS": "1", "COLUMNS": "200"}
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-c", CLI, *args, *(["--until-eof"] if until_eof else [])],
            cwd=tree, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def waited(process: subprocess.Popen[bytes], block: bool = True) -> tuple[int, float] | None:
    """Exit code and CPU seconds (user + system) of a child, from ``wait4``; None if it
    still runs (``block=False``)."""
    pid, status, usage = os.wait4(process.pid, 0 if block else os.WNOHANG)
    if pid == 0:
        return None
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_utime + usage.ru_stime


def count(log: Path, label: str) -> int:
    found = re.findall(rf"{re.escape(label)}[^│]*│\s*([\d,]+)", log.read_text())
    return int(found[-1].replace(",", "")) if found else -1


def decisions_now(broker: Broker, topic: str) -> int:
    return len(read_ids(broker.address, topic, timeout_s=10.0))


def one_tree(
    label: str,
    tree: Path,
    broker: Broker,
    topic: str,
    scenario: Path,
    roster: Path,
    out: Path,
    kill_at: float,
) -> dict[str, object]:
    ref = f"{label}-ref"
    log = out / f"{label}.log"
    started = time.perf_counter()
    done = waited(shadow(tree, broker, topic, ref, scenario, roster, log, True))
    assert done is not None
    code, ref_cpu = done
    ref_wall = time.perf_counter() - started
    expected = read_ids(broker.address, f"{ref}.decisions")
    assert code == 0, log.read_text()[-2000:]

    prefix = f"{label}-crash"
    first = shadow(tree, broker, topic, prefix, scenario, roster, log, False)
    follower = TopicFollower(broker, f"{prefix}.decisions")
    while len(follower.messages) < kill_at * len(expected):
        follower.step(0.01)
    first.send_signal(signal.SIGKILL)
    waited(first)
    follower.close()
    before = decisions_now(broker, f"{prefix}.decisions")

    started = time.perf_counter()
    second = shadow(tree, broker, topic, prefix, scenario, roster, log, True)
    follower = TopicFollower(broker, f"{prefix}.decisions")
    caught_up = None
    while (done := waited(second, block=False)) is None:
        follower.step(0.02)
        if caught_up is None and len(follower.messages) > before:
            caught_up = time.perf_counter() - started
    wall = time.perf_counter() - started
    follower.close()
    code, cpu = done
    assert code == 0, log.read_text()[-2000:]
    ids = {k: Counter(read_ids(broker.address, f"{prefix}.{k}")) for k in OUTPUTS}
    return {
        "tree": label,
        "ref_wall": ref_wall,
        "ref_cpu": ref_cpu,
        "killed_after": before,
        "expected": len(expected),
        "wall": wall,
        "cpu": cpu,
        "caught_up": caught_up,
        "read": count(log, "messages read"),
        "already": count(log, "already published"),
        "duplicates": sum(n - 1 for c in ids.values() for n in c.values()),
        "lost": len(set(expected) - set(ids["decisions"])),
        "notified_twice": 0,  # counted in the duplicates: every decision has its own id
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", default="default", help="name in data/scenarios/")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--trees", type=Path, nargs="+", default=[ROOT])
    ap.add_argument("--labels", nargs="+")
    ap.add_argument("--kill-at", type=float, default=0.5, help="share of the day's decisions")
    args = ap.parse_args(argv)
    labels = args.labels or [t.name for t in args.trees]
    logging.basicConfig(level=logging.WARNING)
    path = ROOT / "data" / "scenarios" / f"{args.scenario}.toml"
    out = Path(tempfile.mkdtemp(prefix="bench-resume-"))
    result = run_scenario(load_scenario(path).with_overrides(**{"policy.brain": False}),
                          args.seed, out, report=False)  # fmt: skip
    lines = result.encoded_log()
    print(f"{args.scenario}, seed {args.seed}: {len(lines):,d} events; logs in {out}")
    print("| tree | uninterrupted wall s | CPU s | killed after decisions | restart wall s | "
          "CPU s | caught up s | messages read again | already published | duplicates | "
          "lost | load |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    with running_broker() as broker:
        publish_day(result.events, lines, broker.address, "resume")
        for label, tree in zip(labels, args.trees, strict=True):
            r = one_tree(label, tree.resolve(), broker, input_topic("resume"), path,
                         out / "roster.json", out, args.kill_at)  # fmt: skip
            caught = "-" if r["caught_up"] is None else f"{r['caught_up']:.2f}"
            print(
                f"| {label} | {r['ref_wall']:.2f} | {r['ref_cpu']:.2f} | "
                f"{r['killed_after']:,d} of {r['expected']:,d} | {r['wall']:.2f} | "
                f"{r['cpu']:.2f} | {caught} | {r['read']:,d} | {r['already']:,d} | "
                f"{r['duplicates']} | {r['lost']} | {os.getloadavg()[0]:.1f} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
