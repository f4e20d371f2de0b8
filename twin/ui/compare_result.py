"""A stored comparison on the Compare page: the verdict, its chart, then the KPI tables.

Between them, the scorecard of the company's targets (:mod:`twin.ui.target_card`). The
tables show each arm's mean over seeds with its 95 % CI and, for every arm after the
first (the reference), the paired difference with its CI: green when significantly better,
red when significantly worse, grey "n.s." when the seeds cannot tell the arms apart.
Differences of shares are in percentage points (:mod:`twin.ui.verdict`).
"""

from __future__ import annotations

import math
from typing import Any

from dash import dcc, html

from twin.analysis.stats import KpiRow, summarise, verdict
from twin.app.notes import MAX_NAME, MAX_NOTE, title
from twin.app.store import ComparisonRecord, RunStore, StoreError
from twin.ui.target_card import arm_context, scorecard
from twin.ui.verdict import (
    arm_verdicts,
    difference_chart,
    difference_text,
    estimate_text,
    too_few_seeds,
)
from twin.ui.widgets import HEADLINE, control, data_attrs


def _diff_cell(row: KpiRow, i: int) -> html.Td:
    diff = row.differences[i]
    if diff is None:
        return html.Td("")
    v = verdict(row.spec, diff)
    cls = {"better": "better", "worse": "worse", "n.s.": "ns"}.get(v, "")
    mark = " n.s." if not diff.significant else ""
    return html.Td(
        [difference_text(row.spec, diff), html.Span(mark, className="ns")],
        className=cls,
        title="not significant: the 95% CI of the difference contains 0" if mark else v,
        **data_attrs(kpi=row.spec.name, arm=str(i), col="diff"),
    )


def kpi_table(rows: list[KpiRow], arms: list[str], run_links: dict[str, str]) -> html.Table:
    head: list[Any] = [html.Th("KPI")]
    for i, arm in enumerate(arms):
        link = run_links.get(arm)
        title: list[Any] = [arm, html.Br(), dcc.Link("open a day", href=link)] if link else [arm]
        head.append(html.Th(title))
        if i:
            head.append(html.Th([f"Δ {arm.split(':')[0]} vs A", html.Br(), "[95% CI]"]))
    body = []
    for row in rows:
        cells: list[Any] = [html.Td(row.spec.label, title=row.spec.definition)]
        for i, est in enumerate(row.estimates):
            cells.append(
                html.Td(
                    estimate_text(row.spec, est),
                    **data_attrs(kpi=row.spec.name, arm=str(i), col="mean"),
                )
            )
            if i:
                cells.append(_diff_cell(row, i))
        body.append(html.Tr(cells))
    return html.Table([html.Thead(html.Tr(head)), html.Tbody(body)], className="results")


def verdict_block(headline: list[KpiRow], seeds: int) -> html.Div:
    """One sentence per arm, a warning when the seeds are too few, the difference chart."""
    lines = [
        html.Div(v.sentence(), className="verdict", **data_attrs(arm=v.arm))
        for v in arm_verdicts(headline)
    ]
    warning = too_few_seeds(seeds)
    parts: list[Any] = [html.Div(lines, id="compare-verdict")]
    if warning:
        parts.append(html.Div(warning, id="compare-seed-warning", className="warning"))
    if len(headline) and len(headline[0].estimates) > 1:
        parts.append(
            dcc.Graph(
                id="compare-chart",
                figure=difference_chart(headline),
                config={"displaylogo": False, "displayModeBar": False},
            )
        )
    return html.Div(parts)


def note_form(record: ComparisonRecord) -> html.Div:
    """The manager's name and note on the comparison, saved to the store by a button."""
    return html.Div(
        [
            dcc.Store(id="compare-note-target", data=record.id),
            control(
                "Name",
                dcc.Input(
                    id="compare-name",
                    type="text",
                    value=record.name,
                    placeholder=record.label[:60],
                    maxLength=MAX_NAME,
                    style={"width": "320px"},
                ),
            ),
            control(
                "Note",
                dcc.Textarea(
                    id="compare-note",
                    value=record.note,
                    maxLength=MAX_NOTE,
                    style={"width": "520px", "height": "40px"},
                ),
            ),
            html.Button("Save name and note", id="compare-note-save", className="button"),
            html.Span(id="compare-note-saved", className="note"),
        ],
        className="controls",
    )


def comparison_view(store: RunStore, comparison_id: str) -> html.Div:
    """The stored comparison: verdict and chart, the headline table, all KPIs folded away."""
    try:
        record = store.comparison(comparison_id)
    except StoreError as exc:
        return html.Div(str(exc), className="error")
    by_arm = store.kpis_by_arm(comparison_id)
    rows = summarise(by_arm)
    first_ids: dict[str, str] = {}
    for r in store.runs(comparison_id):
        if r.arm is not None and r.arm not in first_ids:
            first_ids[r.arm] = r.id
    first_runs = {arm: f"/day?run={rid}" for arm, rid in first_ids.items()}
    targets, technician_days = arm_context(store, record, first_ids)
    first = next(iter(first_ids.values()), None)
    days = store.scenario(first).period.days if first is not None else 1
    per_run = f" · each run {days} working days, KPIs pooled" if days > 1 else ""
    arms = list(by_arm)
    n = min((len(v) for v in by_arm.values()), default=0)
    headline = [r for name in HEADLINE for r in rows if r.spec.name == name]
    nan_free = all(not math.isnan(e.mean) for r in headline for e in r.estimates)
    return html.Div(
        [
            html.H3(f"Result: {title(record)}", id="compare-title"),
            note_form(record),
            verdict_block(headline, n),
            scorecard(record, by_arm, targets, technician_days),
            html.P(
                f"Base scenario {record.base_scenario} · {n} seeds per arm{per_run} · "
                "mean ± 95% confidence interval over seeds · Δ = paired difference to arm A "
                "on the same seeds (pp: percentage points). Green: significantly better, red: "
                "significantly worse, grey n.s.: not significant (the interval contains 0).",
                className="note",
            ),
            kpi_table(headline, arms, first_runs),
            html.Details([html.Summary("All KPIs"), kpi_table(rows, arms, {})], open=not nan_free),
        ],
        id="compare-result-view",
        **data_attrs(comparison=comparison_id),
    )
