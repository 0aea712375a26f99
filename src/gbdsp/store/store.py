"""The Store: one engine, transactions that hand out repositories."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine

from gbdsp.store import migrate
from gbdsp.store.engine import check_connection, make_engine
from gbdsp.store.gateway_repositories import (
    AuditRepository,
    CounterRepository,
    OutboxRepository,
    TransformRepository,
)
from gbdsp.store.repositories import CplRepository, DeviceRepository, UserRepository


class Transaction:
    """What a service sees inside one database transaction."""

    def __init__(self, conn: Connection) -> None:
        self.connection = conn
        self.devices = DeviceRepository(conn)
        self.cpl = CplRepository(conn)
        self.users = UserRepository(conn)
        self.counters = CounterRepository(conn)
        self.transforms = TransformRepository(conn)
        self.outbox = OutboxRepository(conn)
        self.audit = AuditRepository(conn)


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str, *, migrate_schema: bool = False) -> Store:
        engine = make_engine(url)
        check_connection(engine)
        if migrate_schema:
            migrate.upgrade(engine)
        return cls(engine)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Commit on success, roll back on any exception: nothing half-written."""
        with self.engine.begin() as conn:
            yield Transaction(conn)

    def close(self) -> None:
        self.engine.dispose()
