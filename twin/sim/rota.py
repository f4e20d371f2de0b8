"""Rosters over a period: who works which day, and within which legal limits.

A *period* (:mod:`twin.app.period`) runs working day after working day. Each day the rota
says who is off (a part-timer's fixed weekday off), who is sick (spells that last several
days, known in the morning) and how long each technician may work, so that the Working
Hours Act (ArbZG) holds over the period: 11 hours' rest between shifts, at most 10 hours a
day, and on average at most 8 hours per working day (``period.average_work_min``).

Part-timers come from the company's seed (the same people every period); sickness from
the period's own ``rota`` stream, drawn day by day in roster order before the day runs, so
two policies meet the same absences (common random numbers).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import numpy as np

from twin.config import Scenario
from twin.config.period import WEEKDAYS
from twin.sim.workforce import TechnicianProfile


@dataclass(frozen=True, slots=True)
class DayRota:
    """One day's roster: who is off or sick, and each technician's limits (minutes after
    local midnight) where the law shortens the usual shift."""

    off: frozenset[str] = frozenset()
    sick: frozenset[str] = frozenset()
    start_at_least: Mapping[str, float] = field(default_factory=dict)  # after midnight
    work_limit: Mapping[str, float] = field(default_factory=dict)  # work today, no breaks
    break_min: float = 0.0

    def team(self, profiles: Iterable[TechnicianProfile]) -> tuple[TechnicianProfile, ...]:
        """Today's team: everyone not off, sick as the rota says, within their limits."""
        out = []
        for p in profiles:
            if p.id in self.off:
                continue
            spec = p.spec
            if (start := self.start_at_least.get(p.id)) is not None and start > spec.shift_start:
                move = start - spec.shift_start
                spec = replace(
                    spec,
                    shift_start=start,
                    shift_end=spec.shift_end + move,
                    max_end=spec.max_end + move,
                )
            if (work := self.work_limit.get(p.id)) is not None:
                end = spec.shift_start + work + self.break_min
                if end < spec.max_end:
                    spec = replace(spec, max_end=end, shift_end=min(spec.shift_end, end))
            sick = p.id in self.sick
            out.append(
                replace(p, spec=spec, sick=sick, unavailable_at=None if sick else p.unavailable_at)
            )
        return tuple(out)


@dataclass(slots=True)
class WorkedTime:
    """What one technician has worked so far in the period."""

    days: int = 0
    minutes: float = 0.0
    last_end: datetime | None = None


@dataclass(slots=True)
class Rota:
    """The period's roster, day by day (call :meth:`day` in order, then :meth:`worked`)."""

    scenario: Scenario
    technicians: Sequence[str]
    rng: np.random.Generator
    part_time_off: dict[str, str] = field(default_factory=dict)  # technician -> weekday
    sick_left: dict[str, int] = field(default_factory=dict)  # days of the spell still to come
    time: dict[str, WorkedTime] = field(default_factory=dict)

    @classmethod
    def for_company(
        cls, scenario: Scenario, technicians: Sequence[str], rng: np.random.Generator
    ) -> Rota:
        period = scenario.period
        seq = np.random.SeedSequence([scenario.company_seed, zlib.crc32(b"part-time")])
        company = np.random.Generator(np.random.PCG64(seq))
        days = list(period.working_days)
        part = company.random(len(technicians)) < period.part_time_share
        weekday = company.integers(len(days), size=len(technicians))
        off: dict[str, str] = {
            t: str(days[int(w)]) for t, p, w in zip(technicians, part, weekday, strict=True) if p
        }
        return cls(scenario, technicians, rng, off, {}, {t: WorkedTime() for t in technicians})

    def day(self, weekday: int, day_start: datetime) -> DayRota:
        """The rota of the next working day (``weekday``: 0 = Monday), starting the day's
        spells of sickness; ``day_start`` is its local midnight."""
        period = self.scenario.period
        wf = self.scenario.workforce
        hazard = wf.sick_share / period.sick_spell_mean_days
        draws = self.rng.random(len(self.technicians))
        lengths = self.rng.geometric(1.0 / period.sick_spell_mean_days, len(self.technicians))
        sick = set()
        for t, u, n in zip(self.technicians, draws, lengths, strict=True):
            if self.sick_left.get(t, 0) > 0:
                self.sick_left[t] -= 1
                sick.add(t)
            elif u < hazard:
                self.sick_left[t] = int(n) - 1
                sick.add(t)
        name = WEEKDAYS[weekday]
        off = frozenset(t for t, d in self.part_time_off.items() if d == name)
        start, work = self._limits(day_start)
        return DayRota(off, frozenset(sick) - off, start, work, self.scenario.workforce.break_min)

    def _limits(self, day_start: datetime) -> tuple[dict[str, float], dict[str, float]]:
        period, wf = self.scenario.period, self.scenario.workforce
        start: dict[str, float] = {}
        limit: dict[str, float] = {}
        for t, w in self.time.items():
            if w.last_end is not None:
                rested = w.last_end + timedelta(minutes=period.rest_min)
                start[t] = max(0.0, (rested - day_start).total_seconds() / 60)
            # today's work may bring the period's average up to the limit, never beyond
            budget = period.average_work_min * (w.days + 1) - w.minutes
            if w.minutes > period.average_work_min * w.days:  # over so far: plan with room
                budget -= period.work_margin_min
            work = min(wf.max_work_min, max(budget, 0.0))
            if work < wf.max_work_min:
                limit[t] = work
        return start, limit

    def worked(self, technician: str, minutes: float, end: datetime) -> None:
        """Book a worked shift (call after the day, for everyone who started one)."""
        w = self.time[technician]
        w.days += 1
        w.minutes += minutes
        w.last_end = end
