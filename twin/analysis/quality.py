"""How good were the brain's decisions? Measured from the event log against what happened.

* **ETA accuracy**: for each visit and horizon H (60/30/15 min), the last ``eta_updated``
  issued at least H minutes before the actual arrival; error = ETA − arrival. Reported as
  MAE, and as the share of arrivals inside the issued [low, high] interval.
* **ETA calibration by lead**: every 5 minutes before each arrival, the ETA then on show
  (the last ``eta_updated`` issued by then), bucketed by its lead (ETA minus the time it
  was issued, which the brain knew): coverage of [low, high], mean and median error.
  Scoring by the *actual* horizon above conditions on the outcome: even a perfectly
  calibrated forecaster looks pessimistic shortly before an arrival and optimistic long
  before it (the ETA on show 15 minutes before an arrival is, by selection, one that did
  not yet know the job would end early). Conditioning on the lead is what a calibration
  can be held to.
* **Delay alerts**: a visit *was* late if the technician arrived after the window end or
  never came. Precision = alerted visits that were late / alerted visits; recall = late
  visits that were alerted / late visits; lead time = window end − first alert (minutes
  of warning before the promise was broken), median over true alerts.
* **Notifications**: messages per visit by kind, and delay warnings sent before the
  window closed.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from twin import events as ev
from twin.clock import minutes_between

HORIZONS = (60, 30, 15)
LEAD_EDGES_MIN = (10.0, 20.0, 40.0, 80.0, 160.0)
SAMPLE_EVERY_MIN = 5.0


@dataclass(frozen=True, slots=True)
class LeadBucket:
    """ETAs on show with a lead in ``[lead_min[0], lead_min[1])`` minutes."""

    lead_min: tuple[float, float]
    samples: int
    coverage: float
    bias_min: float  # mean(ETA - arrival)
    median_error_min: float
    mae_min: float

    def to_dict(self) -> dict[str, object]:
        return {
            "lead_min": list(self.lead_min),
            "samples": self.samples,
            "coverage": self.coverage,
            "bias_min": self.bias_min,
            "median_error_min": self.median_error_min,
            "mae_min": self.mae_min,
        }


@dataclass(frozen=True, slots=True)
class EtaSample:
    visit_id: str
    horizon_min: float
    error_min: float
    covered: bool


@dataclass(frozen=True)
class Quality:
    eta_mae_min: dict[int, float]
    eta_coverage: dict[int, float]
    eta_samples: dict[int, int]
    alerts: int
    late_visits: int
    precision: float
    recall: float
    lead_time_median_min: float
    lead_times_min: tuple[float, ...]
    notifications_by_kind: dict[str, int]
    visits_notified: int
    delay_warnings_in_time: int
    eta_errors: dict[int, tuple[float, ...]] = field(default_factory=dict)
    eta_by_lead: tuple[LeadBucket, ...] = ()
    # visits by the number of messages sent for them (the report's figure; not in to_dict)
    messages_per_visit: dict[int, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "eta_mae_min": {str(h): v for h, v in self.eta_mae_min.items()},
            "eta_coverage": {str(h): v for h, v in self.eta_coverage.items()},
            "eta_samples": {str(h): v for h, v in self.eta_samples.items()},
            "alerts": self.alerts,
            "late_visits": self.late_visits,
            "alert_precision": self.precision,
            "alert_recall": self.recall,
            "alert_lead_time_median_min": self.lead_time_median_min,
            "notifications_by_kind": self.notifications_by_kind,
            "visits_notified": self.visits_notified,
            "delay_warnings_in_time": self.delay_warnings_in_time,
            "eta_by_lead": [b.to_dict() for b in self.eta_by_lead],
        }


@dataclass(frozen=True, slots=True)
class _Updates:
    """The ETA updates of the arrived visits as arrays, visit after visit (in arrival
    order, each visit's in time order): times in integer microseconds, so that minutes
    between two of them are exactly :func:`minutes_between`'s (an exact integer, then the
    same two divisions). ``start[i]:start[i + 1]`` are visit ``i``'s updates."""

    start: np.ndarray
    arrival: np.ndarray  # per visit
    issued: np.ndarray  # minutes from the arrival to the update (negative: before it)
    time: np.ndarray
    low: np.ndarray
    eta: np.ndarray
    high: np.ndarray


_US = timedelta(microseconds=1)
_EXACT_S = 2.0**32  # below: a timestamp's float, times 1e6 and rounded, is its microsecond
_PROBE = 16_384  # times looked at for runs of one object, or recurring objects


def _micros(times: Iterable[datetime], epoch: datetime, n: int) -> np.ndarray:
    """Microseconds from ``epoch`` to each time, exact. A simulated day's times are shared
    objects (the brain hands out one per second) and often come in runs of one object (a
    tick's updates share their time). Judged on the first ``_PROBE``: runs are converted
    once each; else, when most objects recur, each distinct object once (found by its
    address: sorting a day's 1.3 M addresses costs less than converting them); else each."""
    times = times if isinstance(times, list) else list(times)
    probe = np.fromiter(map(id, times[:_PROBE]), dtype=np.int64)
    if len(probe) < 2:
        return _micros_each(times, epoch, n)
    if np.count_nonzero(probe[1:] != probe[:-1]) * 4 <= len(probe):
        ids = np.fromiter(map(id, times), dtype=np.int64, count=n)
        starts = np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1])))
        firsts = [times[i] for i in starts.tolist()]
        runs = np.diff(np.append(starts, n))
        return np.repeat(_micros_each(firsts, epoch, len(firsts)), runs)
    if len(np.unique(probe)) * 4 > len(probe) * 3:  # mostly distinct objects
        return _micros_each(times, epoch, n)
    ids = np.fromiter(map(id, times), dtype=np.int64, count=n)
    _, first, at = np.unique(ids, return_index=True, return_inverse=True)
    distinct = [times[i] for i in first.tolist()]
    return _micros_each(distinct, epoch, len(distinct))[at]


def _micros_each(times: list[datetime], epoch: datetime, n: int) -> np.ndarray:
    """As :func:`_micros`, each time converted: from ``datetime.timestamp`` (one C call,
    but a slow one: a million take half a second), whose float is within 0.25 µs of the
    instant while it is under 2**32 s after 1970, so rounding gives the integer; else by
    ``timedelta``."""
    stamps = np.fromiter(map(datetime.timestamp, times), dtype=float, count=n)
    if n and max(np.abs(stamps).max(), abs(epoch.timestamp())) < _EXACT_S:
        return np.rint(stamps * 1e6).astype(np.int64) - round(epoch.timestamp() * 1e6)
    deltas = map(operator.sub, times, itertools.repeat(epoch))
    return np.fromiter(
        map(operator.floordiv, deltas, itertools.repeat(_US)), dtype=np.int64, count=n
    )


def _minutes(later: np.ndarray, earlier: np.ndarray) -> np.ndarray:
    return (later - earlier) / 1e6 / 60.0  # as timedelta.total_seconds() / 60.0


def _updates(arrivals: Mapping[str, datetime], ups: Sequence[ev.EtaUpdated]) -> _Updates:
    """The table of the updates ``ups`` (in log order) of the visits in ``arrivals``: by
    visit in arrival order, each visit's by time (ties in log order, as a stable sort)."""
    n = len(ups)
    # one pass over the updates (millions of objects spread over the heap: touching each
    # once is most of the cost), their visit and four times
    flat = list(itertools.chain.from_iterable(map(_FIELDS, ups)))
    rank = dict(zip(arrivals, range(len(arrivals)), strict=False))
    # the arrival rank of each update's visit; -1: the visit never arrived
    of = np.fromiter(map(rank.get, flat[::5], itertools.repeat(-1)), dtype=np.int64, count=n)
    epoch = ups[0].time if ups else datetime(2000, 1, 1, tzinfo=UTC)
    time, low, eta, high = (_micros(flat[i::5], epoch, n) for i in range(1, 5))
    kept = np.flatnonzero(of >= 0)
    kept = kept[np.argsort(time[kept], kind="stable")]
    kept = kept[np.argsort(of[kept], kind="stable")]  # by visit, each in time order
    counts = np.bincount(of[kept], minlength=len(arrivals))
    visits = np.flatnonzero(counts)
    at = list(arrivals.values())
    arrival = _micros([at[v] for v in visits.tolist()], epoch, len(visits))
    counts = counts[visits]
    time, low, eta, high = time[kept], low[kept], eta[kept], high[kept]
    return _Updates(
        np.concatenate(([0], np.cumsum(counts))),
        arrival,
        _minutes(time, np.repeat(arrival, counts)),
        time,
        low,
        eta,
        high,
    )


_FIELDS = operator.attrgetter("visit_id", "time", "eta_low", "eta", "eta_high")


def eta_by_lead(
    arrivals: Mapping[str, datetime],
    etas: Mapping[str, Sequence[ev.EtaUpdated]],
    edges: Sequence[float] = LEAD_EDGES_MIN,
    every_min: float = SAMPLE_EVERY_MIN,
    table: _Updates | None = None,
) -> tuple[LeadBucket, ...]:
    """Coverage and error of the ETAs on show every ``every_min`` minutes before each
    arrival, by the lead they were issued with (``etas`` in time order per visit;
    ``table``: their arrays, when already built)."""
    if table is None:
        table = _updates(arrivals, list(itertools.chain.from_iterable(etas.values())))
    u = table
    first = -u.issued[u.start[:-1]] if len(u.issued) else np.zeros(0)
    backs = []  # 5, 10, 15, ... minutes before the arrival, added up as a loop would
    back = every_min
    while len(first) and back <= first.max():
        backs.append(back)
        back += every_min
    steps = np.searchsorted(np.asarray(backs, dtype=float), first, side="right")
    targets = -np.asarray(backs, dtype=float)
    bounds_of = zip(u.start[:-1].tolist(), u.start[1:].tolist(), steps.tolist(), strict=True)
    at = [  # per visit, the update on show at each step: the last issued by then
        a - 1 + u.issued[a:b].searchsorted(targets[:k], "right") for a, b, k in bounds_of
    ]
    j = np.concatenate(at) if at else np.zeros(0, dtype=np.int64)
    arrived = np.repeat(u.arrival, steps)
    eta, low, high = u.eta[j], u.low[j], u.high[j]
    bucket = np.searchsorted(np.asarray(edges, dtype=float), _minutes(eta, u.time[j]), "right")
    errors = _minutes(eta, arrived)
    covered = (low <= arrived) & (arrived <= high)
    bounds = (0.0, *edges, math.inf)
    out = []
    for b in range(len(edges) + 1):
        mine = bucket == b
        err, n = errors[mine], int(mine.sum())
        out.append(
            LeadBucket(
                (bounds[b], bounds[b + 1]),
                n,
                float(np.mean(covered[mine])) if n else 0.0,
                float(err.mean()) if n else 0.0,
                float(np.median(err)) if n else 0.0,
                float(np.abs(err).mean()) if n else 0.0,
            )
        )
    return tuple(out)


@dataclass(frozen=True, slots=True)
class EtaError:
    visit_id: str
    lead_min: float  # arrival - time of the update
    error_min: float  # eta - arrival: positive = predicted too late
    inside: bool  # arrival within [eta_low, eta_high]


def eta_error(update: ev.EtaUpdated, arrival: datetime) -> EtaError:
    """How far one published ETA was from the arrival, and whether its interval held it."""
    return EtaError(
        update.visit_id,
        minutes_between(arrival, update.time),
        minutes_between(update.eta, arrival),
        update.eta_low <= arrival <= update.eta_high,
    )


def eta_errors(events: Sequence[ev.Event]) -> list[EtaError]:
    arrived: dict[str, datetime] = {}
    for e in events:
        if isinstance(e, ev.Arrived) and e.visit_id is not None:
            arrived.setdefault(e.visit_id, e.time)
    out = []
    for e in events:
        if isinstance(e, ev.EtaUpdated) and e.visit_id in arrived and e.time <= arrived[e.visit_id]:
            out.append(eta_error(e, arrived[e.visit_id]))
    return out


def _at_horizons(u: _Updates) -> tuple[dict[int, list[float]], dict[int, list[bool]]]:
    """Per horizon H, over the arrived visits in order: the error of the last ETA issued at
    least H minutes before the arrival, and whether its interval held the arrival."""
    marks = -np.asarray(HORIZONS, dtype=float)
    # the updates issued at least h minutes before are a prefix of the visit's (a bisection)
    before = np.array(
        [u.issued[a:b].searchsorted(marks, "right") for a, b in itertools.pairwise(u.start)],
        dtype=np.int64,
    ).reshape(-1, len(HORIZONS))
    errors: dict[int, list[float]] = {}
    covered: dict[int, list[bool]] = {}
    for c, h in enumerate(HORIZONS):
        has = before[:, c] > 0
        j = u.start[:-1][has] + before[has, c] - 1
        arrived = u.arrival[has]
        eta, low, high = u.eta[j], u.low[j], u.high[j]
        errors[h] = _minutes(eta, arrived).tolist()
        covered[h] = ((low <= arrived) & (arrived <= high)).tolist()
    return errors, covered


def _split(events: Iterable[ev.Event]) -> tuple[list[ev.EtaUpdated], list[ev.Event]]:
    """The ETA updates, and the other events but pings, each in log order: sorted out by
    C loops (a day's log is millions of events, nine in ten of them pings or ETA updates)."""
    events = events if isinstance(events, Sequence) else list(events)
    kinds = list(map(type, events))
    ups = list(itertools.compress(events, map(operator.is_, kinds, itertools.repeat(_ETA))))
    rest = map(operator.not_, map(_NOT_MEASURED.__contains__, kinds))
    return ups, list(itertools.compress(events, rest))


_ETA = ev.EtaUpdated
_NOT_MEASURED = frozenset({ev.Position, ev.EtaUpdated})  # pings: none of them measured here


def measure(events: Iterable[ev.Event]) -> Quality:
    windows: dict[str, ev.VisitBooked] = {}
    cancelled: set[str] = set()
    arrivals: dict[str, ev.Arrived] = {}
    first_alert: dict[str, ev.DelayDetected] = {}
    notes: dict[str, int] = defaultdict(int)
    per_visit: Counter[str] = Counter()  # messages
    delay_notes: list[ev.CustomerNotified] = []
    day = None
    ups, rest = _split(events)
    for e in rest:
        if isinstance(e, ev.CustomerNotified):  # the most frequent: tested first
            notes[e.kind] += 1
            per_visit[e.visit_id] += 1
            if e.kind == "delay":
                delay_notes.append(e)
        elif isinstance(e, ev.VisitBooked):
            windows[e.visit_id] = e
        elif isinstance(e, ev.VisitCancelled):
            cancelled.add(e.visit_id)
        elif isinstance(e, ev.Arrived) and e.visit_id and e.visit_id not in arrivals:
            arrivals[e.visit_id] = e
        elif isinstance(e, ev.DelayDetected) and e.visit_id not in first_alert:
            first_alert[e.visit_id] = e
        elif isinstance(e, ev.ShiftStarted) and day is None:
            day = e.time.date()
        elif isinstance(e, ev.EtaUpdated):  # a subclass (the exact type is sorted out above)
            ups.append(e)
    today = {
        v: b
        for v, b in windows.items()
        if v not in cancelled and (day is None or b.window_start.date() == day)
    }
    late = {v for v, b in today.items() if v not in arrivals or arrivals[v].time > b.window_end}
    table = _updates({v: a.time for v, a in arrivals.items()}, ups)
    errors, covered = _at_horizons(table)
    alerted = set(first_alert) & set(today)
    tp = alerted & late
    leads = tuple(sorted(minutes_between(today[v].window_end, first_alert[v].time) for v in tp))
    in_time = sum(
        1 for n in delay_notes if n.visit_id in today and n.time <= today[n.visit_id].window_end
    )
    return Quality(
        eta_mae_min={h: float(np.mean(np.abs(errors[h]))) if errors[h] else 0.0 for h in HORIZONS},
        eta_coverage={h: float(np.mean(covered[h])) if covered[h] else 0.0 for h in HORIZONS},
        eta_samples={h: len(errors[h]) for h in HORIZONS},
        alerts=len(alerted),
        late_visits=len(late),
        precision=len(tp) / len(alerted) if alerted else 0.0,
        recall=len(tp) / len(late) if late else 0.0,
        lead_time_median_min=float(np.median(leads)) if leads else 0.0,
        lead_times_min=leads,
        notifications_by_kind=dict(sorted(notes.items())),
        visits_notified=len(per_visit),
        delay_warnings_in_time=in_time,
        eta_errors={h: tuple(errors[h]) for h in HORIZONS},
        eta_by_lead=eta_by_lead({}, {}, table=table),
        messages_per_visit=dict(sorted(Counter(per_visit.values()).items())),
    )
