"""A trainee's day in-process (no HTTP): without the autopilot the plan changes only by
the trainee's hand; with it the seat scores exactly the autopilot; emergencies are
accepted, given room or refused, calls refused, customers messaged, impossible actions
refused with the reason; calls and emergencies meet the autopilot's random numbers
whenever they are answered; and the journal replays the day and its score bit for bit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.api.served import SERVED_TOML
from twin import events as ev
from twin.analysis.kpi import compute_kpis
from twin.api.desk import desk_view
from twin.app.training.debrief import debrief
from twin.app.training.exercise import Exercise
from twin.app.training.session import Session, autopilot_day


@pytest.fixture(scope="module")
def exercise(tmp_path_factory: pytest.TempPathFactory) -> Exercise:
    scenario = tmp_path_factory.mktemp("exercise") / "served.toml"
    scenario.write_text(SERVED_TOML)  # the small town with the brain in the loop
    emergency = {"kind": "emergency", "x": 3.0, "y": 4.0, "note": "Gas smell."}
    return Exercise.model_validate(
        {
            "name": "hands",
            "title": "A sick technician, two emergencies and two calls",
            "difficulty": 3,
            "scenario": str(scenario),
            "seed": 5,
            "goals": ["Re-plan T001's visits"],
            "disturbance": [
                {"at": "08:40", "kind": "sick", "technicians": ["T001"]},
                {"at": "09:05", "kind": "call", "customer_id": "C-CALL-1", "x": 4.0, "y": 6.0},
                {"at": "09:10", "kind": "call", "customer_id": "C-CALL-2", "x": 6.0, "y": 2.0},
                {**emergency, "at": "09:30", "customer_id": "C-EM-1"},
                {**emergency, "at": "09:40", "customer_id": "C-EM-2", "x": 7.0},
            ],
        }
    )


def _to(session: Session, hhmm: str) -> None:
    h, m = hhmm.split(":")
    while session.day.now < int(h) * 60 + int(m) and session.day.tick():
        pass


def _act(session: Session, **record: Any) -> dict[str, Any]:
    return session.day.request({**record, "by": "trainee"})


def test_without_the_autopilot_only_the_trainee_changes_the_plan(
    exercise: Exercise, tmp_path: Path
) -> None:
    session = Session(exercise, tmp_path, assistance="suggest")
    _to(session, "09:45")
    world = session.day.world
    orphans = {"V002", "V003", "V006", "V025"}  # T001's route when T001 fell sick
    assert orphans <= {v for v in world.tasks if world.is_open(v)}
    assert not any(orphans & set(r) for r in world.routes.values())
    queue = desk_view(session)["queue"]
    unassigned = {q["visit_id"]: q for q in queue if q["kind"] == "unassigned"}
    assert set(unassigned) == orphans
    assert all("the planner would give it to T" in q["suggestion"] for q in unassigned.values())
    waiting = [q for q in queue if q["kind"] == "emergency" and q.get("waiting")]
    assert [q["visit_id"] for q in waiting] == ["A0003", "A0004"]
    assert all(q["suggestion"].startswith("the planner would give it to") for q in waiting)
    assert {q["call_id"] for q in queue if q["kind"] == "call"} == {"call-1", "call-2"}
    session.run_to_end()
    plans = [e.reason for e in world.log if isinstance(e, ev.PlanPublished)]
    # the daily plan and the booking office's bookings of simulated customers only: no
    # repair of T001's route, no brain repair, no deferral by the brain
    assert plans[0] == "daily plan" and all(p.startswith("booking V") for p in plans[1:])
    assert not any(isinstance(e, ev.VisitCancelled) and e.by == "company" for e in world.log)
    kpis = compute_kpis(world.log, session.day.scenario)  # nobody acted: the day still ends
    assert kpis.visits_missed == len(orphans) and kpis.emergency_within_target < 1.0


def test_full_autopilot_in_the_seat_scores_exactly_the_autopilot(
    exercise: Exercise, tmp_path: Path
) -> None:
    session = Session(exercise, tmp_path, assistance="autopilot")
    session.run_to_end()
    mine = compute_kpis(session.day.world.log, session.day.scenario)
    auto = autopilot_day(exercise)
    assert mine == compute_kpis(auto.world.log, auto.scenario)
    brief = debrief(session, effects=False)
    assert brief.score == 100.0 and set(brief.parts.values()) == {0.0}


def _answers(session: Session) -> list[dict[str, Any]]:
    """Every kind of answer and of refusal, at 09:45 and 10:30."""
    world = session.day.world
    _to(session, "09:45")
    service = next(v for v in ("V002", "V003", "V006", "V025") if world.tasks[v].skill == "service")
    out = [
        _act(session, kind="move", visit_id=service, technician_id="T007", position=None),
        _act(session, kind="move", visit_id=service, technician_id="T004", position=0),
        _act(session, kind="accept", visit_id="A0003", technician_id="T001"),
        _act(session, kind="accept", visit_id="A0003", technician_id="T005", position=0),
        _act(session, kind="accept", visit_id="A0003", technician_id="T006"),
    ]
    give_way = world.routes["T006"][-1]
    out += [
        _act(session, kind="make_room", visit_id="A0004", give_way=give_way),
        _act(session, kind="refuse", call_id="call-2", reason=""),
        _act(session, kind="refuse", call_id="call-2", reason="we are full today"),
        _act(session, kind="message", visit_id=give_way, text="Sorry: we come tomorrow."),
    ]
    job = {"customer_id": "C-CALL-1", "job_type": "repair", "x": 4.0, "y": 6.0,
           "available_from": 0.0, "available_until": 1440.0}  # fmt: skip
    book = {"kind": "book", "channel": "call_centre", "job": job, "call_id": "call-1"}
    out.append(_act(session, **book, window=[420.0, 540.0]))
    _to(session, "10:30")
    done = sorted(world.done)[0]
    out += [
        _act(session, **book, window=[840.0, 960.0]),
        _act(session, kind="move", visit_id=done, technician_id="T004", position=None),
    ]
    session.run_to_end()
    return out


def test_answers_and_refusals_are_events_and_replay_bit_for_bit(
    exercise: Exercise, tmp_path: Path
) -> None:
    session = Session(exercise, tmp_path / "trainee", assistance="none")
    answers = _answers(session)
    statuses = [a["status"] for a in answers]
    assert statuses == [
        "refused", "moved", "refused", "accepted", "refused", "accepted", "refused",
        "refused_by_dispatcher", "sent", "refused", "booked", "refused",
    ]  # fmt: skip
    reasons = [a.get("reason") or "" for a in answers]
    assert "T007 lacks the skill 'service'" in reasons[0]
    assert "T001 is not available" in reasons[2]
    assert "A0003 is no emergency waiting" in reasons[4]
    assert "a refusal needs a reason" in reasons[6]
    assert "07:00–09:00 is over (now 09:45)" in reasons[9]
    assert "is not open: it is finished" in reasons[11]
    log = session.day.world.log
    booked = {e.visit_id: e.technician_id for e in log if isinstance(e, ev.VisitBooked)}
    assert booked["A0003"] == "T005" and booked["A0004"] == "T006"
    gave_way = answers[5]["gave_way"]
    assert any(isinstance(e, ev.VisitCancelled) and e.visit_id == gave_way for e in log)
    rejected = {e.visit_id: e.reason for e in log if isinstance(e, ev.VisitRejected)}
    assert rejected[answers[7]["visit_id"]] == "refused by the dispatcher: we are full today"
    notes = [e for e in log if isinstance(e, ev.CustomerNotified) and e.kind == "message"]
    assert [n.text for n in notes] == ["Sorry: we come tomorrow."]
    assert session.day.emergencies == {} and session.day.calls == {}
    auto = autopilot_day(exercise).world.visit_specs  # common random numbers: each call and
    for vid in ("A0001", "A0002", "A0003", "A0004"):  # emergency drawn as the autopilot's
        mine, theirs = session.day.world.visit_specs[vid], auto[vid]
        assert (mine.customer_id, mine.z_duration, mine.z_travel, mine.u_fix) == (
            theirs.customer_id, theirs.z_duration, theirs.z_travel, theirs.u_fix
        )  # fmt: skip

    replayed = Session(exercise, tmp_path / "replay", assistance="none")
    replayed.day.feed(list(session.day.journal.entries()))
    assert ev.to_lines(replayed.day.world.log) == ev.to_lines(log)
    first, again = debrief(session, effects=False), debrief(replayed, effects=False)
    assert first.to_dict() == again.to_dict()
    kinds = [d.kind for d in debrief(session).decisions]
    assert kinds == ["move", "accept", "make_room", "refuse", "message", "book"]


def test_the_desk_and_its_suggestions_change_nothing(exercise: Exercise, tmp_path: Path) -> None:
    """The desk polls at wall-clock times a replay does not know: asking the planner for
    suggestions must leave the day as it is."""
    logs = []
    for poll in (True, False):
        session = Session(exercise, tmp_path / str(poll), assistance="suggest")
        while session.day.tick():
            if poll:
                desk_view(session)
        logs.append(ev.to_lines(session.day.world.log))
    assert logs[0] == logs[1]


def test_the_planner_places_an_emergency_when_asked(exercise: Exercise, tmp_path: Path) -> None:
    """Accepted with no technician, an emergency goes where the planner's suggestion said."""
    session = Session(exercise, tmp_path, assistance="suggest")
    _to(session, "09:45")
    waiting = next(q for q in desk_view(session)["queue"] if q.get("visit_id") == "A0003")
    answer = _act(session, kind="accept", visit_id="A0003")
    assert answer["status"] == "accepted"
    assert f"give it to {answer['technician_id']} " in waiting["suggestion"]
    booked = [e for e in session.day.world.log if isinstance(e, ev.VisitBooked)]
    assert booked[-1].visit_id == "A0003"
    assert "A0003" in session.day.world.routes[answer["technician_id"]]
