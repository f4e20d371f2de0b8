"""Outside reschedules and cancels are events with their request id and channel, and a
served day with bookings, reschedules and cancels over HTTP, run at ``--speed max``, is
rebuilt from its journal to the same log, byte for byte."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.api.conftest import token_of
from tests.api.served import Served, job
from twin import events as ev
from twin.api.server import link_secret
from twin.app.live import LiveDay, read_setup
from twin.app.live.day import JOURNAL
from twin.config import Scenario
from twin.models.decisions.links import LinkSigner


def _book(served: Served, n: int, key: str | None) -> dict[str, Any]:
    body = {"channel": "portal", "job": job(customer_id=f"C-RID{n}", x=2.0 + n, y=6.0)}
    headers = {} if key is None else {"Idempotency-Key": key}
    r = served.api("POST", "/bookings", body, **headers)
    assert r.status_code == 201 and r.json()["status"] == "booked", r.text
    return dict(r.json())


def _outside_requests(served: Served) -> dict[str, str]:
    """Book four visits, then move and cancel them every way the API allows; the request
    id each move or cancellation should carry, by visit."""
    served.run_until("08:30")
    a, b = (_book(served, n, f"book-{n}" if n % 2 else None) for n in range(2))
    window = {"window_start": "14:00", "window_end": "16:00"}
    moved = served.api(
        "POST",
        f"/bookings/{a['visit_id']}/reschedule",
        {**window, "channel": "call_centre"},
        **{"Idempotency-Key": "move-a"},
    )
    assert moved.json()["status"] == "rescheduled", moved.text
    # a retried cancellation cancels once and gets the first answer
    for _ in range(2):
        path = f"/bookings/{b['visit_id']}?channel=call_centre"
        gone = served.api("DELETE", path, **{"Idempotency-Key": "x-b"})
        assert gone.status_code == 200 and gone.json()["status"] == "cancelled", gone.text
    served.run_until("09:00")  # requests on other ticks
    c, d = (_book(served, n, f"book-{n}" if n % 2 else None) for n in range(2, 4))
    # through the customer's info link, and a move with neither key nor channel
    own = served.api("POST", f"/track/{token_of(c['link'])}/cancel")
    assert own.json()["status"] == "cancelled", own.text
    plain = served.api("POST", f"/bookings/{d['visit_id']}/reschedule", window)
    assert plain.json()["status"] == "rescheduled", plain.text
    assert served.finish() == 0
    return {a["visit_id"]: "move-a", b["visit_id"]: "x-b", c["visit_id"]: "", d["visit_id"]: ""}


def test_reschedules_and_cancels_carry_their_request_and_replay(tmp_path: Path) -> None:
    served = Served(tmp_path).start("--paused")
    try:
        expected = _outside_requests(served)
    finally:
        served.stop()
    text = (served.state / "events.jsonl").read_text(encoding="utf-8")
    log = [json.loads(x) for x in text.splitlines()]
    a, b, c, d = expected
    outside = {
        e["visit_id"]: e
        for e in log
        if e["type"] in ("visit_booked", "visit_cancelled") and "request_id" in e
    }
    assert outside[a]["type"] == "visit_booked" and outside[a]["request_id"] == "move-a"
    assert outside[a]["channel"] == "call_centre"
    assert outside[b]["type"] == "visit_cancelled" and outside[b]["request_id"] == "x-b"
    assert outside[b]["channel"] == "call_centre"
    assert outside[c]["type"] == "visit_cancelled" and outside[c]["channel"] == "portal"
    assert outside[d]["type"] == "visit_booked" and "channel" not in outside[d]
    # without a key, the day's own request number (R00001, ...): unique in the day
    own = [outside[c]["request_id"], outside[d]["request_id"]]
    assert all(r.startswith("R") for r in own) and len(set(own)) == 2
    assert sum(e["type"] == "visit_cancelled" and e["visit_id"] == b for e in log) == 1
    # the world's own bookings and cancellations carry neither field
    assert all(
        "request_id" not in e and "channel" not in e
        for e in log
        if e["type"] in ("visit_booked", "visit_cancelled") and not e["visit_id"].startswith("A")
    )
    # the journal rebuilds the served day: the same log, byte for byte
    setup = read_setup(served.state)  # the day's scenario, seed and links, as it was served
    assert setup is not None
    links = LinkSigner(link_secret(served.state), setup["public_url"])
    scenario = Scenario.model_validate(setup["scenario"])
    again = LiveDay(scenario, setup["seed"], tmp_path / "again", links)
    entries = [json.loads(x) for x in (served.state / JOURNAL).read_text().splitlines()]
    assert again.feed(entries) == 8  # 4 bookings, 2 moves, 2 cancellations (one retried)
    assert "".join(x + "\n" for x in ev.to_lines(again.world.log)) == text
    assert (served.out / "events.jsonl").read_text(encoding="utf-8") == text
    again.close()
