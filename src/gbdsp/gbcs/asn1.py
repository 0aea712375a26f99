"""ASN.1 DER encoders for the CS use cases (GBCS 12: ASN.1 payloads of security use cases).

Only short DER forms are needed (every value is under 128 octets here).
"""

from __future__ import annotations

from gbdsp.domain.errors import InvalidValue

SEQUENCE = 0x30
OCTET_STRING = 0x04
INTEGER = 0x02

READ_SUCCESS = 0
"""CS08 response code "read success" (GBCS 12: ReadPPMIDHCALCSFirmwareVersionResponse)."""


def tlv(tag: int, value: bytes) -> bytes:
    if len(value) >= 0x80:
        raise InvalidValue("long DER forms are not needed by the encoded CS use cases")
    return bytes([tag, len(value)]) + value


def der_integer(value: int) -> bytes:
    size = max(1, (value.bit_length() + 8) // 8)
    return tlv(INTEGER, value.to_bytes(size, "big", signed=True))


def firmware_version_response(version: bytes, response_code: int = READ_SUCCESS) -> bytes:
    """CS08 Response: SEQUENCE { firmwareVersion OCTET STRING, responseCode INTEGER }."""
    return tlv(SEQUENCE, tlv(OCTET_STRING, version) + der_integer(response_code))
