"""Change of supplier: registration data moves the Responsible Supplier when it takes effect."""

from datetime import timedelta

import pytest

from gbdsp.clock import ManualClock
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.services import registration
from gbdsp.services.users import register_test_users
from gbdsp.store.store import Store
from gbdsp.worlds.demo import create_demo_fleet

NORTHWIND = UserId.parse("00-DB-12-34-56-78-01-01")
ESME, GSME, CHF, GPF, PPMID = (
    DeviceId.parse(f"00-DB-12-34-56-78-90-{s}") for s in ("A0", "A1", "A2", "A3", "A4")
)


def supplier_of(store: Store, device: DeviceId) -> UserId | None:
    with store.read() as tx:
        found = tx.devices.get(device, with_history=False)
    assert found is not None
    return found.responsible_supplier


def test_electricity_registration_moves_the_electricity_side_only(
    store: Store, clock: ManualClock
) -> None:
    register_test_users(store)
    create_demo_fleet(store, clock, premises=0, seed=1)
    boxed = supplier_of(store, GSME)
    registration.record(store, [("1312345678111", NORTHWIND, clock.now())], clock.now())
    assert supplier_of(store, ESME) == NORTHWIND
    assert supplier_of(store, CHF) == NORTHWIND
    assert supplier_of(store, PPMID) == NORTHWIND
    assert supplier_of(store, GSME) == boxed  # gas stays with the gas supplier
    assert supplier_of(store, GPF) == boxed


def test_a_future_registration_waits_for_its_date(store: Store, clock: ManualClock) -> None:
    register_test_users(store)
    create_demo_fleet(store, clock, premises=0, seed=1)
    boxed = supplier_of(store, ESME)
    start = clock.now() + timedelta(days=14)
    registration.record(store, [("1312345678111", NORTHWIND, start)], clock.now())
    assert supplier_of(store, ESME) == boxed
    with store.transaction() as tx:
        assert registration.apply_due(tx, clock.now()) == 0
        assert registration.apply_due(tx, start) == 1
    assert supplier_of(store, ESME) == NORTHWIND


def test_only_supplier_users_can_be_registered(store: Store, clock: ManualClock) -> None:
    register_test_users(store)
    with pytest.raises(InvalidValue, match="is not a registered supplier"):
        registration.record(
            store,
            [("1312345678111", UserId.parse("90-B3-D5-1F-30-02-00-00"), clock.now())],
            clock.now(),
        )
