"""The GBCS Command the DSP sends a device for a non-critical Device Service Request (CV 1,
3; docs/gbcs.md "Commands the DSP sends, and what the device checks").

Every command the DSP sends goes inside the ACB's General-Ciphering: the MAC from Z of the
ACB's KA key and the device's (GBCS 7.3; RTDS 4.5.0's `*_COMMAND_GBCS` vectors, which
gbcs-parser verifies against the ACB's key). A User's non-critical command names the User
as originator, with the request's counter (RTDS ECS10, GCS07...); the commands the DCC
itself originates for a User (the CIN of 9.1, RTDS ECS50; the ALCS and APC reads of 7.14,
7.15) name the ACB as originator and the User as supplementary remote party with its
counter (GBCS 7.2.10), the ACB's counter being the User's, as gbdsp gives CS08; so does a
User's read as an Unknown Remote Party (its request carries its KA certificate), the
certificate following in the grouping header (RTDS ECS21b, GCS16b, GCS61 URP).

The builders (wan/esme_sent.py, wan/gsme_sent.py) are declared per SRV and device type in
gateway/registry.py (`command=`); the emulated device checks the MAC before it executes
the request (wan/device_auth.py).
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric import ec

from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import Eui64
from gbdsp.gbcs.codes import Cra
from gbdsp.gbcs.frames import GroupingHeader, message
from gbdsp.gbcs.keys import KeyUsage
from gbdsp.gbcs_world import ACB, PARTIES
from gbdsp.wan.gbcs_ask import Ask

CommandBuilder = Callable[[Ask], bytes]
"""The MACed GBCS Command of one non-critical use case for an `Ask` (InvalidValue: these
values are not encoded, and the device is handed the request's values as before)."""


def from_user(ask: Ask, code: int, content: bytes) -> bytes:
    """The User's command `content` of use case `code`, MACed by the ACB for the device."""
    device = _title(Eui64(ask.device.device_id.value))
    user = _title(Eui64(ask.rid.originator.value))
    header = GroupingHeader(Cra.COMMAND, ask.rid.counter, user, device, code)
    return message(header, content, z=_acb_z(ask))


def from_acb(
    ask: Ask,
    code: int,
    content: bytes,
    *,
    certificate: bytes | None = None,
    signed: bool = False,
) -> bytes:
    """The DCC's command for the User (supplementary remote party, GBCS 7.2.10); for an
    Unknown Remote Party, with the KA `certificate` its request carries (RTDS ECS21b URP);
    `signed` with the ACB's DS key (ZAZ1, shipped) where RTDS signs it (CS04AC)."""
    device = _title(Eui64(ask.device.device_id.value))
    user = _title(Eui64(ask.rid.originator.value))
    counter = ask.rid.counter
    header = GroupingHeader(
        Cra.COMMAND,
        counter,
        _title(ACB),
        device,
        code,
        supplementary_remote_party=user,
        supplementary_counter=counter,
        supplementary_certificate=certificate,
    )
    signer = _signer(ACB) if signed else None
    return message(header, content, z=_acb_z(ask), signer=signer)


def from_dcc(ask: Ask, party: Eui64, code: int, content: bytes, *, signed: bool) -> bytes:
    """A command of the DCC's own (the trust anchor replacements of 6.21, 6.23, 8.5: RTDS
    CS02b), `party` (the ACB, the TransCoS) its originator with the request's counter, no
    supplementary remote party; `signed` with the party's DS key (ZAZ1, shipped), as RTDS
    signs 6.21's and 6.23's and not 8.5's."""
    device = _title(Eui64(ask.device.device_id.value))
    header = GroupingHeader(Cra.COMMAND, ask.rid.counter, _title(party), device, code)
    signer = _signer(party) if signed else None
    return message(header, content, z=_acb_z(ask), signer=signer)


def _signer(party: Eui64) -> ec.EllipticCurvePrivateKey:
    key = PARTIES.private_key(party, KeyUsage.DS)
    if key is None:
        raise InvalidValue(f"no DS key of {party} to sign its command")
    return key


def unknown_party_certificate(ask: Ask) -> bytes | None:
    """The KA certificate (DER) an Unknown Remote Party's request carries, checked as the
    Response's builders check it (Ask.unknown_remote_party), or None."""
    if ask.unknown_remote_party() is None:
        return None
    text = ask.text("KAPublicSecurityCredentials") or ""
    return base64.b64decode("".join(text.split()))


def _acb_z(ask: Ask) -> bytes:
    return ask.world.shared_secret(Eui64(ask.device.device_id.value), ACB)


def _title(eui: Eui64) -> bytes:
    return eui.value.to_bytes(8, "big")
