"""ASN.1 DER encoders for the CS use cases (GBCS 12: ASN.1 payloads of security use cases).

DER definite lengths (one octet below 128, else 81/82 and the length, as GBCS frames use).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from gbdsp.gbcs.encoding import length

SEQUENCE = 0x30
OCTET_STRING = 0x04
INTEGER = 0x02
BIT_STRING = 0x03
ENUMERATED = 0x0A

READ_SUCCESS = 0
"""CS08 response code "read success" (GBCS 12: ReadPPMIDHCALCSFirmwareVersionResponse)."""


def tlv(tag: int, value: bytes) -> bytes:
    return bytes([tag]) + length(len(value)) + value


def sequence(items: Iterable[bytes]) -> bytes:
    return tlv(SEQUENCE, b"".join(items))


def octet_string(value: bytes) -> bytes:
    return tlv(OCTET_STRING, value)


def enumerated(value: int) -> bytes:
    return tlv(ENUMERATED, der_integer(value)[2:])


def der_integer(value: int) -> bytes:
    size = max(1, (value.bit_length() + 8) // 8)
    return tlv(INTEGER, value.to_bytes(size, "big", signed=True))


def firmware_version_response(version: bytes, response_code: int = READ_SUCCESS) -> bytes:
    """CS08 Response: SEQUENCE { firmwareVersion OCTET STRING, responseCode INTEGER }."""
    return tlv(SEQUENCE, tlv(OCTET_STRING, version) + der_integer(response_code))


def generalized_time(at: datetime) -> bytes:
    """DER GeneralizedTime YYYYMMDDHHMMSSZ (GBCS 12, the CS/GCS ASN.1 use cases)."""
    text = at.astimezone(UTC).strftime("%Y%m%d%H%M%SZ").encode()
    return tlv(0x18, text)
