"""MP169 use cases: set and clear Restricted mode, tell the CSP, filter alerts, report.

Setting or clearing is the Responsible Supplier's alone; it records the consumer's
preference and the supplier's confirmation of reasonable steps, changes the device (and, for
a GSME, the premises' GPF), and queues a message to the device's CSP in the same transaction.
The consumer's words are personal data: sealed at rest (sealing.py) like install codes, and
opened only for a viewer the visibility rule lets read them (domain/visibility.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from gbdsp.clock import Clock
from gbdsp.config import Config
from gbdsp.domain.devices import Device, DeviceType
from gbdsp.domain.errors import Conflict, GbdspError, InvalidValue, NotFound
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.outbox import CspNotice
from gbdsp.domain.rules import mp169, rules_on
from gbdsp.domain.visibility import RestrictedAccess, Viewer
from gbdsp.sealing import Sealer
from gbdsp.store.store import Store, Transaction


class NotResponsibleSupplier(GbdspError):
    """Only the Responsible Supplier may set or clear Restricted mode (BR 3)."""


@dataclass(frozen=True, slots=True)
class RestrictedChange:
    device_id: DeviceId
    restricted: bool
    by: UserId
    at: datetime
    consumer_preference: str | None
    """None: the viewer may not read the consumer's words."""
    reasonable_steps: bool


@dataclass(frozen=True, slots=True)
class RestrictedHistory:
    """What a viewer gets of a device's Restricted-mode history."""

    access: RestrictedAccess
    changes: list[RestrictedChange]


def set_restricted(
    store: Store,
    clock: Clock,
    config: Config,
    by: UserId,
    device_id: DeviceId,
    restricted: bool,
    consumer_preference: str,
    reasonable_steps: bool,
    *,
    sealer: Sealer,
    dry_run: bool = False,
) -> list[DeviceId]:
    """Set or clear the flag; returns every device changed (a GSME brings its GPF).
    `dry_run`: check everything and say what would change, change nothing (the portal's
    confirmation step asks this, so it never keeps a second copy of the rules)."""
    now = clock.now()
    refusal = rules_on(config.rule_settings(), now.date()).mp169.refusal
    if refusal is not None:
        raise Conflict(refusal)
    if restricted and not reasonable_steps:
        raise InvalidValue(
            "setting Restricted mode needs the supplier's confirmation that "
            "all reasonable steps for a smart installation were taken"
        )
    if not consumer_preference.strip():
        raise InvalidValue("record the consumer's preference (what they asked for)")
    with store.transaction() as tx:
        device = tx.devices.get(device_id, with_history=False)
        if device is None:
            raise NotFound(f"device {device_id} is not in the SMI")
        if device.responsible_supplier != by:
            raise NotResponsibleSupplier(f"{by} is not the Responsible Supplier of {device_id}")
        why = mp169.why_not_restrictable(device)
        if why:
            raise InvalidValue(why)
        if device.restricted == restricted:
            state = "Restricted" if restricted else "not Restricted"
            raise Conflict(f"{device_id} is already {state}")
        changed = [device, *_gpf_of(tx, device)]
        if dry_run:
            return [d.device_id for d in changed]
        sealed = sealer.seal(consumer_preference.strip()[:300].encode())
        for target in changed:
            tx.devices.update(replace(target, restricted=restricted))
            tx.restricted_log.add(target.device_id, restricted, by, now, sealed, reasonable_steps)
            tx.outbox.add_csp_notice(CspNotice(target.device_id, restricted), now)
    return [d.device_id for d in changed]


def _gpf_of(tx: Transaction, device: Device) -> list[Device]:
    if device.device_type is not DeviceType.GSME or device.chf_id is None:
        return []
    return [d for d in tx.devices.in_device_log(device.chf_id) if d.device_type is DeviceType.GPF]


def history(store: Store, sealer: Sealer, viewer: Viewer, device_id: DeviceId) -> RestrictedHistory:
    """Who set or cleared the flag, when and why, as far as `viewer` may read it: the rule
    is asked on the device first; the log is read only if it allows, and the consumer's
    words are opened only for the Responsible Supplier."""
    with store.read() as tx:
        device = tx.devices.get(device_id, with_history=False)
        if device is None:
            raise NotFound(f"device {device_id} is not in the SMI")
        access = viewer.restricted_access(device)
        rows = tx.restricted_log.of_device(device_id) if access.shows_history else []
    return RestrictedHistory(
        access,
        [
            RestrictedChange(
                r.device_id,
                bool(r.restricted),
                r.by_user,
                r.at,
                _words(sealer, r) if access.shows_words else None,
                bool(r.reasonable_steps),
            )
            for r in rows
        ],
    )


def csp_indicator(store: Store, device_id: DeviceId) -> tuple[bool, datetime] | None:
    """What the CSP's service desk holds for the device: (Restricted, since), or None."""
    with store.read() as tx:
        return tx.wan.restricted_indicator(device_id)


def _words(sealer: Sealer, row: Any) -> str:
    if row.preference_sealed is not None:
        return sealer.open(row.preference_sealed).decode()
    return str(row.consumer_preference or "")


def seal_plaintext_preferences(store: Store, sealer: Sealer) -> int:
    """Seal the consumer's words of rows written before they were sealed (migration 0012
    cannot reach the master key; `gbdsp init` runs this). Idempotent; returns how many."""
    done = 0
    while True:
        with store.transaction() as tx:
            rows = tx.restricted_log.plaintext()
            for row_id, text in rows:
                tx.restricted_log.seal(row_id, sealer.seal(text.encode()))
        done += len(rows)
        if not rows:
            return done
