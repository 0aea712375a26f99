"""The CHF's Responses to the device log use cases (docs/gbcs.md "CHF device log"): DLMS
Access-Responses, MACed for the ACB and naming the User as supplementary remote party
(GBCS 7.2.10), as the RTDS 4.5.0 Responses have it.

| SRV | use case | the command (RTDS) | the Response's data |
|---|---|---|---|
| 8.11 Update HAN Device Log, Add | CCS01 (0x0001) | ACTION register, 2 SETs | 3 nulls |
| 8.11, Remove | CCS02 (0x0002) | ACTION unregister device | null |
| 8.12.1 Restore HAN Device Log | CCS03 (0x0003) | ACTION restore PAN | null |
| 8.9 Read Device Log | CCS04 (0x0004), CCS06 (0x010F) | GET active devices | the devices |
| 8.9, ReadSecurityDetails | CCS07 (0x00FE) | 2 ACTIONs backup PAN | 2 PAN backups |

The device log is DLMS class 104 (ZigBee network control) 0-0:30.3.0.255: attribute 4,
active_devices; method 4, backup PAN, also of the historic device log 0-0:30.3.1.255.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum

from gbdsp.gbcs import dlms
from gbdsp.gbcs.codes import Cra
from gbdsp.gbcs.encoding import dlms_date_time, uint
from gbdsp.gbcs.frames import GroupingHeader, message
from gbdsp.gbcs.responses import Exchange

SET = 0x02
ARRAY = 0x01
BIT_STRING = 0x04
UNSIGNED = 0x11


class ChfCode(IntEnum):
    """The GBCS message codes of the CHF device log use cases."""

    CCS01 = 0x0001
    """CCS01 Add Device to CHF device log — SRV 8.11."""
    CCS02 = 0x0002
    """CCS02 Remove device from CHF device log — SRV 8.11."""
    CCS03 = 0x0003
    """CCS03 Restore CHF Device Log — SRV 8.12.1."""
    CCS04 = 0x0004
    """CCS04 Read CHF device log — SRV 8.9 (RTDS "CCS05CCS04"; gbcs-parser names no title)."""
    CCS06 = 0x010F
    """CCS06 Read CHF device log and check HAN communications — SRV 8.9."""
    CCS07 = 0x00FE
    """CCS07 Read CHF Device Logs — SRV 8.9 with ReadSecurityDetails."""


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


def _send(
    ex: Exchange, code: ChfCode, content: bytes, remote_party: bytes, remote_counter: int
) -> bytes:
    header = acb_header(ex, code, remote_party=remote_party, remote_counter=remote_counter)
    return message(header, content, z=ex.z)


def device_log_response(
    ex: Exchange, code: ChfCode, *, remote_party: bytes, remote_counter: int
) -> bytes:
    """The CHF's Response to the ACB (`ex.recipient`, whose KA key makes `ex.z`): each
    request of the command succeeded."""
    kinds = REQUESTS[code]
    content = dlms.access_response(
        ex.counter, [b"\x00"] * len(kinds), [(k, dlms.SUCCESS) for k in kinds]
    )
    return _send(ex, code, content, remote_party, remote_counter)


@dataclass(frozen=True, slots=True)
class ActiveDevice:
    """One active_device_value of the CHF's ZigBee network control object (DLMS class 104,
    attribute 4, active_devices): a device on its log and how its link fares."""

    mac_address: bytes
    status: int
    """The 8-bit status bit-string (RTDS: 11001000 for every device on the log)."""
    rssi: tuple[int, int, int]
    """Maximum, average and minimum RSSI (dBm, integer)."""
    lqi: tuple[int, int, int]
    """Maximum, average and minimum LQI (unsigned)."""
    last_communication: datetime
    hops: int
    transmission_failures: int
    transmission_successes: int
    application_version: int
    stack_version: int


def _unsigned(value: int) -> bytes:
    return bytes([UNSIGNED]) + uint(value, 1)


def _weekday_date_time(at: datetime) -> bytes:
    """A COSEM date-time with its day of week (1 Monday to 7), as the RTDS CCS04/CCS06 last
    communication times have it."""
    octets = dlms_date_time(at)
    return octets[:4] + bytes([at.astimezone(UTC).isoweekday()]) + octets[5:]


def _active_device(d: ActiveDevice) -> bytes:
    return dlms.structure(
        dlms.octet_string(d.mac_address),
        bytes([BIT_STRING, 8, d.status]),
        *(dlms.integer(v) for v in d.rssi),
        *(_unsigned(v) for v in d.lqi),
        dlms.octet_string(_weekday_date_time(d.last_communication)),
        _unsigned(d.hops),
        _unsigned(d.transmission_failures),
        _unsigned(d.transmission_successes),
        _unsigned(d.application_version),
        _unsigned(d.stack_version),
    )


def active_devices(
    ex: Exchange,
    code: ChfCode,
    devices: Sequence[ActiveDevice],
    *,
    remote_party: bytes,
    remote_counter: int,
) -> bytes:
    """CCS04 / CCS06: the GET of active_devices, one array of the devices on the log."""
    data = bytes([ARRAY]) + uint(len(devices), 1) + b"".join(_active_device(d) for d in devices)
    content = dlms.access_response(ex.counter, [data], [(dlms.GET, dlms.SUCCESS)])
    return _send(ex, code, content, remote_party, remote_counter)


@dataclass(frozen=True, slots=True)
class PanBackup:
    """What the backup PAN method returns: when, the PAN's extended PAN ID, and each device
    on the log with the hash of its security credentials (16 octets, or empty when no TC
    link key was established)."""

    at: datetime
    extended_pan_id: bytes
    devices: Sequence[tuple[bytes, bytes]]


def _backup(b: PanBackup) -> bytes:
    entries = b"".join(
        dlms.structure(dlms.octet_string(device), dlms.octet_string(hashed))
        for device, hashed in b.devices
    )
    return dlms.structure(
        dlms.octet_string(dlms_date_time(b.at)),
        dlms.octet_string(b.extended_pan_id),
        bytes([ARRAY]) + uint(len(b.devices), 1) + entries,
    )


def device_logs(
    ex: Exchange, backups: Sequence[PanBackup], *, remote_party: bytes, remote_counter: int
) -> bytes:
    """CCS07: the ACTIONs backup PAN of the device log and of the historic device log, a
    PAN backup each."""
    content = dlms.access_response(
        ex.counter,
        [_backup(b) for b in backups],
        [(dlms.ACTION, dlms.SUCCESS)] * len(backups),
    )
    return _send(ex, ChfCode.CCS07, content, remote_party, remote_counter)
