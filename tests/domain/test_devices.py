from datetime import UTC, datetime

import pytest

from gbdsp.domain.devices import (
    Device,
    DeviceClass,
    DeviceModel,
    DeviceType,
    SmetsVariant,
    SmiStatus,
    normalise_postcode,
)
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import DeviceId

MODEL = DeviceModel("AB01", "010A030B", "0001", "0002012F")
WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def test_smi_statuses_are_spelled_as_the_duis_xsd_enumerates_them() -> None:
    assert [s.value for s in SmiStatus] == [
        "Pending",
        "Whitelisted",
        "InstalledNotCommissioned",
        "Commissioned",
        "Decommissioned",
        "Withdrawn",
        "Suspended",
        "Recovery",
        "Recovered",
    ]


@pytest.mark.parametrize(
    ("device_type", "device_class"),
    [
        (DeviceType.ESME, DeviceClass.SMART_METER),
        (DeviceType.GSME, DeviceClass.SMART_METER),
        (DeviceType.CHF, DeviceClass.COMMS_HUB),
        (DeviceType.GPF, DeviceClass.COMMS_HUB),
        (DeviceType.PPMID, DeviceClass.TYPE1),
        (DeviceType.HCALCS, DeviceClass.TYPE1),
        (DeviceType.SAPC, DeviceClass.AUXILIARY),
        (DeviceType.IHD, DeviceClass.TYPE2),
        (DeviceType.CAD, DeviceClass.TYPE2),
        (DeviceType.TYPE2, DeviceClass.TYPE2),
    ],
)
def test_each_device_type_has_its_gbcs_class(
    device_type: DeviceType, device_class: DeviceClass
) -> None:
    assert device_type.device_class is device_class
    assert device_type.is_type1 == (device_class is DeviceClass.TYPE1)
    assert device_type.has_smi_status == (device_class is not DeviceClass.TYPE2)


def test_unknown_device_type_names_the_choices() -> None:
    with pytest.raises(InvalidValue, match=r"unknown device type 'TOASTER' \(one of: ESME"):
        DeviceType.parse("TOASTER")


def test_parsing_forgives_case() -> None:
    assert DeviceType.parse("esme") is DeviceType.ESME
    assert SmiStatus.parse("installednotcommissioned") is SmiStatus.INSTALLED_NOT_COMMISSIONED


def test_type2_device_refuses_an_smi_status() -> None:
    with pytest.raises(InvalidValue, match="Type 2 Device and has no SMI status"):
        Device(DeviceId(1), DeviceType.IHD, MODEL, "SMETS V1.58", SmiStatus.PENDING, WHEN)


def test_type1_device_needs_an_smi_status() -> None:
    with pytest.raises(InvalidValue, match="needs an SMI status"):
        Device(DeviceId(1), DeviceType.PPMID, MODEL, "SMETS V1.58", None, None)


@pytest.mark.parametrize(
    ("version", "variant"),
    [
        ("SMETS1", SmetsVariant.SMETS1),
        ("smets1 v1.2", SmetsVariant.SMETS1),
        ("SMETS2", SmetsVariant.SMETS2),
        ("SMETS V1.58", SmetsVariant.SMETS2),
        ("CHTS V1.0", SmetsVariant.SMETS2),
    ],
)
def test_smets_variant_follows_the_smets_chts_version(version: str, variant: SmetsVariant) -> None:
    assert SmetsVariant.of_version(version) is variant


def test_postcodes_are_normalised() -> None:
    assert normalise_postcode("  sw1a   1aa ") == "SW1A 1AA"
    assert normalise_postcode("sw1a1aa") == normalise_postcode("SW1 A1AA") == "SW1A 1AA"
    assert normalise_postcode("m22 4ta") == "M22 4TA"
