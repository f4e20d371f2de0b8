"""The what-if cockpit: a Dash app with pages Compare, Trade-off, Day, Model, Runs, Shadow
and Training.

``create_app(store_path)`` builds the app on an embedded run store (one DuckDB file). Pages
live in ``twin/ui/pages`` and are imported here after the app exists (Dash requires that of
``register_page``); they reach the store and the background jobs through
:mod:`twin.ui.context`, never through this module. Everything is served from this machine
(``serve_locally``; no CDN, no map tiles).
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import dash
from dash import Dash, dcc, html

from twin.app.store import DEFAULT_STORE, RunStore
from twin.ui.access import require_key
from twin.ui.context import DELETIONS_KEY, JOBS_KEY, SCENARIOS_KEY, SHADOW_KEY, STORE_KEY
from twin.ui.guard import MAX_DELETES_PER_MINUTE, RateLimit
from twin.ui.jobs import Jobs

PAGES = ("compare", "tradeoff", "day", "model", "runs", "shadow", "training")


def create_app(
    store_path: Path | str = DEFAULT_STORE,
    *,
    scenarios_dir: Path | str = Path("data/scenarios"),
    workers: int | None = None,
    scheduler: str | None = None,
    access_key: str | None = None,
    shadow: tuple[str | None, str] = (None, "fieldtwin"),
) -> Dash:
    """The cockpit on the store at ``store_path``; comparisons run on an embedded Dask
    cluster of ``workers`` processes, or on the Dask cluster at ``scheduler``.
    With ``access_key``, every request (pages, assets, callbacks) must carry it
    (:mod:`twin.ui.access`). ``shadow`` (brokers, prefix): the shadow run whose live
    scorecard the Shadow page follows."""
    store = RunStore(store_path)
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        serve_locally=True,
        suppress_callback_exceptions=True,
        title="FieldTwin cockpit",
        update_title="",
    )
    n = workers if workers is not None else max(1, min(4, os.cpu_count() or 1))
    app.server.config[STORE_KEY] = store
    app.server.config[JOBS_KEY] = Jobs(store, n, scheduler)
    app.server.config[SCENARIOS_KEY] = str(scenarios_dir)
    app.server.config[DELETIONS_KEY] = RateLimit(MAX_DELETES_PER_MINUTE)
    app.server.config[SHADOW_KEY] = shadow
    if access_key is not None:
        require_key(app.server, access_key)
    for page in PAGES:
        importlib.import_module(f"twin.ui.pages.{page}")
    app.layout = html.Div(
        [
            html.Header(
                [
                    html.Span("FieldTwin", className="brand"),
                    html.Nav(
                        [
                            dcc.Link(p["name"], href=p["relative_path"], className="nav-link")
                            for p in sorted(dash.page_registry.values(), key=lambda p: p["order"])
                        ]
                    ),
                    html.Span(f"store: {store.path}", className="store-path"),
                ],
                className="header",
            ),
            html.Main(dash.page_container, className="main"),
        ]
    )
    return app
