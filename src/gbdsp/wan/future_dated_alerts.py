"""The emulated devices' 8F66 alerts in real GBCS (gbcs/future_dated.py): one per instruction
of a future-dated command an ESME, SAPC or GSME holds, raised at its execution time to the
User who sent it, signed with the device's DS key.

The alert's own originator counter: a device's alerts count up (gbdsp's alert log numbers
the others, services/alerts.py), but an 8F66 is built when the command arrives and only
delivered at its time, so it cannot take the log's next number. Ours is time-based: the
execution time in seconds since 2000-01-01 (ZigBee UTC), then the low 16 bits of the
command's counter, then the instruction's number, 8 bits each of the last two, so the 8F66s
of a device count up with their execution times (our choice; RTDS's are a plain count).

A future-dated CS02b, CS02g or CS06 (wan/cs_credentials.py) raises one alert of its own
message code (0x00CB, 0x0124, 0x00CA: ASN.1, the command's outcome), numbered the same way.

None (keep the documented stand-in): another device type, a command gbdsp did not encode
(the stand-in transform), or one with no instruction it can name.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from gbdsp.domain.devices import Device, DeviceType
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import Eui64
from gbdsp.domain.requests import RequestId
from gbdsp.gbcs import alerts, future_dated
from gbdsp.gbcs.commands import IssuedCommand
from gbdsp.gbcs_world import GbcsWorld
from gbdsp.wan import cs_credentials

HOLDERS = (DeviceType.ESME, DeviceType.SAPC, DeviceType.GSME)
"""The devices whose future-dated critical commands gbdsp encodes (ECS and GCS use cases;
the SAPC's ECS46d)."""
ZIGBEE_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def alert_counter(at: datetime, command_counter: int, instruction: int) -> int:
    """The 8F66's own originator counter (above)."""
    seconds = int((at.astimezone(UTC) - ZIGBEE_EPOCH).total_seconds())
    if not 0 <= seconds < 1 << 32:
        raise InvalidValue("the execution time does not fit a ZigBee UTC time")
    return (seconds << 24) | ((command_counter & 0xFFFF) << 8) | instruction


def actioned(
    world: GbcsWorld,
    device: Device,
    rid: RequestId,
    command: IssuedCommand,
    at: datetime,
    state: Mapping[str, Any] | None = None,
) -> list[bytes] | None:
    """The 8F66 alerts, in order, of the critical `command` (what CV 5/6/7 issued) that
    `device` actions at `at`; None where gbdsp cannot build them. `state`: what set
    commands changed on the device before (the trust anchors a CS02b replaces)."""
    if command.code in cs_credentials.CRITICAL and device.device_type in cs_credentials.DEVICES:
        try:
            alert = cs_credentials.actioned(
                world, device, rid, command, at, alert_counter(at, rid.counter, 1), state or {}
            )
        except ValueError:  # InvalidValue included
            return None
        return None if alert is None else [alert]
    if device.device_type not in HOLDERS:
        return None
    eui = Eui64(device.device_id.value)
    title, user = eui.value.to_bytes(8, "big"), rid.originator.value.to_bytes(8, "big")
    try:
        found = future_dated.instructions(command.content)
        signer = world.device_keys(eui).ds
        return [
            future_dated.actioned(
                alerts.AlertExchange(
                    title, user, alert_counter(at, rid.counter, i), at, signer, None
                ),
                command.code,
                rid.counter,
                instruction,
            )
            for i, instruction in enumerate(found, start=1)
        ]
    except InvalidValue:
        return None
