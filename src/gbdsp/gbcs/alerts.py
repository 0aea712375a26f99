"""Device Alerts (GBCS 7.2 with CRA flag 3; the DUIS DeviceAlertMessage's GBCSPayload).

A device raises an alert to its Responsible Supplier. The alert codes 0x8F00-0x8FFF are
critical: the alert is signed with the device's DS key and has no MAC (message code 0x1000,
Generic Critical Alert). Any other code is non-critical: MACed (General-Ciphering, device KA
with the recipient's KA) and not signed (0x1001, Generic Non Critical Alert). That is how the
RTDS 4.5.0 alerts of both kinds are protected.

Payloads:
- DLMS devices (ESME, CHF): an xDLMS DataNotification (GBCS 10.2.5): tag 0F, the long
  invoke-id (break-on-error flag and the low 24 bits of the originator counter), no date-time,
  then a structure of the alert code (long-unsigned) and the time stamp (COSEM date-time), and
  any use-case-specific data;
- ZigBee devices (GSME, GPF): the GBZ alert payload (GBCS 11.4): profile 01 09, the number of
  GBZ components that follow, the alert code and the time stamp (UTC seconds since
  2000-01-01, big-endian), and any use-case-specific data.

The Firmware Distribution Receipt alert (8F72 "firmware verification successful", or 8F73
failed) carries the hash the device calculated over the image it received, with its own
message codes (0x00CE DLMS, 0x00CF GBZ). The alert 8F66 "Future-date HAN Interface Command
Successfully Actioned" names the instruction of a future-dated command the device has
actioned (0x00CC DLMS, 0x00CD GBZ; gbcs/future_dated.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric import ec

from gbdsp.domain.errors import InvalidValue
from gbdsp.gbcs import dlms, gbz
from gbdsp.gbcs.codes import Cra
from gbdsp.gbcs.encoding import dlms_date_time, uint
from gbdsp.gbcs.frames import GroupingHeader, message

GENERIC_CRITICAL_ALERT = 0x1000
GENERIC_NON_CRITICAL_ALERT = 0x1001
FIRMWARE_RECEIPT_DLMS = 0x00CE
FIRMWARE_RECEIPT_GBZ = 0x00CF
FIRMWARE_VERIFIED = 0x8F72
FIRMWARE_NOT_VERIFIED = 0x8F1C  # Firmware Verification Failed
FUTURE_DATED_DLMS = 0x00CC
FUTURE_DATED_GBZ = 0x00CD
FUTURE_DATED_ACTIONED = 0x8F66
"""Future-date HAN Interface Command Successfully Actioned (gbcs/future_dated.py)."""
DATA_NOTIFICATION = 0x0F
LONG_UNSIGNED = 0x12
ZIGBEE_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def critical(alert_code: int) -> bool:
    """GBCS: the alert codes 0x8F00-0x8FFF are the critical ones (signed)."""
    return 0x8F00 <= alert_code <= 0x8FFF


@dataclass(frozen=True, slots=True)
class AlertExchange:
    """The device raising an alert to `recipient`, with its own originator counter (which
    grows with each alert it raises), the time of the event, the device's DS key (critical
    alerts) and Z of its KA key and the recipient's (non-critical ones)."""

    device: bytes
    recipient: bytes
    counter: int
    at: datetime
    signer: ec.EllipticCurvePrivateKey
    z: bytes | None


def _send(ex: AlertExchange, code: int, content: bytes, *, signed: bool) -> bytes:
    header = GroupingHeader(Cra.ALERT, ex.counter, ex.device, ex.recipient, code)
    if signed:
        return message(header, content, z=None, signer=ex.signer)
    if ex.z is None:
        raise InvalidValue("a non-critical alert is MACed with the recipient's KA key")
    return message(header, content, z=ex.z)


def _notification(ex: AlertExchange, alert_code: int, *extra: bytes) -> bytes:
    return (
        bytes([DATA_NOTIFICATION, dlms.INVOKE_FLAGS])
        + uint(ex.counter & 0xFFFFFF, 3)
        + b"\x00"  # no date-time
        + bytes([dlms.STRUCTURE, 2 + len(extra)])
        + bytes([LONG_UNSIGNED])
        + uint(alert_code, 2)
        + dlms.octet_string(dlms_date_time(ex.at))
        + b"".join(extra)
    )


def _gbz(ex: AlertExchange, alert_code: int, components: int = 0, extra: bytes = b"") -> bytes:
    seconds = int((ex.at.astimezone(UTC) - ZIGBEE_EPOCH).total_seconds())
    return gbz.PROFILE_ID + bytes([components]) + uint(alert_code, 2) + uint(seconds, 4) + extra


def _code(alert_code: int) -> int:
    if not 0 <= alert_code <= 0xFFFF:
        raise InvalidValue(f"an alert code is 16 bits, not {alert_code}")
    return alert_code


def dlms_alert(ex: AlertExchange, alert_code: int) -> bytes:
    """A generic alert from an ESME or a CHF."""
    signed = critical(_code(alert_code))
    code = GENERIC_CRITICAL_ALERT if signed else GENERIC_NON_CRITICAL_ALERT
    return _send(ex, code, _notification(ex, alert_code), signed=signed)


def gbz_alert(ex: AlertExchange, alert_code: int) -> bytes:
    """A generic alert from a GSME or a GPF."""
    signed = critical(_code(alert_code))
    code = GENERIC_CRITICAL_ALERT if signed else GENERIC_NON_CRITICAL_ALERT
    return _send(ex, code, _gbz(ex, alert_code), signed=signed)


def firmware_receipt(ex: AlertExchange, image_hash: bytes, *, zigbee: bool) -> bytes:
    """Firmware Distribution Receipt (critical, signed): 8F72 with the calculated hash."""
    if len(image_hash) != 32:
        raise InvalidValue("the calculated manufacturer hash is a 32-octet SHA-256")
    digest = dlms.octet_string(image_hash)
    if zigbee:
        return _send(ex, FIRMWARE_RECEIPT_GBZ, _gbz(ex, FIRMWARE_VERIFIED, 1, digest), signed=True)
    return _send(
        ex, FIRMWARE_RECEIPT_DLMS, _notification(ex, FIRMWARE_VERIFIED, digest), signed=True
    )


def future_dated_actioned(ex: AlertExchange, payload: bytes, *, zigbee: bool) -> bytes:
    """8F66 (critical, signed): a future-dated command's instruction actioned; `payload`
    names it (gbcs/future_dated.py): an octet-string in the DataNotification (DLMS, 0x00CC),
    its length then its octets after the time stamp, one component (GBZ, 0x00CD)."""
    if len(payload) > 127:
        raise InvalidValue("a future-dated alert payload is short")
    if zigbee:
        extra = bytes([len(payload)]) + payload
        content = _gbz(ex, FUTURE_DATED_ACTIONED, 1, extra)
        return _send(ex, FUTURE_DATED_GBZ, content, signed=True)
    content = _notification(ex, FUTURE_DATED_ACTIONED, dlms.octet_string(payload))
    return _send(ex, FUTURE_DATED_DLMS, content, signed=True)
