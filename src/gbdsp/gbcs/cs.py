"""Responses of the CS security use cases (GBCS 12: ASN.1 DER payloads; the ZigBee event logs
CS10 and CS11 carry GBZ) from any Smart Metering device: ESME, GSME, PPMID, HCALCS.

How each is protected follows the RTDS 4.5.0 Responses of the same use case:
- MACed (General-Ciphering, device KA with the recipient's KA) and not signed: CS03B, CS04B,
  CS07, CS10a, CS10b, CS11, GCS59, and CS02a/CS02f, which answer the Access Control Broker;
- signed with the device's DS key and not MACed: the joins and unjoins a non-meter device
  (PPMID, HCALCS) answers through the ACB (CS03A2, CS03C, CS04AC), naming the User in the
  supplementary remote party ID and counter (GBCS 7.2.10), and the Responses to the critical
  joins and unjoins (CS03A1, CS03A2, CS03C, CS04AC), to the User.

Layouts: GBCS's ASN.1 modules as gbcs-parser decodes them (facts, no vector copied).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric import ec

from gbdsp.domain.errors import InvalidValue
from gbdsp.gbcs import asn1, dlms, gbz
from gbdsp.gbcs.codes import Cra, MessageCode
from gbdsp.gbcs.encoding import uint
from gbdsp.gbcs.frames import GroupingHeader, general_signing, message, read_length
from gbdsp.gbcs.gbz import Zcl
from gbdsp.gbcs.gsme import utc_time


@dataclass(frozen=True, slots=True)
class Route:
    """Who the device answers and how: `z` (the KA secret of the device and `recipient`)
    MACs the Response; `signer` (the device's DS key) signs it instead; `remote_party` is the
    User when `recipient` is the ACB and the Response names it."""

    device: bytes
    recipient: bytes
    counter: int
    z: bytes | None = None
    signer: ec.EllipticCurvePrivateKey | None = None
    remote_party: bytes | None = None
    at: datetime | None = None
    """The header's date-time, for the Responses that carry one (CS01a, CS01b)."""
    remote_counter: int | None = None
    """The supplementary remote party counter, when it is not `counter` (gbdsp gives the
    ACB's command the User's counter, so its own Responses never set it; RTDS's do)."""

    def __post_init__(self) -> None:
        if (self.z is None) == (self.signer is None):
            raise InvalidValue("a CS Response is either MACed or signed")

    @property
    def supplementary_counter(self) -> int | None:
        if self.remote_party is None:
            return None
        return self.counter if self.remote_counter is None else self.remote_counter


def send(route: Route, code: MessageCode, content: bytes, cra: Cra = Cra.RESPONSE) -> bytes:
    """The device's Response (or, `cra` ALERT, its alert) of `content`."""
    header = GroupingHeader(
        cra,
        route.counter,
        route.device,
        route.recipient,
        code,
        route.at,
        supplementary_remote_party=route.remote_party,
        supplementary_counter=route.supplementary_counter,
    )
    return message(header, content, z=route.z, signer=route.signer)


# -- CS03 join, CS04 unjoin ------------------------------------------------------------------

JOIN_SUCCESS = 0
UNJOIN_SUCCESS = 0
NOT_IN_DEVICE_LOG = 1


JOINS = frozenset(
    {
        MessageCode.CS03A1,
        MessageCode.CS03B,
        MessageCode.CS03A2,
        MessageCode.CS03C,
        MessageCode.CS04B,
        MessageCode.CS04AC,
    }
)


def joined(route: Route, code: MessageCode, response_code: int = JOIN_SUCCESS) -> bytes:
    """CS03A1/A2/B/C Join Device Response (INTEGER response code) or CS04AC/B Unjoin."""
    if code not in JOINS:
        raise InvalidValue(f"{code.name} is not a join or unjoin")
    return send(route, code, asn1.der_integer(response_code))


class JoinMethod:
    """GBCS JoinMethodAndRole (ASN.1 INTEGER), as gbcs-parser names it."""

    A_INITIATOR = 0
    """CS03A1: a meter (ESME) initiates the key agreement with a Type 1 device."""
    A_RESPONDER = 1
    """CS03A2: the non-meter device (PPMID, HCALCS) responds to its ESME."""
    B = 2
    C = 3
    """CS03C: a GSME and a PPMID or HCALCS, each given the other's KA certificate."""


class HanDeviceType:
    """GBCS DeviceType (ASN.1 INTEGER) of a Join Device Command and a Device Log Entry."""

    GSME = 0
    ESME = 1
    CHF = 2
    GPF = 3
    HCALCS = 4
    PPMID = 5
    TYPE2 = 6


def join_command(
    method: int, entity: bytes, device_type: int, certificate: bytes | None = None
) -> bytes:
    """Join Device Command: SEQUENCE { joinMethodAndRole INTEGER, entityId OCTET STRING,
    deviceType INTEGER, [the other device's KA certificate, DER, for Method C] }."""
    items = [asn1.der_integer(method), asn1.octet_string(entity), asn1.der_integer(device_type)]
    return asn1.sequence([*items, certificate] if certificate is not None else items)


def unjoin_command(entity: bytes) -> bytes:
    """Unjoin Device Command (CS04AC): the other device's entity ID, an OCTET STRING."""
    return asn1.octet_string(entity)


def entity_of(command: bytes) -> bytes:
    """The other device's entity ID in a Join (SEQUENCE: its second element) or Unjoin
    (OCTET STRING) Device Command."""
    items = _items(command)
    if len(items) == 1 and items[0][0] == asn1.OCTET_STRING:
        return items[0][1]
    if len(items) == 1 and items[0][0] == asn1.SEQUENCE:
        inner = _items(items[0][1])
        if len(inner) >= 2 and inner[1][0] == asn1.OCTET_STRING:
            return inner[1][1]
    raise InvalidValue("not a Join or Unjoin Device Command")


def _items(data: bytes) -> list[tuple[int, bytes]]:
    """The DER items (tag, contents) one after another in `data`."""
    items, at = [], 0
    while at < len(data):
        size, used = read_length(data, at + 1)
        start = at + 1 + used
        if start + size > len(data):
            raise InvalidValue("a truncated ASN.1 item")
        items.append((data[at], data[start : start + size]))
        at = start + size
    return items


def pre_command(
    user: bytes, device: bytes, counter: int, code: MessageCode, content: bytes
) -> bytes:
    """The unsigned General-Signing APDU of a critical join or unjoin (User to device), with
    no signature block at all, as the RTDS pre-commands have it."""
    header = GroupingHeader(Cra.COMMAND, counter, user, device, code)
    return general_signing(header, content)[:-1]


# -- CS07, GCS59: device logs (GBCS 13.7.4, 13.8) --------------------------------------------


@dataclass(frozen=True, slots=True)
class DeviceLogEntry:
    """One device of a device log: its entity ID (EUI-64) and GBCS DeviceType."""

    device_id: bytes
    device_type: int


def _entry(entry: DeviceLogEntry) -> bytes:
    return asn1.sequence([asn1.octet_string(entry.device_id), asn1.der_integer(entry.device_type)])


def restore_gpf_log_command(entries: Sequence[DeviceLogEntry]) -> bytes:
    """GPF Device Log Restore Command (GCS59): SEQUENCE { SEQUENCE OF DeviceLogEntry }."""
    return asn1.sequence([asn1.sequence(_entry(e) for e in entries)])


READ_SUCCESS = 0


def join_details(route: Route, entries: Sequence[DeviceLogEntry]) -> bytes:
    """SRV 8.9 Read Device Log on a meter (CS07): SEQUENCE { responseCode INTEGER,
    deviceLogEntries SEQUENCE OF DeviceLogEntry }, the devices it is joined with."""
    content = asn1.sequence(
        [asn1.der_integer(READ_SUCCESS), asn1.sequence(_entry(e) for e in entries)]
    )
    return send(route, MessageCode.CS07, content)


def gpf_log_restored(route: Route, entries: Sequence[DeviceLogEntry]) -> bytes:
    """SRV 8.12.2 Restore GPF Device Log (GCS59): SEQUENCE { SEQUENCE OF SEQUENCE {
    DeviceLogEntry, joinResponseCode INTEGER } }, each entry restored."""
    outcomes = (asn1.sequence([_entry(e), asn1.der_integer(JOIN_SUCCESS)]) for e in entries)
    return send(route, MessageCode.GCS59, asn1.sequence([asn1.sequence(outcomes)]))


# -- CS02a / CS02f: the trust anchors a device holds -----------------------------------------


class Role:
    """GBCS RemotePartyRole (ASN.1 INTEGER)."""

    SUPPLIER = 2
    NETWORK_OPERATOR = 3
    ACB = 4
    TRANSCOS = 5
    LOAD_CONTROLLER = 8


SUCCESS = 0
TRUST_ANCHOR_NOT_FOUND = 25
DIGITAL_SIGNATURE = bytes.fromhex("0780")
KEY_AGREEMENT = bytes.fromhex("0308")
"""DER BIT STRING contents of keyUsage: unused bits, then the bits (digitalSignature is bit 0,
keyAgreement bit 4)."""
PREPAYMENT_TOP_UP = 1


@dataclass(frozen=True, slots=True)
class TrustAnchor:
    """One trust anchor cell: its key usage, whether it is the prepayment top-up cell, the
    party (subject unique ID) and the certificate's subject key identifier."""

    key_agreement: bool
    party: bytes
    key_identifier: bytes
    prepayment: bool = False


@dataclass(frozen=True, slots=True)
class RemotePartyDetails:
    role: int
    anchors: Sequence[TrustAnchor]
    """Empty: the device holds no trust anchor for the role (status "not found")."""
    sequence_number: int = 0


def _cell(anchor: TrustAnchor) -> bytes:
    usage = asn1.tlv(asn1.BIT_STRING, KEY_AGREEMENT if anchor.key_agreement else DIGITAL_SIGNATURE)
    cell = asn1.der_integer(PREPAYMENT_TOP_UP) if anchor.prepayment else b""
    return asn1.sequence(
        [usage, cell, asn1.octet_string(anchor.party), asn1.octet_string(anchor.key_identifier)]
    )


def _details(details: RemotePartyDetails) -> bytes:
    role = asn1.der_integer(details.role)
    if not details.anchors:
        return asn1.sequence([role, asn1.enumerated(TRUST_ANCHOR_NOT_FOUND)])
    return asn1.sequence(
        [
            role,
            asn1.enumerated(SUCCESS),
            asn1.der_integer(details.sequence_number),
            asn1.sequence(_cell(a) for a in details.anchors),
        ]
    )


def security_credentials(route: Route, parties: Sequence[RemotePartyDetails]) -> bytes:
    """SRV 6.24.1 Retrieve Device Security Credentials (KRP): CS02a, or CS02f when the Load
    Controller's are asked for. SEQUENCE OF RemotePartyDetails, in the order asked."""
    code = (
        MessageCode.CS02F
        if any(p.role == Role.LOAD_CONTROLLER for p in parties)
        else MessageCode.CS02A
    )
    return send(route, code, asn1.sequence(_details(p) for p in parties))


# -- CS10, CS11: the ZigBee event and security logs (GBZ, Events cluster) --------------------

EVENTS_CLUSTER = 0x0709
PUBLISH_EVENT_LOG = 0x01
CLEAR_EVENT_LOG_RESPONSE = 0x02
GENERAL_EVENT_LOG = 3
SECURITY_EVENT_LOG = 4


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    event_id: int
    at: datetime
    data: bytes = b""


def event_log(route: Route, log_id: int, events: Sequence[LoggedEvent]) -> bytes:
    """SRV 6.13 Read Event or Security Log on a GSME: CS10a (event log) or CS10b (security
    log), a ZSE Publish Event Log with every event in one command."""
    code = {GENERAL_EVENT_LOG: MessageCode.CS10A, SECURITY_EVENT_LOG: MessageCode.CS10B}[log_id]
    body = uint(len(events), 2, "little") + bytes([0, 1, 0])  # index, total, payload control
    for e in events:
        body += bytes([log_id]) + uint(e.event_id, 2, "little")
        body += uint(utc_time(e.at), 4, "little") + bytes([len(e.data)]) + e.data
    zcl = Zcl(EVENTS_CLUSTER, 0x19, PUBLISH_EVENT_LOG, body)
    return send(route, code, gbz.frames([zcl]))


def event_log_cleared(route: Route, logs: int = 1 << GENERAL_EVENT_LOG) -> bytes:
    """SRV 3.3 Clear Event Log: CS11, ZSE Clear Event Log Response with the bitmap of the
    logs cleared (the general event log: the security log cannot be cleared)."""
    zcl = Zcl(EVENTS_CLUSTER, 0x09, CLEAR_EVENT_LOG_RESPONSE, bytes([logs]))
    return send(route, MessageCode.CS11, gbz.frames([zcl]))


# -- CS01a, CS01b: prepayment top-up (GBCS 14.3.4) -------------------------------------------

PPTD_BASE = 7_394_156_990_786_306_048
"""A UTRN's first 19 digits are the PPTD, the PTUT plus this base (GBCS 14.3.4); the 20th is
its Verhoeff check digit (GBCS 14.8)."""
PENNIES = 0
POUNDS = 1


def utrn_value(utrn: str) -> int:
    """The top-up a UTRN carries, in 1/100000 GBP: the PTUT's high word holds the value class
    (2 bits: pennies or pounds) above the 13-bit value. The device also checks the UTRN's
    counter and the supplier's MAC in its low word; the emulator does not."""
    if len(utrn) != 20 or not utrn.isdigit():
        raise InvalidValue("a UTRN is 20 digits")
    ptut = int(utrn[:19]) - PPTD_BASE
    if not 0 <= ptut < 1 << 64:
        raise InvalidValue("not a UTRN: its PPTD is out of range")
    high = ptut >> 32
    value, value_class = high & 0x1FFF, (high >> 13) & 0x3
    if value_class not in (PENNIES, POUNDS):
        raise InvalidValue(f"UTRN value class {value_class} is reserved")
    return value * (1_000 if value_class == PENNIES else 100_000)


CONSUMER_TOP_UP_RESPONSE = 0x03
ACCEPTED = 0
REMOTE = 0
"""ZSE Consumer Top Up Response: result accepted; source of top-up (as RTDS CS01b)."""


def top_up_gsme(route: Route, amount: int, credit: int) -> bytes:
    """SRV 2.2 Top Up Device on a GSME (CS01b): the Consumer Top Up Response with the amount
    added and the credit remaining after it."""
    body = (
        bytes([ACCEPTED])
        + gbz.zcl_value(gbz.INT32, amount)
        + bytes([REMOTE])
        + gbz.zcl_value(gbz.INT32, credit)
    )
    zcl = Zcl(0x0705, 0x09, CONSUMER_TOP_UP_RESPONSE, body)
    return send(route, MessageCode.CS01B, gbz.frames([zcl]))


def top_up_esme(route: Route) -> bytes:
    """SRV 2.2 Top Up Device on an ESME (CS01a): the Access-Response to the top-up ACTION,
    one null datum and success."""
    content = dlms.access_response(route.counter, [b"\x00"], [(dlms.ACTION, dlms.SUCCESS)])
    return send(route, MessageCode.CS01A, content)


# -- CS02b / CS02g: Update Security Credentials (GBCS 12: trust anchor replacement) ----------


class ReplacementMode:
    """GBCS CredentialsReplacementMode (ASN.1 INTEGER), as gbcs-parser names it."""

    SUPPLIER_BY_SUPPLIER = 2
    NETWORK_OPERATOR_BY_NETWORK_OPERATOR = 3
    ACB_BY_ACB = 4
    SUPPLIER_BY_TRANSCOS = 7
    LOAD_CONTROLLER_BY_SUPPLIER = 11


UPDATE_CODES = {
    ReplacementMode.SUPPLIER_BY_SUPPLIER: MessageCode.CS02B_SUPPLIER,
    ReplacementMode.NETWORK_OPERATOR_BY_NETWORK_OPERATOR: MessageCode.CS02B_NETWORK_OPERATOR,
    ReplacementMode.ACB_BY_ACB: MessageCode.CS02B_ACB,
    ReplacementMode.SUPPLIER_BY_TRANSCOS: MessageCode.CS02B_TRANSCOS,
    ReplacementMode.LOAD_CONTROLLER_BY_SUPPLIER: MessageCode.CS02G,
}
"""The message code of each replacement mode gbdsp encodes."""
UPDATES = frozenset(UPDATE_CODES.values())
AUTHORISERS = {
    ReplacementMode.SUPPLIER_BY_SUPPLIER: Role.SUPPLIER,
    ReplacementMode.NETWORK_OPERATOR_BY_NETWORK_OPERATOR: Role.NETWORK_OPERATOR,
    ReplacementMode.ACB_BY_ACB: None,
    ReplacementMode.SUPPLIER_BY_TRANSCOS: Role.TRANSCOS,
    ReplacementMode.LOAD_CONTROLLER_BY_SUPPLIER: Role.SUPPLIER,
}
"""The role whose DS trust anchor cell authorises the command (the command's [2]); the ACB's
own replacement names none (RTDS CS02bACBByACB)."""
REPLACED = {
    ReplacementMode.SUPPLIER_BY_SUPPLIER: Role.SUPPLIER,
    ReplacementMode.NETWORK_OPERATOR_BY_NETWORK_OPERATOR: Role.NETWORK_OPERATOR,
    ReplacementMode.ACB_BY_ACB: Role.ACB,
    ReplacementMode.SUPPLIER_BY_TRANSCOS: Role.SUPPLIER,
    ReplacementMode.LOAD_CONTROLLER_BY_SUPPLIER: Role.LOAD_CONTROLLER,
}
"""The role whose trust anchors each mode replaces."""
OWN = frozenset(
    {
        ReplacementMode.SUPPLIER_BY_SUPPLIER,
        ReplacementMode.NETWORK_OPERATOR_BY_NETWORK_OPERATOR,
        ReplacementMode.ACB_BY_ACB,
    }
)
"""The modes in which a party replaces its own anchors: the control's [4] and [5] carry its
new floor seq numbers (the others: [6], as RTDS CS02bSupplierByTransCoS and CS02g)."""
PREPAYMENT_TOP_UP_SEQUENCE = 0
"""SeqNumberUsage prepaymentTopUp."""
FUTURE_DATED_SUCCESS = 0x8F66


@dataclass(frozen=True, slots=True)
class Cell:
    """A trust anchor cell: its remote party role, key usage, and whether it is the
    prepayment top-up cell (TrustAnchorCellIdentifier)."""

    role: int
    key_agreement: bool
    prepayment: bool = False


def provide_details_command(roles: Sequence[int]) -> bytes:
    """Provide Security Credential Details Command (CS02a, CS02f): the authorising cell (the
    ACB's KA cell: the command is the ACB's), then the roles whose credentials are asked."""
    authorising = _cell_identifier(Cell(Role.ACB, key_agreement=True))
    return asn1.sequence([authorising, asn1.sequence(asn1.der_integer(r) for r in roles)])


def _usage(key_agreement: bool) -> bytes:
    return asn1.tlv(asn1.BIT_STRING, KEY_AGREEMENT if key_agreement else DIGITAL_SIGNATURE)


def _cell_identifier(cell: Cell, tag: int = asn1.SEQUENCE) -> bytes:
    usage = asn1.der_integer(PREPAYMENT_TOP_UP) if cell.prepayment else b""
    return asn1.tlv(tag, asn1.der_integer(cell.role) + _usage(cell.key_agreement) + usage)


@dataclass(frozen=True, slots=True)
class Replacement:
    """One trust anchor replacement: the new certificate (DER) and the cell it goes in."""

    certificate: bytes
    cell: Cell


@dataclass(frozen=True, slots=True)
class SeqNumberChange:
    """A remote party's new floor sequence numbers (RemotePartySeqNumberChange)."""

    role: int
    floor: int
    prepayment_floor: int | None = None


def _specialist(prepayment_floor: int, tag: int = asn1.SEQUENCE) -> bytes:
    """SEQUENCE OF SpecialistSeqNumber: the prepayment top-up floor (`tag`: [5] in a
    command's control)."""
    entry = asn1.sequence(
        [asn1.der_integer(PREPAYMENT_TOP_UP_SEQUENCE), asn1.der_integer(prepayment_floor)]
    )
    return asn1.tlv(tag, entry)


def _seq_change(change: SeqNumberChange) -> bytes:
    items = [asn1.der_integer(change.role), asn1.der_integer(change.floor)]
    if change.prepayment_floor is not None:
        items.append(_specialist(change.prepayment_floor))
    return asn1.sequence(items)


@dataclass(frozen=True, slots=True)
class CredentialsUpdate:
    """An Update Security Credentials Command (CS02b, CS02g): who authorises it, the floor
    sequence numbers of the party whose anchors are replaced, the replacements and the
    certification path of their certificates; `execution` for a future-dated one."""

    mode: int
    counter: int
    """The authorising remote party's sequence number: the command's originator counter."""
    change: SeqNumberChange
    replacements: Sequence[Replacement]
    path: Sequence[bytes]
    apply_time_checks: bool = True
    execution: datetime | None = None

    @property
    def code(self) -> MessageCode:
        return UPDATE_CODES[self.mode]


def _implicit(tag: int, item: bytes) -> bytes:
    """`item` (a DER TLV) with its tag replaced by the context tag `tag` (IMPLICIT)."""
    return bytes([tag]) + item[1:]


def update_command(update: CredentialsUpdate) -> bytes:
    """UpdateSecurityCredentialsCommand: SEQUENCE { AuthorisingRemotePartyControl,
    SEQUENCE OF TrustAnchorReplacement, SEQUENCE OF Certificate, [GeneralizedTime] }. The
    control: the mode, [1] disapply time-based CPV checks (DEFAULT apply), [2] the
    authorising DS cell, [3] the authorising seq number, then the new floor seq numbers:
    [4] and [5] when the authorising party replaces its own anchors, else [6] (the other
    party's RemotePartySeqNumberChange)."""
    if update.mode not in UPDATE_CODES:
        raise InvalidValue(f"replacement mode {update.mode} is not encoded")
    control = [asn1.der_integer(update.mode)]
    if not update.apply_time_checks:
        control.append(_implicit(0x81, asn1.der_integer(1)))
    authoriser = AUTHORISERS[update.mode]
    if authoriser is not None:
        control.append(_cell_identifier(Cell(authoriser, False), 0xA2))
    control.append(_implicit(0x83, asn1.der_integer(update.counter)))
    change = update.change
    if update.mode in OWN:
        control.append(_implicit(0x84, asn1.der_integer(change.floor)))
        if change.prepayment_floor is not None:
            control.append(_specialist(change.prepayment_floor, 0xA5))
    else:
        control.append(asn1.tlv(0xA6, _seq_change(change)))
    replacements = (
        asn1.sequence([r.certificate, _cell_identifier(r.cell)]) for r in update.replacements
    )
    items = [asn1.sequence(control), asn1.sequence(replacements), asn1.sequence(update.path)]
    if update.execution is not None:
        items.append(asn1.generalized_time(update.execution))
    return asn1.sequence(items)


@dataclass(frozen=True, slots=True)
class Anchor:
    """What a trust anchor cell holds: the party (subject unique ID) and the certificate's
    subject key identifier (empty: the cell holds none)."""

    party: bytes
    key_identifier: bytes


@dataclass(frozen=True, slots=True)
class ReplacementOutcome:
    cell: Cell
    existing: Anchor
    replacing: Anchor
    status: int = SUCCESS


@dataclass(frozen=True, slots=True)
class UpdateOutcome:
    """UpdateSecurityCredentialsExecutionOutcome: the authorising seq number, the mode, the
    floor seq number changes, the outcome of each replacement."""

    counter: int
    mode: int
    change: SeqNumberChange
    outcomes: Sequence[ReplacementOutcome]


def _long_sequence(items: Iterable[bytes]) -> bytes:
    """A SEQUENCE whose length, from 128, takes two octets (82 xx xx), as the RTDS device's
    Update Security Credentials Responses and alerts encode theirs (not the minimal DER
    length; gbcs-parser reads either)."""
    content = b"".join(items)
    if len(content) < 0x80:
        return asn1.tlv(asn1.SEQUENCE, content)
    return bytes([asn1.SEQUENCE, 0x82]) + len(content).to_bytes(2, "big") + content


def _outcome(outcome: UpdateOutcome) -> bytes:
    replaced = (
        asn1.sequence(
            [
                _cell_identifier(o.cell),
                asn1.enumerated(o.status),
                asn1.octet_string(o.existing.party),
                asn1.octet_string(o.existing.key_identifier),
                asn1.octet_string(o.replacing.party),
                asn1.octet_string(o.replacing.key_identifier),
            ]
        )
        for o in outcome.outcomes
    )
    return _long_sequence(
        [
            asn1.der_integer(outcome.counter),
            asn1.der_integer(outcome.mode),
            asn1.sequence([_seq_change(outcome.change)]),
            _long_sequence(replaced),
        ]
    )


COMMAND_ACCEPTED = asn1.tlv(0x05, b"")
"""ASN.1 NULL: the device accepted the command (a future-dated one: it holds it)."""


def credentials_updated(route: Route, code: MessageCode, outcome: UpdateOutcome | None) -> bytes:
    """The Update Security Credentials Response: SEQUENCE { NULL, [ExecutionOutcome] }, the
    outcome when the device executed the command now (a future-dated or cancelled one: the
    acceptance alone)."""
    if code not in UPDATES:
        raise InvalidValue(f"{code.name} is not an Update Security Credentials use case")
    items = [COMMAND_ACCEPTED] + ([_outcome(outcome)] if outcome is not None else [])
    return send(route, code, _long_sequence(items))


def credentials_updated_alert(
    route: Route, code: MessageCode, at: datetime, outcome: UpdateOutcome
) -> bytes:
    """The 8F66 of a future-dated CS02b (0x00CB) or CS02g (0x0124): SEQUENCE { alert code,
    execution date-time, ExecutionOutcome }."""
    alert = MessageCode.CS02G_ALERT if code is MessageCode.CS02G else MessageCode.CS02B_ALERT
    content = _long_sequence(
        [asn1.der_integer(FUTURE_DATED_SUCCESS), asn1.generalized_time(at), _outcome(outcome)]
    )
    return send(route, alert, content, Cra.ALERT)


def parse_update_command(command: bytes) -> CredentialsUpdate:
    """The CredentialsUpdate of an Update Security Credentials Command (update_command's
    inverse, for the device executing it)."""
    items = _items(command)
    if len(items) != 1 or items[0][0] != asn1.SEQUENCE:
        raise InvalidValue("not an Update Security Credentials Command")
    parts = _items(items[0][1])
    if len(parts) not in (3, 4):
        raise InvalidValue("not an Update Security Credentials Command")
    control = {tag: value for tag, value in _items(parts[0][1])}
    mode = _integer(control[asn1.INTEGER])
    counter = _integer(control[0x83])
    apply_time_checks = _integer(control.get(0x81, b"\x00")) == 0
    if mode not in UPDATE_CODES:
        raise InvalidValue(f"replacement mode {mode} is not encoded")
    if 0xA6 in control:
        change = _parse_change(_items(control[0xA6])[0][1])
    else:
        prepayment = None
        if 0xA5 in control:
            prepayment = _integer(_items(_items(control[0xA5])[0][1])[1][1])
        change = SeqNumberChange(REPLACED[mode], _integer(control.get(0x84, b"\x00")), prepayment)
    replacements = []
    for _, value in _items(parts[1][1]):
        certificate, cell = _items(value)
        replacements.append(Replacement(_tlv(certificate), _parse_cell(cell[1])))
    path = [_tlv(p) for p in _items(parts[2][1])]
    execution = _parse_time(parts[3][1]) if len(parts) == 4 else None
    return CredentialsUpdate(
        mode, counter, change, replacements, path, apply_time_checks, execution
    )


def _tlv(item: tuple[int, bytes]) -> bytes:
    return asn1.tlv(item[0], item[1])


def _integer(value: bytes) -> int:
    return int.from_bytes(value, "big", signed=True)


def _parse_cell(value: bytes) -> Cell:
    items = _items(value)
    prepayment = len(items) > 2 and _integer(items[2][1]) == PREPAYMENT_TOP_UP
    return Cell(_integer(items[0][1]), items[1][1] == KEY_AGREEMENT, prepayment)


def _parse_change(value: bytes) -> SeqNumberChange:
    items = _items(value)
    prepayment = None
    if len(items) > 2:
        prepayment = _integer(_items(_items(items[2][1])[0][1])[1][1])
    return SeqNumberChange(_integer(items[0][1]), _integer(items[1][1]), prepayment)


def _parse_time(value: bytes) -> datetime:
    return datetime.strptime(value.decode(), "%Y%m%d%H%M%SZ").replace(tzinfo=UTC)


# -- CS02c, CS02d, CS02e: the device's own credentials ---------------------------------------


def key_usage_command(key_agreement: bool) -> bytes:
    """Issue Security Credentials (CS02c) and Provide Device Certificate (CS02e) Commands:
    SEQUENCE { keyUsage BIT STRING }."""
    return asn1.sequence([_usage(key_agreement)])


def parse_key_usage_command(command: bytes) -> bool:
    """True for Key Agreement, False for Digital Signature (InvalidValue: neither)."""
    items = _items(command)
    if len(items) != 1 or items[0][0] != asn1.SEQUENCE:
        raise InvalidValue("not a key usage command")
    inner = _items(items[0][1])
    if len(inner) != 1 or inner[0][0] != asn1.BIT_STRING:
        raise InvalidValue("not a key usage command")
    if inner[0][1] not in (KEY_AGREEMENT, DIGITAL_SIGNATURE):
        raise InvalidValue("a key usage other than digital signature or key agreement")
    return inner[0][1] == KEY_AGREEMENT


class CertificateUpdate:
    """CS02d Update Device Certificate response codes (gbcs-parser's names)."""

    SUCCESS = 0
    INVALID_CERTIFICATE = 1
    WRONG_DEVICE_IDENTITY = 2
    INVALID_KEY_USAGE = 3
    NO_KEY_PAIR = 4
    WRONG_PUBLIC_KEY = 5


def issued_credentials(route: Route, request: bytes) -> bytes:
    """CS02c Response: the Certification Request (PKCS #10, DER) of the key pair."""
    return send(route, MessageCode.CS02C, request)


def device_certificate_updated(route: Route, response_code: int) -> bytes:
    """CS02d Response: INTEGER response code."""
    return send(route, MessageCode.CS02D, asn1.der_integer(response_code))


def device_certificate(route: Route, certificate: bytes) -> bytes:
    """CS02e Response: the device's certificate of the usage asked (DER)."""
    return send(route, MessageCode.CS02E, certificate)


# -- CS06: Activate Firmware -----------------------------------------------------------------

ACTIVATED = 0
NO_IMAGE_HELD = 1
HASH_MISMATCH = 2


def activate_firmware_command(image_hash: bytes, counter: int, execution: datetime | None) -> bytes:
    """Activate Firmware Command: SEQUENCE { manufacturer image hash OCTET STRING, the
    originator counter INTEGER, [execution date-time GeneralizedTime] }."""
    items = [asn1.octet_string(image_hash), asn1.der_integer(counter)]
    if execution is not None:
        items.append(asn1.generalized_time(execution))
    return asn1.sequence(items)


@dataclass(frozen=True, slots=True)
class FirmwareActivation:
    image_hash: bytes
    counter: int
    execution: datetime | None


def parse_activate_firmware(command: bytes) -> FirmwareActivation:
    items = _items(command)
    if len(items) != 1 or items[0][0] != asn1.SEQUENCE:
        raise InvalidValue("not an Activate Firmware Command")
    parts = _items(items[0][1])
    if len(parts) not in (2, 3) or parts[0][0] != asn1.OCTET_STRING:
        raise InvalidValue("not an Activate Firmware Command")
    execution = _parse_time(parts[2][1]) if len(parts) == 3 else None
    return FirmwareActivation(parts[0][1], _integer(parts[1][1]), execution)


def _activation_outcome(response_code: int, version: bytes) -> bytes:
    return asn1.sequence([asn1.der_integer(response_code), asn1.octet_string(version)])


def firmware_activated(route: Route, outcome: tuple[int, bytes] | None) -> bytes:
    """CS06 Response: the Execution Outcome (response code, the firmware version running),
    or NULL when the device holds a future-dated command (or accepts its cancellation)."""
    content = COMMAND_ACCEPTED if outcome is None else _activation_outcome(*outcome)
    return send(route, MessageCode.CS06, content)


def firmware_activated_alert(
    route: Route, at: datetime, counter: int, outcome: tuple[int, bytes]
) -> bytes:
    """The 8F66 of a future-dated CS06 (0x00CA): SEQUENCE { alert code, execution
    date-time, the command's originator counter, Execution Outcome }."""
    content = asn1.sequence(
        [
            asn1.der_integer(FUTURE_DATED_SUCCESS),
            asn1.generalized_time(at),
            asn1.der_integer(counter),
            _activation_outcome(*outcome),
        ]
    )
    return send(route, MessageCode.CS06_ALERT, content, Cra.ALERT)
