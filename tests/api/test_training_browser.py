"""A trainee plays an exercise in headless Chromium at the desk (the day of
:mod:`tests.api.training_day`): accepts an emergency onto a technician, moves a sick
colleague's visit, offers a calling customer one of the planner's slots, meets a refusal
with its reason, opens the debrief with each decision priced; the day is finished, and
the debrief's numbers are checked against KPIs computed directly from the two logs (the
trainee's on disk, the autopilot's day on the same random numbers)."""

from __future__ import annotations

import json

from tests.api.training_day import TrainingDay
from twin import events as ev
from twin.analysis.kpi import Kpis, compute_kpis
from twin.app.training.exercise import load_exercise
from twin.app.training.session import autopilot_day


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
        "refused emergencies": -10.0
        * max(0, trainee.emergencies_refused - auto.emergencies_refused),
    }


def test_a_trainee_plays_an_exercise_in_the_browser(training_day: TrainingDay) -> None:
    seen, served, errors = training_day.seen, training_day.served, training_day.errors
    neither, unknown = seen["neither"], seen["unknown"]
    assert neither.status_code == 422 and "exactly one of visit_id" in neither.text
    assert unknown.status_code == 409 and "A0009 is no emergency waiting" in unknown.text
    assert seen["emergency picked"] == "A0003"
    refused = [e for e in errors if "409 (Conflict)" in e]  # the refused action's answer
    assert len(refused) == 1 and len(errors) == 1, errors
    timeline = seen["timeline"]
    assert "Score" in seen["debrief text"]
    assert seen["bars"] == len(timeline) == 6
    assert seen["finished"] == 0
    journal = [json.loads(x) for x in (served.state / "requests.jsonl").read_text().splitlines()]
    trainee_kinds = [(e["kind"], e["outcome"]) for e in journal if e.get("by") == "trainee"]
    assert trainee_kinds == [
        ("move", "moved"),  # at 09:20 (tests/api/test_training.py): by hand,
        ("move", "refused"),  # V999,
        ("move", "moved"),  # and by applying the autopilot's suggestion
        ("make_room", "refused"),
        ("accept", "accepted"),
        ("accept", "refused"),
        ("move", "moved"),
    ]  # the calls' bookings came through the booking API
    done = training_day.cli
    assert done is not None and done.returncode == 0, done and done.stdout + done.stderr
    brief = json.loads((served.state / "debrief.json").read_text())

    ex = load_exercise(str(training_day.exercise))
    scenario = ex.load_scenario()
    mine, bad = ev.read_events(served.out / "events.jsonl")
    assert bad == []
    auto_log = served.tmp / "autopilot.jsonl"
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
    kinds = ["book", "move", "move", "accept", "move", "book"]
    assert [d["kind"] for d in brief["decisions"]] == kinds
