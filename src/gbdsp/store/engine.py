"""Database engines: SQLite (the embedded default, WAL on) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DisconnectionError, OperationalError

from gbdsp.domain.errors import GbdspError
from gbdsp.store import statement_count


class DatabaseError(GbdspError):
    """The database URL is wrong or the server does not answer."""


def normalise_url(url: str) -> URL:
    """Accept `postgresql://` and `postgres://` as psycopg 3 URLs."""
    try:
        parsed = make_url(url)
    except ArgumentError as e:
        raise DatabaseError(f"not a database URL: {url!r}") from e
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseError(
            f"unsupported database {parsed.get_backend_name()!r} (use sqlite or postgresql)"
        )
    return parsed


def make_engine(url: str, *, pool_size: int = 5) -> Engine:
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, connect_args={"timeout": SQLITE_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = create_engine(parsed, pool_size=pool_size, connect_args={"connect_timeout": 5})
        _ping_when_idle(engine)
    statement_count.install(engine)  # bench/wire.py only: off unless its variable is set
    return engine


IDLE_PING_SECONDS = 1.0
"""A pooled PostgreSQL connection idle this long is pinged before it is handed out."""
_CHECKED_IN = "gbdsp_checked_in"


def _ping_when_idle(engine: Engine) -> None:
    """SQLAlchemy's `pool_pre_ping`, but only for a connection that sat in the pool for
    `IDLE_PING_SECONDS`: a restarted server or a dropped connection is found out before a
    request uses it, while connections in steady use (every request of a busy gateway)
    skip a round trip each. A connection that dies while in use fails its statement; the
    pool then drops every connection older than that failure (SQLAlchemy's disconnect
    handling), so the next requests get fresh ones."""

    @event.listens_for(engine, "checkin")
    def checked_in(dbapi_conn: Any, record: Any) -> None:
        record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def checked_out(dbapi_conn: Any, record: Any, proxy: Any) -> None:
        since = record.info.get(_CHECKED_IN)
        if since is not None and time.monotonic() - since < IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as e:
            raise DisconnectionError("pooled connection did not answer its ping") from e


def check_connection(engine: Engine) -> None:
    """Fail with one clear line (password hidden) if the database does not answer."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as e:
        where = engine.url.render_as_string(hide_password=True)
        reason = str(e.orig).strip().splitlines()[0] if e.orig else str(e)
        raise DatabaseError(f"cannot reach database {where}: {reason}") from e


READ_ONLY = "gbdsp_read_only"
"""Execution option: a read-only transaction (SQLite: deferred BEGIN, a WAL snapshot)."""


SQLITE_TIMEOUT_MS = 30_000
"""How long a statement waits for a lock another connection holds (sqlite3 `timeout`)."""
WRITE_LOCK_POLL = 0.0001
"""Seconds between tries of a writer waiting for the write lock (see `_begin_immediate`)."""


def _sqlite_begin(conn: Any) -> None:
    # Writers take the write lock when they begin (BEGIN IMMEDIATE) instead of upgrading a
    # read lock later, which in WAL mode fails at once if another writer got there first.
    # Both go to the driver's connection directly: through SQLAlchemy a BEGIN cost 0.05 ms
    # of execution-context work (docs/scaling.md, fourth round).
    raw = conn.connection.dbapi_connection
    if conn.get_execution_options().get(READ_ONLY, False):
        _raw(raw, "BEGIN")
    else:
        _begin_immediate(raw)


def _raw(raw: Any, statement: str) -> None:
    """One statement on the driver's connection, its error as SQLAlchemy raises it."""
    try:
        raw.execute(statement)
    except sqlite3.Error as e:
        raise OperationalError(statement, None, e) from e


def _begin_immediate(raw: Any) -> None:
    """BEGIN IMMEDIATE, waiting for another writer (another worker) by trying again every
    0.1 ms: SQLite's own busy handler sleeps 1, 2, 5, 10 ms... between tries, far longer
    than a gateway request holds the lock (docs/scaling.md, fourth round). Gives up after
    SQLITE_TIMEOUT_MS, as the busy handler would."""
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        deadline = time.monotonic() + SQLITE_TIMEOUT_MS / 1000
        while True:
            try:
                _raw(raw, "BEGIN IMMEDIATE")
                return
            except OperationalError as e:
                if "locked" not in str(e.orig) or time.monotonic() > deadline:
                    raise
                time.sleep(WRITE_LOCK_POLL)
    finally:
        raw.execute(f"PRAGMA busy_timeout = {SQLITE_TIMEOUT_MS}")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # We issue BEGIN ourselves (see _sqlite_begin), so pysqlite must not.
    dbapi_conn.isolation_level = None
    # WAL lets the gateway read while an import or housekeeping run writes.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()
