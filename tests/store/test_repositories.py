from dataclasses import replace
from datetime import timedelta

from gbdsp.domain.devices import DeviceType, SmetsVariant, SmiStatus, StatusChange
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.products import CplEntry, CplKey, CplStatus
from gbdsp.duis.smki import TEST_USERS
from gbdsp.store.store import Store
from tests.factories import CHF_MODEL, SUPPLIER, WHEN, esme, seed


def test_device_round_trips_with_history_and_high_bit_ids(store: Store) -> None:
    seed(store)
    device = esme(
        1,
        SmiStatus.PENDING,
        import_mpxn="1300000000001",
        uprn="100023",
        postcode="LS1 4AP",
        chf_id=DeviceId.parse("FF-00-00-00-00-00-00-01"),
        responsible_supplier=SUPPLIER,
        installing_supplier=SUPPLIER,
    )
    with store.transaction() as tx:
        tx.devices.add(device)
        tx.devices.record_status(
            device.device_id,
            StatusChange(SmiStatus.WHITELISTED, WHEN + timedelta(days=1), "8.11", SUPPLIER),
        )
    with store.transaction() as tx:
        loaded = tx.devices.get(device.device_id)
    assert loaded is not None
    assert loaded.status is SmiStatus.WHITELISTED
    assert loaded.status_date == WHEN + timedelta(days=1)
    assert loaded.chf_id == DeviceId.parse("FF-00-00-00-00-00-00-01")
    assert loaded.responsible_supplier == SUPPLIER
    assert [(c.status, c.reason, c.by) for c in loaded.history] == [
        (SmiStatus.PENDING, "test", None),
        (SmiStatus.WHITELISTED, "8.11", SUPPLIER),
    ]


def test_a_failed_transaction_leaves_nothing_behind(store: Store) -> None:
    try:
        with store.transaction() as tx:
            tx.devices.add(esme(1))
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with store.transaction() as tx:
        assert tx.devices.count() == 0


def test_device_log_lists_the_devices_of_a_chf(store: Store) -> None:
    chf = DeviceId.parse("00-DB-12-34-56-78-90-A2")
    with store.transaction() as tx:
        tx.devices.add_many([esme(1, chf_id=chf), esme(2, chf_id=chf), esme(3)])
        log = tx.devices.in_device_log(chf)
    assert [d.device_id for d in log] == [esme(1).device_id, esme(2).device_id]


def test_iter_all_pages_through_every_device_once(store: Store) -> None:
    ids = [DeviceId(n) for n in (1, 2, 3)] + [
        DeviceId.parse("F0-00-00-00-00-00-00-0" + str(n)) for n in (1, 2)
    ]
    with store.transaction() as tx:
        tx.devices.add_many([replace(esme(0), device_id=i) for i in ids])
        seen = [d.device_id for d in tx.devices.iter_all(batch=2)]
    assert sorted(seen) == sorted(ids)
    assert len(seen) == len(set(seen))


def test_find_by_mpxn_uprn_and_postcode(store: Store) -> None:
    with store.transaction() as tx:
        tx.devices.add_many(
            [
                esme(1, import_mpxn="1300000000001", postcode="LS1 4AP"),
                esme(2, uprn="42", postcode="M1 1AA"),
            ]
        )
        assert [d.device_id for d in tx.devices.find(mpxn="1300000000001")] == [esme(1).device_id]
        assert [d.device_id for d in tx.devices.find(uprn="42")] == [esme(2).device_id]
        assert [d.device_id for d in tx.devices.find(postcode="m1  1aa")] == [esme(2).device_id]


def test_cpl_keeps_smets1_and_smets2_rows_of_one_firmware_version(store: Store) -> None:
    """MP202: one PPMID firmware version, two CPL rows, no schema change."""
    smets1 = CplEntry(CplKey(CHF_MODEL, DeviceType.PPMID, SmetsVariant.SMETS1))
    smets2 = CplEntry(CplKey(CHF_MODEL, DeviceType.PPMID, SmetsVariant.SMETS2))
    with store.transaction() as tx:
        assert tx.cpl.put(smets1) and tx.cpl.put(smets2)
        assert not tx.cpl.put(smets1)
        assert tx.cpl.put(CplEntry(smets1.key, CplStatus.WITHDRAWN))
    with store.transaction() as tx:
        assert {(e.key.smets_variant, e.status) for e in tx.cpl.all()} == {
            (SmetsVariant.SMETS1, CplStatus.WITHDRAWN),
            (SmetsVariant.SMETS2, CplStatus.ACTIVE),
        }


def test_users_with_roles_agents_and_certificates(store: Store) -> None:
    seed(store)
    agent = UserId.parse("00-DB-12-34-56-78-00-04")
    with store.transaction() as tx:
        user = tx.users.get(agent)
        assert user is not None
        assert {r.value for r in user.roles} == {"RSA"}
        assert user.acts_for == frozenset({SUPPLIER})
        cert = tx.users.certificates_of(SUPPLIER)[0]
        assert cert.issuer == "CN=Z1,OU=07"
        assert tx.users.certificate("CN=Z1,OU=07", cert.serial) == cert
        assert tx.users.certificate("CN=Z1,OU=07", cert.serial + 1) is None
    seed(store)  # registering again changes nothing
    with store.transaction() as tx:
        assert len(tx.users.all()) == len(TEST_USERS)
