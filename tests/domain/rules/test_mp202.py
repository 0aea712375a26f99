"""MP202: the PPMID's SMETS version, OTA firmware and the CPL, in force and off (seed 004)."""

from datetime import UTC, datetime

import pytest

from gbdsp.domain.devices import Device, DeviceModel, DeviceType, SmetsVariant, SmiStatus
from gbdsp.domain.ids import DeviceId
from gbdsp.domain.products import CplEntry, CplKey
from gbdsp.domain.rules import mp202

MODEL = DeviceModel("AB", "PP1", "01", "02")
WHEN = datetime(2026, 1, 1, tzinfo=UTC)
ON, OFF = mp202.InForce(), mp202.Off()


def _device(kind: DeviceType, version: str, n: int = 1) -> Device:
    return Device(
        DeviceId(0x00DB_0000_0000_0000 + n), kind, MODEL, version, SmiStatus.PENDING, WHEN
    )


@pytest.mark.parametrize(
    ("ppmid", "chf", "policy", "fails"),
    [
        ("SMETS2", "CHTS V1", OFF, False),
        ("SMETS2", "SMETS1 CHTS", OFF, True),
        ("SMETS1", "CHTS V1", OFF, True),
        ("SMETS1", "SMETS1 CHTS", OFF, False),
        # seed 004's four rows: with MP202 the version follows the CH
        ("SMETS2", "SMETS1 CHTS", ON, False),
        ("SMETS1", "CHTS V1", ON, False),
    ],
)
def test_a_ppmid_in_the_other_system_is_stranded_only_without_mp202(
    ppmid: str, chf: str, policy: mp202.Policy, fails: bool
) -> None:
    why = policy.recorded_in_other_system(
        _device(DeviceType.PPMID, ppmid), _device(DeviceType.CHF, chf)
    )
    assert (why is not None) is fails


def test_with_mp202_a_ppmid_takes_the_version_of_the_ch_it_joins() -> None:
    smets2_ppmid = _device(DeviceType.PPMID, "SMETS2 V4.2")
    assert ON.version_at_whitelisting(smets2_ppmid, _device(DeviceType.CHF, "SMETS1 CHTS")) == (
        "SMETS1"
    )
    smets1_ppmid = _device(DeviceType.PPMID, "SMETS1")
    assert ON.version_at_whitelisting(smets1_ppmid, _device(DeviceType.CHF, "CHTS V1")) == "SMETS2"
    assert ON.version_at_whitelisting(smets2_ppmid, _device(DeviceType.CHF, "CHTS V1")) == (
        "SMETS2 V4.2"  # already right: the pre-notified SMETS2+ version is kept
    )
    esme = _device(DeviceType.ESME, "SMETS2 V4.2")  # only a PPMID follows its CH
    assert ON.version_at_whitelisting(esme, _device(DeviceType.CHF, "SMETS1 CHTS")) == "SMETS2 V4.2"


def test_without_mp202_the_smi_keeps_the_pre_notified_version() -> None:
    ppmid = _device(DeviceType.PPMID, "SMETS2 V4.2")
    assert OFF.version_at_whitelisting(ppmid, _device(DeviceType.CHF, "SMETS1 CHTS")) == (
        "SMETS2 V4.2"
    )


@pytest.mark.parametrize(
    ("ppmid", "chf", "policy", "why"),
    [
        ("SMETS2", "CHTS V1", ON, None),
        ("SMETS2", "CHTS V1", OFF, None),
        ("SMETS2", "SMETS1 CHTS", ON, "in a SMETS1 system (no OTA firmware)"),
        ("SMETS2", "SMETS1 CHTS", OFF, "in a SMETS1 system (no OTA firmware)"),
        ("SMETS1", "CHTS V1", ON, None),  # recorded SMETS1 by mistake: MP202 lets it through
        ("SMETS1", "CHTS V1", OFF, "recorded as SMETS1 but installed in a SMETS2+ system"),
    ],
)
def test_11_4_goes_to_ppmids_in_smets2_systems(
    ppmid: str, chf: str, policy: mp202.Policy, why: str | None
) -> None:
    found = policy.may_target(_device(DeviceType.PPMID, ppmid), _device(DeviceType.CHF, chf, 2))
    assert found is None if why is None else why in (found or "")


def test_a_ppmid_not_on_a_han_is_judged_by_its_own_version() -> None:
    assert ON.may_target(_device(DeviceType.PPMID, "SMETS1"), None) is not None
    assert OFF.may_target(_device(DeviceType.PPMID, "SMETS2"), None) is None


def test_without_mp202_the_smets1_variant_needs_its_own_firmware_version() -> None:
    smets2, smets1 = (
        CplEntry(CplKey(MODEL, DeviceType.PPMID, v))
        for v in (SmetsVariant.SMETS2, SmetsVariant.SMETS1)
    )
    assert ON.cpl_conflict(smets1, [smets2]) is None
    conflict = OFF.cpl_conflict(smets1, [smets2])
    assert conflict is not None and "needs its own firmware version" in conflict
    assert OFF.cpl_conflict(smets2, [smets2]) is None  # the same row again is no conflict
