"""A generated corpus of bad scenario files through ``load_scenario``: only ConfigError.

Every field of the scenario is pushed out of its range and given wrong types, NaN and inf;
pairs are swapped, files are missing or of the wrong kind, and whole files are corrupted
(bytes that are not UTF-8, deep nesting, cuts). Each file must be refused with a
ConfigError that names the field (field cases) or says what is wrong with the file; no
other exception may escape. A few go through ``twin run``: exit code 2, the field printed,
no traceback.
"""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from tests.conftest import ROOT, SCENARIOS
from twin.cli import main
from twin.config import ConfigError, Scenario, load_scenario


@dataclass(frozen=True)
class Case:
    name: str
    toml: str | bytes
    field: str  # what the message must name ("" for whole-file corruptions)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return (
            "nan"
            if math.isnan(value)
            else ("inf" if value > 0 else "-inf")
            if math.isinf(value)
            else repr(value)
        )
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{ "
            + ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items())
            + " }"
        )
    raise TypeError(value)


def toml_for(path: tuple[str, ...], value: Any) -> str:
    *section, key = path
    head = f"[{'.'.join(section)}]\n" if section else ""
    return f"{head}{json.dumps(key)} = {toml_value(value)}\n"


def bad_values(default: Any, field_info: Any) -> Iterator[tuple[str, Any]]:
    """Wrong types and out-of-range values for a field with this default."""
    if isinstance(default, bool):
        yield from (("int", 1), ("text", "yes"), ("float", 0.5), ("list", [True]))
        return
    if field_info.annotation in (int, float):
        whole = field_info.annotation is int
        yield from (("text", "1"), ("bool", True), ("nan", math.nan), ("inf", math.inf))
        yield from (("-inf", -math.inf), ("list", [1.0]), ("table", {"a": 1}))
        for m in field_info.metadata:
            if getattr(m, "ge", None) is not None:
                yield "below", m.ge - 1 if whole else m.ge - abs(m.ge) - 1.0
            if getattr(m, "gt", None) is not None:
                yield "at-gt", m.gt
            if getattr(m, "le", None) is not None:
                yield "above", m.le + 1 if whole else m.le + abs(m.le) + 1.0
            if getattr(m, "lt", None) is not None:
                yield "at-lt", m.lt
        if whole:
            yield "float", float(default) + 0.5
        return
    if isinstance(default, str):
        yield from (("int", 5), ("bool", False), ("list", ["a"]), ("table", {"a": "b"}))
        return
    if isinstance(default, tuple):
        yield from (("text", "x"), ("number", 3.0), ("nan", [math.nan] * len(default)))
        yield from (("inf", [math.inf] * len(default)), ("bools", [True] * len(default)))
        yield from (("texts", ["1"] * len(default)), ("nested", [[1.0]] * len(default)))
        return
    if isinstance(default, dict):
        key = next(iter(default))
        yield from (("text", "x"), ("number", 1.0), ("empty", {}), ("list", [1]))
        if not isinstance(default[key], BaseModel):
            yield from (("nan", {key: math.nan}), ("bool", {key: True}), ("neg", {key: -0.5}))
        return


def field_cases() -> Iterator[Case]:
    """Every leaf field of the scenario, each with every bad value it can get."""

    def walk(model: BaseModel, path: tuple[str, ...]) -> Iterator[Case]:
        for name, info in type(model).model_fields.items():
            default = getattr(model, name)
            here = (*path, name)
            if isinstance(default, BaseModel):
                yield Case(f"{'.'.join(here)}-text", toml_for(here, "x"), ".".join(here))
                yield from walk(default, here)
                continue
            if name == "date":
                continue  # dates: see date_cases
            for kind, value in bad_values(default, info):
                yield Case(f"{'.'.join(here)}-{kind}", toml_for(here, value), ".".join(here))

    yield from walk(Scenario(), ())


def date_cases() -> Iterator[Case]:
    for kind, text in [
        ("zero", "0"),
        ("text", '"yesterday"'),
        ("epoch", "1970-01-01"),
        ("year1", "0001-01-01"),
        ("far", "9999-12-31"),
        ("datetime", "2026-11-23T08:00:00Z"),
        ("local-datetime", "2026-11-23T08:00:00"),
        ("time", "08:00:00"),
        ("float", "2026.5"),
        ("bool", "true"),
    ]:
        yield Case(f"date-{kind}", f"date = {text}\n", "date")


def rule_cases(tmp: Path) -> Iterator[Case]:
    """Swapped pairs, days that do not fit together, skills nobody has, bad files."""
    rules: list[tuple[str, str, str]] = [
        (
            "incident-pair",
            "[traffic]\nincident_duration_min = [120.0, 30.0]",
            "traffic.incident_duration_min",
        ),
        (
            "incident-pair-neg",
            "[traffic]\nincident_duration_min = [-5.0, 30.0]",
            "traffic.incident_duration_min",
        ),
        (
            "incident-pair-3",
            "[traffic]\nincident_duration_min = [5.0, 30.0, 60.0]",
            "traffic.incident_duration_min",
        ),
        (
            "incident-factors",
            "[traffic]\nincident_factor_min = 0.9\nincident_factor_max = 0.2",
            "traffic.incident_factor_min",
        ),
        ("speeds-23", "[traffic]\nspeed_kmh_by_hour = [30.0]", "traffic.speed_kmh_by_hour"),
        (
            "speeds-zero",
            "[traffic]\nspeed_kmh_by_hour = [" + ", ".join(["30.0"] * 23 + ["0.0"]) + "]",
            "traffic.speed_kmh_by_hour.23",
        ),
        (
            "speeds-fast",
            "[traffic]\nspeed_kmh_by_hour = [" + ", ".join(["3000.0"] * 24) + "]",
            "traffic.speed_kmh_by_hour.0",
        ),
        (
            "windows-swapped",
            "[demand.windows]\nday_start_min = 900\nday_end_min = 600",
            "demand.windows.day_start_min",
        ),
        (
            "windows-empty",
            "[demand.windows]\nday_start_min = 600\nday_end_min = 600",
            "demand.windows.day_start_min",
        ),
        (
            "windows-short",
            "[demand.windows]\nday_start_min = 600\nday_end_min = 780",
            "demand.windows.four_hour",
        ),
        ("windows-early", "[demand.windows]\nday_start_min = 300", "demand.windows.day_start_min"),
        ("windows-late", "[demand.windows]\nday_end_min = 1100", "demand.windows.day_end_min"),
        ("day-end-1am", "day_end_min = 60", "day_end_min"),
        ("day-end-at-shift", "day_end_min = 960", "day_end_min"),
        (
            "shift-past-midnight",
            "[workforce]\nshift_start_min = 1200\nshift_length_min = 600",
            "demand.windows.day_start_min",
        ),
        ("shift-at-zero", "[workforce]\nshift_start_min = 0", "workforce.shift_start_min"),
        ("widths-wide", "[policy]\nwindow_widths_h = [2.0, 9.0]", "policy.window_widths_h.1"),
        ("widths-empty", "[policy]\nwindow_widths_h = []", "policy.window_widths_h"),
        ("widths-tiny", "[policy]\nwindow_widths_h = [0.001]", "policy.window_widths_h.0"),
        (
            "parked-below-moving",
            "ping_interval_min = 30.0\nparked_ping_interval_min = 10.0",
            "parked_ping_interval_min",
        ),
        (
            "skill-nobody",
            "[demand.jobs.repair]\nshare = 1.0\nmean_min = 60\ncv = 0.7\nskill = 'welding'",
            "demand.jobs.repair.skill",
        ),
        (
            "skill-comma",
            "[demand.jobs.repair]\nshare = 1.0\nmean_min = 60\ncv = 0.7\nskill = 'a,b'",
            "demand.jobs.repair.skill",
        ),
        (
            "skill-set-space",
            "[workforce.skill_sets]\n'service, repair, install' = 1.0",
            "workforce.skill_sets",
        ),
        ("skill-set-empty", "[workforce.skill_sets]\n'' = 1.0", "workforce.skill_sets"),
        (
            "skill-sets-sum",
            "[workforce.skill_sets]\n'service,repair,install' = 0.5",
            "workforce.skill_sets",
        ),
        (
            "experience-sum",
            "[workforce.experience_shares]\njunior = 0.5",
            "workforce.experience_shares",
        ),
        (
            "experience-level",
            "[workforce.experience_shares]\nwizard = 1.0",
            "workforce.experience_shares",
        ),
        ("channels-sum", "[demand.channel_shares]\nportal = 0.9", "demand.channel_shares"),
        (
            "notify-neg",
            "[demand.notify_channel_shares]\nsms = 1.5\nemail = -0.5",
            "demand.notify_channel_shares.sms",
        ),
        (
            "only-emergencies",
            "[demand.jobs.emergency]\nshare = 1.0\nmean_min = 60\ncv = 0.5\nskill = 'repair'\n"
            "[demand.jobs.repair]\nshare = 0.0\nmean_min = 60\ncv = 0.5\nskill = 'repair'",
            "demand.jobs",
        ),
        (
            "job-unknown",
            "[demand.jobs.plumbing]\nshare = 0.1\nmean_min = 60\ncv = 0.5\nskill = 'repair'",
            "demand",
        ),
        (
            "zones-unordered",
            "[city]\nzones = [{name = 'a', outer_radius_km = 9.0, speed_factor = 1.0}, "
            "{name = 'b', outer_radius_km = 2.0, speed_factor = 1.0}]",
            "city",
        ),
        (
            "zone-stopped",
            "[city]\nzones = [{name = 'a', outer_radius_km = 9.0, speed_factor = 0.0}]",
            "city.zones.0.speed_factor",
        ),
        (
            "zone-nan",
            "[city]\nzones = [{name = 'a', outer_radius_km = nan, speed_factor = 1.0}]",
            "city.zones.0.outer_radius_km",
        ),
        (
            "zone-unnamed",
            "[city]\nzones = [{name = '', outer_radius_km = 9.0, speed_factor = 1.0}]",
            "city.zones.0.name",
        ),
        ("seed-huge", "seed = 99999999999999999999", "seed"),
        ("seed-neg", "seed = -1", "seed"),
        ("unknown-key", "[policy]\nreplaning = false", "policy.replaning"),
        ("unknown-section", "[weather]\nrain = true", "weather"),
        ("dispatcher-psychic", "[policy]\ndispatcher = 'psychic'", "dispatcher"),
        ("name-empty", "name = ''", "name"),
        ("name-huge", "name = '" + "x" * 5000 + "'", "name"),
    ]
    for name, toml, field in rules:
        yield Case(f"rule-{name}", toml + "\n", field)
    folder = tmp / "folder.csv.gz"
    folder.mkdir(exist_ok=True)
    plain = tmp / "plain.csv.gz"
    plain.write_text("customer_id,technician_id,rating\n")
    binary = tmp / "binary.csv"
    binary.write_bytes(b"\x00\xff\xfe" * 100)
    headerless = tmp / "one.csv"
    headerless.write_text("justoneword\n")
    array = tmp / "array.json"
    array.write_text("[1, 2]")
    broken = tmp / "broken.json"
    broken.write_text("{not json")
    deep = tmp / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    files: list[tuple[str, str]] = [
        ("duration_history", "/etc/passwd"),
        ("duration_history", "/etc"),
        ("duration_history", str(tmp / "missing.csv.gz")),
        ("duration_history", str(folder)),
        ("duration_history", str(plain)),
        ("duration_history", "data/history/default.csv"),
        ("duration_history", "/dev/zero.csv.gz"),
        ("duration_history", "x\u0000y.csv.gz"),
        ("chemistry_history", "/etc/passwd"),
        ("chemistry_history", str(binary)),
        ("chemistry_history", str(headerless)),
        ("chemistry_history", str(tmp / "missing.csv")),
        ("chemistry_history", "data/history/default_eta_calibration.json"),
        ("eta_calibration", "/etc/passwd"),
        ("eta_calibration", str(array)),
        ("eta_calibration", str(broken)),
        ("eta_calibration", str(deep)),
        ("eta_calibration", str(tmp / "missing.json")),
        ("eta_calibration", "data/history/default.csv.gz"),
    ]
    for i, (field, value) in enumerate(files):
        yield Case(f"file-{field}-{i}", toml_for(("policy", field), value), f"policy.{field}")


def corrupt_cases(seed: int = 21) -> Iterator[Case]:
    """Whole-file corruptions of a shipped scenario: non-UTF-8 bytes, nesting, cuts, noise."""
    rng = random.Random(seed)
    good = (SCENARIOS / "default.toml").read_bytes()
    for i in range(40):
        at = rng.randrange(len(good))
        byte = bytes([rng.choice([0x80, 0xC3, 0xFF, 0xFE, 0xED])])
        yield Case(f"byte-{i}", good[:at] + byte + good[at + 1 :], "")
    for depth in (9, 20, 999, 5000, 100_000):
        yield Case(f"array-depth-{depth}", "name = " + "[" * depth + "]" * depth + "\n", "")
        yield Case(
            f"table-depth-{depth}", "name = " + "{a = " * depth + "1" + "}" * depth + "\n", ""
        )
    yield Case("dotted-depth", "[" + ".".join(["t"] * 3000) + "]\nx = 1\n", "")
    yield Case("huge", b"# " + b"x" * (2 << 20) + b"\n", "")
    yield Case("nul", b"name = 'a\x00b'\n", "")
    yield Case("bom-utf16", "name = 'x'\n".encode("utf-16"), "")
    for i in range(30):
        at = rng.randrange(1, len(good))
        yield Case(f"cut-{i}", good[:at], "?")  # may still be valid TOML: no traceback either way
    for i in range(20):
        noise = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
        yield Case(f"noise-{i}", noise, "")


def all_cases(tmp: Path) -> list[Case]:
    return [*field_cases(), *date_cases(), *rule_cases(tmp), *corrupt_cases()]


def test_corpus_of_bad_scenarios_gives_only_config_errors(tmp_path: Path) -> None:
    cases = all_cases(tmp_path)
    assert len(cases) >= 500
    assert len({c.name for c in cases}) == len(cases)
    accepted, wrong, unnamed = [], [], []
    for case in cases:
        path = tmp_path / f"{case.name}.toml"
        if isinstance(case.toml, bytes):
            path.write_bytes(case.toml)
        else:
            path.write_text(case.toml, encoding="utf-8")
        try:
            load_scenario(path)
        except ConfigError as exc:
            msg = str(exc)
            if not msg.startswith(str(path)) or (
                case.field not in ("", "?") and case.field not in msg
            ):
                unnamed.append((case.name, msg))
        except Exception as exc:  # the point: nothing but ConfigError
            wrong.append((case.name, f"{type(exc).__name__}: {exc}"[:300]))
        else:
            if case.field != "?":
                accepted.append(case.name)
    assert wrong == []
    assert accepted == []
    assert unnamed == []


def test_field_cases_cover_every_field() -> None:
    named = {c.field for c in field_cases()}
    for section in ("city", "traffic", "workforce", "demand", "costs", "satisfaction", "policy"):
        assert section in named
    assert {"tick_min", "ping_interval_min", "day_end_min", "seed"} <= named
    assert "demand.windows.day_start_min" in named and "policy.weights.travel" in named


@pytest.mark.parametrize(
    ("toml", "field"),
    [
        ("[workforce]\ntechnicians = true\n", "workforce.technicians"),
        ("tick_min = 1.5\n", "tick_min"),
        ("[traffic]\nincident_duration_min = [120.0, 30.0]\n", "traffic.incident_duration_min"),
        ('[policy]\nduration_history = "/etc/passwd"\n', "policy.duration_history"),
        ("date = 0\n", "date"),
    ],
)
def test_twin_run_with_a_bad_scenario_exits_2_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], toml: str, field: str
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(toml)
    out = tmp_path / "o"
    assert main(["run", "--scenario", str(bad), "--out", str(out), "--no-store"]) == 2
    printed = capsys.readouterr().out.replace("\n", "")
    assert field in printed and "error:" in printed
    assert not out.exists()


def test_twin_run_process_prints_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b"[workforce]\ntechnicians = \xff\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    code = "import sys; from twin.cli import main; sys.exit(main())"
    argv = [sys.executable, "-c", code, "run", "--scenario", str(bad), "--no-store"]
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2
    assert "not UTF-8 text: byte 0xff" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr
