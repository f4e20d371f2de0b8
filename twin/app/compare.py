"""What-if comparisons: arms of one base scenario, run on common seeds, in parallel, stored.

Arms (:mod:`twin.app.arms`) are the base scenario plus knob overrides. Every arm runs on
the same seeds ``1..N``: seed ``s`` gives every arm the same customers, true durations
and traffic (common random numbers), so the differences between arms come from the
policy, and :mod:`twin.analysis.stats` can pair them by seed.

Runs are independent, so they go to an executor. Anything shaped like
:class:`concurrent.futures.Executor` works (the seam is :data:`ExecutorFactory`); the default
runs in this process, one run after the other, for one worker, and on an embedded Dask
cluster of worker processes for more (:mod:`twin.app.cluster`; ``scheduler`` names an
existing Dask cluster instead). The task (:func:`execute`) and its result are plain
picklable values, a run's result depends on its task alone (so any executor gives the
serial path's bits), and only the calling process writes to the run store.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, as_completed, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from twin.analysis.kpi import Kpis
from twin.app.arms import Arm
from twin.config import Scenario, validate

if TYPE_CHECKING:  # the store pulls in DuckDB, which `twin run` never needs
    from twin.app.store import RunStore

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]
ExecutorFactory = Callable[[int], Executor]


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
    if scenario.period.days > 1:  # a period: its days' KPIs pooled (twin.analysis.period_kpis)
        from twin.app.period import run_period

        week = run_period(scenario, task.seed, None, report=False, keep_log=True)
        return RunOutput(task, week.pooled, week.wall_s, week.log_lines)
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


def default_executor(workers: int, scheduler: str | None = None) -> Executor:
    """In this process for one worker; else an embedded Dask cluster of ``workers``
    processes, closed with the executor; with ``scheduler``, that Dask cluster."""
    if scheduler is None and workers <= 1:
        return InlineExecutor()
    from twin.app.cluster import dask_executor

    return dask_executor(workers, scheduler)


def outputs(
    pool: Executor, tasks: Sequence[RunTask], cancel: threading.Event | None = None
) -> Iterator[RunOutput]:
    """The tasks' outputs as they finish (in this process: one by one, so progress moves).
    Once ``cancel`` is set no more are yielded (within a quarter of a second); the caller
    cancels what is still pending by shutting ``pool`` down."""
    if isinstance(pool, InlineExecutor):
        for task in tasks:
            if cancel is not None and cancel.is_set():
                return
            yield pool.submit(execute, task).result()
        return
    futures: list[Future[RunOutput]] = [pool.submit(execute, t) for t in tasks]
    if cancel is None:
        for future in as_completed(futures):
            yield future.result()
        return
    pending = set(futures)
    while pending and not cancel.is_set():
        done, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
        for future in done:
            yield future.result()


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
    cancel: threading.Event | None = None,
) -> ComparisonResult:
    """Run every arm on every seed and store each run as it finishes.

    ``arms`` are :class:`Arm` (applied to ``base``) or ``(Arm, scenario)`` pairs (a full
    scenario per arm, as ``twin compare A.toml B.toml`` gives). ``store`` is a
    :class:`twin.store.RunStore`. The first arm is the reference of the statistics.
    Setting ``cancel`` stops it: the runs still pending are cancelled, those stored stay,
    and the comparison's status becomes ``cancelled``.
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
    try:
        for done, out in enumerate(outputs(pool, tasks, cancel), start=1):
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
        store.set_status(cid, "failed", f"{type(exc).__name__}: {exc}")
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if cancel is not None and cancel.is_set() and len(run_ids) < len(tasks):
        store.set_status(cid, "cancelled", f"cancelled after {len(run_ids)} of {len(tasks)} runs")
    else:
        store.set_status(cid, "done")
    wall = time.perf_counter() - started
    return ComparisonResult(cid, tuple(labels), tuple(seeds), run_ids, wall)
