"""GBZ (ZigBee ZSE) encoders for GSME payloads (GBCS 11: the GBZ payload of a Response).

GBZ Response payload (GBCS 11.2): profile ID 01 09, number of components, then components:
control field (bit 0: last, bit 1: encrypted), ZCL cluster ID (big-endian), extended-header
length (2), for an encrypted component the additional header control and frame counter,
the ZCL header (frame control, sequence number, command ID), then the ZCL payload, which an
encrypted component carries as length (2) || 31 00 00 00 00 || ciphertext || 12-octet tag.
ZCL attribute records are little-endian (ZigBee Cluster Library 2.5.2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gbdsp.gbcs import crypto
from gbdsp.gbcs.codes import ENCRYPTION_CRA
from gbdsp.gbcs.encoding import uint
from gbdsp.gbcs.kdf import derive_key

PROFILE_ID = b"\x01\x09"
METERING_CLUSTER = 0x0702

CONTROL_LAST = 0x01
CONTROL_ENCRYPTED = 0x02

FRAME_CONTROL_RESPONSE = 0x18
"""ZCL frame control: profile-wide, server to client, default response disabled."""
FRAME_CONTROL_PLAIN_RESPONSE = 0x08
"""ZCL frame control of a plaintext Read Attributes Response (profile-wide, server to client)."""
READ_ATTRIBUTES_RESPONSE = 0x01

# ZCL data types (ZCL 2.6.2).
UINT24 = 0x22
UINT48 = 0x25
ENUM8 = 0x30
OCTET_STRING = 0x41
_SIZES = {UINT24: 3, UINT48: 6, ENUM8: 1}


@dataclass(frozen=True, slots=True)
class Attribute:
    """One successful record of a ZCL Read Attributes Response."""

    attribute_id: int
    data_type: int
    value: int

    def encode(self) -> bytes:
        return (
            uint(self.attribute_id, 2, "little")
            + b"\x00"
            + bytes([self.data_type])
            + uint(self.value, _SIZES[self.data_type], "little")
        )


def octet_string_attribute(attribute_id: int, value: bytes) -> bytes:
    """A successful Read Attributes record of type octet string (length-prefixed)."""
    return (
        uint(attribute_id, 2, "little")
        + b"\x00"
        + bytes([OCTET_STRING])
        + uint(len(value), 1)
        + value
    )


def read_attributes_response(attributes: Sequence[Attribute]) -> bytes:
    return b"".join(a.encode() for a in attributes)


def plain_component(cluster: int, zcl_payload: bytes, *, last: bool = True) -> bytes:
    """A GBZ component with a plaintext Read Attributes Response (GBCS 11.2.2)."""
    extended = bytes([FRAME_CONTROL_PLAIN_RESPONSE, 0x00, READ_ATTRIBUTES_RESPONSE]) + zcl_payload
    return (
        bytes([CONTROL_LAST if last else 0]) + uint(cluster, 2) + uint(len(extended), 2) + extended
    )


def encrypted_component(
    cluster: int,
    zcl_payload: bytes,
    *,
    z: bytes,
    originator: bytes,
    recipient: bytes,
    counter: int,
    last: bool = True,
) -> bytes:
    """A GBZ component whose ZCL payload is encrypted (GBCS 11.2.3, KDF with CRA 04)."""
    key = derive_key(z, ENCRYPTION_CRA, originator, counter, recipient)
    sealed = b"\x31\x00\x00\x00\x00" + crypto.encrypt(key, originator, zcl_payload)
    extended = (
        b"\x00\x00"  # additional header control, additional header frame counter
        + bytes([FRAME_CONTROL_RESPONSE, 0x00, READ_ATTRIBUTES_RESPONSE])
        + uint(len(sealed), 2)
        + sealed
    )
    control = CONTROL_ENCRYPTED | (CONTROL_LAST if last else 0)
    return bytes([control]) + uint(cluster, 2) + uint(len(extended), 2) + extended


def payload(components: Sequence[bytes]) -> bytes:
    return PROFILE_ID + bytes([len(components)]) + b"".join(components)
