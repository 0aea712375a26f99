"""The one outbox on both databases: each channel takes only its own messages, leases keep
a message from two rounds at once, CSP notices come in the order written."""

from __future__ import annotations

from datetime import timedelta

from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.outbox import Channel, CspNotice, Mail
from gbdsp.services.users import register_test_users, set_response_url
from gbdsp.store.outbox_repositories import DuisMessage
from gbdsp.store.store import Store
from tests.factories import SUPPLIER, WHEN

HIGH_BIT = DeviceId.parse("FF-DB-12-34-56-78-90-A0")  # stored as a negative BIGINT
LATER = WHEN + timedelta(seconds=1)
LEASE = WHEN + timedelta(minutes=5)


def one_of_each(store: Store) -> None:
    register_test_users(store)
    set_response_url(store, SUPPLIER, "http://127.0.0.1:9/duis")
    with store.transaction() as tx:
        tx.outbox.add(DuisMessage("r1", SUPPLIER, b"<m/>", WHEN))
        tx.outbox.add_mail(Mail("ops@b.test", '[gbdsp] Ärger "quoted"', "line 1\nline 2"), WHEN)
        tx.outbox.add_csp_notice(CspNotice(HIGH_BIT, True), WHEN)


def test_each_channel_takes_only_its_own_messages(store: Store) -> None:
    one_of_each(store)
    with store.transaction() as tx:
        assert [tx.outbox.pending(c) for c in Channel] == [1, 1, 1]
        duis = tx.outbox.claim_due(LATER, LEASE, 10)
        mail = tx.outbox.claim_mail(LATER, LEASE, 10)
        csp = tx.outbox.take_csp_notices(10)
    assert [(m.response_id, m.user_id, m.url, m.body) for m in duis] == [
        ("r1", SUPPLIER, "http://127.0.0.1:9/duis", b"<m/>")
    ]
    assert [m.mail for m in mail] == [
        Mail("ops@b.test", '[gbdsp] Ärger "quoted"', "line 1\nline 2")
    ]
    assert [q.notice for q in csp] == [CspNotice(HIGH_BIT, True)]
    assert len({duis[0].id, mail[0].id, csp[0].id}) == 3


def test_a_leased_mail_is_not_taken_again_until_its_lease_ends(store: Store) -> None:
    one_of_each(store)
    with store.transaction() as tx:
        (first,) = tx.outbox.claim_mail(LATER, LEASE, 10)
    with store.transaction() as tx:
        assert tx.outbox.claim_mail(LATER + timedelta(minutes=1), LEASE, 10) == []
        again = tx.outbox.claim_mail(LEASE, LEASE + timedelta(minutes=5), 10)
    assert [m.id for m in again] == [first.id]  # the round that leased it died: sent again


def test_delivered_and_failed_are_recorded_per_message(store: Store) -> None:
    one_of_each(store)
    with store.transaction() as tx:
        (mail,) = tx.outbox.claim_mail(LATER, LEASE, 10)
        tx.outbox.failed(mail.id, LATER + timedelta(seconds=30), "SMTP refused")
    with store.transaction() as tx:
        assert tx.outbox.claim_mail(LATER, LEASE, 10) == []  # waits for its retry
        (retried,) = tx.outbox.claim_mail(LATER + timedelta(seconds=30), LEASE, 10)
        tx.outbox.delivered_many([retried.id], LATER + timedelta(seconds=31))
    assert retried.attempts == 1
    with store.read() as tx:
        assert tx.outbox.pending(Channel.MAIL) == 0
        assert [sent for _, sent in tx.outbox.mails()] == [LATER + timedelta(seconds=31)]


def test_csp_notices_come_in_the_order_written(store: Store) -> None:
    device = DeviceId.parse("00-DB-12-34-56-78-90-A0")
    with store.transaction() as tx:
        for restricted in (True, False, True):
            tx.outbox.add_csp_notice(CspNotice(device, restricted), WHEN)
    with store.transaction() as tx:
        taken = tx.outbox.take_csp_notices(2)
        tx.outbox.delivered_many([q.id for q in taken], LATER)
    with store.transaction() as tx:
        rest = tx.outbox.take_csp_notices(10)
    assert [q.notice.restricted for q in taken + rest] == [True, False, True]
    with store.read() as tx:
        assert [at for _, at in tx.outbox.csp_notices()] == [LATER, LATER, None]


def test_withdrawing_a_duis_key_leaves_the_other_channels_alone(store: Store) -> None:
    one_of_each(store)
    with store.transaction() as tx:
        tx.outbox.add(DuisMessage("r1:later", SUPPLIER, b"<m/>", WHEN, LEASE))
        assert tx.outbox.withdraw_pending("r1") == 2
        assert [tx.outbox.pending(c) for c in Channel] == [0, 1, 1]


def test_a_users_messages_are_its_duis_messages(store: Store) -> None:
    one_of_each(store)
    other = UserId.parse("90-B3-D5-1F-30-02-00-00")  # the network operator
    with store.transaction() as tx:
        tx.outbox.add(
            DuisMessage("r2", SUPPLIER, b"<m/>", WHEN), DuisMessage("r3", other, b"<m/>", WHEN)
        )
        assert [r[0] for r in tx.outbox.all_for(SUPPLIER)] == ["r1", "r2"]
        assert tx.outbox.pending() == 5
