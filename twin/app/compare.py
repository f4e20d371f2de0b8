"""What-if comparisons: arms of one base scenario, run on common seeds, in parallel, stored.

An *arm* is the base scenario plus policy-knob overrides (dotted paths, as for
:meth:`Scenario.with_overrides`). Every arm runs on the same seeds ``1..N``: seed ``s`` gives
every arm the same customers, true durations and traffic (common random numbers), so the
differences between arms come from the policy, and :mod:`twin.analysis.stats` can pair them by seed.

Changing the number of technicians keeps the *demand* of the base scenario: the world draws
``technicians x visits_per_technician`` requests, so the arm's ``visits_per_technician`` is
rescaled to keep the day's request count (and so the very same requests) unchanged.

Runs are independent, so they go to an executor. Anything shaped like
:class:`concurrent.futures.Executor` works (the seam is :data:`ExecutorFactory`); the default
is a ``ProcessPoolExecutor`` on this machine, or in-process for one worker. To scale a sweep
out, pass e.g. ``lambda n: dask.distributed.Client(address).get_executor()``: the task
(:func:`execute`) and its result are plain picklable values, and only the calling process
writes to the run store.
"""

from __future__ import annotations

import itertools
import json
import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from twin.analysis.kpi import Kpis
from twin.config import ConfigError, Scenario, validate

if TYPE_CHECKING:  # the store pulls in DuckDB, which `twin run` never needs
    from twin.app.store import RunStore

log = logging.getLogger(__name__)

KnobKind = Literal["int", "float", "bool", "choice", "widths"]
ProgressFn = Callable[[int, int], None]
ExecutorFactory = Callable[[int], Executor]


@dataclass(frozen=True, slots=True)
class Knob:
    """A policy lever a manager can pull; ``path`` is the scenario field it sets."""

    name: str
    label: str
    path: str
    kind: KnobKind
    help: str
    choices: tuple[str, ...] = ()

    def get(self, scenario: Scenario) -> Any:
        node: Any = scenario
        for part in self.path.split("."):
            node = getattr(node, part)
        return node

    def parse(self, raw: Any) -> Any:
        """A value from user input (text, number, bool); ConfigError naming the field if bad."""
        try:
            return _parse(self, raw)
        except (TypeError, ValueError):
            msg = f"{self.path}: {_EXPECTED[self.kind]}, got {raw!r}"
            raise ConfigError(msg) from None

    def show(self, value: Any) -> str:
        if self.kind == "bool":
            return "on" if value else "off"
        if self.kind == "widths":
            return "/".join(f"{float(w):g}" for w in value) + " h"
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)


_EXPECTED = {
    "int": "expected a whole number",
    "float": "expected a number",
    "bool": "expected on/off",
    "choice": "expected one of the listed choices",
    "widths": "expected window widths in hours, e.g. 2, 4, 8",
}


def _parse(knob: Knob, raw: Any) -> Any:
    if knob.kind == "int":
        if isinstance(raw, bool) or raw is None or raw == "":
            raise ValueError(raw)
        value = float(raw)
        if value != int(value):
            raise ValueError(raw)
        return int(value)
    if knob.kind == "float":
        if isinstance(raw, bool) or raw is None or raw == "":
            raise ValueError(raw)
        return float(raw)
    if knob.kind == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("on", "true", "yes", "1"):
            return True
        if text in ("off", "false", "no", "0"):
            return False
        raise ValueError(raw)
    if knob.kind == "choice":
        if raw not in knob.choices:
            raise ValueError(raw)
        return raw
    parts = raw if isinstance(raw, list | tuple) else str(raw).replace("/", ",").split(",")
    widths = tuple(float(p) for p in parts if str(p).strip())
    if not widths or min(widths) <= 0:
        raise ValueError(raw)
    return widths


KNOBS: tuple[Knob, ...] = (
    Knob(
        "planner",
        "Planner",
        "policy.planner",
        "choice",
        "who books and plans: cheapest insertion, or PowerOpt (daily plan, ranked offers)",
        ("insertion", "poweropt"),
    ),
    Knob(
        "brain",
        "Streaming brain",
        "policy.brain",
        "bool",
        "live ETAs, delay alerts, customer notifications and replanning during the day",
    ),
    Knob(
        "technicians",
        "Technicians",
        "workforce.technicians",
        "int",
        "technicians on shift (the demand stays the base scenario's)",
    ),
    Knob(
        "window_widths_h",
        "Window widths offered (h)",
        "policy.window_widths_h",
        "widths",
        "appointment window widths offered to customers",
    ),
    Knob(
        "same_day_acceptance",
        "Same-day acceptance",
        "policy.same_day_acceptance",
        "bool",
        "accept same-day requests",
    ),
    Knob(
        "emergency_displacement",
        "Emergencies make room",
        "policy.emergency_displacement",
        "bool",
        "an emergency nobody can fit takes the place of a lower-priority visit",
    ),
    Knob(
        "defer_unreachable",
        "Move visits that no longer fit",
        "policy.defer_unreachable",
        "bool",
        "the brain moves a visit its technician can no longer reach today, with an apology",
    ),
    Knob(
        "replanning",
        "Replanning",
        "policy.replanning",
        "bool",
        "repair the plan when a delay is detected",
    ),
    Knob(
        "delay_threshold",
        "Replanning threshold",
        "policy.delay_threshold",
        "float",
        "probability of lateness that triggers an alert (0-1)",
    ),
    Knob(
        "notifications",
        "Customer notifications",
        "policy.notifications",
        "bool",
        "send on-the-way and delay messages",
    ),
    Knob(
        "best_match_weight",
        "Best-match weight",
        "policy.best_match_weight",
        "float",
        "preference for the technician customers rated best (0-100)",
    ),
    Knob(
        "overtime_allowed_min",
        "Overtime allowance (min)",
        "policy.overtime_allowed_min",
        "float",
        "minutes past shift end a plan may use (0-240)",
    ),
    Knob(
        "weight_travel",
        "Planner weight: travel",
        "policy.weights.travel",
        "float",
        "PowerOpt: cost of a minute of driving (minute-equivalents, 0-100)",
    ),
    Knob(
        "weight_lateness",
        "Planner weight: lateness",
        "policy.weights.lateness",
        "float",
        "PowerOpt: cost of a minute a visit starts after its window (0-100)",
    ),
    Knob(
        "weight_overtime",
        "Planner weight: overtime",
        "policy.weights.overtime",
        "float",
        "PowerOpt: cost of a minute past the regular shift end (0-100)",
    ),
    Knob(
        "weight_balance",
        "Planner weight: workload balance",
        "policy.weights.balance",
        "float",
        "PowerOpt: cost per squared hour of route span; spreads the work (0-100)",
    ),
    Knob(
        "duration_model",
        "Duration model",
        "policy.duration_model",
        "bool",
        "predict visit durations with the learned model",
    ),
)
KNOBS_BY_NAME: dict[str, Knob] = {k.name: k for k in KNOBS}
KNOBS_BY_PATH: dict[str, Knob] = {k.path: k for k in KNOBS}


@dataclass(frozen=True, slots=True)
class Arm:
    """A labelled variant of the base scenario: ``overrides`` maps dotted paths to values."""

    label: str
    overrides: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "overrides": dict(self.overrides)}

    def scenario(self, base: Scenario) -> Scenario:
        return arm_scenario(base, self.overrides)


def arm_scenario(base: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """``base`` with ``overrides``; a technician count change keeps the base's request count."""
    changes = dict(overrides)
    techs = changes.get("workforce.technicians")
    if techs is not None and "demand.visits_per_technician" not in changes:
        base.with_overrides(**{"workforce.technicians": techs})  # precise error first
        requests = base.workforce.technicians * base.demand.visits_per_technician
        per_tech = requests / int(techs)
        if per_tech > 30:
            msg = (
                f"workforce.technicians: {techs} technicians cannot take the base demand of "
                f"{requests:.0f} requests (at most 30 each)"
            )
            raise ConfigError(msg)
        changes["demand.visits_per_technician"] = per_tech
    return base.with_overrides(**changes) if changes else base


def knob_error(base: Scenario, knob: Knob, raw: Any) -> str | None:
    """The message to show next to a knob's field, or None when the value is valid."""
    try:
        arm_scenario(base, {knob.path: knob.parse(raw)})
    except ConfigError as exc:
        return str(exc).replace("invalid scenario:\n  ", "")
    return None


def arm_label(overrides: Mapping[str, Any]) -> str:
    """``technicians 10, replanning off`` (``base`` for no overrides)."""
    parts = []
    for path, value in overrides.items():
        knob = KNOBS_BY_PATH.get(path)
        name = knob.name.replace("_", " ") if knob else path
        parts.append(f"{name} {knob.show(value) if knob else value}")
    return ", ".join(parts) or "base"


def sweep_arms(grid: Mapping[str, Sequence[Any]]) -> list[Arm]:
    """One arm per combination of the knob values in ``grid`` (path -> values)."""
    paths = list(grid)
    return [
        Arm(arm_label(dict(zip(paths, combo, strict=True))), dict(zip(paths, combo, strict=True)))
        for combo in itertools.product(*(grid[p] for p in paths))
    ]


# ---------------------------------------------------------------- one run, in a worker
@dataclass(frozen=True, slots=True)
class RunTask:
    """What a worker needs: plain values, so any executor can ship it."""

    arm_index: int
    arm: str
    scenario_json: str
    seed: int


@dataclass(frozen=True, slots=True)
class RunOutput:
    task: RunTask
    kpis: Kpis
    wall_s: float
    log_lines: tuple[str, ...]


def execute(task: RunTask) -> RunOutput:
    """Run one arm on one seed (in whatever process the executor chose)."""
    from twin.app.run import run_scenario

    scenario = validate(json.loads(task.scenario_json))
    result = run_scenario(scenario, task.seed, out_dir=None, report=False)
    return RunOutput(task, result.kpis, result.wall_s, result.encoded_log())


class InlineExecutor(Executor):
    """Runs each task at submission, in this process: one worker, no pool to start."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


def default_executor(workers: int) -> Executor:
    """In-process for one worker, else a pool of fresh processes (forkserver: the cockpit
    starts comparisons from a thread, and forking a threaded process is unsafe)."""
    if workers <= 1:
        return InlineExecutor()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    ctx = multiprocessing.get_context("forkserver")
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx)


# ---------------------------------------------------------------- a whole comparison
@dataclass(frozen=True, slots=True)
class ComparisonResult:
    comparison_id: str
    arms: tuple[str, ...]
    seeds: tuple[int, ...]
    run_ids: dict[tuple[int, int], str]  # (arm index, seed) -> run id
    wall_s: float


def run_comparison(
    base: Scenario,
    arms: Sequence[Arm] | Sequence[tuple[Arm, Scenario]],
    seeds: Sequence[int],
    store: RunStore,
    *,
    label: str = "",
    kind: str = "compare",
    workers: int = 1,
    progress: ProgressFn | None = None,
    executor: ExecutorFactory = default_executor,
    comparison_id: str | None = None,
) -> ComparisonResult:
    """Run every arm on every seed and store each run as it finishes.

    ``arms`` are :class:`Arm` (applied to ``base``) or ``(Arm, scenario)`` pairs (a full
    scenario per arm, as ``twin compare A.toml B.toml`` gives). ``store`` is a
    :class:`twin.store.RunStore`. The first arm is the reference of the statistics.
    """
    if len(arms) < 1:
        raise ValueError("a comparison needs at least one arm")
    if not seeds:
        raise ValueError("a comparison needs at least one seed")
    pairs = [a if isinstance(a, tuple) else (a, a.scenario(base)) for a in arms]
    labels = [a.label for a, _ in pairs]
    if len(set(labels)) != len(labels):
        msg = f"arm labels must be unique, got {labels}"
        raise ValueError(msg)
    cid = store.add_comparison(
        label=label or " vs ".join(labels),
        kind=kind,
        base_scenario=base.name,
        arms=[a.to_dict() for a, _ in pairs],
        seeds=list(seeds),
        comparison_id=comparison_id,
    )
    tasks = [
        RunTask(i, arm.label, scenario.model_dump_json(), seed)
        for seed in seeds
        for i, (arm, scenario) in enumerate(pairs)
    ]
    scenarios = [s for _, s in pairs]
    run_ids: dict[tuple[int, int], str] = {}
    started = time.perf_counter()
    if progress is not None:
        progress(0, len(tasks))
    pool = executor(workers)
    futures: list[Future[RunOutput]] = []
    try:
        futures = [pool.submit(execute, t) for t in tasks]
        for done, future in enumerate(as_completed(futures), start=1):
            out: RunOutput = future.result()
            t = out.task
            run_ids[t.arm_index, t.seed] = store.add_run(
                scenario=scenarios[t.arm_index],
                seed=t.seed,
                kpis=out.kpis,
                wall_s=out.wall_s,
                log_lines=out.log_lines,
                comparison_id=cid,
                arm=t.arm,
                arm_index=t.arm_index,
            )
            if progress is not None:
                progress(done, len(tasks))
    except BaseException as exc:
        for f in futures:
            f.cancel()
        store.set_status(cid, "failed", f"{type(exc).__name__}: {exc}")
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    store.set_status(cid, "done")
    wall = time.perf_counter() - started
    return ComparisonResult(cid, tuple(labels), tuple(seeds), run_ids, wall)
