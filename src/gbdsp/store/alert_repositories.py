"""The alert log: every device alert raised, whether delivered or kept for triage only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select

from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.store.tables import alert_log


class AlertLogRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def record(
        self,
        at: datetime,
        device_id: DeviceId,
        alert_code: str,
        delivered_to: UserId | None,
        *,
        diagnostics_only: bool,
    ) -> int:
        """Log an alert; returns its sequence number (unique: it keys the alert's message)."""
        return int(
            self._conn.execute(
                insert(alert_log)
                .values(
                    at=at,
                    device_id=device_id,
                    alert_code=alert_code,
                    delivered_to=delivered_to,
                    diagnostics_only=diagnostics_only,
                )
                .returning(alert_log.c.id)
            ).scalar_one()
        )

    def of_device(self, device_id: DeviceId, *, diagnostics: bool) -> list[tuple[str, bool]]:
        """(alert code, delivered) of a device, oldest first: the Users' log, or the
        diagnostics log (MP169: held back by Restricted mode)."""
        rows = self._conn.execute(
            select(alert_log.c.alert_code, alert_log.c.delivered_to)
            .where(
                alert_log.c.device_id == device_id, alert_log.c.diagnostics_only.is_(diagnostics)
            )
            .order_by(alert_log.c.id)
        )
        return [(r[0], r[1] is not None) for r in rows]
