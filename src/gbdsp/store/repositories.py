"""Repositories: rows to domain values and back. Nothing outside `store/` writes SQL."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    String,
    Table,
    bindparam,
    cast,
    func,
    insert,
    null,
    or_,
    select,
    union_all,
    update,
)

from gbdsp.domain.devices import (
    CspRegion,
    Device,
    DeviceModel,
    DeviceType,
    SmetsVariant,
    SmiStatus,
    StatusChange,
    normalise_postcode,
)
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.parties import Certificate, Party, User, UserRole, UserStatus
from gbdsp.domain.products import CplEntry, CplKey, CplStatus
from gbdsp.store import hot
from gbdsp.store.tables import (
    agent_relationships,
    cpl_entries,
    device_status_history,
    devices,
    parties,
    user_certificates,
    user_roles,
    users,
)
from gbdsp.store.types import UserIdType

# Hot-path statements are built once: building a SQLAlchemy expression costs more than
# running the query it makes (bench/duis_roundtrip.py stage costs).
# The hottest (every 8.2) run through store/hot.py: compiled once per dialect, rows as tuples.
_DEVICE_BY_ID = hot.Prepared(select(devices).where(devices.c.device_id == bindparam("device_id")))
_DEVICE_LOG = hot.Prepared(
    select(devices).where(devices.c.chf_id == bindparam("chf_id")).order_by(devices.c.device_id)
)
# A premises: the CHF and its Device Log in one round trip (8.2), CHF first. Two index
# lookups (primary key, chf_id) joined by a BitmapOr on PostgreSQL, by OR-optimisation on
# SQLite.
_PREMISES = hot.Prepared(
    select(devices)
    .where(or_(devices.c.device_id == bindparam("chf_id"), devices.c.chf_id == bindparam("chf_id")))
    .order_by(devices.c.chf_id.is_not(None), devices.c.device_id)
)
_FIND_BY = {
    column: hot.Prepared(
        select(devices)
        .where(devices.c[column] == bindparam("value"))
        .order_by(devices.c.device_id)
        .limit(bindparam("limit"))
    )
    for column in ("import_mpxn", "uprn", "postcode")
}
_USER_BY_ID = select(users).where(users.c.user_id == bindparam("user_id"))
# A User's roles and the suppliers it acts for, in one round trip (every DUIS request).
_USER_LINKS = union_all(
    select(user_roles.c.role.label("role"), cast(null(), UserIdType()).label("supplier")).where(
        user_roles.c.user_id == bindparam("user_id")
    ),
    select(cast(null(), String(4)).label("role"), agent_relationships.c.supplier_id).where(
        agent_relationships.c.agent_id == bindparam("user_id")
    ),
)


class DeviceRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, device_id: DeviceId, *, with_history: bool = True) -> Device | None:
        rows = _DEVICE_BY_ID.run(self._conn, {"device_id": device_id.signed}).all()
        if not rows:
            return None
        device = hot.devices_from_rows(self._conn, rows)[0]
        return replace(device, history=self.history(device_id)) if with_history else device

    def history(self, device_id: DeviceId) -> tuple[StatusChange, ...]:
        rows = self._conn.execute(
            select(device_status_history)
            .where(device_status_history.c.device_id == device_id)
            .order_by(device_status_history.c.effective_at, device_status_history.c.id)
        )
        return tuple(
            StatusChange(SmiStatus(r.status), r.effective_at, r.reason, r.by_user) for r in rows
        )

    def histories(self, ids: Sequence[DeviceId]) -> dict[DeviceId, list[StatusChange]]:
        """The status histories of several devices in one query (bulk paths)."""
        found: dict[DeviceId, list[StatusChange]] = {i: [] for i in ids}
        if not ids:
            return found
        rows = self._conn.execute(
            select(device_status_history)
            .where(device_status_history.c.device_id.in_(list(ids)))
            .order_by(
                device_status_history.c.device_id,
                device_status_history.c.effective_at,
                device_status_history.c.id,
            )
        )
        for r in rows:
            found[r.device_id].append(
                StatusChange(SmiStatus(r.status), r.effective_at, r.reason, r.by_user)
            )
        return found

    def get_many(self, ids: Sequence[DeviceId]) -> dict[DeviceId, Device]:
        """Several devices in one query, without history (bulk paths)."""
        if not ids:
            return {}
        rows = self._conn.execute(select(devices).where(devices.c.device_id.in_(ids)))
        return {r.device_id: device_from_row(r, ()) for r in rows}

    def add_many(self, new: Sequence[Device]) -> None:
        """Insert devices with their history lines (each device carries its own)."""
        if not new:
            return
        rows = [device_to_row(d) | {"left_pending": _has_left_pending(d)} for d in new]
        bulk_insert(self._conn, devices, rows)
        lines = [_history_row(d.device_id, change) for d in new for change in d.history]
        bulk_insert(self._conn, device_status_history, lines)

    def add(self, device: Device) -> None:
        self.add_many([device])

    def update(self, device: Device) -> None:
        """Write a device's attributes (not its status: that goes through record_status)."""
        values = device_to_row(device)
        for key in ("device_id", "status", "status_date"):
            values.pop(key)
        self._conn.execute(
            update(devices).where(devices.c.device_id == device.device_id).values(values)
        )

    def record_status(self, device_id: DeviceId, change: StatusChange) -> None:
        values: dict[str, Any] = {"status": change.status.value, "status_date": change.effective_at}
        if change.status is not SmiStatus.PENDING:
            values["left_pending"] = True
        self._conn.execute(update(devices).where(devices.c.device_id == device_id).values(values))
        self._conn.execute(insert(device_status_history), [_history_row(device_id, change)])

    def in_device_log(self, chf_id: DeviceId) -> list[Device]:
        """The devices on a CHF's Device Log (and its GPF), in ID order."""
        rows = _DEVICE_LOG.run(self._conn, {"chf_id": chf_id.signed}).all()
        return hot.devices_from_rows(self._conn, rows)

    def premises(self, chf_id: DeviceId) -> tuple[Device | None, list[Device]]:
        """A CHF (None if absent) and the devices on its Device Log, in ID order."""
        found = _PREMISES.run(self._conn, {"chf_id": chf_id.signed}).all()
        rows = hot.devices_from_rows(self._conn, found)
        if rows and rows[0].device_id == chf_id:
            return rows[0], rows[1:]
        return None, rows

    def find(
        self,
        *,
        mpxn: str | None = None,
        uprn: str | None = None,
        postcode: str | None = None,
        limit: int = 100,
    ) -> list[Device]:
        given = [
            (c, v) for c, v in (("import_mpxn", mpxn), ("uprn", uprn), ("postcode", postcode)) if v
        ]
        if len(given) == 1:  # the hot path (8.2 by one key): a statement built once
            column, value = given[0]
            if column == "postcode":
                value = normalise_postcode(value)
            rows = _FIND_BY[column].run(self._conn, {"value": value, "limit": limit}).all()
            return hot.devices_from_rows(self._conn, rows)
        query = select(devices).order_by(devices.c.device_id).limit(limit)
        if mpxn:
            query = query.where(devices.c.import_mpxn == mpxn)
        if uprn:
            query = query.where(devices.c.uprn == uprn)
        if postcode:
            query = query.where(devices.c.postcode == normalise_postcode(postcode))
        return [device_from_row(r, ()) for r in self._conn.execute(query)]

    def first_of(
        self, types: Collection[DeviceType], status: SmiStatus, responsible: UserId
    ) -> Device | None:
        """The first device (in ID order) of a Responsible Supplier of one of `types` in
        `status` (sample requests pick their default device so)."""
        query = (
            select(devices)
            .where(
                devices.c.device_type.in_([t.value for t in types]),
                devices.c.status == status.value,
                devices.c.responsible_supplier == responsible,
            )
            .order_by(devices.c.device_id)
            .limit(1)
        )
        row = self._conn.execute(query).first()
        return device_from_row(row, ()) if row is not None else None

    def iter_all(
        self, batch: int = 10_000, *, responsible: Collection[UserId] | None = None
    ) -> Iterator[Device]:
        """Every device in ID order (or only those of these Responsible Suppliers),
        streamed (keyset paging keeps memory flat)."""
        last: int | None = None
        while True:
            query = select(devices).order_by(devices.c.device_id).limit(batch)
            if responsible is not None:
                query = query.where(devices.c.responsible_supplier.in_(list(responsible)))
            if last is not None:
                query = query.where(devices.c.device_id > last)
            rows = self._conn.execute(query).all()
            if not rows:
                return
            for row in rows:
                yield device_from_row(row, ())
            last = rows[-1].device_id.signed

    def refresh_statistics(self) -> None:
        """After a bulk load the planner must know the new sizes, or it picks plans for an
        empty table (a bitmap scan of every Pending device per housekeeping batch)."""
        if self._conn.dialect.name == "postgresql":
            self._conn.exec_driver_sql("ANALYZE devices")
            self._conn.exec_driver_sql("ANALYZE device_status_history")
        else:
            self._conn.exec_driver_sql("ANALYZE")

    def count(self) -> int:
        return int(self._conn.execute(select(func.count()).select_from(devices)).scalar_one())

    def count_by_status(self) -> dict[tuple[str, str | None], int]:
        rows = self._conn.execute(
            select(devices.c.device_type, devices.c.status, func.count()).group_by(
                devices.c.device_type, devices.c.status
            )
        )
        return {(r[0], r[1]): int(r[2]) for r in rows}


class CplRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def all(self) -> list[CplEntry]:
        rows = self._conn.execute(
            select(cpl_entries).order_by(
                cpl_entries.c.manufacturer,
                cpl_entries.c.model,
                cpl_entries.c.hardware_version,
                cpl_entries.c.firmware_version,
                cpl_entries.c.device_type,
                cpl_entries.c.smets_variant,
            )
        )
        return [_cpl_from_row(r) for r in rows]

    def find(self, key: CplKey) -> CplEntry | None:
        row = self._conn.execute(select(cpl_entries).where(*_cpl_key_clause(key))).first()
        return _cpl_from_row(row) if row else None

    def put(self, entry: CplEntry) -> bool:
        """Insert or update the status of one entry; True if anything changed."""
        current = self.find(entry.key)
        if current is None:
            self._conn.execute(
                insert(cpl_entries).values(**_cpl_key_values(entry.key), status=entry.status.value)
            )
            return True
        if current.status is entry.status:
            return False
        self._conn.execute(
            update(cpl_entries).where(*_cpl_key_clause(entry.key)).values(status=entry.status.value)
        )
        return True


class UserRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def put_party(self, party: Party) -> None:
        exists = self._conn.execute(
            select(parties.c.party_id).where(parties.c.party_id == party.party_id)
        ).first()
        if exists:
            self._conn.execute(
                update(parties).where(parties.c.party_id == party.party_id).values(name=party.name)
            )
        else:
            self._conn.execute(insert(parties).values(party_id=party.party_id, name=party.name))

    def ensure_party(self, party: Party) -> None:
        """Create the Party if it is new; an existing Party keeps its name."""
        exists = self._conn.execute(
            select(parties.c.party_id).where(parties.c.party_id == party.party_id)
        ).first()
        if not exists:
            self._conn.execute(insert(parties).values(party_id=party.party_id, name=party.name))

    def put(self, user: User) -> None:
        """Create or replace a User with its roles and agent relationships."""
        values: dict[str, Any] = dict(
            party_id=user.party_id,
            name=user.name,
            status=user.status.value,
            response_url=user.response_url,
            email=user.email,
        )
        if self._exists(user.user_id):
            self._conn.execute(update(users).where(users.c.user_id == user.user_id).values(values))
            self._conn.execute(user_roles.delete().where(user_roles.c.user_id == user.user_id))
            self._conn.execute(
                agent_relationships.delete().where(agent_relationships.c.agent_id == user.user_id)
            )
        else:
            self._conn.execute(insert(users).values(user_id=user.user_id, **values))
        if user.roles:  # a GBCS remote party of the `sec` test world holds none
            self._conn.execute(
                insert(user_roles),
                [
                    {"user_id": user.user_id, "role": r.value}
                    for r in sorted(user.roles, key=_role_order)
                ],
            )
        if user.acts_for:
            self._conn.execute(
                insert(agent_relationships),
                [{"agent_id": user.user_id, "supplier_id": s} for s in sorted(user.acts_for)],
            )

    def set_response_url(self, user_id: UserId, url: str | None) -> bool:
        changed = self._conn.execute(
            update(users).where(users.c.user_id == user_id).values(response_url=url)
        )
        return changed.rowcount == 1

    def get(self, user_id: UserId) -> User | None:
        row = self._conn.execute(_USER_BY_ID, {"user_id": user_id}).first()
        if row is None:
            return None
        links = self._conn.execute(_USER_LINKS, {"user_id": user_id}).all()
        roles = [link.role for link in links if link.role is not None]
        acts_for = [link.supplier for link in links if link.supplier is not None]
        return User(
            user_id=row.user_id,
            party_id=row.party_id,
            name=row.name,
            roles=frozenset(UserRole(r) for r in roles),
            status=UserStatus(row.status),
            response_url=row.response_url,
            acts_for=frozenset(acts_for),
            email=row.email,
        )

    def all(self) -> list[User]:
        ids = self._conn.execute(select(users.c.user_id).order_by(users.c.user_id)).scalars()
        return [u for u in (self.get(i) for i in list(ids)) if u is not None]

    def put_certificate(self, cert: Certificate) -> None:
        key = (
            user_certificates.c.issuer == cert.issuer,
            user_certificates.c.serial == str(cert.serial),
        )
        self._conn.execute(user_certificates.delete().where(*key))
        self._conn.execute(
            insert(user_certificates).values(
                issuer=cert.issuer,
                serial=str(cert.serial),
                user_id=cert.user_id,
                public_key_der=cert.public_key_der,
                not_before=cert.not_before,
                not_after=cert.not_after,
            )
        )

    def remove_certificate(self, issuer: str, serial: int) -> None:
        self._conn.execute(
            user_certificates.delete().where(
                user_certificates.c.issuer == issuer, user_certificates.c.serial == str(serial)
            )
        )

    def certificate(self, issuer: str, serial: int) -> Certificate | None:
        row = self._conn.execute(
            select(user_certificates).where(
                user_certificates.c.issuer == issuer,
                user_certificates.c.serial == str(serial),
            )
        ).first()
        return _certificate_from_row(row) if row else None

    def certificates_of(self, user_id: UserId) -> list[Certificate]:
        rows = self._conn.execute(
            select(user_certificates).where(user_certificates.c.user_id == user_id)
        )
        return [_certificate_from_row(r) for r in rows]

    def _exists(self, user_id: UserId) -> bool:
        return (
            self._conn.execute(select(users.c.user_id).where(users.c.user_id == user_id)).first()
            is not None
        )


def bulk_insert(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert many rows fast: COPY on PostgreSQL, one prepared executemany on SQLite.

    SQLAlchemy's per-row parameter machinery costs more than the database does at bulk
    sizes (bench/bulk_import.py), so we apply the columns' own bind processors (the same
    conversion SQLAlchemy would do) and hand plain tuples to the driver, in the caller's
    transaction.
    """
    if not rows:
        return
    dialect = conn.dialect
    columns = [c for c in table.columns if c.name in rows[0]]
    processors = [c.type._cached_bind_processor(dialect) for c in columns]
    names = [c.name for c in columns]
    tuples = [
        tuple(p(row[n]) if p else row[n] for n, p in zip(names, processors, strict=True))
        for row in rows
    ]
    column_list = ", ".join(names)
    if dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table.name} ({column_list}) FROM STDIN") as copy:
            for values in tuples:
                copy.write_row(values)
    else:
        marks = ", ".join("?" for _ in names)
        conn.exec_driver_sql(f"INSERT INTO {table.name} ({column_list}) VALUES ({marks})", tuples)


def device_to_row(d: Device) -> dict[str, Any]:
    return {
        "device_id": d.device_id,
        "device_type": d.device_type.value,
        "manufacturer": d.model.manufacturer,
        "model": d.model.model,
        "hardware_version": d.model.hardware_version,
        "firmware_version": d.model.firmware_version,
        "smets_chts_version": d.smets_chts_version,
        "status": d.status.value if d.status else None,
        "status_date": d.status_date,
        "import_mpxn": d.import_mpxn,
        "uprn": d.uprn,
        "postcode": d.postcode,
        "chf_id": d.chf_id,
        "responsible_supplier": d.responsible_supplier,
        "installing_supplier": d.installing_supplier,
        "network_operator": d.network_operator,
        "restricted": d.restricted,
        "csp_region": d.csp_region.value if d.csp_region else None,
    }


def device_from_row(r: Row[Any], history: tuple[StatusChange, ...]) -> Device:
    return Device(
        device_id=r.device_id,
        device_type=DeviceType(r.device_type),
        model=DeviceModel(r.manufacturer, r.model, r.hardware_version, r.firmware_version),
        smets_chts_version=r.smets_chts_version,
        status=SmiStatus(r.status) if r.status else None,
        status_date=r.status_date,
        import_mpxn=r.import_mpxn,
        uprn=r.uprn,
        postcode=r.postcode,
        chf_id=r.chf_id,
        responsible_supplier=r.responsible_supplier,
        installing_supplier=r.installing_supplier,
        network_operator=r.network_operator,
        restricted=bool(r.restricted),
        csp_region=CspRegion(r.csp_region) if r.csp_region else None,
        history=history,
    )


def _has_left_pending(d: Device) -> bool:
    return any(c.status is not SmiStatus.PENDING for c in d.history) or (
        d.status is not None and d.status is not SmiStatus.PENDING
    )


def _history_row(device_id: DeviceId, change: StatusChange) -> dict[str, Any]:
    return {
        "device_id": device_id,
        "status": change.status.value,
        "effective_at": change.effective_at,
        "reason": change.reason,
        "by_user": change.by,
    }


def _cpl_key_values(key: CplKey) -> dict[str, str]:
    return {
        "manufacturer": key.model.manufacturer,
        "model": key.model.model,
        "hardware_version": key.model.hardware_version,
        "firmware_version": key.model.firmware_version,
        "device_type": key.device_type.value,
        "smets_variant": key.smets_variant.value,
    }


def _cpl_key_clause(key: CplKey) -> Iterable[Any]:
    return [cpl_entries.c[name] == value for name, value in _cpl_key_values(key).items()]


def _cpl_from_row(r: Row[Any]) -> CplEntry:
    key = CplKey(
        DeviceModel(r.manufacturer, r.model, r.hardware_version, r.firmware_version),
        DeviceType(r.device_type),
        SmetsVariant(r.smets_variant),
    )
    return CplEntry(key, CplStatus(r.status))


def _certificate_from_row(r: Row[Any]) -> Certificate:
    return Certificate(
        issuer=r.issuer,
        serial=int(r.serial),
        user_id=r.user_id,
        public_key_der=r.public_key_der,
        not_before=r.not_before,
        not_after=r.not_after,
    )


def _role_order(role: UserRole) -> int:
    return list(UserRole).index(role)
