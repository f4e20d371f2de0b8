"""``twin --help`` and every ``twin COMMAND --help`` start without the heavy libraries.

Each check runs in a fresh interpreter (``sys.modules`` of this test process already holds
everything), with the project's own tree first on the path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT

# what a command imports when it runs, never for its options (seconds of CPU between them)
HEAVY = ("sklearn", "scipy", "bytewax", "dash", "pandas", "duckdb", "confluent_kafka")

_PROBE = """
import contextlib, io, json, sys
from twin.cli import build_parser, main
heavy = {heavy!r}
argvs = {argvs!r}
if argvs is None:  # every command's own --help
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    argvs = [[name, "--help"] for name in sorted(sub.choices)]
report = {{}}
for argv in argvs:
    with contextlib.redirect_stdout(io.StringIO()) as out:
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code
    report[" ".join(argv)] = {{
        "code": code,
        "usage": out.getvalue().startswith("usage: twin"),
        "heavy": [m for m in heavy if m in sys.modules],
    }}
print(json.dumps(report))
"""


def _probe(argvs: list[list[str]] | None) -> dict[str, dict[str, object]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = _PROBE.format(heavy=HEAVY, argvs=argvs)
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    report: dict[str, dict[str, object]] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def test_twin_help_imports_no_heavy_library() -> None:
    report = _probe([["--help"]])
    assert report["--help"] == {"code": 0, "usage": True, "heavy": []}


def test_every_command_help_imports_no_heavy_library() -> None:
    report = _probe(None)
    assert {"run --help", "shadow --help", "replay --help", "ui --help"} <= set(report)
    for argv, seen in report.items():
        assert seen == {"code": 0, "usage": True, "heavy": []}, argv


def test_a_command_that_runs_still_imports_what_it_needs() -> None:
    # the probe sees an import when one happens: `twin kpis` on a missing file measures
    # nothing, but `twin replay --bound` checks its bound against the brain's order module
    report = _probe([["replay", "missing.jsonl", "--bound", "-1"]])
    seen = report["replay missing.jsonl --bound -1"]
    assert seen["code"] == 2
    assert "bytewax" in seen["heavy"]
    # scikit-learn only where a duration model is fitted (none here)
    assert "sklearn" not in seen["heavy"]
