"""The MP121 request entity: each change is allowed to one party, from one state."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from gbdsp.domain.errors import Conflict, NotFound
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.install_codes import InstallCodeRequest, NotYours, RequestStatus

GAINING = UserId.parse("00-DB-12-34-56-78-01-01")
INSTALLER = UserId.parse("90-B3-D5-1F-30-01-00-00")
EARLIER = UserId.parse("00-DB-12-34-56-78-01-02")
STRANGER = UserId.parse("90-B3-D5-1F-30-02-00-00")
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OPEN = InstallCodeRequest(
    7,
    DeviceId.parse("00-DB-12-34-56-78-90-A0"),
    GAINING,
    INSTALLER,
    RequestStatus.OPEN,
    AT,
    date(2026, 3, 16),
    None,
    None,
    False,
    None,
)


def test_the_installer_answers_an_open_request() -> None:
    answered = OPEN.answered(INSTALLER, AT, not_installer=False)
    assert (answered.status, answered.answered_at) == (RequestStatus.ANSWERED, AT)
    said_no = OPEN.answered(INSTALLER, AT, not_installer=True)
    assert said_no.status is RequestStatus.NOT_INSTALLER


@pytest.mark.parametrize(
    ("by", "status", "refusal"),
    [
        (GAINING, RequestStatus.OPEN, NotYours),  # the requester does not answer its own
        (STRANGER, RequestStatus.OPEN, NotFound),  # someone else's request is not found
        (INSTALLER, RequestStatus.ANSWERED, Conflict),  # answered once
        (INSTALLER, RequestStatus.CLOSED, Conflict),
    ],
)
def test_an_answer_is_refused_to_others_and_after_the_first(
    by: UserId, status: RequestStatus, refusal: type[Exception]
) -> None:
    with pytest.raises(refusal):
        replace(OPEN, status=status).answered(by, AT, not_installer=False)


def test_a_redirect_gives_a_new_assignee_a_new_due_date_and_fresh_reminders() -> None:
    said_no = replace(
        OPEN.answered(INSTALLER, AT, not_installer=True), reminded_at=AT, escalated_at=AT
    )
    moved = said_no.redirected(GAINING, EARLIER, date(2026, 3, 20))
    assert (moved.assignee, moved.status, moved.due) == (
        EARLIER,
        RequestStatus.OPEN,
        date(2026, 3, 20),
    )
    assert (moved.answered_at, moved.reminded_at, moved.escalated_at) == (None, None, None)
    assert moved.note == f"redirected from {INSTALLER}"


def test_only_a_not_the_installer_answer_is_redirected_and_only_by_the_requester() -> None:
    with pytest.raises(Conflict):
        OPEN.redirected(GAINING, EARLIER, date(2026, 3, 20))
    said_no = OPEN.answered(INSTALLER, AT, not_installer=True)
    with pytest.raises(NotYours):
        said_no.redirected(INSTALLER, EARLIER, date(2026, 3, 20))


def test_only_the_requester_closes_and_only_once() -> None:
    with pytest.raises(NotYours):
        OPEN.closed(INSTALLER, AT)
    closed = OPEN.closed(GAINING, AT)
    assert (closed.status, closed.closed_at) == (RequestStatus.CLOSED, AT)
    with pytest.raises(Conflict):
        closed.closed(GAINING, AT)


def test_joining_with_the_code_closes_the_request_with_a_note() -> None:
    joined = OPEN.answered(INSTALLER, AT, not_installer=False).joined(AT)
    assert joined.status is RequestStatus.CLOSED and joined.closed_at == AT
    assert joined.note == "closed: the device joined with the install code"
