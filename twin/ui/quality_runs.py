"""ETA and alert quality across the stored runs with the brain, for the Model page.

One run says little about a model: a calm day has few delays to alert. This pools the
newest stored runs whose brain decided something (up to :data:`MAX_RUNS`): per run and
pooled, the share of ETAs on show whose interval held the arrival, by how long before the
arrival they were on show (the lead-time buckets of :func:`twin.analysis.quality.measure`),
and delay-alert precision and recall. Pooled shares weigh every sample (or alert, or late
visit) once, so a big day counts for more than a small one. Each run's measures are cached
by run id: a stored run never changes.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from dash import html

from twin.analysis.quality import LEAD_EDGES_MIN, Quality, measure
from twin.app.store import RunRecord, RunStore
from twin.ui.metrics import has_brain_decisions
from twin.ui.widgets import data_attrs

MAX_RUNS = 12
BUCKETS = len(LEAD_EDGES_MIN) + 1


@dataclass(frozen=True, slots=True)
class RunQuality:
    """What one run contributes: per lead bucket (samples, covered), and alert counts."""

    run_id: str
    name: str
    coverage: tuple[tuple[int, int], ...]
    alerts: int
    hits: int
    late: int


def run_quality(record: RunRecord, q: Quality, name: str) -> RunQuality:
    buckets = [
        (b.samples, round(b.coverage * b.samples) if b.samples else 0) for b in q.eta_by_lead
    ]
    buckets += [(0, 0)] * (BUCKETS - len(buckets))
    hits = round(q.precision * q.alerts)
    return RunQuality(record.id, name, tuple(buckets[:BUCKETS]), q.alerts, hits, q.late_visits)


def pooled(rows: Sequence[RunQuality]) -> RunQuality:
    """All rows as one: samples, alerts, hits and late visits summed."""
    coverage = tuple(
        (sum(r.coverage[i][0] for r in rows), sum(r.coverage[i][1] for r in rows))
        for i in range(BUCKETS)
    )
    return RunQuality(
        "",
        f"all {len(rows)} runs",
        coverage,
        sum(r.alerts for r in rows),
        sum(r.hits for r in rows),
        sum(r.late for r in rows),
    )


@lru_cache(maxsize=64)
def _measured(path: Path, run_id: str) -> Quality | None:
    """The run's measures, None when its brain decided nothing (cached: runs never change)."""
    events = RunStore(path).events(run_id)
    return measure(events) if has_brain_decisions(events) else None


def stored_quality(store: RunStore) -> list[RunQuality]:
    """The newest runs with brain decisions, at most MAX_RUNS, measured."""
    out: list[RunQuality] = []
    for record in store.runs():
        if len(out) >= MAX_RUNS:
            break
        q = _measured(store.path, record.id)
        if q is not None:
            name = f"{record.arm or record.scenario_name} · seed {record.seed}"
            out.append(run_quality(record, q, name))
    return out


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "–"


def _edges() -> list[str]:
    edges = [0.0, *LEAD_EDGES_MIN]
    heads = [f"{a:g}–{b:g} min" for a, b in itertools.pairwise(edges)]
    return [*heads, f"≥ {edges[-1]:g} min"]


def quality_table(rows: Sequence[RunQuality]) -> html.Table:
    """One row per run and a pooled row: interval coverage by lead, precision, recall."""
    head = ["run", *(f"ETA in interval, {h} ahead" for h in _edges())]
    head += ["alerts", "precision", "late visits", "recall"]
    body = []
    for r in [*rows, pooled(rows)]:
        cells: list[Any] = [r.name]
        cells += [_share(c, n) + (f" ({n})" if n else "") for n, c in r.coverage]
        cells += [str(r.alerts), _share(r.hits, r.alerts), str(r.late), _share(r.hits, r.late)]
        body.append(
            html.Tr([html.Td(c) for c in cells], **data_attrs(run=r.run_id or "all")),
        )
    return html.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(body)],
        className="results",
        id="model-across",
    )
