"""Install-code requests round-trip through their repository on both databases; the code
goes in and out sealed only, and never comes with the request."""

from __future__ import annotations

from datetime import date, timedelta

from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.install_codes import RequestStatus
from gbdsp.store.install_code_repositories import MAX_REQUEST_ID
from gbdsp.store.store import Store
from tests.factories import SUPPLIER, WHEN

GAINING = UserId.parse("00-DB-12-34-56-78-01-01")
HIGH_BIT = DeviceId.parse("FF-DB-12-34-56-78-90-A0")
OTHER = DeviceId.parse("00-DB-12-34-56-78-90-A1")
TODAY = date(2025, 6, 10)


def raise_two(store: Store) -> tuple[int, int]:
    with store.transaction() as tx:
        first, second = tx.install_codes.raise_many(
            GAINING,
            [(HIGH_BIT, SUPPLIER), (OTHER, SUPPLIER)],
            WHEN,
            date(2025, 6, 13),
            backlog=False,
        )
    return first, second


def test_raised_requests_come_back_as_they_were_raised(store: Store) -> None:
    first, second = raise_two(store)
    with store.read() as tx:
        request = tx.install_codes.get(first)
        open_for = tx.install_codes.open_for([HIGH_BIT, OTHER, DeviceId(5)])
    assert second > first
    assert request is not None
    assert (request.device_id, request.requester, request.assignee) == (HIGH_BIT, GAINING, SUPPLIER)
    assert (request.status, request.raised_at, request.due) == (
        RequestStatus.OPEN,
        WHEN,
        date(2025, 6, 13),
    )
    assert open_for == {HIGH_BIT: first, OTHER: second}


def test_a_saved_change_is_what_is_read_back_and_the_code_stays_sealed(store: Store) -> None:
    first, _ = raise_two(store)
    with store.transaction() as tx:
        request = tx.install_codes.get(first)
        assert request is not None
        tx.install_codes.save(
            request.answered(SUPPLIER, WHEN, not_installer=False), code_sealed=b"sealed bytes"
        )
    with store.read() as tx:
        answered = tx.install_codes.get(first)
        assert tx.install_codes.sealed_code(first) == b"sealed bytes"
    assert answered is not None and answered.status is RequestStatus.ANSWERED
    assert answered.answered_at == WHEN
    assert not hasattr(answered, "code_sealed")
    with store.transaction() as tx:  # a later change without a code keeps the code
        tx.install_codes.save(answered.closed(GAINING, WHEN + timedelta(hours=1)))
        assert tx.install_codes.sealed_code(first) == b"sealed bytes"
        assert tx.install_codes.open_for([HIGH_BIT]) == {}


def test_an_id_beyond_bigint_or_unknown_names_no_request(store: Store) -> None:
    raise_two(store)
    with store.read() as tx:
        assert tx.install_codes.get(MAX_REQUEST_ID + 1) is None
        assert tx.install_codes.get(0) is None
        assert tx.install_codes.get(MAX_REQUEST_ID) is None


def test_queues_for_the_parties_the_sla_and_the_reminder_job(store: Store) -> None:
    first, second = raise_two(store)
    with store.transaction() as tx:
        (backlog,) = tx.install_codes.raise_many(
            GAINING, [(DeviceId(5), SUPPLIER)], WHEN, date(2025, 6, 3), backlog=True
        )
    with store.read() as tx:
        assert [r.id for r in tx.install_codes.of_party(GAINING)] == [first, second, backlog]
        assert tx.install_codes.of_party(UserId.parse("90-B3-D5-1F-30-02-00-00")) == []
        assert [r.id for r in tx.install_codes.tracked()] == [first, second]
        assert tx.install_codes.overdue(TODAY) == []  # the backlog one is never overdue
        assert [r.id for r in tx.install_codes.overdue(date(2025, 6, 14))] == [first, second]
        assert [r.id for r in tx.install_codes.still_open(OTHER, GAINING)] == [second]
        assert tx.install_codes.still_open(OTHER, SUPPLIER) == []
        assert [r.id for r in tx.install_codes.not_reminded(TODAY)] == [first, second]
    with store.transaction() as tx:
        tx.install_codes.mark_reminded([first], WHEN)
        tx.install_codes.mark_escalated([second], WHEN)
    with store.read() as tx:
        assert [r.id for r in tx.install_codes.not_reminded(TODAY)] == [second]
        assert [r.id for r in tx.install_codes.not_escalated(date(2025, 6, 14))] == [first]
        reminded = tx.install_codes.get(first)
    assert reminded is not None and reminded.reminded_at == WHEN
