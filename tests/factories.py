"""Builders of real domain objects and of a seeded store (CPL, Users) for tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gbdsp.csvformat import DEVICE_COLUMNS
from gbdsp.domain.devices import (
    Device,
    DeviceModel,
    DeviceType,
    SmetsVariant,
    SmiStatus,
    StatusChange,
)
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.products import CplEntry, CplKey
from gbdsp.services.users import register_test_users
from gbdsp.store.store import Store

SUPPLIER = UserId.parse("90-B3-D5-1F-30-01-00-00")
ESME_MODEL = DeviceModel("AB01", "010A030B", "0001", "0002012F")
CHF_MODEL = DeviceModel("CD01", "0C01", "0003", "00000401")
WHEN = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def seed(store: Store) -> None:
    """The test Users and a CPL with an ESME and a CHF model."""
    register_test_users(store)
    with store.transaction() as tx:
        tx.cpl.put(CplEntry(CplKey(ESME_MODEL, DeviceType.ESME, SmetsVariant.SMETS2)))
        tx.cpl.put(CplEntry(CplKey(CHF_MODEL, DeviceType.CHF, SmetsVariant.SMETS2)))


def esme(n: int, status: SmiStatus = SmiStatus.PENDING, **fields: Any) -> Device:
    device = Device(
        DeviceId(0x00DB_1234_0000_0000 + n),
        DeviceType.ESME,
        ESME_MODEL,
        "SMETS V1.58",
        status,
        WHEN,
        **fields,
    )
    return device.with_status(StatusChange(status, WHEN, "test"))


def extract_row(**overrides: str) -> dict[str, str]:
    """A valid device extract row (an ESME of the seeded CPL model)."""
    row = {c: "" for c in DEVICE_COLUMNS}
    row.update(
        device_id="00-DB-12-34-00-00-00-01",
        device_type="ESME",
        manufacturer="AB01",
        model="010A030B",
        hardware_version="0001",
        firmware_version="0002012F",
        smets_chts_version="SMETS V1.58",
        status="Commissioned",
        status_date="2025-06-01T12:00:00+00:00",
        import_mpxn="1300000000001",
        responsible_supplier=str(SUPPLIER),
        restricted="false",
    )
    row.update(overrides)
    return row
