"""The Training page in Chromium: the shipped exercises, a session started (the desk's
server answers with the key the page shows), the trainer's live view of a session's
trainees while their days run, and the trainer's view of stored debriefs, side by side
with their score parts and each priced decision as a table and a chart."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from tests.api.served import SERVED_TOML
from tests.ui.conftest import ROOT, Cockpit, shot
from twin.app.training.debrief import debrief
from twin.app.training.exercise import Exercise, load_exercise
from twin.app.training.launch import LOG
from twin.app.training.session import Session
from twin.app.training.stored import add_debrief
from twin.app.training.timeline import unassigned
from twin.app.training.trainer import live_trainees


def test_exercises_are_listed_and_debriefs_explained(page, cockpit: Cockpit) -> None:  # type: ignore[no-untyped-def]
    page.goto(cockpit.url + "/training")
    page.wait_for_selector("#training-exercises")
    shipped = sorted(p.stem for p in (ROOT / "data" / "exercises").glob("*.toml"))
    rows = page.locator("#training-exercises tr[data-exercise]")
    assert (
        sorted(rows.nth(i).get_attribute("data-exercise") for i in range(rows.count())) == shipped
    )
    if page.locator("#training-no-debriefs").count():
        assert "twin train --debrief" in page.inner_text("#training-no-debriefs")


def test_a_session_starts_from_the_page(page, cockpit: Cockpit) -> None:  # type: ignore[no-untyped-def]
    page.goto(cockpit.url + "/training")
    page.wait_for_selector("#training-start")
    page.fill("#training-trainee", "not a name")
    page.click("#training-start")
    page.wait_for_selector("#training-error")
    assert "trainee: 'not a name' is not a name" in page.inner_text("#training-error")
    page.fill("#training-trainee", "carla")
    page.click("#training-start")
    page.wait_for_selector("#training-desk")
    pid = int(page.get_attribute("#training-session", "data-pid") or "0")
    try:
        link = page.get_attribute("#training-desk", "href") or ""
        url, key = link.split("#key=")
        base = url.removesuffix("/desk")
        folder = cockpit.store.path.parent / "train" / "calm-day" / "carla"
        log = folder / LOG
        assert str(log) in page.inner_text("#training-session")
        deadline, status = time.monotonic() + 90, None
        while time.monotonic() < deadline and status is None:
            assert os.waitpid(pid, os.WNOHANG) == (0, 0), log.read_text(encoding="utf-8")
            try:
                status = httpx.get(f"{base}/api/v1/desk", headers={"X-API-Key": key}, timeout=10)
            except httpx.TransportError:
                time.sleep(0.2)
        assert status is not None and status.status_code == 200, log.read_text(encoding="utf-8")
        assert status.json()["paused"] is True
        assert folder.is_dir()
        shot(page, "training-started")
    finally:
        os.kill(pid, signal.SIGTERM)
        with contextlib.suppress(ChildProcessError):  # reaped already
            os.waitpid(pid, 0)


def _to(session: Session, minute: float) -> None:
    while session.day.now < minute and session.day.tick():
        pass


def _move_an_orphan(session: Session) -> None:
    """At 09:00, the first of the sick T001's visits to a colleague with the skill."""
    _to(session, 9 * 60)
    world = session.day.world
    vid = unassigned(session.day)[0]
    tid = next(t for t, s in sorted(world.specs.items()) if world.tasks[vid].skill in s.skills
               and world.status[t].available)  # fmt: skip
    answer = session.day.request(
        {"kind": "move", "visit_id": vid, "technician_id": tid, "by": "trainee"}
    )
    assert answer["status"] == "moved", answer


@pytest.fixture(scope="module")
def stored(cockpit: Cockpit, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, object]]:
    """Three trainees' debriefs of a small exercise: anna did nothing, ben let the
    autopilot, cleo moved one of T001's visits (her decision priced)."""
    tmp = tmp_path_factory.mktemp("debriefs")
    (tmp / "served.toml").write_text(SERVED_TOML)
    exercise = Exercise.model_validate(
        {"name": "small-sick", "title": "T001 is sick", "difficulty": 2,
         "scenario": str(tmp / "served.toml"), "seed": 5, "goals": ["Re-plan T001's visits"],
         "disturbance": [{"at": "08:40", "kind": "sick", "technicians": ["T001"]}]}
    )  # fmt: skip
    out = []
    for trainee, assistance in (("anna", "none"), ("ben", "autopilot"), ("cleo", "none")):
        session = Session(exercise, tmp / trainee, assistance=assistance)
        if trainee == "cleo":
            _move_an_orphan(session)
        session.run_to_end()
        brief = debrief(session, effects=trainee == "cleo").to_dict()
        add_debrief(cockpit.store, brief, session=str(tmp / trainee), trainee=trainee)
        out.append(brief)
    return out


def test_trainees_side_by_side_with_their_score_parts(  # type: ignore[no-untyped-def]
    page, cockpit: Cockpit, stored: list[dict[str, object]]
) -> None:
    anna, ben, cleo = stored
    assert ben["score"] == 100.0 and float(anna["score"]) < 100.0  # type: ignore[arg-type]
    page.goto(cockpit.url + "/training")
    page.wait_for_selector("#training-side-by-side")
    table = page.locator("#training-side-by-side")
    cost = "Total cost (EUR)"
    for name, brief in (("anna", anna), ("ben", ben)):
        score = table.locator(f"td[data-trainee='{name}'][data-kpi='score']").inner_text()
        assert score == f"{brief['score']:.1f}"
        row = next(k for k in brief["kpis"] if k["kpi"] == cost)  # type: ignore[attr-defined]
        cell = table.locator(f"td[data-trainee='{name}'][data-kpi='{cost}']").inner_text()
        assert cell.startswith(f"{row['trainee']:,.2f}")
    page.wait_for_selector("#training-parts .main-svg")
    legend = page.locator("#training-parts .legend").text_content() or ""
    assert f"anna ({anna['score']:.1f})" in legend and "ben (100.0)" in legend
    (decision,) = cleo["decisions"]  # type: ignore[misc]
    row = page.locator("#training-decisions tr[data-trainee='cleo'][data-i='0'] td")
    assert row.nth(2).inner_text() == decision["what"]
    assert row.nth(4).inner_text() == decision["instead"]
    assert row.nth(5).inner_text() == f"{decision['cost_eur']:+,.0f}"
    assert page.locator("#training-decisions tr[data-trainee='anna']").count() == 0
    page.wait_for_selector("#training-decisions-chart .main-svg")
    assert page.locator("#training-decisions-chart .legend").text_content() == "traineecleo"
    assert page.locator("#training-decisions-chart .bars .point").count() == 1
    shot(page, "training-debriefs")


LIVE = """name = "small-live"
title = "T001 is sick"
difficulty = 2
scenario = "{scenario}"
seed = 5
goals = ["Re-plan T001's visits"]

[[disturbance]]
at = "08:40"
kind = "sick"
technicians = ["T001"]
"""


def test_a_sessions_trainees_side_by_side_while_their_days_run(  # type: ignore[no-untyped-def]
    page, cockpit: Cockpit, tmp_path: Path
) -> None:
    """dana's day runs (at 10:00, one visit moved by hand), eli's ended with the autopilot
    in the seat: the trainer sees both, each debriefed as of now, read from their folders."""
    (tmp_path / "served.toml").write_text(SERVED_TOML)
    (tmp_path / "live.toml").write_text(LIVE.format(scenario=tmp_path / "served.toml"))
    root = cockpit.store.path.parent / "train" / "small-live"
    live = {}
    for trainee, assistance in (("dana", "none"), ("eli", "autopilot")):
        folder = root / trainee
        folder.mkdir(parents=True)
        setup = {"exercise": str(tmp_path / "live.toml"), "assistance": assistance}
        (folder / "exercise.json").write_text(json.dumps(setup))
        session = live[trainee] = Session(
            load_exercise(str(tmp_path / "live.toml")), folder, assistance=assistance
        )
        if trainee == "dana":
            _move_an_orphan(session)
            _to(session, 10 * 60)
        else:
            session.run_to_end()
    trainees = {t.record.trainee: t for t in live_trainees(root.parent, "small-live")}
    assert (trainees["dana"].now, trainees["dana"].over) == ("10:00", False)
    assert trainees["eli"].over and trainees["eli"].record.score == 100.0
    for name, session in live.items():  # the replica's debrief is the running day's own
        assert trainees[name].record.debrief == debrief(session, effects=False).to_dict()
    page.goto(cockpit.url + "/training")
    page.click("#training-live-exercise label:has-text('small-live')")
    page.wait_for_selector("#training-live-side-by-side")
    table = page.locator("#training-live-side-by-side")
    for name, t in trainees.items():
        score = table.locator(f"td[data-trainee='{name}'][data-kpi='score']").inner_text()
        assert score == f"{t.record.score:.1f}"
    assert (
        page.get_attribute("#training-live-clocks span[data-trainee='dana']", "data-now") == "10:00"
    )
    assert "eli: day over" in page.inner_text("#training-live-clocks")
    live["dana"].day.request(
        {"kind": "defer", "visit_id": unassigned(live["dana"].day)[0], "by": "trainee"}
    )
    _to(live["dana"], 10 * 60 + 30)  # the day runs on: the trainer refreshes
    page.click("#training-live-refresh")
    page.wait_for_selector("#training-live-clocks span[data-trainee='dana'][data-now='10:30']")
    assert "(3 requests)" in page.inner_text("#training-live-clocks span[data-trainee='dana']")
    shot(page, "training-live")
