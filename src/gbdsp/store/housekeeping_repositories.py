"""Set-based queries for MP60 housekeeping: due devices, removal with archive, reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    tuple_,
    update,
)

from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.store.tables import (
    device_status_history,
    devices,
    housekeeping_archive,
    housekeeping_runs,
    wan_han_log,
    wan_hubs,
    wan_joins,
)


@dataclass(frozen=True, slots=True)
class DueFilter:
    """Which devices a rule removes on a date, as SQL sees it."""

    cutoff: datetime
    excluded_types: frozenset[str]
    only_after_left_pending: bool

    def clause(self) -> Any:
        conditions = [devices.c.status == "Pending", devices.c.status_date <= self.cutoff]
        if self.excluded_types:
            conditions.append(devices.c.device_type.not_in(sorted(self.excluded_types)))
        if self.only_after_left_pending:
            conditions.append(devices.c.left_pending.is_(True))
        return and_(*conditions)


@dataclass(frozen=True, slots=True)
class ArchivedDevice:
    device_id: DeviceId
    device_type: str
    responsible_supplier: UserId | None
    pending_since: datetime | None
    removed_at: datetime
    run_id: int
    rule: str
    record: str


class HousekeepingRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def due_ids(
        self, due: DueFilter, after: tuple[datetime, DeviceId] | None, limit: int
    ) -> list[tuple[datetime, DeviceId]]:
        """The next due devices in (status_date, Device ID) order, after `after`: a keyset
        walk of the (status, status_date, device_id) index, so a batch costs the same however
        many devices remain or were removed (dead index entries of removed rows included)."""
        query = (
            select(devices.c.status_date, devices.c.device_id)
            .where(due.clause())
            .order_by(devices.c.status_date, devices.c.device_id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(tuple_(devices.c.status_date, devices.c.device_id) > after)
        return [(r[0], r[1]) for r in self._conn.execute(query)]

    def still_due(self, due: DueFilter, ids: Sequence[DeviceId]) -> list[DeviceId]:
        """Those of `ids` that are still due (none changed status since they were read),
        locked until the transaction ends: a concurrent sweep waits here, then finds them
        gone instead of archiving them a second time. (SQLite: the writer lock does this.)"""
        if not ids:
            return []
        query = (
            select(devices.c.device_id)
            .where(due.clause(), devices.c.device_id.in_(list(ids)))
            .order_by(devices.c.device_id)
            .with_for_update()
        )
        return list(self._conn.execute(query).scalars())

    def due_counts(self, due: DueFilter) -> list[tuple[str, UserId | None, int]]:
        rows = self._conn.execute(
            select(devices.c.device_type, devices.c.responsible_supplier, func.count())
            .where(due.clause())
            .group_by(devices.c.device_type, devices.c.responsible_supplier)
        )
        return [(r[0], r[1], int(r[2])) for r in rows]

    def due_devices(
        self, due: DueFilter, responsible: Sequence[UserId], limit: int
    ) -> list[tuple[DeviceId, str, datetime]]:
        """Due devices of these Responsible Suppliers, longest Pending first."""
        rows = self._conn.execute(
            select(devices.c.device_id, devices.c.device_type, devices.c.status_date)
            .where(due.clause(), devices.c.responsible_supplier.in_(list(responsible)))
            .order_by(devices.c.status_date, devices.c.device_id)
            .limit(limit)
        )
        return [(r[0], r[1], r[2]) for r in rows]

    def archive(self, entries: Sequence[dict[str, Any]]) -> None:
        if entries:
            self._conn.execute(insert(housekeeping_archive), list(entries))

    def remove(self, ids: Sequence[DeviceId]) -> None:
        """Delete the devices, their history and what the SM WAN emulator knew of them."""
        if not ids:
            return
        keys = list(ids)
        self._conn.execute(
            delete(device_status_history).where(device_status_history.c.device_id.in_(keys))
        )
        self._conn.execute(
            delete(wan_han_log).where(
                or_(wan_han_log.c.device_id.in_(keys), wan_han_log.c.chf_id.in_(keys))
            )
        )
        self._conn.execute(
            delete(wan_joins).where(
                or_(wan_joins.c.device_id.in_(keys), wan_joins.c.other_id.in_(keys))
            )
        )
        self._conn.execute(delete(wan_hubs).where(wan_hubs.c.chf_id.in_(keys)))
        self._conn.execute(delete(devices).where(devices.c.device_id.in_(keys)))

    def start_run(self, rule: str, at: datetime) -> int:
        return int(
            self._conn.execute(
                insert(housekeeping_runs)
                .values(started_at=at, rule=rule, removed=0)
                .returning(housekeeping_runs.c.id)
            ).scalar_one()
        )

    def count_removed(self, run_id: int, removed: int) -> None:
        self._conn.execute(
            update(housekeeping_runs)
            .where(housekeeping_runs.c.id == run_id)
            .values(removed=housekeeping_runs.c.removed + removed)
        )

    def finish_run(self, run_id: int, at: datetime) -> None:
        self._conn.execute(
            update(housekeeping_runs).where(housekeeping_runs.c.id == run_id).values(finished_at=at)
        )

    def archived(
        self,
        device_id: DeviceId | None = None,
        limit: int = 100,
        responsible: Sequence[UserId] | None = None,
    ) -> list[ArchivedDevice]:
        a = housekeeping_archive
        query = (
            select(
                a.c.device_id,
                a.c.device_type,
                a.c.responsible_supplier,
                a.c.pending_since,
                a.c.removed_at,
                a.c.run_id,
                a.c.rule,
                a.c.record,
            )
            .order_by(a.c.id.desc())
            .limit(limit)
        )
        if device_id is not None:
            query = query.where(a.c.device_id == device_id)
        if responsible is not None:
            query = query.where(a.c.responsible_supplier.in_(list(responsible)))
        return [ArchivedDevice(*r) for r in self._conn.execute(query)]

    def pending_age(
        self, bounds: Sequence[tuple[datetime | None, str]]
    ) -> list[tuple[str, UserId | None, str, int]]:
        """Pending devices by type, Responsible Supplier and age bucket. `bounds`: (the
        pending-since date a device must be after to fall in the bucket, its label)."""
        whens = [
            (devices.c.status_date > since, label) for since, label in bounds if since is not None
        ]
        last = next(label for since, label in bounds if since is None)
        bucket = case(*whens, else_=last)
        rows = self._conn.execute(
            select(devices.c.device_type, devices.c.responsible_supplier, bucket, func.count())
            .where(devices.c.status == "Pending")
            .group_by(devices.c.device_type, devices.c.responsible_supplier, bucket)
        )
        return [(r[0], r[1], str(r[2]), int(r[3])) for r in rows]

    def hub_lifecycle_lines(self) -> list[tuple[DeviceId, str, datetime, UserId | None]]:
        """Every CHF's history lines (device, reason, when, by), for stock reports."""
        h = device_status_history
        rows = self._conn.execute(
            select(h.c.device_id, h.c.reason, h.c.effective_at, h.c.by_user)
            .join(devices, devices.c.device_id == h.c.device_id)
            .where(devices.c.device_type == "CHF")
            .order_by(h.c.effective_at, h.c.id)
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    def hubs_by_firmware(self) -> list[tuple[UserId | None, str, str, str, str, int]]:
        """Communications Hub functions by holder, status, model and firmware."""
        rows = self._conn.execute(
            select(
                devices.c.responsible_supplier,
                devices.c.status,
                devices.c.manufacturer,
                devices.c.model,
                devices.c.firmware_version,
                func.count(),
            )
            .where(devices.c.device_type == "CHF")
            .group_by(
                devices.c.responsible_supplier,
                devices.c.status,
                devices.c.manufacturer,
                devices.c.model,
                devices.c.firmware_version,
            )
        )
        return [(r[0], r[1] or "", r[2], r[3], r[4], int(r[5])) for r in rows]
