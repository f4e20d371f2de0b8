"""The trainee's desk in the browser (issue 16): how long a refresh takes, from the request
to the painted page, while an exercise's day runs paced.

A real ``twin train`` (subprocess, loopback) serves ``--exercise`` (default ``sick-wave``:
the default company, 50 technicians) with ``--assist`` (default ``suggest``: the
autopilot's suggestions computed for the queue, the heaviest desk). The day runs fast to
``--from`` (local time), then at ``--speed`` (60: a simulated minute per second) while the
desk is open in headless Chromium (Playwright, Debian's chromium), which refreshes every
2 s as a trainee's would. Each refresh's time is the page's own measure
(``window.refreshLog``: ``GET /api/v1/desk``, the map and the Gantt drawn, the next frame
painted). Reported: refreshes, p50/p95/max (ms), the desk's size (technicians, visits,
queue items, bytes), how far the paced day fell behind the wall clock, and the 1-minute
load average (the machine is shared).

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_desk.py [--seconds 60]
[--exercise sick-wave] [--assist suggest] [--speed 60] [--from 09:00]``
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
KEY = "bench-key"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]  # fmt: skip


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


def _wait_for(client: httpx.Client, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if client.get("/api/v1/status").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit("twin train did not answer")


def _run_to(client: httpx.Client, hhmm: str) -> None:
    client.post("/api/v1/clock", json={"speed": "max", "until": hhmm})
    while not client.get("/api/v1/status").json()["paused"]:
        time.sleep(0.1)


def _measure(base: str, seconds: float) -> list[float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"{base}/desk#key={KEY}")
        page.wait_for_selector("#nowline", state="attached")
        page.evaluate("window.refreshLog = []")  # the first, cold refresh is not counted
        time.sleep(seconds)
        samples: list[float] = page.evaluate("window.refreshLog")
        browser.close()
    return samples


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--exercise", default="sick-wave")
    ap.add_argument("--assist", default="suggest", choices=("none", "suggest", "autopilot"))
    ap.add_argument("--speed", type=float, default=60.0)
    ap.add_argument("--from", dest="start", default="09:00")
    ap.add_argument("--seconds", type=float, default=60.0)
    args = ap.parse_args()
    port = _port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="bench-desk-") as tmp:
        cmd = [sys.executable, "-c", "import sys; from twin.cli import main; sys.exit(main())",
               "train", "--exercise", args.exercise, "--assist", args.assist, "--paused",
               "--port", str(port), "--api-key", KEY, "--state", f"{tmp}/state",
               "--out", f"{tmp}/out", "--no-store"]  # fmt: skip
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        server = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        client = httpx.Client(base_url=base, headers={"X-API-Key": KEY}, timeout=60)
        try:
            _wait_for(client)
            _run_to(client, args.start)
            client.post("/api/v1/clock", json={"speed": args.speed, "paused": False})
            samples = _measure(base, args.seconds)
            desk = client.get("/api/v1/desk")
            status = client.get("/api/v1/status").json()
        finally:
            server.terminate()
            server.wait(60)
            client.close()
    d = desk.json()
    report = {
        "exercise": args.exercise,
        "assist": args.assist,
        "speed": args.speed,
        "technicians": len(d["technicians"]),
        "visits": len(d["visits"]),
        "queue_items": len(d["queue"]),
        "desk_bytes": len(desk.content),
        "refreshes": len(samples),
        "refresh_p50_ms": round(_pct(samples, 0.5), 1),
        "refresh_p95_ms": round(_pct(samples, 0.95), 1),
        "refresh_max_ms": round(max(samples), 1),
        "day_from": args.start,
        "day_to": status["local_time"],
        "behind_s": status["behind_s"],
        "load_avg_1min": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
