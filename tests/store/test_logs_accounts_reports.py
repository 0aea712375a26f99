"""The alert log, portal accounts and sessions, and the report read models against both
databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from gbdsp.domain.devices import DeviceType, SmetsVariant
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.products import CplEntry, CplKey, CplStatus
from gbdsp.store.gateway_repositories import AuditEntry
from gbdsp.store.store import Store
from tests.factories import ESME_MODEL, SUPPLIER, WHEN, esme, seed

DEVICE = DeviceId.parse("FF-DB-12-34-56-78-90-A0")
NETWORK = UserId.parse("90-B3-D5-1F-30-02-00-00")


def test_the_alert_log_keeps_users_alerts_and_diagnostics_apart(store: Store) -> None:
    with store.transaction() as tx:
        first = tx.alerts.record(WHEN, DEVICE, "8F01", SUPPLIER, diagnostics_only=False)
        second = tx.alerts.record(WHEN, DEVICE, "1234", None, diagnostics_only=True)
        third = tx.alerts.record(WHEN, DEVICE, "8F0A", None, diagnostics_only=False)
    with store.read() as tx:
        users = tx.alerts.of_device(DEVICE, diagnostics=False)
        diagnostics = tx.alerts.of_device(DEVICE, diagnostics=True)
    assert first < second < third  # sequence numbers key the alerts' messages
    assert users == [("8F01", True), ("8F0A", False)]
    assert diagnostics == [("1234", False)]


def test_portal_accounts_and_sessions(store: Store) -> None:
    seed(store)
    with store.transaction() as tx:
        tx.portal_accounts.add("bob", NETWORK, "$argon2id$b", WHEN)
        tx.portal_accounts.add("alice", SUPPLIER, "$argon2id$a", WHEN)
        assert tx.portal_accounts.exists("alice") and not tx.portal_accounts.exists("carol")
        found = tx.portal_accounts.credentials("alice")
        assert found is not None and found[1] == "$argon2id$a"
        tx.portal_accounts.start_session("h1", found[0], WHEN, WHEN + timedelta(hours=8))
    with store.read() as tx:
        assert tx.portal_accounts.all() == [("alice", SUPPLIER), ("bob", NETWORK)]
        assert tx.portal_accounts.credentials("carol") is None
        assert tx.portal_accounts.of_session("h1", WHEN) == (found[0], "alice", SUPPLIER)
        assert tx.portal_accounts.of_session("h1", WHEN + timedelta(hours=8)) is None
        assert tx.portal_accounts.of_session("h2", WHEN) is None
    with store.transaction() as tx:  # a later sign-in sweeps the expired session away
        tx.portal_accounts.start_session("h2", found[0], WHEN + timedelta(hours=9), WHEN)
        assert tx.portal_accounts.of_session("h1", WHEN) is None
        tx.portal_accounts.end_session("h2")


def test_report_queries_count_requests_and_find_restricted_meters(store: Store) -> None:
    seed(store)
    with store.transaction() as tx:
        tx.devices.add(esme(1, restricted=True))
        tx.devices.add(esme(2))
        newer = CplKey(
            replace(ESME_MODEL, firmware_version="0002013A"), DeviceType.ESME, SmetsVariant.SMETS2
        )
        tx.cpl.put(CplEntry(newer, CplStatus.ACTIVE))
        for outcome, srv in (("I0", "11.2"), ("E169", "11.2"), ("E19", "11.2"), ("I0", "4.1.1")):
            tx.audit.record(
                AuditEntry(
                    WHEN, "request", outcome, user_id=SUPPLIER, srv=srv, device_id=esme(1).device_id
                )
            )
        tx.audit.record(AuditEntry(WHEN, "response", "I0", user_id=SUPPLIER, srv="11.2"))
    with store.read() as tx:
        outcomes = sorted(tx.reports.request_outcomes())
        recent = tx.reports.request_outcomes_of([SUPPLIER], WHEN - timedelta(days=1))
        assert tx.reports.request_outcomes_of([NETWORK], WHEN - timedelta(days=1)) == []
        assert tx.reports.request_outcomes_of([SUPPLIER], WHEN) == []  # only after `since`
        meters = tx.reports.restricted_meters()
        newest = tx.reports.newest_active_firmware()
        failures = tx.reports.failures_per_device(["11.2"], ["I0", "I99"])
    assert outcomes == [
        ("11.2", SUPPLIER, None, "E169", 1),
        ("11.2", SUPPLIER, None, "E19", 1),
        ("11.2", SUPPLIER, None, "I0", 1),
        ("4.1.1", SUPPLIER, None, "I0", 1),
    ]
    assert sorted(outcome for _, outcome in recent) == ["E169", "E19", "I0", "I0"]
    assert [m[0] for m in meters] == [esme(1).device_id]
    assert newest[(ESME_MODEL.manufacturer, ESME_MODEL.model, "ESME")] == "0002013A"
    assert failures == {esme(1).device_id: 2}
