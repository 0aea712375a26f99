"""Bulk loading of whole fleets: COPY on PostgreSQL, prepared executemany on SQLite.

Rows arrive as plain tuples in the column orders below (device and user IDs as their signed
64-bit integers, times as aware UTC datetimes), because building a `Device` per row costs
more than the database spends storing it (docs/scaling.md). The whole load is one
transaction: interrupted, it leaves the SMI as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Connection,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    exists,
    select,
)
from sqlalchemy.types import TypeDecorator, TypeEngine

from gbdsp.store.store import Store
from gbdsp.store.tables import (
    device_status_history,
    devices,
    registrations,
    wan_han_log,
    wan_hubs,
)

DEVICE_COLUMNS = (
    "device_id",
    "device_type",
    "manufacturer",
    "model",
    "hardware_version",
    "firmware_version",
    "smets_chts_version",
    "status",
    "status_date",
    "import_mpxn",
    "uprn",
    "postcode",
    "chf_id",
    "responsible_supplier",
    "installing_supplier",
    "network_operator",
    "restricted",
    "csp_region",
    "left_pending",
)
HISTORY_COLUMNS = ("device_id", "status", "effective_at", "reason", "by_user")
REGISTRATION_COLUMNS = ("mpxn", "supplier_id", "effective_from", "applied_at", "received_at")
HUB_COLUMNS = ("chf_id", "coverage")
HAN_COLUMNS = ("device_id", "chf_id", "install_code_ok")

DeviceRow = tuple[
    int,
    str,
    str,
    str,
    str,
    str,
    str,
    str | None,
    datetime | None,
    str | None,
    str | None,
    str | None,
    int | None,
    int | None,
    int | None,
    int | None,
    bool,
    str | None,
    bool,
]
HistoryRow = tuple[int, str, datetime, str, int | None]
RegistrationRow = tuple[str, int, datetime, datetime | None, datetime]
HubRow = tuple[int, bool]
HanRow = tuple[int, int, bool]
Premises = tuple[
    list[DeviceRow], list[HistoryRow], list[RegistrationRow], list[HubRow], list[HanRow]
]
"""A premises' rows: its devices, their status history, its registrations, and what the
emulated SM WAN knows of it (the hub's coverage, the devices on its HAN)."""

_TABLES: tuple[tuple[Table, Sequence[str]], ...] = (
    (devices, DEVICE_COLUMNS),
    (device_status_history, HISTORY_COLUMNS),
    (registrations, REGISTRATION_COLUMNS),
    (wan_hubs, HUB_COLUMNS),
    (wan_han_log, HAN_COLUMNS),
)


@dataclass(frozen=True, slots=True)
class LoadTimings:
    load_seconds: float
    index_seconds: float
    """Building the secondary indexes after the load (0 when they stayed in place)."""


class FleetLoad:
    """Writes premises (`Premises`: device, history, registration and SM WAN rows) in one
    transaction."""

    def __init__(self, store: Store, *, chunk_premises: int = 20_000) -> None:
        self._store = store
        self._chunk = chunk_premises

    def load(self, premises: Iterable[Premises]) -> LoadTimings:
        started = time.perf_counter()
        with self._store.transaction() as tx:
            conn = tx._connection  # store/ may: the bulk path writes SQL directly
            empty = not conn.execute(select(exists().select_from(devices))).scalar()
            deferred = _secondary_indexes() if empty else []
            for index in deferred:
                index.drop(conn)
            write = _copier(conn) if conn.dialect.name == "postgresql" else _inserter(conn)
            chunk: list[Premises] = []
            for p in premises:
                chunk.append(p)
                if len(chunk) >= self._chunk:
                    _write_chunk(write, chunk)
                    chunk = []
            _write_chunk(write, chunk)
            loaded = time.perf_counter()
            if conn.dialect.name == "postgresql":
                # Index builds sort in memory when they can; this session only.
                conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '1GB'")
            for index in deferred:
                index.create(conn)
            indexed = time.perf_counter()
            tx.devices.refresh_statistics()
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("ANALYZE registrations")
        return LoadTimings(loaded - started, indexed - loaded)


def _secondary_indexes() -> list[Index]:
    return [
        ix
        for table, _ in _TABLES
        for ix in sorted(table.indexes, key=lambda i: str(i.name))
        if not ix.unique
    ]


Writer = Callable[[Table, Sequence[str], list[Any]], None]


def _write_chunk(write: Writer, chunk: list[Premises]) -> None:
    if not chunk:
        return
    for position, (table, columns) in enumerate(_TABLES):
        write(table, columns, [row for p in chunk for row in p[position]])


def _copier(conn: Connection) -> Writer:
    raw = conn.connection.driver_connection
    assert raw is not None
    cursor = raw.cursor()
    conn.exec_driver_sql("SET LOCAL synchronous_commit = off")

    def write(table: Table, columns: Sequence[str], rows: list[Any]) -> None:
        # Binary COPY with declared types: psycopg dumps each value in C, about 4x faster
        # than text COPY rows here (docs/scaling.md).
        with cursor.copy(
            f"COPY {table.name} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types([_pg_type(table.c[name].type) for name in columns])
            for row in rows:
                copy.write_row(row)

    return write


def _pg_type(column_type: TypeEngine[Any]) -> str:
    """The PostgreSQL type name binary COPY must be told for a column."""
    impl = column_type.impl if isinstance(column_type, TypeDecorator) else column_type
    if isinstance(impl, BigInteger):
        return "int8"
    if isinstance(impl, Integer):
        return "int4"
    if isinstance(impl, Boolean):
        return "bool"
    if isinstance(impl, DateTime):
        return "timestamptz" if impl.timezone else "timestamp"
    if isinstance(impl, String):
        return "text"
    raise TypeError(f"no COPY type for {column_type!r}")


def _inserter(conn: Connection) -> Writer:
    dialect = conn.dialect

    def write(table: Table, columns: Sequence[str], rows: list[Any]) -> None:
        # The columns' own bind processors (what SQLAlchemy would apply), on plain tuples.
        processors = [table.c[name].type._cached_bind_processor(dialect) for name in columns]
        converted = [p for p in enumerate(processors) if p[1] is not None]
        if converted:
            rows = [_converted(row, converted) for row in rows]
        marks = ", ".join("?" for _ in columns)
        conn.exec_driver_sql(
            f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})", rows
        )

    return write


def _converted(row: tuple[Any, ...], converted: list[tuple[int, Any]]) -> tuple[Any, ...]:
    values = list(row)
    for i, process in converted:
        values[i] = process(values[i])
    return tuple(values)
