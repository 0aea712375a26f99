"""What set commands changed on each emulated device (wan/device_state.py), as JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from gbdsp.domain.ids import DeviceId
from gbdsp.store.tables import device_states


class DeviceStateRepository:
    """One JSON object per device a set command changed; no row: the documented defaults.
    The shape of the object is the emulator's (wan/device_state.py); the store keeps it."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, device_id: DeviceId) -> dict[str, Any] | None:
        state = self._conn.execute(
            select(device_states.c.state).where(device_states.c.device_id == device_id)
        ).scalar()
        return None if state is None else dict(state)

    def put(self, device_id: DeviceId, state: dict[str, Any], at: datetime) -> None:
        changed = self._conn.execute(
            update(device_states)
            .where(device_states.c.device_id == device_id)
            .values(state=state, updated_at=at)
        ).rowcount
        if not changed:
            self._conn.execute(
                insert(device_states).values(device_id=device_id, state=state, updated_at=at)
            )
