"""MP121 install-code requests: rows to `InstallCodeRequest` values (domain/install_codes.py)
and back; the install code itself only ever goes in and out sealed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, insert, select, update

from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.install_codes import STILL_OPEN, InstallCodeRequest, RequestStatus
from gbdsp.store.tables import install_code_requests as icr

MAX_REQUEST_ID = 2**63 - 1
"""The largest ID the database holds (BIGINT): a larger one names no request."""

_STILL_OPEN = [s.value for s in STILL_OPEN]
_ENTITY = [c for c in icr.c if c.name != "code_sealed"]


def _from_row(r: Any) -> InstallCodeRequest:
    return InstallCodeRequest(
        int(r.id),
        r.device_id,
        r.requester,
        r.assignee,
        RequestStatus(r.status),
        r.raised_at,
        date.fromisoformat(r.due),
        r.answered_at,
        r.closed_at,
        bool(r.backlog),
        r.note,
        r.reminded_at,
        r.escalated_at,
    )


class InstallCodeRequestRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def raise_many(
        self,
        requester: UserId,
        assignees: Sequence[tuple[DeviceId, UserId]],
        at: datetime,
        due: date,
        *,
        backlog: bool,
    ) -> list[int]:
        """New open requests, one per (device, assignee): one multi-row INSERT ... RETURNING,
        the IDs in the order given."""
        if not assignees:
            return []
        ids = self._conn.execute(
            insert(icr).returning(icr.c.id, sort_by_parameter_order=True),
            [
                {
                    "device_id": device_id,
                    "requester": requester,
                    "assignee": assignee,
                    "status": RequestStatus.OPEN.value,
                    "raised_at": at,
                    "due": due.isoformat(),
                    "backlog": backlog,
                }
                for device_id, assignee in assignees
            ],
        )
        return [int(i) for i in ids.scalars()]

    def get(self, request_id: int, *, for_update: bool = False) -> InstallCodeRequest | None:
        """`for_update`: to change it and `save` it; PostgreSQL locks the row until the
        transaction ends, so nothing written meanwhile (a reminder's mark) is overwritten.
        (SQLite's writers take turns: nothing is written meanwhile.)"""
        if not 0 < request_id <= MAX_REQUEST_ID:
            return None
        query = select(*_ENTITY).where(icr.c.id == request_id)
        if for_update and self._conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        return None if row is None else _from_row(row)

    def save(self, request: InstallCodeRequest, *, code_sealed: bytes | None = None) -> None:
        """Record what a change made of the request (and the install code, sealed, if the
        change brought one)."""
        code = {} if code_sealed is None else {"code_sealed": code_sealed}
        self._conn.execute(
            update(icr)
            .where(icr.c.id == request.id)
            .values(
                assignee=request.assignee,
                status=request.status.value,
                due=request.due.isoformat(),
                answered_at=request.answered_at,
                closed_at=request.closed_at,
                note=request.note,
                reminded_at=request.reminded_at,
                escalated_at=request.escalated_at,
                **code,
            )
        )

    def sealed_code(self, request_id: int) -> bytes | None:
        sealed = self._conn.execute(
            select(icr.c.code_sealed).where(icr.c.id == request_id)
        ).scalar()
        return None if sealed is None else bytes(sealed)

    def open_for(self, device_ids: Sequence[DeviceId]) -> dict[DeviceId, int]:
        """The request that still stands for each of these devices, by device."""
        if not device_ids:
            return {}
        rows = self._conn.execute(
            select(icr.c.device_id, icr.c.id).where(
                icr.c.device_id.in_(list(device_ids)), icr.c.status.in_(_STILL_OPEN)
            )
        )
        return {r[0]: int(r[1]) for r in rows}

    def still_open(self, device_id: DeviceId, requester: UserId) -> list[InstallCodeRequest]:
        """The requester's requests for the device that still stand, to close them (locked
        as `get(for_update=True)` locks)."""
        query = (
            select(*_ENTITY)
            .where(
                icr.c.device_id == device_id,
                icr.c.requester == requester,
                icr.c.status.in_(_STILL_OPEN),
            )
            .order_by(icr.c.id)
        )
        if self._conn.dialect.name == "postgresql":
            query = query.with_for_update()
        return [_from_row(r) for r in self._conn.execute(query)]

    def of_party(self, user: UserId) -> list[InstallCodeRequest]:
        """The requests `user` raised or is assigned, by ID."""
        return self._where((icr.c.requester == user) | (icr.c.assignee == user))

    def tracked(self) -> list[InstallCodeRequest]:
        """Every request but the backlog (raised before the obligation applied): what the
        SLA report counts."""
        return self._where(icr.c.backlog.is_(False))

    def overdue(self, today: date) -> list[InstallCodeRequest]:
        """Open requests past their due date, backlog apart, the longest overdue first."""
        return self._open(icr.c.due < today.isoformat())

    def not_reminded(self, today: date) -> list[InstallCodeRequest]:
        """Open requests, not yet overdue, whose assignee has had no reminder (backlog
        requests are tracked, never chased)."""
        return self._open(icr.c.reminded_at.is_(None), icr.c.due >= today.isoformat())

    def not_escalated(self, today: date) -> list[InstallCodeRequest]:
        """Open requests past their due date that nobody has been told about yet."""
        return self._open(icr.c.escalated_at.is_(None), icr.c.due < today.isoformat())

    def mark_reminded(self, ids: list[int], at: datetime) -> None:
        if ids:
            self._conn.execute(update(icr).where(icr.c.id.in_(ids)).values(reminded_at=at))

    def mark_escalated(self, ids: list[int], at: datetime) -> None:
        if ids:
            self._conn.execute(update(icr).where(icr.c.id.in_(ids)).values(escalated_at=at))

    def _open(self, *conditions: ColumnElement[bool]) -> list[InstallCodeRequest]:
        rows = self._conn.execute(
            select(*_ENTITY)
            .where(icr.c.status == RequestStatus.OPEN.value, icr.c.backlog.is_(False), *conditions)
            .order_by(icr.c.due, icr.c.id)
        )
        return [_from_row(r) for r in rows]

    def _where(self, *conditions: ColumnElement[bool]) -> list[InstallCodeRequest]:
        rows = self._conn.execute(select(*_ENTITY).where(*conditions).order_by(icr.c.id))
        return [_from_row(r) for r in rows]
