"""Issue 21's scenario reproducers, one named test each: refused with the field, the value
and what is allowed, never accepted and never a traceback."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tests.conftest import SCENARIOS
from twin.config import ConfigError, Scenario, load_scenario, validate


def refused(tmp_path: Path, toml: str | bytes) -> str:
    """The message load_scenario gives for a scenario file with this content."""
    path = tmp_path / "bad.toml"
    if isinstance(toml, bytes):
        path.write_bytes(toml)
    else:
        path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_scenario(path)
    msg = str(info.value)
    assert str(path) in msg
    return msg


def test_date_zero_is_not_1970(tmp_path: Path) -> None:
    msg = refused(tmp_path, "date = 0\n")
    assert "date:" in msg and "got 0" in msg and "calendar date such as 2026-11-23" in msg


def test_date_1970_is_out_of_range(tmp_path: Path) -> None:
    msg = refused(tmp_path, "date = 1970-01-01\n")
    assert "date:" in msg and "got 1970-01-01" in msg and "from 2000-01-01 to 2100-12-31" in msg


def test_date_and_time_is_not_a_date(tmp_path: Path) -> None:
    assert "calendar date" in refused(tmp_path, "date = 2026-11-23T08:00:00\n")


def test_technicians_true_is_not_one(tmp_path: Path) -> None:
    msg = refused(tmp_path, "[workforce]\ntechnicians = true\n")
    assert "workforce.technicians" in msg and "not true/false" in msg and "got True" in msg


def test_a_float_is_not_a_count(tmp_path: Path) -> None:
    assert "workforce.technicians" in refused(tmp_path, "[workforce]\ntechnicians = 8.0\n")


def test_text_is_not_a_number(tmp_path: Path) -> None:
    msg = refused(tmp_path, '[city]\nsize_km = "24"\n')
    assert "city.size_km" in msg and "valid number" in msg


@pytest.mark.parametrize(
    "field", ["technician_hour_eur", "overtime_premium", "van_km_eur", "missed_visit_eur"]
)
def test_costs_inf_refused(tmp_path: Path, field: str) -> None:
    msg = refused(tmp_path, f"[costs]\n{field} = inf\n")
    assert f"costs.{field}" in msg and "finite number" in msg and "got inf" in msg


def test_satisfaction_nan_refused(tmp_path: Path) -> None:
    msg = refused(tmp_path, "[satisfaction]\non_time = nan\n")
    assert "satisfaction.on_time" in msg and "finite number" in msg and "got nan" in msg


def test_satisfaction_points_are_bounded(tmp_path: Path) -> None:
    msg = refused(tmp_path, "[satisfaction]\nlate = 1e12\n")
    assert "satisfaction.late" in msg and "from -1000 to 1000" in msg


def test_a_day_ending_at_one_in_the_morning(tmp_path: Path) -> None:
    msg = refused(tmp_path, "day_end_min = 60\n")
    assert "day_end_min" in msg and "got 60.0" in msg and "after the last shift ends (975" in msg


def test_skills_nobody_has(tmp_path: Path) -> None:
    toml = (
        "[demand.jobs.repair]\nshare = 0.7\nmean_min = 60\ncv = 0.5\nskill = 'plumbing'\n"
        "[demand.jobs.maintenance]\nshare = 0.3\nmean_min = 60\ncv = 0.5\nskill = 'service'\n"
    )
    msg = refused(tmp_path, toml)
    assert "demand.jobs.repair.skill" in msg and "'plumbing'" in msg
    assert "hold install, repair, service" in msg


def test_a_skill_only_a_zero_share_skill_set_has(tmp_path: Path) -> None:
    toml = "[workforce.skill_sets]\n'service,repair' = 1.0\n'install' = 0.0\n"
    msg = refused(tmp_path, toml)
    assert "demand.jobs.installation.skill" in msg and "'install'" in msg


def test_emergency_response_inf(tmp_path: Path) -> None:
    msg = refused(tmp_path, "[demand]\nemergency_response_min = inf\n")
    assert "demand.emergency_response_min" in msg and "finite" in msg


def test_incident_duration_pair_swapped(tmp_path: Path) -> None:
    msg = refused(tmp_path, "[traffic]\nincident_duration_min = [120.0, 30.0]\n")
    assert "traffic.incident_duration_min" in msg and "(120.0, 30.0)" in msg
    assert "shortest <= longest" in msg


def test_incident_factors_swapped(tmp_path: Path) -> None:
    msg = refused(tmp_path, "[traffic]\nincident_factor_min = 0.9\nincident_factor_max = 0.5\n")
    assert "traffic.incident_factor_min" in msg and "incident_factor_max (0.5)" in msg


def test_booking_day_starting_after_it_ends(tmp_path: Path) -> None:
    msg = refused(tmp_path, "[demand.windows]\nday_start_min = 1000\n")
    assert "demand.windows.day_start_min" in msg and "got 1000.0" in msg
    assert "before day_end_min (960)" in msg


def test_booking_day_outside_the_shift(tmp_path: Path) -> None:
    msg = refused(tmp_path, "[demand.windows]\nday_end_min = 1200\n")
    assert "demand.windows.day_end_min" in msg and "after the shift (960" in msg


def test_non_utf8_file(tmp_path: Path) -> None:
    good = (SCENARIOS / "small.toml").read_bytes()
    msg = refused(tmp_path, good[:40] + b"\xff\xfe" + good[40:])
    assert "not UTF-8 text: byte 0xff at offset 40" in msg


@pytest.mark.parametrize("depth", [50, 100_000])
def test_deep_nesting(tmp_path: Path, depth: int) -> None:
    msg = refused(tmp_path, "name = " + "[" * depth + "]" * depth + "\n")
    assert "nested" in msg


def test_deep_tables(tmp_path: Path) -> None:
    keys = ".".join(f"k{i}" for i in range(5000))
    assert "nested more than 8 levels" in refused(tmp_path, f"[{keys}]\nx = 1\n")


def test_duration_history_etc_passwd(tmp_path: Path) -> None:
    msg = refused(tmp_path, '[policy]\nduration_history = "/etc/passwd"\n')
    assert "policy.duration_history" in msg and "'/etc/passwd'" in msg
    assert "allowed: a .csv.gz file" in msg


def test_duration_history_not_gzip(tmp_path: Path) -> None:
    fake = tmp_path / "passwd.csv.gz"
    fake.write_bytes(Path("/etc/passwd").read_bytes())
    msg = refused(tmp_path, f'[policy]\nduration_history = "{fake}"\n')
    assert "policy.duration_history: not gzip-compressed" in msg and "train-durations" in msg


def test_duration_history_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "h.csv.gz"
    folder.mkdir()
    msg = refused(tmp_path, f'[policy]\nduration_history = "{folder}"\n')
    assert "policy.duration_history" in msg and "not a regular file" in msg


def test_chemistry_history_binary(tmp_path: Path) -> None:
    fake = tmp_path / "f.csv.gz"
    fake.write_bytes(gzip.compress(b"\xff\xfe\x00binary"))
    msg = refused(tmp_path, f'[policy]\nchemistry_history = "{fake}"\n')
    assert "policy.chemistry_history: not a UTF-8 CSV file" in msg


def test_eta_calibration_not_an_object(tmp_path: Path) -> None:
    fake = tmp_path / "c.json"
    fake.write_text(json.dumps([1, 2, 3]))
    msg = refused(tmp_path, f'[policy]\neta_calibration = "{fake}"\n')
    assert "policy.eta_calibration: not a JSON object" in msg and "calibrate-eta" in msg


@pytest.mark.parametrize("value", [1.5, 1e-9, 7, 0.5, 90])
def test_tick_must_divide_the_hour(tmp_path: Path, value: float) -> None:
    msg = refused(tmp_path, f"tick_min = {value!r}\n")
    assert "tick_min" in msg and f"got {value!r}" in msg
    assert "1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60" in msg or "less than or equal to 60" in msg


def test_ping_interval_tiny(tmp_path: Path) -> None:
    msg = refused(tmp_path, "ping_interval_min = 1e-9\n")
    assert "ping_interval_min" in msg and "greater than or equal to 0.25" in msg


def test_parked_pings_less_often_than_moving_ones(tmp_path: Path) -> None:
    msg = refused(tmp_path, "ping_interval_min = 20.0\nparked_ping_interval_min = 5.0\n")
    assert "parked_ping_interval_min" in msg and "at least ping_interval_min (20)" in msg


def test_speed_tiny(tmp_path: Path) -> None:
    msg = refused(tmp_path, "[traffic]\nspeed_kmh_by_hour = [" + ", ".join(["1e-9"] * 24) + "]\n")
    assert "traffic.speed_kmh_by_hour.0" in msg and "from 3 to 150 km/h" in msg


def test_speed_as_one_number(tmp_path: Path) -> None:
    assert "traffic.speed_kmh_by_hour" in refused(tmp_path, "[traffic]\nspeed_kmh_by_hour = 1e-9\n")


def test_window_width_zero(tmp_path: Path) -> None:
    msg = refused(tmp_path, "[policy]\nwindow_widths_h = [0.0]\n")
    assert "policy.window_widths_h.0" in msg and "from 0.5 to 24 hours" in msg


def test_window_width_wider_than_the_booking_day(tmp_path: Path) -> None:
    msg = refused(tmp_path, "[policy]\nwindow_widths_h = [2.0, 10.0]\n")
    assert "policy.window_widths_h.1" in msg and "fit the booking day" in msg


def test_shares_cannot_cancel_out(tmp_path: Path) -> None:
    msg = refused(tmp_path, "[workforce.skill_sets]\n'service,repair,install' = 2.0\nx = -1.0\n")
    assert "workforce.skill_sets" in msg and "share from 0 to 1" in msg


def test_channel_shares_must_form_a_mix(tmp_path: Path) -> None:
    msg = refused(tmp_path, "[demand.channel_shares]\nportal = 0.2\n")
    assert "demand.channel_shares" in msg and "sum to 1" in msg


def test_unknown_override_path_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"nowhere\.x: no such section"):
        Scenario().with_overrides(**{"nowhere.x": 1})


def test_store_round_trip_still_validates() -> None:
    """The run store keeps scenarios as JSON (dates as text, tuples as lists)."""
    scenario = load_scenario(SCENARIOS / "default.toml")
    assert validate(json.loads(scenario.model_dump_json())) == scenario


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_every_shipped_scenario_loads(path: Path) -> None:
    assert load_scenario(path).name == path.stem
