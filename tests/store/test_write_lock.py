"""SQLite writers wait for each other by polling BEGIN IMMEDIATE every 0.1 ms (store/engine.py
`_begin_immediate`), not with SQLite's busy handler, which sleeps a millisecond or more."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from gbdsp.store import engine as engine_module
from gbdsp.store.engine import make_engine


def _engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'lock.sqlite'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    return engine


def test_a_writer_waits_for_the_other_and_gets_the_lock_soon_after(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    held = threading.Event()
    release_at: list[float] = []

    def hold() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            held.set()
            time.sleep(0.2)
            release_at.append(time.monotonic())

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    with engine.begin() as conn:  # blocks until the holder commits
        got_at = time.monotonic()
        conn.execute(text("INSERT INTO t VALUES (2)"))
    holder.join()
    assert got_at >= release_at[0]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 2
        # the connection's busy timeout is back for every other statement
        assert conn.execute(text("PRAGMA busy_timeout")).scalar_one() == 30_000
    engine.dispose()


def test_a_writer_gives_up_after_the_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = _engine(tmp_path)
    monkeypatch.setattr(engine_module, "SQLITE_TIMEOUT_MS", 100)
    with engine.begin() as holder:
        holder.execute(text("INSERT INTO t VALUES (1)"))
        started = time.monotonic()
        with pytest.raises(OperationalError, match="locked"), engine.begin():
            pass
        assert 0.1 <= time.monotonic() - started < 2
    engine.dispose()
