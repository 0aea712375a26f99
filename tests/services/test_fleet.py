from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import inspect

from gbdsp.clock import ManualClock
from gbdsp.domain.devices import DeviceType, SmiStatus
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.response_codes import ResponseCode
from gbdsp.services.inventory import show_device
from gbdsp.store.bulk import FleetLoad, Premises
from gbdsp.store.store import Store
from gbdsp.store.tables import devices
from gbdsp.wan.emulator import DeviceEmulator
from gbdsp.worlds import fleet


def test_fleet_devices_read_back_as_the_plan_of_their_premises(
    store: Store, clock: ManualClock
) -> None:
    report = fleet.generate_fleet(store, clock, devices=3_000)
    assert report.devices >= 3_000
    with store.read() as tx:
        assert tx.devices.count() == report.devices
    for number in (0, 7, report.premises - 1):
        plan = fleet.plan(number)
        view = show_device(store, plan.device_id(DeviceType.CHF))
        assert view.device.device_type is DeviceType.CHF
        assert sorted(d.device_id for d in view.device_log) == sorted(
            plan.device_id(t) for t in plan.device_types if t is not DeviceType.CHF
        )
        esme = show_device(store, plan.device_id(DeviceType.ESME)).device
        assert esme.import_mpxn == plan.mpan
        assert esme.responsible_supplier == plan.supplier.user_id
        assert esme.chf_id == plan.device_id(DeviceType.CHF)
        assert esme.status is plan.status
        assert esme.csp_region is plan.region
        assert [c.status for c in esme.history] == [plan.status]


def test_an_mpxn_finds_its_meter(store: Store, clock: ManualClock) -> None:
    fleet.generate_fleet(store, clock, devices=500)
    gas = next(fleet.plan(n) for n in range(50) if fleet.plan(n).mprn)
    with store.read() as tx:
        assert [d.device_id for d in tx.devices.find(mpxn=gas.mprn)] == [
            gas.device_id(DeviceType.GSME)
        ]
        assert [d.device_id for d in tx.devices.find(mpxn=gas.mpan)] == [
            gas.device_id(DeviceType.ESME)
        ]


def test_plans_are_gb_shaped() -> None:
    plans = [fleet.plan(n) for n in range(40_000)]
    statuses = Counter(p.status for p in plans)
    assert 0.89 < statuses[SmiStatus.COMMISSIONED] / len(plans) < 0.94
    assert set(statuses) == {s for s, _ in fleet.STATUS_MIX}
    assert 0.75 < sum(1 for p in plans if p.mprn) / len(plans) < 0.81
    assert 0.10 < sum(1 for p in plans if DeviceType.PPMID in p.device_types) / len(plans) < 0.14
    shares = Counter(p.supplier for p in plans)
    for supplier in fleet.SUPPLIERS:
        assert abs(shares[supplier] / len(plans) - supplier.share) < 0.015
    assert {p.region for p in plans} == set(fleet.REGIONS)
    per_postcode = Counter(fleet.postcode(p.number, p.region) for p in plans)
    assert max(per_postcode.values()) == fleet.PREMISES_PER_POSTCODE


def test_secondary_indexes_are_rebuilt_after_a_load_into_an_empty_smi(
    store: Store, clock: ManualClock
) -> None:
    expected = {ix.name for ix in devices.indexes}
    fleet.generate_fleet(store, clock, devices=300)
    fleet.generate_fleet(store, clock, devices=300, first_premises=10_000)  # indexes in place
    with store.engine.connect() as conn:
        present = {ix["name"] for ix in inspect(conn).get_indexes("devices")}
    assert expected <= present
    with store.read() as tx:
        assert len(tx.devices.find(uprn=str(10_000_000 + 10_001))) >= 3


def test_an_interrupted_load_leaves_the_smi_as_it_was(store: Store, clock: ManualClock) -> None:
    fleet.ensure_reference_data(store)
    now = clock.now()

    def failing() -> Iterator[Premises]:
        for n in range(100):
            yield fleet.premises_rows(n, now)
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        FleetLoad(store, chunk_premises=30).load(failing())
    with store.read() as tx:
        assert tx.devices.count() == 0
    with store.engine.connect() as conn:
        present = {ix["name"] for ix in inspect(conn).get_indexes("devices")}
    assert {ix.name for ix in devices.indexes} <= present


def test_generating_the_same_fleet_twice_says_where_it_ends(
    store: Store, clock: ManualClock
) -> None:
    first = fleet.generate_fleet(store, clock, devices=300)
    with store.read() as tx:
        before = tx.devices.count()
    with pytest.raises(InvalidValue, match=f"--first-premises {first.premises}$"):
        fleet.generate_fleet(store, clock, devices=300)
    with store.read() as tx:
        assert tx.devices.count() == before
    more = fleet.generate_fleet(store, clock, devices=300, first_premises=first.premises)
    assert more.devices >= 300


def test_an_installed_premises_is_on_the_sm_wan_and_the_rest_are_not(
    store: Store, clock: ManualClock
) -> None:
    """As the lifecycle leaves them: the emulator reaches installed devices (a device
    command to them is not E20/E21) and no others."""
    report = fleet.generate_fleet(store, clock, devices=3_000)
    emulator = DeviceEmulator()
    seen: Counter[tuple[str, ResponseCode | None]] = Counter()
    with store.read() as tx:
        for number in range(report.premises):
            plan = fleet.plan(number)
            for dtype in (DeviceType.CHF, DeviceType.ESME):
                device = tx.devices.get(plan.device_id(dtype))
                assert device is not None
                why = emulator.unreachable(tx.wan, device)
                assert (why is None) == (plan.status in INSTALLED), (number, dtype, why)
                seen[(plan.status.value, why)] += 1
    assert seen[(SmiStatus.COMMISSIONED.value, None)] > 0
    assert seen[(SmiStatus.PENDING.value, ResponseCode.E20)] > 0


INSTALLED = {SmiStatus.COMMISSIONED, SmiStatus.INSTALLED_NOT_COMMISSIONED, SmiStatus.SUSPENDED}
