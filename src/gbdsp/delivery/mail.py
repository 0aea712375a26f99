"""Mail relay: sends queued notifications through the configured SMTP server.

A mail is marked sent only after the server accepted it; failures are retried on the next
round (the relay in `gbdsp serve` runs one each pass).
"""

from __future__ import annotations

import smtplib
from datetime import timedelta
from email.message import EmailMessage

from sqlalchemy import select, update

from gbdsp.clock import Clock
from gbdsp.config import MailConfig
from gbdsp.store.store import Store
from gbdsp.store.tables import mail_outbox


def send_queued_mail(store: Store, clock: Clock, config: MailConfig, limit: int = 50) -> int:
    with store.read() as tx:
        rows = tx.connection.execute(
            select(
                mail_outbox.c.id,
                mail_outbox.c.to_address,
                mail_outbox.c.subject,
                mail_outbox.c.body,
                mail_outbox.c.attempts,
            )
            .where(mail_outbox.c.sent_at.is_(None), mail_outbox.c.next_attempt_at <= clock.now())
            .order_by(mail_outbox.c.id)
            .limit(limit)
        ).all()
    if not rows:
        return 0
    results: list[tuple[int, str | None]] = []
    try:
        with smtplib.SMTP(config.host, config.port, timeout=10) as smtp:
            for mail_id, to, subject, body, _ in rows:
                message = EmailMessage()
                message["From"], message["To"], message["Subject"] = config.sender, to, subject
                message.set_content(body)
                try:
                    smtp.send_message(message)
                    results.append((mail_id, None))
                except smtplib.SMTPException as e:
                    results.append((mail_id, str(e)))
    except (OSError, smtplib.SMTPException) as e:
        results = [(mail_id, f"SMTP {config.host}:{config.port}: {e}") for mail_id, *_ in rows]
    attempts = {r[0]: r[4] for r in rows}
    with store.transaction() as tx:
        for mail_id, error in results:
            # Never given up: retried after 30 s, 1 min, 2 min ... at most hourly.
            retry = clock.now() + timedelta(seconds=min(3600, 30 * 2 ** attempts[mail_id]))
            values = (
                {"sent_at": clock.now()}
                if error is None
                else {"last_error": error[:300], "next_attempt_at": retry}
            )
            tx.connection.execute(
                update(mail_outbox)
                .where(mail_outbox.c.id == mail_id)
                .values(attempts=mail_outbox.c.attempts + 1, **values)
            )
    return sum(1 for _, error in results if error is None)
