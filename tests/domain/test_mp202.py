from datetime import UTC, datetime

import pytest

from gbdsp.domain.devices import Device, DeviceModel, DeviceType, SmiStatus
from gbdsp.domain.ids import DeviceId
from gbdsp.domain.mp202 import recorded_in_other_system

MODEL = DeviceModel("AB", "PP1", "01", "02")
WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def _device(kind: DeviceType, version: str) -> Device:
    return Device(DeviceId(0x00DB_0000_0000_0001), kind, MODEL, version, SmiStatus.PENDING, WHEN)


@pytest.mark.parametrize(
    ("ppmid", "chf", "in_force", "fails"),
    [
        ("SMETS2", "CHTS V1", False, False),
        ("SMETS2", "SMETS1 CHTS", False, True),
        ("SMETS1", "CHTS V1", False, True),
        ("SMETS1", "SMETS1 CHTS", False, False),
        # seed 004's four rows: with MP202 the version follows the CH
        ("SMETS2", "SMETS1 CHTS", True, False),
        ("SMETS1", "CHTS V1", True, False),
    ],
)
def test_a_ppmid_in_the_other_system_is_stranded_only_without_mp202(
    ppmid: str, chf: str, in_force: bool, fails: bool
) -> None:
    why = recorded_in_other_system(
        _device(DeviceType.PPMID, ppmid), _device(DeviceType.CHF, chf), in_force
    )
    assert (why is not None) is fails
