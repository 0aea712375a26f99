"""GBCS Responses of the encoded use cases, built from device state.

Each builder takes the exchange (`Exchange`: who answers whom, the command's counter, the KA
shared secret) and the values the device holds, and returns the complete message bytes (the
`GBCSPayload` of a DUIS device response). The use cases encoded here are non-critical reads:
MACed with General-Ciphering and not signed (GBCS 7.3; RTDS 4.5.0 vectors of the same use
cases carry signature length 00).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from gbdsp.domain.errors import InvalidValue
from gbdsp.gbcs import asn1, dlms, gbz
from gbdsp.gbcs.codes import Cra, MessageCode
from gbdsp.gbcs.frames import GroupingHeader, message


@dataclass(frozen=True, slots=True)
class Exchange:
    """A device answering a Command.

    `z` is the KA shared secret of the device and the recipient (GBCS 4.3.3); `counter` is the
    Command's originator counter, which the Response repeats (GBCS 7.2.8).
    """

    device: bytes
    recipient: bytes
    counter: int
    z: bytes
    at: datetime | None = None
    acb: tuple[bytes, bytes] | None = None
    """For an Unknown Remote Party (GBCS 7.2.10; the recipient is then the User, named as the
    supplementary remote party, and `z` comes from the KA certificate its request carried):
    the ACB's title and Z of the device's and the ACB's KA keys, which MACs the Response."""
    originator_counter: int | None = None
    """With `acb`: the device's supplementary originator counter, used by the KDF of the
    encrypted parts instead of `counter`."""


@dataclass(frozen=True, slots=True)
class ImportEnergy:
    """ECS17b content: total active import (Wh) and total reactive import (varh) registers.

    The order and units follow the RTDS ECS17b response (value, scaler-unit Wh, value,
    scaler-unit varh); naming the second register "reactive import" is our inference.
    """

    active_import_wh: int
    reactive_import_varh: int


@dataclass(frozen=True, slots=True)
class GasConsumption:
    """GCS13a content: the consumption register in thousandths of a cubic metre."""

    litres: int


def firmware_octets(version: str) -> bytes:
    """The firmware version as octets: 8 hex digits (the CPL's usual form) are 4 octets,
    anything else is its ASCII text (DUIS FirmwareVersion is a string of 1 to 8)."""
    if not 1 <= len(version) <= 8:
        raise InvalidValue(f"firmware version {version!r} is not 1 to 8 characters")
    if re.fullmatch(r"(?:[0-9A-Fa-f]{2})+", version):
        return bytes.fromhex(version)
    return version.encode("ascii")


def _header(ex: Exchange, code: MessageCode, *, dated: bool) -> GroupingHeader:
    return GroupingHeader(
        Cra.RESPONSE, ex.counter, ex.device, ex.recipient, code, date_time=ex.at if dated else None
    )


def ecs17b(ex: Exchange, registers: ImportEnergy) -> bytes:
    """SRV 4.1.1 on an ESME: the import registers, encrypted (GBCS 10.2.4)."""
    if ex.at is None:
        raise InvalidValue("ECS17b carries the date-time of the reading")
    plaintext = dlms.structure(
        dlms.structure(
            dlms.double_long_unsigned(registers.active_import_wh),
            dlms.scaler_unit(0, dlms.UNIT_WH),
            dlms.double_long_unsigned(registers.reactive_import_varh),
            dlms.scaler_unit(0, dlms.UNIT_VARH),
        )
    )
    data = dlms.protected_attributes(ex.z, ex.device, ex.recipient, ex.counter, plaintext)
    content = dlms.access_response(ex.counter, [data], [(dlms.ACTION, dlms.SUCCESS)])
    return message(_header(ex, MessageCode.ECS17B, dated=True), content, z=ex.z)


def ecs52(ex: Exchange, firmware_version: str) -> bytes:
    """SRV 11.2 on an ESME or a CHF: the firmware version, in clear (GBCS 10)."""
    content = dlms.access_response(
        ex.counter,
        [dlms.octet_string(firmware_octets(firmware_version))],
        [(dlms.GET, dlms.SUCCESS)],
    )
    return message(_header(ex, MessageCode.ECS52, dated=False), content, z=ex.z)


# ZCL Metering cluster attributes (ZSE 1.4 D.3.2) of the GCS13a response, in RTDS order.
DIVISOR = 0x0302
MULTIPLIER = 0x0301
UNIT_OF_MEASURE = 0x0300
CURRENT_SUMMATION_DELIVERED = 0x0000
UNIT_CUBIC_METRES = 0x01


def gcs13a(ex: Exchange, reading: GasConsumption) -> bytes:
    """SRV 4.1.1 on a GSME: the consumption register, encrypted (GBCS 11.2.3)."""
    if ex.at is None:
        raise InvalidValue("GCS13a carries the date-time of the reading")
    zcl = gbz.read_attributes_response(
        [
            gbz.Attribute(DIVISOR, gbz.UINT24, 1000),
            gbz.Attribute(MULTIPLIER, gbz.UINT24, 1),
            gbz.Attribute(UNIT_OF_MEASURE, gbz.ENUM8, UNIT_CUBIC_METRES),
            gbz.Attribute(CURRENT_SUMMATION_DELIVERED, gbz.UINT48, reading.litres),
        ]
    )
    component = gbz.encrypted_component(
        gbz.METERING_CLUSTER,
        zcl,
        z=ex.z,
        originator=ex.device,
        recipient=ex.recipient,
        counter=ex.counter,
    )
    return message(_header(ex, MessageCode.GCS13A, dated=True), gbz.payload([component]), z=ex.z)


CURRENT_METER_ID = 0x0206
"""The Metering attribute through which GCS38 reports the GSME firmware version (RTDS GCS38)."""


def gcs38(ex: Exchange, firmware_version: str) -> bytes:
    """SRV 11.2 on a GSME: the firmware version, in clear (GBCS 11.2.2)."""
    zcl = gbz.octet_string_attribute(CURRENT_METER_ID, firmware_octets(firmware_version))
    return message(
        _header(ex, MessageCode.GCS38, dated=False),
        gbz.payload([gbz.plain_component(gbz.METERING_CLUSTER, zcl)]),
        z=ex.z,
    )


def cs08(ex: Exchange, firmware_version: str, *, remote_party: bytes, remote_counter: int) -> bytes:
    """SRV 11.2 on a PPMID or HCALCS (GBCS 12, CS08).

    The Response goes to the ACB (`ex.recipient`, whose KA key makes `ex.z`) and names the
    User in the supplementary remote party ID and counter (GBCS 7.2.10).
    """
    header = GroupingHeader(
        Cra.RESPONSE,
        ex.counter,
        ex.device,
        ex.recipient,
        MessageCode.CS08,
        supplementary_remote_party=remote_party,
        supplementary_counter=remote_counter,
    )
    content = asn1.firmware_version_response(firmware_octets(firmware_version))
    return message(header, content, z=ex.z)
