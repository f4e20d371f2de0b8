"""A served day: the world and the brain stepped tick by tick against the wall clock,
taking outside requests (bookings, cancellations, device alerts, ratings) between ticks.

The loop is the closed loop's (``run_direct_loop``: the dataflow's steps in a plain loop,
tested to decide exactly as the Bytewax flow), paced so that a simulated minute takes
``60 / speed`` seconds (``speed=None``: as fast as it goes). Requests are carried out under
one lock at the world's current time (the last tick's end) by the world's own booking
office (:mod:`twin.sim.outside`); the brain sees their events with the next tick.

Nothing acknowledged is lost: each request is journaled (:mod:`.journal`) and the day's
events are appended to ``events.jsonl`` under the lock, in order, and forced to disk
after it, before the answer goes out (:mod:`.commit`: concurrent requests share an
``fsync``, and a tick never waits for the disk).
A killed server started again on the same state folder replays the journal — ticks and
requests in their order — to the point it reached, checks that the replay gives the log
on disk, and runs on (or refuses, naming the first differing line).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from twin import events as ev
from twin.app.live.ahead import BookingAhead, booking_ahead
from twin.app.live.board import Spot, VisitBoard, VisitView
from twin.app.live.commit import Fsync, GroupCommit
from twin.app.live.journal import TICK, Journal
from twin.app.live.pace import Pace, PaceSetting, Progress, run_paced
from twin.app.live.quotes import Copies, Quotes
from twin.app.live.refusals import SWITCHING, RequestRefused, ResumeRefused
from twin.app.live.requests import carry_out
from twin.app.live.setup_file import write_setup
from twin.app.wiring import build_brain, build_world
from twin.clock import hhmm
from twin.config import Scenario
from twin.models.booking.ahead import AheadOffer
from twin.models.decisions.links import LinkSigner
from twin.models.routing.dispatch import NoOffer
from twin.sim import outside
from twin.sim.rng import stream
from twin.sim.world import World
from twin.stream.connectors.bridge import BrainRun, LoopBridge
from twin.stream.direct import DirectBrain
from twin.stream.messages import Tick
from twin.stream.params import BrainParams

JOURNAL = "requests.jsonl"
LOG = "events.jsonl"
OUTCOME = "outcome"
REQUEST_ID = "request_id"
# what the journal adds to a request
JOURNAL_ONLY = ("key", "after_tick", OUTCOME, REQUEST_ID)
# requests that ask for a visit, move or cancel one: their id goes into the event they
# make (VisitRequested, VisitBooked, VisitCancelled; a call answered later keeps the visit
# its call drew)
ASKING = ("book", "device_alert", "reschedule", "cancel")


def _fingerprint(record: dict[str, Any]) -> str:
    """What an idempotency key is checked against: the request as asked, not as journaled."""
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()


class LiveDay:
    """One served day over a state folder (journal, log, set-up)."""

    def __init__(
        self,
        scenario: Scenario,
        seed: int | None,
        state_dir: Path,
        links: LinkSigner | None = None,
        pace: PaceSetting | None = None,
        opened: tuple[World, BrainParams | None] | None = None,
        fsync: Fsync = os.fsync,
    ) -> None:
        """``opened``: the world and brain built already (a period's day, :mod:`.days`);
        ``fsync``: what forces a file to disk (a test's may be slow or count)."""
        self.pace = Pace(pace or PaceSetting())
        self.world = build_world(scenario, seed) if opened is None else opened[0]
        self.scenario, self.seed = self.world.scenario, self.world.seed
        self.clock = self.world.clock
        self.links = links or LinkSigner.for_simulation(self.scenario.company_seed)
        brain = opened[1] if opened is not None else None
        if brain is None and scenario.policy.brain:
            brain = build_brain(self.world.company, links=self.links)
        self.brain = DirectBrain(brain) if brain is not None else None
        self.bridge = LoopBridge()
        self.ticks = self.world.tick_minutes()
        self.done = 0  # ticks completed
        self.lock = threading.RLock()
        self.rng = stream(self.seed, "outside")
        self.outside = 0  # outside bookings so far (visit ids A0001, ...)
        self.requests = 0  # outside requests so far (request ids R00001, ... without a key)
        self._ahead: BookingAhead | None = None  # the desk for later days, when first asked
        self.quotes = Quotes(self.world)  # offers, priced off the lock on copies of the plan
        self.keys: dict[str, tuple[str, dict[str, Any]]] = {}  # idempotency key -> answer
        self.board = VisitBoard()
        self.state_dir = state_dir
        state_dir.mkdir(parents=True, exist_ok=True)
        self.journal = Journal(state_dir / JOURNAL)
        self._log: TextIO | None = None
        self.commit = GroupCommit(self._files, fsync)
        self._written = 0  # events of the world's log already on disk
        self._boarded = 0  # events of the world's log already on the board
        self.behind_s = 0.0  # the most the paced day fell behind the wall clock
        # outside requests waiting for a person's answer (a training exercise's calls)
        self.calls: dict[str, dict[str, Any]] = {}
        self.emergencies: dict[str, dict[str, Any]] = {}  # by visit id (a trainee's day)
        # called (under the lock) at each tick's start with the day: a training session
        # applies its exercise's disturbances here, as journaled requests
        self.before_tick: Callable[[LiveDay], None] | None = None
        self.follows = False  # another served day follows this one (``twin serve --days``)
        # bookings ahead made on earlier served days, for the days after this one
        self.carried: dict[str, ev.VisitBookedAhead] = {}
        self.booked_later: dict[int, int] = {}  # a period's visits on the later days, by day
        self._shown = self._progress()  # what the status reads without the lock

    # ------------------------------------------------------------------ the clock
    @property
    def now(self) -> float:
        return self.world.now

    @property
    def over(self) -> bool:
        return self.done >= len(self.ticks)

    def _tick(self, journal: bool = True) -> None:
        t = self.ticks[self.done]
        items: list[Any] = list(self.world.advance(t))
        if self.brain is not None:
            items.append(Tick(t, self.clock.at(t)))
            self.bridge.receive(self.brain.feed(items))
            self.world.apply(self.bridge.take())
        self.done += 1
        self._catch_up()
        self._changed()
        if journal:
            self._write_log()
            self.journal.tick(self.done - 1)
        self._shown = self._progress()

    def tick(self) -> bool:
        """Run the next tick now; False when the day is over."""
        with self.lock:
            if self.over:
                return False
            if self.before_tick is not None:
                self.before_tick(self)
            self._tick()
            return True

    def run(self, stop: threading.Event, progress: Progress | None = None) -> None:
        """Run the day to its end (or until ``stop``; set ``pace.changed`` with it to wake
        a waiting loop) at :attr:`pace`, which may change while it runs."""
        run_paced(self, stop, progress)

    # ------------------------------------------------------------------ the log
    def _write_log(self) -> None:
        """Append the new events and flush them to the OS (forced to disk: :attr:`commit`)."""
        new = self.world.log[self._written :]
        if not new:
            return
        if self._log is None:
            self._log = (self.state_dir / LOG).open("a", encoding="utf-8")
        self._log.write("".join(line + "\n" for line in ev.to_lines(new)))
        self._log.flush()
        self._written += len(new)

    def _files(self) -> list[TextIO]:
        return [fh for fh in (self.journal.file, self._log) if fh is not None]

    def _catch_up(self) -> None:
        """The board follows the log (in a replay too, where nothing is written)."""
        log = self.world.log
        self.board.apply(log[self._boarded :])
        self._boarded = len(log)

    def close(self) -> None:
        with self.lock:
            self.commit.close()
            self.journal.close()
            if self._log is not None:
                self._log.close()
                self._log = None

    # ------------------------------------------------------------------ requests
    def _changed(self) -> None:
        """After a tick or a request (under the lock): the offers' copies follow."""
        if self.quotes.asked:
            self.quotes.refresh(self.later().ahead)

    def later(self) -> BookingAhead:
        """The desk for the working days after this one (made when first asked, once:
        the API asks for its dates without the lock)."""
        if self._ahead is None:
            with self.lock:
                if self._ahead is None:
                    self._ahead = booking_ahead(self.world, self.booked_later)
        return self._ahead

    def offers(
        self, job: outside.JobRequest, limit: int = 10, first: int = 0
    ) -> list[AheadOffer] | NoOffer:
        """The windows the planner would promise ``job`` now (nothing is booked): today's
        (``first`` 0), else, or when today has none, on the later days from ``first`` on."""
        # priced on a copy of the day's plan, off its lock (:mod:`.quotes`): the same
        # answer, without waiting for a tick or a booking to finish
        self._open_for_requests()
        state, ahead = self.quotes.copies or self.start_quotes()
        why = ""  # why nothing is left today
        if first == 0:
            today = self.quotes.today(state, job, limit)
            if not isinstance(today, NoOffer):
                return [AheadOffer(0, o) for o in today]
            why = f"today: {today.reason}; later days: "
        later = self.quotes.later(ahead, job, max(first, 1), limit)
        return NoOffer(why + later.reason) if isinstance(later, NoOffer) else later

    def start_quotes(self) -> Copies:
        """The offers' copies of the day: made at the first offer, under the lock (a tick
        may be under way), and after every change from then on."""
        with self.lock:
            if self.quotes.copies is None:
                self.quotes.asked = True
                self._changed()
            assert self.quotes.copies is not None
            return self.quotes.copies

    def request(self, record: dict[str, Any], key: str | None = None) -> dict[str, Any]:
        """Carry out an outside request (``record["kind"]``: see
        :mod:`twin.app.live.requests`), journal it and force its events to disk; a repeated
        idempotency ``key`` returns the first answer without doing it again. The answer
        waits, off the lock, for an ``fsync`` that covers the request's lines."""
        fingerprint = _fingerprint(record)
        with self.lock:
            if key is not None and key in self.keys:
                first, answer = self.keys[key]
                if first != fingerprint:
                    msg = "this Idempotency-Key was used for a different request"
                    raise RequestRefused(409, "Idempotency-Key", msg)
                ticket = self.commit.written  # the first may still wait for its fsync
            else:
                answer, ticket = self._carry_out(record, key, fingerprint)
        self.commit.wait(ticket)
        return answer

    def _carry_out(
        self, record: dict[str, Any], key: str | None, fingerprint: str
    ) -> tuple[dict[str, Any], int]:
        """A new request, under the lock: carried out and written; its commit ticket."""
        self._open_for_requests()
        entry = {**record, "key": key, "after_tick": self.done}
        self.requests += 1
        if record["kind"] in ASKING and record.get("call_id") is None:
            entry[REQUEST_ID] = key or f"R{self.requests:05d}"
        answer = self._apply(entry)
        self._changed()
        entry[OUTCOME] = answer.get("status")  # for the record: replays recompute it
        self._catch_up()
        if key is not None:
            self.keys[key] = (fingerprint, answer)
        self.journal.request(entry)
        self._write_log()
        self._shown = self._progress()
        return answer, self.commit.wrote()

    def _open_for_requests(self) -> None:
        if self.over and self.follows:
            raise RequestRefused(503, "time", SWITCHING)
        if self.over:
            raise RequestRefused(409, "time", "the served day has ended")

    def _apply(self, entry: dict[str, Any]) -> dict[str, Any]:
        return carry_out(self, entry)

    def next_visit_id(self) -> str:
        self.outside += 1
        return f"{outside.OUTSIDE_PREFIX}{self.outside:04d}"

    # ------------------------------------------------------------------ reading
    def view(self, visit_id: str) -> tuple[VisitView, Spot | None] | None:
        # without the lock: the info link reads on the event loop, which must not wait for
        # a tick or a booking's fsync (every request would wait with it); the board's
        # entries are frozen and replaced whole, so a read sees one state or the next
        found = self.board.visits.get(visit_id)
        if found is None:
            return None
        tid = found.technician_id
        return found, self.board.where.get(tid) if tid is not None else None

    def link(self, visit_id: str, day: int = 0) -> str:
        """The info link of ``visit_id`` booked for working day ``day`` (0: this one): valid
        until ``valid_days`` after that day's midnight."""
        midnight = self.clock.midnight if day == 0 else self.later().clock(day).midnight
        return self.links.url(visit_id, midnight)

    def booked_ahead(self, visit_id: str) -> ev.VisitBookedAhead | None:
        """The booking of ``visit_id`` for a later working day (this day's or an earlier's);
        without the lock, as :meth:`view` (an entry is added whole, never changed)."""
        return self.board.ahead.get(visit_id) or self.carried.get(visit_id)

    def _progress(self) -> tuple[float, int, int]:
        """The day's clock, ticks and events, as published after each change (under the
        lock), so that a status read between two changes sees one state."""
        return self.now, self.done, len(self.world.log)

    def status(self) -> dict[str, Any]:
        """The day as last published (after a tick or request): read without the lock,
        on the event loop, so it never waits for a tick (one tuple, replaced whole)."""
        now, done, events = self._shown
        setting = self.pace.setting
        return {
            "scenario": self.scenario.name,
            "seed": self.seed,
            "time": self.clock.at(now).isoformat(),
            "local_time": hhmm(now),
            "ticks_done": done,
            "ticks": len(self.ticks),
            "over": done >= len(self.ticks),
            "events": events,
            "outside_bookings": self.outside,
            "behind_s": round(self.behind_s, 3),
            "speed": setting.speed,
            "paused": setting.paused,
        }

    def brain_run(self) -> BrainRun:
        return BrainRun(list(self.world.log), self.bridge.ops, self.bridge.dead_letters)

    # ------------------------------------------------------------------ set-up and resume
    def save_setup(self, public_url: str) -> None:
        setup = {
            "scenario": self.scenario.model_dump(mode="json"),
            "seed": self.seed,
            "public_url": public_url,
        }
        write_setup(self.state_dir, setup)

    def replay(self) -> int:
        """Rebuild the day from the journal (ticks and requests in their order); check that
        it gives the log on disk; returns the number of requests replayed."""
        entries = list(self.journal.entries())
        requests = self.feed(entries)
        self._check_log()
        self._rewrite(entries)
        return requests

    def feed(self, entries: list[dict[str, Any]]) -> int:
        """Carry out journal ``entries`` (ticks and requests) without journaling them again;
        returns the number of requests."""
        requests = 0
        for entry in entries:
            if entry["kind"] == TICK:
                self._tick(journal=False)
                continue
            answer = self._apply(entry)
            self._catch_up()
            requests += 1
            self.requests += 1
            key = entry.get("key")
            if key is not None:
                record = {k: v for k, v in entry.items() if k not in JOURNAL_ONLY}
                self.keys[key] = (_fingerprint(record), answer)
        self._shown = self._progress()
        return requests

    def _check_log(self) -> None:
        path = self.state_dir / LOG
        on_disk = path.read_text(encoding="utf-8").split("\n") if path.exists() else []
        rebuilt = ev.to_lines(self.world.log)
        for n, (old, new) in enumerate(zip(on_disk, rebuilt, strict=False), start=1):
            if old and old != new:
                msg = (
                    f"{path}, line {n}: the replayed day differs from the log on disk (a "
                    "different scenario, seed or version of the twin); start afresh with "
                    "--fresh or another --state folder"
                )
                raise ResumeRefused(msg)

    def _rewrite(self, entries: list[dict[str, Any]]) -> None:
        """The log and journal as replayed (a torn last line from the kill is dropped)."""
        lines = ev.to_lines(self.world.log)
        (self.state_dir / LOG).write_text("".join(x + "\n" for x in lines), encoding="utf-8")
        self._written = len(self.world.log)
        jpath = self.state_dir / JOURNAL
        text = "".join(
            json.dumps(e, sort_keys=True, separators=(",", ":")) + "\n"
            if e["kind"] != TICK
            else json.dumps({"kind": TICK, "i": e["i"]}) + "\n"
            for e in entries
        )
        jpath.write_text(text, encoding="utf-8")
