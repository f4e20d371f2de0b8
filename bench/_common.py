"""Helpers shared by the benchmarks: scenarios, timers, arms on seeds, tables.

The machine is shared and noisy, so every speed figure of these benchmarks is printed next
to a baseline measured in the same run; the helpers here only measure and format.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import logging
import os
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

from twin import events as ev
from twin.analysis.kpi import KPI_SPECS, Kpis
from twin.analysis.stats import format_difference, format_estimate, summarise
from twin.app.compare import default_executor
from twin.config import Scenario, load_scenario
from twin.models.routing.dispatch import Dispatcher, NoOffer, Routes, SlotOffer
from twin.models.routing.plan import BreakRule, PlanState, VisitTask
from twin.models.routing.travel import TravelModel

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "data" / "scenarios"

DispatcherFactory = Callable[[TravelModel, BreakRule], Dispatcher]


def load_module(name: str, path: Path) -> ModuleType:
    """The module in file ``path`` (e.g. another tree's step), loaded as ``name`` beside this
    tree's: for benchmarks that run old and new code in one process."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def scenario(name: str, **overrides: Any) -> Scenario:
    """``data/scenarios/<name>.toml`` with dotted-path overrides; relative history files
    (``policy.*_history``, ``policy.eta_calibration``) are resolved against the
    repository, so runs do not depend on the working directory."""
    sc = load_scenario(SCENARIOS / f"{name}.toml")
    for key, value in sc.policy.model_dump().items():
        is_file = key.endswith("_history") or key == "eta_calibration"
        if is_file and value and not Path(value).is_absolute():
            overrides.setdefault(f"policy.{key}", str(ROOT / value))
    return sc.with_overrides(**overrides) if overrides else sc


class TimedDispatcher:
    """A dispatcher that adds the wall time of each call to ``seconds[method]``.

    Only for dispatchers without a ``plan_day`` (the world looks that method up with
    ``getattr``; hiding it would change the world's behaviour).
    """

    def __init__(self, inner: Dispatcher) -> None:
        if callable(getattr(inner, "plan_day", None)):
            msg = f"TimedDispatcher: {type(inner).__name__} has plan_day, which is not timed"
            raise ValueError(msg)
        self.inner = inner
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def _done(self, method: str, started: float) -> None:
        self.seconds[method] += time.perf_counter() - started
        self.calls[method] += 1

    def offers(
        self, state: PlanState, request: VisitTask, windows: Sequence[tuple[float, float]]
    ) -> list[SlotOffer] | NoOffer:
        started = time.perf_counter()
        try:
            return self.inner.offers(state, request, windows)
        finally:
            self._done("offers", started)

    def insert(self, state: PlanState, visit: VisitTask) -> Routes | NoOffer:
        started = time.perf_counter()
        try:
            return self.inner.insert(state, visit)
        finally:
            self._done("insert", started)

    def repair(self, state: PlanState, reason: str, orphans: Sequence[str]) -> Routes:
        started = time.perf_counter()
        try:
            return self.inner.repair(state, reason, orphans)
        finally:
            self._done("repair", started)

    def total(self) -> float:
        return sum(self.seconds.values())

    def snapshot(self) -> dict[str, tuple[float, int]]:
        return {m: (self.seconds[m], self.calls[m]) for m in ("offers", "insert", "repair")}


def timed(factory: DispatcherFactory) -> Callable[[TravelModel, BreakRule], TimedDispatcher]:
    """``factory`` whose dispatchers are wrapped in :class:`TimedDispatcher`."""

    def make(travel: TravelModel, brk: BreakRule) -> TimedDispatcher:
        return TimedDispatcher(factory(travel, brk))

    return make


def digest(events: Iterable[ev.Event]) -> str:
    """A short fingerprint of a log (ids, types, times): equal logs, equal digests."""
    h = hashlib.sha256()
    for e in events:
        h.update(f"{e.id}|{e.TYPE}|{e.time.isoformat()}\n".encode())
    return h.hexdigest()[:12]


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def spread(values: Sequence[float]) -> str:
    """``median`` or ``median (min–max)`` when there are several repeats."""
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def md_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table (pasted into bench/RESULTS.md as printed)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def arms_parser(doc: str | None) -> argparse.ArgumentParser:
    """The options every arms-on-seeds benchmark takes: ``--seeds`` (1..N), ``--workers``
    and ``--scenario``."""
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scenario", type=Path, default=SCENARIOS / "default.toml")
    return parser


def run_one(scenario_json: str, seed: int) -> tuple[Kpis, float]:
    """KPIs and wall seconds of one run (in a worker process)."""
    from twin.app.run import run_scenario
    from twin.config import validate

    logging.basicConfig(level=logging.WARNING)
    result = run_scenario(validate(json.loads(scenario_json)), seed, report=False)
    return result.kpis, result.wall_s


def run_arms(
    arms: Mapping[str, Scenario], seeds: Sequence[int], workers: int
) -> tuple[dict[str, dict[int, Kpis]], dict[str, list[float]]]:
    """Every arm on every seed (common random numbers) in ``workers`` processes; KPIs and
    wall times by arm."""
    pool = default_executor(workers)
    futures = {
        (arm, seed): pool.submit(run_one, scn.model_dump_json(), seed)
        for seed in seeds
        for arm, scn in arms.items()
    }
    kpis: dict[str, dict[int, Kpis]] = {a: {} for a in arms}
    walls: dict[str, list[float]] = {a: [] for a in arms}
    try:
        for (arm, seed), fut in futures.items():
            k, wall = fut.result()
            kpis[arm][seed] = k
            walls[arm].append(wall)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return kpis, walls


def paired_table(by_arm: Mapping[str, Mapping[int, Kpis]], shown: Sequence[str]) -> str:
    """Markdown: per KPI in ``shown``, each arm's mean with its 95 % CI, then each later
    arm's paired difference to the first arm (:func:`twin.stats.summarise`)."""
    specs = [s for s in KPI_SPECS if s.name in shown]
    arms = list(by_arm)
    head = ["KPI", *(f"{a} (mean ± 95 % CI)" for a in arms)]
    head += [f"{a} − {arms[0]}" for a in arms[1:]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in summarise(by_arm, specs):
        cells = [row.spec.label]
        cells += [format_estimate(row.spec, e) for e in row.estimates]
        cells += [format_difference(row.spec, d) for d in row.differences[1:] if d is not None]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
