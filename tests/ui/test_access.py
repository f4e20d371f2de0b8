"""The cockpit behind an access key, and forged callback requests refused server-side.

A real ``twin ui`` process with a key serves a store that holds one run; plain HTTP requests
show that pages, assets and callbacks need the key, and forged callbacks (26 arms x 50 seeds
at 20,000 technicians, a sweep over 20 values, deletes of ids nobody was shown) are refused
without starting or deleting anything.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, SCENARIOS
from twin.app.run import run_scenario
from twin.app.store import RunStore
from twin.cli import main
from twin.config import Scenario
from twin.ui.access import is_loopback, serving_problem

KEY = "correct-horse-battery-staple"


@dataclass
class Server:
    url: str
    store: RunStore
    run_id: str
    deps: list[dict[str, Any]]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def request(
    url: str, body: Any = None, key: str | None = KEY, header: bool = False
) -> tuple[int, str]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    req.add_header("Content-Type", "application/json")
    if key is not None and header:
        req.add_header("X-FieldTwin-Key", key)
    elif key is not None:
        token = base64.b64encode(f"anyone:{key}".encode()).decode()
        req.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from twin.config import load_scenario

    tiny = load_scenario(SCENARIOS / "small.toml").with_overrides(**{"workforce.technicians": 4})
    store = RunStore(tmp_path_factory.mktemp("guarded") / "store.duckdb")
    day = run_scenario(tiny, 3, None, report=False)
    run_id = store.add_run(
        scenario=tiny, seed=3, kpis=day.kpis, wall_s=day.wall_s, log_lines=day.encoded_log()
    )
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FIELDTWIN_ACCESS_KEY": KEY}
    code = "import sys; from twin.cli import main; sys.exit(main())"
    argv = [
        sys.executable,
        "-c",
        code,
        "ui",
        "--port",
        str(port),
        "--store",
        str(store.path),
        "--scenarios",
        str(SCENARIOS),
    ]
    proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        status, text = request(url + "/_dash-dependencies")
        assert status == 200
        yield Server(url, store, run_id, json.loads(text))
    finally:
        proc.terminate()
        proc.wait(30)


def callback_body(server: Server, trigger: str, prop: str, value: Any, state: list[Any]) -> Any:
    """A callback request as the browser would send it, for the callback ``trigger`` fires."""
    dep = next(d for d in server.deps if any(trigger in str(i["id"]) for i in d["inputs"]))
    output = dep["output"]
    outputs = [
        {"id": json.loads(o) if o.startswith("{") else o, "property": p.split("@")[0]}
        for o, p in (part.rsplit(".", 1) for part in output.strip(".").split("..."))
    ]
    trigger_id = json.loads(trigger) if trigger.startswith("{") else trigger
    return {
        "output": output,
        "outputs": outputs if output.startswith("..") else outputs[0],
        "inputs": [{"id": trigger_id, "property": prop, "value": value}],
        "changedPropIds": [f"{trigger}.{prop}"],
        "state": state,
    }


def knob_cells(n_arms: int, technicians: str) -> list[dict[str, Any]]:
    return [
        {
            "id": {"arm": a, "knob": "technicians", "type": "compare-knob"},
            "property": "value",
            "value": technicians,
        }
        for a in range(n_arms)
    ]


def test_every_request_needs_the_key(server: Server) -> None:
    for path in ("/", "/runs", "/_dash-layout", "/_dash-dependencies", "/assets/style.css"):
        status, text = request(server.url + path, key=None)
        assert status == 401 and "access key required" in text, path
        assert request(server.url + path, key="wrong-key-of-length")[0] == 401
    assert request(server.url + "/")[0] == 200
    assert request(server.url + "/", header=True)[0] == 200
    body = callback_body(server, "compare-start", "n_clicks", 1, [])
    assert request(server.url + "/_dash-update-component", body, key=None)[0] == 401


def test_a_forged_comparison_of_26_arms_is_refused(server: Server) -> None:
    url = server.url + "/_dash-update-component"
    for arms, techs, days, says in [
        (26, "20000", 1, "arm 4 is not one of the 4 arms"),
        (4, "20000", 1, "technician-days"),
        (2, "8", 1, "seeds: choose a whole number from 1 to 50, got 5000"),
        (3, "8", 500, "days: choose a whole number from 1 to 20, got 500"),
    ]:
        state = [
            {"id": "compare-base", "property": "value", "value": "small"},
            {"id": "compare-seeds", "property": "value", "value": 50 if arms != 2 else 5000},
            {"id": "compare-days", "property": "value", "value": days},
            knob_cells(arms, techs),
        ]
        status, text = request(url, callback_body(server, "compare-start", "n_clicks", 1, state))
        assert status == 200 and says in text, text
    assert server.store.comparisons() == []


def test_a_forged_sweep_is_refused(server: Server) -> None:
    url = server.url + "/_dash-update-component"
    many = ", ".join(str(1000 * i) for i in range(1, 21))
    for k1, values, seeds, says in [
        ("technicians", many, 20, "20 values; give at most 16"),
        ("technicians", "10000, 20000", 20, "technician-days"),
        ("no_such_knob", "1", 3, "unknown policy knob"),
        ("technicians", "8", "lots", "seeds: choose a whole number"),
    ]:
        state = [
            {"id": "tradeoff-base", "property": "value", "value": "small"},
            {"id": "tradeoff-knob1", "property": "value", "value": k1},
            {"id": "tradeoff-values1", "property": "value", "value": values},
            {"id": "tradeoff-knob2", "property": "value", "value": None},
            {"id": "tradeoff-values2", "property": "value", "value": ""},
            {"id": "tradeoff-seeds", "property": "value", "value": seeds},
        ]
        body = callback_body(server, "tradeoff-start", "n_clicks", 1, state)
        status, text = request(url, body)
        assert status == 200 and says in text, text
    assert server.store.comparisons() == []


def test_forged_deletes_touch_nothing_but_a_real_one_works(server: Server) -> None:
    url = server.url + "/_dash-update-component"

    def delete(ident: Any, kind: str = "runs-delete-run") -> int:
        """Ask, then confirm with a forged pending target: a delete is two requests now."""
        button = {"id": ident, "type": kind}
        body = callback_body(server, '"type":"runs-delete-run"', "n_clicks", 1, [])
        body["inputs"] = [
            [{"id": button, "property": "n_clicks", "value": 1}],
            [],
            {"id": "runs-confirm-no", "property": "n_clicks", "value": None},
        ]
        body["changedPropIds"] = [json.dumps(button, separators=(",", ":")) + ".n_clicks"]
        request(url, body)
        state = [
            {"id": "runs-pending", "property": "data", "value": button},
            {"id": "runs-version", "property": "data", "value": 0},
        ]
        return request(url, callback_body(server, "runs-confirm-yes", "n_clicks", 1, state))[0]

    for forged in ("../../etc", "r20990101T000000-zzzzzz", ["a"], {"$ne": 1}, "*"):
        assert delete(forged) in (200, 204)
    assert delete("c20261123T081500-abcdef", "runs-delete-everything") in (200, 204)
    assert [r.id for r in server.store.runs()] == [server.run_id]
    assert delete(server.run_id) == 200
    assert server.store.runs() == []


def test_non_loopback_hosts_need_a_key_or_insecure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FIELDTWIN_ACCESS_KEY", raising=False)
    store = str(tmp_path / "s.duckdb")
    assert main(["ui", "--host", "0.0.0.0", "--store", store]) == 2
    said = capsys.readouterr().out.replace("\n", " ")
    assert "--host 0.0.0.0" in said and "FIELDTWIN_ACCESS_KEY" in said and "--insecure" in said
    assert main(["ui", "--host", "0.0.0.0", "--access-key", "short", "--store", store]) == 2
    assert "at least 12 printable characters" in capsys.readouterr().out
    monkeypatch.setenv("FIELDTWIN_ACCESS_KEY", "tiny")
    assert main(["ui", "--store", store]) == 2
    assert not Path(store).exists()  # refused before anything was opened


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.1", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("example.org", False),
    ],
)
def test_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
    assert (serving_problem(host, None, insecure=False) is None) is loopback
    assert serving_problem(host, None, insecure=True) is None
    assert serving_problem(host, KEY, insecure=False) is None


def test_the_default_scenario_fixture_is_untouched(small: Scenario) -> None:
    assert small.workforce.technicians == 8


def test_a_browser_with_the_key_uses_the_cockpit(browser, server: Server) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import Error as BrowserError

    stranger = browser.new_context()
    with pytest.raises(BrowserError, match="ERR_INVALID_AUTH_CREDENTIALS"):
        stranger.new_page().goto(server.url + "/")
    stranger.close()
    context = browser.new_context(http_credentials={"username": "me", "password": KEY})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    assert page.goto(server.url + "/").status == 200
    cid = json.dumps(
        {"arm": 1, "knob": "technicians", "type": "compare-knob"}, separators=(",", ":")
    )
    page.locator(f"[id='{cid}']").fill("abc")  # the validation callback answers through the key
    err = json.dumps(
        {"arm": 1, "knob": "technicians", "type": "compare-knob-error"}, separators=(",", ":")
    )
    page.wait_for_function(
        "el => el.textContent.includes('expected a whole number')",
        arg=page.locator(f"[id='{err}']").element_handle(),
        timeout=30_000,
    )
    context.close()
    assert errors == []
