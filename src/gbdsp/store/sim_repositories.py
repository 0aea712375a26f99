"""Read-only, streamed views of the SMI for the impact simulation (`simulate --from-smi`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import BigInteger, Connection, Integer, case, cast, func, literal, select

from gbdsp.store.tables import devices

SNAPSHOT_COLUMNS = (
    "device_id",
    "kind",
    "smets1",
    "status",
    "status_epoch",
    "chf_id",
    "responsible_supplier",
    "left_pending",
)
"""What `SmiSnapshotRepository.stream` yields per device, in this order, every one an
integer (IDs as the stored signed 64-bit values, codes as the caller numbered them, the
status date as Unix seconds), so a batch becomes numpy columns in one call."""


class SmiSnapshotRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def stream(
        self,
        kinds: Mapping[str, int],
        statuses: Mapping[str, int],
        *,
        other: int = 255,
        batch: int = 100_000,
    ) -> Iterator[Sequence[Any]]:
        """Every device, `batch` rows at a time, on a server-side cursor (constant memory
        on the database side and here). Device types not in `kinds` get `other`, statuses
        not in `statuses` (and none) get 0; the decoding is done by the database."""
        c = devices.c
        if self.conn.dialect.name == "sqlite":
            epoch = cast(func.strftime("%s", c.status_date), BigInteger)
        else:
            epoch = cast(func.extract("epoch", c.status_date), BigInteger)
        query = select(
            cast(c.device_id, BigInteger),
            case(kinds, value=c.device_type, else_=literal(other)),
            case((func.upper(c.smets_chts_version).like("SMETS1%"), 1), else_=0),
            case(statuses, value=c.status, else_=literal(0)),
            func.coalesce(epoch, 0),
            func.coalesce(cast(c.chf_id, BigInteger), 0),
            func.coalesce(cast(c.responsible_supplier, BigInteger), 0),
            cast(c.left_pending, Integer),
        )
        if self.conn.dialect.name == "postgresql":
            yield from self._pg_cursor(query, batch)
            return
        result = self.conn.execution_options(stream_results=True, yield_per=batch).execute(query)
        for part in result.partitions(batch):
            yield [tuple(row) for row in part]

    def _pg_cursor(self, query: Any, batch: int) -> Iterator[Sequence[Any]]:
        """PostgreSQL: a named (server-side) psycopg cursor in this same transaction; its
        rows are plain tuples of ints, half the client work of result rows."""
        sql = str(query.compile(dialect=self.conn.dialect, compile_kwargs={"literal_binds": True}))
        raw = self.conn.connection.driver_connection
        assert raw is not None
        with raw.cursor(name="gbdsp_sim_snapshot") as cursor:
            cursor.itersize = batch
            cursor.execute(sql)
            while rows := cursor.fetchmany(batch):
                yield rows

    def count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(devices)).scalar_one())
