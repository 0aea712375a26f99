"""Repositories of the DUIS gateway: originator counters, transforms, audit log (the outbox:
`outbox_repositories.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.store import hot
from gbdsp.store.tables import (
    audit_log,
    issued_transforms,
    originator_counters,
    reference_version,
)

_OFFSET = 2**63

# Built once (hot path: every trusted request runs these).
_ADVANCE = hot.Prepared(
    update(originator_counters)
    .where(
        originator_counters.c.user_id == bindparam("uid"),
        originator_counters.c.last_counter < bindparam("counter"),
    )
    .values(last_counter=bindparam("counter"))
)
_ADVANCE_READING_VERSION = hot.Prepared(
    update(originator_counters)
    .where(
        originator_counters.c.user_id == bindparam("uid"),
        originator_counters.c.last_counter < bindparam("counter"),
    )
    .values(last_counter=bindparam("counter"))
    .returning(
        select(reference_version.c.version).where(reference_version.c.id == 1).scalar_subquery()
    )
)
_AUDIT_COLUMNS = (
    "at",
    "direction",
    "web_service",
    "user_id",
    "request_id",
    "srv",
    "device_id",
    "outcome",
    "detail",
)
_AUDIT = hot.Prepared(insert(audit_log).values({c: bindparam(c) for c in _AUDIT_COLUMNS}))
_REFERENCE_VERSION = hot.Prepared(
    select(reference_version.c.version).where(reference_version.c.id == 1)
)


class ReferenceVersionRepository:
    """The counter the gateway's caches of reference data are checked against: migration
    0017's triggers bump it in the same transaction as any change to that data."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def current(self) -> int | None:
        """None if the row is missing (a test's TRUNCATE of every table): cache nothing."""
        value = _REFERENCE_VERSION.run(self._conn, {}).scalar()
        return None if value is None else int(value)


class CounterRepository:
    """Strictly increasing originator counters (DUIS anti-replay)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def advance(self, user_id: UserId, counter: int) -> bool:
        """Record `counter` if it is greater than the last accepted one; False if not.

        One conditional UPDATE, so two workers can never both accept the same counter: the
        row lock (PostgreSQL) or the write lock (SQLite) orders them, and the loser sees the
        winner's value. A first request inserts the row; a concurrent first insert loses the
        conflict and retries the UPDATE against the committed row.
        """
        stored = counter - _OFFSET
        t = originator_counters
        for _ in range(2):
            moved = _ADVANCE.run(self._conn, {"uid": user_id.signed, "counter": stored})
            if moved.rowcount == 1:
                return True
            dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
            inserted = self._conn.execute(
                dialect.insert(t)
                .values(user_id=user_id, last_counter=stored)
                .on_conflict_do_nothing()
                .returning(t.c.user_id)
            ).first()
            if inserted is not None:  # (INSERT rowcount is not reliable across drivers)
                return True
            exists = self._conn.execute(
                select(t.c.last_counter).where(t.c.user_id == user_id)
            ).scalar_one_or_none()
            if exists is not None and exists >= stored:
                return False
        return False

    def advance_reading_version(self, user_id: UserId, counter: int) -> tuple[int | None] | None:
        """`advance` and the reference version in one statement, the common case of every
        request: (version,) if the User's counter row moved to `counter` (version None if
        its row is missing), None if it did not (a first request, or a replay: then call
        `advance`, and read the version apart). The version is read by the UPDATE itself,
        so later than the request began, as `ReferenceVersionRepository.current` reads it.
        """
        moved = _ADVANCE_READING_VERSION.run(
            self._conn, {"uid": user_id.signed, "counter": counter - _OFFSET}
        ).all()
        if not moved:
            return None
        version = moved[0][0]
        return (None if version is None else int(version),)

    def last(self, user_id: UserId) -> int | None:
        value = self._conn.execute(
            select(originator_counters.c.last_counter).where(
                originator_counters.c.user_id == user_id
            )
        ).scalar()
        return None if value is None else int(value) + _OFFSET


@dataclass(frozen=True, slots=True)
class IssuedTransform:
    """A CV 4 transform: for whom, which SRV and device, and the pre-command it returned."""

    request_id: str
    user_id: UserId
    srv: str
    issued_at: datetime
    device_id: DeviceId | None
    pre_command: bytes | None
    """The unsigned General-Signing APDU; None for a stand-in (docs/gbcs.md)."""
    used: bool
    device_state: dict[str, Any] | None = None
    """What the command sets on the device (wan/device_state.py), read from the CV 4
    request: applied when the CV 5/6/7 executes it (None: nothing remembered)."""


class TransformRepository:
    """CV 4 transforms we issued: a CV 5/6/7 may reuse its RequestID exactly once."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def issue(
        self,
        request_id: str,
        user_id: UserId,
        srv: str,
        at: datetime,
        *,
        device_id: DeviceId | None = None,
        pre_command: bytes | None = None,
        device_state: dict[str, Any] | None = None,
    ) -> None:
        self._conn.execute(
            insert(issued_transforms).values(
                request_id=request_id,
                user_id=user_id,
                srv=srv,
                issued_at=at,
                device_id=device_id,
                pre_command=pre_command,
                device_state=device_state,
            )
        )

    def get(self, request_id: str, user_id: UserId) -> IssuedTransform | None:
        """The transform issued to this User under this RequestID (used or not)."""
        t = issued_transforms
        row = self._conn.execute(
            select(t).where(t.c.request_id == request_id, t.c.user_id == user_id)
        ).first()
        if row is None:
            return None
        return IssuedTransform(
            row.request_id,
            row.user_id,
            row.srv,
            row.issued_at,
            row.device_id,
            None if row.pre_command is None else bytes(row.pre_command),
            row.used_at is not None,
            None if row.device_state is None else dict(row.device_state),
        )

    def consume(self, request_id: str, user_id: UserId, at: datetime) -> str | None:
        """Mark the transform used; return its SRV, or None if there is no unused one
        (a conditional UPDATE: of two concurrent uses, one wins)."""
        t = issued_transforms
        srv = self._conn.execute(
            select(t.c.srv).where(
                t.c.request_id == request_id,
                t.c.user_id == user_id,
                t.c.used_at.is_(None),
            )
        ).scalar()
        if srv is None:
            return None
        used = self._conn.execute(
            update(t).where(t.c.request_id == request_id, t.c.used_at.is_(None)).values(used_at=at)
        )
        return str(srv) if used.rowcount == 1 else None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    direction: str
    outcome: str
    web_service: str | None = None
    user_id: UserId | None = None
    request_id: str | None = None
    srv: str | None = None
    device_id: DeviceId | None = None
    detail: str | None = None


class AuditRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def record(self, entry: AuditEntry) -> None:
        _AUDIT.run(
            self._conn,
            {
                "at": hot.time_param(self._conn, entry.at),
                "direction": entry.direction,
                "outcome": entry.outcome,
                "web_service": entry.web_service,
                "user_id": None if entry.user_id is None else entry.user_id.signed,
                "request_id": entry.request_id,
                "srv": entry.srv,
                "device_id": None if entry.device_id is None else entry.device_id.signed,
                "detail": entry.detail[:300] if entry.detail else None,
            },
        )

    def recent(self, limit: int = 100) -> list[AuditEntry]:
        rows = self._conn.execute(select(audit_log).order_by(audit_log.c.id.desc()).limit(limit))
        return [
            AuditEntry(
                r.at,
                r.direction,
                r.outcome,
                r.web_service,
                r.user_id,
                r.request_id,
                r.srv,
                r.device_id,
                r.detail,
            )
            for r in rows
        ]
