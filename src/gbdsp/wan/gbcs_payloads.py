"""Real GBCS Responses: the generic use cases, and carrying out a request's builder.

| SRV | device | GBCS use case |
|---|---|---|
| 4.1.1 Read Instantaneous Import Registers | ESME | ECS17b (registers encrypted) |
| 4.1.1 | GSME | GCS13a (register encrypted) |
| 4.1.1 | GPF | GCS13a from the GPF's copy of its joined GSME's register |
| 11.2 Read Firmware Version | ESME, CHF | ECS52 |
| 11.2 | GSME | GCS38 |
| 11.2 | PPMID, HCALCS | CS08 (to the ACB, the User as supplementary remote party) |

Which builder answers which SRV on which device type is declared with the SRV, in
gateway/registry.py (docs/gbcs.md); the caller hands it to `gbcs_response`, which gives it
one `Ask` (wan/gbcs_ask.py). The Response is MACed with the device's KA key and the
requesting User's KA key (the ACB's for CS08), echoes the request's counter as its
originator counter (the DUIS RequestID counter is the GBCS command's, GBCS 7.2.8), and
carries the device state: the SMI's firmware version, the emulator's registers. Without a
builder it returns None (the caller keeps its documented stand-in).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from lxml import etree

from gbdsp.domain.devices import Device, DeviceType
from gbdsp.domain.errors import InvalidValue, NotEncoded
from gbdsp.domain.ids import DeviceId, Eui64
from gbdsp.domain.requests import RequestId
from gbdsp.gbcs import commands, cs, esme_commands, responses
from gbdsp.gbcs.codes import MessageCode
from gbdsp.gbcs.keys import KeyUsage
from gbdsp.gbcs_world import ACB, GbcsWorld
from gbdsp.wan import cs_credentials
from gbdsp.wan.device_state import StateLookup
from gbdsp.wan.gbcs_ask import Ask, Builder, DeviceLog
from gbdsp.wan.registers import gas_register, import_energy


def _title(eui: Eui64) -> bytes:
    return eui.value.to_bytes(8, "big")


def _exchange(ask: Ask, to: Eui64, *, dated: bool) -> responses.Exchange:
    eui = Eui64(ask.device.device_id.value)
    secret = ask.world.shared_secret(eui, to)
    return responses.Exchange(
        _title(eui), _title(to), ask.rid.counter, secret, ask.at if dated else None
    )


def _user(ask: Ask) -> Eui64:
    return Eui64(ask.rid.originator.value)


def ecs17b(ask: Ask) -> bytes:
    exchange = _exchange(ask, _user(ask), dated=True)
    return responses.ecs17b(exchange, import_energy(ask.seed, ask.meter, ask.at))


def gcs13a(ask: Ask) -> bytes:
    exchange = _exchange(ask, _user(ask), dated=True)
    return responses.gcs13a(exchange, gas_register(ask.seed, ask.meter, ask.at))


def ecs52(ask: Ask) -> bytes:
    exchange = _exchange(ask, _user(ask), dated=False)
    return responses.ecs52(exchange, ask.device.model.firmware_version)


def gcs38(ask: Ask) -> bytes:
    exchange = _exchange(ask, _user(ask), dated=False)
    return responses.gcs38(exchange, ask.device.model.firmware_version)


def cs08(ask: Ask) -> bytes:
    # The DSP's command to the PPMID/HCALCS is the ACB's; we give it the User's counter.
    return responses.cs08(
        _exchange(ask, ACB, dated=False),
        ask.device.model.firmware_version,
        remote_party=_title(_user(ask)),
        remote_counter=ask.rid.counter,
    )


def gbcs_response(
    world: GbcsWorld,
    seed: int,
    build: Builder | None,
    rid: RequestId,
    device: Device,
    at: datetime,
    *,
    mirrored: DeviceId | None = None,
    body: etree._Element | None = None,
    log: DeviceLog | None = None,
    state: StateLookup | None = None,
) -> bytes | None:
    """The GBCS Response `build` makes for this request to this device, or None without a
    builder (gbdsp does not encode the use case) or if the User has no GBCS KA certificate
    to MAC it for. NotEncoded, with the reason, if the builder cannot carry the request's
    values.

    `mirrored`: for a GPF, the GSME whose registers it holds (GBCS: the GPF answers GCS13a
    from its copy of the GSME's data); a GPF without one gets None. `body`: the DUIS
    request's body, for the builders that read its values. `log`: looks up the devices on
    the device's log in the SMI (Ask.device_log; None: none). `state`: looks up what set
    commands changed on the device (of `mirrored` for a GPF; Ask.state; None: nothing)."""
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
        ask = Ask(world, seed, rid, device, at, meter, body)
        if log is not None:
            ask = replace(ask, log=log)
        return build(ask if state is None else replace(ask, state=state))
    except InvalidValue as e:  # a firmware version GBCS cannot carry, a bad URP certificate
        raise NotEncoded(
            f"the Response of a {device.device_type.name} cannot carry the request's values: {e}"
        ) from e


def critical_response(
    world: GbcsWorld,
    rid: RequestId,
    device: Device,
    command: commands.IssuedCommand,
    state: StateLookup | None = None,
) -> bytes | None:
    """The device's Response to a critical command it executed (gbcs/commands.py): signed
    with its DS key, no MAC; None if gbdsp does not encode the use case. `state`: what set
    commands changed on the device (the trust anchors a CS02b replaces)."""
    eui = Eui64(device.device_id.value)
    if command.code in ESME_CRITICAL:  # wan/esme_critical.py
        return _esme_critical_response(world, rid, device, command)
    if command.code in cs_credentials.CRITICAL:  # CS02b-e, CS02g, CS06
        try:
            held = {} if state is None else state()
            return cs_credentials.critical_response(world, rid, device, command, held)
        except ValueError:  # InvalidValue included: a command gbdsp cannot answer
            return None
    if command.code in cs.JOINS:  # a critical join or unjoin (gbcs/cs.py): success
        route = cs.Route(
            _title(eui),
            _title(Eui64(rid.originator.value)),
            rid.counter,
            signer=world.device_keys(eui).ds,
        )
        return cs.joined(route, MessageCode(command.code))
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
