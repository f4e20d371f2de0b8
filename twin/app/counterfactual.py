"""Counterfactual continuations: the day again from a replan, with the brain's plan.

Production's day in tests and demos is the simulated world with the conventional
dispatcher (no brain), and the world is deterministic per seed: the same scenario and
seed give the same demand, true durations and traffic (common random numbers). So for
each of the brain's replans (a ``plan_published`` at time ``t``) the day is simulated
again, the brain's plan is applied at ``t`` (as the closed loop applies a decision at the
end of its tick) and the world continues with production's dispatcher for everything
else. Against the recorded day, that gives "would have avoided N late visits, saved X
km" for that one decision.

The recorded log must be that very day: before anything is continued, the world of
``scenario`` and ``seed`` without the brain is run and compared with the log line by line
(:func:`reproduces`); a log that is not reproduced gets no counterfactual, with the reason.

*Replications*: each replan is one paired comparison on the same random numbers; the
interval is a Student-t 95 % interval of the per-replan effect over the day's replans.
Seeds as replications (other days of the same company) are not run here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from twin import events as ev
from twin.analysis.daylog import per_visit_outcomes
from twin.analysis.stats import mean_ci
from twin.app.wiring import build_world
from twin.config import Scenario

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class DayOutcome:
    late_visits: int  # today's visits late or missed
    km: float  # driven, whole day

    @staticmethod
    def of(events: Sequence[ev.Event], scenario: Scenario) -> DayOutcome:
        outcomes = per_visit_outcomes(events, scenario)
        km = sum(e.distance_km for e in events if isinstance(e, ev.TravelStarted))
        return DayOutcome(sum(1 for o in outcomes if o.status != "on_time"), km)


@dataclass(frozen=True, slots=True)
class Continuation:
    plan_id: str
    time: datetime
    outcome: DayOutcome  # the day with the brain's plan from ``time`` on

    def to_dict(self, production: DayOutcome) -> dict[str, object]:
        return {
            "plan_id": self.plan_id,
            "time": ev.format_time(self.time),
            "late_visits": self.outcome.late_visits,
            "km": self.outcome.km,
            "avoided_late_visits": production.late_visits - self.outcome.late_visits,
            "saved_km": production.km - self.outcome.km,
        }


def _interval(values: Sequence[float]) -> dict[str, object]:
    est = mean_ci(values)

    def clean(x: float) -> float | None:
        return None if math.isnan(x) else x

    return {"mean": clean(est.mean), "low": clean(est.low), "high": clean(est.high), "n": est.n}


@dataclass(frozen=True)
class Counterfactual:
    production: DayOutcome
    items: tuple[Continuation, ...]

    def to_dict(self) -> dict[str, object]:
        base = self.production
        avoided = [float(base.late_visits - c.outcome.late_visits) for c in self.items]
        saved = [base.km - c.outcome.km for c in self.items]
        return {
            "production_late_visits": base.late_visits,
            "production_km": base.km,
            "avoided_late_visits": _interval(avoided),
            "saved_km": _interval(saved),
            "items": [c.to_dict(base) for c in self.items],
        }


def production_scenario(scenario: Scenario) -> Scenario:
    """The world as production runs it: the scenario's planner, no brain."""
    return scenario.with_overrides(**{"policy.brain": False})


def reproduces(
    scenario: Scenario, seed: int | None, recorded: Sequence[ev.Event]
) -> tuple[bool, list[ev.Event]]:
    """Whether ``recorded`` is the day of ``scenario`` and ``seed`` without the brain (the
    same events, line by line, in any order), and that day's events."""
    day = build_world(production_scenario(scenario), seed).run()
    return sorted(ev.to_lines(day)) == sorted(ev.to_lines(recorded)), day


def continue_with(scenario: Scenario, seed: int | None, plan: ev.PlanPublished) -> list[ev.Event]:
    """The day of ``scenario`` and ``seed`` without the brain, ``plan`` applied at its time."""
    world = build_world(production_scenario(scenario), seed)
    world.advance(world.clock.minutes(plan.time))
    world.apply([plan])
    return world.run()


def counterfactuals(
    scenario: Scenario,
    seed: int | None,
    production: Sequence[ev.Event],
    plans: Sequence[ev.PlanPublished],
    progress: Progress | None = None,
) -> Counterfactual:
    """The day continued with each of ``plans`` (the brain's), against ``production`` (a
    day already checked by :func:`reproduces`)."""
    base = DayOutcome.of(production, scenario)
    items = []
    for i, plan in enumerate(plans):
        outcome = DayOutcome.of(continue_with(scenario, seed, plan), scenario)
        items.append(Continuation(plan.id, plan.time, outcome))
        if progress is not None:
            progress(i + 1, len(plans))
    return Counterfactual(base, tuple(items))


def describe(cf: Mapping[str, object]) -> str:
    """One sentence for people: "would have avoided N late visits, saved X km" per replan
    with its interval (or why there is no counterfactual)."""
    if "skipped" in cf:
        return f"No counterfactual: {cf['skipped']}"
    late, km = cf["avoided_late_visits"], cf["saved_km"]
    assert isinstance(late, Mapping) and isinstance(km, Mapping)
    if not late["n"]:
        return "No replans by the brain: nothing to continue."

    def est(e: Mapping[str, object], fmt: str) -> str:
        low, high = e["low"], e["high"]
        ci = "" if low is None else f" (95 % CI {low:{fmt}} to {high:{fmt}})"
        return f"{e['mean']:{fmt}}{ci}"

    return (
        f"With the brain's plan from one of its {late['n']} replans on, the day would have "
        f"avoided {est(late, '+.2f')} late visits and saved {est(km, '+.1f')} km (mean per "
        f"replan; production: {cf['production_late_visits']} late visits, "
        f"{cf['production_km']:,.0f} km)."
    )
