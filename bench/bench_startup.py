"""Start-up of the ``twin`` command line (issue 22): ``--help`` of the CLI and of commands.

Each command runs as a fresh interpreter, ``python -c 'from twin.cli import main; ...'``
with ``PYTHONPATH`` set to one tree, as the installed ``twin`` script does; trees are
interleaved round by round (old, new, old, new, ...) so that both see the same load. Per
tree and command: the median wall and CPU seconds (user + system of the child, from
``wait4``) over ``--repeats`` rounds, and the 1-minute load average.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_startup.py --trees /tmp/old .
--labels old new [--repeats 5]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS = (["--help"], ["shadow", "--help"], ["run", "--help"])
_MAIN = "import sys; from twin.cli import main; sys.exit(main())"


def one(tree: Path, argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one ``twin ARGV`` in a fresh interpreter on ``tree``."""
    env = {**os.environ, "PYTHONPATH": str(tree), "OMP_NUM_THREADS": "1"}
    wall = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", _MAIN, *argv], env=env, cwd=tree, stdout=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - wall
    if os.waitstatus_to_exitcode(status) != 0:
        msg = f"twin {' '.join(argv)} in {tree} exited with status {status}"
        raise RuntimeError(msg)
    return wall, usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trees", type=Path, nargs="+", default=[Path(".")])
    ap.add_argument("--labels", nargs="+", default=None)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    labels = args.labels or [str(t) for t in args.trees]
    if len(labels) != len(args.trees):
        ap.error(f"--labels: one per tree ({len(args.trees)}), got {len(labels)}")
    runs: dict[tuple[str, str], list[tuple[float, float]]] = {}
    loads = []
    for _ in range(args.repeats):
        for label, tree in zip(labels, args.trees, strict=True):
            for command in COMMANDS:
                runs.setdefault((label, " ".join(command)), []).append(one(tree.resolve(), command))
        loads.append(os.getloadavg()[0])
    print(f"{args.repeats} rounds, load average {min(loads):.1f}–{max(loads):.1f}")
    print("| tree | command | wall s (median) | CPU s (median) | CPU s (min–max) |")
    print("|---|---|---|---|---|")
    for (label, command), got in runs.items():
        walls, cpus = [w for w, _ in got], [c for _, c in got]
        print(
            f"| {label} | twin {command} | {statistics.median(walls):.2f} | "
            f"{statistics.median(cpus):.2f} | {min(cpus):.2f}–{max(cpus):.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
