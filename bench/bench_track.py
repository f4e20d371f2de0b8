"""CPU of one info-link poll inside the live API (issue 15): the ASGI app called directly,
without sockets or an HTTP parser, so that what is measured is the app's own work per
``GET /api/v1/track/{token}`` (routing, dependencies, the view, the JSON), which runs on
the server's event loop for each of the 1,000 polling customers of ``bench_serve.py``.

The default scenario with ``--technicians`` technicians (brain in the loop) is served
in-process to ``--at`` (local time); then ``--polls`` polls cycle over the day's info
links. Reported: CPU µs per poll (``time.process_time``), p50 / p95 of single polls and
the mean, and the 1-minute load average. Run on another tree with ``PYTHONPATH``:

``OMP_NUM_THREADS=1 PYTHONPATH=<tree> .venv/bin/python bench/bench_track.py``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from twin.api.app import create_app
from twin.app.live import LiveDay
from twin.config import load_scenario

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"/v/(v1\.[A-Za-z0-9_-]+\.\d+\.[A-Za-z0-9_-]+)")


async def _poll(app: Any, token: str) -> int:
    path = f"/api/v1/track/{token}"
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "headers": [(b"host", b"bench")],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}  # fmt: skip
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def _run(app: Any, tokens: list[str], n: int) -> list[float]:
    cpu = []
    for i in range(n):
        t0 = time.process_time()
        status = await _poll(app, tokens[i % len(tokens)])
        cpu.append(time.process_time() - t0)
        assert status == 200, status
    return cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--technicians", type=int, default=200)
    ap.add_argument("--at", type=float, default=8.5 * 60, help="minutes after midnight")
    ap.add_argument("--polls", type=int, default=20000)
    args = ap.parse_args()
    scenario = load_scenario(ROOT / "data/scenarios/default.toml")
    scenario = scenario.with_overrides(**{"workforce.technicians": args.technicians})
    with tempfile.TemporaryDirectory(prefix="bench-track-") as tmp:
        day = LiveDay(scenario, 1, Path(tmp), pace=None)
        while day.now < args.at and day.tick():
            pass
        lines = (Path(tmp) / "events.jsonl").read_text().splitlines()
        tokens = list(dict.fromkeys(m.group(1) for ln in lines if (m := LINK.search(ln))))
        app = create_app(day, "bench-key")
        asyncio.run(_run(app, tokens, 500))  # warm
        cpu = sorted(asyncio.run(_run(app, tokens, args.polls)))
        day.close()
    us = [c * 1e6 for c in cpu]
    p50, p95 = us[len(us) // 2], us[int(0.95 * len(us))]
    print(f"{os.environ.get('PYTHONPATH', ROOT)}: {len(us)} polls over {len(tokens)} links, "
          f"CPU per poll p50 {p50:.0f} µs, p95 {p95:.0f} µs, mean {sum(us) / len(us):.0f} µs; "
          f"load average {os.getloadavg()[0]:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
