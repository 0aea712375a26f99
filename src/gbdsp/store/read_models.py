"""Read models for the service reports (services/reports.py): named queries over the audit
log, the SMI and the CPL that return plain rows; what the rows mean (success, Restricted)
is decided by the service, from domain/."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Connection, func, select

from gbdsp.domain.devices import DeviceType
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.store.tables import audit_log, cpl_entries, devices

_a = audit_log.c


class ReportQueries:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def request_outcomes(self) -> list[tuple[str, UserId | None, str | None, str, int]]:
        """(SRV, User, CSP region of the target device, response code, how many) of every
        DUIS request the gateway audited (MP169 BR 6)."""
        rows = self._conn.execute(
            select(_a.srv, _a.user_id, devices.c.csp_region, _a.outcome, func.count())
            .select_from(audit_log.outerjoin(devices, devices.c.device_id == _a.device_id))
            .where(_a.direction == "request", _a.srv.is_not(None))
            .group_by(_a.srv, _a.user_id, devices.c.csp_region, _a.outcome)
        )
        return [(r[0], r[1], r[2], r[3], int(r[4])) for r in rows]

    def request_outcomes_of(
        self, users: Collection[UserId], since: datetime
    ) -> list[tuple[datetime, str]]:
        """(when, response code) of each DUIS request these Users sent after `since`."""
        rows = self._conn.execute(
            select(_a.at, _a.outcome).where(
                _a.direction == "request",
                _a.srv.is_not(None),
                _a.user_id.in_(list(users)),
                _a.at > since,
            )
        )
        return [(r[0], r[1]) for r in rows]

    def restricted_meters(self) -> list[tuple[DeviceId, str, str, str, str]]:
        """(device, device type, manufacturer, model, firmware) of each Restricted meter."""
        rows = self._conn.execute(
            select(
                devices.c.device_id,
                devices.c.device_type,
                devices.c.manufacturer,
                devices.c.model,
                devices.c.firmware_version,
            ).where(
                devices.c.restricted.is_(True),
                devices.c.device_type.in_([DeviceType.ESME.value, DeviceType.GSME.value]),
            )
        )
        return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    def newest_active_firmware(self) -> dict[tuple[str, str, str], str]:
        """The highest firmware version of each (manufacturer, model, device type) that is
        Active on the CPL."""
        c = cpl_entries.c
        rows = self._conn.execute(
            select(c.manufacturer, c.model, c.device_type, func.max(c.firmware_version))
            .where(c.status == "Active")
            .group_by(c.manufacturer, c.model, c.device_type)
        )
        return {(r[0], r[1], r[2]): r[3] for r in rows}

    def failures_per_device(
        self, srvs: Collection[str], success: Collection[str]
    ) -> dict[DeviceId, int]:
        """How many requests of these SRVs each device answered with a code not in
        `success`."""
        rows = self._conn.execute(
            select(_a.device_id, func.count())
            .where(
                _a.srv.in_(list(srvs)),
                _a.outcome.not_in(list(success)),
                _a.device_id.is_not(None),
            )
            .group_by(_a.device_id)
        )
        return {r[0]: int(r[1]) for r in rows}
