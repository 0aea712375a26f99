"""The one outbox: DUIS messages to Users, notices to the CSP, e-mail, each row of one
channel (domain/outbox.py), written in the transaction of what caused it.

DUIS messages and mail are leased to one relay round (committed before any delivery is
tried, so no transaction is held across an HTTP or SMTP call) and marked delivered once
their receiver took them: at least once. CSP notices are taken, applied and marked in one
transaction: exactly once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, bindparam, delete, func, insert, select, update

from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.outbox import Channel, CspNotice, Mail
from gbdsp.store import hot
from gbdsp.store.tables import outbox, users

# Built once: the gateway queues a message on every device request.
_INSERT = insert(outbox)
_DUIS, _CSP, _MAIL = Channel.DUIS.value, Channel.CSP.value, Channel.MAIL.value
_ADD_ONE = hot.Prepared(
    insert(outbox).values(
        channel=_DUIS,
        response_id=bindparam("response_id"),
        user_id=bindparam("user_id"),
        body=bindparam("body"),
        created_at=bindparam("created_at"),
        attempts=0,
        next_attempt_at=bindparam("next_attempt_at"),
    )
)
"""Every device request queues one signed response (store/hot.py)."""


@dataclass(frozen=True, slots=True)
class DuisMessage:
    """A signed DUIS message for a User, as the outbox takes it."""

    response_id: str
    """Unique: the same ResponseID is never queued twice."""
    user_id: UserId
    body: bytes
    at: datetime
    deliver_from: datetime | None = None
    """Held back until then (the SM WAN's latency, a future-dated execution)."""


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A leased DUIS message and where it goes (the User's URL as it is now)."""

    id: int
    response_id: str
    user_id: UserId
    url: str
    body: bytes
    attempts: int


@dataclass(frozen=True, slots=True)
class QueuedMail:
    id: int
    mail: Mail
    attempts: int


@dataclass(frozen=True, slots=True)
class QueuedCspNotice:
    id: int
    notice: CspNotice


def _mail_body(mail: Mail) -> bytes:
    return json.dumps({"to": mail.to, "subject": mail.subject, "body": mail.body}).encode()


def _mail_of(body: bytes) -> Mail:
    fields = json.loads(body)
    return Mail(fields["to"], fields["subject"], fields["body"])


def _csp_body(notice: CspNotice) -> bytes:
    return json.dumps(
        {"device_id": str(notice.device_id), "restricted": notice.restricted}
    ).encode()


def _csp_of(body: bytes) -> CspNotice:
    fields = json.loads(body)
    return CspNotice(DeviceId.parse(fields["device_id"]), bool(fields["restricted"]))


def due_duis(now: datetime, limit: int) -> Select[Any]:
    """The oldest due DUIS messages of Users with a receive-response URL, as the relay leases
    them: an index scan of `ix_outbox_due` that stops at `limit` (migration 0019)."""
    return (
        select(
            outbox.c.id,
            outbox.c.response_id,
            outbox.c.user_id,
            users.c.response_url,
            outbox.c.body,
            outbox.c.attempts,
        )
        .join(users, users.c.user_id == outbox.c.user_id)
        .where(
            outbox.c.channel == _DUIS,
            outbox.c.delivered_at.is_(None),
            outbox.c.next_attempt_at <= now,
            users.c.response_url.is_not(None),
        )
        .order_by(outbox.c.next_attempt_at, outbox.c.id)
        .limit(limit)
    )


class OutboxRepository:
    """Messages to deliver, written in the same transaction as what caused them."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # -- queueing ---------------------------------------------------------------------------

    def add(self, *messages: DuisMessage) -> None:
        """Queue signed DUIS messages: one statement each on the hot path (store/hot.py),
        one for many otherwise."""
        if len(messages) == 1:
            m, conn = messages[0], self._conn
            values = {
                "response_id": m.response_id,
                "user_id": m.user_id.signed,
                "body": m.body,
                "created_at": hot.time_param(conn, m.at),
                "next_attempt_at": hot.time_param(conn, m.deliver_from or m.at),
            }
            _ADD_ONE.run(conn, values)
        elif messages:
            self._conn.execute(
                _INSERT,
                [
                    {
                        "channel": _DUIS,
                        "response_id": m.response_id,
                        "user_id": m.user_id,
                        "body": m.body,
                        "created_at": m.at,
                        "attempts": 0,
                        "next_attempt_at": m.deliver_from or m.at,
                    }
                    for m in messages
                ],
            )

    def add_many(self, rows: Sequence[Mapping[str, object]]) -> None:
        """Queue many ready-made DUIS rows (response_id, user_id, body, created_at, attempts,
        next_attempt_at) in one statement: bulk loads and benches."""
        if rows:
            self._conn.execute(_INSERT, [{"channel": _DUIS, **row} for row in rows])

    def add_mail(self, mail: Mail, at: datetime) -> None:
        self._add_other(_MAIL, _mail_body(mail), at)

    def add_csp_notice(self, notice: CspNotice, at: datetime) -> None:
        self._add_other(_CSP, _csp_body(notice), at)

    def _add_other(self, channel: str, body: bytes, at: datetime) -> None:
        self._conn.execute(
            _INSERT,
            {
                "channel": channel,
                "body": body,
                "created_at": at,
                "attempts": 0,
                "next_attempt_at": at,
            },
        )

    # -- taking due messages ----------------------------------------------------------------

    def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> list[OutboxMessage]:
        """Lease up to `limit` due DUIS messages to this worker until `lease_until`.

        The lease is committed before any delivery is tried, so no database transaction is
        held open across an HTTP call; a worker that dies mid-delivery leaves the message to
        be retried when its lease ends. PostgreSQL workers skip rows another is leasing.
        Messages of a User with no receive-response URL wait.
        """
        query = due_duis(now, limit)
        messages = [OutboxMessage(*row) for row in self._locked(query)]
        self._lease([m.id for m in messages], lease_until)
        return messages

    def claim_mail(self, now: datetime, lease_until: datetime, limit: int) -> list[QueuedMail]:
        """Lease up to `limit` due mails, oldest first, as `claim_due` leases DUIS messages."""
        query = (
            select(outbox.c.id, outbox.c.body, outbox.c.attempts)
            .where(
                outbox.c.channel == _MAIL,
                outbox.c.delivered_at.is_(None),
                outbox.c.next_attempt_at <= now,
            )
            .order_by(outbox.c.id)
            .limit(limit)
        )
        mails = [QueuedMail(int(r[0]), _mail_of(r[1]), int(r[2])) for r in self._locked(query)]
        self._lease([m.id for m in mails], lease_until)
        return mails

    def take_csp_notices(self, limit: int) -> list[QueuedCspNotice]:
        """Up to `limit` undelivered CSP notices in the order they were written, locked until
        this transaction ends: the caller applies them and marks them delivered in it, so
        each is applied exactly once (PostgreSQL: a concurrent relay skips them)."""
        query = (
            select(outbox.c.id, outbox.c.body)
            .where(outbox.c.channel == _CSP, outbox.c.delivered_at.is_(None))
            .order_by(outbox.c.id)
            .limit(limit)
        )
        return [QueuedCspNotice(int(r[0]), _csp_of(r[1])) for r in self._locked(query)]

    def _locked(self, query: Select[Any]) -> Sequence[Any]:
        if self._conn.dialect.name == "postgresql":
            query = query.with_for_update(of=outbox, skip_locked=True)
        return self._conn.execute(query).all()

    def _lease(self, ids: list[int], until: datetime) -> None:
        if ids:
            self._conn.execute(
                update(outbox).where(outbox.c.id.in_(ids)).values(next_attempt_at=until)
            )

    # -- results ----------------------------------------------------------------------------

    def delivered_many(self, message_ids: Sequence[int], at: datetime) -> None:
        """Several deliveries recorded in one statement (a relay round's successes)."""
        if message_ids:
            self._conn.execute(
                update(outbox)
                .where(outbox.c.id.in_(list(message_ids)))
                .values(delivered_at=at, attempts=outbox.c.attempts + 1, last_error=None)
            )

    def failed(self, message_id: int, retry_at: datetime, error: str) -> None:
        self._conn.execute(
            update(outbox)
            .where(outbox.c.id == message_id)
            .values(
                next_attempt_at=retry_at, attempts=outbox.c.attempts + 1, last_error=error[:300]
            )
        )

    def withdraw_pending(self, key_prefix: str) -> int:
        """Drop DUIS messages not yet delivered whose ResponseID starts with `key_prefix` (a
        cancelled future-dated alert); delivered ones stay. Returns how many went."""
        pattern = key_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return self._conn.execute(
            delete(outbox).where(
                outbox.c.channel == _DUIS,
                outbox.c.delivered_at.is_(None),
                outbox.c.response_id.like(pattern, escape="\\"),
            )
        ).rowcount

    # -- reading ----------------------------------------------------------------------------

    def pending(self, channel: Channel | None = None) -> int:
        """Messages not yet delivered (of one channel, or of all)."""
        query = select(func.count()).select_from(outbox).where(outbox.c.delivered_at.is_(None))
        if channel is not None:
            query = query.where(outbox.c.channel == channel.value)
        return int(self._conn.execute(query).scalar_one())

    def next_due(self) -> datetime | None:
        value = self._conn.execute(
            select(func.min(outbox.c.next_attempt_at)).where(outbox.c.delivered_at.is_(None))
        ).scalar()
        return value if isinstance(value, datetime) or value is None else None

    def all_for(self, user_id: UserId) -> Sequence[tuple[str, datetime | None, int]]:
        """A User's DUIS messages: (ResponseID, delivered at, attempts), oldest first."""
        rows = self._conn.execute(
            select(outbox.c.response_id, outbox.c.delivered_at, outbox.c.attempts)
            .where(outbox.c.channel == _DUIS, outbox.c.user_id == user_id)
            .order_by(outbox.c.id)
        )
        return [(r[0], r[1], int(r[2])) for r in rows]

    def mails(self) -> list[tuple[Mail, datetime | None]]:
        """Mails queued (and when each was sent), oldest first."""
        rows = self._conn.execute(
            select(outbox.c.body, outbox.c.delivered_at)
            .where(outbox.c.channel == _MAIL)
            .order_by(outbox.c.id)
        )
        return [(_mail_of(r[0]), r[1]) for r in rows]

    def csp_notices(self) -> list[tuple[CspNotice, datetime | None]]:
        """Notices to the CSP (and when each was applied), oldest first."""
        rows = self._conn.execute(
            select(outbox.c.body, outbox.c.delivered_at)
            .where(outbox.c.channel == _CSP)
            .order_by(outbox.c.id)
        )
        return [(_csp_of(r[0]), r[1]) for r in rows]
