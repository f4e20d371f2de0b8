"""Delay warnings against the visits that were actually late: precision, recall, lead time.

A source's *warnings* are of one kind: ``notice`` (a ``customer_notified`` of kind
``delay``, what the customer got) or ``alert`` (a ``delay_detected``, the brain's internal
alarm). Only today's visits count (see :mod:`twin.analysis.daylog`: the last booking's
window on the day, never cancelled). A visit *was late* if the technician arrived after
the window end, or never arrived. For each source and kind:

* precision = warned visits that were late / warned visits;
* recall = late visits that were warned / late visits;
* lead time = window end − the first warning, in minutes, median over the late visits
  that were warned (negative: warned only after the promise was broken); ``in_time``
  counts those warned by the window end.

Figures over an empty set are None (not 0: "no warning sent" is not "all wrong").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import numpy as np

from twin import events as ev
from twin.clock import minutes_between

WarningKind = Literal["notice", "alert"]


@dataclass(frozen=True, slots=True)
class WarningScore:
    source: str
    kind: WarningKind
    sent: int  # warnings of this kind, any visit, repeats included
    warned: int  # today's visits warned at least once
    late: int
    true_warnings: int  # warned and late
    precision: float | None
    recall: float | None
    lead_median_min: float | None
    in_time: int

    @property
    def carried(self) -> bool:
        return self.sent > 0

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "kind": self.kind,
            "carried": self.carried,
            "sent": self.sent,
            "warned": self.warned,
            "late": self.late,
            "true_warnings": self.true_warnings,
            "precision": self.precision,
            "recall": self.recall,
            "lead_median_min": self.lead_median_min,
            "in_time": self.in_time,
        }


def is_warning(e: ev.Event, kind: WarningKind) -> bool:
    if kind == "notice":
        return isinstance(e, ev.CustomerNotified) and e.kind == "delay"
    return isinstance(e, ev.DelayDetected)


def score_warnings(
    source: str,
    kind: WarningKind,
    decisions: Iterable[ev.Event],
    window_end: Mapping[str, datetime],
    late: set[str],
) -> WarningScore:
    """Score one source's warnings of ``kind`` against today's visits (``window_end`` by
    visit id) and the set of those that were ``late``."""
    first: dict[str, datetime] = {}
    sent = 0
    for e in decisions:
        if not is_warning(e, kind):
            continue
        sent += 1
        vid = e.visit_id  # type: ignore[attr-defined]
        if vid in window_end and (vid not in first or e.time < first[vid]):
            first[vid] = e.time
    true = sorted(v for v in first if v in late)
    leads = [minutes_between(window_end[v], first[v]) for v in true]
    return WarningScore(
        source=source,
        kind=kind,
        sent=sent,
        warned=len(first),
        late=len(late),
        true_warnings=len(true),
        precision=len(true) / len(first) if first else None,
        recall=len(true) / len(late) if late else None,
        lead_median_min=float(np.median(leads)) if leads else None,
        in_time=sum(1 for lead in leads if lead >= 0),
    )
