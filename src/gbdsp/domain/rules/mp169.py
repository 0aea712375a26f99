"""MP169 Restricted mode: a consumer's right to refuse smart functionality (seed 001).

'Restricted' is an attribute of a SMETS2+ ESME or GSME (not an SMI status: seed 001 D-001);
on a GSME it also covers the premises' GPF. Only the Responsible Supplier sets or clears
it, recording the consumer's preference and that reasonable steps were taken (BR 3). While
it is set, only allow-listed SRVs reach the device (critical, security, safety, firmware:
BR 4) and only allow-listed alerts reach Users; the rest are refused with a dedicated code
or kept in a diagnostics log (6.1.1). Off, the flag cannot be set, and a flag set while it
was in force changes nothing: every SRV and alert goes through, and 8.2 stays plain DUIS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import ClassVar

from gbdsp.domain.devices import Device, DeviceType, SmetsVariant
from gbdsp.domain.response_codes import ResponseCode
from gbdsp.domain.rules.switch import Switch
from gbdsp.domain.srv import catalogue

RESTRICTED_CODE = ResponseCode.E169
"""The dedicated response code (DUIS 5.4 has none): added by `DUIS Schema V5.4-MP169.xsd`."""

ELIGIBLE_TYPES = frozenset({DeviceType.ESME, DeviceType.GSME})

# Non-critical SRVs kept open on a restricted device, with the reason (docs/restricted-mode.md).
SAFETY_AND_SECURITY_SRVS = {
    "7.4": "safety: read supply status",
    "6.24.1": "security: retrieve device security credentials",
    "6.24.2": "security: retrieve device security credentials",
    "11.2": "firmware: read firmware version",
    "11.3": "firmware: activate firmware",
    "8.7.2": "lifecycle: join (the HAN must still work)",
    "8.8.2": "lifecycle: unjoin",
    "8.11": "lifecycle: HAN device log",
    "6.20.1": "lifecycle: set import MPxN (AC 4.14)",
}


@cache
def default_allowed_srvs() -> frozenset[str]:
    """Every critical SRV (supplier-signed: tariffs, supply control, security credentials,
    commissioning, joins), firmware, and the safety/security/lifecycle reads above."""
    critical = {s.variant for s in catalogue().by_id.values() if s.critical}
    return frozenset(critical | set(SAFETY_AND_SECURITY_SRVS))


def why_not_restrictable(device: Device) -> str | None:
    """Why this device cannot be put in Restricted mode, whatever the date, or None."""
    if device.device_type not in ELIGIBLE_TYPES:
        return f"Restricted mode applies to ESME and GSME, not a {device.device_type.value}"
    if device.smets_variant is not SmetsVariant.SMETS2:
        return "Restricted mode applies to SMETS2+ devices only"
    return None


@dataclass(frozen=True, slots=True)
class Settings:
    switch: Switch
    allowed_srvs: frozenset[str]
    """SRVs still sent to a restricted device (the configuration's, or the default list)."""
    allowed_alerts: frozenset[str]
    """Alert codes (upper case) still delivered from one."""


@dataclass(frozen=True, slots=True)
class InForce:
    allowed_srvs: frozenset[str]
    allowed_alerts: frozenset[str]

    in_force: ClassVar[bool] = True
    refusal: ClassVar[str | None] = None
    """The Responsible Supplier may set and clear the flag."""
    shows_restricted: ClassVar[bool] = True
    """8.2 answers carry `Restricted` on each restricted device (the MP169 extension)."""

    def refuses(self, device: Device | None, srv: str) -> bool:
        """Whether access control refuses `srv` to `device` (E169, `RESTRICTED_CODE`)."""
        return device is not None and device.restricted and srv not in self.allowed_srvs

    def delivers_alert(self, restricted: bool, alert_code: str) -> bool:
        """Whether an alert from a device reaches its Users (else: diagnostics log only)."""
        return not restricted or alert_code.upper() in self.allowed_alerts

    def describe(self) -> str:
        return f"{len(self.allowed_srvs)} SRVs still allowed"


@dataclass(frozen=True, slots=True)
class Off:
    in_force: ClassVar[bool] = False
    refusal: ClassVar[str | None] = "MP169 (Restricted mode) is not in force"
    """Why the flag cannot be set or cleared."""
    shows_restricted: ClassVar[bool] = False

    def refuses(self, device: Device | None, srv: str) -> bool:
        return False

    def delivers_alert(self, restricted: bool, alert_code: str) -> bool:
        return True

    def describe(self) -> str:
        return "not available (MP169 off)"


Policy = InForce | Off
OFF = Off()
"""The policy off: the default of a value built without the day's rules (`AccessRequest`)."""


def policy(settings: Settings, day: date) -> Policy:
    if settings.switch.in_force(day):
        return InForce(settings.allowed_srvs, settings.allowed_alerts)
    return Off()
