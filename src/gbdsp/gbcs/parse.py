"""Reading GBCS frames back: the grouping header, content and signature of a General-Signing
APDU, and the MAC check of a General-Ciphering frame (GBCS 7.2, 7.3, 4.3.4).

What a device (or the DSP) needs before acting on a message: who sent it, to whom, with which
counter and message code, and whether its MAC or signature holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric import ec

from gbdsp.domain.errors import InvalidValue
from gbdsp.gbcs import crypto
from gbdsp.gbcs.codes import Cra
from gbdsp.gbcs.frames import (
    GENERAL_SIGNING,
    MAC_AAD_PREFIX,
    GroupingHeader,
    mac_key,
    read_length,
    unwrap_general_ciphering,
)


@dataclass(frozen=True, slots=True)
class SignedApdu:
    """A parsed General-Signing APDU.

    Other-information beyond the supplementary remote party counter (CS02b's KA certificate,
    a supplementary originator counter) is not modelled: `signed_part` keeps the raw octets.
    """

    header: GroupingHeader
    content: bytes
    signature: bytes | None
    """64 octets, or None when the signature length is 00 or the block is absent."""
    signed_part: bytes
    """The octets the signature covers (from 09 to the end of the content)."""

    def signature_valid(self, key: ec.EllipticCurvePublicKey) -> bool:
        return self.signature is not None and crypto.verify(key, self.signed_part, self.signature)


def parse_general_signing(apdu: bytes) -> SignedApdu:
    """Parse `DF 09 ...`; raises InvalidValue on anything malformed."""
    if not apdu.startswith(GENERAL_SIGNING) or len(apdu) < 24:
        raise InvalidValue("not a General-Signing APDU")
    try:
        cra = Cra(apdu[2])
    except ValueError as e:
        raise InvalidValue(f"CRA flag {apdu[2]} is not a command, response or alert") from e
    counter = int.from_bytes(apdu[3:11], "big")
    if apdu[11] != 8 or apdu[20] != 8:
        raise InvalidValue("system titles must be 8 octets")
    originator, recipient = apdu[12:20], apdu[21:29]
    at = 29
    date_time, at = _date_time(apdu, at)
    info_length, size = read_length(apdu, at)
    info = apdu[at + size : at + size + info_length]
    at += size + info_length
    if len(info) != info_length or (info_length not in (2, 10, 18, 26) and info_length < 27):
        raise InvalidValue(f"other-information of {info_length} octets")
    content_length, size = read_length(apdu, at)
    content = apdu[at + size : at + size + content_length]
    if len(content) != content_length:
        raise InvalidValue("content shorter than its length")
    end = at + size + content_length
    signature = _signature(apdu, end)
    header = GroupingHeader(
        cra,
        counter,
        originator,
        recipient,
        int.from_bytes(info[:2], "big"),
        date_time,
        supplementary_remote_party=info[2:10] if info_length >= 10 else None,
        supplementary_counter=int.from_bytes(info[10:18], "big") if info_length >= 18 else None,
    )
    return SignedApdu(header, content, signature, apdu[1:end])


def verify_general_ciphering(frame: bytes, z: bytes) -> SignedApdu:
    """Parse a General-Ciphering frame and check its GMAC with the KA shared secret `z`;
    raises InvalidValue when the MAC does not verify."""
    apdu, tag = unwrap_general_ciphering(frame)
    parsed = parse_general_signing(apdu)
    if not crypto.gmac_valid(
        mac_key(z, parsed.header), parsed.header.originator, MAC_AAD_PREFIX + apdu, tag
    ):
        raise InvalidValue("the GBCS MAC does not verify")
    return parsed


def _date_time(apdu: bytes, at: int) -> tuple[datetime | None, int]:
    if at >= len(apdu):
        raise InvalidValue("truncated grouping header")
    if apdu[at] == 0:
        return None, at + 1
    if apdu[at] != 12 or at + 13 > len(apdu):
        raise InvalidValue("date-time must be absent or 12 octets")
    raw = apdu[at + 1 : at + 13]
    try:
        when = datetime(
            int.from_bytes(raw[0:2], "big"),
            raw[2],
            raw[3],
            raw[5],
            raw[6],
            raw[7],
            (raw[8] if raw[8] != 0xFF else 0) * 10_000,
            tzinfo=UTC,
        )
    except ValueError as e:
        raise InvalidValue(f"date-time {raw.hex()} is not a date") from e
    return when, at + 13


def _signature(apdu: bytes, at: int) -> bytes | None:
    if at == len(apdu):
        return None  # block absent (DCC Boxed < 1.4.1 pre-commands)
    n, size = read_length(apdu, at)
    if at + size + n != len(apdu) or n not in (0, 64):
        raise InvalidValue("signature block must be 00 or 64 octets, then the end")
    return apdu[at + size :] if n else None
