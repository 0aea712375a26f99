"""The SMI status transitions, written once as data (SEC Appendix AC; reference/smi.md).

Every status change in gbdsp goes through `next_status`: a lifecycle service names the
trigger (what happened), the table says which device types it applies to, from which
statuses it is allowed and which status results. Rows marked ASSUMPTION are working
assumptions where public text is silent; docs/smi-transitions.md lists them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from gbdsp.domain.devices import DeviceClass, DeviceType, SmiStatus


class Trigger(Enum):
    """What happened to a device, in SEC / DUIS terms."""

    CH_DELIVERED = "CH delivered (AC 2.4)"
    PRENOTIFIED = "Device Pre-notification 12.2"
    WHITELISTED = "Update HAN Device Log 8.11"
    INSTALLED_NO_WAN = "installed without SM WAN"
    CH_INSTALLED = "CH Install Success 8.14.1"
    CH_INSTALLED_NO_WAN = "CH Install No SM WAN 8.14.2"
    CH_RETURNED = "CH Fault / No Fault Return 8.14.3/8.14.4"
    WAN_CONNECTED = "SM WAN reached the CH"
    JOINED = "Join 8.7 (AC 4.9, 4.10)"
    COMMISSIONED = "Commission Device 8.1.1 (AC 4.13)"
    DECOMMISSIONED = "Decommission Device 8.3"
    SUSPENDED = "device suspended"
    RESTORED = "device restored"
    RECOVERY_STARTED = "SMKI recovery started"
    RECOVERY_COMPLETED = "SMKI recovery completed"
    REACTIVATED = "reactivation (AC 7.1)"
    INVENTORY_UPDATE = "Update Inventory 8.4"
    IMPORTED = "bulk SMI import"


S = SmiStatus
ALL = frozenset(SmiStatus)
NEW = None
"""Stands for 'not yet in the SMI' in a from-set."""

METERS = frozenset({DeviceType.ESME, DeviceType.GSME})
HUB = frozenset({DeviceType.CHF, DeviceType.GPF})
CHF = frozenset({DeviceType.CHF})
GPF = frozenset({DeviceType.GPF})
TYPE1 = frozenset(t for t in DeviceType if t.device_class is DeviceClass.TYPE1)
NON_HUB = frozenset(t for t in DeviceType if t.has_smi_status) - HUB
WITH_STATUS = frozenset(t for t in DeviceType if t.has_smi_status)


@dataclass(frozen=True, slots=True)
class Transition:
    trigger: Trigger
    device_types: frozenset[DeviceType]
    sources: frozenset[SmiStatus | None]
    target: SmiStatus
    basis: str


def _t(
    trigger: Trigger,
    types: frozenset[DeviceType],
    sources: Iterable[SmiStatus | None],
    target: SmiStatus,
    basis: str,
) -> Transition:
    return Transition(trigger, types, frozenset(sources), target, basis)


TRANSITIONS: tuple[Transition, ...] = (
    _t(Trigger.CH_DELIVERED, HUB, {NEW}, S.PENDING, "AC 2.4: CH functions enter as pending"),
    _t(
        Trigger.PRENOTIFIED,
        NON_HUB,
        {NEW},
        S.PENDING,
        "12.2; ASSUMPTION: pre-notified devices enter as pending like CH functions",
    ),
    _t(
        Trigger.WHITELISTED,
        NON_HUB,
        {S.PENDING},
        S.WHITELISTED,
        "8.11; ASSUMPTION: adding to a CHF Device Log whitelists the device",
    ),
    _t(
        Trigger.INSTALLED_NO_WAN,
        NON_HUB,
        {S.PENDING, S.WHITELISTED},
        S.INSTALLED_NOT_COMMISSIONED,
        "install and leave (AC 4.16 context)",
    ),
    _t(
        Trigger.CH_INSTALLED,
        CHF,
        {S.PENDING, S.INSTALLED_NOT_COMMISSIONED},
        S.COMMISSIONED,
        "8.14.1; ASSUMPTION backed by a DCC Boxed 8.2 answer: CHF commissioned",
    ),
    _t(
        Trigger.CH_INSTALLED,
        GPF,
        {S.PENDING},
        S.INSTALLED_NOT_COMMISSIONED,
        "8.14.1; ASSUMPTION: GPF waits for its GSME (AC 4.10)",
    ),
    _t(
        Trigger.CH_INSTALLED_NO_WAN,
        HUB,
        {S.PENDING},
        S.INSTALLED_NOT_COMMISSIONED,
        "8.14.2; ASSUMPTION",
    ),
    _t(
        Trigger.WAN_CONNECTED,
        CHF,
        {S.INSTALLED_NOT_COMMISSIONED},
        S.COMMISSIONED,
        "install and leave; ASSUMPTION: the DCC commissions the CHF when its WAN connects",
    ),
    _t(
        Trigger.CH_RETURNED,
        HUB,
        {S.PENDING, S.INSTALLED_NOT_COMMISSIONED, S.COMMISSIONED, S.SUSPENDED},
        S.WITHDRAWN,
        "8.14.3/8.14.4; ASSUMPTION: returned stock is withdrawn",
    ),
    _t(
        Trigger.JOINED,
        TYPE1,
        {S.PENDING, S.WHITELISTED, S.INSTALLED_NOT_COMMISSIONED},
        S.COMMISSIONED,
        "AC 4.9: Type 1 Device commissioned by joining",
    ),
    _t(
        Trigger.JOINED,
        GPF,
        {S.INSTALLED_NOT_COMMISSIONED},
        S.COMMISSIONED,
        "AC 4.10: GPF commissioned by joining to a commissioned GSME",
    ),
    _t(
        Trigger.COMMISSIONED,
        METERS | {DeviceType.SAPC},
        ALL - {S.COMMISSIONED, S.DECOMMISSIONED, S.SUSPENDED},
        S.COMMISSIONED,
        "AC 4.12(b) refuses commissioned, decommissioned, suspended; AC 4.13 commissions; "
        "ASSUMPTION: a SAPC is commissioned like a meter",
    ),
    _t(
        Trigger.DECOMMISSIONED,
        WITH_STATUS,
        ALL - {S.DECOMMISSIONED, S.WITHDRAWN},
        S.DECOMMISSIONED,
        "8.3; ASSUMPTION: from any live status",
    ),
    _t(
        Trigger.SUSPENDED,
        WITH_STATUS,
        {S.COMMISSIONED, S.INSTALLED_NOT_COMMISSIONED},
        S.SUSPENDED,
        "NOT ESTABLISHED trigger (DeviceSuspended alert exists)",
    ),
    _t(
        Trigger.RESTORED,
        WITH_STATUS,
        {S.SUSPENDED},
        S.COMMISSIONED,
        "NOT ESTABLISHED (DeviceRestored alert exists)",
    ),
    _t(
        Trigger.RECOVERY_STARTED,
        WITH_STATUS,
        {S.COMMISSIONED},
        S.RECOVERY,
        "UNCERTAIN: SMKI recovery",
    ),
    _t(
        Trigger.RECOVERY_COMPLETED,
        WITH_STATUS,
        {S.RECOVERY},
        S.RECOVERED,
        "UNCERTAIN: SMKI recovery",
    ),
    _t(
        Trigger.REACTIVATED,
        WITH_STATUS,
        {S.DECOMMISSIONED, S.WHITELISTED, S.WITHDRAWN},
        S.PENDING,
        "AC 7.1 (device model must be on the CPL)",
    ),
    # 8.4 may set only these statuses (XSD UpdateDeviceStatusExceptCH / UpdateDeviceStatusCH);
    # from which prior status is not public: ASSUMPTION any.
    # ... and an update must change the status.
    _t(
        Trigger.INVENTORY_UPDATE,
        NON_HUB,
        ALL - {S.PENDING},
        S.PENDING,
        "8.4 UpdateDeviceStatusExceptCH",
    ),
    _t(
        Trigger.INVENTORY_UPDATE,
        NON_HUB,
        ALL - {S.INSTALLED_NOT_COMMISSIONED},
        S.INSTALLED_NOT_COMMISSIONED,
        "8.4 UpdateDeviceStatusExceptCH",
    ),
    _t(
        Trigger.INVENTORY_UPDATE,
        HUB,
        ALL - {S.COMMISSIONED},
        S.COMMISSIONED,
        "8.4 UpdateDeviceStatusCH",
    ),
    _t(Trigger.INVENTORY_UPDATE, HUB, ALL - {S.WITHDRAWN}, S.WITHDRAWN, "8.4 UpdateDeviceStatusCH"),
    _t(
        Trigger.INVENTORY_UPDATE,
        HUB,
        ALL - {S.INSTALLED_NOT_COMMISSIONED},
        S.INSTALLED_NOT_COMMISSIONED,
        "8.4 UpdateDeviceStatusCH",
    ),
    # A bulk import (migration of an existing inventory) brings a device in at any status.
    *(_t(Trigger.IMPORTED, WITH_STATUS, {NEW}, status, "bulk SMI import") for status in SmiStatus),
)


_BY_TRIGGER_AND_TYPE: dict[tuple[Trigger, DeviceType], list[Transition]] = {}
for _row in TRANSITIONS:
    for _type in _row.device_types:
        _BY_TRIGGER_AND_TYPE.setdefault((_row.trigger, _type), []).append(_row)


@dataclass(frozen=True, slots=True)
class Refused:
    """A transition the table does not allow, with the reason in words."""

    reason: str


def next_status(
    trigger: Trigger,
    device_type: DeviceType,
    current: SmiStatus | None,
    wanted: SmiStatus | None = None,
) -> SmiStatus | Refused:
    """The status `trigger` moves a device to, or why it may not.

    `wanted` picks among several targets where the trigger offers a choice (8.4, import).
    """
    rows = [
        t
        for t in _BY_TRIGGER_AND_TYPE.get((trigger, device_type), ())
        if wanted is None or t.target is wanted
    ]
    if not rows:
        what = f" to {wanted.value}" if wanted else ""
        return Refused(f"{trigger.value} does not apply{what} to a {device_type.value}")
    for row in rows:
        if current in row.sources:
            return row.target
    state = current.value if current else "not in the SMI"
    return Refused(f"{trigger.value} is not allowed for a {device_type.value} that is {state}")
