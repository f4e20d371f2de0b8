"""The files of a period of working days (``twin run --days``, ``twin serve --days``):
the period's KPIs, ``period.json``, every request's story, the rebooking notices and the
period's HTML report, beside the period's event log."""

from __future__ import annotations

import json
from typing import Any, Protocol

from twin.config import Scenario


class PeriodState(Protocol):
    """What the files are written from (``twin.app.period._Period`` is one)."""

    scenario: Scenario
    seed: int
    day_kpis: list[dict[str, Any]]
    work: dict[str, list[float]]
    book: Any  # its requests and notices


def write_period(folder: Any, period: PeriodState, kpis: dict[str, Any], report: bool) -> None:
    """The period's files in ``folder`` (a :class:`~twin.app.outputs.RunFolder` holding the
    period's ``events.jsonl``): KPIs, ``period.json``, requests, notices, the report."""
    with (folder.path / "events.jsonl").open(encoding="utf-8") as fh:
        folder.log_lines = sum(1 for _ in fh)
    folder.write_json("kpis.json", kpis)
    folder.write_json(
        "period.json",
        {
            "scenario": period.scenario.name,
            "seed": period.seed,
            "kpis": kpis,
            "days": period.day_kpis,
        },
    )
    folder.write_lines(
        "requests.jsonl", (json.dumps(r.to_dict()) for r in period.book.requests.values())
    )
    folder.write_lines("notices.jsonl", (json.dumps(n) for n in period.book.notices))
    if report:
        from twin.analysis.report.period import write_period_report

        sc = period.scenario
        title = f"FieldTwin — {sc.name}, seed {period.seed}, policy {sc.policy.name}"
        title += f", {sc.period.days} working days"
        reqs = list(period.book.requests.values())
        limit = sc.period.average_work_min
        path = folder.path / "report.html"
        write_period_report(path, title, kpis, period.day_kpis, reqs, period.work, limit)
