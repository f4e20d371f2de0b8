"""Self-contained HTML reports of a day: KPI table and figures, readable offline."""

from twin.analysis.report.figures import (
    lateness_histogram,
    punctuality_by_hour,
    tours_gantt,
    utilisation_by_technician,
    visit_map,
)
from twin.analysis.report.html import kpi_table, render_report, report_figures, write_report

__all__ = [
    "kpi_table",
    "lateness_histogram",
    "punctuality_by_hour",
    "render_report",
    "report_figures",
    "tours_gantt",
    "utilisation_by_technician",
    "visit_map",
    "write_report",
]
