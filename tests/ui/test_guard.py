"""The cockpit's server-side bounds, without a browser: counts, budgets, deletions."""

from __future__ import annotations

from pathlib import Path

import pytest

from twin.app.compare import Arm
from twin.app.run import run_scenario
from twin.app.store import RunStore
from twin.config import ConfigError, Scenario
from twin.ui.guard import (
    MAX_RUNS,
    RateLimit,
    check_job_size,
    delete_one,
    store_id,
    whole_number,
)
from twin.ui.jobs import Jobs


@pytest.mark.parametrize("raw", [None, "", "abc", 0, 51, 2.5, True, "1e9", float("inf"), [3]])
def test_whole_number_refuses(raw: object) -> None:
    with pytest.raises(ConfigError, match=r"seeds: choose a whole number from 1 to 50"):
        whole_number("seeds", raw, 1, 50)


@pytest.mark.parametrize(("raw", "value"), [(3, 3), ("3", 3), (" 50 ", 50), (7.0, 7)])
def test_whole_number_accepts(raw: object, value: int) -> None:
    assert whole_number("seeds", raw, 1, 50) == value


def test_job_budget(tiny: Scenario) -> None:
    big = Arm("big", {"workforce.technicians": 20_000})
    with pytest.raises(ConfigError, match=r"26 arms x 50 seeds = 1300 simulated days"):
        check_job_size(tiny, [big] * 26, 50)
    with pytest.raises(ConfigError, match=r"4,000,000 technician-days"):
        check_job_size(tiny, [big] * 4, 50)
    check_job_size(tiny, [Arm("base")] * 4, MAX_RUNS // 4)  # 4 technicians: within budget
    week = tiny.with_overrides(**{"period.days": 5})  # a run of a period counts its days
    with pytest.raises(ConfigError, match=r"4 arms x 25 seeds x 5 days = 500 simulated days"):
        check_job_size(week, [Arm("base")] * 4, 25)
    with pytest.raises(ConfigError, match=r"technician-days .* x 10 seeds x 5 days\)"):
        check_job_size(week, [Arm("big", {"workforce.technicians": 1000})] * 5, 10)


def test_rate_limit_slides_over_a_minute() -> None:
    now = [0.0]
    limit = RateLimit(3, clock=lambda: now[0])
    assert [limit.take() for _ in range(4)] == [True, True, True, False]
    now[0] = 59.9
    assert not limit.take()
    now[0] = 60.0  # the three of t = 0 have left the window; the refused one never counted
    assert [limit.take() for _ in range(4)] == [True, True, True, False]


def test_store_ids() -> None:
    assert store_id("r20261123T081500-1a2b3c") == "r20261123T081500-1a2b3c"
    for bad in ("../x", "r20261123T081500-1a2b3c; DROP", None, 5, ["r"], "*"):
        assert store_id(bad) is None


def test_deletions_are_one_by_one_and_budgeted(tmp_path: Path, tiny: Scenario) -> None:
    store = RunStore(tmp_path / "s.duckdb")
    day = run_scenario(tiny, 3, None, report=False)
    ids = [
        store.add_run(scenario=tiny, seed=3, kpis=day.kpis, wall_s=1.0, log_lines=["{}"])
        for _ in range(3)
    ]
    budget = RateLimit(2, clock=lambda: 0.0)
    assert not delete_one(store, {"type": "runs-delete-run", "id": "*"}, budget=budget)
    assert not delete_one(store, {"type": "runs-delete-all", "id": ids[0]}, budget=budget)
    assert delete_one(store, {"type": "runs-delete-run", "id": ids[0]}, budget=budget)
    assert delete_one(store, {"type": "runs-delete-run", "id": ids[1]}, budget=budget)
    with pytest.raises(ConfigError, match="at most 2 deletions a minute"):
        delete_one(store, {"type": "runs-delete-run", "id": ids[2]}, budget=budget)
    assert [r.id for r in store.runs()] == [ids[2]]


def test_a_running_comparison_is_not_deleted_and_jobs_are_capped(
    tmp_path: Path, tiny: Scenario
) -> None:
    store = RunStore(tmp_path / "s.duckdb")
    jobs = Jobs(store, workers=0)
    first = jobs.start(tiny, [Arm("A"), Arm("B")], [1, 2])
    jobs.start(tiny, [Arm("A")], [1, 2])
    with pytest.raises(ConfigError, match="2 comparisons are running"):
        jobs.start(tiny, [Arm("A")], [1])
    with pytest.raises(ConfigError, match="still running"):
        delete_one(store, {"type": "runs-delete-comparison", "id": first}, jobs=jobs)
    jobs.join(120)
    assert delete_one(store, {"type": "runs-delete-comparison", "id": first}, jobs=jobs)
    jobs.start(tiny, [Arm("A")], [1])  # room again
    jobs.join(120)


def test_the_same_comparison_twice_is_one_job(tmp_path: Path, tiny: Scenario) -> None:
    jobs = Jobs(RunStore(tmp_path / "s.duckdb"), workers=0)
    first = jobs.start(tiny, [Arm("A"), Arm("B")], [1])
    with pytest.raises(ConfigError, match=f"the same comparison is already running \\({first}"):
        jobs.start(tiny, [Arm("A"), Arm("B")], [1])
    assert jobs.latest_running("compare") == first
    assert jobs.latest_running("sweep") is None
    jobs.join(120)
    assert jobs.latest_running() is None
    jobs.start(tiny, [Arm("A"), Arm("B")], [1])  # finished: the same may run again
    jobs.join(120)
