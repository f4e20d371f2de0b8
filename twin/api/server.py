"""Serving a live day: open (or resume) its state folder, run the paced day in a thread
beside uvicorn, and write the day's outputs when it ends or the server is stopped.

The state folder holds the day's set-up (``serve.json``), its journal of ticks and outside
requests, its event log as it grows, and the link key (``link.key``, random, readable by
the owner only; ``FIELDTWIN_LINK_SECRET`` overrides it). Started again on the same folder,
the day resumes from its journal (:meth:`LiveDay.replay`).
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twin.analysis.kpi import Kpis, compute_kpis
from twin.app.live import LiveDay, ResumeRefused, read_setup
from twin.app.live.ahead import write_booked_ahead
from twin.app.live.days import ServedPeriod
from twin.app.live.pace import PaceSetting
from twin.app.run import write_outputs
from twin.app.wiring import SECRET_ENV
from twin.config import Scenario
from twin.models.decisions.links import LinkSigner

log = logging.getLogger(__name__)

LINK_KEY = "link.key"
Progress = Callable[[float, float], None]


@dataclass(frozen=True)
class Opened:
    day: LiveDay
    resumed: bool
    replayed_requests: int


def link_secret(state_dir: Path) -> bytes:
    """The link key: ``FIELDTWIN_LINK_SECRET`` if set, else the state folder's own."""
    env = os.environ.get(SECRET_ENV)
    if env:
        return env.encode()
    path = state_dir / LINK_KEY
    if not path.exists():
        state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def open_day(
    scenario: Scenario,
    seed: int | None,
    state_dir: Path,
    public_url: str,
    fresh: bool = False,
    pace: PaceSetting | None = None,
) -> Opened:
    """A new day in ``state_dir``, or (a journal is there) the day it holds, resumed."""
    if fresh and state_dir.exists():
        shutil.rmtree(state_dir)
    setup = read_setup(state_dir)
    if setup is not None:
        try:
            scenario = Scenario.model_validate(setup["scenario"])
        except (KeyError, ValueError) as exc:
            msg = f"{state_dir}/serve.json: not a served day's set-up ({exc})"
            raise ResumeRefused(msg) from None
        seed, public_url = setup["seed"], setup["public_url"]
    links = LinkSigner(link_secret(state_dir), public_url)
    day = LiveDay(scenario, seed, state_dir, links, pace)
    if setup is None:
        day.save_setup(public_url)
        return Opened(day, False, 0)
    return Opened(day, True, day.replay())


def finish(day: LiveDay, out_dir: Path | None, store: str | None) -> Kpis:
    """The day's outputs as ``twin run`` writes them (log, KPIs, report, run store)."""
    run = day.brain_run()
    kpis = compute_kpis(run.events, day.scenario)
    if out_dir is not None:
        write_outputs(out_dir, day.world, run, kpis, keep_lines=False)
        write_booked_ahead(out_dir, run.events)  # for the days they name
        if store is not None:
            from twin.app.outputs import LOG
            from twin.app.store import RunStore

            RunStore(store).add_run(  # the log just written: compressed from its file
                scenario=day.scenario, seed=day.seed, kpis=kpis, wall_s=0.0, log_file=out_dir / LOG
            )
    return kpis


def _note_signals() -> dict[int, Any]:
    def note(sig: int, _: object) -> None:
        log.info("served day: signal %d, writing the day so far", sig)

    return {sig: signal.signal(sig, note) for sig in (signal.SIGINT, signal.SIGTERM)}


def serve(
    day: LiveDay | ServedPeriod,
    app: object,
    host: str,
    port: int,
    progress: Progress | None = None,
    ready: Callable[[], None] | None = None,
) -> bool:
    """Serve ``app`` while the day (or the days of a period) runs; returns True if it ran to
    its end (False: stopped by a signal)."""
    import uvicorn

    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    stop = threading.Event()
    failure: list[BaseException] = []

    def run_day() -> None:
        while not server.started and not stop.is_set():
            stop.wait(0.01)
        # the offers' copies of the day made now, not by the first offers: 20 bookers asking
        # at once queued for the day's lock to make them (bench/RESULTS.md, session 12)
        (day.day if isinstance(day, ServedPeriod) else day).start_quotes()
        if ready is not None:
            ready()
        try:
            day.run(stop, progress)
        except BaseException as exc:  # seen by the caller after the server stops
            failure.append(exc)
        finally:
            server.should_exit = True

    thread = threading.Thread(target=run_day, name="served-day", daemon=True)
    thread.start()
    # uvicorn stops on SIGINT/SIGTERM, then raises the signal again under the handlers it
    # found: these only note it, so the day is still written (as ``twin run`` writes it)
    quiet = _note_signals() if threading.current_thread() is threading.main_thread() else {}
    try:
        server.run()
    finally:
        for sig, handler in quiet.items():
            signal.signal(sig, handler)
        stop.set()
        day.pace.changed.set()
        thread.join()
        day.close()
    if failure:
        raise failure[0]
    return day.over
