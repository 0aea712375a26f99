"""Repositories for registration data (change of supplier) and the SM WAN emulator's state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, bindparam, delete, func, insert, or_, select, update

from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.store import hot
from gbdsp.store.tables import (
    registrations,
    wan_han_log,
    wan_hubs,
    wan_joins,
    wan_restricted,
)
from gbdsp.store.types import UtcDateTime


@dataclass(frozen=True, slots=True)
class Registration:
    id: int
    mpxn: str
    supplier_id: UserId
    effective_from: datetime
    applied_at: datetime | None = None
    received_at: datetime | None = None


# Every trusted DUIS request asks this (the Responsible Supplier as it is right now): built
# once, like the other hot-path statements.
# Every device command asks both (wan/emulator.py `unreachable`): store/hot.py statements.
_COVERAGE = hot.Prepared(
    select(wan_hubs.c.coverage).where(wan_hubs.c.chf_id == bindparam("chf_id"))
)
_ON_HAN = hot.Prepared(
    select(wan_han_log.c.chf_id, wan_han_log.c.install_code_ok).where(
        wan_han_log.c.device_id == bindparam("device_id")
    )
)

_DUE_REGISTRATIONS = (
    select(
        registrations.c.id,
        registrations.c.mpxn,
        registrations.c.supplier_id,
        registrations.c.effective_from,
    )
    .where(
        registrations.c.applied_at.is_(None),
        registrations.c.effective_from <= bindparam("now", type_=UtcDateTime()),
    )
    .order_by(registrations.c.effective_from, registrations.c.id)
)
_NEXT_DUE = select(func.min(registrations.c.effective_from)).where(
    registrations.c.applied_at.is_(None)
)


class RegistrationRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(
        self, mpxn: str, supplier_id: UserId, effective_from: datetime, received_at: datetime
    ) -> None:
        self._conn.execute(
            insert(registrations).values(
                mpxn=mpxn,
                supplier_id=supplier_id,
                effective_from=effective_from,
                received_at=received_at,
            )
        )

    def due(self, now: datetime) -> list[Registration]:
        """Registrations now in effect that the SMI has not taken over yet, oldest first."""
        rows = self._conn.execute(_DUE_REGISTRATIONS, {"now": now})
        return [Registration(*r) for r in rows]

    def next_due(self) -> datetime | None:
        """When the earliest entry not yet taken over comes into effect (None: none left),
        from the front of `ix_registrations_due`."""
        value: datetime | None = self._conn.execute(_NEXT_DUE).scalar()
        return value

    def latest(self, limit: int) -> list[Registration]:
        """The entries with the latest effective dates (those still to come first)."""
        rows = self._conn.execute(
            select(
                registrations.c.id,
                registrations.c.mpxn,
                registrations.c.supplier_id,
                registrations.c.effective_from,
                registrations.c.applied_at,
                registrations.c.received_at,
            )
            .order_by(registrations.c.effective_from.desc(), registrations.c.id.desc())
            .limit(limit)
        )
        return [Registration(*r) for r in rows]

    def mark_applied(self, registration_id: int, at: datetime) -> None:
        self._conn.execute(
            update(registrations).where(registrations.c.id == registration_id).values(applied_at=at)
        )


class WanRepository:
    """What the emulated SM WAN and devices remember (never install codes themselves)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def set_coverage(self, chf_id: DeviceId, coverage: bool) -> None:
        if self._conn.execute(select(wan_hubs.c.chf_id).where(wan_hubs.c.chf_id == chf_id)).first():
            self._conn.execute(
                update(wan_hubs).where(wan_hubs.c.chf_id == chf_id).values(coverage=coverage)
            )
        else:
            self._conn.execute(insert(wan_hubs).values(chf_id=chf_id, coverage=coverage))

    def coverage(self, chf_id: DeviceId) -> bool | None:
        """None: the hub was never installed (no WAN record)."""
        value = _COVERAGE.run(self._conn, {"chf_id": chf_id.signed}).scalar()
        return None if value is None else bool(value)

    def put_on_han(self, chf_id: DeviceId, device_id: DeviceId, install_code_ok: bool) -> None:
        self.remove_from_han(device_id)
        self._conn.execute(
            insert(wan_han_log).values(
                device_id=device_id, chf_id=chf_id, install_code_ok=install_code_ok
            )
        )

    def remove_from_han(self, device_id: DeviceId) -> None:
        self._conn.execute(delete(wan_han_log).where(wan_han_log.c.device_id == device_id))

    def on_han(self, device_id: DeviceId) -> tuple[DeviceId, bool] | None:
        """The CHF whose log holds the device, and whether the device could join with it."""
        rows = _ON_HAN.run(self._conn, {"device_id": device_id.signed}).all()
        return None if not rows else (DeviceId.from_signed(rows[0][0]), bool(rows[0][1]))

    def join(self, a: DeviceId, b: DeviceId) -> None:
        self.unjoin(a, b)
        self._conn.execute(
            insert(wan_joins), [{"device_id": a, "other_id": b}, {"device_id": b, "other_id": a}]
        )

    def unjoin(self, a: DeviceId, b: DeviceId) -> None:
        self._conn.execute(
            delete(wan_joins).where(
                or_(
                    and_(wan_joins.c.device_id == a, wan_joins.c.other_id == b),
                    and_(wan_joins.c.device_id == b, wan_joins.c.other_id == a),
                )
            )
        )

    def set_restricted(self, device_id: DeviceId, restricted: bool, since: datetime) -> None:
        """The CSP's record of Restricted mode (it learns it from the DSP's messages)."""
        self._conn.execute(delete(wan_restricted).where(wan_restricted.c.device_id == device_id))
        self._conn.execute(
            insert(wan_restricted).values(device_id=device_id, restricted=restricted, since=since)
        )

    def restricted_indicator(self, device_id: DeviceId) -> tuple[bool, datetime] | None:
        row = self._conn.execute(
            select(wan_restricted.c.restricted, wan_restricted.c.since).where(
                wan_restricted.c.device_id == device_id
            )
        ).first()
        return None if row is None else (bool(row[0]), row[1])

    def joined_with(self, device_id: DeviceId) -> list[DeviceId]:
        return list(
            self._conn.execute(
                select(wan_joins.c.other_id).where(wan_joins.c.device_id == device_id)
            ).scalars()
        )
