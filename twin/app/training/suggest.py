"""What the autopilot would do, shown to a trainee who asked for suggestions: where the
planner would put a visit without a technician or a waiting emergency, and how the brain's
repair would answer a delay alert. Nothing here changes the day: each suggestion is the
planner asked on the world's current plan, and it is computed once per tick and item.

A suggestion the trainee can take comes with its action: the request the desk sends when
the trainee applies it (``move`` a visit to the suggested technician and place, ``accept``
an emergency where the planner places it, or ``make_room`` with the visit that would give
way); applied, it is the trainee's action like any other, journaled and priced.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from twin.app.training.session import Session
from twin.models.booking.desk import book_emergency
from twin.models.decisions.replan import move_endangered
from twin.models.routing.dispatch import NoOffer, Routes
from twin.sim.emergency import emergency_task


@dataclass(frozen=True, slots=True)
class Suggestion:
    text: str
    # the request that carries it out (its ``kind`` and fields), None: nothing to apply
    action: dict[str, Any] | None = None


def _once(session: Session, kind: str, vid: str, compute: Callable[[], Suggestion]) -> Suggestion:
    key = (session.day.done, kind, vid)
    found = session.suggested.get(key)
    if found is None:
        if session.suggested and next(iter(session.suggested))[0] != session.day.done:
            session.suggested.clear()  # an earlier tick's suggestions are stale
        found = session.suggested[key] = compute()
    return found


def _where(routes: Routes, vid: str) -> str | None:
    tid = next((t for t, r in routes.items() if vid in r), None)
    return None if tid is None else f"{tid} (position {routes[tid].index(vid)})"


def _move(routes: Routes, vid: str) -> dict[str, Any] | None:
    tid = next((t for t, r in routes.items() if vid in r), None)
    if tid is None:
        return None
    return {
        "kind": "move",
        "visit_id": vid,
        "technician_id": tid,
        "position": routes[tid].index(vid),
    }


def suggest_unassigned(session: Session, vid: str) -> Suggestion:
    """Where the planner would insert a visit that has no technician."""

    def compute() -> Suggestion:
        world = session.day.world
        routes = world.dispatcher.insert(world.plan_state(), world.tasks[vid])
        defer = {"kind": "defer", "visit_id": vid}
        if isinstance(routes, NoOffer):
            why = f"the planner finds no place today ({routes.reason}): move it to another day"
            return Suggestion(why, defer)
        where = _where(routes, vid)
        if where is None:
            return Suggestion("the planner finds no place today: move it to another day", defer)
        return Suggestion(f"the planner would give it to {where}", _move(routes, vid))

    return _once(session, "unassigned", vid, compute)


def suggest_emergency(session: Session, vid: str, due: float) -> Suggestion:
    """Where the planner would place a waiting emergency, or which visit would give way."""

    def compute() -> Suggestion:
        world = session.day.world
        task = emergency_task(world, world.visit_specs[vid], due)
        state = world.plan_state()
        state = replace(state, visits=MappingProxyType({**state.visits, vid: task}))
        c = world.company
        room = world.scenario.policy.emergency_displacement
        found = book_emergency(state, task, world.dispatcher, c.travel, c.break_rule, room)
        if isinstance(found, NoOffer):
            why = f"the planner finds nobody ({found.reason}): refuse it, or make room by hand"
            return Suggestion(why)
        where = _where(found.routes, vid) or "nobody"
        if found.gave_way is not None:
            text = f"the planner would give it to {where}, {found.gave_way} to another day"
            return Suggestion(
                text, {"kind": "make_room", "visit_id": vid, "give_way": found.gave_way}
            )
        # accepted with no technician, the planner places it (as it does here)
        return Suggestion(
            f"the planner would give it to {where}", {"kind": "accept", "visit_id": vid}
        )

    return _once(session, "emergency", vid, compute)


def suggest_delay(session: Session, vid: str, technician_id: str) -> Suggestion:
    """How the brain's repair would answer a delay alert on ``vid``."""

    def compute() -> Suggestion:
        world = session.day.world
        if not world.is_open(vid):
            return Suggestion("nothing to re-plan: the visit is under way or over")
        c = world.company
        routes = move_endangered(
            world.plan_state(), vid, technician_id, world.dispatcher, c.travel, c.break_rule
        )
        if not routes:
            text = "the autopilot would keep the plan (no better place); warn the customer"
            return Suggestion(text, {"kind": "warn", "visit_id": vid, "text": ""})
        where = _where(routes, vid)
        if where is None or where.startswith(f"{technician_id} "):
            return Suggestion(f"the autopilot would re-order {', '.join(sorted(routes))}")
        return Suggestion(f"the autopilot would move it to {where}", _move(routes, vid))

    return _once(session, "delay", vid, compute)
