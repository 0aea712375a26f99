"""Payload encoders: values GBCS can carry, and precise refusals for those it cannot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from gbdsp.domain.errors import InvalidValue
from gbdsp.gbcs import asn1, dlms, gbz, responses
from gbdsp.gbcs.encoding import dlms_date_time, length

EX = responses.Exchange(bytes(8), bytes([1]) * 8, 1, bytes(32))


def test_firmware_version_is_octets_when_hex_else_ascii() -> None:
    assert responses.firmware_octets("0123ABCD") == bytes.fromhex("0123abcd")
    assert responses.firmware_octets("V1.2") == b"V1.2"
    for bad in ("", "123456789"):
        with pytest.raises(InvalidValue):
            responses.firmware_octets(bad)


def test_date_time_is_utc_cosem_and_needs_a_zone() -> None:
    local = datetime(2026, 6, 1, 13, 5, 7, 250_000, tzinfo=timezone(timedelta(hours=1)))
    assert dlms_date_time(local) == bytes.fromhex("07ea0601ff0c050719") + b"\x80\x00\xff"
    with pytest.raises(InvalidValue):
        dlms_date_time(datetime(2026, 6, 1))


def test_lengths_use_the_der_forms() -> None:
    assert [length(n) for n in (0, 127, 128, 255, 256)] == [
        b"\x00",
        b"\x7f",
        b"\x81\x80",
        b"\x81\xff",
        b"\x82\x01\x00",
    ]
    with pytest.raises(InvalidValue):
        length(70_000)


def test_encoders_refuse_values_that_do_not_fit() -> None:
    with pytest.raises(InvalidValue):
        dlms.double_long_unsigned(2**32)
    with pytest.raises(InvalidValue):
        gbz.Attribute(0, gbz.UINT24, 2**24).encode()
    assert asn1.tlv(asn1.OCTET_STRING, bytes(200))[:3] == b"\x04\x81\xc8"  # DER long form
    with pytest.raises(InvalidValue):
        asn1.tlv(asn1.OCTET_STRING, bytes(70_000))
    with pytest.raises(InvalidValue):
        gbz.Attribute(0, gbz.INT32, 2**31).encode()
    with pytest.raises(InvalidValue):
        gbz.frames([])  # a GBZ payload has at least one component
    with pytest.raises(InvalidValue):
        responses.ecs17b(EX, responses.ImportEnergy(1, 1))  # a register read needs its time


def test_register_reads_carry_their_date_time() -> None:
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    frame = responses.gcs13a(
        responses.Exchange(EX.device, EX.recipient, 1, EX.z, at), responses.GasConsumption(5)
    )
    assert b"\x0c" + dlms_date_time(at) in frame
