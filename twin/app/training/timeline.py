"""The debrief's decision timeline: each of the trainee's decisions beside what the
autopilot did at that moment, and what the decision cost or saved.

*What the autopilot did*: the autopilot's own day of the exercise (common random numbers)
at the tick of the decision, for the same visit: whose route it is on, or what became of it.

*What the decision cost*: the trainee's day is continued from the moment of the decision
both ways on the same random numbers (the journal up to that moment replayed, as a killed
day is resumed): once with the trainee's decision, once without it; then the autopilot
takes the day over (:func:`hand_over`) and runs the rest of it in both, so that the only
difference is the decision against the autopilot's answer to the same situation (an
emergency waiting is accepted where the planner places it, a call gets the planner's best
window, visits without a technician are re-planned by the dispatcher, a planned visit stays
where it is). The difference of the two continued days (trainee's minus autopilot's) in
total cost, late visits and km is what the decision cost (negative: saved), and the trainee's
continued day scored against the autopilot's (:mod:`.score`) the points it won or lost (the
score also weighs what costs no money: emergencies in target, satisfaction). A decision the
same as the autopilot's costs exactly 0.

This is :mod:`twin.app.counterfactual`'s idea (continue a day from a moment with another
decision on the same random numbers) for a served day: there the production world is
rebuilt and a plan applied at its time; here the trainee's journal is replayed to the
moment, which rebuilds the day exactly (as a resumed session does).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from twin import events as ev
from twin.analysis.kpi import Kpis, compute_kpis
from twin.app.live import LiveDay
from twin.app.live.journal import TICK
from twin.app.training.score import score_parts
from twin.app.training.session import Session
from twin.config import Policy

Progress = Callable[[int, int], None]
HANDOVER = "the autopilot takes over"


@dataclass(frozen=True)
class Decision:
    minute: float  # when the trainee took it (the end of the tick before)
    kind: str
    what: str  # the trainee's decision, for people
    visit_id: str | None  # the visit it was about (None: a new booking)
    autopilot: str  # the same visit in the autopilot's own day at that moment
    instead: str  # what the autopilot did when handed the trainee's day at that moment
    cost_eur: float  # the continued day's total cost, trainee's minus autopilot's
    late: int  # late visits, the same difference
    km: float  # km driven, the same difference
    points: float  # the trainee's continued day scored against the autopilot's (0: as good)


def is_decision(entry: dict[str, Any]) -> bool:
    """A trainee's request that was carried out (a refused one changed nothing)."""
    return (
        entry["kind"] != TICK
        and entry.get("by") != "exercise"
        and entry.get("outcome") != "refused"
    )


def describe(entry: dict[str, Any]) -> str:
    kind = entry["kind"]
    if kind == "book":
        job = entry["job"]
        return f"booked {job['job_type']} for {job['customer_id']}"
    if kind == "make_room":
        return f"make_room {entry['visit_id']}: {entry['give_way']} to another day"
    if kind == "refuse":
        what = entry.get("call_id") or entry.get("visit_id")
        return f"refuse {what}: {entry.get('reason', '')}"
    target = entry.get("technician_id")
    if kind == "accept" and not target:
        target = "the planner's choice"
    return f"{kind} {entry.get('visit_id', '')}" + (f" to {target}" if target else "")


def unassigned(day: LiveDay) -> list[str]:
    """Open visits on nobody's route (a sick colleague's, a moved one), in id order."""
    world = day.world
    out = []
    for vid in sorted(world.tasks):
        owner = world.owner(vid)
        if world.is_open(vid) and (owner is None or vid not in world.routes[owner]):
            out.append(vid)
    return out


def hand_over(session: Session, policy: Policy) -> dict[str, str]:
    """The autopilot takes the day from now, as its own day would have it: waiting
    emergencies accepted where the planner places them, waiting calls booked in the
    planner's best window, visits without a technician re-planned by the dispatcher (those
    with no place moved to another day); from here on the brain repairs and defers under
    ``policy``, and later calls and emergencies are booked at once. Returns what it did,
    by visit."""
    day, world = session.day, session.day.world
    session.autopilot = True
    world.auto_repair = True
    if day.brain is not None:
        day.brain.params = replace(
            day.brain.params,
            replanning=policy.replanning,
            defer_unreachable=policy.defer_unreachable,
        )
    did: dict[str, str] = {}
    for vid in sorted(day.emergencies):
        day.feed([{"kind": "accept", "visit_id": vid, "by": "autopilot"}])
        did[vid] = f"accept {vid} to {world.owner(vid) or 'nobody'}"
    for cid, call in sorted(day.calls.items()):
        job, vid = call["job"], call["visit_id"]
        record = {"kind": "book", "channel": call["channel"], "job": job, "call_id": cid}
        day.feed([{**record, "by": "autopilot"}])
        did[vid] = f"book {vid} to {world.owner(vid) or 'nobody'}"
    orphans = unassigned(day)
    if orphans:
        world.set_routes(world.dispatcher.repair(world.plan_state(), HANDOVER, orphans), HANDOVER)
        for vid in orphans:
            owner = world.owner(vid)
            if owner is None or vid not in world.routes[owner]:
                world.move_to_another_day(vid, f"moved to another day: {HANDOVER}")
                did[vid] = f"{vid} to another day"
            else:
                did[vid] = f"move {vid} to {owner}"
    return did


def concerned(day: LiveDay, entry: dict[str, Any]) -> str | None:
    """The visit a decision is about, in the day just before it."""
    if entry.get("visit_id"):
        return str(entry["visit_id"])
    call = day.calls.get(entry.get("call_id") or "")
    return None if call is None else str(call["visit_id"])


@dataclass(frozen=True)
class Continued:
    log: list[ev.Event]
    kpis: Kpis
    did: dict[str, str]  # what the autopilot did, by visit, when it took the day over
    visit_id: str | None  # the visit the decision was about


def continue_day(
    session: Session, entries: list[dict[str, Any]], decision: dict[str, Any] | None
) -> Continued:
    """The trainee's day replayed through ``entries``, then ``decision`` (None: none), then
    handed to the autopilot (:func:`hand_over`) for the rest of it."""
    policy = session.exercise.load_scenario().policy
    with tempfile.TemporaryDirectory(prefix="continued-") as tmp:
        branch = Session(
            session.exercise, Path(tmp), session.autopilot, assistance=session.assistance
        )
        branch.day.feed(entries)
        branch.applied = sum(1 for e in entries if e.get("by") == "exercise")
        vid = None
        if decision is not None:
            vid = concerned(branch.day, decision)
            branch.day.feed([decision])
        did = hand_over(branch, policy)
        branch.run_to_end()
        branch.day.close()
        log = list(branch.day.world.log)
        return Continued(log, compute_kpis(log, branch.day.scenario), did, vid)


def state_of(day: LiveDay, vid: str | None) -> str:
    """A visit as a day has it now, for people."""
    if vid is None:
        return "a new booking"
    v = day.board.visits.get(vid)
    if v is None or v.status == "requested":
        return f"{vid} not booked yet"
    tid = v.technician_id
    route = day.world.routes.get(tid, ()) if tid else ()
    where = f" (position {route.index(vid)})" if vid in route else ""
    return f"{vid} {v.status}" + (f" with {tid}{where}" if tid and v.status != "cancelled" else "")


def _autopilot_at(session: Session, moments: list[tuple[int, str | None]]) -> list[str]:
    """The autopilot's own day at each (tick, visit) of ``moments`` (ticks not decreasing)."""
    out = []
    with tempfile.TemporaryDirectory(prefix="autopilot-") as tmp:
        auto = Session(session.exercise, Path(tmp), autopilot=True)
        for done, vid in moments:
            while auto.day.done < done and auto.day.tick():
                pass
            out.append(state_of(auto.day, vid))
        auto.day.close()
    return out


def _instead(auto: Continued, vid: str | None) -> str:
    if vid is None:
        return "booked nothing new"
    return auto.did.get(vid) or f"left {vid} as it was"


def decision_timeline(session: Session, progress: Progress | None = None) -> list[Decision]:
    """Each of the trainee's decisions, beside the autopilot's, priced (module docstring)."""
    entries = list(session.day.journal.entries())
    at = [i for i, e in enumerate(entries) if is_decision(e)]
    both = []
    for n, i in enumerate(at):
        both.append((continue_day(session, entries[:i], entries[i]),
                     continue_day(session, entries[:i], None)))  # fmt: skip
        if progress is not None:
            progress(n + 1, len(at))
    ticks = [int(entries[i]["after_tick"]) for i in at]
    moments = [(t, mine.visit_id) for t, (mine, _) in zip(ticks, both, strict=True)]
    theirs = _autopilot_at(session, moments)
    out = []
    for i, (mine, auto), there in zip(at, both, theirs, strict=True):
        entry = entries[i]
        tick = entry["after_tick"]
        out.append(
            Decision(
                float(session.day.ticks[tick - 1]) if tick else 0.0,
                entry["kind"],
                describe(entry),
                mine.visit_id,
                there,
                _instead(auto, mine.visit_id),
                round(mine.kpis.cost_total_eur - auto.kpis.cost_total_eur, 2),
                mine.kpis.visits_late - auto.kpis.visits_late,
                round(mine.kpis.travel_km - auto.kpis.travel_km, 2),
                round(sum(score_parts(mine.kpis, auto.kpis, 0).values()), 2),
            )
        )
    return out
