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

import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

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


def eta_by_lead(
    arrivals: Mapping[str, datetime],
    etas: Mapping[str, Sequence[ev.EtaUpdated]],
    edges: Sequence[float] = LEAD_EDGES_MIN,
    every_min: float = SAMPLE_EVERY_MIN,
) -> tuple[LeadBucket, ...]:
    """Coverage and error of the ETAs on show every ``every_min`` minutes before each
    arrival, by the lead they were issued with (``etas`` in time order per visit)."""
    rows: list[list[tuple[float, bool]]] = [[] for _ in range(len(edges) + 1)]
    for vid, arrived in arrivals.items():
        ups = etas.get(vid, ())
        if not ups:
            continue
        issued = [minutes_between(u.time, arrived) for u in ups]
        back = every_min
        while -back >= issued[0]:
            u = ups[bisect_right(issued, -back) - 1]
            lead = minutes_between(u.eta, u.time)
            rows[bisect_right(edges, lead)].append(
                (minutes_between(u.eta, arrived), u.eta_low <= arrived <= u.eta_high)
            )
            back += every_min
    bounds = (0.0, *edges, math.inf)
    out = []
    for b, got in enumerate(rows):
        err = np.array([e for e, _ in got], dtype=float)
        n = len(got)
        out.append(
            LeadBucket(
                (bounds[b], bounds[b + 1]),
                n,
                float(np.mean([c for _, c in got])) if n else 0.0,
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


def measure(events: Iterable[ev.Event]) -> Quality:
    windows: dict[str, ev.VisitBooked] = {}
    cancelled: set[str] = set()
    arrivals: dict[str, ev.Arrived] = {}
    etas: dict[str, list[ev.EtaUpdated]] = defaultdict(list)
    first_alert: dict[str, ev.DelayDetected] = {}
    notes: dict[str, int] = defaultdict(int)
    notified: set[str] = set()
    delay_notes: list[ev.CustomerNotified] = []
    day = None
    for e in events:
        if type(e) is ev.Position:  # most of a day's events, and none of them measured here
            continue
        if isinstance(e, ev.VisitBooked):
            windows[e.visit_id] = e
        elif isinstance(e, ev.VisitCancelled):
            cancelled.add(e.visit_id)
        elif isinstance(e, ev.Arrived) and e.visit_id and e.visit_id not in arrivals:
            arrivals[e.visit_id] = e
        elif isinstance(e, ev.EtaUpdated):
            etas[e.visit_id].append(e)
        elif isinstance(e, ev.DelayDetected) and e.visit_id not in first_alert:
            first_alert[e.visit_id] = e
        elif isinstance(e, ev.CustomerNotified):
            notes[e.kind] += 1
            notified.add(e.visit_id)
            if e.kind == "delay":
                delay_notes.append(e)
        elif isinstance(e, ev.ShiftStarted) and day is None:
            day = e.time.date()
    today = {
        v: b
        for v, b in windows.items()
        if v not in cancelled and (day is None or b.window_start.date() == day)
    }
    late = {v for v, b in today.items() if v not in arrivals or arrivals[v].time > b.window_end}
    errors: dict[int, list[float]] = {h: [] for h in HORIZONS}
    covered: dict[int, list[bool]] = {h: [] for h in HORIZONS}
    in_order = {v: sorted(ups, key=lambda u: u.time) for v, ups in etas.items()}
    for vid, arr in arrivals.items():
        ups = in_order.get(vid, [])
        # minus the minutes each update was issued before the arrival: non-decreasing, so
        # the updates issued at least h minutes before are a prefix (a bisection, not a scan)
        back = [-minutes_between(arr.time, u.time) for u in ups]
        for h in HORIZONS:
            issued_before = bisect_right(back, -h)
            if issued_before:
                err = eta_error(ups[issued_before - 1], arr.time)
                errors[h].append(err.error_min)
                covered[h].append(err.inside)
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
        visits_notified=len(notified),
        delay_warnings_in_time=in_time,
        eta_errors={h: tuple(errors[h]) for h in HORIZONS},
        eta_by_lead=eta_by_lead({v: a.time for v, a in arrivals.items()}, in_order),
    )
