from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SCENARIOS
from twin import events as ev
from twin.analysis.kpi import compute_kpis
from twin.app.store import RunStore
from twin.cli import main
from twin.config import DeprecatedSetting, load_scenario


def test_run_writes_log_kpis_report_and_store(tmp_path: Path) -> None:
    out = tmp_path / "out"
    db = tmp_path / "runs.duckdb"
    code = main(
        ["run", "--scenario", str(SCENARIOS / "small.toml"), "--seed", "5", "--brain",
         "--out", str(out), "--store", str(db)]
    )  # fmt: skip
    assert code == 0
    events = ev.read_log(out / "events.jsonl")
    scenario = load_scenario(SCENARIOS / "small.toml").with_overrides(
        **{"seed": 5, "policy.brain": True}
    )
    assert json.loads((out / "kpis.json").read_text()) == compute_kpis(events, scenario).to_dict()
    html = (out / "report.html").read_text()
    assert "ETA accuracy" in html and "Tours" in html
    assert (out / "roster.json").exists() and (out / "ops.jsonl").exists()
    (stored,) = RunStore(db).runs()
    assert stored.seed == 5 and stored.dispatcher == "brain" and stored.n_events == len(events)
    # the seed entered once: the stored scenario and the report name the run's own seed
    assert RunStore(db).scenario(stored.id).seed == 5
    assert "seed 5" in html
    # the store keeps the very lines of the file (the log is encoded once per run)
    assert RunStore(db).log_lines(stored.id) == (out / "events.jsonl").read_text().splitlines()


def test_the_old_policy_option_still_works_with_a_warning(tmp_path: Path) -> None:
    args = ["run", "--scenario", str(SCENARIOS / "small.toml"), "--no-store"]
    with pytest.warns(DeprecatedSetting, match="--planner|policy.planner"):
        assert main([*args, "--policy", "optimised", "--out", str(tmp_path / "old")]) == 0
    new = ["--planner", "poweropt", "--no-brain", "--out", str(tmp_path / "new")]
    assert main([*args, *new]) == 0
    old_log = (tmp_path / "old" / "events.jsonl").read_bytes()
    assert old_log == (tmp_path / "new" / "events.jsonl").read_bytes()
    assert b'"reason":"daily optimisation"' in old_log


def test_bad_scenario_names_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[workforce]\ntechnicians = -3\n")
    assert main(["run", "--scenario", str(bad), "--out", str(tmp_path / "o"), "--no-store"]) == 2
    assert "workforce.technicians" in capsys.readouterr().out


def test_help_explains_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = capsys.readouterr().out
    for option in (
        "--scenario",
        "--seed",
        "--planner",
        "--brain",
        "--out",
        "--store",
        "--no-store",
    ):
        assert option in text


def test_calibrate_eta_writes_a_calibration_the_brain_can_use(tmp_path: Path) -> None:
    from twin.app.wiring import eta_calibration
    from twin.models.eta.calibration import load_calibration

    out = tmp_path / "cal.json"
    code = main(
        ["calibrate-eta", "--scenario", str(SCENARIOS / "small.toml"), "--days", "1",
         "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    cal = load_calibration(out)
    assert cal.scenario == "small" and cal.days == 1 and sum(cal.samples) > 100
    assert 0 <= cal.absent_share < 0.5
    scenario = load_scenario(SCENARIOS / "small.toml").with_overrides(
        **{"policy.eta_calibration": str(out)}
    )
    assert eta_calibration(scenario) == cal


def test_a_missing_eta_calibration_names_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "s.toml"
    text = (SCENARIOS / "small.toml").read_text()
    scenario.write_text(text + f'eta_calibration = "{tmp_path / "missing.json"}"\n')
    args = ["run", "--scenario", str(scenario), "--brain", "--no-store"]
    assert main([*args, "--out", str(tmp_path / "o")]) == 2
    out = capsys.readouterr().out
    assert "policy.eta_calibration" in out and "calibrate-eta" in out


def test_fit_chemistry_writes_a_history_the_planner_can_load(tmp_path: Path) -> None:
    from twin.models.planner import load_chemistry

    out = tmp_path / "feedback.csv"
    args = ["fit-chemistry", "--scenario", str(SCENARIOS / "small.toml"), "--days", "2"]
    assert main([*args, "--out", str(out)]) == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "customer_id,technician_id,rating" and len(lines) > 5
    assert load_chemistry(out).n == len(lines) - 1
    assert main([*args[:-1], "0", "--out", str(out)]) == 2  # --days 0 is refused


def test_kpis_of_a_log_equal_the_runs_own_and_survive_bad_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "day"
    args = ["run", "--scenario", str(SCENARIOS / "small.toml"), "--seed", "3", "--no-store"]
    assert main([*args, "--brain", "--out", str(out)]) == 0
    capsys.readouterr()
    kpis_args = ["kpis", str(out / "events.jsonl"), "--scenario", str(SCENARIOS / "small.toml")]
    assert main([*kpis_args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads((out / "kpis.json").read_text())
    dirty = tmp_path / "dirty.jsonl"
    dirty.write_bytes(b"not json\n\xff\n" + (out / "events.jsonl").read_bytes())
    assert main(["kpis", str(dirty), "--scenario", str(SCENARIOS / "small.toml"), "--json"]) == 0
    shown = capsys.readouterr()
    assert json.loads(shown.out) == json.loads((out / "kpis.json").read_text())
    assert "2 lines skipped" in shown.err
    assert main(["kpis", str(tmp_path / "missing.jsonl")]) == 2
