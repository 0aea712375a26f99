"""PostgreSQL connections are pinged only after sitting idle (store/engine.py): a server
that dropped them is found out before a request uses one, and busy ones skip the ping."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from gbdsp.store import engine as engine_module
from gbdsp.store.store import Store


def _backend_pids(store: Store) -> list[int]:
    with store.engine.connect() as conn:
        return [int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())]


def test_connection_dropped_while_idle_is_replaced_before_use(
    store: Store, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite has no server to drop a connection")
    monkeypatch.setattr(engine_module, "IDLE_PING_SECONDS", 0.05)
    (pid,) = _backend_pids(store)
    admin = create_engine(store.engine.url, poolclass=NullPool)
    with admin.connect() as other:  # a session of its own ends the pooled one
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        other.commit()
    admin.dispose()
    time.sleep(0.2)
    with store.transaction() as tx:  # no OperationalError: the ping found it dead
        tx.reference.current()
    assert _backend_pids(store) != [pid]


def test_busy_connection_is_not_pinged(
    store: Store, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend != "postgresql":
        pytest.skip("only PostgreSQL connections are pinged")
    pings: list[object] = []
    dialect = store.engine.dialect
    real = dialect.do_ping

    def counted(dbapi_conn: Any) -> bool:
        pings.append(dbapi_conn)
        return real(dbapi_conn)

    monkeypatch.setattr(dialect, "do_ping", counted)
    _backend_pids(store)
    before = len(pings)
    for _ in range(5):
        _backend_pids(store)
    assert len(pings) == before
    monkeypatch.setattr(engine_module, "IDLE_PING_SECONDS", 0.0)
    _backend_pids(store)
    assert len(pings) == before + 1
