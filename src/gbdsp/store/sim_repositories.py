"""Read-only, streamed views of the SMI for the impact simulation (`simulate --from-smi`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import BigInteger, Connection, select, type_coerce

from gbdsp.store.tables import devices

SNAPSHOT_COLUMNS = ("device_id", "device_type", "smets_chts_version", "status", "status_date",
                    "chf_id", "responsible_supplier", "installing_supplier", "left_pending")
"""What `SmiSnapshotRepository.stream` yields per device, in this order. Device and User IDs
are the stored signed 64-bit integers (no EUI-64 objects: ten million rows stream faster)."""


class SmiSnapshotRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def stream(self, batch: int = 100_000) -> Iterator[Sequence[Any]]:
        """Every device, `batch` rows at a time, on a server-side cursor (constant memory
        on the database side and here)."""
        c = devices.c
        query = select(type_coerce(c.device_id, BigInteger), c.device_type,
                       c.smets_chts_version, c.status, c.status_date,
                       type_coerce(c.chf_id, BigInteger),
                       type_coerce(c.responsible_supplier, BigInteger),
                       type_coerce(c.installing_supplier, BigInteger), c.left_pending)
        result = self.conn.execution_options(stream_results=True, yield_per=batch
                                             ).execute(query)
        yield from result.partitions(batch)

    def count(self) -> int:
        from sqlalchemy import func

        return int(self.conn.execute(select(func.count()).select_from(devices)).scalar_one())
