"""MP60: which housekeeping rule is in force, MP60's or AC 7.2's (seed 002)."""

from datetime import date

from gbdsp.domain.devices import DeviceType
from gbdsp.domain.housekeeping import HousekeepingRule
from gbdsp.domain.rules import Switch, mp60

MP60_RULE = HousekeepingRule(36, frozenset({DeviceType.CHF, DeviceType.GPF}), name="MP60")
AC_7_2 = HousekeepingRule(12, name="AC 7.2")
FROM = date(2027, 4, 1)


def _settings(enabled: bool = True) -> mp60.Settings:
    return mp60.Settings(Switch(enabled, FROM), rule=MP60_RULE, baseline=AC_7_2)


def test_in_force_the_rule_is_mp60s() -> None:
    policy = mp60.policy(_settings(), FROM)
    assert isinstance(policy, mp60.InForce) and policy.rule == MP60_RULE
    assert not policy.rule.applies_to(DeviceType.CHF)  # the DCC assessment's exclusion


def test_before_its_effective_date_ac_7_2_stands() -> None:
    policy = mp60.policy(_settings(), date(2027, 3, 31))
    assert isinstance(policy, mp60.Off) and policy.rule == AC_7_2
    assert policy.rule.applies_to(DeviceType.CHF)


def test_switched_off_ac_7_2_stands_whatever_the_date() -> None:
    assert mp60.policy(_settings(enabled=False), date(2030, 1, 1)).rule == AC_7_2
