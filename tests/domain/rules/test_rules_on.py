"""`rules_on`: the one factory of the modifications' policies, by date."""

from dataclasses import replace
from datetime import date

import pytest

from gbdsp.domain.devices import DeviceType
from gbdsp.domain.housekeeping import HousekeepingRule
from gbdsp.domain.parties import UserRole
from gbdsp.domain.rules import (
    NAMES,
    Rules,
    Settings,
    Switch,
    mp39,
    mp60,
    mp121,
    mp169,
    mp202,
    rules_on,
)
from gbdsp.domain.working_days import Calendar

SINCE_2020 = Switch(True, date(2020, 1, 1))
SETTINGS = Settings(
    mp39=mp39.Settings(SINCE_2020),
    mp60=mp60.Settings(
        SINCE_2020,
        rule=HousekeepingRule(36, frozenset({DeviceType.CHF}), name="MP60"),
        baseline=HousekeepingRule(12, name="AC 7.2"),
    ),
    mp121=mp121.Settings(SINCE_2020, 10, Calendar.ENGLAND_AND_WALES, 2, ""),
    mp169=mp169.Settings(SINCE_2020, mp169.default_allowed_srvs(), frozenset({"8F01"})),
    mp202=mp202.Settings(SINCE_2020),
)
FUTURE = date(2027, 4, 1)


def test_the_modifications_are_named_once() -> None:
    assert NAMES == ("mp39", "mp60", "mp121", "mp169", "mp202")
    assert rules_on(SETTINGS, date(2026, 1, 1)).in_force() == NAMES


def _with(name: str, switch: Switch) -> Settings:
    own = getattr(SETTINGS, name)
    return replace(SETTINGS, **{name: replace(own, switch=switch)})


@pytest.mark.parametrize("name", NAMES)
def test_a_future_effective_date_is_off_before_and_on_from_that_day(name: str) -> None:
    settings = _with(name, Switch(True, FUTURE))
    before = rules_on(settings, date(2027, 3, 31))
    on_the_day = rules_on(settings, FUTURE)
    assert name not in before.in_force() and not getattr(before, name).in_force
    assert name in on_the_day.in_force() and getattr(on_the_day, name).in_force
    assert set(before.in_force()) == set(NAMES) - {name}  # the others are untouched


@pytest.mark.parametrize("name", NAMES)
def test_a_disabled_modification_is_off_whatever_the_date(name: str) -> None:
    rules = rules_on(_with(name, Switch(False, date(2020, 1, 1))), date(2030, 1, 1))
    assert rules.in_force() == tuple(n for n in NAMES if n != name)


def test_each_policy_answers_for_the_day() -> None:
    def answers(rules: Rules) -> tuple[object, ...]:
        return (
            UserRole.RSA in rules.mp39.extra_roles("8.14.3"),
            rules.mp60.rule.months,
            rules.mp121.refusal is None,
            rules.mp169.shows_restricted,
            rules.mp202.describe(),
        )

    late = Switch(True, FUTURE)
    settings = replace(
        SETTINGS,
        **{n: replace(getattr(SETTINGS, n), switch=late) for n in NAMES},
    )
    assert answers(rules_on(settings, date(2027, 3, 31))) == (
        False,
        12,
        False,
        False,
        "as pre-notified (interim CPL rows)",
    )
    assert answers(rules_on(settings, FUTURE)) == (
        True,
        36,
        True,
        True,
        "follows the CH at whitelisting (MP202)",
    )
