"""DUIS request values as the critical ESME Commands carry them (wan/esme_critical.py,
wan/esme_schedules.py): required values, booleans, instants, and activation times.

Activation times (the COSEM date-times of "passive" values): NOW for an immediate
request, the ExecutionDateTime of a future-dated one, NEVER for a cancellation
(3000-12-31), as the RTDS 4.5.0 commands have them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from gbdsp.domain.devices import Device
from gbdsp.domain.errors import InvalidValue
from gbdsp.duis.namespaces import sr
from gbdsp.duis.request import DuisRequest
from gbdsp.gbcs.dlms_data import Data, octet_string
from gbdsp.gbcs.encoding import dlms_date_time

EXTENDED = 0x2328
"""GBCS Extended Data (class 9000): attribute 4 the passive value, 6 its activation time."""
NOW = bytes(9) + b"\x80\x00\xff"
NEVER = b"\xff" * 9 + b"\x80\x00\xff"
CANCELLATION = datetime(3000, 12, 31, tzinfo=UTC)


def required(request: DuisRequest, name: str) -> str:
    """The text of the request's element `name`; without it, the use case is not encoded
    for that request (no RTDS case)."""
    found = request.body.findtext(f".//{sr(name)}")
    if found is None:
        raise InvalidValue(f"no RTDS case without {name}: not encoded")
    return found.strip()


def flag(text: str) -> bool:
    """An xs:boolean."""
    if text not in ("true", "false", "1", "0"):
        raise InvalidValue(f"not a boolean: {text!r}")
    return text in ("true", "1")


def instant(text: str) -> datetime:
    """An xs:dateTime, UTC when it has no zone (DUIS times are UTC)."""
    at = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)


def activation(request: DuisRequest) -> Data:
    """When passive values become active: NOW, the ExecutionDateTime, or NEVER."""
    text = request.body.findtext(sr("ExecutionDateTime"))
    if text is None or not text.strip():
        return octet_string(NOW)
    at = instant(text)
    return octet_string(NEVER if at >= CANCELLATION else dlms_date_time(at))


def addressed(request: DuisRequest, device: Device) -> tuple[bytes, bytes, int]:
    """A critical command's originator and recipient system titles and its counter: the
    requesting User, the device, and the DUIS RequestID counter (GBCS 7.2.8)."""
    rid = request.request_id
    return (
        rid.originator.value.to_bytes(8, "big"),
        device.device_id.value.to_bytes(8, "big"),
        rid.counter,
    )
