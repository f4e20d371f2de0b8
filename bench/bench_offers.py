"""The offers path of the live service in one process, without HTTP (issue 15).

A served day of the default scenario with ``--technicians`` technicians runs to
``--from`` (local time); then, tick after tick for ``--ticks`` ticks, ``--per-tick``
offers are asked, each answered twice on the same plan: as the tree before session 9 did
(``outside.offers`` on the live plan under the day's lock, today only) and as now
(:meth:`LiveDay.offers`: today's windows on the copy of the plan, else later working days'
from the booking horizon). The two must agree wherever today has a window (checked).

Reported: p50/p95/p99 of each path in ms of CPU-bound wall time, split by whether today
had a window, and how long each tick holds the day's lock (what an offer used to wait
for when it came during a tick); the same in CPU time of this process (``cpu_*``: robust
against a loaded machine, where wall times stretch).

``--book``: each new-path answer's best offer is booked (today, or ahead on its day), as
bench_serve.py's bookers do, so the day and the book of later days fill as over HTTP.
Another tree's code is measured with the same script: ``PYTHONPATH=<tree>``.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_offers.py [--technicians 200] [--book]``
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from pathlib import Path

from twin.app.live import LiveDay
from twin.app.live.requests import job_of
from twin.config import load_scenario
from twin.models.booking.ahead import AheadOffer
from twin.models.routing.dispatch import NoOffer, SlotOffer
from twin.sim import outside

ROOT = Path(__file__).resolve().parents[1]


def _pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))] if s else float("nan")


def _old(day: LiveDay, job: outside.JobRequest) -> tuple[list[SlotOffer] | NoOffer, float, float]:
    """The offers as the tree before session 9 answered them: on the live plan, under the
    day's lock, today only (wall and CPU ms)."""
    t0, c0 = time.perf_counter(), time.process_time()
    with day.lock:
        found = outside.offers(day.world, job, 5)
    return found, (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000


def _book(day: LiveDay, job: dict[str, object], best: AheadOffer) -> None:
    """Book ``best`` as a booker of bench_serve.py does (ahead: on its day)."""
    o = best.offer
    record = {"kind": "book", "channel": "portal", "job": job,
              "window": [o.window_start, o.window_end]}  # fmt: skip
    if best.day > 0:
        record["day"] = best.day
    day.request(record)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--technicians", type=int, default=200)
    ap.add_argument("--from", dest="start", type=float, default=8.5, help="local hour")
    ap.add_argument("--ticks", type=int, default=30)
    ap.add_argument("--per-tick", type=int, default=10)
    ap.add_argument("--book", action="store_true", help="book each answer's best offer")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-offers-"))
    toml = (ROOT / "data/scenarios/default.toml").read_text()
    toml = re.sub(r"(?m)^technicians = \d+", f"technicians = {args.technicians}", toml)
    (tmp / "s.toml").write_text(toml)
    scenario = load_scenario(tmp / "s.toml")
    day = LiveDay(scenario, None, tmp / "state")
    while day.now < args.start * 60 and day.tick():
        pass
    size = scenario.city.size_km
    keys = ("old_today", "old_none", "new_today", "new_later", "tick")
    times: dict[str, list[float]] = {k: [] for k in keys + tuple(f"cpu_{k}" for k in keys)}
    n = 0
    for _ in range(args.ticks):
        t0, c0 = time.perf_counter(), time.process_time()
        day.tick()
        times["tick"].append((time.perf_counter() - t0) * 1000)
        times["cpu_tick"].append((time.process_time() - c0) * 1000)
        for _ in range(args.per_tick):
            n += 1
            record = {"customer_id": f"C{n}", "job_type": "repair", "x": (n * 3.7) % size,
                      "y": (n * 5.3) % size, "available_until": 1440.0,
                      "available_from": 0.0}  # fmt: skip
            job = job_of({"job": record, "channel": "portal"})
            # each path goes first every other time (the first warms shared look-ups)
            old, old_ms, old_cpu = _old(day, job) if n % 2 else (None, 0.0, 0.0)
            t0, c0 = time.perf_counter(), time.process_time()
            new = day.offers(job, 5)
            new_ms = (time.perf_counter() - t0) * 1000
            new_cpu = (time.process_time() - c0) * 1000
            if old is None:
                old, old_ms, old_cpu = _old(day, job)
            today = not isinstance(old, NoOffer)
            for k, ms, cpu in (
                ("old_" + ("today" if today else "none"), old_ms, old_cpu),
                ("new_" + ("today" if today else "later"), new_ms, new_cpu),
            ):
                times[k].append(ms)
                times["cpu_" + k].append(cpu)
            if not isinstance(old, NoOffer) and scenario.policy.planner == "insertion":
                assert new == [AheadOffer(0, o) for o in old], (old, new)
            if args.book and not isinstance(new, NoOffer):
                _book(day, record, new[0])
    print(f"# offers path, {args.technicians} technicians, from {args.start:g} h, "
          f"{args.ticks} ticks x {args.per_tick} offers")  # fmt: skip
    print("| path | n | p50 ms | p95 ms | p99 ms |")
    print("|---|---|---|---|---|")
    for k, xs in times.items():
        cells = " | ".join(f"{_pct(xs, q):.1f}" for q in (0.5, 0.95, 0.99))
        print(f"| {k} | {len(xs)} | {cells} |")


if __name__ == "__main__":
    main()
