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

from gbdsp.domain.errors import InvalidValue
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
BITMAP8 = 0x18
BITMAP16 = 0x19
UINT8 = 0x20
UINT16 = 0x21
UINT24 = 0x22
UINT32 = 0x23
UINT48 = 0x25
INT24 = 0x2A
INT32 = 0x2B
ENUM8 = 0x30
OCTET_STRING = 0x41
CHARACTER_STRING = 0x42
UTC_TIME = 0xE2
_SIZES = {
    BITMAP8: 1,
    BITMAP16: 2,
    UINT8: 1,
    UINT16: 2,
    UINT24: 3,
    UINT32: 4,
    UINT48: 6,
    INT24: 3,
    INT32: 4,
    ENUM8: 1,
    UTC_TIME: 4,
}
_SIGNED = {INT24, INT32}
STRINGS = {OCTET_STRING, CHARACTER_STRING}


def zcl_value(data_type: int, value: int | bytes) -> bytes:
    """A ZCL value of `data_type`: integers little-endian (ZCL 2.5.2), signed for the INT
    types; strings with their one-octet length."""
    if data_type in STRINGS:
        if not isinstance(value, bytes) or len(value) > 0xFE:
            raise InvalidValue("a ZCL string is up to 254 octets")
        return bytes([len(value)]) + value
    if not isinstance(value, int) or data_type not in _SIZES:
        raise InvalidValue(f"no ZCL encoding of {value!r} as type {data_type:#04x}")
    size = _SIZES[data_type]
    if data_type in _SIGNED:
        if not -(1 << (8 * size - 1)) <= value < 1 << (8 * size - 1):
            raise InvalidValue(f"{value} does not fit a ZCL signed {8 * size}-bit integer")
        return value.to_bytes(size, "little", signed=True)
    return uint(value, size, "little")


@dataclass(frozen=True, slots=True)
class Attribute:
    """One successful record of a ZCL Read Attributes Response (ZCL 2.5.2.1)."""

    attribute_id: int
    data_type: int
    value: int | bytes

    def encode(self) -> bytes:
        return (
            uint(self.attribute_id, 2, "little")
            + b"\x00"
            + bytes([self.data_type])
            + zcl_value(self.data_type, self.value)
        )


def octet_string_attribute(attribute_id: int, value: bytes) -> bytes:
    """A successful Read Attributes record of type octet string (length-prefixed)."""
    return Attribute(attribute_id, OCTET_STRING, value).encode()


def read_attributes_response(attributes: Sequence[Attribute]) -> bytes:
    return b"".join(a.encode() for a in attributes)


def plain_component(cluster: int, zcl_payload: bytes, *, last: bool = True) -> bytes:
    """A GBZ component with a plaintext Read Attributes Response (GBCS 11.2.2)."""
    return component(
        Zcl(cluster, FRAME_CONTROL_PLAIN_RESPONSE, READ_ATTRIBUTES_RESPONSE, zcl_payload),
        last=last,
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
    sealing = Sealing.of(z, originator, recipient, counter)
    zcl = Zcl(cluster, FRAME_CONTROL_RESPONSE, READ_ATTRIBUTES_RESPONSE, zcl_payload, True)
    return component(zcl, last=last, sealing=sealing)


def payload(components: Sequence[bytes]) -> bytes:
    if not 1 <= len(components) <= 0xFF:
        raise InvalidValue(f"a GBZ payload has 1 to 255 components, not {len(components)}")
    return PROFILE_ID + bytes([len(components)]) + b"".join(components)


@dataclass(frozen=True, slots=True)
class Zcl:
    """One ZCL frame of a GBZ component: its cluster, ZCL header and payload (ZCL 2.4)."""

    cluster: int
    frame_control: int
    command_id: int
    payload: bytes
    encrypted: bool = False
    """GBCS 11.2.3: sensitive data travels encrypted (control field bit 1)."""
    sequence: int | None = None
    """The ZCL sequence number; None: the component's position (as the RTDS Responses
    number them). A command answered in several frames repeats its own number."""


@dataclass(frozen=True, slots=True)
class Sealing:
    """The key and IV of a message's encrypted GBZ components (GBCS 4.3.5: KDF with CRA
    octet 04 over the originator, the counter and the recipient whose KA key makes `z`)."""

    key: bytes
    originator: bytes

    @classmethod
    def of(cls, z: bytes, originator: bytes, recipient: bytes, counter: int) -> Sealing:
        return cls(derive_key(z, ENCRYPTION_CRA, originator, counter, recipient), originator)

    def seal(self, plaintext: bytes) -> bytes:
        return b"\x31\x00\x00\x00\x00" + crypto.encrypt(self.key, self.originator, plaintext)


def component(zcl: Zcl, *, last: bool, sealing: Sealing | None = None, sequence: int = 0) -> bytes:
    """One GBZ component (GBCS 11.2.2): control field, cluster, extended-header length, then
    the ZCL header and payload; an encrypted one has the additional header control and frame
    counter (00 00) and carries its payload as length (2) || 31 00000000 || ciphertext || tag."""
    header = bytes([zcl.frame_control, zcl.sequence if zcl.sequence is not None else sequence])
    header += bytes([zcl.command_id])
    control = CONTROL_LAST if last else 0
    if zcl.encrypted:
        if sealing is None:
            raise InvalidValue("an encrypted GBZ component needs the message's key")
        sealed = sealing.seal(zcl.payload)
        extended = b"\x00\x00" + header + uint(len(sealed), 2) + sealed
        control |= CONTROL_ENCRYPTED
    else:
        extended = header + zcl.payload
    return bytes([control]) + uint(zcl.cluster, 2) + uint(len(extended), 2) + extended


def frames(zcls: Sequence[Zcl], sealing: Sealing | None = None) -> bytes:
    """The GBZ payload of these ZCL frames, numbered in order (see `Zcl.sequence`)."""
    return payload(
        [
            component(z, last=i == len(zcls) - 1, sealing=sealing, sequence=i & 0xFF)
            for i, z in enumerate(zcls)
        ]
    )
