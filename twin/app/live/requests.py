"""The outside requests a served day carries out, each a JSON record in its journal.

``carry_out`` is called once when the request arrives and again, with the same record,
when a killed day is replayed: everything it does depends on the record and the day's
state only, so the replay gives the same log and the same answers.

Kinds: ``book`` (a job in a chosen window, or the planner's best; ``call_id`` answers a
waiting call), ``device_alert`` (a fault from a connected product: booked at once or
answered with offers, by policy), ``reschedule``, ``cancel`` and ``feedback`` (a rating
through the info link); a dispatcher's ``move``, ``defer``, ``warn`` and ``message``, and
answers to what waits in the queue: ``accept`` an emergency (onto a technician's route, or
where the planner places it), ``make_room`` for it (another visit moves to another day),
``refuse`` an emergency or a call (with a reason, logged); and a training exercise's
disturbances ``sick``, ``breakdown``, ``storm``, ``emergency`` and ``call`` (queued for the
trainee, or booked at once by the autopilot).

An action the world cannot carry out is answered ``{"status": "refused", "reason": ...}``
and changes nothing (a technician without the skill, a visit already finished, a window
already over).
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from twin.app.live.ahead import BookingAhead
from twin.app.live.board import VisitBoard
from twin.clock import DayClock, hhmm
from twin.config import Scenario
from twin.models.booking.desk import Booking
from twin.models.routing.dispatch import NoOffer, SlotOffer
from twin.sim import dispatching, emergency, outside
from twin.sim.booking import announce
from twin.sim.world import World


class LiveDay(Protocol):
    """What a request needs of the served day (``twin.app.live.LiveDay`` is one)."""

    world: World
    scenario: Scenario
    clock: DayClock
    board: VisitBoard
    rng: np.random.Generator
    calls: dict[str, dict[str, Any]]
    emergencies: dict[str, dict[str, Any]]

    def next_visit_id(self) -> str: ...
    def link(self, visit_id: str, day: int = 0) -> str: ...
    def later(self) -> BookingAhead: ...


def job_of(record: dict[str, Any]) -> outside.JobRequest:
    job = record["job"]
    return outside.JobRequest(
        customer_id=job["customer_id"],
        job_type=job["job_type"],
        x=float(job["x"]),
        y=float(job["y"]),
        channel=record["channel"],
        available=(float(job["available_from"]), float(job["available_until"])),
        language=job.get("language", "de"),
        notify_channel=job.get("notify_channel", "sms"),
        request_id=record.get("request_id"),
    )


def offer_view(day: LiveDay, o: SlotOffer, on: int = 0) -> dict[str, Any]:
    """An offer as the API answers it; ``on``: working days after the served day."""
    clock = day.clock if on == 0 else day.later().clock(on)
    return {
        "date": clock.day.isoformat(),
        "day": on,
        "window_start": clock.at(o.window_start).isoformat(),
        "window_end": clock.at(o.window_end).isoformat(),
        "local": f"{hhmm(o.window_start)}–{hhmm(o.window_end)}",
        "technician_id": o.technician_id,
        "cost": round(o.cost, 2),
        "late_risk": round(o.late_risk, 3),
    }


def _booked(day: LiveDay, vid: str, result: Booking | NoOffer) -> dict[str, Any]:
    if isinstance(result, NoOffer):
        return {"status": "rejected", "visit_id": vid, "reason": result.reason}
    task = result.task
    return {
        "status": "booked",
        "visit_id": vid,
        "window_start": day.clock.at(task.window_start).isoformat(),
        "window_end": day.clock.at(task.window_end).isoformat(),
        "local": f"{hhmm(task.window_start)}–{hhmm(task.window_end)}",
        "technician_id": result.technician_id,
        "link": day.link(vid),
        "reason": None,
    }


def _booked_ahead(day: LiveDay, vid: str, result: tuple[int, Booking] | NoOffer) -> dict[str, Any]:
    if isinstance(result, NoOffer):
        return {"status": "rejected", "visit_id": vid, "reason": result.reason}
    on, booking = result
    task, clock = booking.task, day.later().clock(on)
    return {
        "status": "booked",
        "visit_id": vid,
        "date": clock.day.isoformat(),
        "day": on,
        "window_start": clock.at(task.window_start).isoformat(),
        "window_end": clock.at(task.window_end).isoformat(),
        "local": f"{hhmm(task.window_start)}–{hhmm(task.window_end)}",
        "technician_id": booking.technician_id,  # tentative: that day's plan decides
        "link": day.link(vid, on),  # valid from now on, across the day switch
        "reason": None,
    }


def _window(record: dict[str, Any]) -> tuple[float, float] | None:
    w = record.get("window")
    return None if w is None else (float(w[0]), float(w[1]))


def carry_out(day: LiveDay, record: dict[str, Any]) -> dict[str, Any]:
    kind = record["kind"]
    if kind in DISPATCHER or kind in EXERCISE:
        try:
            return (DISPATCHER.get(kind) or EXERCISE[kind])(day, record)
        except dispatching.ActionRefused as exc:
            return {"status": "refused", "reason": str(exc)}
    world = day.world
    if kind == "book":
        if record.get("call_id") is not None:
            window = _window(record)
            if window is not None and window[1] <= world.now:
                span = f"{hhmm(window[0])}–{hhmm(window[1])}"
                why = f"window: {span} is over (now {hhmm(world.now)}); offer a later one"
                return {"status": "refused", "reason": why}
            call = day.calls.pop(record["call_id"], None)
            if call is not None and "drawn" in call:  # drawn when the customer called
                vid, job, drawn = call["visit_id"], job_of(call), call["drawn"]
                result = outside.book_outside(world, day.rng, vid, job, window, drawn)
                return _booked(day, vid, result)
        vid = day.next_visit_id()
        if record.get("day", 0) > 0:  # a later working day: booked ahead, not today's work
            ahead = day.later().book(
                vid, job_of(record), _window(record), int(record["day"]), record.get("request_id")
            )
            return _booked_ahead(day, vid, ahead)
        result = outside.book_outside(world, day.rng, vid, job_of(record), _window(record))
        return _booked(day, vid, result)
    if kind == "device_alert":
        outside.device_alert(
            world, record["device_id"], record["job"]["customer_id"], record["fault_code"]
        )
        job = job_of(record)
        if day.scenario.policy.device_alerts == "ask":
            ranked = outside.offers(world, job)
            if isinstance(ranked, NoOffer):
                return {"status": "no_offer", "reason": ranked.reason, "offers": []}
            return {"status": "offers", "offers": [offer_view(day, o) for o in ranked]}
        vid = day.next_visit_id()
        return _booked(day, vid, outside.book_outside(world, day.rng, vid, job, None))
    vid = record["visit_id"]
    if kind == "cancel":
        done = outside.cancel(world, vid, record.get("request_id"), record.get("channel"))
        reason = None if done else "the visit is under way, done or already cancelled"
        return {"status": "cancelled" if done else "refused", "visit_id": vid, "reason": reason}
    if kind == "reschedule":
        window = _window(record)
        assert window is not None
        result = outside.reschedule(
            world, vid, window, record.get("request_id"), record.get("channel")
        )
        answer = _booked(day, vid, result)
        if answer["status"] == "booked":
            answer["status"] = "rescheduled"
        else:
            answer["status"] = "refused"
        return answer
    if kind == "feedback":
        view = day.board.visits.get(vid)
        if view is None or view.status != "done" or view.technician_id is None:
            return {"status": "refused", "visit_id": vid, "reason": "the visit is not done yet"}
        if view.rated is not None:
            return {"status": "refused", "visit_id": vid, "reason": "the visit is rated already"}
        world.rate(vid, view.technician_id, int(record["rating"]))
        return {"status": "rated", "visit_id": vid, "reason": None}
    raise ValueError(f"kind: unknown request {kind!r}")


# ---------------------------------------------------------------- a dispatcher's hand
def _move(day: LiveDay, r: dict[str, Any]) -> dict[str, Any]:
    dispatching.move_visit(day.world, r["visit_id"], r["technician_id"], r.get("position"))
    return {"status": "moved", "visit_id": r["visit_id"], "technician_id": r["technician_id"]}


def _defer(day: LiveDay, r: dict[str, Any]) -> dict[str, Any]:
    dispatching.defer_visit(day.world, r["visit_id"])
    return {"status": "deferred", "visit_id": r["visit_id"]}


def _warn(day: LiveDay, r: dict[str, Any]) -> dict[str, Any]:
    dispatching.warn_customer(day.world, r["visit_id"], r.get("text", ""))
    return {"status": "warned", "visit_id": r["visit_id"]}


def _message(day: LiveDay, r: dict[str, Any]) -> dict[str, Any]:
    dispatching.message_customer(day.world, r["visit_id"], r.get("text", ""))
    return {"status": "sent", "visit_id": r["visit_id"]}


def _waiting(day: LiveDay, vid: str) -> dict[str, Any]:
    found = day.emergencies.get(vid)
    if found is None:
        msg = f"visit_id: {vid} is no emergency waiting for an answer"
        raise dispatching.ActionRefused(msg)
    return found


def _accept(day: LiveDay, r: dict[str, Any]) -> dict[str, Any]:
    vid = r["visit_id"]
    w = _waiting(day, vid)
    spec = day.world.visit_specs[vid]
    b = emergency.accept(day.world, spec, w["due"], r.get("technician_id"), r.get("position"))
    day.emergencies.pop(vid)
    return {**_booked(day, vid, b), "status": "accepted"}


def _make_room(day: LiveDay, r: dict[str, Any]) -> dict[str, Any]:
    vid = r["visit_id"]
    w = _waiting(day, vid)
    spec = day.world.visit_specs[vid]
    b = emergency.make_room(day.world, spec, w["due"], r["give_way"])
    day.emergencies.pop(vid)
    return {**_booked(day, vid, b), "status": "accepted", "gave_way": r["give_way"]}


def _refuse(day: LiveDay, r: dict[str, Any]) -> dict[str, Any]:
    """Turn down a waiting emergency (``visit_id``) or call (``call_id``)."""
    reason = str(r.get("reason", ""))
    if r.get("call_id") is not None:
        call = day.calls.get(r["call_id"])
        if call is None:
            raise dispatching.ActionRefused(f"call_id: no call {r['call_id']!r} waiting")
        if not reason.strip():
            raise dispatching.ActionRefused("reason: a refusal needs a reason (it is logged)")
        vid, spec = call["visit_id"], call["drawn"]  # recorded, as the autopilot's booking is
        day.world.visit_specs[vid] = spec
        announce(day.world, spec)
        emergency.refuse(day.world, vid, reason)
        day.calls.pop(r["call_id"])
        return {"status": "refused_by_dispatcher", "call_id": r["call_id"], "visit_id": vid}
    vid = r.get("visit_id") or ""
    _waiting(day, vid)
    emergency.refuse(day.world, vid, reason)
    day.emergencies.pop(vid)
    return {"status": "refused_by_dispatcher", "visit_id": vid}


DISPATCHER = {
    "move": _move,
    "defer": _defer,
    "warn": _warn,
    "message": _message,
    "accept": _accept,
    "make_room": _make_room,
    "refuse": _refuse,
}


# ---------------------------------------------------------------- an exercise's script
def _off(day: LiveDay, r: dict[str, Any]) -> dict[str, Any]:
    reason = "sick" if r["kind"] == "sick" else "vehicle breakdown"
    for tid in r["technicians"]:
        dispatching.take_off(day.world, tid, reason)
    return {"status": "done"}


def _storm(day: LiveDay, r: dict[str, Any]) -> dict[str, Any]:
    dispatching.storm(day.world, r["zone"], float(r["factor"]), float(r["hours"]) * 60)
    return {"status": "done"}


def _emergency(day: LiveDay, r: dict[str, Any]) -> dict[str, Any]:
    """An emergency: the autopilot books it at once (the planner's place); a trainee's waits
    in the queue, its response target running, until accepted, given room or refused."""
    vid = day.next_visit_id()
    job = job_of(r)
    if r.get("answer", "book") == "book":
        return _booked(day, vid, outside.book_outside(day.world, day.rng, vid, job, None))
    spec = outside.outside_visit(day.world, day.rng, vid, job, job.available)
    due = emergency.request_emergency(day.world, spec)
    day.emergencies[vid] = {**r, "visit_id": vid, "since": day.world.now, "due": due}
    return {"status": "queued", "visit_id": vid}


def _call(day: LiveDay, r: dict[str, Any]) -> dict[str, Any]:
    """A customer calls for a slot: the autopilot books the planner's best at once; a
    trainee's call waits in the queue until answered (a ``book`` with its ``call_id``, in
    the call's job: only the window is the trainee's) or refused."""
    vid, job = day.next_visit_id(), job_of(r)
    if r.get("answer") == "book":
        return _booked(day, vid, outside.book_outside(day.world, day.rng, vid, job, None))
    # the visit's random numbers are drawn now, in the order the autopilot's day draws them
    drawn = outside.outside_visit(day.world, day.rng, vid, job, job.available)
    day.calls[r["call_id"]] = {**r, "since": day.world.now, "visit_id": vid, "drawn": drawn}
    return {"status": "queued", "call_id": r["call_id"], "visit_id": vid}


EXERCISE = {
    "sick": _off,
    "breakdown": _off,
    "storm": _storm,
    "emergency": _emergency,
    "call": _call,
}
