"""What the MP121 reminder job reads and marks on install-code requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Connection, select, update

from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.install_codes import RequestStatus
from gbdsp.store.tables import install_code_requests as icr


@dataclass(frozen=True, slots=True)
class OpenRequest:
    id: int
    device_id: DeviceId
    requester: UserId
    assignee: UserId
    due: date


class InstallCodeReminderRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def not_reminded(self, today: date) -> list[OpenRequest]:
        """Open requests, not yet overdue, whose assignee has had no reminder (backlog
        requests are tracked, never chased)."""
        return self._open(icr.c.reminded_at.is_(None), icr.c.due >= today.isoformat())

    def not_escalated(self, today: date) -> list[OpenRequest]:
        """Open requests past their due date that nobody has been told about yet."""
        return self._open(icr.c.escalated_at.is_(None), icr.c.due < today.isoformat())

    def mark_reminded(self, ids: list[int], at: datetime) -> None:
        if ids:
            self._conn.execute(update(icr).where(icr.c.id.in_(ids)).values(reminded_at=at))

    def mark_escalated(self, ids: list[int], at: datetime) -> None:
        if ids:
            self._conn.execute(update(icr).where(icr.c.id.in_(ids)).values(escalated_at=at))

    def _open(self, *conditions: ColumnElement[bool]) -> list[OpenRequest]:
        rows = self._conn.execute(
            select(icr.c.id, icr.c.device_id, icr.c.requester, icr.c.assignee, icr.c.due)
            .where(icr.c.status == RequestStatus.OPEN.value, icr.c.backlog.is_(False), *conditions)
            .order_by(icr.c.due, icr.c.id)
        )
        return [
            OpenRequest(int(r.id), r.device_id, r.requester, r.assignee, date.fromisoformat(r.due))
            for r in rows
        ]
