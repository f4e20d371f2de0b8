"""A day's report as one self-contained HTML file: KPI table, figures, extra sections.

The file must open on an offline machine and be mailed around, so plotly.js is embedded
inline exactly once (the first figure carries it, the others reuse it) and nothing links to
the internet: no CDN, no web fonts, no map tiles. Div ids are fixed, so the same log gives
the same bytes.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

import plotly.graph_objects as go

from twin.analysis.daylog import DayRead, read_day
from twin.analysis.kpi import KPI_SPECS, Kpis
from twin.analysis.report.figures import (
    lateness_histogram,
    punctuality_by_hour,
    tours_gantt,
    utilisation_by_technician,
    visit_map,
)
from twin.config import Scenario
from twin.events import Event

log = logging.getLogger(__name__)

Section = tuple[str, go.Figure | str]
_PLOT_CONFIG = {"displaylogo": False, "responsive": True}
_ARROWS = {True: "&uarr; better", False: "&darr; better", None: ""}
_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; color: #222; }
h1 { margin-bottom: 0.2rem; } .meta { color: #666; margin-top: 0; }
table.kpis { border-collapse: collapse; font-size: 0.92rem; }
table.kpis td, table.kpis th { padding: 0.25rem 0.8rem; border-bottom: 1px solid #e4e4e4; }
table.kpis th { text-align: left; }
table.kpis td.value { text-align: right; font-variant-numeric: tabular-nums; }
table.kpis td.note { color: #666; }
section { margin-top: 2.5rem; }
"""


def report_figures(
    events: Iterable[Event], scenario: Scenario, day: DayRead | None = None
) -> list[go.Figure]:
    """The standard figures of a day, in report order (``day``: the log already read)."""
    day = day if day is not None else read_day(events, scenario)
    return [
        tours_gantt((), acts=day.activities),
        punctuality_by_hour(day.outcomes),
        lateness_histogram(day.outcomes),
        utilisation_by_technician(day.days),
        visit_map(day.outcomes, day.days, scenario),
    ]


def kpi_table(kpis: Kpis) -> str:
    """The KPIs as an HTML table, in the order and with the units of :data:`KPI_SPECS`."""
    rows = []
    for spec in KPI_SPECS:
        value = spec.format(getattr(kpis, spec.name))
        rows.append(
            f"<tr><th scope='row'>{html.escape(spec.label)}</th>"
            f"<td class='value'>{html.escape(value)}</td>"
            f"<td class='note'>{_ARROWS[spec.higher_is_better]}</td>"
            f"<td class='note'>{html.escape(spec.definition)}</td></tr>"
        )
    head = "<tr><th>KPI</th><th>value</th><th></th><th>definition</th></tr>"
    return (
        f"<table class='kpis'>\n<thead>{head}</thead>\n<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody></table>"
    )


def render_report(
    events: Iterable[Event],
    kpis: Kpis,
    scenario: Scenario,
    title: str,
    extra_sections: Sequence[Section] = (),
    day: DayRead | None = None,
) -> str:
    """The report as one HTML string; ``extra_sections`` are (heading, figure or raw HTML)."""
    sections: list[Section] = [
        (fig.layout.title.text, fig) for fig in report_figures(events, scenario, day)
    ]
    sections += list(extra_sections)
    parts = []
    plotly_js_included = False
    for i, (heading, content) in enumerate(sections):
        if isinstance(content, go.Figure):
            body = content.to_html(
                full_html=False,
                include_plotlyjs=not plotly_js_included,
                div_id=f"figure-{i}",
                config=_PLOT_CONFIG,
            )
            plotly_js_included = True
        else:
            body = content  # trusted HTML from our own modules
        parts.append(f"<section>\n<h2>{html.escape(heading)}</h2>\n{body}\n</section>")
    meta = (
        f"scenario {html.escape(scenario.name)} &middot; {scenario.date.isoformat()} &middot; "
        f"dispatcher {scenario.policy.name} &middot; seed {scenario.seed}"
    )
    return (
        "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
        f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n<p class='meta'>{meta}</p>\n"
        f"{kpi_table(kpis)}\n" + "\n".join(parts) + "\n</body>\n</html>\n"
    )


def write_report(
    path: Path | str,
    events: Iterable[Event],
    kpis: Kpis,
    scenario: Scenario,
    title: str,
    extra_sections: Sequence[Section] = (),
    day: DayRead | None = None,
) -> Path:
    """Write the self-contained report to ``path`` (parents created); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = render_report(events, kpis, scenario, title, extra_sections, day)
    path.write_text(text, encoding="utf-8")
    log.info("report written to %s (%.1f MB)", path, len(text) / 1e6)
    return path
