"""The CS security use cases that change a device's credentials or firmware (gbcs/cs.py),
from the DUIS request and the emulated device state (docs/gbcs.md, "CS security use cases").

- **Update Security Credentials** (CS02b, CS02g). 6.15.1 (critical, from the User: Supplier
  by Supplier, Network Operator by Network Operator, Load Controller by Supplier) and, sent
  by the DCC itself (CV 1), 6.21 Request Handover of DCC Controlled Device (by the ACB),
  6.23 Update Security Credentials (CoS) (Supplier by TransCoS) and 8.5 Service Opt Out
  (ACB by ACB). The device puts each certificate in its trust anchor cell, and remembers it
  (wan/device_state.py `trust_anchor`): a later 6.24.1 (CS02a) and the next replacement's
  "existing" report it. Before any replacement a cell holds the certificate of the party
  the SMI names for the role (the Responsible Supplier, the Network Operator, the ACB), as
  6.24.1 reports it. The device checks no certification path and no seq number.
- **The device's own credentials.** 6.17 (CS02c): a Certification Request for the key pair
  of the usage asked. The emulator keeps its key pairs (they are derived from the world
  secret), so the request is for the key the device already holds. 6.15.2 (CS02d): the
  device accepts a certificate of its own identity and key ("success"; not stored: SMKI
  serves the derived one), else Wrong Device Identity, Invalid Key Usage or Wrong Public Key.
  6.24.2 (CS02e): the device's certificate of the usage asked.
- **Activate Firmware** (CS06, 11.3). The device runs the version the SMI holds (11.1 put it
  there); it keeps no image, so the hash is not checked.
- **Future-dated** (6.15.1, 11.3 are Device-held): the Response is the acceptance alone; the
  outcome comes in the 8F66 at the ExecutionDateTime (0x00CB, 0x0124, 0x00CA). A
  cancellation's command carries 9999-12-31T23:59:59Z, as RTDS has it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree

from gbdsp.domain.devices import Device, DeviceType
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.future_dated import CANCELLATION
from gbdsp.domain.ids import Eui64
from gbdsp.domain.requests import RequestId
from gbdsp.duis.namespaces import sr
from gbdsp.duis.request import DuisRequest
from gbdsp.gbcs import cs
from gbdsp.gbcs.certificates import certificate_eui, certification_request
from gbdsp.gbcs.codes import MessageCode
from gbdsp.gbcs.commands import IssuedCommand
from gbdsp.gbcs.keys import KeyUsage
from gbdsp.gbcs.party import subject_eui
from gbdsp.gbcs.responses import firmware_octets
from gbdsp.gbcs_world import ACB, GbcsWorld
from gbdsp.wan.device_state import TRUST_ANCHOR, Overrides
from gbdsp.wan.gbcs_ask import Ask

DEVICES = (DeviceType.ESME, DeviceType.GSME, DeviceType.PPMID, DeviceType.HCALCS)
"""The devices whose CS02 and CS06 use cases gbdsp encodes (those with DS and KA keys in the
test world and trust anchors gbdsp can name)."""
HANDED_OVER = (*DEVICES, DeviceType.GPF)
"""The devices answering the DCC's replacements (6.21 hands a GPF over too). A GPF's
replacements are not remembered: its device state is its GSME's (wan/gbcs_ask.py)."""
TRANSCOS = Eui64.parse("90-B3-D5-1F-30-00-00-04")
"""The DCC's Transitional Change of Supplier party: it sends 6.23's command."""
HELD_FOR_EVER = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
"""A cancellation's execution date-time in the command (RTDS's)."""

KRP_MODES = {
    "Supplier": cs.ReplacementMode.SUPPLIER_BY_SUPPLIER,
    "NetworkOperator": cs.ReplacementMode.NETWORK_OPERATOR_BY_NETWORK_OPERATOR,
    "LoadController": cs.ReplacementMode.LOAD_CONTROLLER_BY_SUPPLIER,
}
"""6.15.1 and 6.21: DUIS RemotePartyRole -> the replacement mode (other roles: not encoded)."""
BODY_MODES = {
    "UpdateSecurityCredentialsCoS": cs.ReplacementMode.SUPPLIER_BY_TRANSCOS,
    "ServiceOptOut": cs.ReplacementMode.ACB_BY_ACB,
}
FLOORS = ("RemotePartyFloorSeqNumber", "SupplierFloorSeqNumber", "ACBFloorSeqNumber")
PREPAYMENT_FLOORS = (
    "RemotePartyPrepaymentTopUpFloorSeqNumber",
    "SupplierPrepaymentTopUpFloorSeqNumber",
)
CERTIFICATES = (
    ("DigitalSigningCertificate", False, False),
    ("KeyAgreementCertificate", True, False),
    ("KeyAgreementTopUpCertificate", True, True),
)


def _title(eui: Eui64) -> bytes:
    return eui.value.to_bytes(8, "big")


def _find(body: etree._Element, names: tuple[str, ...]) -> str | None:
    for name in names:
        found = body.findtext(f".//{sr(name)}")
        if found is not None and found.strip():
            return found.strip()
    return None


def _der(text: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except binascii.Error as e:
        raise InvalidValue(f"a certificate that is not base64: {e}") from e


def _execution(body: etree._Element, now: datetime | None) -> datetime | None:
    """The command's execution date-time: a future one, or the cancellation's; none for a
    request to be carried out now."""
    text = body.findtext(f".//{sr('ExecutionDateTime')}")
    if text is None or not text.strip():
        return None
    at = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    at = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    if at == CANCELLATION:
        return HELD_FOR_EVER
    return at if now is not None and at > now else None


def credentials_update(
    body: etree._Element, counter: int, now: datetime | None
) -> cs.CredentialsUpdate:
    """The Update Security Credentials Command a DUIS request asks for (InvalidValue: one
    gbdsp does not encode)."""
    content = body  # the request's element (UpdateSecurityCredentialsKRP, ServiceOptOut...)
    if etree.QName(content).localname == "Body" and len(content):
        content = content[0]
    local = etree.QName(content).localname
    mode = BODY_MODES.get(local)
    if mode is None:
        role = (content.findtext(sr("RemotePartyRole")) or "").strip()
        if role not in KRP_MODES:
            raise InvalidValue(f"the replacement of the {role or 'unnamed'} role is not encoded")
        mode = KRP_MODES[role]
    replaced = cs.REPLACED[mode]
    replacements = [
        cs.Replacement(_der(text), cs.Cell(replaced, agreement, prepayment))
        for name, agreement, prepayment in CERTIFICATES
        if (text := content.findtext(f".//{sr(name)}")) is not None and text.strip()
    ]
    if not replacements:
        raise InvalidValue("no replacement certificate")
    prepayment_floor = _find(content, PREPAYMENT_FLOORS)
    change = cs.SeqNumberChange(
        replaced,
        int(_find(content, FLOORS) or 0),
        None if prepayment_floor is None else int(prepayment_floor),
    )
    path = [_der(e.text or "") for e in content.iter(sr("Certificate"))]
    checks = (content.findtext(sr("ApplyTimeBasedCPVChecks")) or "true").strip()
    return cs.CredentialsUpdate(
        mode,
        counter,
        change,
        replacements,
        path,
        apply_time_checks=checks in ("true", "1"),
        execution=_execution(content, now),
    )


# -- trust anchors: what a cell holds ------------------------------------------------------


def anchor_key(cell: cs.Cell) -> str:
    """The device state name of a trust anchor cell (wan/device_state.py)."""
    usage = "pp-ka" if cell.prepayment else "ka" if cell.key_agreement else "ds"
    return f"{TRUST_ANCHOR}.{cell.role}.{usage}"


def _certificate_anchor(der: bytes) -> cs.Anchor:
    cert = x509.load_der_x509_certificate(der)
    ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    return cs.Anchor(subject_eui(cert).to_bytes(8, "big"), ski)


def trust_anchors(body: etree._Element) -> Overrides:
    """The `sets` reader of 6.15.1, 6.21, 6.23, 8.5: each replaced cell's new party and
    subject key identifier (hex). A cancellation (6.23's: 6.15.1's is the gateway's) and a
    request gbdsp does not encode set nothing."""
    if _execution(body, None) == HELD_FOR_EVER:
        return {}
    try:
        update = credentials_update(body, 0, None)
        anchors = [(r.cell, _certificate_anchor(r.certificate)) for r in update.replacements]
    except (ValueError, x509.ExtensionNotFound):
        return {}
    return {anchor_key(c): [a.party.hex(), a.key_identifier.hex()] for c, a in anchors}


def party_of(device: Device, role: int) -> Eui64 | None:
    """The party the SMI names for a role of the device's trust anchors (None: none)."""
    if role == cs.Role.ACB:
        return ACB
    party = {
        cs.Role.SUPPLIER: device.responsible_supplier,
        cs.Role.NETWORK_OPERATOR: device.network_operator,
    }.get(role)
    return None if party is None else Eui64(party.value)


def held_anchor(
    world: GbcsWorld, device: Device, state: Mapping[str, Any], cell: cs.Cell
) -> cs.Anchor | None:
    """What the device's cell holds: the last replacement's certificate, else the registered
    certificate of the party the SMI names for the role (None: the cell is empty)."""
    stored = state.get(anchor_key(cell))
    if stored is not None:
        return cs.Anchor(bytes.fromhex(stored[0]), bytes.fromhex(stored[1]))
    party = party_of(device, cell.role)
    if party is None:
        return None
    usage = KeyUsage.KA if cell.key_agreement else KeyUsage.DS
    certificate = world.party_certificate(party, usage, prepayment=cell.prepayment)
    if certificate is None:
        return None
    ski = certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    return cs.Anchor(_title(party), ski)


EMPTY = cs.Anchor(b"", b"")


def outcome(
    world: GbcsWorld, device: Device, state: Mapping[str, Any], update: cs.CredentialsUpdate
) -> cs.UpdateOutcome:
    """The device replaced each anchor (success), the one it held reported as existing."""
    outcomes = [
        cs.ReplacementOutcome(
            r.cell,
            held_anchor(world, device, state, r.cell) or EMPTY,
            _certificate_anchor(r.certificate),
        )
        for r in update.replacements
    ]
    return cs.UpdateOutcome(update.counter, update.mode, update.change, outcomes)


# -- CV 4: the unsigned pre-commands -------------------------------------------------------


def _pre_command(request: DuisRequest, device: Device, code: MessageCode, content: bytes) -> bytes:
    user, eui = Eui64(request.request_id.originator.value), Eui64(device.device_id.value)
    return cs.pre_command(_title(user), _title(eui), request.request_id.counter, code, content)


def update_pre_command(request: DuisRequest, device: Device, now: datetime) -> bytes | None:
    """6.15.1: the Update Security Credentials Command (CS02b, CS02g)."""
    if device.device_type not in DEVICES:
        return None
    update = credentials_update(request.body, request.request_id.counter, now)
    return _pre_command(request, device, update.code, cs.update_command(update))


def _key_agreement(request: DuisRequest) -> bool:
    kind = (request.body.findtext(f".//{sr('CredentialType')}") or "").strip()
    if kind not in ("Digital Signature", "Key Agreement"):
        raise InvalidValue(f"credential type {kind!r}")
    return kind == "Key Agreement"


def issue_pre_command(request: DuisRequest, device: Device, now: datetime) -> bytes | None:
    """6.17: Issue Security Credentials (CS02c) for the credential type asked."""
    if device.device_type not in DEVICES:
        return None
    content = cs.key_usage_command(_key_agreement(request))
    return _pre_command(request, device, MessageCode.CS02C, content)


def provide_pre_command(request: DuisRequest, device: Device, now: datetime) -> bytes | None:
    """6.24.2: Provide Device Certificate (CS02e) of the credential type asked."""
    if device.device_type not in DEVICES:
        return None
    content = cs.key_usage_command(_key_agreement(request))
    return _pre_command(request, device, MessageCode.CS02E, content)


def certificate_pre_command(request: DuisRequest, device: Device, now: datetime) -> bytes | None:
    """6.15.2: Update Device Certificate (CS02d), the certificate as it is."""
    if device.device_type not in DEVICES:
        return None
    text = request.body.findtext(f".//{sr('DeviceCertificate')}") or ""
    return _pre_command(request, device, MessageCode.CS02D, _der(text))


def firmware_pre_command(request: DuisRequest, device: Device, now: datetime) -> bytes | None:
    """11.3: Activate Firmware (CS06), the image hash, the counter, a future or cancelled
    execution date-time."""
    if device.device_type not in DEVICES:
        return None
    text = (request.body.findtext(f".//{sr('FirmwareHash')}") or "").strip()
    try:
        image_hash = bytes.fromhex(text)
    except ValueError as e:
        raise InvalidValue(f"firmware hash {text!r} is not hex") from e
    counter = request.request_id.counter
    execution = _execution(request.body, now)
    content = cs.activate_firmware_command(image_hash, counter, execution)
    return _pre_command(request, device, MessageCode.CS06, content)


# -- the device's signed Responses ---------------------------------------------------------

CRITICAL = frozenset(
    {
        MessageCode.CS02B_SUPPLIER,
        MessageCode.CS02B_NETWORK_OPERATOR,
        MessageCode.CS02G,
        MessageCode.CS02C,
        MessageCode.CS02D,
        MessageCode.CS02E,
        MessageCode.CS06,
    }
)
"""The critical CS use cases this module answers (wan/gbcs_payloads.py `critical_response`)."""


def _signed(
    world: GbcsWorld, device: Device, to: Eui64, counter: int, at: datetime | None
) -> cs.Route:
    eui = Eui64(device.device_id.value)
    return cs.Route(_title(eui), _title(to), counter, signer=world.device_keys(eui).ds, at=at)


def critical_response(
    world: GbcsWorld,
    rid: RequestId,
    device: Device,
    command: IssuedCommand,
    state: Mapping[str, Any],
) -> bytes:
    """The device's signed Response to the critical CS command it executes."""
    code = MessageCode(command.code)
    user = Eui64(rid.originator.value)
    if code in cs.UPDATES:
        update = cs.parse_update_command(command.content)
        done = None if update.execution is not None else outcome(world, device, state, update)
        return cs.credentials_updated(
            _signed(world, device, user, rid.counter, command.at), code, done
        )
    if code is MessageCode.CS06:
        activation = cs.parse_activate_firmware(command.content)
        route = _signed(world, device, user, rid.counter, command.at)
        running = None if activation.execution is not None else activated(device)
        return cs.firmware_activated(route, running)
    route = _signed(world, device, user, rid.counter, None)
    eui = Eui64(device.device_id.value)
    if code is MessageCode.CS02D:
        return cs.device_certificate_updated(route, certificate_check(world, eui, command.content))
    usage = KeyUsage.KA if cs.parse_key_usage_command(command.content) else KeyUsage.DS
    if code is MessageCode.CS02E:
        certificate = world.device_certificate(eui, usage)
        return cs.device_certificate(route, certificate.public_bytes(serialization.Encoding.DER))
    keys = world.device_keys(eui)
    key = keys.ka if usage is KeyUsage.KA else keys.ds
    request = certification_request(_title(eui), usage, key)
    return cs.issued_credentials(route, request.public_bytes(serialization.Encoding.DER))


def activated(device: Device) -> tuple[int, bytes]:
    """CS06's outcome: activated, running the SMI's firmware version."""
    return cs.ACTIVATED, firmware_octets(device.model.firmware_version)


def certificate_check(world: GbcsWorld, eui: Eui64, der: bytes) -> int:
    """CS02d: whether the device takes the certificate (its identity, usage and key)."""
    try:
        cert = x509.load_der_x509_certificate(der)
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        identity = certificate_eui(cert)
    except (ValueError, x509.ExtensionNotFound):
        return cs.CertificateUpdate.INVALID_CERTIFICATE
    if identity != _title(eui):
        return cs.CertificateUpdate.WRONG_DEVICE_IDENTITY
    if usage.digital_signature == usage.key_agreement:
        return cs.CertificateUpdate.INVALID_KEY_USAGE
    keys = world.device_keys(eui)
    key = keys.ds if usage.digital_signature else keys.ka
    public = cert.public_key()
    if not isinstance(public, ec.EllipticCurvePublicKey) or public != key.public_key():
        return cs.CertificateUpdate.WRONG_PUBLIC_KEY
    return cs.CertificateUpdate.SUCCESS


def actioned(
    world: GbcsWorld,
    device: Device,
    rid: RequestId,
    command: IssuedCommand,
    at: datetime,
    counter: int,
    state: Mapping[str, Any],
) -> bytes | None:
    """The 8F66 of a future-dated CS02b, CS02g or CS06 the device executes at `at` (None:
    another use case), signed, to the User; `counter` is the alert's own."""
    code = MessageCode(command.code)
    route = _signed(world, device, Eui64(rid.originator.value), counter, None)
    if code in cs.UPDATES:
        update = cs.parse_update_command(command.content)
        return cs.credentials_updated_alert(route, code, at, outcome(world, device, state, update))
    if code is MessageCode.CS06:
        activation = cs.parse_activate_firmware(command.content)
        return cs.firmware_activated_alert(route, at, activation.counter, activated(device))
    return None


# -- CV 1: the DCC's own replacements (6.21, 6.23, 8.5) --------------------------------------


def dcc_replacement(ask: Ask) -> bytes:
    """6.21, 6.23, 8.5: the device's signed Response to the DCC's command, to the ACB (6.21,
    8.5) or the TransCoS (6.23). The DCC's command is given the User's counter (as for CS08).
    A cancellation is accepted alone; any other is executed now (gbdsp carries 6.23 out at
    once, its future-dated pattern being "DSP & Device"; 8.5 is held by the DSP)."""
    if ask.body is None or ask.device.device_type not in HANDED_OVER:
        raise InvalidValue("no DUIS body, or not a device with trust anchors")
    update = credentials_update(ask.body, ask.rid.counter, None)
    to = TRANSCOS if update.mode == cs.ReplacementMode.SUPPLIER_BY_TRANSCOS else ACB
    route = _signed(ask.world, ask.device, to, ask.rid.counter, ask.at)
    cancelled = _execution(ask.body, None) == HELD_FOR_EVER
    held = {} if ask.device.device_type is DeviceType.GPF else ask.state()
    done = None if cancelled else outcome(ask.world, ask.device, held, update)
    return cs.credentials_updated(route, update.code, done)
