"""The debrief of a training session: the trainee's day beside the autopilot's on the same
random numbers, a timeline of the trainee's decisions (each beside what the autopilot did
and priced by continuing the day from its moment both ways: :mod:`.timeline`), and a score.
The score and its parts: :mod:`.score`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from twin.analysis.kpi import Kpis, compute_kpis
from twin.app.training.score import score_parts
from twin.app.training.session import Session, autopilot_day
from twin.app.training.timeline import Decision, decision_timeline

# (KPI, label, True if higher is better)
COMPARED = (
    ("cost_total_eur", "Total cost (EUR)", False),
    ("punctuality", "Punctuality", True),
    ("customer_satisfaction", "Customer satisfaction (/1000)", True),
    ("employee_satisfaction", "Employee satisfaction (/100)", True),
    ("emergency_within_target", "Emergencies in target", True),
    ("visits_late", "Late visits", False),
    ("visits_missed", "Missed visits", False),
    ("visits_deferred", "Moved to another day", False),
)


@dataclass(frozen=True)
class Debrief:
    exercise: str
    trainee: Kpis
    autopilot: Kpis
    parts: dict[str, float]
    score: float
    unanswered_calls: int
    decisions: list[Decision] = field(default_factory=list)

    def rows(self) -> list[tuple[str, float, float, float, bool | None]]:
        """(label, trainee, autopilot, difference, trainee better?) per KPI."""
        out = []
        for name, label, higher in COMPARED:
            t, a = float(getattr(self.trainee, name)), float(getattr(self.autopilot, name))
            better = None if t == a else (t > a) == higher
            out.append((label, t, a, t - a, better))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "exercise": self.exercise,
            "score": round(self.score, 1),
            "parts": {k: round(v, 2) for k, v in self.parts.items()},
            "unanswered_calls": self.unanswered_calls,
            "kpis": [
                {"kpi": label, "trainee": t, "autopilot": a, "difference": d, "better": b}
                for label, t, a, d, b in self.rows()
            ],
            "decisions": [d.__dict__ for d in self.decisions],
        }


def _branch(session: Session, entries: list[dict[str, Any]]) -> Kpis:
    """The day fed ``entries`` and then run to its end with the exercise's script only."""
    with tempfile.TemporaryDirectory(prefix="branch-") as tmp:
        branch = Session(
            session.exercise, Path(tmp), session.autopilot, assistance=session.assistance
        )
        branch.day.feed(entries)
        branch.applied = sum(1 for e in entries if e.get("by") == "exercise")
        branch.run_to_end()
        branch.day.close()
        return compute_kpis(branch.day.world.log, branch.day.scenario)


def autopilot_kpis(session: Session) -> Kpis:
    """The KPIs of the autopilot's day of ``session``'s exercise."""
    return compute_kpis(autopilot_day(session.exercise).world.log, session.day.scenario)


def debrief(
    session: Session,
    effects: bool = True,
    progress: Callable[[int, int], None] | None = None,
    autopilot: Kpis | None = None,
) -> Debrief:
    """The session's debrief (at the end of its day, or at any time: the trainee's day so
    far is run to its end with the script only, as the autopilot's is); ``autopilot``: the
    KPIs of the exercise's autopilot day, if known already (:func:`autopilot_kpis`)."""
    auto = autopilot if autopilot is not None else autopilot_kpis(session)
    entries = list(session.day.journal.entries())
    if session.day.over:
        trainee = compute_kpis(session.day.world.log, session.day.scenario)
    else:
        trainee = _branch(session, entries)
    unanswered = len(session.day.calls)
    parts = score_parts(trainee, auto, unanswered)
    decisions = decision_timeline(session, progress) if effects else []
    return Debrief(
        session.exercise.name, trainee, auto, parts, 100 + sum(parts.values()), unanswered,
        decisions,
    )  # fmt: skip
