"""What the benchmarks share: throw-away databases (a SQLite file, or a new PostgreSQL
database on $GBDSP_BENCH_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/postgres)
and a free loopback port for a server under test."""

from __future__ import annotations

import os
import socket
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

PG_SERVER = os.environ.get(
    "GBDSP_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@contextmanager
def temporary_database(backend: str, directory: Path) -> Iterator[str]:
    """The URL of an empty database, dropped afterwards (PostgreSQL)."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'gbdsp.sqlite'}"
        return
    name = f"gbdsp_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(PG_SERVER), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_SERVER).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    """A loopback TCP port nobody is listening on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_command(data: Path, port: int, workers: int) -> list[str]:
    """`gbdsp serve` on a data directory, in this Python, as the benches start it."""
    serve = ["-m", "gbdsp", "--data", str(data), "serve"]
    return [sys.executable, *serve, "--port", str(port), "--workers", str(workers)]
