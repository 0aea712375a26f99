"""MP121: install codes for devices left uncommissioned, after a change of supplier.

AC 4.16 (seed 000 Annex B) obliges the installing supplier to give the gaining supplier the
install code within 10 Working Days. Its legal text says 'Type 1 Device' (in GBCS terms PPMID
and HCALCS), but the modification is about smart meters: we cover meters, PPMIDs and HCALCS
(docs/install-codes.md).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import Enum
from typing import Any

from gbdsp.domain.devices import Device, DeviceType, SmiStatus
from gbdsp.domain.errors import Conflict, GbdspError, NotFound
from gbdsp.domain.ids import DeviceId, UserId
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


STILL_OPEN = frozenset({RequestStatus.OPEN, RequestStatus.ANSWERED})
"""A request in these states still stands: no second one for the device, and the device
joining its CHF with the code closes it."""


class NotYours(GbdspError):
    """The caller is neither the requester nor the assignee this action needs."""


@dataclass(frozen=True, slots=True)
class InstallCodeRequest:
    """An MP121 request (AC 4.16): raised by the gaining supplier, answered by the
    installing supplier it is assigned to, closed by its requester. Each change is a method
    that returns the request as it becomes, or refuses; the service saves what it returns."""

    id: int
    device_id: DeviceId
    requester: UserId
    assignee: UserId
    status: RequestStatus
    raised_at: datetime
    due: date
    answered_at: datetime | None
    closed_at: datetime | None
    backlog: bool
    note: str | None
    reminded_at: datetime | None = None
    """The reminder job mailed the assignee that the due date is near."""
    escalated_at: datetime | None = None
    """The reminder job reported the request overdue."""

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "device_id": str(self.device_id),
            "requester": str(self.requester),
            "assignee": str(self.assignee),
            "status": self.status.value,
            "raised_at": self.raised_at.isoformat(),
            "due": self.due.isoformat(),
            "backlog": self.backlog,
            "note": self.note,
            "answered_at": self.answered_at.isoformat() if self.answered_at else None,
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
        }

    def check_party(self, by: UserId) -> None:
        """Someone else's request is 'not found': its ID tells a stranger nothing."""
        if by not in (self.requester, self.assignee):
            raise NotFound(f"install-code request {self.id} does not exist among yours")

    def check_requester(self, by: UserId) -> None:
        self.check_party(by)
        if self.requester != by:
            raise NotYours("only the requester (the supplier that raised it) may do this")

    def answered(self, by: UserId, at: datetime, *, not_installer: bool) -> InstallCodeRequest:
        """The assignee gives the code, or says it did not install the device."""
        self.check_party(by)
        if self.assignee != by:
            raise NotYours(
                f"request {self.id} is answered by the supplier it is assigned "
                "to, not by its requester"
            )
        if self.status is not RequestStatus.OPEN:
            raise Conflict(f"request {self.id} is {self.status.value}")
        status = RequestStatus.NOT_INSTALLER if not_installer else RequestStatus.ANSWERED
        return replace(self, status=status, answered_at=at)

    def redirected(self, by: UserId, to: UserId, due: date) -> InstallCodeRequest:
        """After 'not the installer', the requester points it at an earlier supplier: a new
        assignee, a new due date, and the reminders start again."""
        self.check_requester(by)
        if self.status is not RequestStatus.NOT_INSTALLER:
            raise Conflict(
                f"request {self.id} is {self.status.value}: only a request "
                "answered 'not the installer' is redirected"
            )
        return replace(
            self,
            assignee=to,
            status=RequestStatus.OPEN,
            answered_at=None,
            due=due,
            note=f"redirected from {self.assignee}",
            reminded_at=None,
            escalated_at=None,
        )

    def closed(self, by: UserId, at: datetime) -> InstallCodeRequest:
        """Only the requester closes a request."""
        self.check_requester(by)
        if self.status is RequestStatus.CLOSED:
            raise Conflict(f"request {self.id} is already closed")
        return replace(self, status=RequestStatus.CLOSED, closed_at=at)

    def joined(self, at: datetime) -> InstallCodeRequest:
        """The device joined its CHF with the right code: the request has done its job."""
        return replace(
            self,
            status=RequestStatus.CLOSED,
            closed_at=at,
            note="closed: the device joined with the install code",
        )


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
