"""MP121: install codes for devices left uncommissioned, after a change of supplier.

AC 4.16 (seed 000 Annex B) obliges the installing supplier to give the gaining supplier the
install code within 10 Working Days. Its legal text says 'Type 1 Device' (in GBCS terms PPMID
and HCALCS), but the modification is about smart meters: we cover meters, PPMIDs and HCALCS
(docs/install-codes.md).
"""

from __future__ import annotations

from datetime import date
from enum import Enum

from gbdsp.domain.devices import Device, DeviceType, SmiStatus
from gbdsp.domain.working_days import Calendar, add_working_days, working_days_between

COVERED_TYPES = frozenset({DeviceType.ESME, DeviceType.GSME, DeviceType.PPMID, DeviceType.HCALCS})
WAITING_FOR_CODE = frozenset(
    {SmiStatus.INSTALLED_NOT_COMMISSIONED, SmiStatus.PENDING, SmiStatus.WHITELISTED}
)


class RequestStatus(Enum):
    OPEN = "Open"
    ANSWERED = "Answered"
    NOT_INSTALLER = "NotInstaller"
    CLOSED = "Closed"


def why_no_request(device: Device | None, requester_is_responsible: bool) -> str | None:
    """Why an install-code request for this device cannot be raised, or None."""
    if device is None:
        return "not in the SMI"
    if device.device_type not in COVERED_TYPES:
        return (
            f"a {device.device_type.value} has no install code to ask for (meters, PPMID, HCALCS)"
        )
    if device.status not in WAITING_FOR_CODE:
        status = device.status.value if device.status else "no status"
        return (
            f"it is {status}: an install code is what is missing only while a device is "
            "InstalledNotCommissioned, or Pending/Whitelisted after an install"
        )
    if not requester_is_responsible:
        return "only its Responsible Supplier (the gaining supplier) may ask for its code"
    if device.installing_supplier is None:
        return "the SMI does not know who installed it (no pre-notification recorded)"
    return None


def due_date(raised_on: date, sla_working_days: int, calendar: Calendar) -> date:
    """AC 4.16: the installing supplier answers within the SLA's Working Days, the day of
    the request not counting."""
    return add_working_days(raised_on, sla_working_days, calendar)


def answered_in_time(answered_on: date, due: date) -> bool:
    """An answer on the due date itself is in time."""
    return answered_on <= due


def is_overdue(status: RequestStatus, due: date, today: date) -> bool:
    """An open request is overdue once its due date (the last Working Day) has passed."""
    return status is RequestStatus.OPEN and today > due


def reminder_due(due: date, today: date, remind_working_days: int, calendar: Calendar) -> bool:
    """The installer is reminded once an open request is due within this many Working Days
    (not a SEC rule: MP121's consultation asked for tracking; gbdsp chases before the SLA
    is missed rather than only reporting it afterwards)."""
    return today <= due and working_days_between(today, due, calendar) <= remind_working_days
