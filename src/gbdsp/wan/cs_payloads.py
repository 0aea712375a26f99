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
- **Joins (8.7.2, 8.8.2).** The gateway has carried out the join or unjoin before the device
  answers, so the Response is success. A meter answers a Method B join or unjoin (CS03B,
  CS04B, MACed); a PPMID or HCALCS an unjoin through the ACB (CS04AC, signed). Its 8.7.2 join
  is CS03A2 with an ESME and CS03C with a GSME, which the Response builder cannot tell apart
  (it does not see the other device): those keep the stand-in.
"""

from __future__ import annotations

from cryptography import x509

from gbdsp.domain.devices import Device, DeviceType
from gbdsp.domain.ids import Eui64, UserId
from gbdsp.duis.namespaces import sr
from gbdsp.gbcs import cs
from gbdsp.gbcs.codes import MessageCode
from gbdsp.gbcs.keys import KeyUsage
from gbdsp.gbcs_world import ACB, GbcsWorld
from gbdsp.wan import gas_meter
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


def join(ask: Ask) -> bytes:
    """8.7.2 on a meter: the Method B join of a Type 2 device (CS03B)."""
    return cs.joined(to_user(ask), MessageCode.CS03B)


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
    """6.24.1 Retrieve Device Security Credentials (KRP), to the ACB (as RTDS CS02a)."""
    asked = [
        (e.text or "").strip()
        for e in (ask.body.iter(sr("RemotePartyRole")) if ask.body is not None else ())
    ] or ["Supplier"]
    details = [
        cs.RemotePartyDetails(ROLES[role], _anchors(ask.world, _party(ask.device, role)))
        for role in asked
        if role in ROLES
    ]
    return cs.security_credentials(to_acb(ask, signed=False), details)


def _party(device: Device, role: str) -> Eui64 | None:
    party: UserId | None = {
        "Supplier": device.responsible_supplier,
        "NetworkOperator": device.network_operator,
    }.get(role)
    if role == "ACB":
        return ACB
    return None if party is None else Eui64(party.value)


def _anchors(world: GbcsWorld, party: Eui64 | None) -> list[cs.TrustAnchor]:
    if party is None:
        return []
    anchors = []
    for usage, prepayment in ((KeyUsage.DS, False), (KeyUsage.KA, False), (KeyUsage.KA, True)):
        certificate = world.party_certificate(party, usage, prepayment=prepayment)
        if certificate is not None:
            ski = certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
            anchors.append(
                cs.TrustAnchor(usage is KeyUsage.KA, _title(party), ski.value.digest, prepayment)
            )
    return anchors
