"""Scenario files: what they may say, and errors that name the key at fault."""

from __future__ import annotations

import pytest

from gbdsp.sim.rules import Decisions
from gbdsp.sim.scenario import ScenarioError, parse

BASE = """
[scenario]
name = "s"
months = MONTHS
[fleet]
premises = 1000
SUPPLIERS
[restricted]
requests_per_meter_per_day = { SRVS }
[[ruleset]]
name = "a"
[[ruleset]]
name = "B"
HOUSEKEEPING
"""


def _text(**changes: str) -> str:
    values = {
        "MONTHS": "12",
        "SUPPLIERS": "",
        "SRVS": '"4.8.1" = 1.0',
        "HOUSEKEEPING": "",
        "B": "b",
    }
    values.update(changes)
    text = BASE
    for key, value in values.items():
        text = text.replace(key, value)
    return text


def test_a_valid_scenario_loads_and_scales() -> None:
    scenario = parse(_text())
    assert scenario.fleet.premises == 1000
    assert scenario.scaled(0.01).fleet.premises == 10
    assert scenario.scaled(None, 7).scenario.seed == 7


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"MONTHS": "0"}, "scenario.months: Input should be greater than or equal to 1"),
        (
            {"SUPPLIERS": "suppliers = { A = 0.5, B = 0.3 }"},
            "fleet.suppliers: market shares add up to 0.8000, not 1",
        ),
        (
            {"SRVS": '"4.8.1" = 1.0, "99.9" = 1.0'},
            "restricted.requests_per_meter_per_day: not an SRV of the catalogue: 99.9",
        ),
        (
            {"HOUSEKEEPING": 'housekeeping = { months = 12, excluded_types = ["Toaster"] }'},
            "ruleset #2.housekeeping: unknown device type 'Toaster' (one of: ESME",
        ),
        (
            {"HOUSEKEEPING": "housekeeping = { months = 0 }"},
            "ruleset #2.housekeeping: months must be at least 1",
        ),
        (
            {"HOUSEKEEPING": 'install_codes = { sla_working_days = 10, calendar = "mars" }'},
            "ruleset #2.install_codes: unknown working-day calendar 'mars'",
        ),
        (
            {"HOUSEKEEPING": 'modifications = ["mp999"]'},
            "ruleset #2.modifications #1: Input should be",
        ),
        ({"HOUSEKEEPING": 'colour = "red"'}, "ruleset #2.colour: Extra inputs are not permitted"),
        ({"B": "a"}, "rule set names must differ"),
        ({"MONTHS": "12 x"}, "not valid TOML"),
    ],
)
def test_errors_name_the_key(changes: dict[str, str], message: str) -> None:
    with pytest.raises(ScenarioError) as error:
        parse(_text(**changes), "my.toml")
    assert str(error.value).startswith("my.toml: ")
    assert message.lower() in str(error.value).lower()


def test_one_rule_set_is_not_a_comparison() -> None:
    text = _text().split('[[ruleset]]\nname = "b"')[0]
    assert text.count("[[ruleset]]") == 1
    with pytest.raises(ScenarioError, match="ruleset: List should have at least 2 items"):
        parse(text)


def test_a_rule_set_is_the_gateways_configuration() -> None:
    scenario = parse(
        _text(
            HOUSEKEEPING='modifications = ["mp60", "mp121"]\n'
            "install_codes = { sla_working_days = 5 }"
        )
    )
    plain, changed = (Decisions.of(r, scenario.scenario.start) for r in scenario.ruleset)
    # Without a housekeeping table the gateway's defaults apply: AC 7.2, or MP60 as assessed.
    assert (plain.housekeeping.months, plain.housekeeping.excluded_types) == (12, frozenset())
    assert changed.housekeeping.months == 36 and changed.housekeeping.excluded_types
    assert not plain.rules(0).mp121.in_force and changed.rules(0).mp121.in_force
    assert changed.settings.mp121.sla_working_days == 5
    assert not plain.rules(0).mp169.in_force
