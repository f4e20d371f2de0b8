"""The planner's policy weights: one frozen, validated parameter object.

Every cost the planner minimises is expressed in *minute-equivalents of travel*: one minute
of driving costs ``travel``; a minute a visit starts after its promised window costs
``lateness``; and so on. With ``pay = "hour"`` a technician who has not left home yet is
paid from a departure the planner chooses (as late as waiting allows) to the return, priced
by ``paid_time`` per minute; with ``pay = "shift"`` the pay does not depend on the plan
and is not priced. Fields that exist in :class:`twin.config.Policy` are taken from it
by :meth:`PlannerParams.from_policy`; the other weights default here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Literal

from twin.config import Policy

LIVE_REPAIR_BUDGET_MS = 30.0  # beside a production system, a repair answers within this


@dataclass(frozen=True, slots=True)
class PlannerParams:
    """Weights and knobs of PowerOpt (daily optimisation, offers, repair)."""

    travel: float = 1.0  # per minute of driving
    lateness: float = 5.0  # per minute a visit starts after its window end
    late_visit: float = 30.0  # per visit planned late (on top of the minutes)
    overtime: float = 2.0  # per minute past the regular shift end
    window_width: float = 5.0  # per hour of promised window width (offers)
    best_match: float = 0.0  # per expected star above the technician's own mean (θ_ct − μ_t)
    balance: float = 1.0  # per squared hour of route span (convex: spreads work)
    missed: float = 600.0  # per visit left unplanned
    paid_time: float = 0.0  # per minute paid (pay = "hour": departure to return)
    pay: Literal["shift", "hour"] = "shift"
    same_day_acceptance: bool = True
    overtime_allowed_min: float = 90.0  # caps max_end at shift_end + this
    candidates: int = 8  # technicians tried per insertion (nearest by route)
    neighbours: int = 4  # routes near a disturbed route joining the local search
    repair_evaluations: int = 600  # route evaluations per repair (deterministic budget)
    # wall-clock safety cap on one repair, for live use; simulations (``from_policy``) use
    # math.inf: only ``repair_evaluations`` bounds a repair, so a seed repairs the same way
    # on any machine (a cap that fires makes the run depend on the machine's speed)
    repair_budget_ms: float = LIVE_REPAIR_BUDGET_MS
    scale: int = 10  # integer PyVRP units per minute
    required_priority: int = 3  # visits at or above this priority must be planned

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool | str):
                continue
            if value < 0:
                msg = f"PlannerParams.{f.name} must be >= 0, got {value!r}"
                raise ValueError(msg)
        if self.pay not in ("shift", "hour"):
            msg = f"PlannerParams.pay must be 'shift' or 'hour', got {self.pay!r}"
            raise ValueError(msg)
        for name in ("candidates", "scale"):
            if getattr(self, name) < 1:
                msg = f"PlannerParams.{name} must be >= 1, got {getattr(self, name)!r}"
                raise ValueError(msg)

    @classmethod
    def from_policy(cls, policy: Policy, **overrides: float | int | bool | str) -> PlannerParams:
        """The policy's weights, ``pay``, ``best_match_weight``, ``same_day_acceptance`` and
        ``overtime_allowed_min``, and no wall-clock cap on repairs (reproducible runs);
        ``overrides`` win."""
        w = policy.weights
        base: dict[str, float | int | bool | str] = {
            "travel": w.travel,
            "lateness": w.lateness,
            "late_visit": w.late_visit,
            "overtime": w.overtime,
            "window_width": w.window_width,
            "balance": w.balance,
            "missed": w.missed,
            "paid_time": w.paid_time,
            "pay": policy.pay,
            "best_match": policy.best_match_weight,
            "same_day_acceptance": policy.same_day_acceptance,
            "overtime_allowed_min": policy.overtime_allowed_min,
            "repair_budget_ms": math.inf,
        }
        base.update(overrides)
        return cls(**base)  # type: ignore[arg-type]
