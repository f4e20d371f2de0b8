"""A real ``twin serve`` for the API tests: the CLI in a subprocess, uvicorn on a free port,
requests over HTTP (httpx)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "data" / "scenarios" / "small.toml"
# the small town with room for outside bookings, and the brain in the loop (ETAs, messages)
SERVED_TOML = SMALL.read_text().replace(
    "visits_per_technician = 7.0", "visits_per_technician = 4.0"
)
SERVED_TOML = SERVED_TOML.replace("brain = false", "brain = true")
assert "visits_per_technician = 4.0" in SERVED_TOML and "brain = true" in SERVED_TOML
KEY = "test-key"
SECRET = "a-secret-for-the-tests-only-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """``twin serve`` on ``state``; ``start`` waits until the API answers."""

    def __init__(
        self,
        tmp: Path,
        *extra: str,
        state: Path | None = None,
        env: dict[str, str] | None = None,
        exercise: Path | None = None,
    ) -> None:
        self.env = env or {}
        self.exercise = exercise
        self.tmp = tmp
        self.state = state or tmp / "state"
        self.out = tmp / "out"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.extra = extra
        self.scenario = tmp / "served.toml"
        self.scenario.write_text(SERVED_TOML)
        self.proc: subprocess.Popen[str] | None = None
        self.client = httpx.Client(base_url=self.base, timeout=30.0)

    def start(self, *flags: str) -> Served:
        env = {**os.environ, "FIELDTWIN_API_KEY": KEY, "PYTHONUNBUFFERED": "1", **self.env}
        cmd = [
            sys.executable, "-c", "import sys; from twin.cli import main; sys.exit(main())",
            *self._what(), "--port", str(self.port),
            "--state", str(self.state), "--out", str(self.out), "--no-store", *self.extra, *flags,
        ]  # fmt: skip
        self.stdout = (self.tmp / f"serve-{self.port}.txt").open("w")
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=self.stdout, stderr=subprocess.STDOUT, text=True
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"twin serve exited: {self.output()}")
            try:
                if self.client.get("/api/v1/status").status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError(f"twin serve did not answer: {self.output()}")

    def _what(self) -> list[str]:
        if self.exercise is not None:  # a training session of the exercise
            return ["train", "--exercise", str(self.exercise)]
        return ["serve", "--scenario", str(self.scenario)]

    def output(self) -> str:
        self.stdout.flush()
        return (self.tmp / f"serve-{self.port}.txt").read_text()

    def api(self, method: str, path: str, body: Any = None, **headers: str) -> httpx.Response:
        hdrs = {"X-API-Key": KEY, **headers}
        return self.client.request(method, f"/api/v1{path}", json=body, headers=hdrs)

    def status(self) -> dict[str, Any]:
        return dict(self.client.get("/api/v1/status").json())

    def run_until(self, hhmm: str, timeout: float = 60) -> dict[str, Any]:
        """Fast-forward to ``hhmm`` (local) and pause there."""
        r = self.api("POST", "/clock", {"speed": "max", "until": hhmm})
        assert r.status_code == 200, r.text
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            s = self.status()
            if s["paused"]:
                return s
            time.sleep(0.05)
        raise AssertionError(f"the day did not reach {hhmm}")

    def finish(self, timeout: float = 120) -> int:
        """Run the day to its end; the server writes its outputs and exits."""
        self.api("POST", "/clock", {"speed": "max", "paused": False})
        assert self.proc is not None
        return self.proc.wait(timeout)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.client.close()

    def log_lines(self) -> list[dict[str, Any]]:
        """The served day's log as it is on disk now."""
        path = self.state / "events.jsonl"
        return [json.loads(x) for x in path.read_text().splitlines() if x]


def job(**changes: Any) -> dict[str, Any]:
    base = {"customer_id": "C-WEB-1", "job_type": "repair", "x": 5.0, "y": 5.0}
    return {**base, **changes}
