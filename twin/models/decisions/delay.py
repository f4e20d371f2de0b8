"""The delay rule: when a visit's risk of starting late becomes an alert, and when an
alert asks the planner for a repair.

Given the probability that a visit starts after its promised window closes (from the ETA
chain, :mod:`twin.models.eta.chain`):

* an **alert** is raised once the risk reaches ``threshold`` and the visit is not
  already alerted;
* the alert **re-arms** (a later rise alerts again) only when the risk falls below
  ``threshold - rearm_margin``: a risk hovering at the threshold alerts once;
* while alerted, a visit that is not under way asks for a **replan**, at most once per
  ``cooldown_min`` (and only with ``replanning`` on), so a plan that cannot be improved
  is not repaired every tick.

Pure: the technician step of the brain (:mod:`twin.stream.technician`) keeps the memory
(alerted or not, last replan) and calls :func:`judge_delay` for every visit ahead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DelayRule:
    threshold: float = 0.5
    rearm_margin: float = 0.2
    replanning: bool = True
    cooldown_min: float = 60.0

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"threshold: must be in (0, 1), got {self.threshold}")
        if not self.rearm_margin >= 0.0:  # at or above the threshold: never re-arms
            raise ValueError(f"rearm_margin: must be >= 0, got {self.rearm_margin}")
        if not self.cooldown_min >= 0.0:
            raise ValueError(f"cooldown_min: must be >= 0, got {self.cooldown_min}")


@dataclass(frozen=True, slots=True)
class DelayDecision:
    alerted: bool  # the visit's alert state after this look
    alert: bool  # raise a delay alert now
    replan: bool  # ask the planner to repair now


def judge_delay(
    rule: DelayRule,
    p_late: float,
    alerted: bool,
    under_way: bool,
    minute: float,
    last_replan: float = -math.inf,
) -> DelayDecision:
    """The rule applied to one visit at ``minute`` (see the module's docstring)."""
    alert = False
    if p_late >= rule.threshold and not alerted:
        alerted = alert = True
    elif alerted and p_late < rule.threshold - rule.rearm_margin:
        alerted = False
    return DelayDecision(alerted, alert, replan_due(rule, alerted, under_way, minute, last_replan))


def replan_due(
    rule: DelayRule, alerted: bool, under_way: bool, minute: float, last_replan: float
) -> bool:
    """An alerted visit, not under way, whose replan cooldown ran out (replanning on)."""
    return (
        alerted and rule.replanning and not under_way and minute - last_replan >= rule.cooldown_min
    )
