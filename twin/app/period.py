"""A period of working days: demand, bookings, rosters and what the brain learned carry over.

``run_period`` runs the scenario's company day after day (``period.days`` working days).
Before each day: the day's new requests arrive (:mod:`twin.sim.arrivals`); those asking for
a later day are booked into the horizon (:mod:`twin.models.booking.horizon`), those asking
for today call during the day; the rota (:mod:`twin.sim.rota`) says who works and how long.
The day then runs as any day does (its own world and brain, :func:`twin.app.run.simulate`)
on the visits booked for it. After it, every visit's fate (:mod:`twin.analysis.fates`)
decides what carries over: work not done is rebooked on the first later day with room (the
customer is told the new day), a failed first-time fix books a follow-up visit, and what
was learned goes into the next day: the chemistry the planner learned from the day's
ratings, and each technician's duration correction the brain learned
(:mod:`twin.stream.learned`).

The first ``lead_times.later_max_days`` days before the period are played on the horizon
only (their requests booked, not simulated), so the period starts with a normal book of
visits. Outputs: one folder per day (``days/NN-DATE``: log, KPIs, report, as ``twin run``
writes them), ``requests.jsonl`` (every request's story), ``notices.jsonl`` (the messages
that moved visits to a later day), ``period.json`` (:mod:`twin.analysis.period`) and
``report.html`` (:mod:`twin.analysis.report.period`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from twin import events as ev
from twin.analysis.daylog import DayRead, read_day
from twin.analysis.fates import visit_fates
from twin.analysis.kpi import Kpis, compute_kpis
from twin.analysis.period import Request, period_kpis, werktage
from twin.analysis.period_kpis import pool_kpis
from twin.analysis.waiting import waiting_by_hour
from twin.app.period_book import Book
from twin.app.period_files import write_period
from twin.app.run import simulate, write_outputs
from twin.app.wiring import build_brain, company_links, dispatcher_factory
from twin.clock import DayClock, hhmm
from twin.config import Scenario
from twin.config.period import WEEKDAYS
from twin.models.booking.horizon import Horizon
from twin.models.booking.levelling import levelled
from twin.models.company import seeded
from twin.models.decisions.links import LinkSigner
from twin.models.decisions.notify import day_label, render
from twin.sim.arrivals import ArrivalProcess
from twin.sim.day_input import DayInput
from twin.sim.rng import stream
from twin.sim.rota import Rota
from twin.sim.workforce import make_workforce
from twin.sim.world import World
from twin.stream.connectors.bridge import BrainRun
from twin.stream.learned import learned_after
from twin.stream.params import BrainParams

DayProgress = Callable[[int, int, float, float], None]  # day, days, minute, day end


def working_day(start: dt.date, k: int, working: tuple[str, ...]) -> dt.date:
    """The ``k``-th working day from ``start`` (0: ``start`` or the next working day;
    negative: before it)."""
    days = {WEEKDAYS.index(d) for d in working}
    d = start
    while d.weekday() not in days:
        d += dt.timedelta(days=1)
    step = 1 if k >= 0 else -1
    for _ in range(abs(k)):
        d += dt.timedelta(days=step)
        while d.weekday() not in days:
            d += dt.timedelta(days=step)
    return d


def day_seed(seed: int, k: int) -> int:
    """Day ``k``'s own seed (day 0 keeps the period's: a one-day period is the day)."""
    if k == 0:
        return seed
    return int(np.random.SeedSequence([seed, k]).generate_state(1)[0] % (2**31 - 1))


def unique_ids(k: int, lines: Iterable[str]) -> list[str]:
    """Day ``k``'s log lines with ids made unique over the period: the day's number first."""
    return [x.replace(',"id":"', f',"id":"d{k + 1:02d}.', 1) for x in lines]


@dataclass(frozen=True, slots=True)
class PeriodResult:
    scenario: Scenario
    seed: int
    kpis: dict[str, Any]
    days: tuple[dict[str, Any], ...]  # each day's KPIs, with its date
    requests: tuple[Request, ...]
    wall_s: float
    out_dir: Path | None
    pooled: Kpis  # the days' KPIs as one set (twin.analysis.period_kpis)
    log_lines: tuple[str, ...] = ()  # the period's log, when asked to keep it


@dataclass(slots=True)
class _Period:
    """The state a period carries from day to day."""

    scenario: Scenario
    seed: int
    dates: list[dt.date]
    rota: Rota
    arrivals: ArrivalProcess
    book: Book
    chemistry: Any = None  # what the planner learned from ratings so far
    learned: dict[str, tuple[float, int]] = field(default_factory=dict)  # the brain's biases
    day_kpis: list[dict[str, Any]] = field(default_factory=list)
    backlog: list[int] = field(default_factory=list)
    work: dict[str, list[float]] = field(default_factory=dict)
    waiting: dict[int, float] = field(default_factory=dict)  # technician-hours by local hour
    shifts: int = 0
    warnings: list[str] = field(default_factory=list)  # named, for the period's KPIs
    kpis: list[Kpis] = field(default_factory=list)
    log: list[str] | None = None  # the period's log lines, kept when asked
    links: LinkSigner | None = None  # the info links' signer (None: the company's)

    @classmethod
    def start(cls, scenario: Scenario, seed: int) -> _Period:
        p = scenario.period
        warm = p.lead_times.later_max_days
        working = tuple(p.working_days)
        dates = [
            working_day(scenario.date, k, working)
            for k in range(-warm, p.days + p.horizon_days + 2)
        ]
        team = make_workforce(
            scenario, stream(scenario.company_seed, "workforce"), stream(seed, "absence")
        )
        tids = [t.id for t in team]
        rota = Rota.for_company(scenario, tids, stream(seed, "rota"))
        off_by_weekday = {
            w: sum(1 for d in rota.part_time_off.values() if d == w) for w in WEEKDAYS
        }

        def staff(day: int) -> int:
            return len(tids) - off_by_weekday[WEEKDAYS[dates[day + warm].weekday()]]

        horizon = Horizon(staff, p.bookable_per_technician, p.same_day_reserve, p.horizon_days)
        period = cls(
            scenario,
            seed,
            dates,
            rota,
            ArrivalProcess.of(scenario, stream(seed, "arrivals")),
            Book(scenario, seed, horizon, loads=levelled(scenario)),
        )
        for w in range(-warm, 0):  # the book as it stands when the period begins
            for a in period.arrivals.day(w, period.date(w).weekday()):
                period.book.arrive(a)
        return period

    def date(self, k: int) -> dt.date:
        return self.dates[k + self.scenario.period.lead_times.later_max_days]

    def run_day(self, k: int, out: Path | None, progress: DayProgress | None, report: bool) -> None:
        """Run period day ``k`` and settle it: the book, the rota and the learned state."""
        world, params = self.open_day(k)

        def tick(t: float, end: float) -> None:
            if progress is not None:
                progress(k, self.scenario.period.days, t, end)

        run, kpis, day = self.close_day(k, world, simulate(world, tick, params), params)
        lines: Sequence[str] = ()
        if out is not None:
            day_dir = out / "days" / f"{k + 1:02d}-{self.date(k)}"
            lines = write_outputs(day_dir, world, run, kpis, report, day=day) or ()  # kept
        elif self.log is not None:
            lines = ev.to_lines(run.events)
        unique = unique_ids(k, lines)
        if out is not None:
            with (out / "events.jsonl").open("a", encoding="utf-8") as fh:
                fh.writelines(f"{x}\n" for x in unique)
        if self.log is not None:
            self.log.extend(unique)

    def open_day(self, k: int) -> tuple[World, BrainParams | None]:
        """Period day ``k``'s world (its booked visits, calls and rota) and brain (what it
        learned the days before; None without the brain): run it, then :meth:`close_day`."""
        scenario, date = self.scenario, self.date(k)
        day_scenario = scenario.model_copy(update={"date": date})
        clock = DayClock(date, scenario.time_zone)
        rota = self.rota.day(date.weekday(), clock.midnight)
        calls = [a.spec for a in self.arrivals.day(k, date.weekday()) if self.book.arrive(a)]
        given = DayInput(tuple(self.book.visits.pop(k, [])) + tuple(calls), rota)
        world = World(day_scenario, self._dispatchers(day_scenario), day_seed(self.seed, k), given)
        if not world.specs or set(world.specs) <= rota.sick:
            who = "every technician is off" if not world.specs else "every technician is sick"
            self.warnings.append(
                f"no technicians: {date}: {who}; its {len(given.demand)} visits move on"
            )
        params = None
        if scenario.policy.brain:  # the brain starts from what it learned the days before
            params = replace(build_brain(world.company, links=self.links), learned=self.learned)
            if self.chemistry is not None:
                params.dispatcher.chemistry = self.chemistry  # type: ignore[attr-defined]
        return world, params

    def close_day(
        self, k: int, world: World, run: BrainRun, params: BrainParams | None
    ) -> tuple[BrainRun, Kpis, DayRead]:
        """Settle period day ``k`` after its ``run``: the book, the rota, the learned state;
        returns the day's run with the rebooking notices, its KPIs and its reading."""
        scenario, date = self.scenario, self.date(k)
        self.chemistry = getattr(world.dispatcher, "chemistry", None)
        if params is not None:
            self.learned = learned_after(run.events, params, self.learned)
        fates = visit_fates(run.events)
        notices_from = len(self.book.notices)
        self.book.settle(k, fates, world.visit_specs)
        run = replace(run, events=[*run.events, *self._notices(world, notices_from)])
        day = read_day(run.events, world.scenario)
        kpis = compute_kpis(run.events, world.scenario, day)
        for td in day.days:
            minutes = max(0.0, td.shift_hours * 60 - scenario.workforce.break_min)
            end = day.index.shift_end.get(td.technician_id) or day.index.last_seen[td.technician_id]
            self.rota.worked(td.technician_id, minutes, end)
            self.work.setdefault(td.technician_id, []).append(minutes)
        self.shifts += len(day.days)
        for hour, hours in waiting_by_hour(day, scenario.time_zone).items():
            self.waiting[hour] = self.waiting.get(hour, 0.0) + hours
        self.day_kpis.append({"day": k + 1, "date": date.isoformat(), **kpis.to_dict()})
        self.kpis.append(kpis)
        self.backlog.append(self.book.overdue(k))
        return run, kpis, day

    def summary(self) -> dict[str, Any]:
        """The period's KPIs over the days run so far (with its named warnings)."""
        p, w, days = self.scenario.period, self.scenario.workforce, len(self.day_kpis)
        so_far = (self.book.requests, self.day_kpis, self.shifts, self.work, p.average_work_min)
        werk = werktage(self.date(0), self.date(days - 1))
        kpis = period_kpis(*so_far, self.backlog, w.break_min, werk)
        kpis["waiting_hours_by_hour"] = {
            f"{h:02d}": round(v, 3) for h, v in sorted(self.waiting.items())
        }
        kpis["warnings"] = list(self.warnings)
        return kpis

    def _dispatchers(self, day_scenario: Scenario) -> Callable[..., Any]:
        """The policy's planner, starting from what it learned on the days before."""
        make = dispatcher_factory(day_scenario)
        learned = self.chemistry

        def build(travel: Any, brk: Any) -> Any:
            dispatcher = make(travel, brk)
            if learned is not None and hasattr(dispatcher, "chemistry"):
                dispatcher.chemistry = learned
            return dispatcher

        return build

    def _notices(self, world: World, start: int) -> list[ev.Event]:
        """The messages telling customers the new day of a rebooked visit (at the day's end)."""
        out: list[ev.Event] = []
        links = self.links or company_links(world.company)
        last = world.log[-1].time if world.log else world.clock.at(world.scenario.day_end_min)
        for i, n in enumerate(self.book.notices[start:], start):
            spec = world.visit_specs[n["visit_id"]]
            new_day = n["new_day"]
            if new_day is None:
                continue  # refused: the desk calls the customer (counted as refused)
            lang, zone = spec.language, world.scenario.time_zone
            text = render(
                "rebooked",
                lang,
                day=day_label(self.date(new_day), lang),
                start=hhmm(spec.preferred[0]),
                end=hhmm(spec.preferred[1]),
                link=links.url(spec.visit_id, DayClock(self.date(new_day), zone).midnight),
            )
            out.append(
                ev.CustomerNotified(
                    id=f"p{i + 1:08d}",
                    time=last,
                    visit_id=spec.visit_id,
                    customer_id=spec.customer_id,
                    channel=spec.notify_channel,  # type: ignore[arg-type]
                    kind="rebooked",
                    language=lang,  # type: ignore[arg-type]
                    text=text,
                )
            )
        return out


def run_period(
    scenario: Scenario,
    seed: int | None = None,
    out_dir: Path | None = None,
    progress: DayProgress | None = None,
    report: bool = True,
    keep_log: bool = False,
) -> PeriodResult:
    """Run ``scenario.period.days`` working days; with ``out_dir``, write them there;
    ``keep_log``: keep the period's log lines in the result (a comparison stores them)."""
    from twin.app.outputs import RunFolder

    started = time.perf_counter()
    scenario = seeded(scenario, seed)
    period = _Period.start(scenario, scenario.seed)
    period.log = [] if keep_log else None
    days = scenario.period.days
    folder = RunFolder(out_dir) if out_dir is not None else None
    try:
        for k in range(days):
            period.run_day(k, folder.path if folder else None, progress, report)
        kpis = period.summary()
        if folder is not None:
            write_period(folder, period, kpis, report)
            folder.commit()
    except BaseException:
        if folder is not None:
            folder.__exit__(RuntimeError, None, None)
        raise
    wall = time.perf_counter() - started
    reqs = tuple(period.book.requests.values())
    pooled = pool_kpis(period.kpis)
    log = tuple(period.log) if period.log is not None else ()
    days_kpis = tuple(period.day_kpis)
    return PeriodResult(scenario, scenario.seed, kpis, days_kpis, reqs, wall, out_dir, pooled, log)
