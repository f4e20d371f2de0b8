"""The debrief of a training session: the trainee's day beside the autopilot's on the same
random numbers, what each of the trainee's decisions cost or saved, and a score.

Each decision is measured by continuing the day from the moment it was taken both ways —
with it and without it, the rest of the exercise's script the same, no later decision of
the trainee — on the same random numbers: the difference in total cost and late visits is
what that decision did.

The score is 100 for a day as good as the autopilot's; each part adds or takes away up to
20 points: cost (2 points per % cheaper), punctuality (1 point per percentage point),
customer satisfaction (1 point per 5 points of 1,000), employee satisfaction (1 point per
point of 100), emergencies in target (1 point per 2 percentage points); an unanswered call
costs 5 points.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from twin.analysis.kpi import Kpis, compute_kpis
from twin.app.live.journal import TICK
from twin.app.training.session import Session, autopilot_day

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
PART_CAP = 20.0
CALL_PENALTY = 5.0


@dataclass(frozen=True)
class Decision:
    minute: float
    kind: str
    what: str
    saved_eur: float | None = None  # positive: the decision made the day cheaper
    late_avoided: int | None = None  # positive: fewer late visits with the decision


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


def _clamp(x: float) -> float:
    return max(-PART_CAP, min(PART_CAP, x))


def score_parts(trainee: Kpis, auto: Kpis, unanswered: int) -> dict[str, float]:
    cost = (auto.cost_total_eur - trainee.cost_total_eur) / max(auto.cost_total_eur, 1.0)
    return {
        "cost": _clamp(cost * 200),
        "punctuality": _clamp((trainee.punctuality - auto.punctuality) * 100),
        "customer satisfaction": _clamp(
            (trainee.customer_satisfaction - auto.customer_satisfaction) / 5
        ),
        "employee satisfaction": _clamp(trainee.employee_satisfaction - auto.employee_satisfaction),
        "emergencies in target": _clamp(
            (trainee.emergency_within_target - auto.emergency_within_target) * 50
        ),
        "unanswered calls": -CALL_PENALTY * unanswered,
    }


def _is_decision(entry: dict[str, Any]) -> bool:
    """A trainee's request that was carried out (a refused one changed nothing)."""
    return (
        entry["kind"] != TICK
        and entry.get("by") != "exercise"
        and entry.get("outcome") != "refused"
    )


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


def _describe(entry: dict[str, Any]) -> str:
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


def decision_effects(
    session: Session, progress: Callable[[int, int], None] | None = None
) -> list[Decision]:
    """Each of the trainee's decisions, priced by continuing the day both ways."""
    entries = list(session.day.journal.entries())
    at = [i for i, e in enumerate(entries) if _is_decision(e)]
    out = []
    for n, i in enumerate(at):
        rest = [e for e in entries[i + 1 :] if not _is_decision(e)]
        with_it = _branch(session, entries[: i + 1] + rest)
        without = _branch(session, entries[:i] + rest)
        entry = entries[i]
        minute = float(session.day.ticks[entry["after_tick"] - 1]) if entry["after_tick"] else 0.0
        out.append(
            Decision(
                minute,
                entry["kind"],
                _describe(entry),
                round(without.cost_total_eur - with_it.cost_total_eur, 2),
                without.visits_late - with_it.visits_late,
            )
        )
        if progress is not None:
            progress(n + 1, len(at))
    return out


def debrief(
    session: Session, effects: bool = True, progress: Callable[[int, int], None] | None = None
) -> Debrief:
    """The session's debrief (at the end of its day, or at any time: the trainee's day so
    far is run to its end with the script only, as the autopilot's is)."""
    auto = compute_kpis(autopilot_day(session.exercise).world.log, session.day.scenario)
    entries = list(session.day.journal.entries())
    if session.day.over:
        trainee = compute_kpis(session.day.world.log, session.day.scenario)
    else:
        trainee = _branch(session, entries)
    unanswered = len(session.day.calls)
    parts = score_parts(trainee, auto, unanswered)
    decisions = decision_effects(session, progress) if effects else []
    return Debrief(
        session.exercise.name, trainee, auto, parts, 100 + sum(parts.values()), unanswered,
        decisions,
    )  # fmt: skip
