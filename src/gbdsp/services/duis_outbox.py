"""Signed DUIS messages into the outbox: the one place where the DSP signs a response or
alert it pushes to a User, serialises it and queues it (DUIS: every message the DSP sends
is signed with its XML-signing key). Queued in the caller's transaction, so the message is
sent if, and only if, what caused it is recorded."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from gbdsp.domain.ids import UserId
from gbdsp.duis import response as duis_response
from gbdsp.duis import signature
from gbdsp.duis.signature import SigningKey
from gbdsp.store.outbox_repositories import DuisMessage
from gbdsp.store.store import Transaction


def signed(
    root: etree._Element,
    signing_key: SigningKey,
    to: UserId,
    message_id: str,
    now: datetime,
    deliver_at: datetime | None = None,
) -> DuisMessage:
    """The message signed and serialised, ready for `tx.outbox.add`: signing may happen
    before the write transaction (housekeeping signs a batch while the gateway writes)."""
    signature.sign(root, signing_key)
    return DuisMessage(message_id, to, duis_response.serialise(root), now, deliver_at)


def enqueue_signed(
    tx: Transaction,
    root: etree._Element,
    signing_key: SigningKey,
    to: UserId,
    message_id: str,
    now: datetime,
    deliver_at: datetime | None = None,
) -> None:
    """Sign `root`, queue it for `to` under `message_id` (unique: the ResponseID, or the
    alert's key), to be pushed from `deliver_at` (default: at once)."""
    tx.outbox.add(signed(root, signing_key, to, message_id, now, deliver_at))
