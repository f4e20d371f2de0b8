"""Analysis of event logs: KPIs, decision quality, statistics over seeds, the HTML report.
Reads events and models only."""
