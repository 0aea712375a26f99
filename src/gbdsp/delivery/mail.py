"""The mail channel: queued notifications go out through the configured SMTP server.

Due mails are leased in one short transaction, sent with no transaction open, and marked
sent only once the server accepted them; a failure is retried with backoff, never given up.
At least once: a mail is sent again only if gbdsp dies (or its record fails) between the
server's acceptance and the record of it.
"""

from __future__ import annotations

import smtplib
from datetime import timedelta
from email.message import EmailMessage

from gbdsp.clock import Clock
from gbdsp.config import MailConfig
from gbdsp.store.outbox_repositories import QueuedMail
from gbdsp.store.store import Store

LEASE = timedelta(minutes=5)
"""Longer than a batch takes to send (each SMTP step times out after 10 s): no other round
or worker sends a leased mail while this one is still at it."""


def retry_after(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min ... at most hourly."""
    return timedelta(seconds=min(3600, 30 * 2**attempts))


def send_due(store: Store, clock: Clock, config: MailConfig, limit: int = 50) -> int:
    """Send up to `limit` due mails; returns how many the server accepted."""
    now = clock.now()
    with store.transaction() as tx:
        queued = tx.outbox.claim_mail(now, now + LEASE, limit)
    if not queued:
        return 0
    results = _send(queued, config)
    now = clock.now()
    with store.transaction() as tx:
        tx.outbox.delivered_many([m.id for m, error in results if error is None], now)
        for m, error in results:
            if error is not None:
                tx.outbox.failed(m.id, now + retry_after(m.attempts), error)
    return sum(1 for _, error in results if error is None)


def _send(queued: list[QueuedMail], config: MailConfig) -> list[tuple[QueuedMail, str | None]]:
    """Each mail with the server's refusal, or None once it accepted it."""
    results: list[tuple[QueuedMail, str | None]] = []
    try:
        with smtplib.SMTP(config.host, config.port, timeout=10) as smtp:
            for m in queued:
                message = EmailMessage()
                message["From"], message["To"] = config.sender, m.mail.to
                message["Subject"] = m.mail.subject
                message.set_content(m.mail.body)
                try:
                    smtp.send_message(message)
                    results.append((m, None))
                except smtplib.SMTPException as e:
                    results.append((m, str(e)))
    except (OSError, smtplib.SMTPException) as e:
        sent = {m.id for m, error in results if error is None}
        results = [
            (m, None if m.id in sent else f"SMTP {config.host}:{config.port}: {e}") for m in queued
        ]
    return results
