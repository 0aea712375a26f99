"""Fixtures: real databases (a SQLite file and the PostgreSQL server), never mocks.

PostgreSQL: GBDSP_TEST_POSTGRES=auto (default: use it when it answers, else skip those
cases), required (CI: fail if it does not answer) or off. The server URL comes from
GBDSP_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres); tests
create and drop their own databases on it.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from gbdsp.clock import ManualClock
from gbdsp.store import migrate
from gbdsp.store.engine import make_engine
from gbdsp.store.store import Store
from gbdsp.store.tables import metadata

PG_MODE = os.environ.get("GBDSP_TEST_POSTGRES", "auto")
PG_SERVER = os.environ.get(
    "GBDSP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite", "postgresql"]


class PostgresServer:
    """Creates and drops throw-away databases on the PostgreSQL server under test."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url).set(drivername="postgresql+psycopg")
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT")

    def create(self) -> str:
        name = f"gbdsp_test_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        return self.url.set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer | None]:
    if PG_MODE == "off":
        yield None
        return
    server = PostgresServer(PG_SERVER)
    try:
        with server.admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as e:
        if PG_MODE == "required":
            pytest.fail(f"PostgreSQL expected at {PG_SERVER} but unusable: {e}")
        yield None
        return
    yield server
    server.admin.dispose()


@pytest.fixture(scope="session")
def _migrated_postgres(postgres: PostgresServer | None) -> Iterator[str | None]:
    if postgres is None:
        yield None
        return
    url = postgres.create()
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    postgres.drop(url)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "gbdsp.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store(
    backend: str, tmp_path: Path, _sqlite_template: Path, _migrated_postgres: str | None
) -> Iterator[Store]:
    """A migrated, empty store on each backend."""
    if backend == "sqlite":
        path = tmp_path / "gbdsp.sqlite"
        shutil.copy(_sqlite_template, path)
        s = Store.open(f"sqlite:///{path}")
    else:
        if _migrated_postgres is None:
            pytest.skip("PostgreSQL not available (GBDSP_TEST_POSTGRES=auto)")
        s = Store.open(_migrated_postgres)
        names = ", ".join(t.name for t in metadata.sorted_tables)
        with s.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    yield s
    s.close()


@pytest.fixture
def database_url(backend: str, postgres: PostgresServer | None) -> Iterator[str]:
    """An empty database for end-to-end runs: '' (SQLite in the data dir) or a new PG one."""
    if backend == "sqlite":
        yield ""
        return
    if postgres is None:
        pytest.skip("PostgreSQL not available (GBDSP_TEST_POSTGRES=auto)")
    url = postgres.create()
    yield url
    postgres.drop(url)


@pytest.fixture
def old_database(backend: str, tmp_path: Path, postgres: PostgresServer | None) -> Iterator[str]:
    """An empty database, not migrated, to migrate step by step (a SQLite file or a new PG
    one)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.sqlite'}"
        return
    if postgres is None:
        pytest.skip("PostgreSQL not available (GBDSP_TEST_POSTGRES=auto)")
    url = postgres.create()
    yield url
    postgres.drop(url)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))
