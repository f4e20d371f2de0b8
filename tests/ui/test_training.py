"""The Training page in Chromium: the shipped exercises, a session started (the desk's
server answers with the key the page shows), and the trainer's view of stored debriefs,
side by side with their score parts as a chart."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from tests.api.served import SERVED_TOML
from tests.ui.conftest import ROOT, Cockpit, shot
from twin.app.training.debrief import debrief
from twin.app.training.exercise import Exercise
from twin.app.training.session import Session
from twin.app.training.stored import add_debrief


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
        deadline, status = time.monotonic() + 90, None
        while time.monotonic() < deadline and status is None:
            try:
                status = httpx.get(f"{base}/api/v1/desk", headers={"X-API-Key": key}, timeout=10)
            except httpx.TransportError:
                time.sleep(0.2)
        assert status is not None and status.status_code == 200, status
        assert status.json()["paused"] is True
        assert Path(cockpit.store.path.parent / "train" / "calm-day" / "carla").is_dir()
        shot(page, "training-started")
    finally:
        os.kill(pid, signal.SIGTERM)
        with contextlib.suppress(ChildProcessError):  # reaped already
            os.waitpid(pid, 0)


@pytest.fixture(scope="module")
def stored(cockpit: Cockpit, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, object]]:
    """Two trainees' debriefs of a small exercise: anna did nothing, ben let the autopilot."""
    tmp = tmp_path_factory.mktemp("debriefs")
    (tmp / "served.toml").write_text(SERVED_TOML)
    exercise = Exercise.model_validate(
        {"name": "small-sick", "title": "T001 is sick", "difficulty": 2,
         "scenario": str(tmp / "served.toml"), "seed": 5, "goals": ["Re-plan T001's visits"],
         "disturbance": [{"at": "08:40", "kind": "sick", "technicians": ["T001"]}]}
    )  # fmt: skip
    out = []
    for trainee, assistance in (("anna", "none"), ("ben", "autopilot")):
        session = Session(exercise, tmp / trainee, assistance=assistance)
        session.run_to_end()
        brief = debrief(session, effects=False).to_dict()
        add_debrief(cockpit.store, brief, session=str(tmp / trainee), trainee=trainee)
        out.append(brief)
    return out


def test_trainees_side_by_side_with_their_score_parts(  # type: ignore[no-untyped-def]
    page, cockpit: Cockpit, stored: list[dict[str, object]]
) -> None:
    anna, ben = stored
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
    shot(page, "training-debriefs")
