"""The simulator's questions to the domain, answered as the gateway would answer them."""

from __future__ import annotations

from datetime import date

from gbdsp.domain.devices import DeviceType
from gbdsp.sim.rules import Decisions
from gbdsp.sim.scenario import RuleSet

START = date(2023, 1, 1)


def _decisions(**fields: object) -> Decisions:
    return Decisions.of(RuleSet.model_validate({"name": "r", **fields}), START)


def test_a_device_pending_since_noon_goes_in_the_run_after_its_anniversary() -> None:
    twelve = _decisions(housekeeping={"months": 12})
    since = twelve.index(date(2025, 3, 10))
    assert twelve.day(twelve.removal_day(DeviceType.CHF, since, False) or 0) == date(2026, 3, 11)


def test_the_29_february_run_looks_back_to_28_february_02_00() -> None:
    # Pending since 28 Feb 2023 noon: the run on 29 Feb 2024 at 02:00 looks back 12 months to
    # 28 Feb 2023 02:00 (clamped), before the device became Pending: it goes on 1 March.
    twelve = _decisions(housekeeping={"months": 12})
    since = twelve.index(date(2023, 2, 28))
    assert twelve.day(twelve.removal_day(DeviceType.ESME, since, False) or 0) == date(2024, 3, 1)


def test_excluded_and_never_left_pending_devices_are_never_due() -> None:
    assessed = _decisions(modifications=["mp60"])  # the gateway's MP60 default: CHs excluded
    assert assessed.removal_day(DeviceType.CHF, 0, False) is None
    assert assessed.day(assessed.removal_day(DeviceType.ESME, 0, False) or 0) == date(2026, 1, 2)
    bryt = _decisions(housekeeping={"months": 12, "only_after_left_pending": True})
    assert bryt.removal_day(DeviceType.GPF, 0, False) is None
    assert bryt.removal_day(DeviceType.GPF, 0, True) is not None


def test_install_code_due_dates_follow_the_rule_sets_sla_and_calendar() -> None:
    five = _decisions(modifications=["mp121"], install_codes={"sla_working_days": 5})
    raised = five.index(date(2026, 12, 21))  # Mon; 25, 28 Dec and 1 Jan are bank holidays
    assert five.day(five.install_code_due(raised)) == date(2026, 12, 30)
    # Raised Tue 29 Dec: Scotland also keeps 2 Jan (a Saturday, so Monday 4 Jan)
    scottish = _decisions(
        modifications=["mp121"], install_codes={"sla_working_days": 5, "calendar": "scotland"}
    )
    later = five.index(date(2026, 12, 29))
    assert five.day(five.install_code_due(later)) == date(2027, 1, 6)
    assert scottish.day(scottish.install_code_due(later)) == date(2027, 1, 7)
    assert five.answered_in_time(five.index(date(2026, 12, 30)), five.install_code_due(raised))
    assert not five.answered_in_time(five.index(date(2026, 12, 31)), five.install_code_due(raised))


def test_restricted_policy_is_the_gateways() -> None:
    on, off = _decisions(modifications=["mp169"]), _decisions()
    assert on.refuses("4.8.1", 0) and not on.refuses("1.1.1", 0) and not on.refuses("11.2", 0)
    assert not off.refuses("4.8.1", 0)
    narrow = _decisions(modifications=["mp169"], restricted_mode={"allowed_srvs": ["4.8.1"]})
    assert not narrow.refuses("4.8.1", 0) and narrow.refuses("1.1.1", 0)
    assert on.restrictable(False, 0) and not on.restrictable(True, 0)
    assert not off.restrictable(False, 0)  # without MP169 nobody can be restricted
