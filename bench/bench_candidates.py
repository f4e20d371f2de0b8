"""Where construction's cost per technician grows with the company (issue 19), stage by stage.

``bench_scale.py`` times construction whole; this splits the booking's insertion search
into its stages, each timed per call in a fresh process per size (the scale bench's
scenario: ``national.toml`` with the map scaled to the company, ``--region scale``):

* ``ranking``: ``CandidateIndex.ranking``, the technicians with the skill nearest the
  visit (the grid's ball; its first call also builds the index, which dominates at a few
  hundred technicians); in trees before the compiled rows ``CandidateIndex.nearest``, with
  the availability check (which the rows' ``pick`` now does inside the look-up);
* ``timelines``: the rest of the candidates' look-up (``look_up``; ``candidate_timelines``
  in trees before the compiled rows), each candidate's state, route and cached timeline
  looked up and checked, and the timelines walked anew (in older trees without
  ``route_timeline`` itself);
* ``route_timeline``: timelines walked anew by ``route_timeline`` (older trees: a route
  changed since it was last priced; with the rows these walks are inside the look-up);
* ``search``: the compiled search that prices and checks every position of the candidates.

Each stage's cost per call and per technician is printed at each size, and the ratio of the
largest size to the smallest per round with the rounds' median (the machine's speed drifts;
a ratio from one round compares sizes measured back to back). The wrappers add two
``perf_counter`` reads per call (~0.1 µs against calls of 10-40 µs). Construction's CPU time
(``time.process_time``) is printed beside them, with the 1-minute load average.

``--trees OLD NEW`` measures other checkouts too (each worker imports the ``twin`` of its
tree), interleaved size by size in every round, as ``bench_scale.py --trees`` does.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_candidates.py [--sizes 1000 10000]
[--rounds 3] [--base data/scenarios/national.toml] [--trees /tmp/old .]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
HERE = Path(__file__).resolve()
STAGES = ("ranking", "timelines", "route_timeline", "search")


def _timed(owner: Any, name: str, label: str, spent: Counter[str], calls: Counter[str]) -> None:
    """Replace ``owner.name`` by a wrapper that adds its wall time to ``spent[label]``."""
    inner, clock = getattr(owner, name), time.perf_counter

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = clock()
        try:
            return inner(*args, **kwargs)
        finally:
            spent[label] += clock() - started
            calls[label] += 1

    setattr(owner, name, timed)


def measure(n: int, base: Path) -> dict[str, Any]:
    """Construction at ``n`` technicians with its stages timed (in this worker process)."""
    sys.path.insert(0, str(HERE.parent))
    from bench_scale import _builders

    from twin.models.routing import dispatch, insertion

    make_world, _, _ = _builders(HERE.parents[1], n, "world", base, "scale")
    spent: Counter[str] = Counter()
    calls: Counter[str] = Counter()
    index = insertion.CandidateIndex
    _timed(index, "ranking" if hasattr(index, "ranking") else "nearest", "ranking", spent, calls)
    _timed(insertion, "route_timeline", "route_timeline", spent, calls)
    _timed(insertion.KERNELS, "best_search", "search", spent, calls)
    # the look-up: look_up with the compiled rows, candidate_timelines in older trees
    lookup = "look_up" if hasattr(dispatch, "look_up") else "candidate_timelines"
    for module in (insertion, dispatch):  # dispatch imported it by name
        _timed(module, lookup, "candidate_timelines", spent, calls)
    cpu = time.process_time()
    world = make_world(1)
    cpu = time.process_time() - cpu
    assert world.routes  # held until here: dropping it inside the timing could free part of it
    # candidate_timelines holds the ranking and the walks: its own part is the rest
    spent["timelines"] = spent["candidate_timelines"] - spent["ranking"] - spent["route_timeline"]
    calls["timelines"] = calls["candidate_timelines"]
    return {
        "n": n,
        "cpu_s": cpu,
        "load": os.getloadavg()[0],
        "stages": {s: {"s": spent[s], "calls": calls[s]} for s in STAGES},
    }


def _worker(n: int, base: Path, tree: Path) -> dict[str, Any]:
    """One size measured in a fresh process on the ``twin`` of ``tree``."""
    cmd = [sys.executable, str(HERE), "--worker", str(n), "--base", str(base.resolve())]
    env = {**os.environ, "PYTHONPATH": str(tree.resolve())}
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=tree, env=env)
    result: dict[str, Any] = json.loads(out.stdout.splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--base", type=Path, default=Path("data/scenarios/national.toml"))
    parser.add_argument(
        "--trees",
        type=Path,
        nargs="+",
        default=[HERE.parents[1]],
        help="checkouts to compare, interleaved in every round (default: this one)",
    )
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(measure(args.worker, args.base)))
        return
    by_tree: dict[Path, list[dict[int, dict[str, Any]]]] = {t: [] for t in args.trees}
    for r in range(args.rounds):
        runs: dict[Path, dict[int, dict[str, Any]]] = {t: {} for t in args.trees}
        for n in args.sizes:
            for tree in args.trees:
                run = runs[tree][n] = _worker(n, args.base, tree)
                print(
                    f"round {r + 1} {tree} n={n}: construction {run['cpu_s']:.2f} s CPU, "
                    f"load {run['load']:.1f}",
                    flush=True,
                )
        for tree in args.trees:
            by_tree[tree].append(runs[tree])
    for tree, rounds in by_tree.items():
        print(f"\n{tree}:")
        _table(rounds, args.sizes)


def _table(rounds: list[dict[int, dict[str, Any]]], sizes: list[int]) -> None:
    """Per stage and size: calls, µs per call and per technician (the round with the least
    of them), and the ratio of the largest size to the smallest per round, with the median."""
    small, large = min(sizes), max(sizes)
    print(
        f"| stage | technicians | calls / tech | µs / call | µs / tech | per tech "
        f"{large:,d} / {small:,d}: rounds; median |"
    )
    print("|---|---|---|---|---|---|")
    for stage in (*STAGES, "construction (CPU)"):
        ratios = []
        for runs in rounds:
            per = {n: _per_tech(runs[n], stage) for n in sizes}
            ratios.append(per[large] / per[small] if per[small] else float("nan"))
        said = " ".join(f"{x:.2f}" for x in ratios) + f"; **{statistics.median(ratios):.2f}**"
        if not any(r == r for r in ratios):  # not called at all (a stage of older trees)
            said = "not called"
        for n in sizes:
            best = min(rounds, key=lambda runs: _per_tech(runs[n], stage))[n]
            if stage in STAGES:
                st = best["stages"][stage]
                per_call = f"{st['s'] / max(st['calls'], 1) * 1e6:.2f}"
                per_tech_calls = f"{st['calls'] / n:.2f}"
            else:
                per_call = per_tech_calls = ""
            print(
                f"| {stage} | {n:,d} | {per_tech_calls} | {per_call} | "
                f"{_per_tech(best, stage):.1f} | {said if n == large else ''} |"
            )


def _per_tech(run: dict[str, Any], stage: str) -> float:
    """µs per technician of ``stage`` in one run (least of the rounds shown per size)."""
    seconds = run["cpu_s"] if stage not in STAGES else run["stages"][stage]["s"]
    return float(seconds) / run["n"] * 1e6


if __name__ == "__main__":
    main()
