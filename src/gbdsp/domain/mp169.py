"""MP169 Restricted mode: a consumer's right to refuse smart functionality (seed 001).

'Restricted' is an attribute of a SMETS2+ ESME or GSME (not an SMI status: seed 001 D-001);
on a GSME it also covers the premises' GPF. Only the Responsible Supplier sets or clears
it, recording the consumer's preference and that reasonable steps were taken (BR 3). While
it is set, only allow-listed SRVs reach the device (critical, security, safety, firmware:
BR 4) and only allow-listed alerts reach Users; the rest are refused with a dedicated code
or kept in a diagnostics log (6.1.1).
"""

from __future__ import annotations

from dataclasses import dataclass

from gbdsp.domain.devices import Device, DeviceType, SmetsVariant
from gbdsp.domain.response_codes import ResponseCode
from gbdsp.domain.srv import SrvCatalogue

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


def default_allowed_srvs(catalogue: SrvCatalogue) -> frozenset[str]:
    """Every critical SRV (supplier-signed: tariffs, supply control, security credentials,
    commissioning, joins), firmware, and the safety/security/lifecycle reads above."""
    critical = {s.srv for s in catalogue.by_id.values() if s.critical}
    return frozenset(critical | set(SAFETY_AND_SECURITY_SRVS))


@dataclass(frozen=True, slots=True)
class RestrictedPolicy:
    """The MP169 rules in force on a date (None of this applies when MP169 is off)."""

    allowed_srvs: frozenset[str]
    allowed_alerts: frozenset[str]

    def refuses(self, device: Device | None, srv: str) -> bool:
        return device is not None and device.restricted and srv not in self.allowed_srvs

    def delivers_alert(self, restricted: bool, alert_code: str) -> bool:
        return not restricted or alert_code.upper() in self.allowed_alerts


def why_not_restrictable(device: Device) -> str | None:
    if device.device_type not in ELIGIBLE_TYPES:
        return f"Restricted mode applies to ESME and GSME, not a {device.device_type.value}"
    if device.smets_variant is not SmetsVariant.SMETS2:
        return "Restricted mode applies to SMETS2+ devices only"
    return None
