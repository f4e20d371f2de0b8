"""``twin run --days N`` end to end: the period's folder, its KPIs, each day in the store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import SCENARIOS
from twin import events as ev
from twin.analysis.kpi import Kpis, compute_kpis
from twin.app.store import RunStore
from twin.cli import main
from twin.config import load_scenario


def test_run_days_writes_every_day_and_the_period(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, db = tmp_path / "week", tmp_path / "runs.duckdb"
    code = main(
        ["run", "--scenario", str(SCENARIOS / "small.toml"), "--days", "2", "--seed", "3",
         "--out", str(out), "--store", str(db)]
    )  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "2 working days" in printed and "Time to service" in printed
    period = json.loads((out / "period.json").read_text())
    assert [d["date"] for d in period["days"]] == ["2026-11-23", "2026-11-24"]
    assert period["kpis"]["accounted"] is True
    days = sorted((out / "days").iterdir())
    assert len(days) == 2
    for k, folder in enumerate(days):
        events = ev.read_log(folder / "events.jsonl")
        day = load_scenario(SCENARIOS / "small.toml").with_overrides(date=period["days"][k]["date"])
        kpis = json.loads((folder / "kpis.json").read_text())
        assert kpis == compute_kpis(events, day).to_dict()
        assert period["days"][k]["visits_attended"] == kpis["visits_attended"]
    # the period's log holds every day's lines, ids unique over the period
    lines = (out / "events.jsonl").read_text().splitlines()
    assert len(lines) == sum(len((d / "events.jsonl").read_text().splitlines()) for d in days)
    ids = [json.loads(x)["id"] for x in lines]
    assert len(set(ids)) == len(ids)
    stored = RunStore(db).runs()
    assert len(stored) == 2


def test_run_days_refuses_nonsense(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(["run", "--days", "0", "--no-store", "--out", str(tmp_path / "x")])
    assert code != 0
    assert "period.days" in capsys.readouterr().out


def test_a_period_folder_can_be_run_into_again(tmp_path: Path) -> None:
    out = tmp_path / "week"
    args = ["run", "--scenario", str(SCENARIOS / "small.toml"), "--days", "2", "--no-store",
            "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    first = (out / "period.json").read_text()
    assert main(args) == 0
    assert (out / "period.json").read_text() == first


def test_the_period_report_draws_the_week(tmp_path: Path) -> None:
    out = tmp_path / "week"
    args = ["run", "--scenario", str(SCENARIOS / "small.toml"), "--days", "2", "--no-store",
            "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    page = (out / "report.html").read_text()
    for heading in ("Visits of each day by fate", "Backlog", "Time to service", "working day"):
        assert heading in page
    assert page.count("<script") >= 4 and "<script src=" not in page  # offline: inline


def test_compare_over_days_stores_each_arms_week(tmp_path: Path) -> None:
    from twin.analysis.period_kpis import pool_kpis
    from twin.app.period import run_period

    db = tmp_path / "runs.duckdb"
    small = SCENARIOS / "small.toml"
    code = main(["compare", str(small), str(SCENARIOS / "small_more_techs.toml"), "--days",
                 "2", "--seeds", "1", "--workers", "1", "--store", str(db)])  # fmt: skip
    assert code == 0
    store = RunStore(db)
    runs = store.runs()
    assert len(runs) == 2
    by_arm = store.kpis_by_arm(runs[0].comparison_id)
    week = run_period(load_scenario(small).with_overrides(**{"period.days": 2}), 1, None)
    assert by_arm["small"][1] == week.pooled
    days = [Kpis(**{k: v for k, v in d.items() if k not in ("day", "date")}) for d in week.days]
    assert week.pooled == pool_kpis(days)
