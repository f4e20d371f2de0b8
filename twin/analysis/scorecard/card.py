"""The scorecard of one day: the brain against production, both against what happened.

:func:`build_scorecard` takes the day's world events (the truth), production's decisions
(the log's own: its plans, ETAs and notifications, when it carries them) and the brain's
decisions (replayed over the same log) and scores ETAs by lead time
(:mod:`.etas`), delay warnings (:mod:`.warnings`) and, at each of the brain's replans,
its plan against production's (:mod:`.plans`). Input that the scores must not silently
rest on is listed with them (:mod:`.inputs`). ``Scorecard.to_dict`` is the JSON written
beside the log and kept in the run store (``format`` and ``version`` name the layout).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np

from twin import events as ev
from twin.analysis.daylog import index_log
from twin.analysis.scorecard.etas import EtaScore, score_etas
from twin.analysis.scorecard.inputs import InputWarning, input_warnings
from twin.analysis.scorecard.plans import ReplanScore, score_replans
from twin.analysis.scorecard.warnings import WarningScore, score_warnings
from twin.models.company import Company
from twin.models.planner.params import PlannerParams

FORMAT = "fieldtwin-scorecard"
VERSION = 1
SOURCES = ("brain", "production")


@dataclass(frozen=True)
class Scorecard:
    day: date
    visits: int  # today's visits
    late: int  # of which late or missed
    etas: tuple[EtaScore, ...]
    warnings: tuple[WarningScore, ...]
    replans: tuple[ReplanScore, ...]
    input_warnings: tuple[InputWarning, ...]
    about: dict[str, Any] = field(default_factory=dict)  # log, brain source, scenario, ...

    def plan_summary(self) -> dict[str, object]:
        """Over the brain's replans: how often its plan was cheaper, and by how much."""
        out: dict[str, object] = {"replans": len(self.replans)}
        for other in ("production_plan", "production_actual"):
            delta = [r.brain.cost - getattr(r, other).cost for r in self.replans]
            late = [r.brain.late_visits - getattr(r, other).late_visits for r in self.replans]
            out[other] = {
                "brain_cheaper": sum(1 for d in delta if d < 0),
                "mean_cost_delta": float(np.mean(delta)) if delta else None,
                "median_cost_delta": float(np.median(delta)) if delta else None,
                "late_visits_delta_total": int(sum(late)),
            }
        return out

    def to_dict(self) -> dict[str, object]:
        return {
            "format": FORMAT,
            "version": VERSION,
            **self.about,
            "day": self.day.isoformat(),
            "visits": self.visits,
            "late": self.late,
            "etas": [s.to_dict() for s in self.etas],
            "warnings": [w.to_dict() for w in self.warnings],
            "plans": {**self.plan_summary(), "items": [r.to_dict() for r in self.replans]},
            "input_warnings": [w.to_dict() for w in self.input_warnings],
        }


def _arrivals(world: Sequence[ev.Event]) -> dict[str, datetime]:
    first: dict[str, datetime] = {}
    for e in world:
        vid = e.visit_id if isinstance(e, ev.Arrived) else None
        if vid is not None and (vid not in first or e.time < first[vid]):
            first[vid] = e.time
    return first


def build_scorecard(
    world: Sequence[ev.Event],
    production: Sequence[ev.Event],
    brain: Sequence[ev.Event],
    company: Company,
    *,
    unreadable: Sequence[str] = (),
    dead_letters: Sequence[str] = (),
    about: dict[str, Any] | None = None,
    plans: bool = True,
    as_of: datetime | None = None,
) -> Scorecard:
    """Score ``brain`` and ``production`` (decisions) against ``world`` (what happened) on
    the day of ``company.scenario``; ``plans=False`` leaves out the replan pricing. With
    ``as_of`` (a live scorecard during the day) only visits whose window has closed by then
    are scored: the others are not late yet."""
    day = company.scenario.date
    ix = index_log(world)
    local = company.clock.local
    booked_today = {v for v, b in ix.booked.items() if local(b.window_start).date() == day}
    today = {
        v: ix.booked[v].window_end
        for v in booked_today
        if v not in ix.cancelled and (as_of is None or ix.booked[v].window_end <= as_of)
    }
    late = {v for v, end in today.items() if v not in ix.arrived or ix.arrived[v].time > end}
    arrivals = _arrivals(world)
    sources = {"brain": brain, "production": production}
    etas = tuple(
        score_etas(name, arrivals, (d for d in dec if isinstance(d, ev.EtaUpdated)))
        for name, dec in sources.items()
    )
    warns = tuple(
        score_warnings(name, kind, dec, today, late)
        for name, dec in sources.items()
        for kind in ("notice", "alert")
    )
    replans: list[ReplanScore] = []
    if plans:
        params = PlannerParams.from_policy(company.scenario.policy)
        by_customer = ix.cancelled - ix.deferred
        replans = score_replans(
            world, production, brain, company, params, booked_today, by_customer
        )
    roster: Collection[str] = company.roster.keys()
    zone = company.scenario.time_zone
    checks = input_warnings(
        day, world, [*production, *brain], roster, unreadable, dead_letters, zone
    )
    return Scorecard(
        day=day,
        visits=len(today),
        late=len(late),
        etas=etas,
        warnings=warns,
        replans=tuple(replans),
        input_warnings=tuple(checks),
        about=dict(about or {}),
    )
