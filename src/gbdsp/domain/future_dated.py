"""Future-dated requests (DUIS ExecutionDateTime): what the DSP does with one. Pure.

The SRV matrix gives each future-datable SRV a pattern: `Device` (the device holds the
command and raises alert 8F66 when it runs it) or `DSP` (the DSP holds the request and
sends it at that time). An ExecutionDateTime of 3000-12-31T00:00:00Z cancels a pending one
(the DCC Boxed `_CANCELLATION_` templates' convention); one not after now runs at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

CANCELLATION = datetime(3000, 12, 31, tzinfo=UTC)
EXECUTED_ALERT = "8F66"
"""FutureDatedAlertCode of a future-dated command the device has now executed."""


class Handling(Enum):
    NOW = "now"
    DEVICE_HELD = "device-held"
    DSP_HELD = "dsp-held"
    CANCEL = "cancel"


@dataclass(frozen=True, slots=True)
class Decision:
    handling: Handling
    at: datetime | None = None


def decide(pattern: str, execution: datetime | None, now: datetime) -> Decision:
    if execution is None or pattern not in ("Device", "DSP"):
        return Decision(Handling.NOW)
    if execution == CANCELLATION:
        return Decision(Handling.CANCEL)
    if execution <= now:
        return Decision(Handling.NOW)
    return Decision(Handling.DEVICE_HELD if pattern == "Device" else Handling.DSP_HELD, execution)
