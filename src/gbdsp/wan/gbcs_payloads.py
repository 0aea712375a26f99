"""Real GBCS Responses for the SRVs whose use cases gbdsp encodes (docs/gbcs.md).

| SRV | device | GBCS use case |
|---|---|---|
| 4.1.1 Read Instantaneous Import Registers | ESME | ECS17b (registers encrypted) |
| 4.1.1 | GSME | GCS13a (register encrypted) |
| 4.1.1 | GPF | GCS13a from the GPF's copy of its joined GSME's register |
| 11.2 Read Firmware Version | ESME, CHF | ECS52 |
| 11.2 | GSME | GCS38 |
| 11.2 | PPMID, HCALCS | CS08 (to the ACB, the User as supplementary remote party) |

The Response is MACed with the device's KA key and the requesting User's KA key (the ACB's
for CS08), echoes the request's counter as its originator counter (the DUIS RequestID
counter is the GBCS command's, GBCS 7.2.8), and carries the device state: the SMI's
firmware version, the emulator's registers. Anything else returns None (the caller keeps
its documented stand-in).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from lxml import etree

from gbdsp.domain.devices import Device, DeviceType
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import DeviceId, Eui64
from gbdsp.domain.requests import RequestId
from gbdsp.gbcs import commands, esme_commands, responses
from gbdsp.gbcs.esme import EsmeCode
from gbdsp.gbcs.keys import KeyUsage
from gbdsp.gbcs_world import ACB, GbcsWorld
from gbdsp.wan import chf_payloads, cs_payloads, gsme_payloads
from gbdsp.wan import esme_commands as ec
from gbdsp.wan import esme_configuration as eg
from gbdsp.wan import esme_reads as er
from gbdsp.wan.esme_ask import EsmeEntry, entry
from gbdsp.wan.gsme_payloads import READS_REQUEST
from gbdsp.wan.registers import gas_register, import_energy

Builder = Callable[[GbcsWorld, int, RequestId, Device, datetime, DeviceId], bytes]
"""(world, seed, request, answering device, time, device whose registers are read)."""


def _title(eui: Eui64) -> bytes:
    return eui.value.to_bytes(8, "big")


def _exchange(
    world: GbcsWorld, device: Device, to: Eui64, counter: int, at: datetime | None
) -> responses.Exchange:
    eui = Eui64(device.device_id.value)
    return responses.Exchange(_title(eui), _title(to), counter, world.shared_secret(eui, to), at)


def _ecs17b(
    world: GbcsWorld, seed: int, rid: RequestId, device: Device, at: datetime, meter: DeviceId
) -> bytes:
    user = Eui64(rid.originator.value)
    return responses.ecs17b(
        _exchange(world, device, user, rid.counter, at), import_energy(seed, meter, at)
    )


def _gcs13a(
    world: GbcsWorld, seed: int, rid: RequestId, device: Device, at: datetime, meter: DeviceId
) -> bytes:
    user = Eui64(rid.originator.value)
    return responses.gcs13a(
        _exchange(world, device, user, rid.counter, at), gas_register(seed, meter, at)
    )


def _ecs52(
    world: GbcsWorld, seed: int, rid: RequestId, device: Device, at: datetime, meter: DeviceId
) -> bytes:
    user = Eui64(rid.originator.value)
    return responses.ecs52(
        _exchange(world, device, user, rid.counter, None), device.model.firmware_version
    )


def _gcs38(
    world: GbcsWorld, seed: int, rid: RequestId, device: Device, at: datetime, meter: DeviceId
) -> bytes:
    user = Eui64(rid.originator.value)
    return responses.gcs38(
        _exchange(world, device, user, rid.counter, None), device.model.firmware_version
    )


def _cs08(
    world: GbcsWorld, seed: int, rid: RequestId, device: Device, at: datetime, meter: DeviceId
) -> bytes:
    # The DSP's command to the PPMID/HCALCS is the ACB's; we give it the User's counter.
    return responses.cs08(
        _exchange(world, device, ACB, rid.counter, None),
        device.model.firmware_version,
        remote_party=_title(Eui64(rid.originator.value)),
        remote_counter=rid.counter,
    )


ENCODED: dict[tuple[str, DeviceType], Builder] = {
    ("4.1.1", DeviceType.ESME): _ecs17b,
    ("4.1.1", DeviceType.GSME): _gcs13a,
    ("4.1.1", DeviceType.GPF): _gcs13a,
    ("11.2", DeviceType.ESME): _ecs52,
    ("11.2", DeviceType.CHF): _ecs52,
    ("11.2", DeviceType.GSME): _gcs38,
    ("11.2", DeviceType.PPMID): _cs08,
    ("11.2", DeviceType.HCALCS): _cs08,
    # GSME/GPF (wan/gsme_payloads.py, gbcs/gsme.py)
    ("3.1", DeviceType.GSME): gsme_payloads.gcs07,
    ("3.2", DeviceType.GPF): gsme_payloads.gcs09,
    ("3.4", DeviceType.GSME): gsme_payloads.gcs44,
    ("3.5", DeviceType.GSME): gsme_payloads.gcs11,
    ("4.1.2", DeviceType.GSME): gsme_payloads.gcs13c,
    ("4.1.2", DeviceType.GPF): gsme_payloads.gcs13c,
    ("4.1.4", DeviceType.GSME): gsme_payloads.gcs13b,
    ("4.1.4", DeviceType.GPF): gsme_payloads.gcs13b,
    ("4.3", DeviceType.GSME): gsme_payloads.gcs14,
    ("4.3", DeviceType.GPF): gsme_payloads.gcs14,
    ("4.4.2", DeviceType.GSME): gsme_payloads.gcs15b,
    ("4.4.3", DeviceType.GSME): gsme_payloads.gcs15c,
    ("4.4.4", DeviceType.GSME): gsme_payloads.gcs15d,
    ("4.4.5", DeviceType.GSME): gsme_payloads.gcs15e,
    ("4.6.1", DeviceType.GSME): gsme_payloads.gcs16a,
    ("4.8.1", DeviceType.GSME): gsme_payloads.gcs17,
    ("4.10", DeviceType.GSME): gsme_payloads.gcs18,
    ("4.11.1", DeviceType.GSME): gsme_payloads.gcs21f,
    ("4.13", DeviceType.GSME): gsme_payloads.gcs21b,
    ("4.14", DeviceType.GSME): gsme_payloads.gcs16b,
    ("4.17", DeviceType.GSME): gsme_payloads.gcs61,
    ("4.17", DeviceType.GPF): gsme_payloads.gcs61,
    ("4.18", DeviceType.GSME): gsme_payloads.gcs60a,
    ("4.18", DeviceType.GPF): gsme_payloads.gcs60a,
    ("6.2.3", DeviceType.GSME): gsme_payloads.gcs21k,
    ("6.2.4", DeviceType.GSME): gsme_payloads.gcs21m,
    ("6.2.7", DeviceType.GSME): gsme_payloads.gcs46,
    ("6.2.8", DeviceType.GSME): gsme_payloads.gcs21a,
    ("6.2.9", DeviceType.GSME): gsme_payloads.gcs21j,
    ("6.2.10", DeviceType.GSME): gsme_payloads.gcs20r,
    ("6.20.1", DeviceType.GSME): gsme_payloads.gcs41,
    ("6.22", DeviceType.GSME): gsme_payloads.gcs20,
    ("7.4", DeviceType.GSME): gsme_payloads.gcs33,
    ("9.1", DeviceType.GSME): gsme_payloads.gcs36,
    ("14.1", DeviceType.GSME): gsme_payloads.gcs31,
    # CS (wan/cs_payloads.py, gbcs/cs.py)
    ("2.2", DeviceType.ESME): cs_payloads.top_up,
    ("2.2", DeviceType.GSME): cs_payloads.top_up,
    ("3.3", DeviceType.GSME): cs_payloads.cs11,
    ("6.13", DeviceType.GSME): cs_payloads.cs10,
    ("6.24.1", DeviceType.ESME): cs_payloads.security_credentials,
    ("6.24.1", DeviceType.GSME): cs_payloads.security_credentials,
    ("8.7.2", DeviceType.ESME): cs_payloads.join,
    ("8.7.2", DeviceType.GSME): cs_payloads.join,
    ("8.8.2", DeviceType.ESME): cs_payloads.unjoin,
    ("8.8.2", DeviceType.GSME): cs_payloads.unjoin,
    ("8.8.2", DeviceType.PPMID): cs_payloads.unjoin,
    ("8.8.2", DeviceType.HCALCS): cs_payloads.unjoin,
    # ESME (DLMS, docs/gbcs.md "ESME"): non-critical commands
    ("3.1", DeviceType.ESME): entry(ec.fixed(EsmeCode.ECS10)),
    ("3.2", DeviceType.ESME): entry(ec.fixed(EsmeCode.ECS12)),
    ("3.3", DeviceType.ESME): entry(ec.ecs15),
    ("3.4", DeviceType.ESME): entry(ec.ecs16),
    ("3.5", DeviceType.ESME): entry(ec.fixed(EsmeCode.ECS14)),
    ("6.22", DeviceType.ESME): entry(ec.ecs25),
    ("6.4.2", DeviceType.ESME): entry(ec.fixed(EsmeCode.ECS28B)),
    ("6.5", DeviceType.ESME): entry(ec.ecs29),
    ("6.27", DeviceType.ESME): entry(ec.fixed(EsmeCode.ECS29E)),
    ("6.12", DeviceType.ESME): entry(ec.fixed(EsmeCode.ECS34)),
    ("6.18.1", DeviceType.ESME): entry(ec.fixed(EsmeCode.ECS37)),
    ("6.18.2", DeviceType.ESME): entry(ec.ecs57),
    ("6.20.1", DeviceType.ESME): entry(ec.fixed(EsmeCode.ECS39A)),
    ("6.20.2", DeviceType.ESME): entry(ec.fixed(EsmeCode.ECS39B)),
    ("7.9", DeviceType.ESME): entry(ec.ecs62),
    ("7.10", DeviceType.ESME): entry(ec.ecs62),
    ("9.1", DeviceType.ESME): entry(ec.fixed(EsmeCode.ECS50)),
    # ESME: reads of registers and logs
    ("4.1.2", DeviceType.ESME): entry(er.ecs17d),
    ("4.1.3", DeviceType.ESME): entry(er.ecs17e),
    ("4.2", DeviceType.ESME): entry(er.ecs17a),
    ("4.3", DeviceType.ESME): entry(er.ecs19),
    ("4.4.2", DeviceType.ESME): entry(er.ecs20b),
    ("4.4.3", DeviceType.ESME): entry(er.ecs20c),
    ("4.4.4", DeviceType.ESME): entry(er.ecs20a),
    ("4.4.5", DeviceType.ESME): entry(er.ecs20d),
    ("4.6.1", DeviceType.ESME): entry(er.ecs21a),
    ("4.6.2", DeviceType.ESME): entry(er.ecs21c),
    ("4.8.1", DeviceType.ESME): entry(er.ecs22b),
    ("4.8.2", DeviceType.ESME): entry(er.ecs22c),
    ("4.8.3", DeviceType.ESME): entry(er.ecs22a),
    ("4.10", DeviceType.ESME): entry(er.ecs23),
    ("4.12.1", DeviceType.ESME): entry(er.ecs18b),
    ("4.12.2", DeviceType.ESME): entry(er.ecs18a),
    ("4.14", DeviceType.ESME): entry(er.ecs21b),
    ("4.16", DeviceType.ESME): entry(er.ecs17c),
    ("4.17", DeviceType.ESME): entry(er.ecs66),
    ("4.18", DeviceType.ESME): entry(er.ecs82),
    # ESME: reads of identity and configuration (and the CHF's ECS reads)
    ("4.11.1", DeviceType.ESME): entry(eg.ecs24),
    ("4.11.2", DeviceType.ESME): entry(eg.ecs24b),
    ("4.13", DeviceType.ESME): entry(eg.ecs26a),
    ("4.15", DeviceType.ESME): entry(eg.ecs27),
    ("6.2.1", DeviceType.ESME): entry(eg.ecs26b),
    ("6.2.2", DeviceType.ESME): entry(eg.ecs26c),
    ("6.2.3", DeviceType.ESME): entry(eg.ecs26d),
    ("6.2.4", DeviceType.ESME): entry(eg.ecs26e),
    ("6.2.4", DeviceType.CHF): entry(eg.ecs26i),
    ("6.2.5", DeviceType.ESME): entry(eg.ecs26f),
    ("6.2.7", DeviceType.ESME): entry(eg.ecs40),
    ("6.2.9", DeviceType.ESME): entry(eg.ecs26j),
    ("6.2.10", DeviceType.ESME): entry(eg.ecs25r),
    ("6.13", DeviceType.ESME): entry(eg.ecs35),
    ("6.13", DeviceType.CHF): entry(eg.ecs35),
    # CHF device log (wan/chf_payloads.py, gbcs/chf.py)
    ("8.11", DeviceType.CHF): chf_payloads.ccs01_ccs02,
    ("8.12.1", DeviceType.CHF): chf_payloads.ccs03,
    ("7.4", DeviceType.ESME): entry(eg.ecs45),
    ("7.7", DeviceType.ESME): entry(eg.ecs61a),
    ("7.11", DeviceType.ESME): entry(eg.ecs61c),
    ("7.14", DeviceType.ESME): entry(eg.ecs61d),
    ("7.15", DeviceType.ESME): entry(eg.ecs61e),
}


def gbcs_response(
    world: GbcsWorld,
    seed: int,
    srv: str,
    rid: RequestId,
    device: Device,
    at: datetime,
    *,
    mirrored: DeviceId | None = None,
    body: etree._Element | None = None,
) -> bytes | None:
    """The GBCS Response of this SRV from this device, or None if gbdsp does not encode it
    (or the User has no GBCS KA certificate to MAC it for).

    `mirrored`: for a GPF, the GSME whose registers it holds (GBCS: the GPF answers GCS13a
    from its copy of the GSME's data); a GPF without one gets None. `body`: the DUIS
    request's body, for the builders that read its values (wan/gsme_payloads.py)."""
    build = ENCODED.get((srv, device.device_type))
    if build is None:
        return None
    meter = device.device_id
    if device.device_type is DeviceType.GPF:
        if mirrored is None:
            return None
        meter = mirrored
    if world.party_certificate(Eui64(rid.originator.value), KeyUsage.KA) is None:
        return None
    try:
        if isinstance(build, EsmeEntry):
            return build(world, seed, rid, device, at, meter, body)
        with_body = READS_REQUEST.get(build)
        if with_body is not None:
            return with_body(world, seed, rid, device, at, meter, body)
        return build(world, seed, rid, device, at, meter)
    except InvalidValue:
        return None  # e.g. a firmware version GBCS cannot carry: keep the stand-in


def critical_response(
    world: GbcsWorld, rid: RequestId, device: Device, command: commands.IssuedCommand
) -> bytes | None:
    """The device's Response to a critical command it executed (gbcs/commands.py): signed
    with its DS key, no MAC; None if gbdsp does not encode the use case."""
    eui = Eui64(device.device_id.value)
    if command.code in ESME_CRITICAL:  # wan/esme_critical.py
        return _esme_critical_response(world, rid, device, command)
    exchange = commands.CommandExchange(
        _title(Eui64(rid.originator.value)), _title(eui), rid.counter, command.at
    )
    try:
        return commands.response(command.code, command.content, exchange, world.device_keys(eui).ds)
    except InvalidValue:
        return None


ESME_CRITICAL = frozenset(esme_commands.CriticalCode)


def _esme_critical_response(
    world: GbcsWorld, rid: RequestId, device: Device, command: commands.IssuedCommand
) -> bytes | None:
    """The ESME's signed Response to a critical command of gbcs/esme_commands.py; a clock
    it was set reads back as the time set."""
    eui = Eui64(device.device_id.value)
    try:
        return esme_commands.response(
            command.code,
            command.content,
            _title(Eui64(rid.originator.value)),
            _title(eui),
            rid.counter,
            command.at,
            world.device_keys(eui).ds,
            clock=esme_commands.preset_time(command.content),
        )
    except InvalidValue:
        return None
