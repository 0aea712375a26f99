"""Defaults of sample requests that come from the SMI (both backends)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gbdsp.domain.devices import Device, DeviceType, SmiStatus
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.duis.samples import RETURNABLE_CHF, Pick
from gbdsp.store.store import Store
from gbdsp.worlds import sample_defaults
from gbdsp.worlds.demo import template_id
from tests.factories import SUPPLIER, esme, seed

OTHER = UserId.parse("00-DB-12-34-56-78-01-01")


def chf(n: int, status: SmiStatus, owner: UserId = SUPPLIER) -> Device:
    return replace(esme(n, status), device_type=DeviceType.CHF, responsible_supplier=owner)


def test_the_first_device_of_the_user_in_the_first_status_that_has_one(store: Store) -> None:
    seed(store)
    with store.transaction() as tx:
        tx.devices.add_many(
            [
                chf(1, SmiStatus.PENDING, OTHER),  # not the User's
                chf(2, SmiStatus.COMMISSIONED),  # wrong status
                chf(4, SmiStatus.PENDING),
                chf(3, SmiStatus.PENDING),
                replace(
                    esme(5, SmiStatus.INSTALLED_NOT_COMMISSIONED), responsible_supplier=SUPPLIER
                ),  # wrong type
            ]
        )
    stock = Pick((DeviceType.CHF,), (SmiStatus.PENDING,))
    assert sample_defaults.pick_device(store, stock, SUPPLIER) == esme(3).device_id
    # INC is preferred for a return; there is none, so the first Pending CHF.
    assert sample_defaults.pick_device(store, RETURNABLE_CHF, SUPPLIER) == esme(3).device_id
    with store.transaction() as tx:
        tx.devices.add(chf(9, SmiStatus.INSTALLED_NOT_COMMISSIONED))
    assert sample_defaults.pick_device(store, RETURNABLE_CHF, SUPPLIER) == esme(9).device_id


def test_no_device_to_pick_says_to_give_one(store: Store) -> None:
    seed(store)
    with pytest.raises(InvalidValue, match="has no CHF that is Pending; give --device"):
        sample_defaults.pick_device(store, Pick((DeviceType.CHF,), (SmiStatus.PENDING,)), SUPPLIER)


def test_a_new_device_id_is_the_first_free_one(store: Store) -> None:
    seed(store)
    assert sample_defaults.new_device_id(store) == template_id(0xB0)
    with store.transaction() as tx:
        tx.devices.add(replace(esme(0), device_id=template_id(0xB0)))
    assert sample_defaults.new_device_id(store) == template_id(0xB1)


def test_the_gpf_of_a_chf(store: Store) -> None:
    seed(store)
    hub = DeviceId(0x00DB_1234_0000_0001)
    with store.transaction() as tx:
        tx.devices.add_many(
            [replace(esme(2), device_type=DeviceType.GPF, chf_id=hub), replace(esme(3), chf_id=hub)]
        )
    assert sample_defaults.gpf_of(store, hub) == esme(2).device_id
    with pytest.raises(InvalidValue, match="has no GPF on its Device Log; give --gpf"):
        sample_defaults.gpf_of(store, esme(3).device_id)
