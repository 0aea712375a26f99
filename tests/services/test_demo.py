from gbdsp.clock import ManualClock
from gbdsp.domain.devices import DeviceType, SmiStatus
from gbdsp.domain.ids import DeviceId
from gbdsp.domain.smi_status import Trigger, next_status
from gbdsp.services.inventory import show_device
from gbdsp.services.users import register_test_users
from gbdsp.store.store import Store
from gbdsp.worlds.demo import create_demo_fleet

TEMPLATE_TYPES = {
    "A0": DeviceType.ESME,
    "A1": DeviceType.GSME,
    "A2": DeviceType.CHF,
    "A3": DeviceType.GPF,
    "A4": DeviceType.PPMID,
    "A5": DeviceType.HCALCS,
    "93": DeviceType.ESME,
    "94": DeviceType.GSME,
    "98": DeviceType.PPMID,
    "9C": DeviceType.CAD,
}


def test_demo_creates_the_premises_the_dcc_boxed_templates_address(
    store: Store, clock: ManualClock
) -> None:
    register_test_users(store)
    create_demo_fleet(store, clock, premises=5, seed=1)
    chf = show_device(store, DeviceId.parse("00-DB-12-34-56-78-90-A2"))
    assert chf.device.status is SmiStatus.COMMISSIONED
    members = {str(d.device_id)[-2:]: d for d in chf.device_log}
    for suffix, device_type in TEMPLATE_TYPES.items():
        if suffix != "A2":
            assert members[suffix].device_type is device_type, suffix
    assert members["A0"].import_mpxn == "1312345678111"
    assert members["A0"].responsible_supplier is not None
    assert str(members["A0"].responsible_supplier) == "90-B3-D5-1F-30-01-00-00"


def test_every_demo_history_follows_the_transition_table(store: Store, clock: ManualClock) -> None:
    register_test_users(store)
    create_demo_fleet(store, clock, premises=60, seed=7)
    by_reason = {t.value: t for t in Trigger}
    with store.transaction() as tx:
        devices = list(tx.devices.iter_all())
        assert {d.device_type for d in devices} >= {DeviceType.CHF, DeviceType.IHD}
        for device in devices:
            status = None
            for change in tx.devices.history(device.device_id):
                assert (
                    next_status(by_reason[change.reason], device.device_type, status)
                    is change.status
                )
                status = change.status
            assert status is device.status


def test_demo_is_repeatable_and_idempotent(store: Store, clock: ManualClock) -> None:
    register_test_users(store)
    first = create_demo_fleet(store, clock, premises=20, seed=3)
    again = create_demo_fleet(store, clock, premises=20, seed=3)
    assert first.devices > 60
    assert (first.premises, again.premises, again.already_present) == (21, 0, 21)
    assert again.by_type_status == first.by_type_status  # nothing added the second time
    assert len(first.by_type_status) > 8  # a real status mix
