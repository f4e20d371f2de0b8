"""A served day is the simulated day: with no outside requests, ``twin serve --speed max``
writes the same log as ``twin run`` with the same seed (links signed with the same key);
SIGTERM mid-day writes the day so far, as ``twin run`` writes a day."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.api.served import ROOT, SECRET, Served

LINKS = {"FIELDTWIN_LINK_SECRET": SECRET, "FIELDTWIN_PUBLIC_URL": "https://twin.example"}


def test_served_at_max_speed_equals_twin_run(tmp_path: Path) -> None:
    served = Served(tmp_path, "--speed", "max", "--seed", "3", env=LINKS).start()
    try:
        assert served.proc is not None and served.proc.wait(180) == 0
    finally:
        served.stop()
    run_out = tmp_path / "run"
    cmd = [
        sys.executable, "-c", "import sys; from twin.cli import main; sys.exit(main())",
        "run", "--scenario", str(served.scenario), "--seed", "3", "--out", str(run_out),
        "--no-store",
    ]  # fmt: skip
    done = subprocess.run(
        cmd, cwd=ROOT, env={**os.environ, **LINKS}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    served_log = (served.out / "events.jsonl").read_bytes()
    assert served_log == (run_out / "events.jsonl").read_bytes()
    assert b"https://twin.example/v/v1." in served_log  # the messages carry real links
    assert (served.out / "kpis.json").read_text() == (run_out / "kpis.json").read_text()


def test_sigterm_mid_day_writes_the_day_so_far(tmp_path: Path) -> None:
    served = Served(tmp_path).start("--paused")
    try:
        served.run_until("11:00")
        assert served.proc is not None
        served.proc.send_signal(signal.SIGTERM)
        assert served.proc.wait(60) == 0
    finally:
        served.stop()
    log = [json.loads(x) for x in (served.out / "events.jsonl").read_text().splitlines()]
    assert log and max(e["time"] for e in log) <= "2026-11-23T10:00:00Z"  # 11:00 in Berlin
    assert json.loads((served.out / "kpis.json").read_text())["visits_attended"] > 0
    assert "stopped at 11:00" in served.output()


def test_the_day_is_paced_against_the_wall_clock(tmp_path: Path) -> None:
    served = Served(tmp_path, "--speed", "600").start()  # ten simulated minutes a second
    try:
        first = served.status()
        time.sleep(3.0)
        second = served.status()
        start = second["ticks_done"] - first["ticks_done"]
        # about 30 one-minute ticks in 3 s (the machine may be slow, never faster)
        assert 10 <= start <= 33, (first, second)
        paused = served.api("POST", "/clock", {"paused": True}).json()
        time.sleep(1.0)
        assert served.status()["ticks_done"] == paused["ticks_done"]
    finally:
        served.stop()
