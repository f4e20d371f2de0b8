from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from tests.conftest import SCENARIOS
from twin.config import ConfigError, DeprecatedSetting, Scenario, load_scenario, validate


@pytest.mark.parametrize("name", ["small", "default", "large"])
def test_shipped_scenarios_load(name: str) -> None:
    scenario = load_scenario(SCENARIOS / f"{name}.toml")
    assert scenario.name == name


def test_shipped_sizes() -> None:
    assert load_scenario(SCENARIOS / "large.toml").workforce.technicians == 1000
    assert load_scenario(SCENARIOS / "default.toml").workforce.technicians == 50


def test_bad_choice_names_field_value_and_allowed(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[policy]\nplanner = "psychic"\n')
    with pytest.raises(ConfigError) as info:
        load_scenario(path)
    msg = str(info.value)
    assert "policy.planner" in msg
    assert "psychic" in msg
    assert "'insertion'" in msg and "'poweropt'" in msg
    assert str(path) in msg


@pytest.mark.parametrize(
    ("name", "planner", "brain"),
    [
        ("baseline", "insertion", False),
        ("brain", "insertion", True),
        ("optimised", "poweropt", False),
        ("optimised_brain", "poweropt", True),
    ],
)
def test_the_four_old_policy_names_still_work_with_a_warning(
    tmp_path: Path, name: str, planner: str, brain: bool
) -> None:
    path = tmp_path / "old.toml"
    path.write_text(f'[policy]\ndispatcher = "{name}"\n')
    with pytest.warns(DeprecatedSetting, match="policy.planner"):
        scenario = load_scenario(path)
    assert (scenario.policy.planner, scenario.policy.brain) == (planner, brain)
    assert scenario.policy.name == name
    with pytest.warns(DeprecatedSetting):
        again = Scenario().with_overrides(**{"policy.dispatcher": name})
    assert again.policy == scenario.policy


def test_an_old_policy_name_that_contradicts_the_new_settings_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "both.toml"
    path.write_text('[policy]\ndispatcher = "baseline"\nbrain = true\n')
    with pytest.warns(DeprecatedSetting), pytest.raises(ConfigError, match="contradicts brain"):
        load_scenario(path)
    path.write_text('[policy]\ndispatcher = "psychic"\n')
    with pytest.raises(ConfigError, match=r"psychic.*allowed: baseline"):
        load_scenario(path)


def test_out_of_range_names_field() -> None:
    with pytest.raises(ConfigError, match=r"workforce\.technicians.*greater than or equal to 1"):
        validate({"workforce": {"technicians": 0}})


def test_the_optimisation_budget_is_a_positive_count() -> None:
    with pytest.raises(ConfigError, match=r"optimise_iterations.*greater than or equal to 1"):
        validate({"policy": {"optimise_iterations": 0}})
    with pytest.raises(ConfigError, match=r"policy\.optimise_iterations"):
        validate({"policy": {"optimise_iterations": 2.5}})


def test_unknown_key_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"demand\.visits_per_tech"):
        validate({"demand": {"visits_per_tech": 3}})


def test_job_shares_must_sum_to_one() -> None:
    with pytest.raises(ConfigError, match="job shares must sum to 1"):
        validate(
            {
                "demand": {
                    "jobs": {"repair": {"share": 0.5, "mean_min": 60, "cv": 0.5, "skill": "repair"}}
                }
            }
        )


def test_unknown_job_type_lists_allowed() -> None:
    jobs = {"plumbing": {"share": 1.0, "mean_min": 60, "cv": 0.5, "skill": "x"}}
    with pytest.raises(ConfigError, match="allowed: maintenance, repair"):
        validate({"demand": {"jobs": jobs}})


def test_invalid_toml_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[policy\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_scenario(path)


def test_overrides_are_validated() -> None:
    s = Scenario().with_overrides(**{"policy.replanning": False, "workforce.technicians": 7})
    assert s.workforce.technicians == 7 and not s.policy.replanning
    with pytest.raises(ConfigError, match=r"policy\.delay_threshold"):
        Scenario().with_overrides(**{"policy.delay_threshold": 2.0})


def test_time_zone_names_an_iana_zone() -> None:
    assert Scenario().time_zone == "Europe/Berlin"
    assert Scenario(time_zone="UTC").time_zone == "UTC"
    with pytest.raises(ValidationError, match="IANA time zone"):
        Scenario(time_zone="Mars/Olympus")


def test_pay_and_paid_time_weight(tmp_path: Path) -> None:
    path = tmp_path / "pay.toml"
    path.write_text('[policy]\npay = "hour"\n[policy.weights]\npaid_time = 1.5\n')
    policy = load_scenario(path).policy
    assert (policy.pay, policy.weights.paid_time) == ("hour", 1.5)
    assert Scenario().policy.pay == "shift"
    path.write_text('[policy]\npay = "piecework"\n')
    with pytest.raises(ConfigError) as info:
        load_scenario(path)
    msg = str(info.value)
    assert "policy.pay" in msg and "piecework" in msg and "'hour'" in msg
