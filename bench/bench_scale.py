"""Scale benchmark (issue 19): cost per technician-day as the company grows.

``large.toml`` with only ``workforce.technicians`` changed (same city, same demand per
technician), at several sizes (default 1,000, 3,000 and 10,000), in three parts, each in a
fresh process. ``--region grow`` grows the city with the company instead (side
``∝ √n``: the density of technicians and of demand stays that of the base scenario, as in
``national.toml``); ``--region scale`` also scales the city's zones and its traffic
incidents with it (the base scenario's map, shrunk or stretched: the same company at every
size, since zone radii are in km); ``--base`` takes another base scenario. An incident
slows a whole zone, and scaled zones hold the same share of the company at every size, so
``--region scale`` keeps the base's incident count (``--incidents zone``, the default: the
same traffic per technician); ``--incidents area`` scales the count with the area instead
(sessions 9 and 10: at 3,000 technicians each technician then met 3x the incident-minutes
of the 1,000-technician company, and 14 % more insertion searches):

* ``world``: ``World(...)`` with policy baseline (construction: demand, workforce, the
  pre-day booking), then ``world.run()`` (the world alone);
* ``direct``: a fresh world with policy brain and the brain's day in a plain loop
  (``run_direct_loop``);
* ``bytewax``: the same day in the Bytewax closed loop (``run_closed_loop``).

CPU time (``time.process_time``, all threads of the process) is the measure, since the
machine is shared; wall time and the 1-minute load average are printed next to it. With
``--repeats R`` every part runs R times (trees interleaved in each round) and the run
with the least CPU time is kept: contention on a shared machine only ever adds time. A
round measures every size back to back, and each round's ratio of the largest size's cost
per technician-day to the smallest's is printed with the rounds' median: the machine's
speed drifts by a third within the hour, and the least of each size may come from
different moments. Each line also carries the SHA-256 of the day's log as ``twin run``
writes it and the peak resident memory. ``--trees`` runs the same parts against other
checkouts (the ``PYTHONPATH`` of each worker process), interleaved size by size, so that
an old and a new tree are compared in one run under the same load; the logs must then be
byte-identical.

Per part and tree the table gives ms of CPU per technician-day at each size and the
exponent ``b`` of a least-squares fit ``cpu = a · n^b`` (1.0: linear in the company).

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_scale.py [--sizes 1000 3000 10000]
[--trees /tmp/old .] [--labels old new] [--parts world direct bytewax] [--repeats 1]
[--base data/scenarios/large.toml] [--region fixed|grow|scale] [--incidents zone|area]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

HERE = Path(__file__).resolve()
PARTS = ("world", "direct", "bytewax")


# ---------------------------------------------------------------- one part, in a worker
def _digest(events: Sequence[Any]) -> str:
    from twin import events as ev

    h = hashlib.sha256()
    for line in ev.to_lines(events):
        h.update(line.encode("utf-8") + b"\n")
    return h.hexdigest()


def _scaled(base: Path, n: int, region: str, incidents: str = "zone", **changes: Any) -> Any:
    """The base scenario at ``n`` technicians (and, with ``region == "grow"``, a city whose
    area grows with them), with ``changes``; ``incidents``: with ``region == "scale"``, the
    base's count ("zone") or a count in proportion to the area ("area")."""
    if incidents not in ("zone", "area"):
        msg = f"incidents must be 'zone' or 'area', got {incidents!r}"
        raise ValueError(msg)
    from twin.config import load_scenario

    sc = load_scenario(base)
    over = {"workforce.technicians": n, **changes}
    if region in ("grow", "scale"):
        grown = round(sc.city.size_km * math.sqrt(n / sc.workforce.technicians), 1)
        over["city.size_km"] = grown
    if region == "scale":  # the whole map scaled: zones in proportion
        k = grown / sc.city.size_km
        over["city.zones"] = [
            {**z.model_dump(), "outer_radius_km": round(z.outer_radius_km * k, 3)}
            for z in sc.city.zones
        ]
        if incidents == "area":  # zone-wide incidents per km²: more per technician as n grows
            over["traffic.incidents_per_day"] = sc.traffic.incidents_per_day * k * k
    return sc.with_overrides(**over)


def _builders(
    tree: Path, n: int, part: str, base: Path, region: str, incidents: str = "zone"
) -> tuple[Any, Any, Any]:
    """(make world, make brain, loop) for the tree importable here: this tree's wiring, or
    the pre-wiring API of older trees (``twin.runner``), so both can be timed side by side."""
    brain = part != "world"
    try:
        from twin.app.wiring import build_brain, build_world
        from twin.stream.connectors.bridge import run_closed_loop, run_direct_loop

        sc = _scaled(base, n, region, incidents, **{"policy.brain": brain})
        make_world, make_brain = (
            (lambda seed: build_world(sc, seed)),
            (lambda world: build_brain(world.company)),
        )
    except ImportError:  # a tree from before twin.app.wiring
        from twin.runner import brain_params, dispatcher_factory  # type: ignore[import-not-found]
        from twin.stream.loop import (  # type: ignore[import-not-found]
            run_closed_loop,
            run_direct_loop,
        )

        from twin.sim.world import World

        dispatcher = "brain" if brain else "baseline"
        sc = _scaled(base, n, region, incidents, **{"policy.dispatcher": dispatcher})
        make_world = lambda seed: World(sc, dispatcher_factory(sc), seed)  # noqa: E731
        make_brain = lambda world: brain_params(sc, world.specs)  # noqa: E731
    return make_world, make_brain, run_direct_loop if part == "direct" else run_closed_loop


def _count_searches() -> list[float]:
    """[count, CPU s] of the dispatcher's insertion searches (``best_insertion`` calls
    through ``twin.models.routing.dispatch``) in this process; stays 0 in trees without it."""
    count = [0.0, 0.0]
    try:
        from twin.models.routing import dispatch
    except ImportError:
        return count
    inner = getattr(dispatch, "best_insertion", None)
    if inner is None:
        return count

    def counted(*args: Any, **kwargs: Any) -> Any:
        count[0] += 1
        c = time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            count[1] += time.process_time() - c

    dispatch.best_insertion = counted  # type: ignore[attr-defined]
    return count


def measure(
    tree: Path, n: int, part: str, seed: int, base: Path, region: str, incidents: str = "zone"
) -> dict[str, Any]:
    """One part at ``n`` technicians on the ``twin`` importable here (the worker's tree)."""
    make_world, make_brain, loop = _builders(tree, n, part, base, region, incidents)
    searches = _count_searches()
    c0, w0 = time.process_time(), time.perf_counter()
    world = make_world(seed)
    c1, w1 = time.process_time(), time.perf_counter()
    built_searches, built_search_cpu = searches
    if part == "world":
        events = world.run()
        c2, w2 = c1, w1
    else:
        params = make_brain(world)
        c2, w2 = time.process_time(), time.perf_counter()
        events = loop(world, params).events
    c3, w3 = time.process_time(), time.perf_counter()
    return {
        "n": n,
        "part": part,
        "build_cpu": c1 - c0,
        "build_wall": w1 - w0,
        "day_cpu": c3 - c2,
        "day_wall": w3 - w2,
        "events": len(events),
        "day_searches": int(searches[0] - built_searches),
        "day_search_cpu": searches[1] - built_search_cpu,
        "sha256": _digest(events),
        "load1": os.getloadavg()[0],
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


# ---------------------------------------------------------------- the driver
def run_worker(
    tree: Path, n: int, part: str, seed: int, base: Path, region: str, incidents: str = "zone"
) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(tree), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, str(HERE), "--worker", str(tree), str(n), part, str(seed)]
    cmd += [str(base), region, incidents]
    done = subprocess.run(cmd, env=env, cwd=tree, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        msg = f"worker {tree} n={n} part={part} failed:\n{done.stderr[-3000:]}"
        raise RuntimeError(msg)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _least(kept: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """Per field, the repeat with the least CPU (construction and day apart); a log that
    differs between repeats is an error."""
    if kept is None:
        return new
    if kept["sha256"] != new["sha256"]:
        msg = f"n={new['n']} {new['part']}: the log differs between repeats"
        raise RuntimeError(msg)
    out = dict(kept)
    for stage in ("build", "day"):
        if new[f"{stage}_cpu"] < kept[f"{stage}_cpu"]:
            out[f"{stage}_cpu"], out[f"{stage}_wall"] = new[f"{stage}_cpu"], new[f"{stage}_wall"]
            if stage == "day":  # the kept day's share in searches
                out["day_search_cpu"] = new.get("day_search_cpu", 0.0)
    out["peak_mb"] = max(kept["peak_mb"], new["peak_mb"])
    out["load1"] = max(kept["load1"], new["load1"])
    return out


def exponent(sizes: Sequence[int], cpu: Sequence[float]) -> float:
    """``b`` of the least-squares fit ``log cpu = log a + b log n``."""
    xs, ys = [math.log(n) for n in sizes], [math.log(c) for c in cpu]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx


def _columns(r: dict[str, Any]) -> list[tuple[str, float, float]]:
    """(measure, CPU s, wall s) of one worker's result."""
    if r["part"] == "world":
        return [("construction", r["build_cpu"], r["build_wall"]), ("world alone", *_day(r))]
    label = "brain day, direct" if r["part"] == "direct" else "brain day, Bytewax"
    return [(label, *_day(r))]


def _day(r: dict[str, Any]) -> tuple[float, float]:
    return r["day_cpu"], r["day_wall"]


def report(results: dict[tuple[str, int, str], dict[str, Any]], args: argparse.Namespace) -> None:
    from _common import md_table

    rows, by_measure = [], {}
    for (label, n, _part), r in results.items():
        for name, cpu, wall in _columns(r):
            by_measure.setdefault((name, label), []).append((n, cpu))
            rows.append(
                [
                    name,
                    label,
                    f"{n:,d}",
                    f"{cpu:.2f}",
                    f"{wall:.2f}",
                    f"{1000 * cpu / n:.2f}",
                    f"{r['load1']:.1f}",
                    f"{r['peak_mb']:.0f}",
                    f"{r['events']:,d}",
                    r["sha256"][:12],
                ]
            )
    rows.sort(key=lambda row: (row[0], row[1], int(row[2].replace(",", ""))))
    head = ["measure", "tree", "technicians", "CPU s", "wall s", "CPU ms / tech-day"]
    head += ["load avg", "peak MB", "events", "log sha256"]
    city = {
        "fixed": "same city",
        "grow": "city grows with the company",
        "scale": "city and zones scaled with the company, incidents "
        + ("per area" if args.incidents == "area" else "as the base's"),
    }[args.region]
    print(f"\n### Scale: {args.base.name} ({city}), seed {args.seed}, technicians {args.sizes}\n")
    print(md_table(head, rows))
    fits = []
    for (name, label), points in sorted(by_measure.items()):
        sizes, cpu = [n for n, _ in points], [c for _, c in points]
        per = [1000 * c / n for n, c in points]
        fits.append(
            [name, label, f"{exponent(sizes, cpu):.2f}", f"{per[-1] / per[0]:.2f}"]
            if len(points) > 1
            else [name, label, "–", "–"]
        )
    span = f"{args.sizes[-1]:,d} / {args.sizes[0]:,d}"
    print(f"\nFitted exponent b of CPU = a·n^b, and cost per technician-day {span}:\n")
    print(md_table(["measure", "tree", "exponent b", f"per tech-day {span}"], fits))
    print("\nWork in the day per technician (insertion searches: the dispatcher's, world and")
    print("brain), the day's CPU per event, and the CPU of one search and of all:\n")
    work = [
        [
            _columns(r)[-1][0],
            label,
            f"{n:,d}",
            f"{r['events'] / n:.1f}",
            f"{r.get('day_searches', 0) / n:.2f}",
            f"{1e6 * r['day_cpu'] / r['events']:.1f}",
            f"{1e3 * r['day_search_cpu'] / r['day_searches']:.3f}"
            if r.get("day_searches")
            else "–",
            f"{100 * r.get('day_search_cpu', 0.0) / r['day_cpu']:.0f} %",
        ]
        for (label, n, _part), r in sorted(results.items(), key=lambda kv: (kv[0][2], kv[0]))
    ]
    head = ["measure", "tree", "technicians", "events / tech", "searches / tech"]
    print(md_table([*head, "CPU µs / event", "CPU ms / search", "searches' share"], work))
    labels = list(dict.fromkeys(label for label, _, _ in results))
    if len(labels) > 1:
        same = all(
            len({results[(lb, n, p)]["sha256"] for lb in labels}) == 1
            for n in args.sizes
            for p in args.parts
        )
        print(f"\nLogs byte-identical across trees ({', '.join(labels)}): {same}")


def report_rounds(
    rounds: dict[tuple[str, str, int], dict[int, dict[str, Any]]], args: argparse.Namespace
) -> None:
    """Each round's cost per technician-day at the largest size over the smallest, and their
    median: sizes measured back to back, so a machine whose speed drifts over minutes moves
    both sides of a ratio (the least of each size may come from different moments)."""
    from _common import md_table

    lo, hi = args.sizes[0], args.sizes[-1]
    ratios: dict[tuple[str, str], list[float]] = {}
    for (label, _part, _rep), by_n in rounds.items():
        for (name, c_lo, _), (_, c_hi, _) in zip(
            _columns(by_n[lo]), _columns(by_n[hi]), strict=True
        ):
            ratios.setdefault((name, label), []).append((c_hi / hi) / (c_lo / lo))
    rows = [
        [name, label, " ".join(f"{x:.2f}" for x in xs), f"{statistics.median(xs):.2f}"]
        for (name, label), xs in sorted(ratios.items())
    ]
    print(f"\nPer round, cost per tech-day {hi:,d} / {lo:,d} (sizes back to back), and median:\n")
    print(md_table(["measure", "tree", "rounds", "median"], rows))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        tree, n, part, seed = Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
        base, region, incidents = Path(sys.argv[6]), sys.argv[7], sys.argv[8]
        print(json.dumps(measure(tree, n, part, seed, base, region, incidents)))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 3000, 10000])
    parser.add_argument("--base", type=Path, default=HERE.parents[1] / "data/scenarios/large.toml")
    parser.add_argument(
        "--region",
        choices=("fixed", "grow", "scale"),
        default="fixed",
        help="city size as n grows",
    )
    parser.add_argument(
        "--incidents",
        choices=("zone", "area"),
        default="zone",
        help="with --region scale: the base's incident count, or one per area",
    )
    parser.add_argument("--trees", type=Path, nargs="+", default=[HERE.parents[1]])
    parser.add_argument("--labels", nargs="+", default=None)
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=1, help="runs per part; least CPU kept")
    args = parser.parse_args()
    labels = args.labels or [str(t) for t in args.trees]
    if len(labels) != len(args.trees):
        parser.error(f"--labels: {len(labels)} given for {len(args.trees)} --trees")
    if sorted(args.sizes) != args.sizes or args.sizes[0] < 1:
        parser.error(f"--sizes must be increasing and >= 1, got {args.sizes}")
    if args.repeats < 1:
        parser.error(f"--repeats must be >= 1, got {args.repeats}")
    base = args.base.resolve()  # one file for every tree (older trees lack national.toml)
    started = time.perf_counter()
    results: dict[tuple[str, int, str], dict[str, Any]] = {}
    rounds: dict[tuple[str, str, int], dict[int, dict[str, Any]]] = {}
    for part in args.parts:
        for rep in range(args.repeats):
            for n in args.sizes:  # a round: every size back to back, trees interleaved
                for tree, label in zip(args.trees, labels, strict=True):
                    r = run_worker(
                        tree.resolve(), n, part, args.seed, base, args.region, args.incidents
                    )
                    print(
                        f"{label} n={n} {part} #{rep + 1}: build {r['build_cpu']:.2f} s CPU, "
                        f"day {r['day_cpu']:.2f} s CPU ({r['day_wall']:.2f} s wall), load "
                        f"{r['load1']:.1f}, {r['peak_mb']:.0f} MB, log {r['sha256'][:12]}",
                        flush=True,
                    )
                    results[(label, n, part)] = _least(results.get((label, n, part)), r)
                    rounds.setdefault((label, part, rep), {})[n] = r
    report(results, args)
    if len(args.sizes) > 1:
        report_rounds(rounds, args)
    print(f"\nbench_scale: {time.perf_counter() - started:.0f} s in total, cpus {os.cpu_count()}")


if __name__ == "__main__":
    main()
