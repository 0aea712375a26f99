"""MP60 housekeeping with histories built through the lifecycle services and a clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from gbdsp.clock import ManualClock
from gbdsp.config import Config
from gbdsp.domain.devices import DeviceType
from gbdsp.domain.housekeeping import HousekeepingRule, months_before
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.rules import rules_on
from gbdsp.domain.service_requests import HanDeviceLogUpdate, InventoryUpdate, Prenotification
from gbdsp.duis import schema, xml
from gbdsp.gateway import device_commands
from gbdsp.services import housekeeping, lifecycle
from gbdsp.services.context import HandlerContext
from gbdsp.services.lookups import CplLookup
from gbdsp.services.users import register_test_users
from gbdsp.store.store import Store
from gbdsp.wan.emulator import DeviceEmulator
from gbdsp.worlds.demo import MODELS, create_demo_fleet
from tests.duis_support import dsp_signing_key

SUPPLIER = UserId.parse("90-B3-D5-1F-30-01-00-00")
T0 = datetime(2022, 1, 10, 12, 0, tzinfo=UTC)
STOCK_CHF, STOCK_GPF = (
    DeviceId.parse("00-DB-12-34-59-00-00-01"),
    DeviceId.parse("00-DB-12-34-59-00-00-02"),
)
CHF, GPF = DeviceId.parse("00-DB-12-34-59-00-01-01"), DeviceId.parse("00-DB-12-34-59-00-01-02")
METER = DeviceId.parse("00-DB-12-34-59-00-01-03")
FRESH = DeviceId.parse("00-DB-12-34-59-00-01-04")  # pre-notified recently: never due
AC72 = HousekeepingRule(12, name="AC 7.2")
MP60 = HousekeepingRule(36, frozenset({DeviceType.CHF, DeviceType.GPF}), name="MP60")
BRYT = HousekeepingRule(36, only_after_left_pending=True, name="Bryt")


def build_fleet(store: Store) -> None:
    """A CH delivered at T0 and never installed; a meter commissioned, decommissioned and
    back to Pending a year later (AC 7.1); a meter pre-notified just before 'now'."""
    register_test_users(store)
    create_demo_fleet(store, ManualClock(T0), premises=0, seed=1)  # the CPL and Users
    with store.transaction() as tx:
        user = tx.users.get(SUPPLIER)
        assert user is not None
        rules = rules_on(Config().rule_settings(), T0.date())
        ctx = HandlerContext(tx, CplLookup(store, ttl=0), T0, user, rules, DeviceEmulator())

        def ok(reply: object) -> None:
            assert reply is None or getattr(reply, "code", "I0") == "I0", reply

        chf_model, gpf_model = MODELS[DeviceType.CHF], MODELS[DeviceType.GPF]
        ok(lifecycle.deliver_hub(ctx, STOCK_CHF, STOCK_GPF, chf_model, gpf_model, "CHTS V1.0"))
        ok(lifecycle.deliver_hub(ctx, CHF, GPF, chf_model, gpf_model, "CHTS V1.0"))
        ctx = ctx.at(T0 + timedelta(days=10))
        ok(lifecycle.update_ch_status(ctx, "8.14.1", CHF))
        esme = MODELS[DeviceType.ESME]
        for device, when in (
            (METER, T0 + timedelta(days=11)),
            (FRESH, T0 + timedelta(days=30 * 46)),
        ):
            ok(
                lifecycle.prenotify(
                    ctx.at(when),
                    Prenotification(
                        device,
                        esme.manufacturer,
                        esme.model,
                        "ESME",
                        "SMETS2",
                        esme.firmware_version,
                        None,
                    ),
                )
            )
        ctx = ctx.at(T0 + timedelta(days=12))
        update = HanDeviceLogUpdate(METER, True, ctx.emulator.install_code(METER), None)
        chf = tx.devices.get(CHF)
        assert chf is not None
        ok(device_commands.whitelist(ctx, chf, update))
        meter = tx.devices.get(METER)
        assert meter is not None
        ok(device_commands.commission(ctx, meter))
        ok(lifecycle.decommission(ctx.at(T0 + timedelta(days=300)), METER))
        ok(
            lifecycle.update_inventory(
                ctx.at(T0 + timedelta(days=365)), InventoryUpdate(METER, status="Pending")
            )
        )


def remaining(store: Store) -> set[DeviceId]:
    with store.read() as tx:
        return {d.device_id for d in tx.devices.iter_all()}


def run(
    store: Store, when: datetime, rule: HousekeepingRule, **kw: object
) -> housekeeping.RunReport:
    return housekeeping.run(store, ManualClock(when), dsp_signing_key(), rule, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("rule", "months", "removed"),
    [
        (AC72, 11, set()),
        (AC72, 13, {STOCK_CHF, STOCK_GPF}),  # the CH in stock since delivery
        (AC72, 25, {STOCK_CHF, STOCK_GPF, METER}),  # the meter, Pending again for 12 months
        (MP60, 37, set()),  # CH excluded; meter Pending 24 months
        (MP60, 49, {METER}),
        (BRYT, 49, {METER}),  # never-installed stock is not housekept
    ],
)
def test_each_reading_removes_what_it_should(
    store: Store, rule: HousekeepingRule, months: int, removed: set[DeviceId]
) -> None:
    build_fleet(store)
    before = remaining(store)
    when = T0 + timedelta(days=30.5 * months)
    forecast = housekeeping.dry_run(store, when, [rule], horizons=(0,))[0]
    report = run(store, when, rule)
    assert before - remaining(store) == removed
    assert report.removed == forecast.total == len(removed)  # the dry run agrees
    assert run(store, when, rule).removed == 0  # re-running removes nothing


def test_the_dry_run_looks_ahead_and_changes_nothing(store: Store) -> None:
    build_fleet(store)
    before = remaining(store)
    when = months_before(T0 + timedelta(days=30.5 * 13), 0) - timedelta(days=40)
    forecasts = housekeeping.dry_run(store, when, [AC72, MP60, BRYT])
    totals = {(f.rule.name, f.days): f.total for f in forecasts}
    assert totals[("AC 7.2", 0)] < totals[("AC 7.2", 90)]
    assert totals[("MP60", 90)] == totals[("Bryt", 90)] == 0
    assert remaining(store) == before


def test_every_removal_is_archived_with_its_history_and_its_owner_told(store: Store) -> None:
    build_fleet(store)
    report = run(store, T0 + timedelta(days=30.5 * 25), AC72)
    with store.transaction() as tx:
        tx.users.set_response_url(SUPPLIER, "http://127.0.0.1:9/duis")
        archived = {a.device_id: a for a in tx.housekeeping.archived(limit=100)}
        due = T0 + timedelta(days=30.5 * 25)
        alerts = tx.outbox.claim_due(due + timedelta(days=1), due, 100)
    assert set(archived) == {STOCK_CHF, STOCK_GPF, METER}
    meter = json.loads(archived[METER].record)
    assert [h["status"] for h in meter["history"]] == [
        "Pending",
        "Whitelisted",
        "Commissioned",
        "Decommissioned",
        "Pending",
    ]
    assert archived[METER].rule == "AC 7.2: 12 months"
    assert archived[METER].run_id == report.run_id
    assert len(alerts) == 3 and all(str(a.user_id) == str(SUPPLIER) for a in alerts)
    alert = xml.parse(alerts[0].body)
    assert schema.schema_error(alert) is None
    assert b"DeviceRemovedFromInventory" in alerts[0].body


def test_a_run_killed_half_way_then_restarted_ends_like_an_uninterrupted_one(store: Store) -> None:
    build_fleet(store)
    when = T0 + timedelta(days=30.5 * 25)
    expected = remaining(store) - {STOCK_CHF, STOCK_GPF, METER}

    class Killed(Exception):
        pass

    def kill_after_first(report: housekeeping.RunReport) -> None:
        raise Killed

    with pytest.raises(Killed):
        run(store, when, AC72, batch_size=1, after_batch=kill_after_first)
    assert len(remaining(store)) == len(expected) + 2  # one whole batch done, no more
    run(store, when, AC72, batch_size=1)
    assert remaining(store) == expected
    with store.read() as tx:
        archived = [a.device_id for a in tx.housekeeping.archived(limit=100)]
    assert sorted(archived) == sorted({STOCK_CHF, STOCK_GPF, METER})  # each once


def test_the_rule_in_force_follows_the_mp60_switch() -> None:
    config = Config()
    assert housekeeping.rule_in_force(config, T0).months == 36
    off = Config.model_validate({"modifications": {"mp60": {"enabled": False}}})
    assert housekeeping.rule_in_force(off, T0).months == 12
    assert housekeeping.rule_in_force(off, T0).excluded_types == frozenset()


def test_rules_parse_from_the_command_line() -> None:
    rule = HousekeepingRule.parse("months=36,exclude=CHF+GPF,left-pending,name=Bryt")
    assert rule == HousekeepingRule(36, frozenset({DeviceType.CHF, DeviceType.GPF}), True, "Bryt")
    with pytest.raises(Exception, match="needs months"):
        HousekeepingRule.parse("exclude=CHF")
    assert months_before(datetime(2024, 3, 31, tzinfo=UTC), 1).day == 29


def test_stock_rotation_finds_newer_hubs_installed_before_older_stock(store: Store) -> None:
    register_test_users(store)
    create_demo_fleet(store, ManualClock(T0), premises=0, seed=1)
    ids = [DeviceId.parse(f"00-DB-12-34-5B-00-00-{n:02X}") for n in range(6)]
    with store.transaction() as tx:
        user = tx.users.get(SUPPLIER)
        assert user is not None
        rules = rules_on(Config().rule_settings(), T0.date())
        ctx = HandlerContext(tx, CplLookup(store, ttl=0), T0, user, rules, DeviceEmulator())
        chf_model, gpf_model = MODELS[DeviceType.CHF], MODELS[DeviceType.GPF]
        for n, day in ((0, 0), (2, 10), (4, 40)):  # CHs A, B, C delivered
            lifecycle.deliver_hub(
                ctx.at(T0 + timedelta(days=day)),
                ids[n],
                ids[n + 1],
                chf_model,
                gpf_model,
                "CHTS V1.0",
            )
        lifecycle.update_ch_status(ctx.at(T0 + timedelta(days=20)), "8.14.1", ids[2])  # B
        lifecycle.update_ch_status(ctx.at(T0 + timedelta(days=30)), "8.14.1", ids[0])  # A
    now = T0 + timedelta(days=100)
    rows = {r.holder: r for r in housekeeping.stock_rotation(store, ManualClock(now))}
    mine = rows[SUPPLIER]
    assert (mine.installs, mine.newer_first) == (2, 1)  # B went in while A waited
    assert mine.oldest_in_stock_days == 60  # C, delivered on day 40
