"""``twin score`` end to end on a small simulated day with the conventional dispatcher."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import SCENARIOS
from twin.app.scorecards import scorecard, scorecards
from twin.app.store import RunStore
from twin.cli import main

SMALL = str(SCENARIOS / "small.toml")


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The day of production: `twin run --planner insertion --no-brain` (its folder)."""
    out = tmp_path_factory.mktemp("score") / "day"
    code = main(["run", "--scenario", SMALL, "--planner", "insertion", "--no-brain",
                 "--out", str(out), "--no-store"])  # fmt: skip
    assert code == 0
    return out


def said(capsys: pytest.CaptureFixture[str]) -> str:
    """What the command printed, with rich's line wrapping undone."""
    return " ".join(capsys.readouterr().out.split())


def score(*args: str) -> int:
    return main(["score", "--scenario", SMALL, *args])


def test_score_prints_writes_and_stores_the_scorecard(
    production: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    day = tmp_path / "day"
    shutil.copytree(production, day)
    db = tmp_path / "runs.duckdb"
    assert score(str(day / "events.jsonl"), "--store", str(db)) == 0
    shown = said(capsys)
    assert (
        "ETA error" in shown
        and "Delay warnings" in shown
        and "no ETAs sent by: production" in shown
    )
    card = json.loads((day / "scorecard.json").read_text())
    brain, prod = card["etas"]
    assert brain["carried"] and brain["visits"] > 0 and not prod["carried"]
    assert sum(b["samples"] for b in brain["buckets"]) > 0
    notices = {(w["source"], w["kind"]): w for w in card["warnings"]}
    assert notices["brain", "notice"]["carried"] and not notices["production", "notice"]["carried"]
    assert card["late"] == notices["brain", "notice"]["late"] > 0
    assert card["plans"]["replans"] == len(card["plans"]["items"]) > 0
    assert card["input_warnings"] == []  # a clean simulated day
    (stored,) = scorecards(RunStore(db))
    assert stored.card == card and stored.day == "2026-11-23" and stored.scenario_name == "small"
    assert scorecard(RunStore(db), stored.id).log == str(day / "events.jsonl")
    # the run folder still takes a new run (a scorecard is one of a run's files) ...
    assert main(["run", "--scenario", SMALL, "--no-brain", "--out", str(day), "--no-store"]) == 0
    assert not (day / "scorecard.json").exists()


def test_a_replayed_brain_log_gives_the_same_scorecard(production: Path, tmp_path: Path) -> None:
    log = production / "events.jsonl"
    replayed = tmp_path / "replay"
    assert main(["replay", str(log), "--scenario", SMALL, "--out", str(replayed)]) == 0
    here, there = tmp_path / "here.json", tmp_path / "there.json"
    assert score(str(log), "--out", str(here), "--no-store") == 0
    assert score(str(log), "--brain-log", str(replayed), "--out", str(there), "--no-store") == 0
    a, b = json.loads(here.read_text()), json.loads(there.read_text())
    assert a.pop("brain") == "replayed by twin score" and b.pop("brain") == str(replayed)
    assert a == b


def test_wrong_input_is_warned_on_the_scorecard(
    production: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    day = tmp_path / "shifted"
    day.mkdir()
    shutil.copy(production / "roster.json", day)
    text = (production / "events.jsonl").read_text().replace("2026-11-23T", "2026-11-24T")
    stranger = ('{"v":1,"type":"arrived","id":"x1","time":"2026-11-23T09:00:00Z",'
                '"technician_id":"T999","visit_id":null,"x":1.0,"y":2.0}')  # fmt: skip
    (day / "events.jsonl").write_text(text + "not json\n" + stranger + "\n")
    assert score(str(day / "events.jsonl"), "--no-store") == 2  # no completion marker
    assert "--allow-incomplete" in said(capsys)
    assert score(str(day / "events.jsonl"), "--no-store", "--allow-incomplete") == 0
    card = json.loads((day / "scorecard.json").read_text())
    warned = {w["kind"]: w for w in card["input_warnings"]}
    assert set(warned) == {"unreadable", "dead_letters", "dates", "unknown_technicians"}
    assert "off the scenario's day 2026-11-23: 2026-11-24" in warned["dates"]["message"]
    assert warned["unknown_technicians"]["examples"] == ["T999"]
    assert card["visits"] == 0  # nothing booked on the scenario's day: nothing scored
    assert "warning (dates)" in said(capsys)


def test_refusals_name_what_is_wrong(
    production: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "events.jsonl"
    shutil.copy(production / "events.jsonl", log)
    assert score(str(log), "--allow-incomplete", "--no-store") == 2
    assert "not a valid roster file" in said(capsys)
    assert score(str(production / "events.jsonl"), "--bound", "-1", "--no-store") == 2
    assert "--bound must be from 0 to" in said(capsys)
    missing = tmp_path / "nope"
    assert score(str(production / "events.jsonl"), "--brain-log", str(missing), "--no-store") == 2
    assert f"--brain-log: not found (or not a file): {missing}" in said(capsys)


def test_counterfactual_continues_the_day_from_each_replan(
    production: Path, tmp_path: Path
) -> None:
    log = str(production / "events.jsonl")
    out = tmp_path / "card.json"
    assert score(log, "--counterfactual", "--no-plans", "--out", str(out), "--no-store") == 0
    card = json.loads(out.read_text())
    cf = card["counterfactual"]
    # the production day re-simulated is the logged day: the same late visits
    assert cf["production_late_visits"] == card["late"]
    kpis = json.loads((production / "kpis.json").read_text())
    assert cf["production_km"] == pytest.approx(kpis["travel_km"])
    items = cf["items"]
    assert len(items) == cf["avoided_late_visits"]["n"] > 0
    assert all(
        i["avoided_late_visits"] == cf["production_late_visits"] - i["late_visits"] for i in items
    )
    mean = sum(i["saved_km"] for i in items) / len(items)
    assert cf["saved_km"]["mean"] == pytest.approx(mean)
    assert cf["saved_km"]["low"] <= mean <= cf["saved_km"]["high"]
    assert score(log, "--counterfactual", "--seed", "2", "--out", str(out), "--no-store") == 0
    assert (
        "is not the day of scenario 'small', seed 2"
        in json.loads(out.read_text())["counterfactual"]["skipped"]
    )
