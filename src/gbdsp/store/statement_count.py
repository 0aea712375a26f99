"""SQL statements counted across processes, for `bench/wire.py`; off unless asked for.

With $GBDSP_STATEMENT_COUNTS naming a directory, every engine of the process counts the
statements it sends (SQLAlchemy's `before_cursor_execute`, so SQLite's `BEGIN IMMEDIATE`
counts; PostgreSQL's implicit BEGIN and COMMIT do not) into a file of eight bytes named
after the process id, mapped in memory: a worker adds a few hundred nanoseconds a statement,
and a bench sums the files of every worker of `gbdsp serve --workers N` without asking them.
Normal serving never sets the variable and pays nothing.
"""

from __future__ import annotations

import mmap
import os
import struct
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

ENV = "GBDSP_STATEMENT_COUNTS"
_CELL = struct.Struct("<q")


class _ProcessCounter:
    """This process's count, in its own mapped file (one per process id)."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{os.getpid()}.count"
        with path.open("wb") as f:
            f.write(bytes(_CELL.size))
        self._file = path.open("r+b")
        self._map = mmap.mmap(self._file.fileno(), _CELL.size)
        self._value = 0
        self._lock = threading.Lock()  # gateway threads count at once

    def count(self, *_: Any) -> None:
        with self._lock:
            self._value += 1
            _CELL.pack_into(self._map, 0, self._value)


_counter: _ProcessCounter | None = None
_counter_pid = 0


def install(engine: Engine) -> None:
    """Count this engine's statements if $GBDSP_STATEMENT_COUNTS is set (else nothing)."""
    directory = os.environ.get(ENV)
    if not directory:
        return
    global _counter, _counter_pid
    if _counter is None or _counter_pid != os.getpid():  # a forked worker counts apart
        _counter, _counter_pid = _ProcessCounter(Path(directory)), os.getpid()
    event.listen(engine, "before_cursor_execute", _counter.count)


def total(directory: Path) -> int:
    """Statements counted so far by every process that counted into `directory`."""
    return sum(_CELL.unpack(p.read_bytes()[: _CELL.size])[0] for p in directory.glob("*.count"))
