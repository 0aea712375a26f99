"""The Store: one engine, transactions that hand out repositories."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

from gbdsp.store import migrate
from gbdsp.store.alert_repositories import AlertLogRepository
from gbdsp.store.device_state_repositories import DeviceStateRepository
from gbdsp.store.engine import READ_ONLY, check_connection, make_engine
from gbdsp.store.errors import DatabaseError
from gbdsp.store.gateway_repositories import (
    AuditRepository,
    CounterRepository,
    ReferenceVersionRepository,
    TransformRepository,
)
from gbdsp.store.gbcs_repositories import GbcsCertificateRepository
from gbdsp.store.housekeeping_repositories import HousekeepingRepository
from gbdsp.store.install_code_repositories import InstallCodeRequestRepository
from gbdsp.store.job_repositories import JobLeaseRepository
from gbdsp.store.lifecycle_repositories import RegistrationRepository, WanRepository
from gbdsp.store.outbox_repositories import OutboxRepository
from gbdsp.store.read_models import ReportQueries
from gbdsp.store.repositories import CplRepository, DeviceRepository, UserRepository
from gbdsp.store.schedule_repositories import ScheduleRepository
from gbdsp.store.security_repositories import SecurityRepository
from gbdsp.store.sim_repositories import SmiSnapshotRepository
from gbdsp.store.ssi_repositories import (
    PortalAccountRepository,
    RestrictedLogRepository,
    SignInRepository,
    TokenRepository,
)


class Transaction:
    """What a service sees inside one database transaction: one repository per table group,
    and no SQL (the connection is the store's own)."""

    def __init__(self, conn: Connection) -> None:
        self._connection = conn
        self.devices = DeviceRepository(conn)
        self.cpl = CplRepository(conn)
        self.users = UserRepository(conn)
        self.counters = CounterRepository(conn)
        self.transforms = TransformRepository(conn)
        self.outbox = OutboxRepository(conn)
        self.audit = AuditRepository(conn)
        self.registrations = RegistrationRepository(conn)
        self.wan = WanRepository(conn)
        self.device_states = DeviceStateRepository(conn)
        self.schedules = ScheduleRepository(conn)
        self.housekeeping = HousekeepingRepository(conn)
        self.jobs = JobLeaseRepository(conn)
        self.install_codes = InstallCodeRequestRepository(conn)
        self.security = SecurityRepository(conn)
        self.sign_in = SignInRepository(conn)
        self.tokens = TokenRepository(conn)
        self.restricted_log = RestrictedLogRepository(conn)
        self.gbcs_certificates = GbcsCertificateRepository(conn)
        self.alerts = AlertLogRepository(conn)
        self.portal_accounts = PortalAccountRepository(conn)
        self.reports = ReportQueries(conn)
        self.smi_snapshot = SmiSnapshotRepository(conn)
        self.reference = ReferenceVersionRepository(conn)


@dataclass(frozen=True, slots=True)
class WriteFailure:
    at: float
    """Unix time of the failure."""
    reason: str
    """The driver's first line (no statement, no values: they may hold personal data)."""


def _one_line(e: Exception) -> str:
    return str(getattr(e, "orig", None) or e).strip().splitlines()[0][:200]


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # SQLite has one writer at a time: queueing writers on a lock here is far cheaper
        # than letting them collide in SQLite's busy handler, which sleeps in milliseconds.
        self._writer = threading.Lock() if engine.dialect.name == "sqlite" else None
        self.write_failure: WriteFailure | None = None
        """The last write the database refused (disk full, read-only, server gone), until a
        write succeeds again: what /health reports (issue 18)."""

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

    def reachable(self) -> bool:
        """Whether the database answers a trivial query now (/health)."""
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
            return True
        except DatabaseError:
            return False

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """A read-write transaction: commit on success, roll back on any exception, so
        nothing is ever half-written."""
        try:
            with self._writer or contextlib.nullcontext(), self.engine.begin() as conn:
                yield Transaction(conn)
        except OperationalError as e:  # the database's fault (disk full, read-only, gone)
            self.write_failure = WriteFailure(time.time(), _one_line(e))
            raise
        self.write_failure = None

    @contextmanager
    def read(self) -> Iterator[Transaction]:
        """A read-only transaction: a consistent snapshot that never waits for writers."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(**{READ_ONLY: True})
            with conn.begin():
                yield Transaction(conn)

    def close(self) -> None:
        self.engine.dispose()
