"""Served working days in a row (``twin serve --days N``): when a served day ends, its
outputs are written as for one served day, the period settles it, and the next working day
opens from the period's book while the API keeps serving.

The period is ``twin run --days``'s own (:class:`twin.app.period._Period`): the same
per-day seed, rota, carried bookings (moved, deferred, follow-ups), and the brain's learned
state; each served day's outside bookings join its book: today's as calls of the day, the
ones booked ahead (``VisitBookedAhead``) as visits of the day they name, with their
request. With no outside requests, each served day's log is ``twin run --days``'s.

State: ``STATE/serve.json`` (the set-up), ``STATE/link.key`` (one key for every day's
links), one folder per day (``STATE/day-1``, ...) with its journal and log. Started again,
the days before the last begun one are replayed from their journals (each checked against
its log on disk) and settled, so the period reaches the state it had; the last begun day
resumes. Outputs: ``OUT/day-1``, ... (as one served day's) and ``OUT/period`` (the period's
files, as ``twin run --days`` writes them).

Between one day's end and the next day's opening, requests get a 503 with
``Retry-After`` (:attr:`LiveDay.follows`); reads of the status do not wait.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any

from twin import events as ev
from twin.analysis.daylog import DayRead
from twin.analysis.kpi import Kpis
from twin.analysis.period import Request
from twin.app.live.ahead import visit_ahead, write_booked_ahead
from twin.app.live.day import LiveDay, Progress
from twin.app.live.pace import PaceSetting
from twin.app.period import _Period, unique_ids
from twin.app.run import write_outputs
from twin.config import Scenario
from twin.models.company import seeded
from twin.models.decisions.links import LinkSigner
from twin.stream.connectors.bridge import BrainRun
from twin.stream.params import BrainParams

WRITTEN = "written"  # in a day's state folder: its outputs are written (and stored)
PERIOD_OUT = "period"


class ServedPeriod:
    """The served days of one period; :attr:`day` is the one the API serves now."""

    def __init__(
        self,
        scenario: Scenario,
        seed: int | None,
        state_dir: Path,
        links: LinkSigner,
        out_dir: Path,
        store: str | None = None,
        pace: PaceSetting | None = None,
    ) -> None:
        self.scenario = seeded(scenario, seed)
        self.seed = self.scenario.seed
        self.days = self.scenario.period.days
        self.period = _Period.start(self.scenario, self.seed)
        self.period.links = links
        self.links, self.state_dir, self.out_dir, self.store = links, state_dir, out_dir, store
        self.finished = False  # the last day was served and the period written
        self._params: dict[int, BrainParams | None] = {}
        self.k, self.day = 0, self._open(0, None, pace)

    # ------------------------------------------------------------------ days
    def day_state(self, k: int) -> Path:
        return self.state_dir / f"day-{k + 1}"

    def day_out(self, k: int) -> Path:
        return self.out_dir / f"day-{k + 1}"

    def _open(self, k: int, prev: LiveDay | None, pace: PaceSetting | None = None) -> LiveDay:
        """Period day ``k`` as a served day, carrying on from ``prev`` (the day before)."""
        world, params = self.period.open_day(k)
        day = LiveDay(
            world.scenario, world.seed, self.day_state(k), self.links, pace, (world, params)
        )
        if prev is not None:
            day.pace = prev.pace  # the clock's setting holds across the switch
            day.outside = prev.outside  # visit ids A0001, ... stay unique over the period
            day.keys = prev.keys  # a retried request books once, whichever day it comes on
            ahead = {**prev.carried, **prev.board.ahead}
            day.carried = {v: e for v, e in ahead.items() if e.date >= world.clock.day.isoformat()}
        day.follows = k < self.days - 1
        # the desk for later days counts the period's book (not who will be off)
        booked = self.period.book.horizon.booked
        day.booked_later = {j - k: n for j, n in booked.items() if j > k}
        self._params[k] = params
        return day

    def _next(self) -> None:
        """Open the next working day and serve it from now on; close the ended one."""
        ended = self.day
        self.day, self.k = self._open(self.k + 1, ended), self.k + 1
        ended.close()

    def resume(self) -> int:
        """Replay the days on disk: those before the last begun one are settled; the last
        resumes as :attr:`day`. Returns the outside requests replayed."""
        replayed = 0
        for k in range(self.days):
            if k > 0:
                self._next()
            replayed += self.day.replay()
            if not (self.day.over and self.day_state(k + 1).exists()):
                break
            self._settle()
        return replayed

    def _settle(self) -> tuple[BrainRun, Kpis, DayRead]:
        """The period takes the ended day: its outside bookings into the book, then the
        period's own settling (rebooking, follow-ups, rota, learned state)."""
        day, k = self.day, self.k
        run = day.brain_run()
        self._book_outside(run.events)
        return self.period.close_day(k, day.world, run, self._params.pop(k))

    def _book_outside(self, events: list[ev.Event]) -> None:
        book, k = self.period.book, self.k
        for e in events:
            if isinstance(e, ev.VisitRequested) and e.visit_id not in book.requests:
                book.requests[e.visit_id] = Request(e.visit_id, e.job_type, k, "new", k, k)
            elif isinstance(e, ev.VisitBookedAhead):
                on = self._day_of(dt.date.fromisoformat(e.date))
                spec = visit_ahead(e, self.scenario, self.seed)
                book.requests[e.visit_id] = Request(e.visit_id, e.job_type, k, "new", on, on)
                book.visits.setdefault(on, []).append(spec)
                book.horizon.booked[on] = book.horizon.booked.get(on, 0) + 1

    def _day_of(self, date: dt.date) -> int:
        k = self.k + 1
        while self.period.date(k) < date:
            k += 1
        return k

    def _end_day(self) -> None:
        """Settle the ended day and write its outputs (once: a resumed day that was written
        before the kill is not written or stored again)."""
        run, kpis, read = self._settle()
        marker = self.day_state(self.k) / WRITTEN
        if marker.exists():
            return
        day = self.day
        out = self.day_out(self.k)
        write_outputs(out, day.world, run, kpis, day=read, keep_lines=False)
        write_booked_ahead(out, run.events)
        if self.store is not None:
            from twin.app.outputs import LOG
            from twin.app.store import RunStore

            RunStore(self.store).add_run(  # the log just written: compressed from its file
                scenario=day.scenario, seed=day.seed, kpis=kpis, wall_s=0.0, log_file=out / LOG
            )
        marker.write_text(
            json.dumps({"day": self.k + 1, "events": len(run.events)}), encoding="utf-8"
        )

    def _write_period(self) -> dict[str, Any]:
        """The period's files in ``OUT/period``, as ``twin run --days`` writes them."""
        from twin.app.outputs import RunFolder
        from twin.app.period_files import write_period

        kpis = self.period.summary()
        with RunFolder(self.out_dir / PERIOD_OUT) as folder:
            with (folder.path / "events.jsonl").open("w", encoding="utf-8") as fh:
                for k in range(self.days):
                    lines = (self.day_out(k) / "events.jsonl").read_text(encoding="utf-8")
                    fh.writelines(f"{x}\n" for x in unique_ids(k, lines.splitlines()))
            write_period(folder, self.period, kpis, True)
        return kpis

    # ------------------------------------------------------------------ as a served day
    @property
    def pace(self) -> Any:
        return self.day.pace

    @property
    def over(self) -> bool:
        return self.finished

    def run(self, stop: threading.Event, progress: Progress | None = None) -> None:
        """Serve the days to the period's end (or until ``stop``)."""
        while not stop.is_set():
            self.day.run(stop, progress)
            if not self.day.over:
                return
            self._end_day()
            if self.k == self.days - 1:
                self._write_period()
                self.finished = True
                return
            self._next()

    def close(self) -> None:
        self.day.close()

    def status(self) -> dict[str, Any]:
        day = self.day
        return {
            **day.status(),
            "date": day.clock.day.isoformat(),
            "day": self.k + 1,
            "days": self.days,
            "switching": day.over and day.follows,
        }
