"""`gbdsp demo`'s world, asserted through the services the portal and the CLI call, on both
backends: every feature has data under the default configuration (docs/demo.md)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from gbdsp.bootstrap import App
from gbdsp.clock import ManualClock
from gbdsp.config import Config, Modifications, Mp121Config, Mp169Config
from gbdsp.domain.housekeeping import HousekeepingRule
from gbdsp.domain.install_codes import RequestStatus, due_date
from gbdsp.domain.parties import User
from gbdsp.domain.visibility import Viewer, parties_of
from gbdsp.domain.working_days import Calendar, working_days_between
from gbdsp.services import housekeeping, install_codes, inventory, registration, reports, restricted
from gbdsp.services.users import register_test_users, set_response_url
from gbdsp.store.store import Store
from gbdsp.store.tables import audit_log
from gbdsp.worlds.demo import BOXED_SUPPLIER
from gbdsp.worlds.demo_month import (
    BRIGHTWATT,
    DEMO_CLIENT_URL,
    DemoInterrupted,
    create_demo,
    gained_meters,
    restricted_meter,
)

BRYT = HousekeepingRule.parse("months=36,exclude=CHF+GPF,left-pending,name=Bryt")


def test_the_demo_shows_every_feature_and_a_second_run_adds_nothing(
    store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    """One world per backend (it takes seconds), every bullet of docs/demo.md checked."""
    register_test_users(store)  # what `gbdsp init` does
    app = App(tmp_path, Config(), store, clock)
    report = create_demo(app, premises=20, seed=1)
    assert report.world.built and report.world.left_out == []
    for check in (
        housekeeping_due_in_each_window_some_overdue_some_removed,
        install_code_requests_in_every_state_one_overdue_in_working_days,
        changes_of_supplier_applied_and_in_flight,
        a_restricted_device_with_its_history_and_refused_reads,
        a_month_of_duis_traffic_through_the_gateway_and_relay,
        a_second_run_adds_nothing_and_says_so,
        an_interrupted_run_is_refused_with_what_to_do,
    ):
        check(app, clock)


def boxed(app: App) -> User:
    with app.store.read() as tx:
        user = tx.users.get(BOXED_SUPPLIER)
    assert user is not None
    return user


def housekeeping_due_in_each_window_some_overdue_some_removed(
    demo: App, clock: ManualClock
) -> None:
    now = clock.now()
    rule = housekeeping.rule_in_force(demo.config, now)
    assert rule.months == 36  # the default rule: MP60
    parties = sorted(parties_of(boxed(demo)), key=str)  # as the portal page asks
    due = housekeeping.due_within(demo.store, now, demo.config, parties)
    ahead = [(d.removal_on - now).days for d in due if d.removal_on > now]
    overdue = [d for d in due if d.removal_on == now]
    assert len(overdue) >= 2
    assert all(rule.due_on(d.pending_since) <= now for d in overdue)
    for low, high in ((0, 30), (30, 60), (60, 90)):
        assert any(low <= days < high for days in ahead), (low, high, ahead)
    counts = [
        sum(n for _, u, n in f.counts if u in parties)
        for f in housekeeping.dry_run(demo.store, now, [rule])
    ]
    assert counts[0] == len(overdue) and counts[0] < counts[1] < counts[2] < counts[3]
    assert counts[3] == len(due)
    assert housekeeping.dry_run(demo.store, now, [BRYT], horizons=(90,))[0].total > 0
    removed = housekeeping.removed(demo.store, [BOXED_SUPPLIER])
    assert removed and all(now - r.entry.removed_at > timedelta(days=40) for r in removed)
    assert any(not isinstance(r.renotify, str) for r in removed)


def install_code_requests_in_every_state_one_overdue_in_working_days(
    demo: App, clock: ManualClock
) -> None:
    mine, assigned = install_codes.queue(demo.store, clock, demo.config, BOXED_SUPPLIER)
    statuses = {q.request.status for q in mine + assigned}
    assert statuses == set(RequestStatus)
    calendar = Calendar.parse(demo.config.modifications.mp121.calendar)
    today = clock.now().date()
    for queue in (mine, assigned):
        late = [q for q in queue if q.overdue]
        assert late, queue
        for q in late:  # overdue means past 10 Working Days from raising, and still open
            r = q.request
            assert r.status is RequestStatus.OPEN and not r.backlog
            assert r.due == due_date(r.raised_at.date(), 10, calendar) < today
            assert working_days_between(r.raised_at.date(), today, calendar) > 10
    assert any(q.request.backlog for q in assigned)
    closed = [q.request for q in mine if q.request.status is RequestStatus.CLOSED]
    assert len(closed) >= 2 and all(r.closed_at for r in closed)  # read, and withdrawn
    sla = {s.assignee: s for s in install_codes.sla_report(demo.store, clock, demo.config)}
    assert sla[BOXED_SUPPLIER].in_time and sla[BOXED_SUPPLIER].late
    assert sla[BOXED_SUPPLIER].overdue and sla[BRIGHTWATT].overdue
    answered = next(q.request for q in mine if q.request.status is RequestStatus.ANSWERED)
    code = install_codes.read_code(demo.store, demo.sealer(), BOXED_SUPPLIER, answered.id)
    assert 6 <= len(code) <= 16


def changes_of_supplier_applied_and_in_flight(demo: App, clock: ManualClock) -> None:
    entries = registration.latest(demo.store)
    now = clock.now()
    assert any(e.applied_at is None and e.effective_from > now for e in entries)
    assert any(e.applied_at is not None and e.applied_at <= now for e in entries)
    user = boxed(demo)
    for meter in gained_meters():
        device = inventory.device_for(demo.store, user, meter).device
        assert device.responsible_supplier == BOXED_SUPPLIER
        assert device.installing_supplier == BRIGHTWATT


def a_restricted_device_with_its_history_and_refused_reads(demo: App, clock: ManualClock) -> None:
    meter = restricted_meter()
    assert inventory.device_for(demo.store, boxed(demo), meter).device.restricted
    changes = restricted.history(demo.store, demo.sealer(), Viewer(None), meter).changes
    assert [c.restricted for c in changes] == [True, False, True]
    assert all(c.by == BOXED_SUPPLIER and c.at < clock.now() for c in changes)
    outcomes = [o for o in reports.sr_outcomes(demo.store) if o.srv == "4.1.1"]
    assert sum(o.restricted for o in outcomes) > 0
    # Newer firmware on the CPL since: the Restricted meter is behind, and so are
    # the CHs in stock.
    assert meter in {r.device_id for r in reports.restricted_firmware(demo.store)}
    stock = housekeeping.hub_stock(demo.store)
    assert sum(s.behind for s in stock) == sum(s.in_stock for s in stock)


def a_month_of_duis_traffic_through_the_gateway_and_relay(demo: App, clock: ManualClock) -> None:
    now = clock.now()
    profile = reports.outcome_profile(demo.store, [BOXED_SUPPLIER], now)
    busy_days = [d for d, ok, failed, refused in profile.by_day if ok + failed + refused]
    assert len(busy_days) >= 28
    codes = dict(profile.by_code)
    assert codes.get("I99", 0) > 100 and codes.get("I0", 0) > 20 and codes.get("E169", 0)
    assert set(codes) - {"I0", "I99", "E169"}  # some requests fail, as in life
    with demo.store.engine.connect() as conn:
        times = [r[0] for r in conn.execute(audit_log.select().with_only_columns(audit_log.c.at))]
    with demo.store.read() as tx:
        undelivered = [m for m in tx.outbox.all_for(BOXED_SUPPLIER) if m[1] is None]
        user = tx.users.get(BOXED_SUPPLIER)
    assert max(times) < now and min(times) < now - timedelta(days=29)
    assert undelivered == []  # the relay pushed each response
    assert user is not None and user.response_url is None  # the demo client has gone


def a_second_run_adds_nothing_and_says_so(demo: App, clock: ManualClock) -> None:
    with demo.store.read() as tx:
        before = tx.devices.count_by_status()
    again = create_demo(demo, premises=20, seed=1)
    assert not again.world.built and "already here" in again.world.describe()
    assert again.fleet.premises == 0
    with demo.store.read() as tx:
        assert tx.devices.count_by_status() == before


def an_interrupted_run_is_refused_with_what_to_do(demo: App, clock: ManualClock) -> None:
    set_response_url(demo.store, BOXED_SUPPLIER, DEMO_CLIENT_URL)
    with pytest.raises(DemoInterrupted, match="empty data directory"):
        create_demo(demo, premises=20, seed=1)


@pytest.mark.parametrize("backend", ["sqlite"])  # configuration, not storage
def test_without_mp121_and_mp169_the_demo_says_what_it_left_out(
    store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    register_test_users(store)
    off = Modifications(mp121=Mp121Config(enabled=False), mp169=Mp169Config(enabled=False))
    app = App(tmp_path, Config(modifications=off), store, clock)
    world = create_demo(app, premises=0, seed=1).world
    text = world.describe()
    assert "MP121 is not in force" in text and "MP169 is not in force" in text
    assert install_codes.requests_for(store, BOXED_SUPPLIER) == []
    assert not inventory.show_device(store, restricted_meter()).device.restricted
    assert any(e.applied_at for e in registration.latest(store))  # CoS needs no MP121
