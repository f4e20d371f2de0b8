"""A dispatcher training session end to end: ``twin train`` on an exercise, the desk's
view and queue, the trainee's actions (answering a call, moving a visit, a warning), the
desk page in Chromium, and the debrief against the autopilot with each decision priced."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.api.served import KEY, ROOT, Served, job
from tests.ui.conftest import CHROMIUM, CHROMIUM_ARGS
from twin.app.store import RunStore
from twin.app.training.exercise import load_exercise
from twin.app.training.stored import debriefs
from twin.config import ConfigError

EXERCISE = """
name = "test-exercise"
title = "A sick technician and a call"
difficulty = 2
scenario = "{scenario}"
seed = 5
goals = ["Answer the call", "Re-plan T001's visits"]

[[disturbance]]
at = "08:40"
kind = "sick"
technicians = ["T001"]
note = "T001 calls in sick."

[[disturbance]]
at = "09:05"
kind = "call"
customer_id = "C-CALLER"
x = 4.0
y = 6.0
note = "A customer asks for a repair today."
"""


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


def test_a_session_from_desk_to_debrief(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    served = Served(tmp_path)  # writes the scenario the exercise names
    exercise = tmp_path / "exercise.toml"
    exercise.write_text(EXERCISE.format(scenario=served.scenario))
    served = Served(tmp_path, exercise=exercise).start("--paused")
    try:
        served.run_until("09:20")
        desk = served.api("GET", "/desk").json()
        kinds = {q["kind"] for q in desk["queue"]}
        assert {"call", "absence"} <= kinds, desk["queue"]
        call = next(q for q in desk["queue"] if q["kind"] == "call")
        assert desk["assistance"] == "suggest" and call["suggestion"]
        offers = served.api(
            "POST",
            "/offers",
            {"channel": "call_centre", "job": job(customer_id="C-CALLER", x=4.0, y=6.0)},
        ).json()["offers"]
        start, end = offers[0]["local"].split("–")
        body = {
            "channel": "call_centre",
            "call_id": call["call_id"],
            "window_start": start,
            "window_end": end,
            "job": job(customer_id="C-CALLER", x=4.0, y=6.0),
        }
        assert served.api("POST", "/bookings", body).status_code == 201
        assert not any(q["kind"] == "call" for q in served.api("GET", "/desk").json()["queue"])
        tech = next(t for t in desk["technicians"] if t["available"] and t["route"])
        other = next(t for t in desk["technicians"] if t["available"] and t["id"] != tech["id"])
        vid = tech["route"][-1]["visit_id"]
        moved = served.api(
            "POST", "/dispatch/move", {"visit_id": vid, "technician_id": other["id"], "position": 0}
        )
        assert moved.status_code == 200, moved.text
        after = served.api("GET", "/desk").json()
        assert vid in [
            s["visit_id"]
            for t in after["technicians"]
            if t["id"] == other["id"]
            for s in t["route"]
        ]
        refused = served.api(
            "POST", "/dispatch/move", {"visit_id": "V999", "technician_id": other["id"]}
        )
        assert refused.status_code == 409 and "not open" in refused.json()["reason"]
        orphan = next(q for q in after["queue"] if q["kind"] == "unassigned")
        applied = orphan["apply"]  # the planner's place for a sick colleague's visit
        assert (
            applied["path"] == "/dispatch/move"
            and applied["body"]["visit_id"] == orphan["visit_id"]
        )
        assert f"give it to {applied['body']['technician_id']} " in orphan["suggestion"]
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{served.base}/desk")
            page.fill("#key", KEY)
            page.dispatch_event("#key", "change")
            page.wait_for_selector("#nowline", state="attached")
            assert page.inner_text("#title") == "A sick technician and a call"
            assert page.locator("#map rect").count() == len(desk["technicians"])
            assert "absence" in page.inner_text("#queue")
            page.click(f"#queue .unassigned[data-i='{after['queue'].index(orphan)}'] button.apply")
            page.wait_for_function(
                "(t) => document.getElementById('answer').textContent.includes(t)",
                arg=f"moved {orphan['visit_id']}",
            )
            page.screenshot(path=str(tmp_path / "desk.png"))
            browser.close()
        assert errors == []
        assert served.finish() == 0
    finally:
        served.stop()
    cmd = [sys.executable, "-c", "import sys; from twin.cli import main; sys.exit(main())",
           "train", "--debrief", str(served.state), "--effects",
           "--store", str(tmp_path / "store.duckdb")]  # fmt: skip
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "score" in done.stdout and "autopilot" in done.stdout
    assert f"move {vid} to {other['id']}" in done.stdout
    assert "book" in done.stdout  # the answered call, priced both ways
    brief = json.loads((served.state / "debrief.json").read_text())
    assert brief["exercise"] == "test-exercise" and len(brief["decisions"]) == 3
    journal = [json.loads(x) for x in (served.state / "requests.jsonl").read_text().splitlines()]
    by_hand = [e for e in journal if e.get("by") == "trainee"]  # the applied suggestion too
    assert {k: by_hand[-1][k] for k in ("kind", *applied["body"])} == {
        "kind": "move",
        **applied["body"],
    }
    assert brief["decisions"][-1]["what"].startswith(f"move {orphan['visit_id']} to ")
    stored = debriefs(RunStore(tmp_path / "store.duckdb"), "test-exercise")
    assert [(d.trainee, round(d.score, 1)) for d in stored] == [("state", brief["score"])]
    log = [json.loads(x) for x in (served.out / "events.jsonl").read_text().splitlines()]
    assert any(e["type"] == "technician_unavailable" and e["technician_id"] == "T001" for e in log)
