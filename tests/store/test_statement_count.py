"""bench/wire.py's statement counter: off unless asked for, then exact, and readable from
outside the process (the files the bench sums)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event, text

from gbdsp.store import statement_count
from gbdsp.store.engine import make_engine


def _listening(engine: object) -> bool:
    return any(
        event.contains(engine, "before_cursor_execute", fn)
        for fn in ([statement_count._counter.count] if statement_count._counter else [])
    )


def test_no_variable_no_counting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(statement_count.ENV, raising=False)
    engine = make_engine(f"sqlite:///{tmp_path / 'a.sqlite'}")
    assert not _listening(engine)
    engine.dispose()


def test_every_statement_is_counted_into_the_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counts = tmp_path / "counts"
    monkeypatch.setenv(statement_count.ENV, str(counts))
    monkeypatch.setattr(statement_count, "_counter", None)
    engine = make_engine(f"sqlite:///{tmp_path / 'b.sqlite'}")
    with engine.connect() as conn:
        for _ in range(3):
            conn.execute(text("SELECT 1"))
        conn.exec_driver_sql("SELECT 2")
    engine.dispose()
    assert statement_count.total(counts) == 4  # SQLite's BEGIN goes to the driver (store/engine.py)
    assert [p.suffix for p in counts.iterdir()] == [".count"]
