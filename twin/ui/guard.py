"""Server-side bounds on what one cockpit request may start or delete.

The forms show the same limits, but a callback request can be forged: any number of arm
ids, any seed count, any technician count, a delete for every run. These checks run in the
callbacks and in the job runner, so a forged request is refused with a message like a
mistyped one, and the cockpit's machine does a bounded amount of work per request:

* a comparison or sweep is at most :data:`MAX_RUNS` simulated days and
  :data:`MAX_TECHNICIAN_DAYS` technician-days (each arm's technicians times the seeds; the
  large scenario, 1,000 technicians, in 4 arms on 50 seeds is the most the forms allow);
* at most :data:`MAX_RUNNING_JOBS` run at once;
* deletions are one per request and at most :data:`MAX_DELETES_PER_MINUTE` a minute.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from twin.app.compare import Arm
from twin.app.store import RunStore
from twin.config import ConfigError, Scenario


class RunningJobs(Protocol):
    """What a deletion needs to know of the cockpit's jobs (``twin.ui.jobs.Jobs`` is one)."""

    def running(self, comparison_id: str) -> bool: ...


MAX_RUNS = 400
MAX_TECHNICIAN_DAYS = 200_000
MAX_RUNNING_JOBS = 2
MAX_DELETES_PER_MINUTE = 30
# ids the store hands out (twin.app.store.new_id): a letter, a UTC stamp, six hex digits
_STORE_ID = re.compile(r"^[a-z]\d{8}T\d{6}-[0-9a-f]{6}$")


def whole_number(field: str, raw: Any, low: int, high: int) -> int:
    """A count from a form field (number or text); ConfigError naming the field if bad."""
    value: Any = raw
    if isinstance(raw, str) and raw.strip().isdigit() and len(raw.strip()) <= 6:
        value = int(raw.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        got = "an empty field" if raw is None or raw == "" else repr(raw)
        raise ConfigError(f"{field}: choose a whole number from {low} to {high}, got {got}")
    return value


def check_job_size(base: Scenario, arms: Sequence[Arm], seeds: int) -> None:
    """Refuse a comparison beyond the cockpit's budget (ConfigError saying which bound);
    a run of a period counts its working days."""
    days = base.period.days
    runs = len(arms) * seeds * days
    per_run = f" x {days} days" if days > 1 else ""
    if runs > MAX_RUNS:
        msg = (
            f"{len(arms)} arms x {seeds} seeds{per_run} = {runs} simulated days; "
            f"the cockpit runs at most {MAX_RUNS} at a time"
        )
        raise ConfigError(msg)
    work = sum(arm.scenario(base).workforce.technicians for arm in arms) * seeds * days
    if work > MAX_TECHNICIAN_DAYS:
        msg = (
            f"{work:,d} technician-days (technicians of every arm x {seeds} seeds{per_run}); the "
            f"cockpit runs at most {MAX_TECHNICIAN_DAYS:,d} at a time: use the command line "
            "(`twin compare`) for more"
        )
        raise ConfigError(msg)


def store_id(value: Any) -> str | None:
    """``value`` if it is shaped like a run or comparison id of the store, else None."""
    return value if isinstance(value, str) and _STORE_ID.match(value) else None


class RateLimit:
    """At most ``per_minute`` events in any 60 s (a sliding window; the clock is injected)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._times: deque[float] = deque()
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Count one event now; False (and not counted) when the minute's budget is spent."""
        with self._lock:
            now = self.clock()
            while self._times and now - self._times[0] >= 60.0:
                self._times.popleft()
            if len(self._times) >= self.per_minute:
                return False
            self._times.append(now)
            return True


def delete_one(
    store: RunStore,
    triggered: Any,
    jobs: RunningJobs | None = None,
    budget: RateLimit | None = None,
) -> bool:
    """Delete the one run or comparison a delete button names; False when nothing was
    clicked. ConfigError when refused: a comparison still running, or the deletions of the
    last minute spent (``budget``: a forged request cannot empty the store at once)."""
    if not isinstance(triggered, dict) or store_id(triggered.get("id")) is None:
        return False
    kind, ident = triggered.get("type"), triggered["id"]
    if kind not in ("runs-delete-run", "runs-delete-comparison"):
        return False
    if kind == "runs-delete-comparison" and jobs is not None and jobs.running(ident):
        raise ConfigError(f"comparison {ident} is still running; delete it when it is done")
    if budget is not None and not budget.take():
        msg = f"at most {budget.per_minute} deletions a minute; try again in a moment"
        raise ConfigError(msg)
    if kind == "runs-delete-run":
        store.delete_run(ident)
    else:
        store.delete_comparison(ident)
    return True
