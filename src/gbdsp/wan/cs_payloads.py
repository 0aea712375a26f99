"""Real GBCS Responses of the CS security use cases (gbcs/cs.py), from the emulated device
state and the SMI; gateway/registry.py names them in the SRVs' declarations. Each is a
`Builder` of wan/gbcs_ask.py, taking one `Ask`.

- **Trust anchors (6.24.1).** A device holds, for each role, the certificates of the party
  the SMI names: the Responsible Supplier (DS, KA and, if registered, prepayment KA) and the
  Network Operator (DS, KA); the ACB's shipped certificates for the ACB. Their subject key
  identifiers come from the parties' registered GBCS certificates. A role the SMI names no
  party for (Load Controller, TransCoS, Root, Recovery) is answered "trust anchor not found".
- **Logs (6.13, 3.3).** gbdsp keeps no device event or security log, so CS10a/CS10b publish
  none; CS11 reports the general event log cleared.
- **Top-up (2.2).** The device applies the UTRN's value (CS01a on an ESME, CS01b on a GSME,
  whose Response gives the credit after it: the emulated meter balance plus the top-up, not
  remembered). The UTRN's counter and MAC are not checked.
- **Joins (8.7, 8.8).** The gateway has carried out the join or unjoin before the device
  answers, so the Response is success. A meter answers a Method B join or unjoin (CS03B,
  CS04B, MACed); a PPMID or HCALCS a join or unjoin through the ACB (signed): its 8.7.2 join
  is CS03A2 with an ESME, CS03C with a GSME, the other device's type as the SMI holds it
  (`Ask.device_log`, where the join has just put it). The critical joins and unjoins (8.7.1,
  8.8.1; `join_pre_command`, `unjoin_pre_command`): CS03A1 to an ESME (Method A initiator),
  CS03A2 to a PPMID or HCALCS joining an ESME (Method A responder), CS03C between a GSME and
  a PPMID or HCALCS (Method C, with the other device's KA certificate from the test world),
  CS04AC to unjoin any of them; the device's signed Response follows from the message code
  (wan/gbcs_payloads.py `critical_response`).
- **Device logs (8.9, 8.12.2).** CS07 lists the devices joined to a meter (`Ask.device_log`)
  with their GBCS device types; GCS59 restores a GPF's device log: the devices the SMI holds
  joined to the GPF, each restored (gbdsp keeps no old GPF's log apart from the SMI's).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization

from gbdsp.domain.devices import Device, DeviceType
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import DeviceId, Eui64
from gbdsp.domain.requests import RequestId
from gbdsp.duis.namespaces import sr
from gbdsp.gbcs import cs
from gbdsp.gbcs.codes import MessageCode
from gbdsp.gbcs.keys import KeyUsage
from gbdsp.gbcs_world import ACB, GbcsWorld
from gbdsp.wan import cs_credentials, gas_meter
from gbdsp.wan.gbcs_ask import Ask


def _title(eui: Eui64) -> bytes:
    return eui.value.to_bytes(8, "big")


def to_user(ask: Ask) -> cs.Route:
    """MACed for the requesting User."""
    eui, user = Eui64(ask.device.device_id.value), Eui64(ask.rid.originator.value)
    z = ask.world.shared_secret(eui, user)
    return cs.Route(_title(eui), _title(user), ask.rid.counter, z=z)


def to_acb(ask: Ask, *, signed: bool) -> cs.Route:
    """Through the ACB: signed with the device's DS key and naming the User, or MACed with
    the ACB's KA key."""
    eui, counter = Eui64(ask.device.device_id.value), ask.rid.counter
    if signed:
        return cs.Route(
            _title(eui),
            _title(ACB),
            counter,
            signer=ask.world.device_keys(eui).ds,
            remote_party=_title(Eui64(ask.rid.originator.value)),
        )
    return cs.Route(_title(eui), _title(ACB), counter, z=ask.world.shared_secret(eui, ACB))


def cs11(ask: Ask) -> bytes:
    return cs.event_log_cleared(to_user(ask))


def cs10(ask: Ask) -> bytes:
    """6.13: LogToRead Security is CS10b, Event (the default) CS10a."""
    which = ask.text("LogToRead")
    log = cs.SECURITY_EVENT_LOG if (which or "").strip() == "Security" else cs.GENERAL_EVENT_LOG
    return cs.event_log(to_user(ask), log, [])


METERS = (DeviceType.ESME, DeviceType.GSME)


def top_up(ask: Ask) -> bytes:
    """2.2 Top Up Device: CS01a (ESME) or CS01b (GSME), dated."""
    amount = cs.utrn_value((ask.text("UTRN") or "").strip())
    eui, user = Eui64(ask.device.device_id.value), Eui64(ask.rid.originator.value)
    z = ask.world.shared_secret(eui, user)
    route = cs.Route(_title(eui), _title(user), ask.rid.counter, z=z, at=ask.at)
    if ask.device.device_type is DeviceType.ESME:
        return cs.top_up_esme(route)
    credit = gas_meter.prepayment(ask.seed, ask.device.device_id).credit + amount
    return cs.top_up_gsme(route, amount, credit)


HAN_TYPES = {
    DeviceType.GSME: cs.HanDeviceType.GSME,
    DeviceType.ESME: cs.HanDeviceType.ESME,
    DeviceType.CHF: cs.HanDeviceType.CHF,
    DeviceType.GPF: cs.HanDeviceType.GPF,
    DeviceType.HCALCS: cs.HanDeviceType.HCALCS,
    DeviceType.PPMID: cs.HanDeviceType.PPMID,
    DeviceType.IHD: cs.HanDeviceType.TYPE2,
    DeviceType.CAD: cs.HanDeviceType.TYPE2,
    DeviceType.TYPE2: cs.HanDeviceType.TYPE2,
}
"""SMI device type -> GBCS DeviceType (the SAPC has none: its logs and joins are not encoded)."""
NON_METERS = (DeviceType.PPMID, DeviceType.HCALCS)


def log_entry(device: Device) -> cs.DeviceLogEntry:
    """A device as a device log entry: its entity ID and GBCS device type."""
    han = HAN_TYPES.get(device.device_type)
    if han is None:
        raise InvalidValue(f"no GBCS device type for a {device.device_type.value}")
    return cs.DeviceLogEntry(_title(Eui64(device.device_id.value)), han)


def join_details(ask: Ask) -> bytes:
    """8.9 on a meter: CS07, the devices joined to it."""
    return cs.join_details(to_user(ask), [log_entry(d) for d in ask.device_log])


def gpf_log_restored(ask: Ask) -> bytes:
    """8.12.2 on a GPF: GCS59, each device the SMI holds joined to it restored."""
    return cs.gpf_log_restored(to_user(ask), [log_entry(d) for d in ask.device_log])


def join_use_case(device: DeviceType, other: DeviceType) -> tuple[MessageCode, int]:
    """The join use case and JoinMethodAndRole of `device` joining `other` (GBCS 13.7)."""
    if device is DeviceType.ESME and other in NON_METERS:
        return MessageCode.CS03A1, cs.JoinMethod.A_INITIATOR
    if device in NON_METERS and other is DeviceType.ESME:
        return MessageCode.CS03A2, cs.JoinMethod.A_RESPONDER
    pair = {device, other}
    if DeviceType.GSME in pair and pair & set(NON_METERS):
        return MessageCode.CS03C, cs.JoinMethod.C
    raise InvalidValue(f"no Method A or C join of a {device.value} with a {other.value}")


def join(ask: Ask) -> bytes:
    """8.7.2 on a meter: the Method B join of a Type 2 device (CS03B). On a PPMID or HCALCS,
    through the ACB: CS03A2 with an ESME, CS03C with a GSME (the other device as the SMI
    holds it)."""
    if ask.device.device_type in METERS:
        return cs.joined(to_user(ask), MessageCode.CS03B)
    other_id = DeviceId.parse((ask.text("OtherDeviceID") or "").strip())
    other = next((d for d in ask.device_log if d.device_id == other_id), None)
    if other is None:
        raise InvalidValue(f"{other_id} is not joined to {ask.device.device_id}")
    code, _ = join_use_case(ask.device.device_type, other.device_type)
    return cs.joined(to_acb(ask, signed=True), code)


@dataclass(frozen=True, slots=True)
class Pairing:
    """A critical join or unjoin (8.7.1, 8.8.1) as its pre-command needs it: the request,
    the device it goes to, and the other device (None: not in the SMI)."""

    world: GbcsWorld
    rid: RequestId
    device: Device
    other_id: DeviceId
    other: Device | None


def join_pre_command(p: Pairing) -> bytes:
    """8.7.1: the unsigned CS03A1, CS03A2 or CS03C Join Device Command (Method C carries the
    other device's KA certificate)."""
    if p.other is None:
        raise InvalidValue(f"{p.other_id} (to join) is not in the SMI")
    code, method = join_use_case(p.device.device_type, p.other.device_type)
    other = Eui64(p.other_id.value)
    certificate = None
    if method == cs.JoinMethod.C:
        ka = p.world.device_certificate(other, KeyUsage.KA)
        certificate = ka.public_bytes(serialization.Encoding.DER)
    content = cs.join_command(method, _title(other), log_entry(p.other).device_type, certificate)
    return _pre_command(p, code, content)


def unjoin_pre_command(p: Pairing) -> bytes:
    """8.8.1: the unsigned CS04AC Unjoin Device Command (not for a Type 2 device: CS04B)."""
    if p.other is not None and p.other.device_type not in (*METERS, *NON_METERS):
        raise InvalidValue(f"a {p.other.device_type.value} is unjoined by Method B")
    content = cs.unjoin_command(_title(Eui64(p.other_id.value)))
    return _pre_command(p, MessageCode.CS04AC, content)


def _pre_command(p: Pairing, code: MessageCode, content: bytes) -> bytes:
    user, device = Eui64(p.rid.originator.value), Eui64(p.device.device_id.value)
    return cs.pre_command(_title(user), _title(device), p.rid.counter, code, content)


def unjoin(ask: Ask) -> bytes:
    """8.8.2: CS04B on a meter; CS04AC (signed, through the ACB) on a PPMID or HCALCS."""
    if ask.device.device_type in METERS:
        return cs.joined(to_user(ask), MessageCode.CS04B)
    return cs.joined(to_acb(ask, signed=True), MessageCode.CS04AC)


ROLES = {
    "Supplier": cs.Role.SUPPLIER,
    "NetworkOperator": cs.Role.NETWORK_OPERATOR,
    "LoadController": cs.Role.LOAD_CONTROLLER,
    "ACB": 4,
    "TransCoS": 5,
    "Root": 0,
    "Recovery": 1,
}
"""DUIS RemotePartyRole -> GBCS RemotePartyRole."""


def security_credentials(ask: Ask) -> bytes:
    """6.24.1 Retrieve Device Security Credentials (KRP), to the ACB (as RTDS CS02a): what
    each cell of the roles asked holds (wan/cs_credentials.py `held_anchor`: the last
    replacement's certificate, else the SMI's party's)."""
    asked = [
        (e.text or "").strip()
        for e in (ask.body.iter(sr("RemotePartyRole")) if ask.body is not None else ())
    ] or ["Supplier"]
    held = ask.state()
    details = [
        cs.RemotePartyDetails(ROLES[role], _anchors(ask, held, ROLES[role]))
        for role in asked
        if role in ROLES
    ]
    return cs.security_credentials(to_acb(ask, signed=False), details)


CELLS = ((False, False), (True, False), (True, True))
"""(key agreement, prepayment top-up) of a role's cells: DS, KA, prepayment KA."""


def _anchors(ask: Ask, held: Mapping[str, Any], role: int) -> list[cs.TrustAnchor]:
    anchors = []
    for agreement, prepayment in CELLS:
        anchor = cs_credentials.held_anchor(
            ask.world, ask.device, held, cs.Cell(role, agreement, prepayment)
        )
        if anchor is not None:
            anchors.append(
                cs.TrustAnchor(agreement, anchor.party, anchor.key_identifier, prepayment)
            )
    return anchors
