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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

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


def send(route: Route, code: MessageCode, content: bytes) -> bytes:
    header = GroupingHeader(
        Cra.RESPONSE,
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
