"""Hot-path statements: compiled once per dialect, run on the driver's own cursor, rows as
tuples.

Why: for the few statements every DUIS request runs, SQLAlchemy's per-execution work (the
compiled-cache lookup, parameter processing, a type processor per column of every row, and
even `exec_driver_sql`'s execution context and result set-up) cost more than SQLite or
PostgreSQL spend running them: a 13-device premises took 245 us through
`Connection.execute` against 98 us through `exec_driver_sql` and 60 us on the bare cursor
(SQLite, this machine; 361, 194 and 100 us on PostgreSQL), and mapping its rows to `Device`
values another 190 us. `Prepared.run` therefore uses the DBAPI cursor of the connection's
own transaction and keeps by hand what matters of SQLAlchemy: its `before_cursor_execute`
listeners are told of each statement (the statement counters of bench/wire.py and tests),
and a driver error goes through the connection's own error handling, so it is the same
`sqlalchemy.exc` error as before (a server gone is still an `OperationalError`, a 503, and
the pool drops the dead connection). What the column types would convert is converted
here, by hand for the identifiers and with the types' own processors for times, so the
values are those the ORM-less Core path gave.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Connection, Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

from gbdsp.domain.devices import CspRegion, Device, DeviceModel, DeviceType, SmiStatus
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.store.tables import devices
from gbdsp.store.types import UtcDateTime


class Prepared:
    """One statement, compiled once per dialect; `run` takes the driver's own values
    (EUI-64s as signed integers, times through `time_param`)."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        """The SQLAlchemy statement (tests/store/test_query_plans.py EXPLAINs it)."""
        self._compiled: dict[str, tuple[str, tuple[str, ...] | None, dict[str, Any]]] = {}

    def run(self, conn: Connection, params: Mapping[str, Any]) -> Rows:
        found = self._compiled.get(conn.dialect.name)
        if found is None:
            compiled = cast(SQLCompiler, self.statement.compile(dialect=conn.dialect))
            order = tuple(compiled.positiontup or ()) if compiled.positional else None
            # values the statement fixes itself (SQLite's LIMIT ? OFFSET 0, say)
            fixed = {k: v for k, v in compiled.params.items() if v is not None}
            found = self._compiled[conn.dialect.name] = (str(compiled), order, fixed)
        sql, order, fixed = found
        values = {**fixed, **params} if fixed else params
        driver_params: Any = tuple(values[k] for k in order) if order is not None else dict(values)
        return execute(conn, sql, driver_params)


class Rows:
    """What a hot statement gave: its rows as the driver's tuples, and its row count."""

    __slots__ = ("rowcount", "rows")

    def __init__(self, rows: list[tuple[Any, ...]], rowcount: int) -> None:
        self.rows, self.rowcount = rows, rowcount

    def all(self) -> list[tuple[Any, ...]]:
        return self.rows

    def scalar(self) -> Any:
        return self.rows[0][0] if self.rows else None


def execute(conn: Connection, sql: str, params: Any) -> Rows:
    """`sql` on the DBAPI cursor of `conn`'s transaction (see the module's docstring)."""
    if not conn.in_transaction():
        conn.begin()  # as SQLAlchemy's autobegin would (SQLite: our BEGIN IMMEDIATE)
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    cursor = dbapi.cursor()
    if conn._has_events or conn.engine._has_events:
        for listener in conn.dispatch.before_cursor_execute:
            listener(conn, cursor, sql, params, None, False)
    try:
        cursor.execute(sql, params)
        rows = list(cursor.fetchall()) if cursor.description is not None else []
    except Exception as e:  # translated exactly as SQLAlchemy's own executions are
        conn._handle_dbapi_exception(e, sql, params, cursor, None)  # raises; closes cursor
    result = Rows(rows, cursor.rowcount)
    cursor.close()
    return result


_UTC = UtcDateTime()


@lru_cache(maxsize=4)
def _time_processors(
    dialect: Dialect,
) -> tuple[Callable[[Any], Any] | None, Callable[[Any], Any] | None]:
    """The UtcDateTime column type's own conversions, bind and result, for this dialect."""
    bind = _UTC._cached_bind_processor(dialect)
    result = _UTC._cached_result_processor(dialect, None)
    return bind, result


def time_param(conn: Connection, value: datetime | None) -> Any:
    bind = _time_processors(conn.dialect)[0]
    return bind(value) if bind else value


def time_reader(conn: Connection) -> Callable[[Any], datetime | None]:
    result = _time_processors(conn.dialect)[1]
    return result if result else (lambda value: value)


@lru_cache(maxsize=4096)
def _user(signed: int) -> UserId:
    """A few hundred Users stand behind millions of rows: each UserId is built once."""
    return UserId.from_signed(signed)


def user_or_none(signed: int | None) -> UserId | None:
    return None if signed is None else _user(signed)


_TYPES = {t.value: t for t in DeviceType}
_STATUSES = {s.value: s for s in SmiStatus}
_REGIONS = {r.value: r for r in CspRegion}
_AT = {c.name: i for i, c in enumerate(devices.c)}  # `select(devices)` columns by position
_ID = _AT["device_id"]
_TYPE = _AT["device_type"]
_MANUFACTURER = _AT["manufacturer"]
_MODEL = _AT["model"]
_HARDWARE = _AT["hardware_version"]
_FIRMWARE = _AT["firmware_version"]
_SMETS = _AT["smets_chts_version"]
_STATUS = _AT["status"]
_STATUS_DATE = _AT["status_date"]
_MPXN = _AT["import_mpxn"]
_UPRN = _AT["uprn"]
_POSTCODE = _AT["postcode"]
_CHF = _AT["chf_id"]
_RESPONSIBLE = _AT["responsible_supplier"]
_INSTALLING = _AT["installing_supplier"]
_OPERATOR = _AT["network_operator"]
_RESTRICTED = _AT["restricted"]
_REGION = _AT["csp_region"]


MEMO_SIZE = 16384
"""Rows remembered per dialect (see `devices_from_rows`): a few MB, emptied when full."""
_MEMO: dict[str, dict[tuple[Any, ...], Device]] = {}


def devices_from_rows(conn: Connection, rows: Sequence[Sequence[Any]]) -> list[Device]:
    """`select(devices)` rows, as they come from the driver, to `Device` values (no
    history), converting each column as its type in `tables.py` would.

    A row seen before gives the `Device` it gave then: the key is the whole row, so any
    change to the device is another key, and a `Device` is immutable. The premises an 8.2
    asks for again cost one dictionary look-up a device instead of its mapping."""
    memo = _MEMO.get(conn.dialect.name)
    if memo is None:
        memo = _MEMO[conn.dialect.name] = {}
    read_time = None
    found = []
    for r in rows:
        key = r if type(r) is tuple else tuple(r)
        device = memo.get(key)
        if device is None:
            if read_time is None:
                read_time = time_reader(conn)
            device = _device(r, read_time)
            if len(memo) >= MEMO_SIZE:
                memo.clear()
            memo[key] = device
        found.append(device)
    return found


def _device(r: Sequence[Any], read_time: Callable[[Any], datetime | None]) -> Device:
    status, chf, region = r[_STATUS], r[_CHF], r[_REGION]
    return Device(
        device_id=DeviceId.from_signed(r[_ID]),
        device_type=_TYPES[r[_TYPE]],
        model=DeviceModel(r[_MANUFACTURER], r[_MODEL], r[_HARDWARE], r[_FIRMWARE]),
        smets_chts_version=r[_SMETS],
        status=_STATUSES[status] if status else None,
        status_date=read_time(r[_STATUS_DATE]),
        import_mpxn=r[_MPXN],
        uprn=r[_UPRN],
        postcode=r[_POSTCODE],
        chf_id=None if chf is None else DeviceId.from_signed(chf),
        responsible_supplier=user_or_none(r[_RESPONSIBLE]),
        installing_supplier=user_or_none(r[_INSTALLING]),
        network_operator=user_or_none(r[_OPERATOR]),
        restricted=bool(r[_RESTRICTED]),
        csp_region=_REGIONS[region] if region else None,
    )
