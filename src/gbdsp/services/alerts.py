"""Device alerts: raised by the emulated devices, delivered to the Responsible Supplier.

With MP169 in force, an alert from a Restricted device is delivered only if its code is on
the allow-list (critical, security, safety); the others are not delivered and not in the
alert log Users see, but kept in the diagnostics log for triage (seed 001 6.1.1).

With a test world (`gbcs`) the alert is real GBCS (wan/alerts.py): signed by the device if
critical, MACed for the supplier otherwise, its originator counter the alert log's sequence
number (so each alert's is greater than the last). Otherwise, or where GBCS cannot be built,
the payload is the documented stand-in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from gbdsp.clock import Clock
from gbdsp.config import Config
from gbdsp.domain.devices import Device
from gbdsp.domain.errors import InvalidValue, NotEncoded, NotFound
from gbdsp.domain.ids import DeviceId
from gbdsp.domain.rules import mp169, rules_on
from gbdsp.duis import response as duis_response
from gbdsp.duis.signature import SigningKey
from gbdsp.gbcs_world import GbcsWorld
from gbdsp.services.duis_outbox import enqueue_signed
from gbdsp.services.gbcs_parties import PartyDirectory
from gbdsp.store.store import Store, Transaction
from gbdsp.wan.alerts import device_alert
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
    gbcs: GbcsWorld | None = None,
) -> AlertOutcome:
    if not _ALERT_CODE.fullmatch(alert_code):
        raise InvalidValue(f"an alert code is 4 hex digits, not {alert_code!r}")
    now = clock.now()
    policy = rules_on(config.rule_settings(), now.date()).mp169
    world = None if gbcs is None else gbcs.with_parties(PartyDirectory(store))
    with store.transaction() as tx:
        device = tx.devices.get(device_id, with_history=False)
        if device is None:
            raise NotFound(f"device {device_id} is not in the SMI")
        return push_alert(
            tx,
            policy,
            signing_key,
            device,
            alert_code,
            now,
            lambda counter: (
                None if world is None else device_alert(world, device, alert_code, counter, now)
            ),
            encoded_only=world is not None,
        )


def push_alert(
    tx: Transaction,
    policy: mp169.Policy,
    signing_key: SigningKey,
    device: Device,
    alert_code: str,
    at: datetime,
    payload: Callable[[int], bytes | None],
    *,
    encoded_only: bool = False,
) -> AlertOutcome:
    """Log `device`'s alert and, where MP169 lets it through, push it to its Responsible
    Supplier as a DeviceAlertMessage, in `tx`. `payload(counter)`: the alert's GBCS with
    the alert log's sequence as its originator counter, or None: the stand-in, or with
    `encoded_only` (a test world: docs/gbcs.md "Not encoded") NotEncoded, which rolls `tx`
    back, so the alert is neither logged nor pushed."""
    code = alert_code.upper()
    delivered = policy.delivers_alert(device.restricted, code)
    to = device.responsible_supplier if delivered else None
    sequence = tx.alerts.record(at, device.device_id, code, to, diagnostics_only=not delivered)
    if to is not None:
        frame = payload(sequence)
        if frame is None and encoded_only:
            raise NotEncoded(
                f"alert {code} from a {device.device_type.name} to {to} is not encoded by "
                "gbdsp (docs/gbcs.md, Device alerts)"
            )
        frame = frame or placeholder("ALERT", code, str(device.device_id))
        alert = duis_response.build_device_alert(code, frame, at)
        enqueue_signed(tx, alert, signing_key, to, f"alert:{sequence}", at, at)
    if not delivered:
        return AlertOutcome(False, "Restricted device: kept in the diagnostics log only")
    return AlertOutcome(to is not None, "delivered" if to else "no Responsible Supplier")


def alert_log_rows(store: Store, device_id: DeviceId, diagnostics: bool) -> list[tuple[str, bool]]:
    """(alert code, delivered) for a device: the Users' log, or the diagnostics log."""
    with store.read() as tx:
        return tx.alerts.of_device(device_id, diagnostics=diagnostics)
