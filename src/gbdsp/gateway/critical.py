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
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric import ec

from gbdsp.domain.devices import Device
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import Eui64
from gbdsp.domain.replies import Reply
from gbdsp.domain.response_codes import ResponseCode
from gbdsp.duis.namespaces import sr
from gbdsp.duis.request import DuisRequest
from gbdsp.gbcs import commands
from gbdsp.gbcs.codes import MessageCode
from gbdsp.gbcs.keys import KeyUsage
from gbdsp.gbcs.parse import parse_general_signing
from gbdsp.gbcs_world import GbcsWorld
from gbdsp.store.gateway_repositories import IssuedTransform
from gbdsp.store.store import Transaction
from gbdsp.wan import esme_critical, gsme_critical

REPLAY = ResponseCode.E40
BAD_SIGNATURE = ResponseCode.E41
NOT_ISSUED = ResponseCode.E42


def use_case(
    request: DuisRequest, srv: str, device: Device
) -> tuple[commands.CriticalUseCase, int, dict[str, object]] | None:
    """The critical use case of this request, the amount or value it carries, and the other
    request values (`CommandExchange` fields) read from the DUIS body; None if gbdsp does
    not encode it (gbcs/commands.py)."""
    kind = device.device_type.name
    code = commands.BY_SRV.get((srv, kind))
    if code is not None:
        return commands.USE_CASES[code], _value(request, srv), {}
    if (srv, kind) in (("6.8", "ESME"), ("6.11", "GSME")):
        return _calendar_or_clock(request, srv)
    if (srv, kind) == ("6.8", "GSME"):
        start = request.body.findtext(f".//{sr('BillingPeriodStart')}")
        periodicity = request.body.findtext(f".//{sr('Periodicity')}")
        code = {"Monthly": MessageCode.GCS25, "SixMonthly": MessageCode.GCS25A}.get(
            periodicity or ""
        )
        if start is None or code is None:
            return None  # other periodicities: no RTDS case, not encoded
        months = 1 if code is MessageCode.GCS25 else 6
        return commands.USE_CASES[code], 0, {"gas_billing": (_instant(start), months)}
    if (srv, kind) == ("6.14.1", "ESME"):
        entries = tuple(
            (int(e.get("index", "0")), e.findtext(sr("SwitchDescription")) or "")
            for e in request.body.iter(sr("ALCSHCALCSDescription"))
        )
        return commands.USE_CASES[MessageCode.ECS46A], 0, {"descriptions": entries}
    if (srv, kind) == ("6.6", "GSME"):
        factor = request.body.findtext(f".//{sr('ConversionFactor')}")
        calorific = request.body.findtext(f".//{sr('CalorificValue')}")
        if factor is None or calorific is None:
            return None  # one of the two: no RTDS case, not encoded
        return (
            commands.USE_CASES[MessageCode.GCS23],
            0,
            {"conversion": (_scaled(factor, 5), _scaled(calorific, 1))},
        )
    if srv != "1.5":
        return None
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
    code = commands.BALANCE.get((kind, mode or "", action))
    if code is None:
        return None
    return commands.USE_CASES[code], int(adjust) if adjust is not None else 0, {}


def _calendar_or_clock(
    request: DuisRequest, srv: str
) -> tuple[commands.CriticalUseCase, int, dict[str, object]] | None:
    """6.8 on an ESME (Monthly: ECS30; Quarterly: ECS30a) and 6.11 on a GSME (GCS28)."""
    body = request.body
    if srv == "6.11":
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
    calendar = body.find(f".//{sr('ElectricityBillingCalendar')}")
    if calendar is None:
        return None
    time = _time_octets(calendar.findtext(sr("BillingTime")) or "")
    monthly = calendar.findtext(sr("Monthly"))
    if monthly is not None:
        return (
            commands.USE_CASES[MessageCode.ECS30],
            0,
            {"billing": (time, ((0xFF, int(monthly)),))},
        )
    quarterly = calendar.find(sr("Quarterly"))
    if quarterly is None:
        return None  # Daily, Weekly, SixMonthly, Yearly: no RTDS case, not encoded
    day = int(quarterly.findtext(sr("DayOfMonth")) or 0)
    start = int(quarterly.findtext(sr("BillingPeriodStartMonth")) or 0)
    months = tuple(sorted((start - 1 + 3 * i) % 12 + 1 for i in range(4)))
    return (
        commands.USE_CASES[MessageCode.ECS30A],
        0,
        {"billing": (time, tuple((m, day) for m in months))},
    )


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


def _value(request: DuisRequest, srv: str) -> int:
    """The request's value the command carries (gbcs/commands.py `CommandExchange.amount`)."""
    body = request.body
    if srv == "7.12":
        return int(body.findtext(f".//{sr('RandomisedOffsetLimit')}") or 0)
    if srv == "6.25":
        return int(body.findtext(f".//{sr('SupplyTamperState')}") == "Locked")
    if srv == "6.26":
        flag = body.findtext(f".//{sr('DailyTariffBlockCounterMatrixReset')}")
        return int(flag in ("true", "1"))
    return 0


def pre_command(
    world: GbcsWorld | None, request: DuisRequest, srv: str, device: Device, now: datetime
) -> bytes | None:
    """The real unsigned pre-command of this critical request, or None if gbdsp does not
    encode its use case (or has no test world): the caller keeps the stand-in."""
    if world is None:
        return None
    rid = request.request_id
    try:  # the XSD has checked the values; what GBCS cannot carry keeps the stand-in
        found = use_case(request, srv, device)
        if found is None:  # the critical ESME and GSME use cases of wan/, if any
            return esme_critical.command(request, srv, device, now) or gsme_critical.command(
                request, srv, device, now
            )
        use, amount, extra = found
        exchange = commands.CommandExchange(
            _title(rid.originator), _title(device.device_id), rid.counter, now, amount
        )
        return commands.pre_command(use, replace(exchange, **extra))  # type: ignore[arg-type]
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


def check_signed(
    world: GbcsWorld | None, request: DuisRequest, issued: IssuedTransform
) -> Reply | None:
    """None if the signed pre-command is the issued one, signed by the User; else the refusal.

    A stand-in transform (no real pre-command: an SRV whose use case is not encoded, or a
    gateway with no test world) cannot be signed and is not checked (docs/gbcs.md)."""
    if issued.pre_command is None or world is None:
        return None
    try:
        text = "".join((request.body.findtext(sr("GBCSPayload")) or "").split())
        signed = base64.b64decode(text, validate=True)  # xs:base64Binary allows blanks
        parsed = parse_general_signing(signed)
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


def _title(eui: Eui64) -> bytes:
    return eui.value.to_bytes(8, "big")
