"""Comparisons: common random numbers across arms, knobs, parallel = serial, stored runs."""

from __future__ import annotations

import re
from concurrent.futures import Future
from pathlib import Path

import pytest

from twin import events as ev
from twin.app.arms import Arm, arm_label, arm_scenario, knob_error, sweep_arms
from twin.app.compare import InlineExecutor, RunTask, execute, run_comparison
from twin.app.knobs import KNOBS_BY_NAME
from twin.app.store import RunStore
from twin.config import ConfigError, Scenario

ROOT = Path(__file__).resolve().parents[2]


def _requests(scenario: Scenario, seed: int) -> list[dict[str, object]]:
    out = execute(RunTask(0, "x", scenario.model_dump_json(), seed))
    reqs = [ev.from_json(line) for line in out.log_lines if '"visit_requested"' in line]
    # the event id is the world's emission counter, which the policy shifts; the content is not
    return [{k: v for k, v in ev.to_dict(r).items() if k != "id"} for r in reqs]


@pytest.mark.parametrize(
    "overrides",
    [
        {"workforce.technicians": 10},
        {"policy.same_day_acceptance": False},
        {"policy.window_widths_h": (4.0, 8.0)},
    ],
)
def test_arms_see_the_same_requests_on_a_seed(small: Scenario, overrides: dict) -> None:  # type: ignore[type-arg]
    base = _requests(small, 2)
    other = _requests(arm_scenario(small, overrides), 2)
    assert base and other == base


def test_another_seed_brings_other_requests(small: Scenario) -> None:
    assert _requests(small, 1) != _requests(small, 2)


def test_technician_knob_keeps_the_base_demand(small: Scenario) -> None:
    s = arm_scenario(small, {"workforce.technicians": 10})
    assert s.workforce.technicians == 10
    assert s.workforce.technicians * s.demand.visits_per_technician == pytest.approx(56)
    with pytest.raises(ConfigError, match="cannot take the base demand"):
        arm_scenario(small, {"workforce.technicians": 1})


def test_knob_values_are_parsed_and_validated(small: Scenario) -> None:
    techs = KNOBS_BY_NAME["technicians"]
    assert techs.parse("12") == 12
    assert KNOBS_BY_NAME["window_widths_h"].parse("2, 4") == (2.0, 4.0)
    assert KNOBS_BY_NAME["replanning"].parse("off") is False
    room = KNOBS_BY_NAME["emergency_displacement"]
    assert room.parse("off") is False and room.get(small) is True
    assert knob_error(small, room, "sometimes") is not None
    assert knob_error(small, techs, "12") is None
    assert (
        knob_error(small, techs, "abc")
        == "workforce.technicians: expected a whole number, got 'abc'"
    )
    msg = knob_error(small, KNOBS_BY_NAME["delay_threshold"], 1.5)
    assert msg is not None and msg.startswith("policy.delay_threshold:") and "1.5" in msg
    assert "planner" in str(knob_error(small, KNOBS_BY_NAME["planner"], "magic"))
    overtime = KNOBS_BY_NAME["weight_overtime"]
    assert knob_error(small, overtime, "8") is None
    msg = knob_error(small, overtime, -1)
    assert msg is not None and msg.startswith("policy.weights.overtime:")
    assert knob_error(small, KNOBS_BY_NAME["planner"], "poweropt") is None


def test_sweep_is_the_grid_of_knob_values() -> None:
    arms = sweep_arms({"workforce.technicians": [8, 10], "policy.replanning": [True, False]})
    assert [a.label for a in arms] == [
        "technicians 8, replanning on",
        "technicians 8, replanning off",
        "technicians 10, replanning on",
        "technicians 10, replanning off",
    ]
    assert arm_label({}) == "base"


def test_comparison_stores_every_arm_and_seed_and_parallel_equals_serial(
    small: Scenario, tmp_path: Path
) -> None:
    arms = [Arm("8 techs"), Arm("10 techs", {"workforce.technicians": 10})]
    seen: list[tuple[int, int]] = []
    serial_store = RunStore(tmp_path / "serial.duckdb")
    serial = run_comparison(small, arms, [1, 2], serial_store, workers=1,
                            progress=lambda d, n: seen.append((d, n)))  # fmt: skip
    assert seen[0] == (0, 4) and seen[-1] == (4, 4)
    assert serial_store.comparison(serial.comparison_id).status == "done"
    by_arm = serial_store.kpis_by_arm(serial.comparison_id)
    assert list(by_arm) == ["8 techs", "10 techs"] and all(len(v) == 2 for v in by_arm.values())
    parallel_store = RunStore(tmp_path / "parallel.duckdb")
    parallel = run_comparison(small, arms, [1, 2], parallel_store, workers=2)
    assert parallel_store.kpis_by_arm(parallel.comparison_id) == by_arm
    rid = serial.run_ids[1, 2]
    assert serial_store.scenario(rid).workforce.technicians == 10


def test_a_failing_run_marks_the_comparison_failed(small: Scenario, tmp_path: Path) -> None:
    class Broken(InlineExecutor):
        def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
            future: Future[object] = Future()
            future.set_exception(RuntimeError("worker died"))
            return future

    store = RunStore(tmp_path / "s.duckdb")
    with pytest.raises(RuntimeError, match="worker died"):
        run_comparison(small, [Arm("a")], [1], store, executor=lambda n: Broken())
    (failed,) = store.comparisons()
    assert (failed.status, failed.message) == ("failed", "RuntimeError: worker died")


def test_cli_compares_two_files_and_stores_them(tmp_path: Path) -> None:
    from twin.cli import main

    db = tmp_path / "cli.duckdb"
    files = [ROOT / "data/scenarios/small.toml", ROOT / "data/scenarios/small_more_techs.toml"]
    argv = ["compare", *map(str, files), "--seeds", "2", "--workers", "1", "--store", str(db)]
    assert main(argv) == 0
    store = RunStore(db)
    (comparison,) = store.comparisons()
    assert comparison.arm_labels == ("small", "small_more_techs")
    assert len(store.runs(comparison.id)) == 4


def test_the_knob_catalogue_is_generated_from_the_scenario_fields() -> None:
    from twin.app.knobs import KNOBS_BY_NAME, field_of, knob_of
    from twin.config import Policy

    planner = KNOBS_BY_NAME["planner"]
    assert planner.kind == "choice" and planner.choices == ("insertion", "poweropt")
    assert planner.help == Policy.model_fields["planner"].description
    assert KNOBS_BY_NAME["weight_travel"].label == field_of("policy.weights.travel").title
    assert KNOBS_BY_NAME["window_widths_h"].kind == "widths"
    assert KNOBS_BY_NAME["technicians"].kind == "int"
    with pytest.raises(ValueError, match="title and a description"):
        knob_of("history", "policy.duration_history")  # a file, not a lever
    with pytest.raises(ValueError, match="not a section"):
        knob_of("x", "policy.planner.deeper")


def test_window_widths_with_a_gap_or_out_of_range_are_refused_with_a_reason(
    small: Scenario,
) -> None:
    from twin.app.knobs import KNOBS_BY_NAME

    widths = KNOBS_BY_NAME["window_widths_h"]
    assert widths.parse("2, 4/8") == (2.0, 4.0, 8.0)
    for raw, says in [
        ("2,,4", "a width is missing next to a comma; give e.g. 2, 4, 8, got '2,,4'"),
        ("2,", "a width is missing next to a comma"),
        ("", "expected window widths in hours"),
        ("inf", "expected window widths in hours"),
        ("-2", "window widths are hours and must be above 0, got '-2'"),
    ]:
        with pytest.raises(ConfigError, match=re.escape(f"policy.window_widths_h: {says}")):
            widths.parse(raw)
    message = knob_error(small, widths, "100")  # parses, but no day has 100 h
    assert message == (
        "policy.window_widths_h.0: allowed: a window width from 0.5 to 24 hours (got 100.0)"
    )


def test_a_cancelled_comparison_keeps_its_stored_runs_and_says_so(
    small: Scenario, tmp_path: Path
) -> None:
    import threading

    store = RunStore(tmp_path / "s.duckdb")
    cancel = threading.Event()
    arms = [Arm("A"), Arm("B", {"workforce.technicians": 10})]

    def progress(done: int, total: int) -> None:
        if done == 2:
            cancel.set()

    result = run_comparison(
        small, arms, [1, 2, 3], store, workers=1, progress=progress, cancel=cancel
    )
    assert len(result.run_ids) == 2 and len(store.runs(result.comparison_id)) == 2
    record = store.comparison(result.comparison_id)
    assert (record.status, record.message) == ("cancelled", "cancelled after 2 of 6 runs")
