"""Service functions behind the SSI portal, on both backends with a small demo fleet."""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, cast

import pytest

from gbdsp.clock import ManualClock
from gbdsp.config import Config
from gbdsp.domain.devices import DeviceType
from gbdsp.domain.errors import Conflict, InvalidValue, NotFound
from gbdsp.domain.housekeeping import HousekeepingRule
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.parties import User
from gbdsp.domain.visibility import Viewer
from gbdsp.sealing import Sealer
from gbdsp.services import housekeeping, inventory, portal_accounts, reports, restricted
from gbdsp.services.users import register_test_users
from gbdsp.store.gateway_repositories import AuditEntry
from gbdsp.store.store import Store
from gbdsp.wan.emulator import DeviceEmulator
from gbdsp.worlds.demo import (
    BOXED_SUPPLIER,
    DEMO_SUPPLIERS,
    MODELS,
    create_demo_fleet,
    demo_postcode,
    demo_uprn,
)
from tests.duis_support import dsp_signing_key

SEALER = Sealer(b"test master key")

ESME = DeviceId.parse("00-DB-12-34-56-78-90-A0")
GSME = DeviceId.parse("00-DB-12-34-56-78-90-A1")
CHF = DeviceId.parse("00-DB-12-34-56-78-90-A2")
NORTHWIND = DEMO_SUPPLIERS[0][0]


def user(store: Store, user_id: UserId) -> User:
    with store.read() as tx:
        found = tx.users.get(user_id)
    assert found is not None
    return found


@pytest.fixture
def fleet(store: Store, clock: ManualClock) -> Store:
    register_test_users(store)
    create_demo_fleet(store, clock, premises=12, seed=3)
    return store


def test_demo_addresses_are_deterministic_plausible_and_shared_by_neighbours() -> None:
    assert demo_postcode(0) == demo_postcode(3) != demo_postcode(4)
    assert [demo_postcode(n) for n in range(40)] == [demo_postcode(n) for n in range(40)]
    for n in range(0, 400, 7):
        outward, inward = demo_postcode(n).split(" ")
        assert outward[0].isalpha() and inward[0].isdigit() and inward[1:].isalpha()
        assert not set(inward[1:]) & set("CIKMOV")
    assert len({demo_uprn(n) for n in range(1000)}) == 1000


def test_search_finds_a_premises_by_each_kind_of_key(fleet: Store) -> None:
    boxed = user(fleet, BOXED_SUPPLIER)
    for query, kind in (
        ("M22 4TA", "auto"),
        ("m224ta", "postcode"),
        ("77012345678", "uprn"),
        ("1312345678111", "mpxn"),
        (str(ESME), "device"),
        ("00db1234567890a1", "auto"),
    ):
        found = inventory.search(fleet, boxed, query, kind)
        assert [p.key for p in found] == [CHF], (query, kind)
    premises = found[0]
    assert premises.postcode == "M22 4TA" and premises.uprn == "77012345678"
    assert ESME in {d.device_id for d in premises.devices} and premises.others == 0


def test_search_shows_nothing_of_other_users(fleet: Store) -> None:
    northwind = user(fleet, NORTHWIND)
    assert inventory.search(fleet, northwind, "M22 4TA") == []
    with pytest.raises(NotFound):
        inventory.premises(fleet, northwind, CHF)
    with pytest.raises(NotFound):
        inventory.device_for(fleet, northwind, ESME)


@pytest.mark.parametrize(
    ("query", "kind", "message"),
    [
        ("", "auto", "type a Device ID"),
        ("12-34", "device", "not an EUI-64"),
        ("12", "mpxn", "an MPxN is"),
        ("ABC", "uprn", "a UPRN is"),
        ("12345", "postcode", "a postcode looks like"),
        ("x", "colour", "cannot search by"),
    ],
)
def test_search_says_what_it_expects(fleet: Store, query: str, kind: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        inventory.search(fleet, user(fleet, BOXED_SUPPLIER), query, kind)


def test_the_extract_holds_only_the_users_own_devices(fleet: Store) -> None:
    out = io.StringIO()
    count = inventory.export_for(fleet, user(fleet, NORTHWIND), out)
    rows = out.getvalue().splitlines()
    assert count == len(rows) - 1 > 0
    column = rows[0].split(",").index("responsible_supplier")
    assert {r.split(",")[column] for r in rows[1:]} == {str(NORTHWIND)}


def test_restricted_dry_run_checks_everything_and_changes_nothing(
    fleet: Store, clock: ManualClock
) -> None:
    config = Config()
    changed = restricted.set_restricted(
        fleet,
        clock,
        config,
        BOXED_SUPPLIER,
        GSME,
        True,
        "no smart",
        True,
        sealer=SEALER,
        dry_run=True,
    )
    assert GSME in changed and len(changed) == 2  # the GSME brings its GPF
    with fleet.read() as tx:
        assert not any(d.restricted for d in tx.devices.get_many(changed).values())
    assert restricted.history(fleet, SEALER, Viewer(None), GSME).changes == []
    with pytest.raises(InvalidValue, match="reasonable steps"):
        restricted.set_restricted(
            fleet,
            clock,
            config,
            BOXED_SUPPLIER,
            GSME,
            True,
            "no smart",
            False,
            sealer=SEALER,
            dry_run=True,
        )
    with pytest.raises(restricted.NotResponsibleSupplier):
        restricted.set_restricted(
            fleet, clock, config, NORTHWIND, GSME, True, "x", True, sealer=SEALER, dry_run=True
        )


def test_removed_devices_may_be_prenotified_again_once(fleet: Store, clock: ManualClock) -> None:
    config = Config()
    boxed = user(fleet, BOXED_SUPPLIER)
    meter, hub = (DeviceId.parse(f"00-DB-12-34-5C-00-00-0{n}") for n in (1, 2))
    pending_since = (clock.now() - timedelta(days=500)).isoformat()
    rows = [
        {
            "device_id": str(device_id),
            "device_type": dtype.value,
            "manufacturer": MODELS[dtype].manufacturer,
            "model": MODELS[dtype].model,
            "hardware_version": MODELS[dtype].hardware_version,
            "firmware_version": MODELS[dtype].firmware_version,
            "smets_chts_version": version,
            "status": "Pending",
            "status_date": pending_since,
            "responsible_supplier": str(BOXED_SUPPLIER),
        }
        for device_id, dtype, version in (
            (meter, DeviceType.ESME, "SMETS V1.58"),
            (hub, DeviceType.CHF, "CHTS V1.0"),
        )
    ]
    extract = cast(list[Mapping[str | None, Any]], rows)
    report = inventory.import_devices(
        fleet, clock, enumerate(extract, 2), on_error=lambda e: pytest.fail(str(e))
    )
    assert report.added == 2
    housekeeping.run(fleet, clock, dsp_signing_key(), HousekeepingRule(months=12, name="AC"))
    removed = {r.entry.device_id: r for r in housekeeping.removed(fleet, [BOXED_SUPPLIER])}
    hub_renotify = removed[hub].renotify
    assert isinstance(hub_renotify, str) and "delivery" in hub_renotify
    assert not isinstance(removed[meter].renotify, str)
    wan = DeviceEmulator(config.wan)
    with pytest.raises(NotFound):  # not Northwind's to re-notify
        housekeeping.renotify(fleet, clock, config, user(fleet, NORTHWIND), meter, emulator=wan)
    with pytest.raises(Conflict, match="delivery"):
        housekeeping.renotify(fleet, clock, config, boxed, hub, emulator=wan)
    assert housekeeping.renotify(fleet, clock, config, boxed, meter, emulator=wan).code == "I0"
    again = inventory.show_device(fleet, meter).device
    assert again.status is not None and again.status.value == "Pending"
    assert again.status_date == clock.now() and again.responsible_supplier == BOXED_SUPPLIER
    with pytest.raises(Conflict, match="in the SMI again"):
        housekeeping.renotify(fleet, clock, config, boxed, meter, emulator=wan)


def test_due_within_lists_the_users_devices_with_their_removal_date(
    fleet: Store, clock: ManualClock
) -> None:
    config = Config()
    rule = housekeeping.rule_in_force(config, clock.now())
    due = housekeeping.due_within(fleet, clock.now(), config, [BOXED_SUPPLIER], days=3650)
    counts = housekeeping.dry_run(fleet, clock.now(), [rule], horizons=[3650])[0].counts
    assert len(due) == sum(n for _, u, n in counts if u == BOXED_SUPPLIER)
    for d in due:
        assert d.removal_on >= clock.now() and d.removal_on == max(
            rule.due_on(d.pending_since), clock.now()
        )


def test_outcome_profile_counts_by_code_and_day(fleet: Store, clock: ManualClock) -> None:
    with fleet.transaction() as tx:  # request lines as the gateway's audit writes them
        for days, code in ((1, "I0"), (1, "E169"), (2, "E19"), (40, "I0")):
            tx.audit.record(
                AuditEntry(
                    clock.now() - timedelta(days=days),
                    "request",
                    code,
                    user_id=BOXED_SUPPLIER,
                    srv="4.1.1",
                )
            )
    profile = reports.outcome_profile(fleet, [BOXED_SUPPLIER], clock.now())
    assert sorted(profile.by_code) == [("E169", 1), ("E19", 1), ("I0", 1)]  # 40 days ago: out
    assert len(profile.by_day) == 30
    by_day = {day: (ok, failed, refused) for day, ok, failed, refused in profile.by_day}
    assert by_day[(clock.now() - timedelta(days=1)).date()] == (1, 0, 1)
    assert by_day[(clock.now() - timedelta(days=2)).date()] == (0, 1, 0)
    assert reports.outcome_profile(fleet, [NORTHWIND], clock.now()).by_code == []


def test_accounts_refuse_weak_passwords_unknown_users_and_duplicates(
    store: Store, clock: ManualClock
) -> None:
    register_test_users(store)
    add = portal_accounts.add_account
    with pytest.raises(InvalidValue, match="at least 10"):
        add(store, "bob", BOXED_SUPPLIER, "short", clock.now())
    with pytest.raises(InvalidValue, match="without spaces"):
        add(store, "bob smith", BOXED_SUPPLIER, "long enough pw", clock.now())
    with pytest.raises(NotFound):
        add(store, "bob", UserId.parse("00-00-00-00-00-00-00-09"), "long enough pw", clock.now())
    add(store, "bob", BOXED_SUPPLIER, "long enough pw", clock.now())
    with pytest.raises(Conflict):
        add(store, "bob", BOXED_SUPPLIER, "another password", clock.now())
    with pytest.raises(portal_accounts.SignInRefused):
        portal_accounts.sign_in(store, clock, "nobody", "long enough pw", "1.2.3.4")
    token = portal_accounts.sign_in(store, clock, "bob", "long enough pw", "1.2.3.4")
    account = portal_accounts.account_of(store, clock, token)
    assert account is not None and account.user.user_id == BOXED_SUPPLIER
    assert portal_accounts.csrf_ok(token, portal_accounts.csrf_token(token))
    assert not portal_accounts.csrf_ok(token, portal_accounts.csrf_token(token + "x"))
