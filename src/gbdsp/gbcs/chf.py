"""The CHF's Responses to the device log use cases CCS01, CCS02 and CCS03 (docs/gbcs.md
"CHF device log"): a DLMS Access-Response with one null datum and one success per request
of the command, MACed for the ACB and naming the User as supplementary remote party
(GBCS 7.2.10), as the RTDS 4.5.0 Responses have it.

| SRV | use case | the command's requests (RTDS) |
|---|---|---|
| 8.11 Update HAN Device Log, Add | CCS01 (0x0001) | ACTION register, SET join timeout, joining |
| 8.11, Remove | CCS02 (0x0002) | ACTION unregister device |
| 8.12.1 Restore HAN Device Log | CCS03 (0x0003) | ACTION restore PAN |
"""

from __future__ import annotations

from enum import IntEnum

from gbdsp.gbcs import dlms
from gbdsp.gbcs.codes import Cra
from gbdsp.gbcs.frames import GroupingHeader, message
from gbdsp.gbcs.responses import Exchange

SET = 0x02


class ChfCode(IntEnum):
    """The GBCS message codes of the CHF device log use cases."""

    CCS01 = 0x0001
    """CCS01 Add Device to CHF device log — SRV 8.11."""
    CCS02 = 0x0002
    """CCS02 Remove device from CHF device log — SRV 8.11."""
    CCS03 = 0x0003
    """CCS03 Restore CHF Device Log — SRV 8.12.1."""


REQUESTS = {
    ChfCode.CCS01: (dlms.ACTION, SET, SET),
    ChfCode.CCS02: (dlms.ACTION,),
    ChfCode.CCS03: (dlms.ACTION,),
}
"""The kinds of the requests of each use case's command, in order (the RTDS commands')."""


def acb_header(
    ex: Exchange, code: int, *, remote_party: bytes, remote_counter: int
) -> GroupingHeader:
    """The grouping header of a CHF Response to the ACB naming the User (GBCS 7.2.10)."""
    return GroupingHeader(
        Cra.RESPONSE,
        ex.counter,
        ex.device,
        ex.recipient,
        code,
        supplementary_remote_party=remote_party,
        supplementary_counter=remote_counter,
    )


def device_log_response(
    ex: Exchange, code: ChfCode, *, remote_party: bytes, remote_counter: int
) -> bytes:
    """The CHF's Response to the ACB (`ex.recipient`, whose KA key makes `ex.z`): each
    request of the command succeeded."""
    header = acb_header(ex, code, remote_party=remote_party, remote_counter=remote_counter)
    kinds = REQUESTS[code]
    content = dlms.access_response(
        ex.counter, [b"\x00"] * len(kinds), [(k, dlms.SUCCESS) for k in kinds]
    )
    return message(header, content, z=ex.z)
