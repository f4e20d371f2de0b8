"""A dispatcher training session end to end: ``twin train`` on an exercise, the desk's
view and queue, the trainee's actions (answering a call, moving a visit, a warning), the
desk page in Chromium, and the debrief against the autopilot with each decision priced."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.api.served import ROOT
from tests.api.training_day import TrainingDay
from twin.app.store import RunStore
from twin.app.training.exercise import load_exercise
from twin.app.training.stored import debriefs
from twin.config import ConfigError


def test_shipped_exercises_load_and_bad_ones_are_refused(tmp_path: Path) -> None:
    names = sorted(p.stem for p in (ROOT / "data" / "exercises").glob("*.toml"))
    assert len(names) >= 5
    for name in names:
        load_exercise(str(ROOT / "data" / "exercises" / f"{name}.toml")).load_scenario()
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\ntitle = "x"\ndifficulty = 9\ngoals = ["g"]\n')
    with pytest.raises(ConfigError, match="difficulty"):
        load_exercise(str(bad))


def test_assistance_levels_are_checked(tmp_path: Path) -> None:
    from twin.app.training.session import Session

    exercise = load_exercise(str(ROOT / "data" / "exercises" / "calm-day.toml"))
    with pytest.raises(ValueError, match="allowed: none, suggest, autopilot"):
        Session(exercise, tmp_path, assistance="everything")
    assert Session(exercise, tmp_path / "a", assistance="autopilot").autopilot


def test_a_session_from_desk_to_debrief(training_day: TrainingDay) -> None:
    """The day of :mod:`tests.api.training_day` at 09:20 (suggestions on), through the
    API and the desk page, then debriefed by the CLI with each decision priced."""
    seen, served = training_day.seen, training_day.served
    desk = seen["desk"]
    kinds = {q["kind"] for q in desk["queue"]}
    assert {"call", "absence"} <= kinds, desk["queue"]
    call = seen["call"]
    assert desk["assistance"] == "suggest" and call["suggestion"]
    assert seen["booked"].status_code == 201
    assert not any(q.get("call_id") == call["call_id"] for q in seen["queue after booking"])
    vid, other = seen["moved visit"], seen["other"]
    assert seen["moved"].status_code == 200, seen["moved"].text
    assert vid in [
        s["visit_id"] for t in seen["after"]["technicians"] if t["id"] == other["id"]
        for s in t["route"]
    ]  # fmt: skip
    refused = seen["refused move"]
    assert refused.status_code == 409 and "not open" in refused.json()["reason"]
    orphan = seen["orphan"]
    applied = orphan["apply"]  # the planner's place for a sick colleague's visit
    assert applied["path"] == "/dispatch/move" and applied["body"]["visit_id"] == orphan["visit_id"]
    assert f"give it to {applied['body']['technician_id']} " in orphan["suggestion"]
    assert seen["title"] == "A sick technician, two calls and an emergency"
    assert seen["map squares"] == len(desk["technicians"])
    assert "absence" in seen["queue text"]
    assert seen["applied"].startswith(f"moved {orphan['visit_id']}")
    assert seen["finished"] == 0
    done = training_day.cli
    assert done is not None and done.returncode == 0, done and done.stdout + done.stderr
    assert "score" in done.stdout and "autopilot" in done.stdout
    assert f"move {vid} to {other['id']}" in done.stdout
    assert "book" in done.stdout  # the answered call, priced both ways
    brief = json.loads((served.state / "debrief.json").read_text())
    assert brief["exercise"] == "test-exercise" and len(brief["decisions"]) == 6
    journal = [json.loads(x) for x in (served.state / "requests.jsonl").read_text().splitlines()]
    by_hand = [e for e in journal if e.get("by") == "trainee"]  # a move, V999, the applied
    assert (
        by_hand[2]["kind"] == "move"
        and {k: by_hand[2][k] for k in applied["body"]} == applied["body"]
    )
    assert brief["decisions"][2]["what"].startswith(f"move {orphan['visit_id']} to ")
    stored = debriefs(RunStore(served.tmp / "store.duckdb"), "test-exercise")
    assert [(d.trainee, round(d.score, 1)) for d in stored] == [("state", brief["score"])]
    log = [json.loads(x) for x in (served.out / "events.jsonl").read_text().splitlines()]
    assert any(e["type"] == "technician_unavailable" and e["technician_id"] == "T001" for e in log)
