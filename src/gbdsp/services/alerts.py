"""Device alerts: raised by the emulated devices, delivered to the Responsible Supplier.

With MP169 in force, an alert from a Restricted device is delivered only if its code is on
the allow-list (critical, security, safety); the others are not delivered and not in the
alert log Users see, but kept in the diagnostics log for triage (seed 001 6.1.1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import insert, select

from gbdsp.clock import Clock
from gbdsp.config import Config
from gbdsp.domain.errors import InvalidValue, NotFound
from gbdsp.domain.ids import DeviceId
from gbdsp.domain.rules import rules_on
from gbdsp.duis import response as duis_response
from gbdsp.duis import signature
from gbdsp.duis.signature import SigningKey
from gbdsp.store.store import Store
from gbdsp.store.tables import alert_log
from gbdsp.wan.emulator import placeholder

_ALERT_CODE = re.compile(r"[0-9A-Fa-f]{4}")


@dataclass(frozen=True, slots=True)
class AlertOutcome:
    delivered: bool
    reason: str


def raise_alert(
    store: Store,
    clock: Clock,
    config: Config,
    signing_key: SigningKey,
    device_id: DeviceId,
    alert_code: str,
) -> AlertOutcome:
    if not _ALERT_CODE.fullmatch(alert_code):
        raise InvalidValue(f"an alert code is 4 hex digits, not {alert_code!r}")
    now = clock.now()
    policy = rules_on(config.rule_settings(), now.date()).mp169
    with store.transaction() as tx:
        device = tx.devices.get(device_id, with_history=False)
        if device is None:
            raise NotFound(f"device {device_id} is not in the SMI")
        delivered = policy.delivers_alert(device.restricted, alert_code)
        to = device.responsible_supplier if delivered else None
        sequence = tx.connection.execute(
            insert(alert_log)
            .values(
                at=now,
                device_id=device_id,
                alert_code=alert_code.upper(),
                delivered_to=to,
                diagnostics_only=not delivered,
            )
            .returning(alert_log.c.id)
        ).scalar_one()
        if to is not None:
            alert = duis_response.build_device_alert(
                alert_code, placeholder("ALERT", alert_code.upper(), str(device_id)), now
            )
            signature.sign(alert, signing_key)
            tx.outbox.add(f"alert:{sequence}", to, duis_response.serialise(alert), now)
    if not delivered:
        return AlertOutcome(False, "Restricted device: kept in the diagnostics log only")
    return AlertOutcome(to is not None, "delivered" if to else "no Responsible Supplier")


def alert_log_rows(store: Store, device_id: DeviceId, diagnostics: bool) -> list[tuple[str, bool]]:
    """(alert code, delivered) for a device: the Users' log, or the diagnostics log."""
    with store.read() as tx:
        rows = tx.connection.execute(
            select(alert_log.c.alert_code, alert_log.c.delivered_to)
            .where(
                alert_log.c.device_id == device_id, alert_log.c.diagnostics_only.is_(diagnostics)
            )
            .order_by(alert_log.c.id)
        )
        return [(r[0], r[1] is not None) for r in rows]
