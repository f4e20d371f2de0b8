"""Load benchmark of the live service (issue 15): latency per endpoint while the day runs.

A real ``twin serve`` (subprocess, loopback) of the default scenario with ``--technicians``
technicians runs the day at ``--speed`` (60: a simulated minute per second). After a fast
start to ``--from`` (local time), for ``--seconds`` of wall time:

* ``--customers`` customers poll their info link (``GET /api/v1/track/{token}``), each
  every ``--poll-s`` seconds (the info page polls every 2 s);
* ``--bookers`` concurrent bookers ask for offers and book the best (``POST /offers``,
  ``POST /bookings``), pausing ``--think-s`` after each (0: hammering).

A booker books the best offer; an offer on a later working day (its ``date``) is booked
with that date as the job's ``wish_date`` (``--today-only``: not booked, as against a
tree that offers today only: the same bookings in both arms). ``offers`` counts every offer request,
``offers_today`` / ``offers_later`` split them by the day of the best offer, ``offers_warm``
counts those asked ``--warm-s`` seconds or more after the load began (the first seconds
have every booker asking at once of a planner whose caches are cold).

Reported: p50/p95/p99/max latency per endpoint (ms), requests served, how far the paced
day fell behind the wall clock (``behind_s`` of the server: the most a tick started late),
the server's CPU time (``/proc``: the server process's own, as ``time.process_time`` in it
would count) and wall time, the clients' CPU time, and the 1-minute load average before
and after. The clients use keep-alive ``http.client`` connections in threads (the pollers
share ``--poll-threads`` connections, each booker has its own) on the same machine: their
CPU competes with the server's, as a single-machine test must. ``--clients processes``
(the default) runs the pollers in a process of their own and the bookers in this one, as
a customer's phone is not in the call centre's system: a booker's latency no longer
includes waiting for the pollers' interpreter lock. ``--clients threads`` runs them all
in this process, as the figures up to session 11 were measured.

A tree whose ``twin serve`` has ``--server-timing`` is started with it: each answer then
says how long it spent inside the server (``Server-Timing``), reported beside the client's
figure as ``ENDPOINT@server`` (from the app's receipt of the request to its answer's
start) and by stage (``offers@server.handler``: until the handler starts in its worker
thread; ``.priced``: the offer priced; ``.sent``: back on the event loop, answer started).

``--baseline PATH`` adds an arm in the same run: the same load against the server of
another tree (e.g. ``git worktree add /tmp/old-serve HEAD~1``, with the compiled
``twin/models/_kernels*.so`` copied in); arms alternate, ``--rounds`` times each.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_serve.py [--technicians 200]
[--customers 1000] [--bookers 20] [--seconds 60] [--speed 60] [--baseline /tmp/old-serve]``
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
KEY = "bench-key"
LINK = re.compile(r"/v/(v1\.[A-Za-z0-9_-]+\.\d+\.[A-Za-z0-9_-]+)")
DUR = re.compile(r"([A-Za-z_]+);dur=([0-9.]+)")
Latencies = dict[str, list[float]]
Timing = dict[str, float]
CLIENTS = {
    "processes": "pollers in their own process, bookers in another",
    "threads": "pollers and bookers as threads of one process",
}


def parse_timing(value: str) -> Timing:
    """A ``Server-Timing`` header's durations (ms) by name."""
    return {name: float(dur) for name, dur in DUR.findall(value)}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


class _Conn:
    """One keep-alive HTTP/1.1 connection (``http.client``: the client costs little CPU,
    so the figures are the server's, not the load generator's)."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def call(self, method: str, path: str, body: object = None) -> tuple[int, Any, float, Timing]:
        """Status, answer, ms on the client, and the server's ``Server-Timing`` (ms)."""
        headers = {"X-API-Key": KEY, "Content-Type": "application/json"}
        data = None if body is None else json.dumps(body)
        t0 = time.perf_counter()
        self.conn.request(method, path, body=data, headers=headers)
        r = self.conn.getresponse()
        payload = json.loads(r.read() or b"null")
        ms = (time.perf_counter() - t0) * 1000
        timing = r.getheader("server-timing")
        return r.status, payload, ms, {} if timing is None else parse_timing(timing)


def _note(lat: Latencies, key: str, ms: float, timing: Timing) -> None:
    """The client's ms under ``key``; the server's stages under ``key@server[.stage]``."""
    lat.setdefault(key, []).append(ms)
    for stage, dur in timing.items():
        name = f"{key}@server" if stage == "total" else f"{key}@server.{stage}"
        lat.setdefault(name, []).append(dur)


def _pollers(port: int, tokens: list[str], every: float, stop: float, out: Latencies) -> None:
    """Customers polling their links, each every ``every`` s, spread over the interval."""
    conn = _Conn(port)
    n = max(1, len(tokens))
    due = [time.monotonic() + every * i / n for i in range(n)]
    while time.monotonic() < stop:
        i = min(range(n), key=due.__getitem__)
        wait = due[i] - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        status, _, ms, timing = conn.call("GET", f"/api/v1/track/{tokens[i]}")
        assert status == 200, status
        _note(out, "track", ms, timing)
        due[i] += every


def _booker(
    port: int,
    n: int,
    stop: float,
    lat: Latencies,
    size: float,
    think: float,
    today_only: bool,
    warm: float,
) -> None:
    conn = _Conn(port)
    i = 0
    while time.monotonic() < stop:
        i += 1
        job = {"customer_id": f"C-B{n}-{i}", "job_type": "repair",
               "x": (n * 7 + i * 3) % size, "y": (n * 5 + i * 11) % size}  # fmt: skip
        _, offers, ms, timing = conn.call(
            "POST", "/api/v1/offers", {"channel": "portal", "job": job}
        )
        _note(lat, "offers", ms, timing)
        if time.monotonic() - ms / 1000 >= warm:  # asked after the load's first seconds
            _note(lat, "offers_warm", ms, timing)
        ranked = offers.get("offers", []) if isinstance(offers, dict) else []
        if not ranked:
            time.sleep(think)
            continue
        later = ranked[0].get("day", 0) > 0  # a tree without later days has no "day"
        lat["offers_later" if later else "offers_today"].append(ms)
        if later and today_only:  # book as a client of a today-only service would
            time.sleep(think)
            continue
        if later:
            job = {**job, "wish_date": ranked[0]["date"]}
        start, end = ranked[0]["local"].split("–")
        body = {"channel": "portal", "job": job, "window_start": start, "window_end": end}
        status, _, ms, timing = conn.call("POST", "/api/v1/bookings", body)
        _note(lat, "bookings", ms, timing)
        assert status in (201, 409), status
        time.sleep(think)


def _poll_threads(
    port: int, tokens: list[str], args: argparse.Namespace, stop: float, out: Latencies
) -> list[threading.Thread]:
    shares = [tokens[k :: args.poll_threads] for k in range(args.poll_threads)]
    return [
        threading.Thread(target=_pollers, args=(port, share, args.poll_s, stop, out))
        for share in shares
        if share
    ]


def _poll_process(
    port: int, tokens: list[str], args: argparse.Namespace, go: Any, stop: Any, pipe: Any
) -> None:
    """The pollers in a process of their own (``--clients processes``): the customers'
    phones are not in the call centre's system, nor their interpreter's lock."""
    go.wait()
    out: Latencies = {"track": []}
    cpu0 = time.process_time()
    threads = _poll_threads(port, tokens, args, stop.value, out)
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    pipe.send((out, time.process_time() - cpu0))


def _load(port: int, tokens: list[str], args: argparse.Namespace, size: float) -> Any:
    """Run the load; the latencies, and the CPU seconds of the pollers' and the bookers'
    processes (one figure for both when they share one, ``--clients threads``)."""
    lat: Latencies = {
        "track": [], "offers": [], "offers_today": [], "offers_later": [], "offers_warm": [],
        "bookings": []
    }  # fmt: skip
    child = None
    if args.clients == "processes":
        ctx = mp.get_context("fork")  # no thread runs in this process yet
        go, stop_at, (mine, theirs) = ctx.Event(), ctx.Value("d", 0.0), ctx.Pipe()
        child = ctx.Process(target=_poll_process, args=(port, tokens, args, go, stop_at, theirs))
        child.start()
    cpu0 = time.process_time()
    stop = time.monotonic() + args.seconds
    warm = time.monotonic() + args.warm_s
    threads = []
    if child is None:
        threads = _poll_threads(port, tokens, args, stop, lat)
    else:
        stop_at.value = stop
        go.set()
    threads += [
        threading.Thread(
            target=_booker,
            args=(port, n, stop, lat, size, args.think_s, args.today_only, warm),
        )
        for n in range(args.bookers)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cpu = [time.process_time() - cpu0]
    if child is not None:
        polled, poll_cpu = mine.recv()
        child.join()
        lat.update(polled)
        cpu = [poll_cpu, *cpu]
    return lat, cpu


def _arm(args: argparse.Namespace, tree: Path) -> dict[str, Any]:
    """One arm: the server of ``tree`` under the load; latencies and the server's figures."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    toml = (tree / "data/scenarios/default.toml").read_text()
    toml = re.sub(r"(?m)^technicians = \d+", f"technicians = {args.technicians}", toml)
    scenario = tmp / "scenario.toml"
    scenario.write_text(toml)
    port = _port()
    base = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-c", "import sys; from twin.cli import main; sys.exit(main())",
           "serve", "--scenario", str(scenario), "--port", str(port),
           "--state", str(tmp / "state"), "--out", str(tmp / "out"), "--no-store", "--paused",
           "--speed", str(args.speed)]  # fmt: skip
    if "--server-timing" in (tree / "twin/cli/serve.py").read_text():  # older trees lack it
        cmd.append("--server-timing")
    env = {**os.environ, "FIELDTWIN_API_KEY": KEY, "OMP_NUM_THREADS": "1",
           "PYTHONPATH": str(tree)}  # fmt: skip
    proc = subprocess.Popen(
        cmd, cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        with httpx.Client(base_url=base, timeout=600) as c:
            for _ in range(600):
                try:
                    c.get("/api/v1/status")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            c.post(
                "/api/v1/clock",
                json={"speed": "max", "until": args.start},
                headers={"X-API-Key": KEY},
            )
            while not c.get("/api/v1/status").json()["paused"]:
                time.sleep(0.1)
            lines = (tmp / "state" / "events.jsonl").read_text().splitlines()
            tokens = list(dict.fromkeys(m.group(1) for ln in lines if (m := LINK.search(ln))))
            tokens = tokens[: args.customers]
            size = float(c.get(f"/api/v1/track/{tokens[0]}").json()["city_km"])
            load0 = os.getloadavg()[0]
            cpu0, wall0 = _cpu_s(proc.pid), time.monotonic()
            c.post(
                "/api/v1/clock",
                json={"speed": args.speed, "paused": False},
                headers={"X-API-Key": KEY},
            )
            lat, client_cpu = _load(port, tokens, args, size)
            status = c.get("/api/v1/status").json()
            cpu, wall = _cpu_s(proc.pid) - cpu0, time.monotonic() - wall0
    finally:
        proc.terminate()
        proc.wait(120)
    load = (load0, os.getloadavg()[0])
    return {"lat": lat, "status": status, "cpu": cpu, "wall": wall, "load": load,
            "customers": len(tokens), "client_cpu": client_cpu}  # fmt: skip


def _report(name: str, args: argparse.Namespace, arm: dict[str, Any]) -> None:
    print(f"# {name}: twin serve, {args.technicians} technicians, speed {args.speed:g}, "
          f"{arm['customers']} customers polling every {args.poll_s:g} s, {args.bookers} "
          f"bookers, {args.seconds:g} s, clients: {CLIENTS[args.clients]}")  # fmt: skip
    print("| endpoint | requests | p50 ms | p95 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|")
    lat = arm["lat"]
    for key in sorted(lat, key=lambda k: ("@" in k, k.split("@")[0], k)):
        xs = lat[key]
        cells = [_pct(xs, 0.5), _pct(xs, 0.95), _pct(xs, 0.99), max(xs, default=float("nan"))]
        print(f"| {key} | {len(xs)} | " + " | ".join(f"{c:.1f}" for c in cells) + " |")
    status, (l0, l1) = arm["status"], arm["load"]
    print(f"day: {status['local_time']} reached, most behind the wall clock "
          f"{status['behind_s']:.2f} s (a tick is {60 / args.speed:.2f} s); server CPU "
          f"{arm['cpu']:.1f} s in {arm['wall']:.1f} s wall; clients' CPU "
          f"{' + '.join(f'{c:.1f}' for c in arm['client_cpu'])} s; "
          f"load average {l0:.2f} -> {l1:.2f}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--technicians", type=int, default=200)
    ap.add_argument("--customers", type=int, default=1000)
    ap.add_argument("--bookers", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--speed", type=float, default=60.0)
    ap.add_argument("--poll-s", type=float, default=2.0)
    ap.add_argument("--poll-threads", type=int, default=8)
    ap.add_argument("--think-s", type=float, default=1.0, help="a booker's pause between calls")
    ap.add_argument("--warm-s", type=float, default=5.0, help="offers_warm: asked after this")
    ap.add_argument("--from", dest="start", default="08:30")
    ap.add_argument("--today-only", action="store_true", help="bookers book today's offers only")
    ap.add_argument("--baseline", type=Path, default=None, help="another tree: a second arm")
    ap.add_argument("--rounds", type=int, default=1, help="arms alternate this many times")
    ap.add_argument(
        "--clients",
        choices=sorted(CLIENTS),
        default="processes",
        help="processes: the pollers in a process of their own, the bookers in this one; "
        "threads: all clients in this process (as up to session 11)",
    )
    args = ap.parse_args()
    arms = [("this tree", ROOT)]
    if args.baseline is not None:
        arms = [("baseline " + str(args.baseline), args.baseline.resolve()), *arms]
    for r in range(args.rounds):
        for name, tree in arms:
            _report(f"{name} (round {r + 1})", args, _arm(args, tree))


if __name__ == "__main__":
    main()
