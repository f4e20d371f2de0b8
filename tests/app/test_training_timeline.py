"""The debrief's decision timeline: a decision the same as the autopilot's costs exactly
nothing, a refused emergency loses points, and every number is the difference of the two
continued days, which both begin with the trainee's own day up to the decision."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.api.served import SERVED_TOML
from twin import events as ev
from twin.analysis.kpi import compute_kpis
from twin.app.store import RunStore
from twin.app.training.debrief import debrief
from twin.app.training.exercise import Exercise
from twin.app.training.score import score_parts
from twin.app.training.session import Session
from twin.app.training.stored import add_debrief, debriefs
from twin.app.training.timeline import continue_day, decision_timeline, is_decision, unassigned


@pytest.fixture(scope="module")
def exercise(tmp_path_factory: pytest.TempPathFactory) -> Exercise:
    scenario = tmp_path_factory.mktemp("timeline") / "served.toml"
    scenario.write_text(SERVED_TOML)  # the small town with the brain in the loop
    return Exercise.model_validate(
        {
            "name": "timeline",
            "title": "A sick technician, a call and an emergency",
            "difficulty": 2,
            "scenario": str(scenario),
            "seed": 5,
            "goals": ["Send somebody to the emergency"],
            "disturbance": [
                {"at": "08:40", "kind": "sick", "technicians": ["T001"]},
                {"at": "09:05", "kind": "call", "customer_id": "C-CALL", "x": 4.0, "y": 6.0},
                {"at": "09:30", "kind": "emergency", "customer_id": "C-EM", "x": 3.0, "y": 4.0},
            ],
        }
    )


def _at(exercise: Exercise, folder: Path, minute: float = 9 * 60 + 45) -> Session:
    session = Session(exercise, folder, assistance="none")
    while session.day.now < minute and session.day.tick():
        pass
    return session


def _played(
    exercise: Exercise, folder: Path, *actions: dict[str, Any], at: float = 9 * 60 + 45
) -> Session:
    """The trainee's day (no assistance): ``actions`` at ``at``, then nothing more."""
    session = _at(exercise, folder, at)
    for action in actions:
        answer = session.day.request({**action, "by": "trainee"})
        assert answer["status"] != "refused", answer
    session.run_to_end()
    return session


def test_the_autopilots_own_decision_costs_exactly_nothing(
    exercise: Exercise, tmp_path: Path
) -> None:
    session = _played(exercise, tmp_path, {"kind": "accept", "visit_id": "A0002"})
    assert "A0002" in session.day.board.emergencies  # the exercise's emergency
    (decision,) = decision_timeline(session)
    assert (decision.cost_eur, decision.late, decision.km, decision.points) == (0, 0, 0, 0)
    tid = session.day.world.owner("A0002")
    assert decision.instead == f"accept A0002 to {tid}"  # the planner's place, both ways
    assert decision.autopilot.startswith("A0002 ")  # in the autopilot's own day


def test_an_emergency_at_the_end_of_the_busiest_route_costs(
    exercise: Exercise, tmp_path: Path
) -> None:
    """Accepted as it comes in (09:30), but last on the longest route: the autopilot would
    place it where it is reached soon."""
    probe = _at(exercise, tmp_path / "probe", 9 * 60 + 31)
    world = probe.day.world
    busiest = max(
        sorted(world.specs), key=lambda t: (world.status[t].available, len(world.routes[t]))
    )
    bad = {"kind": "accept", "visit_id": "A0002", "technician_id": busiest}
    (decision,) = decision_timeline(_played(exercise, tmp_path / "bad", bad, at=9 * 60 + 31))
    assert (
        decision.instead.startswith("accept A0002 to T")
        and decision.instead != f"accept A0002 to {busiest}"
    )
    assert decision.cost_eur > 0 and decision.late > 0 and decision.points < 0


def test_a_refused_emergency_is_priced_against_the_autopilots_acceptance(
    exercise: Exercise, tmp_path: Path
) -> None:
    refuse = {"kind": "refuse", "visit_id": "A0002", "reason": "no"}
    session = _played(exercise, tmp_path, refuse, at=9 * 60 + 31)
    (decision,) = decision_timeline(session)
    assert decision.kind == "refuse" and decision.instead.startswith("accept A0002 to T")
    entries = list(session.day.journal.entries())
    i = next(i for i, e in enumerate(entries) if is_decision(e))
    mine, auto = (
        continue_day(session, entries[:i], entries[i]),
        continue_day(session, entries[:i], None),
    )
    assert mine.kpis.emergencies_refused == auto.kpis.emergencies_refused + 1
    assert mine.kpis.customer_satisfaction < auto.kpis.customer_satisfaction
    assert decision.points == round(sum(score_parts(mine.kpis, auto.kpis, 0).values()), 2)
    # whatever a refusal saves, it loses the trainee points
    assert score_parts(mine.kpis, auto.kpis, 0)["refused emergencies"] == -10.0
    assert decision.points < 0


def test_the_numbers_are_the_two_continued_days(exercise: Exercise, tmp_path: Path) -> None:
    call = {"kind": "book", "channel": "call_centre", "call_id": "call-1",
            "job": {"customer_id": "C-CALL", "job_type": "repair", "x": 4.0, "y": 6.0,
                    "available_from": 0.0, "available_until": 1440.0}}  # fmt: skip
    probe = _at(exercise, tmp_path / "probe")
    orphan = unassigned(probe.day)[0]  # one of the sick technician's visits
    world = probe.day.world
    skill = world.tasks[orphan].skill
    to = next(t for t, s in sorted(world.specs.items()) if skill in s.skills and t != "T001")
    session = _played(
        exercise,
        tmp_path / "trainee",
        {"kind": "move", "visit_id": orphan, "technician_id": to, "position": 0},
        {**call, "window": [780.0, 900.0]},
    )
    timeline = decision_timeline(session)
    assert [d.kind for d in timeline] == ["move", "book"]
    assert [d.visit_id for d in timeline] == [orphan, "A0001"]
    entries = list(session.day.journal.entries())
    at = [i for i, e in enumerate(entries) if is_decision(e)]
    for decision, i in zip(timeline, at, strict=True):
        mine = continue_day(session, entries[:i], entries[i])
        auto = continue_day(session, entries[:i], None)
        # both begin with the trainee's own day up to the decision (common random numbers)
        before = Session(exercise, tmp_path / f"before-{i}", assistance="none")
        before.day.feed(entries[:i])
        n = len(before.day.world.log)
        assert ev.to_lines(mine.log[:n]) == ev.to_lines(auto.log[:n])
        assert ev.to_lines(mine.log[:n]) == ev.to_lines(session.day.world.log[:n])
        assert ev.to_lines(mine.log) != ev.to_lines(auto.log)  # and then they part
        k_mine, k_auto = (
            compute_kpis(mine.log, session.day.scenario),
            compute_kpis(auto.log, session.day.scenario),
        )
        km = [
            sum(e.distance_km for e in log if isinstance(e, ev.TravelStarted))
            for log in (mine.log, auto.log)
        ]
        assert decision.cost_eur == round(k_mine.cost_total_eur - k_auto.cost_total_eur, 2)
        assert decision.late == k_mine.visits_late - k_auto.visits_late
        assert decision.km == pytest.approx(round(km[0] - km[1], 2), abs=0.006)
        assert decision.points == round(sum(score_parts(k_mine, k_auto, 0).values()), 2)
    brief = replace(debrief(session, effects=False), decisions=timeline).to_dict()
    store = RunStore(tmp_path / "store.duckdb")
    add_debrief(store, brief, session=str(tmp_path / "trainee"), trainee="dora")
    (kept,) = debriefs(store, "timeline")
    assert kept.debrief["decisions"] == [d.__dict__ for d in timeline]
