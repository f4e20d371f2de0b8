"""A trainee plays an exercise in headless Chromium at the desk (``twin train --assist
none``): accepts an emergency onto a technician, moves a sick colleague's visit, offers a
calling customer one of the planner's slots, meets a refusal with its reason, opens the
debrief; the day is finished, and the debrief's numbers are checked against KPIs computed
directly from the two logs (the trainee's on disk, the autopilot's day on the same random
numbers)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.api.served import KEY, ROOT, Served
from tests.ui.conftest import CHROMIUM, CHROMIUM_ARGS
from twin import events as ev
from twin.analysis.kpi import Kpis, compute_kpis
from twin.app.training.exercise import load_exercise
from twin.app.training.session import autopilot_day

EXERCISE = """
name = "browser-exercise"
title = "A sick technician, an emergency and a call"
difficulty = 3
scenario = "{scenario}"
seed = 5
goals = ["Re-plan T001's visits", "Send somebody to the emergency"]

[[disturbance]]
at = "08:40"
kind = "sick"
technicians = ["T001"]

[[disturbance]]
at = "09:05"
kind = "call"
customer_id = "C-CALLER"
x = 4.0
y = 6.0
note = "A customer asks for a repair today."

[[disturbance]]
at = "09:30"
kind = "emergency"
customer_id = "C-EMERG"
x = 3.0
y = 4.0
note = "Gas smell in a cellar."
"""


def _parts(trainee: Kpis, auto: Kpis) -> dict[str, float]:
    """The score's parts, written out from the debrief's definition (not its code)."""

    def cap(x: float) -> float:
        return max(-20.0, min(20.0, x))

    return {
        "cost": cap((auto.cost_total_eur - trainee.cost_total_eur) / auto.cost_total_eur * 200),
        "punctuality": cap((trainee.punctuality - auto.punctuality) * 100),
        "customer satisfaction": cap(
            (trainee.customer_satisfaction - auto.customer_satisfaction) / 5
        ),
        "employee satisfaction": cap(trainee.employee_satisfaction - auto.employee_satisfaction),
        "emergencies in target": cap(
            (trainee.emergency_within_target - auto.emergency_within_target) * 50
        ),
        "unanswered calls": 0.0,
    }


def _play(served: Served, tmp_path: Path) -> list[list[str]]:
    """Plays the exercise; returns the priced timeline's rows as the desk shows them."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{served.base}/desk")
        page.fill("#key", KEY)
        page.dispatch_event("#key", "change")
        page.wait_for_selector("#queue .emergency")

        def answer_after(click: str, expected: str) -> str:
            page.evaluate("document.getElementById('answer').textContent = ''")
            page.click(click)
            page.wait_for_function(
                "(t) => document.getElementById('answer').textContent.includes(t)",
                arg=expected,
                timeout=20_000,
            )
            return page.inner_text("#answer")

        # the emergency, onto T005 next
        page.click("#queue .emergency >> text=waits for an answer")
        assert page.input_value("#visit") == "A0002"
        page.select_option("#tech", "T005")
        page.fill("#pos", "0")
        answer_after("#do-accept", "accepted A0002")
        answer_after("#do-accept", "is no emergency waiting")  # refused, with the reason
        # one of the sick colleague's visits, to T004
        page.click("#queue .unassigned >> nth=0")
        page.select_option("#tech", "T004")
        page.fill("#pos", "")
        answer_after("#do-move", "moved")
        # the calling customer: the planner's offers, the first taken
        page.click("#queue .call")
        page.wait_for_selector("#call .offer")
        answer_after("#call .offer >> nth=0", "booked")
        page.click("#do-timeline")  # the debrief with each decision priced
        page.wait_for_selector("#timeline", timeout=120_000)
        assert "Score" in page.inner_text("#debrief")
        bars = page.locator("#timeline-chart rect.cost").count()
        rows = page.eval_on_selector_all(
            "#timeline tr",
            "(trs) => trs.slice(1).map((tr) => [...tr.cells].map((c) => c.innerText))",
        )
        page.screenshot(path=str(tmp_path / "desk.png"))
        browser.close()
    refused = [e for e in errors if "409 (Conflict)" in e]  # the refused action's answer
    assert len(refused) == 1 and len(errors) == 1, errors
    assert bars == len(rows) == 3
    return rows


def test_a_trainee_plays_an_exercise_in_the_browser(tmp_path: Path) -> None:
    served = Served(tmp_path)  # writes the scenario the exercise names
    exercise = tmp_path / "exercise.toml"
    exercise.write_text(EXERCISE.format(scenario=served.scenario))
    served = Served(tmp_path, "--assist", "none", exercise=exercise).start("--paused")
    try:
        served.run_until("09:45")
        neither = served.api("POST", "/dispatch/refuse", {"reason": "full"})
        assert neither.status_code == 422 and "exactly one of visit_id" in neither.text
        unknown = served.api(
            "POST", "/dispatch/make-room", {"visit_id": "A0009", "give_way": "V001"}
        )
        assert unknown.status_code == 409 and "A0009 is no emergency waiting" in unknown.text
        timeline = _play(served, tmp_path)
        assert served.finish() == 0
    finally:
        served.stop()
    journal = [json.loads(x) for x in (served.state / "requests.jsonl").read_text().splitlines()]
    trainee_kinds = [(e["kind"], e["outcome"]) for e in journal if e.get("by") == "trainee"]
    assert trainee_kinds == [
        ("make_room", "refused"),
        ("accept", "accepted"),
        ("accept", "refused"),
        ("move", "moved"),
    ]  # the call's booking came through the booking API
    cmd = [sys.executable, "-c", "import sys; from twin.cli import main; sys.exit(main())",
           "train", "--debrief", str(served.state), "--effects", "--no-store"]  # fmt: skip
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    brief = json.loads((served.state / "debrief.json").read_text())

    ex = load_exercise(str(exercise))
    scenario = ex.load_scenario()
    mine, bad = ev.read_events(served.out / "events.jsonl")
    assert bad == []
    auto_log = tmp_path / "autopilot.jsonl"
    auto_log.write_text("".join(x + "\n" for x in ev.to_lines(autopilot_day(ex).world.log)))
    theirs, _ = ev.read_events(auto_log)
    trainee, auto = compute_kpis(mine, scenario), compute_kpis(theirs, scenario)
    rows = {r["kpi"]: r for r in brief["kpis"]}
    assert rows["Total cost (EUR)"]["trainee"] == trainee.cost_total_eur
    assert rows["Total cost (EUR)"]["autopilot"] == auto.cost_total_eur
    assert rows["Punctuality"]["trainee"] == trainee.punctuality
    assert rows["Emergencies in target"]["trainee"] == trainee.emergency_within_target
    assert rows["Emergencies in target"]["autopilot"] == auto.emergency_within_target
    parts = _parts(trainee, auto)
    assert brief["parts"] == {k: round(v, 2) for k, v in parts.items()}
    assert brief["score"] == round(100 + sum(parts.values()), 1)
    assert brief["unanswered_calls"] == 0
    # the desk's timeline (priced at 09:45) is the debrief's at the day's end: a decision is
    # priced by the day continued from it, whatever the trainee did later
    assert [[r[0], r[1], r[3]] for r in timeline] == [
        [f"{int(d['minute']) // 60:02d}:{int(d['minute']) % 60:02d}", d["what"], d["instead"]]
        for d in brief["decisions"]
    ]
    for r, d in zip(timeline, brief["decisions"], strict=True):  # shown rounded to 0 or 1 digit
        for cell, name, digits in ((r[4], "cost_eur", 0), (r[5], "late", 0), (r[6], "km", 1),
                                   (r[7], "points", 1)):  # fmt: skip
            assert abs(float(cell) - d[name]) <= 0.5 * 10**-digits + 1e-9, (name, cell, d)
    assert [d["kind"] for d in brief["decisions"]] == ["accept", "move", "book"]
