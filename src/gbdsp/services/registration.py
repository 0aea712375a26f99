"""Change of supplier: registration data moves the Responsible Supplier.

docs/change-of-supplier.md says what a CoS keeps and what it resets.

Registration data says who supplies an MPxN from when. When an entry comes into effect the
SMI takes it over: the meter with that MPxN and the devices of its premises that follow that
fuel get the new Responsible Supplier. Everything else stays: SMI status and history, the
installing supplier, the Device Log and joins, the Restricted flag (MP169).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from gbdsp.clock import Clock
from gbdsp.domain.devices import Device, DeviceType
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import UserId
from gbdsp.store.lifecycle_repositories import Registration
from gbdsp.store.store import Store, Transaction

GAS_SIDE = frozenset({DeviceType.GSME, DeviceType.GPF})


def record(
    store: Store, entries: Iterable[tuple[str, UserId, datetime]], received_at: datetime
) -> int:
    """Store registration entries (MPxN, supplier, effective from) and apply those due."""
    count = 0
    with store.transaction() as tx:
        for mpxn, supplier, effective_from in entries:
            user = tx.users.get(supplier)
            if user is None or not any(r.is_supplier for r in user.roles):
                raise InvalidValue(f"{supplier} is not a registered supplier User")
            tx.registrations.add(mpxn, supplier, effective_from, received_at)
            count += 1
        apply_due(tx, received_at)
    return count


def apply_due_now(store: Store, clock: Clock) -> int:
    """The scheduler's job: take over what came into effect while no DUIS request arrived,
    so the portal, the SSI API and exports show the Responsible Supplier of today."""
    with store.transaction() as tx:
        return apply_due(tx, clock.now())


def latest(store: Store, limit: int = 100) -> list[Registration]:
    """Registration data as received, latest effective date first: changes of supplier
    still to come (not applied) and those the SMI has taken over (applied_at)."""
    with store.read() as tx:
        return tx.registrations.latest(limit)


def apply_due(tx: Transaction, now: datetime) -> int:
    """Take over every registration now in effect (cheap when there is none: one query)."""
    due = tx.registrations.due(now)
    for entry in due:
        for device in _following(tx, entry.mpxn):
            _end_schedules_of_old_supplier(tx, device, entry.supplier_id)
            tx.devices.update(replace(device, responsible_supplier=entry.supplier_id))
        tx.registrations.mark_applied(entry.id, now)
    return len(due)


def _end_schedules_of_old_supplier(tx: Transaction, device: Device, new: UserId) -> None:
    """DUIS 5.1: a change of supplier ends the old supplier's DCC schedules on the device."""
    old = device.responsible_supplier
    if old is not None and old != new:
        tx.schedules.remove(
            [s.schedule_id for s in tx.schedules.of_device(device.device_id) if s.user_id == old]
        )


def _following(tx: Transaction, mpxn: str) -> list[Device]:
    """The meter (or the CH installed) with `mpxn` and the devices of its premises that
    follow its fuel: gas for GSME and GPF; electricity for everything else (and everything,
    on a gas-only premises). An MPRN has at most 10 digits, an MPAN core 13."""
    gas = len(mpxn) <= 10
    followers: dict[object, Device] = {}
    for anchor in tx.devices.find(mpxn=mpxn):
        followers[anchor.device_id] = anchor
        hub = anchor.device_id if anchor.device_type is DeviceType.CHF else anchor.chf_id
        if hub is None:
            continue
        chf = tx.devices.get(hub, with_history=False)
        premises = ([chf] if chf else []) + tx.devices.in_device_log(hub)
        has_esme = any(d.device_type is DeviceType.ESME for d in premises)
        for device in premises:
            on_gas_side = device.device_type in GAS_SIDE
            if (gas and (on_gas_side or not has_esme)) or (not gas and not on_gas_side):
                followers[device.device_id] = device
    return list(followers.values())
