"""MP169 Restricted mode: what reaches a restricted device and its Users, in force and off."""

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from gbdsp.domain.devices import Device, DeviceModel, DeviceType, SmiStatus
from gbdsp.domain.ids import DeviceId
from gbdsp.domain.rules import Switch, mp169
from gbdsp.domain.srv import catalogue

ESME = Device(
    DeviceId(0x00DB_0000_0000_0001),
    DeviceType.ESME,
    DeviceModel("AB", "E1", "01", "02"),
    "SMETS2",
    SmiStatus.COMMISSIONED,
    datetime(2026, 1, 1, tzinfo=UTC),
)
RESTRICTED = replace(ESME, restricted=True)
SETTINGS = mp169.Settings(
    Switch(True, date(2026, 1, 1)), mp169.default_allowed_srvs(), frozenset({"8F01"})
)
ON = mp169.policy(SETTINGS, date(2026, 1, 1))
OFF = mp169.policy(SETTINGS, date(2025, 12, 31))


def test_the_factory_gives_the_policy_of_the_day() -> None:
    assert isinstance(ON, mp169.InForce) and isinstance(OFF, mp169.Off)
    off_switch = replace(SETTINGS, switch=Switch(False, date(2026, 1, 1)))
    assert isinstance(mp169.policy(off_switch, date(2030, 1, 1)), mp169.Off)


@pytest.mark.parametrize(
    ("device", "srv", "refused"),
    [
        (RESTRICTED, "4.8.1", True),  # a consumption read: refused (E169)
        (RESTRICTED, "1.1.1", False),  # critical (tariff): still sent
        (RESTRICTED, "11.2", False),  # firmware: still sent
        (ESME, "4.8.1", False),  # not restricted
        (None, "4.8.1", False),  # no device: other checks answer
    ],
)
def test_in_force_only_allow_listed_srvs_reach_a_restricted_device(
    device: Device | None, srv: str, refused: bool
) -> None:
    assert ON.refuses(device, srv) is refused


def test_the_default_allow_list_is_every_critical_srv_and_the_safety_reads() -> None:
    allowed = mp169.default_allowed_srvs()
    assert {s.variant for s in catalogue().by_id.values() if s.critical} <= allowed
    assert set(mp169.SAFETY_AND_SECURITY_SRVS) <= allowed and "4.8.1" not in allowed


def test_in_force_only_allow_listed_alerts_reach_users() -> None:
    assert ON.delivers_alert(False, "1234")
    assert ON.delivers_alert(True, "8f01")
    assert not ON.delivers_alert(True, "1234")


def test_in_force_the_flag_may_be_set_and_8_2_shows_it() -> None:
    assert ON.refusal is None and ON.shows_restricted


def test_off_a_restricted_flag_changes_nothing() -> None:
    assert not OFF.refuses(RESTRICTED, "4.8.1")
    assert OFF.delivers_alert(True, "1234")
    assert not OFF.shows_restricted
    assert OFF.refusal == "MP169 (Restricted mode) is not in force"
    assert OFF.describe() == "not available (MP169 off)"


@pytest.mark.parametrize(
    ("device", "why"),
    [
        (ESME, None),
        (replace(ESME, smets_chts_version="SMETS1"), "SMETS2+ devices only"),
        (replace(ESME, device_type=DeviceType.PPMID), "ESME and GSME, not a PPMID"),
    ],
)
def test_only_smets2_meters_can_be_restricted(device: Device, why: str | None) -> None:
    found = mp169.why_not_restrictable(device)
    assert found is None if why is None else why in (found or "")
