"""DLMS/COSEM encoders for ESME payloads (GBCS 10: xDLMS Access-Response, A-XDR Data).

Only what the encoded use cases need: A-XDR Data (IEC 62056-6-2 / Green Book 9.5), the
xDLMS Access-Response (GBCS 10.2.1), and the GBCS "Get Protected Attributes" response that
carries encrypted sensitive data (GBCS 10.2.4, e.g. ECS17b).
"""

from __future__ import annotations

from collections.abc import Sequence

from gbdsp.gbcs import crypto
from gbdsp.gbcs.codes import ENCRYPTION_CRA
from gbdsp.gbcs.encoding import length, uint
from gbdsp.gbcs.kdf import derive_key

# A-XDR Data CHOICE tags (Green Book 9.5 Data).
STRUCTURE = 0x02
DOUBLE_LONG_UNSIGNED = 0x06
OCTET_STRING = 0x09
INTEGER = 0x0F
ENUM = 0x16

ACCESS_RESPONSE = 0xDA
INVOKE_FLAGS = 0x20
"""long-invoke-id-and-priority top octet: break-on-error set, as in GBCS 10.2.1 examples."""

GET = 0x01
ACTION = 0x03
SUCCESS = 0x00

# DLMS units (Blue Book 4.3.2 scaler_unit).
UNIT_WH = 30
UNIT_VARH = 32


def structure(*items: bytes) -> bytes:
    return bytes([STRUCTURE, len(items)]) + b"".join(items)


def double_long_unsigned(value: int) -> bytes:
    return bytes([DOUBLE_LONG_UNSIGNED]) + uint(value, 4)


def octet_string(value: bytes) -> bytes:
    return bytes([OCTET_STRING]) + length(len(value)) + value


def integer(value: int) -> bytes:
    return bytes([INTEGER]) + value.to_bytes(1, "big", signed=True)


def enum(value: int) -> bytes:
    return bytes([ENUM]) + uint(value, 1)


def scaler_unit(scaler: int, unit: int) -> bytes:
    return structure(integer(scaler), enum(unit))


def access_response(
    counter: int, data: Sequence[bytes], results: Sequence[tuple[int, int]]
) -> bytes:
    """xDLMS Access-Response: invoke id from the counter, no date-time, no request spec.

    `results` are (GET or ACTION, result) pairs, one per data item (GBCS 10.2.1).
    """
    head = bytes([ACCESS_RESPONSE, INVOKE_FLAGS]) + uint(counter & 0xFFFFFF, 3) + b"\x00\x00"
    return (
        head
        + bytes([len(data)])
        + b"".join(data)
        + bytes([len(results)])
        + b"".join(bytes(r) for r in results)
    )


def protected_attributes(
    z: bytes, originator: bytes, recipient: bytes, counter: int, plaintext: bytes
) -> bytes:
    """The GBCS Get-Protected-Attributes response: protection parameters, then the data
    encrypted with the KDF key of CRA 04 (GBCS 10.2.4 and 4.3.5)."""
    key = derive_key(z, ENCRYPTION_CRA, originator, counter, recipient)
    sealed = b"\x31\x00\x00\x00\x00" + crypto.encrypt(key, originator, plaintext)
    parameters = b"\x01\x01" + structure(
        enum(2),  # protection type: authentication and encryption
        structure(
            octet_string(bytes([ENCRYPTION_CRA]) + uint(counter, 8)),  # transaction id
            octet_string(originator),
            octet_string(recipient),
            octet_string(b""),  # other information
            structure(
                enum(2),  # key info type: agreed key
                structure(
                    octet_string(b"\x02"),  # key parameters: C(0e, 2s ECC CDH)
                    octet_string(b""),
                ),  # key ciphered data
            ),
        ),
    )
    # The ECS17b response wraps parameters and data in a 2-element structure whose first
    # element is the array of protection parameters (GBCS 10.2.4).
    return b"\x02\x02" + parameters + octet_string(sealed)
