"""General-Signing and General-Ciphering frames (GBCS 7.2 and 7.3; no GBT segmentation).

General-Signing APDU (GBCS 7.2.7-7.2.11):
  DF 09 || CRA flag || originator counter (8) || 08 originator title || 08 recipient title
  || date-time (00, or 0C + 12 octets) || other-info length || other-info || content length
  || content || signature length || signature (64 octets r || s, or length 00).
  Other-info is the 2-octet message code, optionally followed by the supplementary remote
  party ID (8), its counter (8) and, in a Response to an Unknown Remote Party, the device's
  supplementary originator counter (8). The signature covers the octets from 09 to the end of
  the content.

General-Ciphering APDU (GBCS 7.3, authentication only):
  DD 00 00 00 00 00 00 || length || 11 00 00 00 00 (security header) || General-Signing APDU
  || 12-octet GMAC. The GMAC's AAD is 11 00 00 00 00 00 followed by the General-Signing APDU.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric import ec

from gbdsp.domain.errors import InvalidValue
from gbdsp.gbcs import crypto
from gbdsp.gbcs.codes import Cra
from gbdsp.gbcs.encoding import dlms_date_time, length, uint
from gbdsp.gbcs.kdf import derive_key

GENERAL_SIGNING = b"\xdf\x09"
GENERAL_CIPHERING = b"\xdd\x00\x00\x00\x00\x00\x00"
SECURITY_HEADER = b"\x11\x00\x00\x00\x00"
MAC_AAD_PREFIX = b"\x11\x00\x00\x00\x00\x00"


@dataclass(frozen=True, slots=True)
class GroupingHeader:
    """What GBCS 7.2 puts before a payload; titles are 8-octet EUI-64s."""

    cra: Cra
    counter: int
    """The originator counter (the transaction ID); a Response carries its Command's."""
    originator: bytes
    recipient: bytes
    message_code: int
    date_time: datetime | None = None
    supplementary_remote_party: bytes | None = None
    """GBCS 7.2.10: the User a Response is for when the recipient is the ACB (e.g. CS08)."""
    supplementary_counter: int | None = None
    supplementary_originator_counter: int | None = None
    """GBCS 7.2.10: the device's own counter in a Response to an Unknown Remote Party; the
    KDF of its encrypted parts uses it instead of `counter`."""
    supplementary_certificate: bytes | None = None
    """GBCS 7.2.10: an Unknown Remote Party's KA certificate (DER), after its counter, in
    the ACB's command for it (RTDS ECS21b URP)."""

    def __post_init__(self) -> None:
        for title in (
            self.originator,
            self.recipient,
            *(
                [self.supplementary_remote_party]
                if self.supplementary_remote_party is not None
                else []
            ),
        ):
            if len(title) != 8:
                raise InvalidValue("GBCS system titles are 8 octets (EUI-64)")
        if (self.supplementary_counter is not None) and self.supplementary_remote_party is None:
            raise InvalidValue("a supplementary counter needs a supplementary remote party")
        if self.supplementary_originator_counter is not None and self.supplementary_counter is None:
            raise InvalidValue("a supplementary originator counter needs a supplementary counter")

    def other_info(self) -> bytes:
        info = uint(self.message_code, 2)
        if self.supplementary_remote_party is not None:
            info += self.supplementary_remote_party
            if self.supplementary_counter is not None:
                info += uint(self.supplementary_counter, 8)
            if self.supplementary_originator_counter is not None:
                info += uint(self.supplementary_originator_counter, 8)
            if self.supplementary_certificate is not None:
                info += self.supplementary_certificate
        return info

    def encode(self) -> bytes:
        """The header from DF 09 to the end of other-info (the content length follows)."""
        date_time = b"\x00" if self.date_time is None else b"\x0c" + dlms_date_time(self.date_time)
        info = self.other_info()
        return (
            GENERAL_SIGNING
            + bytes([self.cra])
            + uint(self.counter, 8)
            + b"\x08"
            + self.originator
            + b"\x08"
            + self.recipient
            + date_time
            + length(len(info))
            + info
        )


def signed_part(header: GroupingHeader, content: bytes) -> bytes:
    """What the originator's DS signature covers: from the 09 after DF to the end of content."""
    return (header.encode() + length(len(content)) + content)[1:]


def general_signing(
    header: GroupingHeader, content: bytes, signer: ec.EllipticCurvePrivateKey | None = None
) -> bytes:
    """The General-Signing APDU; signature length 00 when `signer` is None."""
    body = header.encode() + length(len(content)) + content
    if signer is None:
        return body + b"\x00"
    return body + b"\x40" + crypto.sign(signer, body[1:])


def mac_key(z: bytes, header: GroupingHeader) -> bytes:
    """The GMAC key: KDF with the header's CRA flag, counter and titles (GBCS 4.3.3)."""
    return derive_key(z, header.cra, header.originator, header.counter, header.recipient)


def general_ciphering(header: GroupingHeader, signing_apdu: bytes, z: bytes) -> bytes:
    """Wrap a General-Signing APDU with the GMAC made from the KA shared secret `z`."""
    tag = crypto.gmac(mac_key(z, header), header.originator, MAC_AAD_PREFIX + signing_apdu)
    service = SECURITY_HEADER + signing_apdu + tag
    return GENERAL_CIPHERING + length(len(service)) + service


def message(
    header: GroupingHeader,
    content: bytes,
    *,
    z: bytes | None,
    signer: ec.EllipticCurvePrivateKey | None = None,
) -> bytes:
    """A complete GBCS message: signed if `signer`, MACed (General-Ciphering) if `z`."""
    apdu = general_signing(header, content, signer)
    return apdu if z is None else general_ciphering(header, apdu, z)


def unwrap_general_ciphering(frame: bytes) -> tuple[bytes, bytes]:
    """(General-Signing APDU, 12-octet tag) of a General-Ciphering frame; checks its shape."""
    if not frame.startswith(GENERAL_CIPHERING):
        raise InvalidValue("not a General-Ciphering frame")
    n, size = read_length(frame, len(GENERAL_CIPHERING))
    service = frame[len(GENERAL_CIPHERING) + size :]
    if len(service) != n or not service.startswith(SECURITY_HEADER) or n < 5 + 12:
        raise InvalidValue("General-Ciphering length or security header is wrong")
    return service[5:-12], service[-12:]


def read_length(data: bytes, at: int) -> tuple[int, int]:
    """(length, octets used) of the length at `at`."""
    if at >= len(data):
        raise InvalidValue("truncated GBCS length")
    first = data[at]
    if first < 0x80:
        return first, 1
    size = first & 0x7F
    if size not in (1, 2) or at + 1 + size > len(data):
        raise InvalidValue("unsupported GBCS length form")
    return int.from_bytes(data[at + 1 : at + 1 + size], "big"), 1 + size
