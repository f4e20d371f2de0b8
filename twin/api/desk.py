"""The trainee's desk as JSON: every technician and visit as of now, each technician's
planned route as a timeline (for the Gantt), and the exception queue (calls waiting for an
answer, emergencies waiting for one, visits without a technician, delay alerts, absences,
emergencies); with ``suggest``, what the autopilot would do beside each item, and the
request that applies it (``apply``: the path and body the desk posts, as the trainee's own
action)."""

from __future__ import annotations

from typing import Any

from twin import events as ev
from twin.app.training.session import Session
from twin.app.training.suggest import (
    Suggestion,
    suggest_delay,
    suggest_emergency,
    suggest_unassigned,
)
from twin.clock import hhmm
from twin.models.routing.plan import route_timeline

ALERT_WINDOW_MIN = 30.0  # delay alerts shown this long
# the desk's route for each kind of action (twin.api.training)
PATHS = {
    "move": "/dispatch/move",
    "defer": "/dispatch/defer",
    "warn": "/dispatch/warn",
    "accept": "/dispatch/accept",
    "make_room": "/dispatch/make-room",
}


def _suggested(item: dict[str, Any], found: Suggestion) -> dict[str, Any]:
    item["suggestion"] = found.text
    if found.action is not None:
        body = {k: v for k, v in found.action.items() if k != "kind"}
        item["apply"] = {"path": PATHS[found.action["kind"]], "body": body}
    return item


def _call_item(call: dict[str, Any], suggest: bool) -> dict[str, Any]:
    job = call["job"]
    item: dict[str, Any] = {
        "kind": "call",
        "suggestion": None,
        "call_id": call["call_id"],
        "since": hhmm(call["since"]),
        "customer_id": job["customer_id"],
        "job": job,
        "text": call.get("note") or f"{job['customer_id']} asks for a slot",
    }
    if suggest:  # the planner's best window, booked as the autopilot books a call
        item["suggestion"] = "ask for the planner's offers (the first is its choice)"
        fields = ("customer_id", "job_type", "x", "y")
        body = {"channel": call["channel"], "call_id": call["call_id"],
                "job": {k: job[k] for k in fields}}  # fmt: skip
        item["apply"] = {"path": "/bookings", "body": body}
    return item


def _queue(session: Session) -> list[dict[str, Any]]:
    day, world = session.day, session.day.world
    now = day.now
    suggest = session.assistance == "suggest"
    out = [_call_item(c, suggest) for c in day.calls.values()]
    for vid in sorted(world.tasks):
        owner = world.owner(vid)
        if world.is_open(vid) and (owner is None or vid not in world.routes[owner]):
            item: dict[str, Any] = {
                "kind": "unassigned",
                "visit_id": vid,
                "text": f"{vid} has no technician",
            }
            if suggest:
                _suggested(item, suggest_unassigned(session, vid))
            out.append(item)
    for e in reversed(world.log):
        if day.clock.minutes(e.time) < now - ALERT_WINDOW_MIN:
            break
        if isinstance(e, ev.DelayDetected):
            text = f"{e.visit_id} ({e.technician_id}) late with p={e.probability:.0%}"
            item = {"kind": "delay", "visit_id": e.visit_id, "text": text}
            if suggest:
                _suggested(item, suggest_delay(session, e.visit_id, e.technician_id))
            out.append(item)
    for a in day.board.absences:  # kept by the board, not searched for in the log
        text = f"{a.technician_id}: {a.reason} since {day.clock.local(a.time):%H:%M}"
        out.append({"kind": "absence", "technician_id": a.technician_id, "text": text})
    for vid in day.board.emergencies:
        waiting = day.emergencies.get(vid)
        if waiting is None:
            text = f"{vid}: {day.board.visits[vid].status}"
            out.append({"kind": "emergency", "visit_id": vid, "text": text})
            continue
        note = waiting.get("note") or "an emergency"
        item = {
            "kind": "emergency",
            "visit_id": vid,
            "waiting": True,
            "due": hhmm(waiting["due"]),
            "text": f"{vid} waits for an answer (due {hhmm(waiting['due'])}): {note}",
        }
        if suggest:
            _suggested(item, suggest_emergency(session, vid, waiting["due"]))
        out.append(item)
    return out


def desk_view(session: Session) -> dict[str, Any]:
    day = session.day
    with day.lock:
        world, now = day.world, day.now
        company = world.company
        techs = []
        for tid, spec in world.specs.items():
            state = world.status[tid]
            spot = day.board.where.get(tid)
            timeline = route_timeline(
                spec, state, world.routes[tid], world.tasks, company.travel,
                company.break_rule, world.incidents,
            )  # fmt: skip
            techs.append(
                {
                    "id": tid,
                    "available": state.available,
                    "x": spot.x if spot else spec.home_x,
                    "y": spot.y if spot else spec.home_y,
                    "busy_with": world.committed.get(tid),
                    "route": [
                        {"visit_id": s.visit_id, "start": s.start, "end": s.end}
                        for s in timeline.stops
                    ],
                }
            )
        visits = [
            {
                "visit_id": v.visit_id,
                "x": v.x,
                "y": v.y,
                "status": v.status,
                "technician_id": v.technician_id,
                "window": None
                if v.window is None
                else [
                    day.clock.local(v.window[0]).strftime("%H:%M"),
                    day.clock.local(v.window[1]).strftime("%H:%M"),
                ],
            }
            for v in day.board.visits.values()
            if v.status not in ("rejected", "requested")
        ]
        return {
            "now": hhmm(now),
            "now_min": now,
            "over": day.over,
            "paused": day.pace.setting.paused,
            "speed": day.pace.setting.speed,
            "assistance": session.assistance,
            "exercise": {
                "name": session.exercise.name,
                "title": session.exercise.title,
                "difficulty": session.exercise.difficulty,
                "goals": list(session.exercise.goals),
            },
            "city_km": day.scenario.city.size_km,
            "technicians": techs,
            "visits": visits,
            "queue": _queue(session),
        }
