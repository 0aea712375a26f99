"""DCC-scheduled SRVs (DUIS 5.1-5.3): the schedules the DSP runs on a User's behalf."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, delete, insert, select, text, update

from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.store.tables import dcc_schedules


@dataclass(frozen=True, slots=True)
class StoredSchedule:
    schedule_id: int
    user_id: UserId
    device_id: DeviceId
    srv: str
    details: bytes
    frequency: str
    start_date: date
    end_date: date | None
    at_time: str
    next_run_at: datetime
    runs: int


_COLUMNS = (
    dcc_schedules.c.schedule_id,
    dcc_schedules.c.user_id,
    dcc_schedules.c.device_id,
    dcc_schedules.c.srv,
    dcc_schedules.c.details,
    dcc_schedules.c.frequency,
    dcc_schedules.c.start_date,
    dcc_schedules.c.end_date,
    dcc_schedules.c.at_time,
    dcc_schedules.c.next_run_at,
    dcc_schedules.c.runs,
)


class ScheduleRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(
        self,
        *,
        user_id: UserId,
        device_id: DeviceId,
        srv: str,
        details: bytes,
        frequency: str,
        start_date: date,
        end_date: date | None,
        at_time: str,
        next_run_at: datetime,
        created_at: datetime,
        schedule_id: int | None = None,
    ) -> int:
        values = dict(
            user_id=user_id,
            device_id=device_id,
            srv=srv,
            details=details,
            frequency=frequency,
            start_date=start_date,
            end_date=end_date,
            at_time=at_time,
            next_run_at=next_run_at,
            created_at=created_at,
        )
        if schedule_id is not None:
            values["schedule_id"] = schedule_id
        result = self._conn.execute(
            insert(dcc_schedules).values(**values).returning(dcc_schedules.c.schedule_id)
        )
        new_id = int(result.scalar_one())
        if schedule_id is not None and self._conn.dialect.name == "postgresql":
            # An explicit ID (the templates' schedule 123): keep the sequence past it.
            self._conn.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('dcc_schedules', 'schedule_id'), "
                    "GREATEST((SELECT MAX(schedule_id) FROM dcc_schedules), 1))"
                )
            )
        return new_id

    def get(self, schedule_id: int) -> StoredSchedule | None:
        row = self._conn.execute(
            select(*_COLUMNS).where(dcc_schedules.c.schedule_id == schedule_id)
        ).first()
        return StoredSchedule(*row) if row else None

    def of_user(
        self,
        user_id: UserId,
        *,
        schedule_id: int | None = None,
        device_id: DeviceId | None = None,
        limit: int = 99,
    ) -> list[StoredSchedule]:
        query = select(*_COLUMNS).where(dcc_schedules.c.user_id == user_id)
        if schedule_id is not None:
            query = query.where(dcc_schedules.c.schedule_id == schedule_id)
        if device_id is not None:
            query = query.where(dcc_schedules.c.device_id == device_id)
        rows = self._conn.execute(query.order_by(dcc_schedules.c.schedule_id).limit(limit))
        return [StoredSchedule(*r) for r in rows]

    def of_device(self, device_id: DeviceId) -> list[StoredSchedule]:
        rows = self._conn.execute(
            select(*_COLUMNS)
            .where(dcc_schedules.c.device_id == device_id)
            .order_by(dcc_schedules.c.schedule_id)
        )
        return [StoredSchedule(*r) for r in rows]

    def remove(self, schedule_ids: list[int]) -> int:
        if not schedule_ids:
            return 0
        return self._conn.execute(
            delete(dcc_schedules).where(dcc_schedules.c.schedule_id.in_(schedule_ids))
        ).rowcount

    def due(self, now: datetime, limit: int) -> list[StoredSchedule]:
        query = (
            select(*_COLUMNS)
            .where(dcc_schedules.c.next_run_at <= now)
            .order_by(dcc_schedules.c.next_run_at, dcc_schedules.c.schedule_id)
            .limit(limit)
        )
        return [StoredSchedule(*r) for r in self._conn.execute(query)]

    def advance(self, schedule_id: int, ran_at: datetime, next_run_at: datetime) -> bool:
        """Move a schedule past the occurrence at `ran_at`, only if no one else did: the
        compare on next_run_at makes each occurrence run once across workers."""
        return (
            self._conn.execute(
                update(dcc_schedules)
                .where(
                    dcc_schedules.c.schedule_id == schedule_id,
                    dcc_schedules.c.next_run_at == ran_at,
                )
                .values(next_run_at=next_run_at, runs=dcc_schedules.c.runs + 1)
            ).rowcount
            == 1
        )
