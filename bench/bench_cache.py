"""Construction in a simulated cache: instructions and misses per technician, no timer.

Construction's cost per technician grows from 1,000 to 10,000 technicians while its
instructions do not (issue 19): the growth is memory, and timings on this shared machine
vary more than a layout change is worth. Cachegrind counts instead, the same on every run:
for each size a fresh process builds the world of ``bench_scale._builders(tree, n,
"world", base, "scale")`` under ``valgrind --tool=cachegrind`` with a 32 KiB L1 and a
last level of ``--cache-mib`` (the machine's L3 by default, ``lscpu``), keeps it and
leaves with ``os._exit`` (no teardown counted); a process that only imports is subtracted.
Per technician: instructions, L1 data misses, last-level read and write misses, and each
size's ratio to the smallest. A last-level read miss is a trip to memory (~100 ns here).

Slow: valgrind runs construction ~40 times slower (10,000 technicians: ~25 min). Needs
``valgrind`` (Debian package ``valgrind``; not part of the README's set-up, and only this
benchmark uses it).

Run: ``.venv/bin/python bench/bench_cache.py [--sizes 1000 10000] [--cache-mib 32]
[--base data/scenarios/national.toml] [--trees /tmp/old .]``
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
COUNTS = ("instructions", "L1 data misses", "last-level read misses", "last-level write misses")
_LINES = {
    "instructions": re.compile(r"I\s+refs:\s+([\d,]+)"),
    "L1 data misses": re.compile(r"D1\s+misses:\s+([\d,]+)"),
    "last-level read misses": re.compile(r"LLd misses:\s+[\d,]+\s+\(\s*([\d,]+) rd"),
    "last-level write misses": re.compile(r"LLd misses:\s+[\d,]+\s+\([^+]*\+\s*([\d,]+) wr"),
}


def build(n: int, base: Path) -> None:
    """The worker: the world of ``n`` technicians (0: the imports alone), kept to the end."""
    sys.path.insert(0, str(HERE.parent))
    from bench_scale import _builders

    import twin.app.wiring  # noqa: F401  (imported by the empty run as by the others)

    make_world, _, _ = _builders(HERE.parents[1], max(n, 1), "world", base, "scale")
    world = make_world(1) if n else None
    print(f"built {n}: {len(world.routes) if world is not None else 0} routes", flush=True)
    os._exit(0)  # no teardown: freeing the world is not construction


def counted(tree: Path, n: int, base: Path, cache_mib: int) -> dict[str, int]:
    """Cachegrind's totals for one worker process on the ``twin`` of ``tree``."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=yes",
            "--D1=32768,8,64",
            f"--LL={cache_mib << 20},16,64",
            f"--cachegrind-out-file={tmp}/cg.out",
            sys.executable,
            str(HERE),
            "--worker",
            str(n),
            "--base",
            str(base.resolve()),
        ]
        env = {**os.environ, "PYTHONPATH": str(tree.resolve()), "OMP_NUM_THREADS": "1"}
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=tree, env=env)
    if done.returncode != 0 or f"built {n}:" not in done.stdout:
        raise SystemExit(f"bench_cache: the run of {n} in {tree} failed:\n{done.stderr[-2000:]}")
    out = {}
    for name, pattern in _LINES.items():
        found = pattern.search(done.stderr)
        if found is None:
            raise SystemExit(f"bench_cache: no {name!r} in cachegrind's summary")
        out[name] = int(found.group(1).replace(",", ""))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument(
        "--cache-mib", type=int, default=32, help="last-level cache, MiB (a power of two)"
    )
    parser.add_argument("--base", type=Path, default=Path("data/scenarios/national.toml"))
    parser.add_argument("--trees", type=Path, nargs="+", default=[HERE.parents[1]])
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        build(args.worker, args.base)
    mib = args.cache_mib
    if mib < 1 or mib & (mib - 1):
        parser.error(f"--cache-mib must be a power of two (cachegrind's sets), got {mib}")
    if min(args.sizes) < 1:
        parser.error(f"--sizes must be at least 1 technician, got {args.sizes}")
    if shutil.which("valgrind") is None:
        raise SystemExit("bench_cache: needs valgrind (Debian package valgrind)")
    print(f"cache: L1 32 KiB, last level {mib} MiB; load {os.getloadavg()[0]:.1f}", flush=True)
    for tree in args.trees:
        totals = {}
        for n in [0, *args.sizes]:
            started = time.perf_counter()
            totals[n] = counted(tree, n, args.base, mib)
            print(f"{tree} n={n}: {time.perf_counter() - started:.0f} s under valgrind", flush=True)
        _table(tree, totals, sorted(args.sizes))


def _table(tree: Path, totals: dict[int, dict[str, int]], sizes: list[int]) -> None:
    small = sizes[0]
    per = {n: {c: (totals[n][c] - totals[0][c]) / n for c in COUNTS} for n in sizes}
    print(f"\n{tree}: per technician, construction (the imports subtracted)\n")
    print("| count | " + " | ".join(f"{n:,d}" for n in sizes) + " | ratios to the smallest |")
    print("|---|" + "---|" * len(sizes) + "---|")
    for c in COUNTS:
        ratios = " ".join(
            f"{per[n][c] / per[small][c]:.2f}" if per[small][c] > 0 else "-" for n in sizes[1:]
        )
        cells = " | ".join(_count(per[n][c]) for n in sizes)
        print(f"| {c} | {cells} | {ratios} |")


def _count(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.1f}"


if __name__ == "__main__":
    main()
