"""A training session: an exercise's day for one trainee (a served :class:`LiveDay`), and
the same day run by the autopilot on the same random numbers.

The exercise's disturbances enter each copy as journaled requests at their local times
(``by: "exercise"``), so the trainee's day and the autopilot's meet the same sick calls,
storms, emergencies and calls; what the trainee does (answering calls, moving visits,
moving them to another day, warning customers) enters as requests ``by: "trainee"``.

Assistance: with ``autopilot`` the trainee's day is the autopilot's (calls and
emergencies booked by the planner, sick colleagues' visits re-planned by the world's
dispatcher, the brain's repairs and deferrals applied). With ``none`` and ``suggest`` the
plan changes only by the trainee's hand and the world's physical facts: calls and
emergencies wait in the queue, a sick colleague's visits wait without a technician, and
the brain estimates, alerts and messages customers but neither repairs nor defers
(``policy.replanning`` and ``policy.defer_unreachable`` off); ``suggest`` shows in the
queue what the autopilot would do.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from twin.app.live import LiveDay
from twin.app.live.pace import PaceSetting
from twin.app.training.exercise import Disturbance, Exercise
from twin.config import Scenario
from twin.models.decisions.links import LinkSigner

TRAINEE_KINDS = frozenset(
    {"move", "defer", "warn", "message", "book", "accept", "make_room", "refuse"}
)
# how much the autopilot helps the trainee: nothing shown, its suggestions shown in the
# queue, or it answers calls itself (the trainee watches and may override)
ASSISTANCE = ("none", "suggest", "autopilot")


def disturbance_record(d: Disturbance, n: int, autopilot: bool) -> dict[str, Any]:
    """The journaled request of the exercise's ``n``-th disturbance."""
    record: dict[str, Any] = {"kind": d.kind, "by": "exercise", "n": n, "note": d.note}
    if d.kind in ("sick", "breakdown"):
        record["technicians"] = list(d.technicians)
    elif d.kind == "storm":
        record.update(zone=d.zone, factor=d.factor, hours=d.hours)
    else:
        job_type = "emergency" if d.kind == "emergency" else d.job_type
        record["channel"] = "call_centre"
        record["job"] = {
            "customer_id": d.customer_id,
            "job_type": job_type,
            "x": d.x,
            "y": d.y,
            "available_from": 0.0,
            "available_until": 24 * 60.0,
        }
        record["answer"] = "book" if autopilot else "queue"
        if d.kind == "call":
            record["call_id"] = f"call-{n}"
    return record


def by_hand(scenario: Scenario) -> Scenario:
    """The scenario with the brain's own re-planning off: it estimates, alerts and tells
    customers, and leaves every change of plan to the trainee."""
    return scenario.with_overrides(
        **{"policy.replanning": False, "policy.defer_unreachable": False}
    )


class Session:
    """One copy of an exercise's day: the trainee's (``autopilot=False``) or the
    autopilot's; started again on its state folder, it resumes where it was."""

    def __init__(
        self,
        exercise: Exercise,
        state_dir: Path,
        autopilot: bool = False,
        links: LinkSigner | None = None,
        pace: PaceSetting | None = None,
        assistance: str = "suggest",
    ) -> None:
        if assistance not in ASSISTANCE:
            msg = f"assistance: {assistance!r} is not a level; allowed: {', '.join(ASSISTANCE)}"
            raise ValueError(msg)
        self.exercise = exercise
        self.assistance = assistance
        self.autopilot = autopilot or assistance == "autopilot"
        scenario = exercise.load_scenario()
        if not self.autopilot:
            scenario = by_hand(scenario)
        self.day = LiveDay(scenario, exercise.seed, state_dir, links, pace)
        self.day.world.auto_repair = self.autopilot
        self.script = sorted(exercise.disturbance, key=lambda d: d.minute)
        # the autopilot's suggestions of this tick (twin.app.training.suggest)
        self.suggested: dict[tuple[int, str, str], Any] = {}
        self.applied = 0
        self.day.before_tick = self._disturb

    def resume(self) -> int:
        """Replay the journal of a session that was stopped; returns requests replayed."""
        n = self.day.replay()
        self.applied = sum(1 for e in self.day.journal.entries() if e.get("by") == "exercise")
        return n

    def _disturb(self, day: LiveDay) -> None:
        while self.applied < len(self.script) and self.script[self.applied].minute <= day.now:
            d = self.script[self.applied]
            day.request(disturbance_record(d, self.applied, self.autopilot))
            self.applied += 1

    def run_to_end(self) -> None:
        """Run the rest of the day at once (the autopilot's copy)."""
        while self.day.tick():
            pass


def autopilot_day(exercise: Exercise) -> LiveDay:
    """The exercise's day as the autopilot runs it (planner and brain, every call booked
    at once), on the trainee's random numbers."""
    with tempfile.TemporaryDirectory(prefix="autopilot-") as tmp:
        session = Session(exercise, Path(tmp), autopilot=True)
        session.run_to_end()
        session.day.close()
        return session.day
