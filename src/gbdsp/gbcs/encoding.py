"""Small encoding helpers shared by frames and payloads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from gbdsp.domain.errors import InvalidValue


def length(n: int) -> bytes:
    """A GBCS/DLMS length (the DER definite form: one octet below 128, else 0x81/0x82 + value).

    GBCS 7.2 uses it for the ciphered-service, other-information, content and signature
    lengths; DLMS octet strings use the same form.
    """
    if n < 0:
        raise InvalidValue(f"negative length {n}")
    if n < 0x80:
        return bytes([n])
    if n <= 0xFF:
        return bytes([0x81, n])
    if n <= 0xFFFF:
        return b"\x82" + n.to_bytes(2, "big")
    raise InvalidValue(f"length {n} too long for a GBCS frame (no GBT segmentation here)")


def uint(value: int, size: int, order: Literal["big", "little"] = "big") -> bytes:
    """An unsigned integer of `size` octets; refuses values that do not fit."""
    if not 0 <= value < 1 << (8 * size):
        raise InvalidValue(f"{value} does not fit in {size} unsigned octets")
    return value.to_bytes(size, order)


def dlms_date_time(at: datetime) -> bytes:
    """The 12-octet COSEM date-time (IEC 62056-6-2 4.1.6.1) of a UTC instant.

    Day of week and deviation "not specified" (0xFF, 0x8000) and clock status 0xFF, as in the
    RTDS vectors' grouping headers (GBCS 7.2.9 "Date-Time").
    """
    if at.tzinfo is None:
        raise InvalidValue("a GBCS date-time needs an aware datetime")
    t = at.astimezone(UTC)
    return (
        uint(t.year, 2)
        + bytes([t.month, t.day, 0xFF, t.hour, t.minute, t.second, t.microsecond // 10_000])
        + b"\x80\x00\xff"
    )
