"""The cockpit in a real browser: a Dash server in a thread, Debian's Chromium via Playwright.

Pages open at 1440x900, a manager's laptop. One app and one browser per session (Dash
attaches page callbacks to the first app of a process). Every page a test opens fails the
test on a browser console error; screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from twin.app.store import RunStore

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class Cockpit:
    url: str
    store: RunStore
    jobs: object
    console_errors: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def cockpit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cockpit]:
    from werkzeug.serving import make_server

    from twin.ui.app import create_app
    from twin.ui.context import JOBS_KEY

    store_path = tmp_path_factory.mktemp("ui") / "store.duckdb"
    app = create_app(store_path, scenarios_dir=ROOT / "data" / "scenarios", workers=1)
    port = _free_port()
    server = make_server("127.0.0.1", port, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    jobs = app.server.config[JOBS_KEY]
    try:
        yield Cockpit(f"http://127.0.0.1:{port}", RunStore(store_path), jobs)
    finally:
        server.shutdown()
        thread.join(10)
        jobs.join(60)
        jobs.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed (scripts/setup.sh --dev installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser, cockpit: Cockpit) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    errors: list[str] = []
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    context.close()
    assert errors == [], f"browser console errors: {errors}"


def shot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
