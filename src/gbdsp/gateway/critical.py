"""Critical commands: the CV 4 transform and the check of the CV 5/6/7 signed pre-command
(docs/gbcs.md, "Critical commands").

CV 4 returns the unsigned General-Signing APDU of the command (gbcs/commands.py) and records
it with the transform. A CV 5/6/7 is executed only if it answers an unused transform of the
same User, SRV and device, its `GBCSPayload` is that very APDU with the User's DS signature
appended, and the signature verifies against the User's registered DS certificate. The
codes (gbdsp's choice among the XSD's codes with no public meaning; docs/gbcs.md):

- E40: the transform was already used (a replay), or no transform and a stale counter;
- E41: the signature is missing, malformed or does not verify with the User's DS key
  (or the User has no DS certificate registered);
- E42: not the command the transform issued: no transform under that RequestID, another
  SRV or device, or content changed after the transform (signed for another device, say).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree

from gbdsp.domain.devices import Device, DeviceType
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import DeviceId, Eui64
from gbdsp.domain.replies import Reply
from gbdsp.domain.response_codes import ResponseCode
from gbdsp.duis import bodies
from gbdsp.duis.namespaces import sr
from gbdsp.duis.request import DuisRequest
from gbdsp.gbcs import commands, cs
from gbdsp.gbcs.codes import MessageCode
from gbdsp.gbcs.frames import general_ciphering
from gbdsp.gbcs.keys import KeyUsage
from gbdsp.gbcs.parse import parse_general_signing
from gbdsp.gbcs_world import ACB, GbcsWorld
from gbdsp.store.gateway_repositories import IssuedTransform
from gbdsp.store.store import Transaction
from gbdsp.wan.cs_payloads import Pairing
from gbdsp.wan.device_state import BILLING_CALENDAR, GAS_BILLING_CALENDAR

REPLAY = ResponseCode.E40
BAD_SIGNATURE = ResponseCode.E41
NOT_ISSUED = ResponseCode.E42


PreCommand = Callable[[DuisRequest, Device, datetime], bytes | None]
"""A critical SRV's command to one device type, as gateway/registry.py declares it: the
unsigned General-Signing pre-command of the request (InvalidValue or None: not encoded for
these values, the stand-in answers)."""
Found = tuple[commands.CriticalUseCase, int, dict[str, object]]
"""A use case of gbcs/commands.py, the amount or value it carries, and the other request
values (`CommandExchange` fields) read from the DUIS body."""


@dataclass(frozen=True, slots=True)
class UseCaseCommand:
    """A critical command of gbcs/commands.py: `read` finds its use case and values in the
    DUIS request (None: not encoded for these values)."""

    read: Callable[[DuisRequest], Found | None]

    def __call__(self, request: DuisRequest, device: Device, now: datetime) -> bytes | None:
        found = self.read(request)
        if found is None:
            return None
        use, amount, extra = found
        rid = request.request_id
        exchange = commands.CommandExchange(
            _title(rid.originator), _title(device.device_id), rid.counter, now, amount
        )
        return commands.pre_command(use, replace(exchange, **extra))  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class PairCommand:
    """A critical join or unjoin (8.7.1, 8.8.1; wan/cs_payloads.py): its command depends on
    the other device as the SMI holds it, which `pre_command` looks up in the request's
    transaction and hands to `build` as a `Pairing`. Called as a plain PreCommand (with no
    SMI to ask), it is not encoded: None."""

    build: Callable[[Pairing], bytes]

    def __call__(self, request: DuisRequest, device: Device, now: datetime) -> bytes | None:
        return None


def fixed(code: MessageCode, value: Callable[[DuisRequest], int] = lambda r: 0) -> PreCommand:
    """A use case that follows from the SRV and the device type alone."""
    return UseCaseCommand(lambda request: (commands.USE_CASES[code], value(request), {}))


GAS_BILLING = {"Monthly": (MessageCode.GCS25, 1), "SixMonthly": (MessageCode.GCS25A, 6)}
"""6.8 on a GSME: the use case and the period (months) of each periodicity encoded (the
others have no RTDS case)."""


def _gas_calendar(body: etree._Element) -> tuple[MessageCode, datetime, int] | None:
    start = body.findtext(f".//{sr('BillingPeriodStart')}")
    found = GAS_BILLING.get(body.findtext(f".//{sr('Periodicity')}") or "")
    if start is None or found is None:
        return None
    return found[0], _instant(start), found[1]


def gas_billing(request: DuisRequest) -> Found | None:
    """6.8 on a GSME: Monthly GCS25, SixMonthly GCS25a."""
    found = _gas_calendar(request.body)
    if found is None:
        return None  # other periodicities: not encoded
    code, start, months = found
    return commands.USE_CASES[code], 0, {"gas_billing": (start, months)}


def gas_billing_state(body: etree._Element) -> dict[str, object]:
    """What 6.8 sets on a GSME, as 6.2.3 (GCS21k) reads it back (wan/device_state.py)."""
    found = _gas_calendar(body)
    if found is None:
        return {}
    return {GAS_BILLING_CALENDAR: [found[1].isoformat(), found[2]]}


def descriptions(request: DuisRequest) -> Found | None:
    """6.14.1 on an ESME (ECS46a): the switches' descriptions."""
    entries = tuple(
        (int(e.get("index", "0")), e.findtext(sr("SwitchDescription")) or "")
        for e in request.body.iter(sr("ALCSHCALCSDescription"))
    )
    return commands.USE_CASES[MessageCode.ECS46A], 0, {"descriptions": entries}


def conversion(request: DuisRequest) -> Found | None:
    """6.6 on a GSME (GCS23): both the conversion factor and the calorific value."""
    factor = request.body.findtext(f".//{sr('ConversionFactor')}")
    calorific = request.body.findtext(f".//{sr('CalorificValue')}")
    if factor is None or calorific is None:
        return None  # one of the two: no RTDS case, not encoded
    return (
        commands.USE_CASES[MessageCode.GCS23],
        0,
        {"conversion": (_scaled(factor, 5), _scaled(calorific, 1))},
    )


def balance(kind: DeviceType) -> PreCommand:
    """1.5 Update Meter Balance: the use case by payment mode and adjust or reset."""

    def read(request: DuisRequest) -> Found | None:
        mode = next(
            (
                m
                for m, tag in (("prepayment", "PrepaymentMode"), ("credit", "CreditMode"))
                if request.body.find(sr(tag)) is not None
            ),
            None,
        )
        adjust = request.body.findtext(f".//{sr('AdjustMeterBalance')}")
        action = "adjust" if adjust is not None else "reset"
        code = commands.BALANCE.get((kind.name, mode or "", action))
        if code is None:
            return None
        return commands.USE_CASES[code], int(adjust) if adjust is not None else 0, {}

    return UseCaseCommand(read)


def gas_clock(request: DuisRequest) -> Found | None:
    """6.11 on a GSME (GCS28): the time to set and the end of its validity."""
    body = request.body
    current = body.findtext(f".//{sr('CurrentDateTime')}")
    tolerance = body.findtext(f".//{sr('TolerancePeriod')}")
    if current is None or tolerance is None:
        return None
    at = _instant(current)
    return (
        commands.USE_CASES[MessageCode.GCS28],
        0,
        {"clock": (at, at + timedelta(seconds=int(tolerance)))},
    )


BillingCalendar = tuple[bytes, tuple[tuple[int, int], ...]]
"""An ESME billing calendar: the COSEM time and the (month, day) of each billing date (month
0xFF: every month)."""


def esme_billing(body: etree._Element) -> tuple[MessageCode, BillingCalendar] | None:
    """6.8 on an ESME: Monthly ECS30, Quarterly ECS30a, and the calendar it sets."""
    calendar = body.find(f".//{sr('ElectricityBillingCalendar')}")
    if calendar is None:
        return None
    time = _time_octets(calendar.findtext(sr("BillingTime")) or "")
    monthly = calendar.findtext(sr("Monthly"))
    if monthly is not None:
        return MessageCode.ECS30, (time, ((0xFF, int(monthly)),))
    quarterly = calendar.find(sr("Quarterly"))
    if quarterly is None:
        return None  # Daily, Weekly, SixMonthly, Yearly: no RTDS case, not encoded
    day = int(quarterly.findtext(sr("DayOfMonth")) or 0)
    start = int(quarterly.findtext(sr("BillingPeriodStartMonth")) or 0)
    months = tuple(sorted((start - 1 + 3 * i) % 12 + 1 for i in range(4)))
    return MessageCode.ECS30A, (time, tuple((m, day) for m in months))


def billing_calendar(request: DuisRequest) -> Found | None:
    """6.8 on an ESME: Monthly ECS30, Quarterly ECS30a."""
    found = esme_billing(request.body)
    if found is None:
        return None
    code, calendar = found
    return commands.USE_CASES[code], 0, {"billing": calendar}


def billing_state(body: etree._Element) -> dict[str, object]:
    """What 6.8 sets on an ESME, as 6.2.3 (ECS26d) reads it back (wan/device_state.py)."""
    found = esme_billing(body)
    if found is None:
        return {}
    time, dates = found[1]
    return {BILLING_CALENDAR: [time.hex(), [list(d) for d in dates]]}


def _scaled(text: str, digits: int) -> int:
    """A decimal with at most `digits` fraction digits (the XSD's) as an integer."""
    whole, _, fraction = text.strip().partition(".")
    if len(fraction) > digits:
        raise InvalidValue(f"{text} has more than {digits} fraction digits")
    return int(whole or "0") * int(10**digits) + int((fraction + "0" * digits)[:digits])


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _time_octets(text: str) -> bytes:
    """xs:time 'HH:MM:SS(.ss)(Z)' as COSEM time: hour, minute, second, hundredths."""
    clock = text.rstrip("Z").split("+")[0]
    hours, minutes, seconds = clock.split(":")
    whole, _, fraction = seconds.partition(".")
    return bytes([int(hours), int(minutes), int(whole), int((fraction + "00")[:2])])


def randomised_offset(request: DuisRequest) -> int:
    """7.12: the randomised offset limit in seconds."""
    return int(request.body.findtext(f".//{sr('RandomisedOffsetLimit')}") or 0)


def tamper_locked(request: DuisRequest) -> int:
    """6.25: 1 for a Locked supply tamper state."""
    return int(request.body.findtext(f".//{sr('SupplyTamperState')}") == "Locked")


def daily_block_reset(request: DuisRequest) -> int:
    """6.26: 1 for a daily reset of the tariff block counter matrix."""
    flag = request.body.findtext(f".//{sr('DailyTariffBlockCounterMatrixReset')}")
    return int(flag in ("true", "1"))


def pre_command(
    world: GbcsWorld | None,
    request: DuisRequest,
    command: PreCommand | None,
    device: Device,
    now: datetime,
    tx: Transaction | None = None,
) -> bytes | None:
    """The real unsigned pre-command of this critical request (`command`: its SRV's, for
    the device's type, from the registry), or None if gbdsp does not encode it (or has no
    test world): the caller keeps the stand-in. `tx`: the request's transaction, where a
    `PairCommand` finds the other device."""
    if world is None or command is None:
        return None
    try:  # the XSD has checked the values; what GBCS cannot carry keeps the stand-in
        if isinstance(command, PairCommand):
            if tx is None:
                return None
            other_id = bodies.other_device_id(request.body)
            other = tx.devices.get(other_id, with_history=False)
            return command.build(Pairing(world, request.request_id, device, other_id, other))
        return command(request, device, now)
    except ValueError:  # InvalidValue included: e.g. an amount beyond 32 bits
        return None


def issued_command(issued: IssuedTransform) -> commands.IssuedCommand | None:
    """What the device's Response needs: the issued pre-command's message code, content
    and time."""
    if issued.pre_command is None:
        return None
    parsed = parse_general_signing(issued.pre_command)
    return commands.IssuedCommand(parsed.header.message_code, issued.issued_at, parsed.content)


def admit(tx: Transaction, request: DuisRequest) -> tuple[IssuedTransform | None, Reply | None]:
    """The unused transform a CV 5/6/7 answers, or why it is refused (E40, E42)."""
    rid = request.request_id
    issued = tx.transforms.get(request.request_id_text, rid.originator)
    if issued is None:
        return None, Reply(
            NOT_ISSUED,
            reason=f"no CV 4 transform {request.request_id_text} was issued to {rid.originator}",
        )
    if issued.used:
        return None, Reply(REPLAY, reason=f"transform {request.request_id_text} was used")
    if issued.srv != request.srv:
        return None, Reply(
            NOT_ISSUED,
            reason=f"transform {request.request_id_text} was "
            f"for SRV {issued.srv}, not {request.srv}",
        )
    if issued.device_id is not None and rid.device_id != issued.device_id:
        return None, Reply(
            NOT_ISSUED, reason=f"transform {request.request_id_text} was for {issued.device_id}"
        )
    return issued, None


def other_device(request: DuisRequest) -> DeviceId:
    """8.7.x / 8.8.x: the device to join or unjoin. A CV 5/6/7 body has no OtherDeviceID:
    it is the entity ID of the signed pre-command (whose signature `check_signed` checks
    before the command goes to the device)."""
    if not request.cv.is_signed_pre_command:
        return bodies.other_device_id(request.body)
    text = "".join((request.body.findtext(f".//{sr('GBCSPayload')}") or "").split())
    try:
        content = parse_general_signing(base64.b64decode(text, validate=True)).content
        return DeviceId(int.from_bytes(cs.entity_of(content), "big"))
    except (binascii.Error, ValueError) as e:
        raise InvalidValue(f"the signed pre-command names no other device: {e}") from e


def check_signed(
    world: GbcsWorld | None, request: DuisRequest, issued: IssuedTransform
) -> Reply | None:
    """None if the signed pre-command is the issued one, signed by the User; else the refusal.

    A stand-in transform (no real pre-command: an SRV whose use case is not encoded, or a
    gateway with no test world) cannot be signed and is not checked (docs/gbcs.md)."""
    if issued.pre_command is None or world is None:
        return None
    try:
        parsed = parse_general_signing(signed_pre_command(request))
    except (binascii.Error, InvalidValue) as e:
        return Reply(BAD_SIGNATURE, reason=f"the signed pre-command is not General-Signing: {e}")
    if parsed.signed_part != issued.pre_command[1:]:
        return Reply(
            NOT_ISSUED, reason="the signed pre-command is not the command the transform issued"
        )
    if parsed.signature is None:
        return Reply(BAD_SIGNATURE, reason="the pre-command is not signed")
    user = Eui64(request.request_id.originator.value)
    cert = world.party_certificate(user, KeyUsage.DS)
    if cert is None:
        return Reply(BAD_SIGNATURE, reason=f"{user} has no GBCS DS certificate registered")
    key = cert.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or not parsed.signature_valid(key):
        return Reply(BAD_SIGNATURE, reason=f"the signature is not {user}'s")
    return None


def sent_command(world: GbcsWorld, request: DuisRequest, device: Device) -> bytes:
    """The critical command as the DSP sends it over the SM WAN: the User's signed
    pre-command inside the ACB's General-Ciphering, with Z of the ACB's and the device's KA
    keys (GBCS 7.3; RTDS's *_COMMAND_GBCS vectors). The device checks both
    (wan/device_auth.py)."""
    signed = signed_pre_command(request)
    z = world.shared_secret(Eui64(device.device_id.value), ACB)
    return general_ciphering(parse_general_signing(signed).header, signed, z)


def signed_pre_command(request: DuisRequest) -> bytes:
    """The CV 5/6/7 `GBCSPayload`: the User's signed pre-command (binascii.Error if it is
    not base64)."""
    text = "".join((request.body.findtext(sr("GBCSPayload")) or "").split())
    return base64.b64decode(text, validate=True)  # xs:base64Binary allows blanks


def _title(eui: Eui64) -> bytes:
    return eui.value.to_bytes(8, "big")
