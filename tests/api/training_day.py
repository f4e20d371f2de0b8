"""One served training day, played once for ``test_training.py`` and
``test_training_browser.py`` (starting ``twin train``, finishing its day and debriefing it
through the CLI were most of the cost of each): what the desk, the API and the page answered
on the way is kept for the tests to check.

At 09:20 (API): the queue, the first call booked in the planner's first offer, a visit
moved, a refused move, a sick colleague's visit moved by "apply suggestion" in Chromium.
At 09:45 (Chromium, the desk as a trainee uses it): an emergency accepted onto T005 (and
accepted again: refused with the reason), another of the sick colleague's visits moved to
T004, the second call given one of the planner's offers, the debrief with each decision
priced. Then the day is finished and debriefed by ``twin train --debrief --effects``.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.api.served import KEY, ROOT, Served, job
from tests.ui.conftest import CHROMIUM, CHROMIUM_ARGS

EXERCISE = """
name = "test-exercise"
title = "A sick technician, two calls and an emergency"
difficulty = 3
scenario = "{scenario}"
seed = 5
goals = ["Answer the calls", "Re-plan T001's visits", "Send somebody to the emergency"]

[[disturbance]]
at = "08:40"
kind = "sick"
technicians = ["T001"]
note = "T001 calls in sick."

[[disturbance]]
at = "09:05"
kind = "call"
customer_id = "C-CALLER"
x = 4.0
y = 6.0
note = "A customer asks for a repair today."

[[disturbance]]
at = "09:10"
kind = "call"
customer_id = "C-CALLER-2"
x = 4.0
y = 6.0
note = "Another customer asks for a repair today."

[[disturbance]]
at = "09:30"
kind = "emergency"
customer_id = "C-EMERG"
x = 3.0
y = 4.0
note = "Gas smell in a cellar."
"""
LEFT = {"x": 5, "y": 5}  # a queue item is clicked on its text, not its apply button


@dataclass
class TrainingDay:
    served: Served
    exercise: Path
    seen: dict[str, Any] = field(default_factory=dict)  # answers on the way, by name
    errors: list[str] = field(default_factory=list)  # the page's console errors
    cli: subprocess.CompletedProcess[str] | None = None  # twin train --debrief --effects


def _at_0920(served: Served, seen: dict[str, Any]) -> None:
    served.run_until("09:20")
    desk = seen["desk"] = served.api("GET", "/desk").json()
    call = seen["call"] = next(q for q in desk["queue"] if q["kind"] == "call")
    offers = served.api(
        "POST",
        "/offers",
        {"channel": "call_centre", "job": job(customer_id="C-CALLER", x=4.0, y=6.0)},
    ).json()["offers"]
    start, end = offers[0]["local"].split("–")
    body = {"channel": "call_centre", "call_id": call["call_id"], "window_start": start,
            "window_end": end, "job": job(customer_id="C-CALLER", x=4.0, y=6.0)}  # fmt: skip
    seen["booked"] = served.api("POST", "/bookings", body)
    seen["queue after booking"] = served.api("GET", "/desk").json()["queue"]
    tech = next(t for t in desk["technicians"] if t["available"] and t["route"])
    other = seen["other"] = next(
        t for t in desk["technicians"] if t["available"] and t["id"] != tech["id"]
    )
    vid = seen["moved visit"] = tech["route"][-1]["visit_id"]
    seen["moved"] = served.api(
        "POST", "/dispatch/move", {"visit_id": vid, "technician_id": other["id"], "position": 0}
    )
    seen["after"] = served.api("GET", "/desk").json()
    seen["refused move"] = served.api(
        "POST", "/dispatch/move", {"visit_id": "V999", "technician_id": other["id"]}
    )
    seen["orphan"] = next(q for q in seen["after"]["queue"] if q["kind"] == "unassigned")


def _answer_after(page: Any, click: str, expected: str) -> str:
    page.evaluate("document.getElementById('answer').textContent = ''")
    page.click(click)
    page.wait_for_function(
        "(t) => document.getElementById('answer').textContent.includes(t)",
        arg=expected,
        timeout=20_000,
    )
    return str(page.inner_text("#answer"))


def _page_0920(page: Any, served: Served, seen: dict[str, Any]) -> None:
    page.goto(f"{served.base}/desk")
    page.fill("#key", KEY)
    page.dispatch_event("#key", "change")
    page.wait_for_selector("#nowline", state="attached")
    seen["title"] = page.inner_text("#title")
    seen["map squares"] = page.locator("#map rect").count()
    seen["queue text"] = page.inner_text("#queue")
    i = seen["after"]["queue"].index(seen["orphan"])
    seen["applied"] = _answer_after(
        page,
        f"#queue .unassigned[data-i='{i}'] button.apply",
        f"moved {seen['orphan']['visit_id']}",
    )


def _api_0945(served: Served, seen: dict[str, Any]) -> None:
    served.run_until("09:45")
    seen["neither"] = served.api("POST", "/dispatch/refuse", {"reason": "full"})
    seen["unknown"] = served.api(
        "POST", "/dispatch/make-room", {"visit_id": "A0009", "give_way": "V001"}
    )


def _page_0945(page: Any, seen: dict[str, Any], tmp: Path) -> None:
    page.wait_for_selector("#queue .emergency >> text=waits for an answer")
    # the emergency, onto T005 next
    page.click("#queue .emergency >> text=waits for an answer", position=LEFT)
    seen["emergency picked"] = page.input_value("#visit")
    page.select_option("#tech", "T005")
    page.fill("#pos", "0")
    _answer_after(page, "#do-accept", f"accepted {seen['emergency picked']}")
    _answer_after(page, "#do-accept", "is no emergency waiting")  # refused, with the reason
    # one of the sick colleague's visits, to T004
    page.click("#queue .unassigned >> nth=0", position=LEFT)
    page.select_option("#tech", "T004")
    page.fill("#pos", "")
    _answer_after(page, "#do-move", "moved")
    # the calling customer: the planner's offers, the first taken
    page.click("#queue .call", position=LEFT)
    page.wait_for_selector("#call .offer")
    _answer_after(page, "#call .offer >> nth=0", "booked")
    page.click("#do-timeline")  # the debrief with each decision priced
    page.wait_for_selector("#timeline", timeout=120_000)
    seen["debrief text"] = page.inner_text("#debrief")
    seen["bars"] = page.locator("#timeline-chart rect.cost").count()
    seen["timeline"] = page.eval_on_selector_all(
        "#timeline tr", "(trs) => trs.slice(1).map((tr) => [...tr.cells].map((c) => c.innerText))"
    )
    page.screenshot(path=str(tmp / "desk.png"))


def play(tmp: Path) -> TrainingDay:
    """The day played (see the module docstring); the server is stopped at the end."""
    from playwright.sync_api import sync_playwright

    served = Served(tmp)  # writes the scenario the exercise names
    exercise = tmp / "exercise.toml"
    exercise.write_text(EXERCISE.format(scenario=served.scenario))
    day = TrainingDay(Served(tmp, exercise=exercise).start("--paused"), exercise)
    served, seen = day.served, day.seen
    try:
        _at_0920(served, seen)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.on("console", lambda m: day.errors.append(m.text) if m.type == "error" else None)
            _page_0920(page, served, seen)
            _api_0945(served, seen)
            _page_0945(page, seen, tmp)
            browser.close()
        seen["finished"] = served.finish()
    finally:
        served.stop()
    cmd = [sys.executable, "-c", "import sys; from twin.cli import main; sys.exit(main())",
           "train", "--debrief", str(served.state), "--effects",
           "--store", str(tmp / "store.duckdb")]  # fmt: skip
    day.cli = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    return day
