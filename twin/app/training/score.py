"""The training score: 100 for a day as good as the autopilot's; each part adds or takes
away up to 20 points: cost (2 points per % cheaper), punctuality (1 point per percentage
point), customer satisfaction (1 point per 5 points of 1,000), employee satisfaction (1
point per point of 100), emergencies in target (1 point per 2 percentage points); an
unanswered call costs 5 points, and each emergency refused beyond those the autopilot
refused 10 (a customer left without help is the worst a dispatcher can do, whatever it
saves: the company's cost prices no refusal).

The same parts price one decision of the debrief's timeline: its two continued days (with
the trainee's decision and with the autopilot's) scored against each other.
"""

from __future__ import annotations

from twin.analysis.kpi import Kpis

PART_CAP = 20.0
CALL_PENALTY = 5.0
REFUSAL_PENALTY = 10.0


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
        "refused emergencies": -REFUSAL_PENALTY
        * max(0, trainee.emergencies_refused - auto.emergencies_refused),
    }
